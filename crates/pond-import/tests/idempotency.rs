//! Importing the same export twice gives the same event ids; ids are unique
//! within an export; overlapping exports share the ids of common messages.

mod common;

use std::collections::HashSet;
use std::io::Cursor;

use common::{TestResult, data, fixture, offset};
use pond_import::{ChatEvent, Format, ImportOptions, ImportReport, import_auto, import_whatsapp};

const FILES: [(&str, bool); 12] = [
    ("whatsapp/android-24h-dayfirst.txt", false),
    ("whatsapp/ios-12h-monthfirst.txt", false),
    ("whatsapp/android-12h-ambiguous-dayfirst.txt", false),
    ("telegram/account-export.json", false),
    ("discord/flower-shop-general.json", false),
    ("discord/group-dm.json", false),
    ("discord/flower-shop-general-enus.csv", false),
    ("discord/flower-shop-orders-engb.csv", false),
    ("wechat/花友会.csv", false),
    ("whatsapp/android-short-chat.txt", true),
    ("whatsapp/ios-12h-chat.txt", true),
    ("telegram/personal-chat-result.json", true),
];

fn ids(
    path: &str,
    shared: bool,
) -> Result<(Format, ImportReport, Vec<String>), Box<dyn std::error::Error>> {
    let reader = if shared { fixture(path)? } else { data(path)? };
    let options = ImportOptions::new(path, offset(8));
    let mut ids = Vec::new();
    let (format, report) = import_auto(reader, Some(path), &options, |e| {
        ids.push(e.event_id().to_owned())
    })?;
    Ok((format, report, ids))
}

#[test]
fn importing_twice_gives_identical_ids() -> TestResult {
    for (path, shared) in FILES {
        let (_, first_report, first) = ids(path, shared)?;
        let (_, second_report, second) = ids(path, shared)?;
        assert!(!first.is_empty(), "{path}: no events");
        assert_eq!(first, second, "{path}");
        assert_eq!(first_report, second_report, "{path}");
        let distinct: HashSet<_> = first.iter().collect();
        assert_eq!(distinct.len(), first.len(), "{path}: duplicate ids");
        assert!(
            first
                .iter()
                .all(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())),
            "{path}: ids are not hex SHA-256"
        );
    }
    Ok(())
}

#[test]
fn auto_detects_every_format() -> TestResult {
    let expected = [
        Format::WhatsApp,
        Format::WhatsApp,
        Format::WhatsApp,
        Format::Telegram,
        Format::DiscordJson,
        Format::DiscordJson,
        Format::DiscordCsv,
        Format::DiscordCsv,
        Format::WeChatCsv,
        Format::WhatsApp,
        Format::WhatsApp,
        Format::Telegram,
    ];
    for ((path, shared), format) in FILES.into_iter().zip(expected) {
        assert_eq!(ids(path, shared)?.0, format, "{path}");
    }
    Ok(())
}

#[test]
fn identical_messages_in_one_minute_get_distinct_ids() -> TestResult {
    let export =
        "01/02/2023, 10:00 - Ann: +1\n01/02/2023, 10:00 - Ann: +1\n01/02/2023, 10:01 - Ann: +1\n";
    let mut events = Vec::new();
    import_whatsapp(Cursor::new(export), &ImportOptions::default(), |e| {
        events.push(e)
    })?;
    let ids: HashSet<_> = events.iter().map(ChatEvent::event_id).collect();
    assert_eq!(ids.len(), 3);
    Ok(())
}

#[test]
fn overlapping_exports_share_ids() -> TestResult {
    let full = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/whatsapp/android-24h-dayfirst.txt"
    ))?;
    // A later export that starts at the 4th line (a new minute).
    let tail: String = full.lines().skip(3).map(|l| format!("{l}\n")).collect();
    let options = ImportOptions::new("花友会", offset(8));
    let mut all = Vec::new();
    import_whatsapp(Cursor::new(full), &options, |e| {
        all.push(e.event_id().to_owned())
    })?;
    let mut later = Vec::new();
    import_whatsapp(Cursor::new(tail), &options, |e| {
        later.push(e.event_id().to_owned())
    })?;
    let all: HashSet<_> = all.into_iter().collect();
    // Lines 4, 5-8, 9, 10, 17 (messages), 11 (join), 15, 16 (leaves).
    assert_eq!(later.len(), 8);
    assert!(later.iter().all(|id| all.contains(id)));

    // The group name is part of the identity of a WhatsApp event.
    let mut renamed = Vec::new();
    let other = ImportOptions::new("another group", offset(8));
    import_whatsapp(data("whatsapp/android-24h-dayfirst.txt")?, &other, |e| {
        renamed.push(e.event_id().to_owned())
    })?;
    assert!(renamed.iter().all(|id| !all.contains(id)));
    Ok(())
}
