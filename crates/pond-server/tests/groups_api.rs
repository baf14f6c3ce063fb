//! The groups API over real HTTP on both backends: an export uploaded, live
//! events in, the report out, and bad input refused with JSON errors.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};

pond_store::both_backends!(
    upload_live_events_and_report,
    bad_group_input_gets_4xx_json,
    complaints_become_alerts
);

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../pond-import/tests/data/public"
);

async fn upload(app: &support::TestApp, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url(&format!("/api/v1/imports{query}")))
        .bearer_auth(&app.token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn upload_live_events_and_report(db: TestDb) {
    let app = support::spawn(db).await;
    let export = std::fs::read(format!("{FIXTURES}/whatsapp/ios-12h-chat.txt")).unwrap();
    let (s, first) = upload(&app, "?group=Roses&file_name=chat.txt", export.clone()).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["format"], "whatsapp");
    assert_eq!(first["messages"], 12);
    assert_eq!(first["added"]["messages"], 12);
    let (s, again) = upload(&app, "?group=Roses&file_name=chat.txt", export).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["added"]["messages"], 0, "an import is idempotent");

    let (s, groups) = app.get("/api/v1/groups").await;
    assert_eq!(s, 200, "{groups}");
    let id = groups[0]["id"].as_i64().unwrap();
    assert_eq!(groups[0]["name"], "Roses");

    let batch = json!({"events": [
        {"id": "m1", "type": "message", "at": "2026-03-30T12:00:00Z",
         "person": {"name": "Mei", "id": "wx-mei"}, "text": "花很新鲜"},
        {"id": "j1", "type": "join", "at": "2026-03-30T12:05:00Z",
         "person": {"name": "Lan", "id": "wx-lan"}},
        {"id": "m2", "type": "message", "at": "2026-03-31T09:00:00Z",
         "person": {"name": "Lan", "id": "wx-lan"}, "message_kind": "media"}
    ]});
    let path = format!("/api/v1/groups/{id}/events");
    let (s, added) = app.post_with(&path, batch.clone(), Some("live-1")).await;
    assert_eq!(s, 200, "{added}");
    assert_eq!(
        (&added["messages"], &added["joins"]),
        (&json!(2), &json!(1))
    );
    // The same batch with a fresh key: stored once, by event id.
    let (s, again) = app.post_with(&path, batch, Some("live-2")).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["messages"], 0);
    assert_eq!(again["duplicates"], 3);

    let (s, row) = app
        .get(&format!("/api/v1/groups/{id}?as_of=2026-03-31"))
        .await;
    assert_eq!(s, 200, "{row}");
    assert_eq!(row["posters_7"], 2, "{row}");
    assert_eq!(row["messages_7"], 2);
    let (s, report) = app.get("/api/v1/groups/report?as_of=2026-03-31").await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["census"]["groups_with_history"], 1);
    assert!(report["census"]["states"].is_object());

    let (s, recent) = app
        .get(&format!("/api/v1/groups/{id}/messages?limit=2"))
        .await;
    assert_eq!(s, 200, "{recent}");
    assert_eq!(recent[0]["kind"], "media");
    assert_eq!(recent[0]["sender"], "Lan");

    // A customer known to the shop by phone is linked by the same number.
    let m = app
        .member(json!({"name": "Zhou", "phone": "+41791234567"}))
        .await;
    let batch = json!({"events": [{"id": "m3", "type": "message", "at": "2026-03-31T10:00:00Z",
        "person": {"name": "Zhou", "id": "+41 79 123 45 67"}, "text": "hi"}]});
    let (s, e) = app.post(&path, batch).await;
    assert_eq!(s, 200, "{e}");
    let (s, people) = app.get(&format!("/api/v1/groups/{id}/people")).await;
    assert_eq!(s, 200, "{people}");
    let find = |name: &str| {
        people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("Zhou")["member_id"], m["id"], "{people}");
    assert!(find("Lan")["joined_at"].is_i64(), "{people}");
}

