//! WhatsApp exports written for these tests (tests/data/whatsapp), one group per file.

mod common;

use std::io::Cursor;

use common::{TestResult, data, joins, kinds, leaves, messages, offset, owned, skipped_lines};
use pond_import::{
    ChatEvent, DateOrder, ImportOptions, ImportSummary, MessageKind, import_whatsapp,
    import_whatsapp_with_order, infer_date_order,
};

#[test]
fn android_24h_day_first_chinese() -> TestResult {
    // Beijing time: 12/01/2023 09:00 local is 01:00 UTC.
    let options = ImportOptions::new("花友会", offset(8));
    let mut events = Vec::new();
    let report = import_whatsapp(data("whatsapp/android-24h-dayfirst.txt")?, &options, |e| {
        events.push(e)
    })?;
    // Line 1 encryption notice and line 2 "created group": system messages.
    // Line 3 "王芳 added 李娜, 张伟 and +86 ...": 3 joins. Lines 4, 5-8 (4
    // lines, one blank), 10, 17: texts; line 9: media. Line 11: join by link.
    // Line 12 (31/02 does not exist), 13 (its continuation), 14 (25:10): skipped.
    // Line 15 "张伟 left", 16 "王芳 removed 赵敏": leaves.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 5,
            system: 2,
            senders: 4,
            joins: 4,
            leaves: 2,
            skipped: 3
        }
    );
    assert_eq!(kinds(&events), (4, 1, 2));
    assert_eq!(skipped_lines(&report), vec![12, 13, 14]);
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("31/2/2023"))
    );
    assert_eq!(
        joins(&events),
        owned(&[
            ("李娜", Some("王芳")),
            ("张伟", Some("王芳")),
            ("+86 138 0013 8000", Some("王芳")),
            ("赵敏", None)
        ])
    );
    assert_eq!(
        leaves(&events),
        owned(&[("张伟", None), ("赵敏", Some("王芳"))])
    );
    assert_eq!(
        events.first().map(ChatEvent::at),
        Some("2023-01-12T01:00:00Z".parse()?)
    );
    let texts = messages(&events);
    assert!(texts.contains(&(
        Some("李娜".into()),
        MessageKind::Text,
        Some("谢谢群主\n这周有芍药吗？\n\n想订一束".into())
    )));
    assert!(texts.contains(&(Some("张伟".into()), MessageKind::Media, None)));
    // The unsaved contact's number is their id, in the join and as a sender.
    let phone_ids: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Join { member, .. } => member.platform_id.clone(),
            ChatEvent::Message {
                sender: Some(s), ..
            } => s.platform_id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(phone_ids, vec!["+8613800138000", "+8613800138000"]);
    Ok(())
}

#[test]
fn ios_12h_month_first_with_marks() -> TestResult {
    assert_eq!(
        infer_date_order(data("whatsapp/ios-12h-monthfirst.txt")?)?,
        DateOrder::MonthFirst
    );
    let options = ImportOptions::new("Garden Friends", offset(0));
    let mut events = Vec::new();
    let report = import_whatsapp(data("whatsapp/ios-12h-monthfirst.txt")?, &options, |e| {
        events.push(e)
    })?;
    // Notices "sent" by the group name with a U+200E mark: encryption and
    // "created this group" (system), "added Bob and Carol" (2 joins),
    // "Dave joined" (join), "Carol left" and "Alice removed Dave" (leaves).
    // Members' lines: Alice x2 (one *typed* "Alice added Zoe", not a
    // notice), Bob image (media), Carol (3 lines), Bob at 12:05 AM, Dave,
    // Bob "This message was deleted." Line 14 [13/17/24] has no month 13.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 7,
            system: 2,
            senders: 4,
            joins: 3,
            leaves: 2,
            skipped: 1
        }
    );
    assert_eq!(kinds(&events), (6, 1, 2));
    assert_eq!(skipped_lines(&report), vec![14]);
    assert_eq!(
        joins(&events),
        owned(&[
            ("Bob", Some("Alice")),
            ("Carol", Some("Alice")),
            ("Dave", None)
        ])
    );
    assert_eq!(
        leaves(&events),
        owned(&[("Carol", None), ("Dave", Some("Alice"))])
    );
    let texts = messages(&events);
    assert!(texts.contains(&(
        Some("Carol".into()),
        MessageKind::Text,
        Some("Can I order two?\nOne for my mum,\none for me.".into())
    )));
    assert!(texts.contains(&(
        Some("Alice".into()),
        MessageKind::Text,
        Some("Alice added Zoe (typed by Alice, not a notice)".into())
    )));
    // No U+200E survives in names or texts.
    assert!(!format!("{events:?}").contains('\u{200E}'));
    // 12:05 AM is just after midnight; 12:30 PM just after noon.
    let times: Vec<String> = events.iter().map(|e| e.at().to_string()).collect();
    assert!(times.contains(&"2024-01-16T00:05:00Z".to_owned()));
    assert!(times.contains(&"2024-01-15T12:30:00Z".to_owned()));
    Ok(())
}

