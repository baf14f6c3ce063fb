//! Live codes (活码) over real HTTP on both backends: visitors spread over
//! the target groups by strategy, full, expired, unuploaded and switched-off
//! groups are skipped, the "full" page and the operator's notice come when
//! nothing is left, and bad input is refused with the field named.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::TestApp;

pond_store::both_backends!(
    fill_first_sends_six_then_the_full_page_and_a_notice,
    round_robin_takes_turns,
    closed_targets_are_skipped,
    concurrent_visitors_never_overfill,
    bad_input_is_refused_with_the_field_named,
);

fn three_groups(strategy: &str) -> Value {
    json!({
        "name": "Shop counter",
        "strategy": strategy,
        "targets": [
            {"name": "Rose Club 1", "capacity": 2},
            {"name": "Rose Club 2", "capacity": 2},
            {"name": "Rose Club 3", "capacity": 2}
        ]
    })
}

/// Creates a live code; answers its view.
async fn create(app: &TestApp, body: Value) -> Value {
    let (s, lc) = app.post("/api/v1/livecodes", body).await;
    assert_eq!(s, 201, "{lc}");
    lc
}

fn target_ids(lc: &Value) -> Vec<i64> {
    lc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

/// Uploads a group QR image (a real PNG) for a target.
async fn upload(app: &TestApp, code: &str, target: i64, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .put(app.url(&format!("/api/v1/livecodes/{code}/targets/{target}/qr")))
        .bearer_auth(&app.token)
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn upload_all(app: &TestApp, lc: &Value) {
    let code = lc["code"].as_str().unwrap();
    for id in target_ids(lc) {
        let png = pond_server::qr::png(&format!("https://weixin.qq.com/g/group-{id}")).unwrap();
        let (s, v) = upload(app, code, id, png).await;
        assert_eq!(s, 200, "{v}");
    }
}

/// What a visitor from `ip` sees: the target id on the page, or None for
/// the "full" page.
async fn visit(app: &TestApp, code: &str, ip: &str) -> Option<i64> {
    let r = app
        .http
        .get(app.url(&format!("/j/{code}")))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    if page.contains("id=\"full\"") {
        assert!(page.contains("All groups are full"), "{page}");
        return None;
    }
    let marker = format!("/j/{code}/qr/");
    let at = page.find(&marker).unwrap_or_else(|| panic!("{page}")) + marker.len();
    let id: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(page.contains("Long-press"), "{page}");
    Some(id.parse().unwrap())
}

async fn fill_first_sends_six_then_the_full_page_and_a_notice(db: TestDb) {
    let app = support::spawn_with(db, support::behind_proxy()).await;
    let lc = create(&app, three_groups("fill_first")).await;
    let code = lc["code"].as_str().unwrap().to_string();
    assert_eq!(lc["url"], app.url(&format!("/j/{code}")));
    assert_eq!(lc["state"], "shop-counter");
    assert_eq!(lc["exhausted"], true, "no QR uploaded yet: {lc}");
    upload_all(&app, &lc).await;
    let [a, b, c] = target_ids(&lc)[..] else {
        panic!("{lc}")
    };

    let mut seen = Vec::new();
    for i in 1..=6 {
        seen.push(visit(&app, &code, &format!("10.0.0.{i}")).await);
    }
    assert_eq!(seen, [Some(a), Some(a), Some(b), Some(b), Some(c), Some(c)]);
    // A refresh by the first visitor shows their group again without
    // taking a place.
    assert_eq!(visit(&app, &code, "10.0.0.1").await, Some(a));

    // The 7th visitor gets the friendly page, and the operator is told, once.
    assert_eq!(visit(&app, &code, "10.0.0.7").await, None);
    // Whatever the user agent says, one address holds one place: a script
    // varying it sees the first visitor's group again and takes nothing.
    let other = app
        .http
        .get(app.url(&format!("/j/{code}")))
        .header("x-forwarded-for", "10.0.0.1")
        .header("user-agent", "Another phone MicroMessenger/8.0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(other.contains(&format!("/j/{code}/qr/{a}")), "{other}");
    assert_eq!(visit(&app, &code, "10.0.0.8").await, None);
    let (s, notices) = app.get("/api/v1/notices").await;
    assert_eq!(s, 200, "{notices}");
    let ours: Vec<&Value> = notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "livecode.exhausted")
        .collect();
    assert_eq!(ours.len(), 1, "{notices}");
    assert_eq!(ours[0]["subject"], format!("livecode:{code}"));

    let (s, v) = app.get(&format!("/api/v1/livecodes/{code}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exhausted"], true);
    let assigned: Vec<i64> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["assigned"].as_i64().unwrap())
        .collect();
    assert_eq!(assigned, [2, 2, 2]);
    assert!(
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "full")
    );
    let visits = &v["visits"][0];
    assert_eq!(
        (
            &visits["state"],
            &visits["visits"],
            &visits["counted"],
            &visits["turned_away"]
        ),
        // Turned away: the 7th and 8th; the other user agent on the first
        // visitor's address was shown that visitor's group.
        (&json!("shop-counter"), &json!(10), &json!(6), &json!(2)),
        "{v}"
    );

    // More room: the next visitor gets in and the notice resolves itself.
    let (s, v) = app
        .patch(
            &format!("/api/v1/livecodes/{code}/targets/{b}"),
            json!({"capacity": 3}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(visit(&app, &code, "10.0.0.9").await, Some(b));
    let (_, open) = app.get("/api/v1/notices").await;
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "livecode.exhausted"),
        "{open}"
    );

    // The group QR is served as uploaded; the live code's own QR reads as its link.
    let img = app
        .http
        .get(app.url(&format!("/j/{code}/qr/{a}.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    let png = img.bytes().await.unwrap();
    assert_eq!(read_qr(&png), format!("https://weixin.qq.com/g/group-{a}"));
    let own = app
        .http
        .get(app.url(&format!("/j/{code}/qr.png")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(read_qr(&own), app.url(&format!("/j/{code}")));
}

/// What a phone reads from a PNG.
fn read_qr(png: &[u8]) -> String {
    let luma = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let grids = prepared.detect_grids();
    grids[0].decode().unwrap().1
}

async fn round_robin_takes_turns(db: TestDb) {
    let app = support::spawn_with(db, support::behind_proxy()).await;
    let lc = create(&app, three_groups("round_robin")).await;
    let code = lc["code"].as_str().unwrap().to_string();
    upload_all(&app, &lc).await;
    let [a, b, c] = target_ids(&lc)[..] else {
        panic!("{lc}")
    };
    let mut seen = Vec::new();
    for i in 1..=7 {
        seen.push(visit(&app, &code, &format!("10.0.1.{i}")).await);
    }
    assert_eq!(
        seen,
        [Some(a), Some(b), Some(c), Some(a), Some(b), Some(c), None]
    );
    // Visits carry the entry point's tag from the link when it has one.
    let r = app
        .http
        .get(app.url(&format!("/j/{code}?state=flyer-2")))
        .header("x-forwarded-for", "10.0.1.99")
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("群已满员"), "{page}");
    let (_, v) = app.get(&format!("/api/v1/livecodes/{code}")).await;
    let states: Vec<&str> = v["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["flyer-2", "shop-counter"], "{v}");
}

async fn closed_targets_are_skipped(db: TestDb) {
    let app = support::spawn_with(db, support::behind_proxy()).await;
    let lc = create(&app, three_groups("fill_first")).await;
    let code = lc["code"].as_str().unwrap().to_string();
    let [a, b, c] = target_ids(&lc)[..] else {
        panic!("{lc}")
    };
    let png = pond_server::qr::png("https://weixin.qq.com/g/x").unwrap();
    for id in [a, b] {
        assert_eq!(upload(&app, &code, id, png.clone()).await.0, 200);
    }
    // a is switched off; b's QR expired (set straight in the store, as the
    // API refuses a past expiry); c has no QR yet.
    let (s, v) = app
        .patch(
            &format!("/api/v1/livecodes/{code}/targets/{a}"),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let (png2, code2) = (png.clone(), code.clone());
    app.store
        .write(move |tx| {
            Box::pin(async move {
                let lc = pond_store::livecodes::by_code(tx, &code2).await?.unwrap();
                pond_store::livecodes::set_qr(tx, lc.id, b, &png2, "image/png", past).await
            })
        })
        .await
        .unwrap();
    let (_, v) = app.get(&format!("/api/v1/livecodes/{code}")).await;
    let status: Vec<&str> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["off", "expired", "no_qr"]);
    assert_eq!(visit(&app, &code, "10.0.2.1").await, None);

    let (s, v) = upload(&app, &code, c, png.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(visit(&app, &code, "10.0.2.2").await, Some(c));
    // Back on: fill-first prefers the first group again.
    app.patch(
        &format!("/api/v1/livecodes/{code}/targets/{a}"),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(visit(&app, &code, "10.0.2.3").await, Some(a));
    // A whole live code switched off sends everyone to the full page.
    let (s, _) = app
        .patch(
            &format!("/api/v1/livecodes/{code}"),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(visit(&app, &code, "10.0.2.4").await, None);
    // A new group can be added at the end.
    let (s, v) = app
        .post(
            &format!("/api/v1/livecodes/{code}/targets"),
            json!({"name": "Rose Club 4", "capacity": 200}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["targets"][3]["position"], 3);
}

async fn concurrent_visitors_never_overfill(db: TestDb) {
    let app = support::spawn_with(db, support::behind_proxy()).await;
    let lc = create(&app, three_groups("round_robin")).await;
    let code = lc["code"].as_str().unwrap().to_string();
    upload_all(&app, &lc).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (http, url) = (app.http.clone(), app.url(&format!("/j/{code}")));
        set.spawn(async move {
            let page = http
                .get(url)
                .header("x-forwarded-for", format!("10.0.3.{i}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            !page.contains("id=\"full\"")
        });
    }
    let admitted = set.join_all().await.into_iter().filter(|x| *x).count();
    assert_eq!(admitted, 6);
    let (_, v) = app.get(&format!("/api/v1/livecodes/{code}")).await;
    for t in v["targets"].as_array().unwrap() {
        assert_eq!(t["assigned"], 2, "{v}");
    }
}

async fn bad_input_is_refused_with_the_field_named(db: TestDb) {
    let app = support::spawn_with(db, support::behind_proxy()).await;
    let cases = [
        (
            json!({"name": "x", "targets": [{"name": "g", "capacity": 0}]}),
            "targets[0].capacity",
        ),
        (
            json!({"name": "x", "targets": [{"name": "g", "capacity": 10001}]}),
            "targets[0].capacity",
        ),
        (
            json!({"name": "x", "strategy": "random", "targets": [{"name": "g", "capacity": 2}]}),
            "strategy",
        ),
        (
            json!({"name": "x", "state": "s".repeat(31), "targets": [{"name": "g", "capacity": 2}]}),
            "state",
        ),
        (
            json!({"name": "x", "state": "柜台", "targets": [{"name": "g", "capacity": 2}]}),
            "state",
        ),
        (json!({"name": "x", "targets": []}), "targets"),
        (
            json!({"name": "x", "targets": vec![json!({"name": "g", "capacity": 2}); 51]}),
            "targets",
        ),
        (
            json!({"name": "", "targets": [{"name": "g", "capacity": 2}]}),
            "name",
        ),
    ];
    for (body, field) in cases {
        let (s, e) = app.post("/api/v1/livecodes", body.clone()).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (422, Some(field)),
            "{body} -> {e}"
        );
    }
    let (s, _) = app.get("/api/v1/livecodes").await;
    assert_eq!(s, 200);

    let lc = create(
        &app,
        json!({"name": "Flyer", "state": "flyer_a", "targets": [{"name": "g", "capacity": 2}]}),
    )
    .await;
    assert_eq!(lc["state"], "flyer_a");
    let code = lc["code"].as_str().unwrap();
    let t = target_ids(&lc)[0];
    let (s, e) = upload(&app, code, t, b"not an image at all".to_vec()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_image")),
        "{e}"
    );
    // A PNG signature with nothing behind it.
    let (s, e) = upload(&app, code, t, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_image")),
        "{e}"
    );
    let (s, e) = upload(&app, code, t, vec![0; 3 << 20]).await;
    assert_eq!(s, 413, "{e}");
    let r = app
        .http
        .put(app.url(&format!(
            "/api/v1/livecodes/{code}/targets/{t}/qr?expires_at=2001-01-01T00:00:00Z"
        )))
        .bearer_auth(&app.token)
        .body(pond_server::qr::png("x").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let (s, e) = app
        .patch(
            &format!("/api/v1/livecodes/{code}/targets/{t}"),
            json!({"capacity": 0}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("capacity")));
    let (s, _) = app
        .patch(
            &format!("/api/v1/livecodes/{code}/targets/999999"),
            json!({"capacity": 5}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app.get("/api/v1/livecodes/NOPE").await;
    assert_eq!(s, 404);
    let r = app.http.get(app.url("/j/ZZZZZZZZZZ")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Without a token, nothing.
    let r = app
        .http
        .post(app.url("/api/v1/livecodes"))
        .json(&json!({"name": "x", "targets": [{"name": "g", "capacity": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
