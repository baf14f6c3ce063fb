//! Outbound webhooks over real HTTP on both backends: deliveries verified
//! by the Standard Webhooks reference library (Python `standardwebhooks`),
//! a receiver that was down gets every event with a stable id, an endpoint
//! that keeps failing is disabled with a notice and replays keep the id,
//! and bad input is refused.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use axum::http::{HeaderMap, StatusCode};
use pond_server::Config;
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{TestApp, dropbox};
use tokio::io::{AsyncBufReadExt, BufReader};

pond_store::both_backends!(
    the_reference_library_accepts_every_event,
    a_receiver_that_was_down_gets_every_event,
    an_exhausted_live_code_is_announced,
    a_failing_endpoint_is_disabled_and_replays_keep_the_id,
    bad_endpoints_are_refused,
);

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../pond-import/tests/data/public"
);
const ALL: [&str; 7] = [
    "referral.created",
    "referral.flagged",
    "reward.approved",
    "reward.voided",
    "complaint.opened",
    "group.state_changed",
    "livecode.exhausted",
];

fn fast(retry: Vec<Duration>) -> Config {
    Config {
        webhook_retry: retry,
        webhook_poll: Duration::from_millis(20),
        webhook_timeout: Duration::from_secs(2),
        group_states_every: Duration::from_millis(100),
        ..Config::default()
    }
}

/// A port nothing listens on (bound, then let go).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn register(app: &TestApp, url: &str, events: &[&str]) -> (i64, String) {
    let (s, e) = app
        .post("/api/v1/webhooks", json!({"url": url, "events": events}))
        .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["state"], "active");
    (
        e["id"].as_i64().unwrap(),
        e["secret"].as_str().unwrap().to_string(),
    )
}

