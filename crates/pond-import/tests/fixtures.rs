//! The public samples in tests/data/public (origins and licenses in its
//! SOURCES.md), with counts checked by hand
//! (see the comments).

mod common;

use common::{TestResult, fixture, kinds, messages};
use jiff::Timestamp;
use pond_import::{
    ChatEvent, DateOrder, ImportOptions, ImportSummary, MessageKind, TimeZone, import_telegram,
    import_whatsapp, infer_date_order,
};

#[test]
fn android_short_chat_is_month_first() -> TestResult {
    // Dates 06/03, 08/05, 09/04 (2017): read month-first they increase
    // (Jun 3, Aug 5, Sep 4), read day-first they go backwards once.
    assert_eq!(
        infer_date_order(fixture("whatsapp/android-short-chat.txt")?)?,
        DateOrder::MonthFirst
    );

    let mut events = Vec::new();
    let options = ImportOptions::new("ShortChat", TimeZone::UTC);
    let report = import_whatsapp(fixture("whatsapp/android-short-chat.txt")?, &options, |e| {
        events.push(e)
    })?;
    // 5 messages: encryption notice and "You created group" (system), then
    // Sample User, TestBot and +410123456789 (whose message has 2 lines).
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 3,
            system: 2,
            senders: 3,
            joins: 0,
            leaves: 0,
            skipped: 0
        }
    );
    assert_eq!(kinds(&events), (3, 0, 2));
    assert_eq!(
        events.first().map(ChatEvent::at),
        Some("2017-06-03T00:45:00Z".parse()?)
    );
    let last = events.last();
    assert_eq!(
        last.map(ChatEvent::at),
        Some("2017-09-04T01:50:00Z".parse()?)
    );
    match last {
        Some(ChatEvent::Message {
            sender: Some(s),
            text,
            kind,
            ..
        }) => {
            assert_eq!(s.name, "+410123456789");
            assert_eq!(s.platform_id.as_deref(), Some("+410123456789"));
            assert_eq!(*kind, MessageKind::Text);
            assert_eq!(
                text.as_deref(),
                Some("How are you?\nIs everything alright?")
            );
        }
        other => panic!("unexpected last event {other:?}"),
    }
    assert_eq!(
        messages(&events)
            .get(1)
            .and_then(|m| m.2.clone())
            .as_deref(),
        Some("You created group \"ShortChat\"")
    );
    Ok(())
}

#[test]
fn ios_12h_chat() -> TestResult {
    let mut events = Vec::new();
    let options = ImportOptions::new("Dr. Feather", TimeZone::UTC);
    let report = import_whatsapp(fixture("whatsapp/ios-12h-chat.txt")?, &options, |e| {
        events.push(e)
    })?;
    // 12 lines, one message each: the encryption notice (system, no sender),
    // 3 "image omitted" (media), 8 texts; 2 people.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 11,
            system: 1,
            senders: 2,
            joins: 0,
            leaves: 0,
            skipped: 0
        }
    );
    assert_eq!(kinds(&events), (8, 3, 1));
    assert_eq!(messages(&events).first().map(|m| m.0.clone()), Some(None));
    // "8/15/23, 9:25:16 PM" -> 21:25:16.
    assert_eq!(
        events.last().map(ChatEvent::at),
        Some("2023-08-15T21:25:16Z".parse()?)
    );
    assert!(
        messages(&events)
            .iter()
            .filter(|m| m.1 == MessageKind::Media)
            .all(|m| m.2.is_none())
    );
    Ok(())
}

#[test]
fn telegram_personal_chat() -> TestResult {
    let mut events = Vec::new();
    let report = import_telegram(
        fixture("telegram/personal-chat-result.json")?,
        &ImportOptions::default(),
        |e| events.push(e),
    )?;
    // 4 "message" records from Jimmeny Marvelton (3) and Batman & Robin (1).
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 4,
            system: 0,
            senders: 2,
            joins: 0,
            leaves: 0,
            skipped: 0
        }
    );
    assert_eq!(kinds(&events), (4, 0, 0));
    let first = events.first().ok_or("no events")?;
    assert_eq!(first.group().external_id.as_deref(), Some("5965280513"));
    assert_eq!(first.group().name, "Jimmeny");
    assert_eq!(first.at(), Timestamp::from_second(1_692_821_483)?);
    match first {
        ChatEvent::Message {
            sender: Some(s),
            text,
            ..
        } => {
            assert_eq!(s.platform_id.as_deref(), Some("user123450513"));
            assert_eq!(text.as_deref(), Some("i refuse to converse with you"));
        }
        other => panic!("unexpected first event {other:?}"),
    }
    Ok(())
}
