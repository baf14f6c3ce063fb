//! Telegram Bot API updates, shaped as the Bot API documents them, become
//! group events; the same message twice has the same id.

#![allow(clippy::unwrap_used)]

use pond_import::{ChatEvent, MessageKind, telegram_update};

const GROUP: &str = r#"{"id": -1001234567890, "title": "花友会", "type": "supergroup"}"#;

fn update(body: &str) -> Vec<ChatEvent> {
    telegram_update(body.as_bytes()).unwrap()
}

#[test]
fn messages_joins_and_leaves() {
    let text = update(&format!(
        r#"{{"update_id": 10, "message": {{"message_id": 7, "date": 1700000000, "chat": {GROUP},
            "from": {{"id": 42, "is_bot": false, "first_name": "芳", "last_name": "王"}}, "text": "玫瑰到了吗"}}}}"#
    ));
    let [
        ChatEvent::Message {
            group,
            sender,
            kind,
            text: t,
            event_id,
            ..
        },
    ] = text.as_slice()
    else {
        panic!("{text:?}")
    };
    assert_eq!(group.external_id.as_deref(), Some("-1001234567890"));
    assert_eq!(group.name, "花友会");
    let sender = sender.as_ref().unwrap();
    assert_eq!(
        (sender.name.as_str(), sender.platform_id.as_deref()),
        ("芳 王", Some("user42"))
    );
    assert_eq!(
        (*kind, t.as_deref()),
        (MessageKind::Text, Some("玫瑰到了吗"))
    );
    // A retried webhook is the same event.
    let again = update(&format!(
        r#"{{"update_id": 11, "message": {{"message_id": 7, "date": 1700000000, "chat": {GROUP},
            "from": {{"id": 42, "first_name": "芳", "last_name": "王"}}, "text": "玫瑰到了吗"}}}}"#
    ));
    assert_eq!(again[0].event_id(), event_id);

    let photo = update(&format!(
        r#"{{"update_id": 12, "message": {{"message_id": 8, "date": 1700000001, "chat": {GROUP},
            "from": {{"id": 42, "first_name": "芳"}}, "photo": [{{"file_id": "x"}}], "caption": "新花"}}}}"#
    ));
    assert!(matches!(
        &photo[..],
        [ChatEvent::Message {
            kind: MessageKind::Media,
            ..
        }]
    ));

    let joins = update(&format!(
        r#"{{"update_id": 13, "message": {{"message_id": 9, "date": 1700000002, "chat": {GROUP},
            "from": {{"id": 42, "first_name": "芳"}},
            "new_chat_members": [{{"id": 43, "first_name": "娜"}}, {{"id": 42, "first_name": "芳"}}]}}}}"#
    ));
    let joined: Vec<(String, Option<String>)> = joins
        .iter()
        .map(|e| match e {
            ChatEvent::Join { member, by, .. } => {
                (member.name.clone(), by.as_ref().map(|b| b.name.clone()))
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // 芳 added 娜; 芳 joining herself (by link) has no inviter.
    assert_eq!(
        joined,
        [
            ("娜".to_string(), Some("芳".to_string())),
            ("芳".to_string(), None)
        ]
    );

    let left = update(&format!(
        r#"{{"update_id": 14, "message": {{"message_id": 10, "date": 1700000003, "chat": {GROUP},
            "from": {{"id": 43, "first_name": "娜"}}, "left_chat_member": {{"id": 43, "first_name": "娜"}}}}}}"#
    ));
    assert!(matches!(&left[..], [ChatEvent::Leave { by: None, .. }]));
}

#[test]
fn chat_member_status_changes() {
    let member = |old: &str, new: &str| {
        update(&format!(
            r#"{{"update_id": 20, "chat_member": {{"chat": {GROUP}, "date": 1700000100,
                "from": {{"id": 1, "first_name": "Admin"}},
                "old_chat_member": {{"status": "{old}", "user": {{"id": 44, "first_name": "Bo"}}}},
                "new_chat_member": {{"status": "{new}", "user": {{"id": 44, "first_name": "Bo"}}}}}}}}"#
        ))
    };
    assert!(matches!(
        &member("left", "member")[..],
        [ChatEvent::Join { by: Some(_), .. }]
    ));
    assert!(matches!(
        &member("member", "kicked")[..],
        [ChatEvent::Leave { .. }]
    ));
    assert!(member("member", "administrator").is_empty());
}

#[test]
fn other_updates_and_bad_bodies() {
    // A private chat and a callback query: nothing for the groups.
    assert!(update(r#"{"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "hi"}}"#).is_empty());
    assert!(update(r#"{"update_id": 2, "callback_query": {"id": "x"}}"#).is_empty());
    for bad in [
        "",
        "{",
        "[]",
        r#"{"update_id": "x"}"#,
        r#"{"update_id": 3, "message": {"chat": 5}}"#,
    ] {
        assert!(telegram_update(bad.as_bytes()).is_err(), "{bad:?}");
    }
}
