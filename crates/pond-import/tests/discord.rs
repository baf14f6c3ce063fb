//! DiscordChatExporter exports written for these tests (tests/data/discord).

mod common;

use common::{TestResult, data, joins, kinds, leaves, messages, offset, owned, skipped_lines};
use pond_import::{
    ChatEvent, ImportOptions, ImportSummary, MessageKind, import_discord_csv, import_discord_json,
};

#[test]
fn guild_channel_json() -> TestResult {
    let mut events = Vec::new();
    let report = import_discord_json(
        data("discord/flower-shop-general.json")?,
        &ImportOptions::default(),
        |e| events.push(e),
    )?;
    // 2 GuildMemberJoin (李娜, 赵敏); texts from 李娜, OrderBot (a bot, still
    // a sender) and zhangwei (3 lines); 王芳's reply with an attachment
    // (media); a pinned-message notice (system). A string element (line 93)
    // and a message with timestamp "yesterday" (line 94) are skipped.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 4,
            system: 1,
            senders: 4,
            joins: 2,
            leaves: 0,
            skipped: 2
        }
    );
    assert_eq!(kinds(&events), (3, 1, 1));
    assert_eq!(skipped_lines(&report), vec![93, 94]);
    assert_eq!(joins(&events), owned(&[("李娜", None), ("赵敏", None)]));
    let group = events
        .first()
        .map(|e| e.group().clone())
        .ok_or("no events")?;
    assert_eq!(group.name, "花店 Flower Shop / general");
    assert_eq!(group.external_id.as_deref(), Some("900000000000000001"));
    // "+08:00" offsets are honoured.
    assert_eq!(
        events.get(1).map(ChatEvent::at),
        Some("2024-04-01T09:01:00Z".parse()?)
    );
    let bot = events.iter().find_map(|e| match e {
        ChatEvent::Message {
            sender: Some(s), ..
        } if s.is_bot => Some(s.name.clone()),
        _ => None,
    });
    assert_eq!(bot.as_deref(), Some("OrderBot"));
    assert!(messages(&events).contains(&(
        Some("zhangwei".into()),
        MessageKind::Text,
        Some("第一行\n第二行\nthird line".into())
    )));
    Ok(())
}

#[test]
fn group_dm_json() -> TestResult {
    let mut events = Vec::new();
    let report = import_discord_json(
        data("discord/group-dm.json")?,
        &ImportOptions::default(),
        |e| events.push(e),
    )?;
    // RecipientAdd (Carol by Alice), Alice's sticker (media), Carol's text,
    // RecipientRemove of Bob by Alice, and Carol leaving by herself.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 2,
            system: 0,
            senders: 2,
            joins: 1,
            leaves: 2,
            skipped: 0
        }
    );
    assert_eq!(kinds(&events), (1, 1, 0));
    assert_eq!(joins(&events), owned(&[("Carol", Some("Alice"))]));
    assert_eq!(
        leaves(&events),
        owned(&[("Bob", Some("Alice")), ("Carol", None)])
    );
    Ok(())
}

#[test]
fn csv_en_us_month_first() -> TestResult {
    let options = ImportOptions::new("flower-shop #general", offset(-4));
    let mut events = Vec::new();
    let report = import_discord_csv(
        data("discord/flower-shop-general-enus.csv")?,
        &options,
        |e| events.push(e),
    )?;
    // 8 rows: 6 messages (2 with attachments), "yesterday" (line 9) and a
    // 2-field row (line 10) skipped. "4/13/2024" proves month-first.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 6,
            system: 0,
            senders: 4,
            joins: 0,
            leaves: 0,
            skipped: 2
        }
    );
    assert_eq!(kinds(&events), (4, 2, 0));
    assert_eq!(skipped_lines(&report), vec![9, 10]);
    // 4/1/2024 9:01 AM at -04:00.
    assert_eq!(
        events.first().map(ChatEvent::at),
        Some("2024-04-01T13:01:00Z".parse()?)
    );
    // 4/14/2024 12:00 AM, attachments only.
    assert_eq!(
        events.last().map(ChatEvent::at),
        Some("2024-04-14T04:00:00Z".parse()?)
    );
    assert!(messages(&events).contains(&(
        Some("zhangwei#0000".into()),
        MessageKind::Text,
        Some("第一行\n第二行\n\"quoted\" third line".into())
    )));
    assert_eq!(
        messages(&events).last().map(|m| (m.1, m.2.clone())),
        Some((MessageKind::Media, None))
    );
    Ok(())
}

#[test]
fn csv_en_gb_day_first_with_bom() -> TestResult {
    let options = ImportOptions::new("flower-shop #orders", offset(1));
    let mut events = Vec::new();
    let report = import_discord_csv(
        data("discord/flower-shop-orders-engb.csv")?,
        &options,
        |e| events.push(e),
    )?;
    // "13/04/2024" proves day-first; "20-Sep-20 06:46 PM" is the old
    // DiscordChatExporter format; "31/04/2024" (line 6) does not exist.
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 1,
            messages: 4,
            system: 0,
            senders: 3,
            joins: 0,
            leaves: 0,
            skipped: 1
        }
    );
    assert_eq!(skipped_lines(&report), vec![6]);
    let times: Vec<String> = events.iter().map(|e| e.at().to_string()).collect();
    assert_eq!(
        times,
        vec![
            "2024-04-01T08:01:00Z",
            "2024-04-13T17:30:00Z",
            "2024-05-02T06:45:00Z",
            "2020-09-20T17:46:00Z"
        ]
    );
    Ok(())
}
