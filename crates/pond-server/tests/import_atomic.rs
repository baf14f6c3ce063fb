//! Imports are all or nothing, on both backends and past one write batch:
//! a truncated Telegram or Discord export is refused and leaves no row of
//! its own (groups, people, events, rollups); the intact file imported
//! afterwards matches a clean import exactly. A file with nothing
//! importable is a 422 that says what the format expected.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};

pond_store::both_backends!(
    truncated_exports_leave_nothing_and_the_intact_file_imports_cleanly,
    files_with_nothing_importable_are_refused,
);

/// More messages than one write batch (16,384), so a one-pass import would
/// have written rows before reaching the cut.
const MESSAGES: usize = 20_000;

fn telegram_export() -> Vec<u8> {
    let messages: Vec<Value> = (0..MESSAGES)
        .map(|i| {
            let at = 1_700_000_000 + i as i64 * 60;
            json!({
                "id": i + 1, "type": "message",
                "date": jiff::Timestamp::from_second(at).unwrap().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
                "date_unixtime": at.to_string(),
                "from": format!("Customer {}", i % 50), "from_id": format!("user{}", i % 50),
                "text": format!("message {i}"),
            })
        })
        .collect();
    serde_json::to_vec_pretty(&json!({
        "name": "Rose Club", "type": "private_supergroup", "id": 42, "messages": messages
    }))
    .unwrap()
}

fn discord_export() -> Vec<u8> {
    let author = |i: usize| {
        json!({"id": format!("{}", 100 + i % 50), "name": format!("c{}", i % 50),
        "discriminator": "0000", "nickname": null, "color": null, "isBot": false, "avatarUrl": ""})
    };
    let messages: Vec<Value> = (0..MESSAGES)
        .map(|i| {
            let at = 1_700_000_000 + i as i64 * 60;
            json!({
                "id": format!("{}", 1_000_000 + i), "type": "Default",
                "timestamp": jiff::Timestamp::from_second(at).unwrap().to_string(),
                "timestampEdited": null, "callEndedTimestamp": null, "isPinned": false,
                "content": format!("message {i}"), "author": author(i),
                "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": []
            })
        })
        .collect();
    serde_json::to_vec_pretty(&json!({
        "guild": {"id": "1", "name": "Flower Shop", "iconUrl": ""},
        "channel": {"id": "2", "type": "GuildTextChat", "categoryId": "3", "category": "Text",
                    "name": "general", "topic": null},
        "dateRange": {"after": null, "before": null},
        "exportedAt": "2024-05-01T12:00:00+00:00",
        "messages": messages
    }))
    .unwrap()
}

async fn import(app: &support::TestApp, format: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/v1/imports?format={format}&group=Roses")))
        .bearer_auth(&app.token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Every row an import can write, table by table.
async fn rows(store: &pond_store::Store) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "chat_groups",
        "chat_people",
        "chat_events",
        "group_days",
        "sender_days",
        "complaint_alerts",
    ] {
        let n = pond_store::testing::count(store, table).await;
        out.push((table.to_string(), n));
    }
    out
}

async fn truncated_exports_leave_nothing_and_the_intact_file_imports_cleanly(db: TestDb) {
    let app = support::spawn(db).await;
    let clean = TestDb::sqlite();
    let reference = support::spawn(clean).await;
    for (format, file) in [
        ("telegram", telegram_export()),
        ("discord-json", discord_export()),
    ] {
        let before = rows(&app.store).await;
        let cut = file[..file.len() * 9 / 10].to_vec();
        let (s, e) = import(&app, format, cut).await;
        assert_eq!(s, 422, "{format}: {e}");
        assert_eq!(e["error"]["field"], "file", "{e}");
        assert_eq!(
            rows(&app.store).await,
            before,
            "{format}: a refused import left rows"
        );

        let (s, done) = import(&app, format, file.clone()).await;
        assert_eq!(s, 200, "{format}: {done}");
        assert_eq!(done["messages"], MESSAGES, "{done}");
        let (s, clean) = import(&reference, format, file).await;
        assert_eq!(s, 200, "{clean}");
        assert_eq!(done, clean, "{format}: the import after a refusal differs");
    }
    assert_eq!(rows(&app.store).await, rows(&reference.store).await);
}

async fn files_with_nothing_importable_are_refused(db: TestDb) {
    let app = support::spawn(db).await;
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/images/console-overview.png"
    ))
    .unwrap();
    let csv = "时间,发送者,内容\n2024-04-01 09:00:00,李娜,你好\n"
        .as_bytes()
        .to_vec();
    for (what, body) in [("empty", Vec::new()), ("png", png), ("csv", csv)] {
        let (s, e) = import(&app, "whatsapp", body).await;
        assert_eq!(s, 422, "{what}: {e}");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("WhatsApp") || message.contains("whatsapp"),
            "{what}: {message}"
        );
    }
    assert!(rows(&app.store).await.iter().all(|(_, n)| *n == 0));
}
