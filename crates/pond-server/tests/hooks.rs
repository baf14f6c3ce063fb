//! The Telegram bot webhook over real HTTP on both backends: the secret
//! token is checked, updates land as group events exactly once, and a bad
//! body is refused with a JSON error.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_server::Config;
use pond_server::hooks::HookSecret;
use pond_store::testing::TestDb;
use serde_json::Value;

pond_store::both_backends!(telegram_updates_become_group_events);

const SECRET: &str = "s3cret-token_1";

fn message(update: i64, message: i64, text: &str) -> String {
    format!(
        r#"{{"update_id": {update}, "message": {{"message_id": {message}, "date": 1790000000,
        "chat": {{"id": -100555, "title": "Rose Club", "type": "supergroup"}},
        "from": {{"id": 42, "first_name": "Mei"}}, "text": "{text}"}}}}"#
    )
}

async fn hook(app: &support::TestApp, token: Option<&str>, body: String) -> (u16, Value) {
    let mut req = app.http.post(app.url("/hooks/telegram")).body(body);
    if let Some(t) = token {
        req = req.header("X-Telegram-Bot-Api-Secret-Token", t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn telegram_updates_become_group_events(db: TestDb) {
    let config = Config {
        telegram_secret: HookSecret::new(SECRET),
        ..Config::default()
    };
    let app = support::spawn_with(db, config).await;

    let (s, e) = hook(&app, None, message(1, 7, "hello")).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (401, Some("bad_secret_token"))
    );
    let (s, _) = hook(&app, Some("s3cret-token_2"), message(1, 7, "hello")).await;
    assert_eq!(s, 401);

    let (s, r) = hook(&app, Some(SECRET), message(1, 7, "花很新鲜")).await;
    assert_eq!((s, &r["events"]), (200, &Value::from(1)), "{r}");
    // Telegram retries until it hears 200: the same message is stored once.
    let (s, _) = hook(&app, Some(SECRET), message(2, 7, "花很新鲜")).await;
    assert_eq!(s, 200);
    let join = r#"{"update_id": 3, "message": {"message_id": 8, "date": 1790000100,
        "chat": {"id": -100555, "title": "Rose Club", "type": "supergroup"},
        "from": {"id": 42, "first_name": "Mei"}, "new_chat_members": [{"id": 43, "first_name": "Lan"}]}}"#;
    let (s, _) = hook(&app, Some(SECRET), join.to_string()).await;
    assert_eq!(s, 200);

    let (s, groups) = app.get("/api/v1/groups").await;
    assert_eq!(s, 200, "{groups}");
    let group = &groups[0];
    assert_eq!(
        (group["name"].as_str(), group["channel"].as_str()),
        (Some("Rose Club"), Some("telegram"))
    );
    let id = group["id"].as_i64().unwrap();
    let (s, messages) = app.get(&format!("/api/v1/groups/{id}/messages")).await;
    assert_eq!(s, 200, "{messages}");
    let texts: Vec<&str> = messages
        .as_array()
        .or_else(|| messages["messages"].as_array())
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["花很新鲜"]);
    let (s, people) = app.get(&format!("/api/v1/groups/{id}/people")).await;
    assert_eq!(s, 200, "{people}");
    assert!(people.to_string().contains("Lan"), "{people}");

    let (s, e) = hook(&app, Some(SECRET), "{not json".to_string()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_update")),
        "{e}"
    );
}

#[tokio::test]
async fn the_hook_is_off_without_a_secret() {
    let app = support::spawn(TestDb::sqlite()).await;
    let (s, e) = hook(&app, Some(SECRET), message(1, 7, "hi")).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("telegram_not_configured"))
    );
}
