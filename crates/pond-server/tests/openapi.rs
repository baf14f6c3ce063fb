//! The served OpenAPI document is one a client generator and a fuzzer can
//! use (issue 23): every path parameter declared, query parameters in the
//! query, unique operation ids and schema names, every `$ref` resolvable,
//! every error an operation can answer declared; and query and path errors
//! name the parameter with the status docs/api.md gives. tests/contract/
//! checks the same document with schemathesis and a generated client.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pond_store::both_backends!(
    served_document_is_exact,
    query_and_path_errors_name_the_parameter
);

async fn served(app: &support::TestApp) -> Value {
    // The document needs no token.
    let r = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Operations as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// Every problem with the document's parameters, one line each.
fn parameter_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (method, path, op) in operations(doc) {
        let template: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_string)
            .collect();
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path: BTreeSet<String> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        for missing in template.difference(&in_path) {
            problems.push(format!("{method} {path}: `{missing}` is not declared"));
        }
        for extra in in_path.difference(&template) {
            problems.push(format!(
                "{method} {path}: `{extra}` is declared in: path but is not in the template"
            ));
        }
        let mut seen = BTreeSet::new();
        for p in &params {
            let key = (p["in"].to_string(), p["name"].to_string());
            if !seen.insert(key) {
                problems.push(format!("{method} {path}: {} declared twice", p["name"]));
            }
            if p["in"] == "path" && p["required"] != true {
                problems.push(format!("{method} {path}: {} must be required", p["name"]));
            }
        }
    }
    problems
}

#[test]
fn the_walk_finds_an_undeclared_or_misplaced_parameter() {
    // The check itself can fail: a template parameter left out, and a query
    // parameter marked `in: path`, are both reported.
    let doc = json!({"paths": {"/api/v1/members/{id}": {"get": {"parameters": [
        {"name": "limit", "in": "path", "required": true}
    ]}}}});
    let problems = parameter_problems(&doc);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`id` is not declared"), "{problems:?}");
    assert!(
        problems[1].contains("`limit` is declared in: path"),
        "{problems:?}"
    );
}

fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                out.insert(r.to_string());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

async fn served_document_is_exact(db: TestDb) {
    let app = support::spawn(db).await;
    let doc = served(&app).await;
    let printed: Value = serde_json::from_str(&pond_server::api::openapi_json()).unwrap();
    assert_eq!(doc, printed, "`pond openapi` prints what is served");

    let problems = parameter_problems(&doc);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Unique operation ids: generators name functions after them.
    let mut ids = BTreeMap::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap().to_string();
        if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} names both {other} and {method} {path}");
        }
    }

    // Every reference resolves.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = BTreeSet::new();
    refs(&doc, &mut all);
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }

    // Bearer on every operation, none on the document.
    assert!(doc.get("security").is_none(), "no document-wide security");
    for (method, path, op) in operations(&doc) {
        assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
        let responses = op["responses"].as_object().unwrap();
        let mut must = vec!["401", "503"];
        if path.contains('{') {
            must.push("404");
        }
        if op.get("requestBody").is_some() {
            must.extend(["400", "413", "422"]);
        }
        for status in must {
            let r = responses
                .get(status)
                .unwrap_or_else(|| panic!("{method} {path} does not declare {status}"));
            assert_eq!(
                r["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} {status}"
            );
        }
    }

    // The names that used to collide now name one thing each.
    assert_eq!(
        schemas["ProgramStatus"]["enum"],
        json!(["draft", "active", "paused", "ended"]).clone(),
        "a program's status"
    );
    assert_eq!(
        schemas["ReferralStatus"]["enum"],
        json!(["attributed", "qualified", "rejected"])
    );
    assert!(schemas.get("Status").is_none() && schemas.get("Decision").is_none());
    assert!(
        schemas["AskDecision"]["properties"]
            .get("allowed")
            .is_some()
    );
    let view = &schemas["ProgramView"];
    assert!(view.get("allOf").is_none(), "ProgramView is one object");
    for field in [
        "id",
        "name",
        "warnings",
        "value_audit",
        "created_at",
        "status",
    ] {
        assert!(
            view["properties"].get(field).is_some(),
            "ProgramView.{field}"
        );
    }
    let fit_items = &schemas["FitReport"]["properties"]["k_by_period"]["items"]["$ref"];
    assert_eq!(fit_items, "#/components/schemas/FitPeriod");

    // Bodies that may be empty are not required.
    let approve = &doc["paths"]["/api/v1/referrals/{id}/approve"]["post"];
    assert_eq!(approve["requestBody"]["required"], false);
    let create = &doc["paths"]["/api/v1/programs"]["post"];
    assert_eq!(create["requestBody"]["required"], true);
}

async fn query_and_path_errors_name_the_parameter(db: TestDb) {
    let app = support::spawn(db).await;
    let cases = [
        (
            "/api/v1/groups/report?as_of=bad",
            422,
            "invalid_query",
            "as_of",
        ),
        (
            "/api/v1/groups/report?when=2026-01-01",
            400,
            "invalid_query",
            "when",
        ),
        ("/api/v1/members?limit=many", 422, "invalid_query", "limit"),
        (
            "/api/v1/growth?period_days=-1",
            422,
            "invalid_query",
            "period_days",
        ),
        ("/api/v1/members/abc", 404, "not_found", "id"),
        (
            "/api/v1/webhooks/1/deliveries/x",
            404,
            "not_found",
            "delivery_id",
        ),
    ];
    for (path, status, code, field) in cases {
        let (s, e) = app.get(path).await;
        assert_eq!(s, status, "{path}: {e}");
        assert_eq!(e["error"]["code"], code, "{path}: {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
}
