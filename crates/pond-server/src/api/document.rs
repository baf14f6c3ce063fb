//! The OpenAPI document as served and kept in docs/openapi.json: what
//! utoipa generates from the handlers' annotations, then the rules that hold
//! for every operation stated once here rather than on sixty handlers, so
//! the document cannot forget an answer the extractors give.
//!
//! - Every operation may be refused 503 `busy` (the store's overload answer)
//!   and, when it asks for a token, 401 `unauthorized`.
//! - A path with parameters answers 404 for an id or code that names nothing.
//! - Query parameters: 400 for an unknown one, 422 for a value that cannot
//!   be read (see `params::query`).
//! - A body: 400 unreadable (malformed JSON), 413 over the limit, 422 of the
//!   wrong shape; a JSON body of another media type is 415; a write may
//!   conflict with existing data (409).
//! - An empty body reads as `{}` (`extract::read_body`), so a body whose
//!   fields are all optional is not required.
//! - A view that `#[serde(flatten)]`s a closed input (`ProgramView` holds a
//!   `ProgramSpec`, which refuses unknown fields) is written out as one
//!   object: `allOf` a closed schema would refuse the view's own fields.

use super::ApiDoc;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;
use utoipa::OpenApi;

/// The finished document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(build);

/// The OpenAPI document.
pub fn document() -> &'static Value {
    &DOCUMENT
}

fn build() -> Value {
    // Serialising utoipa's own types cannot fail; a null document would be
    // caught by the drift check and tests/openapi.rs.
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if let Some(op) = op.as_object_mut() {
                    operation(path, method, op, &schemas);
                }
            }
        }
    }
    tuples(&mut doc);
    program_patch(&mut doc);
    if let Some(all) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in all.values_mut() {
            close_flattened(schema, &schemas);
        }
    }
    doc
}

/// Why each error status may be answered, for the document's readers.
fn error(status: &str) -> Value {
    let why = match status {
        "400" => {
            "Unreadable request: malformed JSON, an unknown query parameter, a bad Idempotency-Key or filter (`malformed_json`, `invalid_query`, `invalid_idempotency_key`)."
        }
        "401" => "Missing, unknown or revoked token (`unauthorized`).",
        "404" => "No such resource (`not_found`, naming the parameter).",
        "409" => "Conflicts with existing data (`conflict`, `identity_taken`, `not_flagged`, ...).",
        "413" => "The body is over the limit (`body_too_large`).",
        "415" => "The body is not JSON (`unsupported_media_type`).",
        "422" => {
            "Well-formed but refused: a field or query value out of its rules, named in `field` (`invalid_body`, `invalid_query`, `idempotency_key_reused`, ...)."
        }
        _ => "Pond is busy; retry shortly with the same Idempotency-Key (`busy`).",
    };
    json!({
        "description": why,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn operation(path: &str, method: &str, op: &mut Map<String, Value>, schemas: &Map<String, Value>) {
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query" || p["in"] == "header"));
    let json_body = op
        .get("requestBody")
        .and_then(|b| b.pointer("/content/application~1json/schema"))
        .cloned();
    let has_body = op.contains_key("requestBody");
    let writes = matches!(method, "post" | "put" | "patch" | "delete");

    let mut statuses = vec!["503"];
    if secured {
        statuses.push("401");
    }
    if path.contains('{') {
        statuses.push("404");
    }
    if has_query || has_body {
        statuses.extend(["400", "422"]);
    }
    if has_body {
        statuses.push("413");
    }
    if json_body.is_some() {
        statuses.push("415");
    }
    if writes {
        statuses.push("409");
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(responses) = responses {
        for status in statuses {
            let r = responses
                .entry(status.to_string())
                .or_insert_with(|| error(status));
            // A handler's own declaration keeps its schema, gains the words.
            if r.get("description").and_then(Value::as_str) == Some("") {
                r["description"] = error(status)["description"].clone();
            }
        }
    }
    binary_bodies(op);
    // utoipa adds path parameters it reads from `Path<(String, String)>`
    // after the ones the annotation declares: keep the declared, typed one.
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        let mut seen = std::collections::BTreeSet::new();
        params.retain(|p| seen.insert((p["in"].to_string(), p["name"].to_string())));
    }

    if let (Some(schema), Some(body)) = (json_body, op.get_mut("requestBody")) {
        let resolved = resolve(&schema, schemas);
        let required = resolved
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty());
        let object =
            resolved.get("type") == Some(&json!("object")) || resolved.get("properties").is_some();
        body["required"] = Value::Bool(required || !object);
    }
}

/// The schema a `$ref` points at (one level; components are flat).
fn resolve<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| schemas.get(name))
        .unwrap_or(schema)
}

/// Rewrites `allOf` [closed object, extra fields] as one object holding
/// both sets of properties.
fn close_flattened(schema: &mut Value, schemas: &Map<String, Value>) {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return;
    };
    let closed = parts
        .iter()
        .any(|p| resolve(p, schemas).get("additionalProperties") == Some(&Value::Bool(false)));
    if !closed {
        return;
    }
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in parts {
        let part = resolve(part, schemas);
        if let Some(p) = part.get("properties").and_then(Value::as_object) {
            properties.extend(p.clone());
        }
        if let Some(r) = part.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let mut merged = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    if let Some(d) = schema.get("description") {
        merged["description"] = d.clone();
    }
    *schema = merged;
}

/// `prefixItems` + `items: false` (a tuple) becomes `prefixItems` with
/// `minItems` = `maxItems` = its length, everywhere in the document.
fn tuples(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("items") == Some(&Value::Bool(false))
                && let Some(n) = map
                    .get("prefixItems")
                    .and_then(Value::as_array)
                    .map(Vec::len)
            {
                map.remove("items");
                map.insert("minItems".into(), n.into());
                map.insert("maxItems".into(), n.into());
            }
            map.values_mut().for_each(tuples);
        }
        Value::Array(items) => items.iter_mut().for_each(tuples),
        _ => {}
    }
}

/// Every non-JSON request body and response is bytes: `string`, `binary`.
fn binary_bodies(op: &mut Map<String, Value>) {
    if let Some(c) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) {
        binary(c);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for c in responses.values_mut().filter_map(|r| r.get_mut("content")) {
            binary(c);
        }
    }
}

fn binary(content: &mut Value) {
    if let Some(content) = content.as_object_mut() {
        for (media, body) in content.iter_mut() {
            if media != "application/json" {
                body["schema"] = json!({"type": "string", "format": "binary"});
            }
        }
    }
}

/// `ProgramPatch`: `ProgramSpec` with every field optional, the body of
/// `PATCH /programs/{id}` (the handler merges it into the stored spec and
/// validates the result as a whole).
fn program_patch(doc: &mut Value) {
    let Some(mut patch) = doc.pointer("/components/schemas/ProgramSpec").cloned() else {
        return;
    };
    if let Some(p) = patch.as_object_mut() {
        p.remove("required");
        p.insert(
            "description".into(),
            "Any of a program's fields; the result is validated and reviewed again.".into(),
        );
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.insert("ProgramPatch".into(), patch);
    }
    if let Some(body) = doc.pointer_mut(
        "/paths/~1api~1v1~1programs~1{id}/patch/requestBody/content/application~1json/schema",
    ) {
        *body = json!({"$ref": "#/components/schemas/ProgramPatch"});
    }
}
