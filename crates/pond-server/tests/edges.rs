//! Bad input at every door gets a 4xx JSON error that names the problem:
//! never a 5xx, never a panic.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::{dropbox, spawn};

pond_store::both_backends!(
    bad_input_gets_named_4xx,
    idempotency_keys_follow_stripe,
    openapi_is_served
);

async fn raw(
    app: &support::TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    ctype: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut r = app
        .http
        .request(method.parse().unwrap(), app.url(path))
        .body(body);
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    if let Some(c) = ctype {
        r = r.header("content-type", c);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    (status, v)
}

fn assert_error(case: &str, got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{case}: {:?}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{case}: {:?}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{case}"
    );
}

async fn bad_input_gets_named_4xx(db: TestDb) {
    let app = spawn(db).await;
    let t = Some(app.token.as_str());
    let js = Some("application/json");
    let p = app.program(dropbox(0)).await;

    let r = raw(
        &app,
        "POST",
        "/api/v1/members",
        t,
        js,
        b"{\"phone\": ".to_vec(),
    )
    .await;
    assert_error("malformed JSON", &r, 400, "malformed_json");

    let r = raw(
        &app,
        "POST",
        "/api/v1/members",
        t,
        js,
        br#"{"phone":"13800000001","nickname":"x"}"#.to_vec(),
    )
    .await;
    assert_error("unknown field", &r, 422, "invalid_body");
    assert!(
        r.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nickname")
    );

    let r = raw(
        &app,
        "POST",
        "/api/v1/events",
        t,
        js,
        br#"{"type":"order.paid","member_id":"seven"}"#.to_vec(),
    )
    .await;
    assert_error("wrong type", &r, 422, "invalid_body");
    assert_eq!(r.1["error"]["field"], "member_id");

    let mut spec = dropbox(0);
    spec["rewards"][0]["amount"] = json!("lots");
    let r = raw(
        &app,
        "POST",
        "/api/v1/programs",
        t,
        js,
        serde_json::to_vec(&spec).unwrap(),
    )
    .await;
    assert_error("wrong nested type", &r, 422, "invalid_body");
    assert_eq!(r.1["error"]["field"], "rewards[0].amount");

    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(70 * 1024));
    let r = raw(&app, "POST", "/api/v1/members", t, js, big.into_bytes()).await;
    assert_error("body over the limit", &r, 413, "body_too_large");

    let r = raw(
        &app,
        "POST",
        "/api/v1/members",
        t,
        Some("text/plain"),
        b"{}".to_vec(),
    )
    .await;
    assert_error("not JSON", &r, 415, "unsupported_media_type");

    // The public doors answer JSON to a client that asks for it (a
    // customer's browser gets a page: tests/friendly_pages.rs).
    for (case, path) in [
        ("unknown code", "/r/NOSUCHCODE"),
        ("garbage code", "/r/%F0%9F%92%90/qr.png"),
    ] {
        let resp = app
            .http
            .get(app.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let r = (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        );
        assert_error(case, &r, 404, "not_found");
    }
    let r = app
        .post(
            "/api/v1/members",
            json!({"phone": "13800000009", "referral_code": "ABCDEFGHJK"}),
        )
        .await;
    assert_error("unknown code at signup", &r, 404, "not_found");
    assert_eq!(r.1["error"]["field"], "referral_code");

    let r = raw(&app, "GET", "/api/v1/programs", None, None, vec![]).await;
    assert_error("missing token", &r, 401, "unauthorized");
    let r = raw(
        &app,
        "GET",
        "/api/v1/programs",
        Some("pond_wrong"),
        None,
        vec![],
    )
    .await;
    assert_error("wrong token", &r, 401, "unauthorized");
    let r = raw(
        &app,
        "POST",
        "/api/v1/events",
        Some("pond_wrong"),
        js,
        b"{}".to_vec(),
    )
    .await;
    assert_error("wrong token on a write", &r, 401, "unauthorized");

    let r = app.post("/api/v1/members", json!({"phone": "12"})).await;
    assert_error("bad phone", &r, 422, "invalid_phone");
    assert_eq!(r.1["error"]["field"], "phone");
    let r = app.post("/api/v1/members", json!({"name": "nobody"})).await;
    assert_error("no identity", &r, 422, "missing_identity");
    let m = app.member(json!({"phone": "13800000001"})).await["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post("/api/v1/members", json!({"phone": "+86 138 0000 0001"}))
        .await;
    assert_error("taken phone", &r, 409, "identity_taken");

    let r = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": 1}),
        )
        .await;
    assert_error("order without id", &r, 422, "missing_field");
    let r = app
        .post(
            "/api/v1/events",
            json!({"type": "Order Paid!", "member_id": 1}),
        )
        .await;
    assert_error("bad event type", &r, 422, "invalid_event_type");
    let r = app
        .post(
            "/api/v1/events",
            json!({"type": "signup", "member_id": 999999}),
        )
        .await;
    assert_error("unknown member", &r, 404, "not_found");

    let r = app.get("/api/v1/members/abc").await;
    assert_error("non-numeric id", &r, 404, "not_found");
    let r = app.get("/api/v1/members/9223372036854775807").await;
    assert_error("absent id", &r, 404, "not_found");
    let r = app.get("/api/v1/referrals?status=bogus").await;
    assert_error("bad filter", &r, 400, "invalid_query");
    let r = app.get("/api/v1/members?limit=many").await;
    assert_error("bad query type", &r, 400, "invalid_query");
    let r = app.get("/api/v1/nothing-here").await;
    assert_error("unknown route", &r, 404, "not_found");
    let r = raw(&app, "DELETE", "/api/v1/programs", t, None, vec![]).await;
    assert_error("wrong method", &r, 405, "method_not_allowed");
    let r = app
        .patch(
            &format!("/api/v1/programs/{p}"),
            json!(["not", "an", "object"]),
        )
        .await;
    assert_error("patch with an array", &r, 422, "invalid_body");
    let r = app
        .post(
            &format!("/api/v1/members/{m}/redemptions"),
            json!({"amount": -5, "unit": "MB", "reference": "x"}),
        )
        .await;
    assert_error("negative redemption", &r, 422, "invalid_amount");
    let r = raw(
        &app,
        "POST",
        "/api/v1/referrals/424242/approve",
        t,
        None,
        vec![],
    )
    .await;
    assert_error(
        "approve of a missing referral, empty body",
        &r,
        404,
        "not_found",
    );
}

