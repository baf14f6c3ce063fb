//! Telegram Desktop exports written for these tests (tests/data/telegram).

mod common;

use std::io::Cursor;

use common::{TestResult, data, joins, kinds, leaves, messages, offset, owned, skipped_lines};
use pond_import::{
    ChatEvent, ImportError, ImportOptions, ImportSummary, MessageKind, import_telegram,
};

#[test]
fn whole_account_export() -> TestResult {
    let options = ImportOptions::new("", offset(8));
    let mut events = Vec::new();
    let report = import_telegram(data("telegram/account-export.json")?, &options, |e| {
        events.push(e)
    })?;
    // 花友会 (1001): create_group (system + joins of 王芳 and 李娜),
    // 2 texts, invite_members (2 joins), photo with caption (media),
    // join_group_by_link (join), remove_members by 王芳 and by 张伟 himself
    // (2 leaves), pin_message (system), sticker (media); `42` and a message
    // without a date are skipped. Flower Lovers (1002): 3 texts, one from a
    // deleted account; a "poll_result" record is skipped. Personal chat
    // with Alice (1 text, Alice is also in 1002) and a left group (1 text).
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 4,
            messages: 9,
            system: 2,
            senders: 6,
            joins: 5,
            leaves: 2,
            skipped: 3
        }
    );
    assert_eq!(kinds(&events), (7, 2, 2));
    assert_eq!(skipped_lines(&report), vec![82, 83, 140]);
    assert_eq!(
        joins(&events),
        owned(&[
            ("王芳", None),
            ("李娜", Some("王芳")),
            ("张伟", Some("王芳")),
            ("赵敏", Some("王芳")),
            ("钱七", None)
        ])
    );
    assert_eq!(
        leaves(&events),
        owned(&[("赵敏", Some("王芳")), ("张伟", None)])
    );
    let texts = messages(&events);
    assert!(texts.contains(&(
        Some("李娜".into()),
        MessageKind::Text,
        Some("多少钱一束？\n第二行".into())
    )));
    assert!(texts.contains(&(
        Some("张伟".into()),
        MessageKind::Media,
        Some("店里拍的".into())
    )));
    assert!(texts.contains(&(
        Some("Deleted Account".into()),
        MessageKind::Text,
        Some("I deleted my account".into())
    )));
    // The sticker has no date_unixtime: its local "2024-03-01T18:50:00" is read at +08:00.
    let sticker = events.iter().find(|e| {
        matches!(
            e,
            ChatEvent::Message {
                kind: MessageKind::Media,
                text: None,
                ..
            }
        )
    });
    assert_eq!(
        sticker.map(ChatEvent::at),
        Some("2024-03-01T10:50:00Z".parse()?)
    );
    let groups: Vec<_> = events.iter().map(|e| e.group().name.as_str()).collect();
    assert_eq!(groups.last(), Some(&"Old Group"));
    Ok(())
}

#[test]
fn broken_json_is_an_error_with_position() {
    let input = "{\n \"name\": \"x\",\n \"id\": 1,\n \"messages\": [\n  {\"id\": 1, \"type\": \"message\", \"date_unixtime\": \"1\", \"from\": \"a\", \"text\": \"ok\"},\n  {\"id\": 2,";
    let mut seen = 0;
    let result = import_telegram(Cursor::new(input), &ImportOptions::default(), |_| seen += 1);
    // The first message was already handed over when the file ran out.
    assert_eq!(seen, 1);
    assert!(
        matches!(result, Err(ImportError::JsonSyntax { line: 6, .. })),
        "{result:?}"
    );
}

#[test]
fn wrong_shapes_are_errors() {
    for input in [
        "[]",
        "{\"name\": \"x\"}",
        "{\"messages\": 3}",
        "",
        "{} trailing",
    ] {
        let result = import_telegram(Cursor::new(input), &ImportOptions::default(), |_| {});
        assert!(result.is_err(), "{input:?} gave {result:?}");
    }
}

/// A field of an unexpected type reads as absent, as it would for a
/// hand-edited or future export; it never fails the file.
#[test]
fn fields_of_unexpected_types_read_as_absent() -> TestResult {
    let input = r#"{"name": "x", "id": 7, "messages": [
  {"id": 1, "type": "message", "date_unixtime": 1700000000, "from": 5, "from_id": 99, "text": {"odd": true}},
  {"id": "2", "type": "message", "date_unixtime": "1700000001", "from": "Ann", "text": ["a", {"type": "bold", "text": "b"}, 3, ["c"], {"text": 4}], "photo": null},
  {"id": 3.5, "type": "message", "date_unixtime": "1700000002", "from": "Bo", "sticker_emoji": "🌷", "text": ""},
  {"id": 4, "type": "service", "date_unixtime": "1700000003", "actor": "Ann", "action": "invite_members", "members": ["Cy", null, 7]},
  {"id": 5, "type": "service", "date_unixtime": "1700000004", "actor": "Ann", "action": "invite_members", "members": "Cy"},
  {"id": 6, "type": ["message"], "date_unixtime": "1700000005"},
  {"id": 7, "type": "message", "date_unixtime": true, "date": 3},
  null
]}"#;
    let mut events = Vec::new();
    let report = import_telegram(Cursor::new(input), &ImportOptions::default(), |e| {
        events.push(e)
    })?;
    // Messages 1-3, invite_members with 3 joins (null and 7 are deleted
    // accounts), a service with a non-array `members` as a system message;
    // 6 (type not a string), 7 (no readable date) and null are skipped.
    assert_eq!(report.summary.messages, 3);
    assert_eq!(report.summary.system, 1);
    assert_eq!(report.summary.joins, 3);
    assert_eq!(skipped_lines(&report), vec![7, 8, 9]);
    let texts: Vec<(Option<String>, Option<String>, MessageKind)> = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Message {
                sender, text, kind, ..
            } => Some((sender.as_ref().map(|p| p.name.clone()), text.clone(), *kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            // `from: 5` is not a name, but `from_id: 99` still identifies someone.
            (Some("Deleted Account".into()), None, MessageKind::Text),
            (Some("Ann".into()), Some("ab".into()), MessageKind::Text),
            (Some("Bo".into()), None, MessageKind::Media),
            (
                Some("Ann".into()),
                Some("invite_members".into()),
                MessageKind::System
            ),
        ]
    );
    let joined: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Join { member, .. } => Some(member.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["Cy", "Deleted Account", "Deleted Account"]);
    Ok(())
}