#[test]
fn ambiguous_dates_resolved_by_order_of_messages() -> TestResult {
    // Every date has day and month <= 12. Day-first they increase (Feb 1,
    // Feb 5, Mar 3, ...); month-first they would go from May 2 back to Mar 3.
    assert_eq!(
        infer_date_order(data("whatsapp/android-12h-ambiguous-dayfirst.txt")?)?,
        DateOrder::DayFirst
    );
    let options = ImportOptions::new("Club de flores", offset(0));
    let mut events = Vec::new();
    let report = import_whatsapp(
        data("whatsapp/android-12h-ambiguous-dayfirst.txt")?,
        &options,
        |e| events.push(e),
    )?;
    // Line 1 has no timestamp and nothing before it; line 6 is a Spanish
    // notice, kept as a system message; line 5 is media.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 5,
            system: 1,
            senders: 3,
            joins: 0,
            leaves: 0,
            skipped: 1
        }
    );
    assert_eq!(skipped_lines(&report), vec![1]);
    assert_eq!(kinds(&events), (4, 1, 1));
    let times: Vec<String> = events.iter().map(|e| e.at().to_string()).collect();
    assert_eq!(
        times,
        vec![
            "2023-02-01T09:15:00Z", // 9:15 a. m.
            "2023-02-05T23:40:00Z", // 11:40 p. m. after U+202F
            "2023-03-03T12:00:00Z", // 12:00 p. m.
            "2023-03-04T00:30:00Z", // 12:30 a. m. after U+00A0
            "2023-03-10T19:05:00Z",
            "2023-03-11T20:00:00Z", // 8:00 PM
        ]
    );

    // Forcing the other order makes every date different (and Feb 5 -> May 2).
    let mut forced = Vec::new();
    let options = options.with_date_order(DateOrder::MonthFirst);
    import_whatsapp(
        data("whatsapp/android-12h-ambiguous-dayfirst.txt")?,
        &options,
        |e| forced.push(e),
    )?;
    assert_eq!(
        forced.get(1).map(ChatEvent::at),
        Some("2023-05-02T23:40:00Z".parse()?)
    );
    Ok(())
}

#[test]
fn unreadable_lines_are_reported_not_dropped() -> TestResult {
    let mut input = b"01/02/2023, 10:00 - Ann: hi\n".to_vec();
    input.extend_from_slice(b"bad \xFF\xFE bytes\n");
    input.extend_from_slice(b"still Ann's message\n");
    input.extend_from_slice(&vec![b'x'; 2 << 20]);
    input.extend_from_slice(b"\n01/02/2023, 10:01 - Ben: ok\r\n");
    let mut events = Vec::new();
    let report = import_whatsapp_with_order(
        Cursor::new(input),
        DateOrder::DayFirst,
        &ImportOptions::default(),
        |e| events.push(e),
    )?;
    assert_eq!(report.summary.messages, 2);
    assert_eq!(skipped_lines(&report), vec![2, 4]);
    assert_eq!(
        messages(&events),
        vec![
            (
                Some("Ann".into()),
                MessageKind::Text,
                Some("hi\nstill Ann's message".into())
            ),
            (Some("Ben".into()), MessageKind::Text, Some("ok".into())),
        ]
    );
    Ok(())
}

#[test]
fn skipped_list_is_capped_but_counted() -> TestResult {
    let input = "no timestamp here\n".repeat(1500);
    let report = import_whatsapp(Cursor::new(input), &ImportOptions::default(), |_| {})?;
    assert_eq!(report.summary.skipped, 1500);
    assert_eq!(report.skipped.len(), pond_import::MAX_STORED_SKIPPED);
    assert_eq!(report.skipped.last().map(|s| s.line), Some(1000));
    Ok(())
}