/// Waits until `done` holds, up to 20 s.
async fn until<F: AsyncFnMut() -> bool>(what: &str, mut done: F) {
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn deliveries(app: &TestApp, endpoint: i64) -> Vec<Value> {
    let (s, d) = app
        .get(&format!("/api/v1/webhooks/{endpoint}/deliveries?limit=200"))
        .await;
    assert_eq!(s, 200, "{d}");
    d.as_array().unwrap().clone()
}

/// Referral, flag, approvals and voids through the API: the events each
/// flow announces.
async fn referral_story(app: &TestApp) {
    let p = app.program(dropbox(0)).await;
    let a = app.member(json!({"email": "Ann.Lee@gmail.com"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    // referral.created, then two reward.approved on the paid order.
    let b = app
        .member(json!({"external_id": "pos-b", "referral_code": code}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (s, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": b, "order_id": "o-1", "amount": 900}),
        )
        .await;
    assert_eq!((s, &e["effect"]), (200, &json!("qualified")), "{e}");
    // The same inbox behind an alias: referral.flagged and referral.created.
    let c = app
        .member(json!({"email": "annlee+2@gmail.com", "referral_code": code}))
        .await;
    assert_eq!(c["referral"]["review"], "flagged");
    // A program with a hold: rewards wait, then a refund voids both.
    let held = app.program(dropbox(14)).await;
    let code = app.code(held, a).await;
    let d = app
        .member(json!({"external_id": "pos-d", "referral_code": code}))
        .await["id"]
        .as_i64()
        .unwrap();
    for kind in ["order.paid", "order.refunded"] {
        let (s, e) = app
            .post(
                "/api/v1/events",
                json!({"type": kind, "member_id": d, "order_id": "o-9", "amount": 900}),
            )
            .await;
        assert_eq!(s, 200, "{e}");
    }
}

async fn the_reference_library_accepts_every_event(db: TestDb) {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the reference verifier: python3 -m pip install standardwebhooks"
        );
        eprintln!(
            "skipped: python3 with `standardwebhooks` is not installed (pip install standardwebhooks)"
        );
        return;
    }
    let app = support::spawn_with(db, fast(vec![Duration::from_millis(100); 5])).await;
    let port = free_port();
    let (endpoint, secret) = register(&app, &format!("http://127.0.0.1:{port}/hooks"), &ALL).await;

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/standardwebhooks_receiver.py"
    );
    let mut child = tokio::process::Command::new("python3")
        .args([script, &port.to_string(), &secret])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next_line().await.unwrap().unwrap();
    assert!(ready.contains("listening"), "{ready}");
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock()
                .unwrap()
                .push(serde_json::from_str(&line).unwrap());
        }
    });

    referral_story(&app).await;

    // A group with old history (its first classification announces nothing),
    // then customers complain today: complaint.opened twice, and the group
    // comes back to life: group.state_changed.
    let export = std::fs::read(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/imports?group=Roses"))
        .bearer_auth(&app.token)
        .body(export)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let store = app.store.clone();
    until("the group's first classification", async || {
        let mut tx = store.read().await.unwrap();
        !pond_store::webhooks::group_states(&mut tx)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let now = jiff::Timestamp::now().to_string();
    let batch = json!({"events": [
        {"id": "c1", "type": "message", "at": now, "person": {"name": "Mei"},
         "text": "昨天送来的花全都枯萎了，我要退款，太差了"},
        {"id": "c3", "type": "message", "at": now, "person": {"name": "Ann"},
         "text": "The roses arrived late and wilted, I want a refund"}
    ]});
    let (s, added) = app.post("/api/v1/groups/1/events", batch).await;
    assert_eq!((s, &added["alerts"]), (200, &json!(2)), "{added}");

    let expected = BTreeMap::from([
        ("complaint.opened", 2),
        ("group.state_changed", 1),
        ("referral.created", 3),
        ("referral.flagged", 1),
        ("reward.approved", 2),
        ("reward.voided", 2),
    ]);
    let total: usize = expected.values().sum();
    until(
        "every event verified by the reference library",
        async || seen.lock().unwrap().len() >= total,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|l| l["ok"] == true), "{seen:?}");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &seen {
        *counts.entry(l["type"].as_str().unwrap()).or_default() += 1;
    }
    assert_eq!(counts, expected, "{seen:?}");
    let ids: HashSet<&str> = seen.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), total, "each event has its own id");
    let log = deliveries(&app, endpoint).await;
    assert_eq!(log.len(), total);
    for d in &log {
        assert_eq!(d["state"], "delivered", "{d}");
        assert!(ids.contains(d["message_id"].as_str().unwrap()), "{d}");
    }
}

/// What a Rust receiver saw: each request's id and type, and whether its
/// signature verified with the endpoint's secret.
type Seen = Arc<Mutex<Vec<(String, String, bool)>>>;

/// Serves on `port`, answering 500 while `fail` is set and 204 otherwise.
async fn receiver(port: u16, secret: &str, fail: Arc<AtomicBool>) -> Seen {
    let seen: Seen = Arc::default();
    let secret = pond_core::webhook_signature::Secret::parse(secret).unwrap();
    let sink = Arc::clone(&seen);
    let handler = move |headers: HeaderMap, body: axum::body::Bytes| {
        let (sink, secret, fail) = (Arc::clone(&sink), secret.clone(), Arc::clone(&fail));
        async move {
            let h = |n: &str| headers[n].to_str().unwrap().to_string();
            let now = jiff::Timestamp::now().as_second();
            let verified = secret
                .verify(
                    &h("webhook-id"),
                    &h("webhook-timestamp"),
                    &h("webhook-signature"),
                    &body,
                    now,
                    300,
                )
                .is_ok();
            let v: Value = serde_json::from_slice(&body).unwrap();
            let kind = v["type"].as_str().unwrap().to_string();
            sink.lock().unwrap().push((h("webhook-id"), kind, verified));
            if fail.load(Ordering::SeqCst) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            }
        }
    };
    let router = axum::Router::new().route("/hooks", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    seen
}

