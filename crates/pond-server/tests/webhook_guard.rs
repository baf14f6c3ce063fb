//! The webhook SSRF guard over real HTTP on both backends, with a real
//! receiver on loopback (the only address these tests ever send to): a
//! loopback target is refused at registration without
//! `--webhook-allow-private` and delivered to with it; one that got into
//! the store anyway (by IP or by a name that resolves to loopback) is
//! refused at delivery, on the address the client would connect to.
//! The other private ranges are refused in the classifier's table test
//! (pond-core) and at registration (webhooks::guard), where nothing connects.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_server::Config;
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{TestApp, dropbox};

pond_store::both_backends!(
    with_permission_a_loopback_receiver_is_delivered_to,
    without_it_loopback_is_refused_at_registration_and_at_delivery,
);

fn config(allow_private: bool) -> Config {
    Config {
        webhook_retry: vec![Duration::from_millis(50); 2],
        webhook_poll: Duration::from_millis(20),
        webhook_timeout: Duration::from_secs(2),
        webhook_allow_private: allow_private,
        ..Config::default()
    }
}

/// A receiver on loopback that counts the POSTs it gets.
async fn receiver() -> (u16, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&hits);
    let router = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move || {
            let seen = Arc::clone(&seen);
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (port, hits)
}

/// A referral, so that `referral.created` is announced.
async fn refer(app: &TestApp) {
    let p = app.program(dropbox(0)).await;
    let a = app.member(json!({"external_id": "a"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    app.member(json!({"external_id": "b", "referral_code": code}))
        .await;
}

async fn deliveries(app: &TestApp, endpoint: i64) -> Vec<Value> {
    let (s, d) = app
        .get(&format!("/api/v1/webhooks/{endpoint}/deliveries"))
        .await;
    assert_eq!(s, 200, "{d}");
    d.as_array().unwrap().clone()
}

async fn with_permission_a_loopback_receiver_is_delivered_to(db: TestDb) {
    let (port, hits) = receiver().await;
    let app = support::spawn_with(db, config(true)).await;
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (s, e) = app
        .post(
            "/api/v1/webhooks",
            json!({"url": url, "events": ["referral.created"]}),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let endpoint = e["id"].as_i64().unwrap();
    refer(&app).await;
    for _ in 0..200 {
        if hits.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let d = deliveries(&app, endpoint).await;
    assert_eq!(d[0]["state"], "delivered", "{d:?}");
}

async fn without_it_loopback_is_refused_at_registration_and_at_delivery(db: TestDb) {
    let (port, hits) = receiver().await;
    let app = support::spawn_with(db, config(false)).await;
    for url in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
        format!("http://[::1]:{port}/hooks"),
    ] {
        let (s, e) = app
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["referral.created"]}),
            )
            .await;
        assert_eq!(s, 422, "{url}: {e}");
        assert_eq!(e["error"]["code"], "webhook_url_not_allowed", "{e}");
        assert_eq!(e["error"]["field"], "url", "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("loopback"),
            "{e}"
        );
    }
    let (_, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(list, json!([]), "nothing was stored");

    // Written straight to the store, past registration's check: as if the
    // name had pointed elsewhere then (DNS rebinding) or the flag was on.
    let mut ids = Vec::new();
    for url in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
    ] {
        let secret = pond_core::webhook_signature::Secret::generate().expose();
        let id = app
            .store
            .write(move |tx| {
                Box::pin(async move {
                    pond_store::webhooks::create_endpoint(
                        tx,
                        &url,
                        "referral.created",
                        &secret,
                        jiff::Timestamp::now(),
                    )
                    .await
                })
            })
            .await
            .unwrap();
        ids.push(id);
    }
    refer(&app).await;
    for id in &ids {
        let mut last = Vec::new();
        for _ in 0..200 {
            last = deliveries(&app, *id).await;
            if last.first().is_some_and(|d| d["state"] == "failed") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(last[0]["state"], "failed", "{last:?}");
        let error = last[0]["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("refused"), "{error}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the receiver"
    );
}