async fn idempotency_keys_follow_stripe(db: TestDb) {
    let app = spawn(db).await;
    let body = json!({"external_id": "k-1", "name": "Kay"});
    let first = app
        .post_with("/api/v1/members", body.clone(), Some("k1"))
        .await;
    assert_eq!(first.0, 201);
    let again = app.post_with("/api/v1/members", body, Some("k1")).await;
    assert_eq!(again, first, "same key and body replays the first response");
    let other = app
        .post_with("/api/v1/members", json!({"external_id": "k-2"}), Some("k1"))
        .await;
    assert_error(
        "same key, different body",
        &other,
        422,
        "idempotency_key_reused",
    );
    let long = "k".repeat(300);
    let r = app
        .post_with(
            "/api/v1/members",
            json!({"external_id": "k-3"}),
            Some(&long),
        )
        .await;
    assert_error("key too long", &r, 400, "invalid_idempotency_key");
    // A failed request stores nothing: the key is free for a corrected retry.
    let bad = app
        .post_with("/api/v1/members", json!({"phone": "1"}), Some("k4"))
        .await;
    assert_eq!(bad.0, 422);
    let good = app
        .post_with(
            "/api/v1/members",
            json!({"phone": "13800000004"}),
            Some("k4"),
        )
        .await;
    assert_eq!(good.0, 201);
}

async fn openapi_is_served(db: TestDb) {
    let app = spawn(db).await;
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    for path in [
        "/api/v1/programs",
        "/api/v1/members",
        "/api/v1/events",
        "/api/v1/referrals/{id}/approve",
        "/api/v1/members/{id}/redemptions",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ProgramSpec"].is_object());
}