async fn a_receiver_that_was_down_gets_every_event(db: TestDb) {
    let app = support::spawn_with(db, fast(vec![Duration::from_millis(100); 40])).await;
    let port = free_port();
    let (endpoint, secret) = register(&app, &format!("http://127.0.0.1:{port}/hooks"), &ALL).await;
    referral_story(&app).await;
    // Nothing listens: every delivery fails, more than once.
    until("failed attempts", async || {
        let log = deliveries(&app, endpoint).await;
        log.len() == 8 && log.iter().all(|d| d["attempts"].as_i64().unwrap() >= 2)
    })
    .await;
    let log = deliveries(&app, endpoint).await;
    assert!(log.iter().all(|d| d["state"] == "pending"), "{log:?}");

    let seen = receiver(port, &secret, Arc::default()).await;
    until("every event delivered", async || {
        deliveries(&app, endpoint)
            .await
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|(_, _, ok)| *ok), "{seen:?}");
    let got: HashSet<&str> = seen.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(got.len(), 8, "each event arrives, once: {seen:?}");
    for d in deliveries(&app, endpoint).await {
        let id = d["message_id"].as_str().unwrap();
        assert!(got.contains(id), "{d}");
        // Its failed attempts and the delivered one are in the log of the
        // same delivery, under the same message id.
        let (s, one) = app
            .get(&format!(
                "/api/v1/webhooks/{endpoint}/deliveries/{}",
                d["id"]
            ))
            .await;
        assert_eq!(s, 200, "{one}");
        assert_eq!(one["message_id"], id);
        let attempts = one["log"].as_array().unwrap();
        assert!(attempts.len() >= 3, "{one}");
        let (last, failed) = attempts.split_last().unwrap();
        assert_eq!(last["status"], 204, "{one}");
        assert!(
            failed
                .iter()
                .all(|a| a["status"].is_null() && a["error"].is_string()),
            "{one}"
        );
    }
}

async fn a_failing_endpoint_is_disabled_and_replays_keep_the_id(db: TestDb) {
    let app = support::spawn_with(db, fast(vec![Duration::from_millis(20); 3])).await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (endpoint, secret) = register(&app, &url, &["referral.created"]).await;
    let fail = Arc::new(AtomicBool::new(true));
    let seen = receiver(port, &secret, Arc::clone(&fail)).await;

    let p = app.program(dropbox(0)).await;
    let a = app.member(json!({"external_id": "a"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    app.member(json!({"external_id": "b", "referral_code": code}))
        .await;

    until("the endpoint disabled", async || {
        app.get(&format!("/api/v1/webhooks/{endpoint}")).await.1["state"] == "disabled"
    })
    .await;
    let (_, notices) = app.get("/api/v1/notices").await;
    let notice = notices
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "webhook.disabled")
        .unwrap_or_else(|| panic!("no webhook.disabled notice: {notices}"));
    assert_eq!(notice["subject"], format!("webhook:{endpoint}"));
    assert!(
        notice["message"].as_str().unwrap().contains(&url),
        "{notice}"
    );
    let log = deliveries(&app, endpoint).await;
    assert_eq!(
        (log.len(), &log[0]["state"], &log[0]["attempts"]),
        (1, &json!("failed"), &json!(4)),
        "one attempt and three retries: {log:?}"
    );
    assert_eq!(log[0]["last_status"], 500);
    let id = log[0]["message_id"].as_str().unwrap().to_string();
    let delivery = log[0]["id"].as_i64().unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(seen.iter().all(|(i, _, ok)| *i == id && *ok), "{seen:?}");
    }

    // A disabled endpoint takes no replay; enabling it sends the failed one.
    let replay = format!("/api/v1/webhooks/{endpoint}/deliveries/{delivery}/replay");
    let (s, e) = app.post(&replay, json!({})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("endpoint_disabled"))
    );
    fail.store(false, Ordering::SeqCst);
    let (s, e) = app
        .post(&format!("/api/v1/webhooks/{endpoint}/enable"), json!({}))
        .await;
    assert_eq!(
        (s, &e["state"], &e["requeued"]),
        (200, &json!("active"), &json!(1)),
        "{e}"
    );
    until("the requeued delivery", async || {
        seen.lock().unwrap().len() == 5
    })
    .await;
    let (s, _) = app.post(&replay, json!({})).await;
    assert_eq!(s, 200);
    until("the replay", async || seen.lock().unwrap().len() == 6).await;
    assert!(
        seen.lock().unwrap().iter().all(|(i, _, _)| *i == id),
        "every attempt and replay carries the same webhook-id"
    );
    until("the log to show it delivered", async || {
        deliveries(&app, endpoint).await[0]["state"] == "delivered"
    })
    .await;
    let (s, e) = app
        .post("/api/v1/webhooks/999/deliveries/1/replay", json!({}))
        .await;
    assert_eq!(s, 404, "{e}");
}