async fn bad_group_input_gets_4xx_json(db: TestDb) {
    let app = support::spawn(db).await;
    let (s, e) = upload(&app, "?format=fax", b"hello".to_vec()).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("format")),
        "{e}"
    );
    let (s, e) = upload(&app, "", b"\x00\x01 not a chat export".to_vec()).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["message"].is_string());

    let (s, e) = app
        .post("/api/v1/groups/999/events", json!({"events": []}))
        .await;
    assert_eq!(s, 404, "{e}");

    let (_, first) = upload(
        &app,
        "?group=G",
        std::fs::read(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap(),
    )
    .await;
    assert_eq!(first["added"]["messages"], 5, "{first}");
    let path = "/api/v1/groups/1/events";
    let join_nobody =
        json!({"events": [{"id": "j", "type": "join", "at": "2026-01-01T00:00:00Z"}]});
    let (s, e) = app.post(path, join_nobody).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("events[0].person")),
        "{e}"
    );
    let (s, e) = app
        .post(
            path,
            json!({"events": [{"id": "x", "type": "poke", "at": "2026-01-01T00:00:00Z"}]}),
        )
        .await;
    assert!((400..500).contains(&s), "{s} {e}");
    assert!(e["error"]["code"].is_string(), "{e}");
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"id": i.to_string(), "type": "message", "at": "2026-01-01T00:00:00Z"}))
        .collect();
    let (s, e) = app.post(path, json!({"events": many})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("batch_too_large")),
        "{e}"
    );
    let (s, e) = app
        .post("/api/v1/groups/1/people/abc/staff", json!({"staff": true}))
        .await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = app.get("/api/v1/groups/report?as_of=yesterday").await;
    assert_eq!(s, 400, "{e}");
}

async fn complaints_become_alerts(db: TestDb) {
    let app = support::spawn(db).await;
    let (_, first) = upload(
        &app,
        "?group=Roses",
        std::fs::read(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap(),
    )
    .await;
    assert_eq!(
        first["added"]["alerts"], 0,
        "old history raises nothing: {first}"
    );
    let path = "/api/v1/groups/1/events";
    let now = jiff::Timestamp::now().to_string();
    let batch = json!({"events": [
        {"id": "c1", "type": "message", "at": now, "person": {"name": "Mei"},
         "text": "昨天送来的花全都枯萎了，我要退款，太差了"},
        {"id": "c2", "type": "message", "at": now, "person": {"name": "Lan"},
         "text": "谢谢老板，花很漂亮"},
        {"id": "c3", "type": "message", "at": now, "person": {"name": "Ann"},
         "text": "The roses arrived late and wilted, I want a refund"}
    ]});
    let (s, added) = app.post(path, batch.clone()).await;
    assert_eq!(s, 200, "{added}");
    assert_eq!(added["alerts"], 2, "{added}");
    let (_, again) = app.post(path, batch).await;
    assert_eq!(again["alerts"], 0, "one alert per message");

    let (s, open) = app.get("/api/v1/alerts").await;
    assert_eq!(s, 200, "{open}");
    assert_eq!(open.as_array().unwrap().len(), 2, "{open}");
    assert_eq!(open[0]["group_name"], "Roses");
    assert!(open[0]["audience"].as_i64().unwrap() >= 3, "{open}");
    let id = open[0]["id"].as_i64().unwrap();
    let (s, a) = app
        .post(&format!("/api/v1/alerts/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!((s, a["state"].as_str()), (200, Some("acknowledged")), "{a}");
    let (s, a) = app
        .post(
            &format!("/api/v1/alerts/{id}/resolve"),
            json!({"note": "refunded"}),
        )
        .await;
    assert_eq!((s, a["state"].as_str()), (200, Some("resolved")), "{a}");
    assert!(a["resolved_at"].as_i64().unwrap() >= a["created_at"].as_i64().unwrap());
    let (_, open) = app.get("/api/v1/alerts?state=open").await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let (s, e) = app.get("/api/v1/alerts?state=maybe").await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = app.post("/api/v1/alerts/999/resolve", json!({})).await;
    assert_eq!(s, 404, "{e}");

    // The shop's own word: "花泥" (floral foam) left in the bouquet.
    let text = json!({"events": [{"id": "t1", "type": "message", "at": now,
        "person": {"name": "Mei"}, "text": "包装里有花泥"}]});
    let (_, before) = app.post(path, text).await;
    assert_eq!(before["alerts"], 0, "{before}");
    let (s, t) = app
        .post(
            "/api/v1/complaint-terms",
            json!({"term": "花泥", "weight": 3.0}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let (s, e) = app
        .post(
            "/api/v1/complaint-terms",
            json!({"term": "", "weight": 1.0}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let text = json!({"events": [{"id": "t2", "type": "message", "at": now,
        "person": {"name": "Lan"}, "text": "包装里有花泥"}]});
    let (_, after) = app.post(path, text).await;
    assert_eq!(after["alerts"], 1, "{after}");
    let (_, terms) = app.get("/api/v1/complaint-terms").await;
    assert_eq!(terms[0]["term"], "花泥");
}