async fn bad_endpoints_are_refused(db: TestDb) {
    let app = support::spawn(db).await;
    let cases = [
        (
            json!({"url": "https://shop.example/h", "events": ["referral.created", "order.paid"]}),
            "unknown_event",
            "events[1]",
        ),
        (
            json!({"url": "ftp://shop.example/h", "events": ["referral.created"]}),
            "invalid_url",
            "url",
        ),
        (
            json!({"url": "not a url", "events": ["referral.created"]}),
            "invalid_url",
            "url",
        ),
        (
            json!({"url": "https://shop.example/h", "events": []}),
            "invalid_events",
            "events",
        ),
    ];
    for (body, code, field) in cases {
        let (s, e) = app.post("/api/v1/webhooks", body.clone()).await;
        assert_eq!(s, 422, "{body}: {e}");
        assert_eq!(e["error"]["code"], code, "{e}");
        assert_eq!(e["error"]["field"], field, "{e}");
    }
    let (s, e) = app
        .post("/api/v1/webhooks", json!({"url": "https://x.example"}))
        .await;
    assert_eq!(s, 422, "{e}");
    let (id, secret) = register(&app, "https://shop.example/hooks", &["reward.approved"]).await;
    assert!(secret.starts_with("whsec_"));
    let (s, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["id"], id);
    assert!(
        list[0].get("secret").is_none(),
        "secrets are shown once: {list}"
    );
    assert_eq!(list[0]["events"], json!(["reward.approved"]));
    let (s, _) = app.get("/api/v1/webhooks/999").await;
    assert_eq!(s, 404);
    let (s, e) = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries?state=maybe"))
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = app
        .post(&format!("/api/v1/webhooks/{id}/disable"), json!({}))
        .await;
    assert_eq!((s, &e["state"]), (200, &json!("disabled")));
    let r = app
        .http
        .get(app.url("/api/v1/webhooks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The last place in a live code's only group is taken; the next visitor
/// finds it full, and the shop's systems hear `livecode.exhausted` once.
async fn an_exhausted_live_code_is_announced(db: TestDb) {
    let app = support::spawn_with(db, fast(vec![Duration::from_millis(100); 5])).await;
    let port = free_port();
    let (_, secret) = register(
        &app,
        &format!("http://127.0.0.1:{port}/hooks"),
        &["livecode.exhausted"],
    )
    .await;
    let seen = receiver(port, &secret, Arc::default()).await;
    let (s, lc) = app
        .post(
            "/api/v1/livecodes",
            serde_json::json!({"name": "Counter", "targets": [{"name": "Rose Club", "capacity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{lc}");
    let code = lc["code"].as_str().unwrap();
    let target = lc["targets"][0]["id"].as_i64().unwrap();
    let png = pond_server::qr::png("https://weixin.qq.com/g/rose").unwrap();
    let r = app
        .http
        .put(app.url(&format!("/api/v1/livecodes/{code}/targets/{target}/qr")))
        .bearer_auth(&app.token)
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let r = app
            .http
            .get(app.url(&format!("/j/{code}")))
            .header("x-forwarded-for", ip)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    until("livecode.exhausted delivered", async || {
        !seen.lock().unwrap().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].1, "livecode.exhausted");
    assert!(seen[0].2, "signature verifies");
}
