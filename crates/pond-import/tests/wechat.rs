//! WeChatMsg / MemoTrace CSV written for these tests (tests/data/wechat).

mod common;

use std::io::Cursor;

use common::{TestResult, data, joins, kinds, leaves, messages, offset, owned, skipped_lines};
use pond_import::{
    ChatEvent, ImportError, ImportOptions, ImportSummary, MessageKind, import_wechat_csv,
};

#[test]
fn two_groups_with_joins_and_a_removal() -> TestResult {
    let options = ImportOptions::new("花友会", offset(8));
    let mut events = Vec::new();
    let report = import_wechat_csv(data("wechat/花友会.csv")?, &options, |e| events.push(e))?;
    // TalkerId 7: "王芳"邀请"李娜、张伟" (2 joins), a 2-line text, image,
    // voice, a quoted reply (49/57, text), a QR-code join, a sticker,
    // 你将"张伟"移出了群聊 (leave), a rename notice (system), a link (49/5,
    // media), Type "abc" (line 13, skipped), a row with only StrTime (text),
    // a row with no usable time (line 15, skipped).
    // TalkerId 9: 你邀请"Mei" (join), Mei's text, the exporter's own video;
    // a 3-field row (line 19, skipped).
    assert_eq!(
        report.summary,
        ImportSummary {
            groups: 2,
            // The rename notice is the platform's, counted apart.
            messages: 9,
            system: 1,
            senders: 6,
            joins: 4,
            leaves: 1,
            skipped: 3
        }
    );
    assert_eq!(kinds(&events), (4, 5, 1));
    assert_eq!(skipped_lines(&report), vec![13, 15, 19]);
    assert_eq!(
        joins(&events),
        owned(&[
            ("李娜", Some("王芳")),
            ("张伟", Some("王芳")),
            ("赵敏", Some("王芳")),
            ("Mei", Some("你"))
        ])
    );
    assert_eq!(leaves(&events), owned(&[("张伟", Some("你"))]));
    let texts = messages(&events);
    assert!(texts.contains(&(
        Some("王芳".into()),
        MessageKind::Text,
        Some("欢迎大家！\n本群每周五上新。".into())
    )));
    assert!(texts.contains(&(
        Some("李娜".into()),
        MessageKind::Text,
        Some("好的，我要两束".into())
    )));
    assert!(texts.contains(&(
        Some("王芳".into()),
        MessageKind::Media,
        Some("春季花束目录".into())
    )));
    // The remark wins over the nickname.
    assert!(texts.contains(&(
        Some("Mei 老客户".into()),
        MessageKind::Text,
        Some("请问可以送到浦东吗？".into())
    )));
    // StrTime "2024-03-02 09:00:00" read at +08:00.
    let early = events
        .iter()
        .find(|e| matches!(e, ChatEvent::Message { text: Some(t), .. } if t == "早"));
    assert_eq!(
        early.map(ChatEvent::at),
        Some("2024-03-02T01:00:00Z".parse()?)
    );
    let talkers: Vec<_> = events
        .iter()
        .map(|e| e.group().external_id.clone().unwrap_or_default())
        .collect();
    assert_eq!(talkers.first().map(String::as_str), Some("7"));
    assert_eq!(talkers.last().map(String::as_str), Some("9"));
    Ok(())
}

#[test]
fn missing_columns_and_bad_bytes() {
    let result = import_wechat_csv(
        Cursor::new("localId,Type\n1,1\n"),
        &ImportOptions::default(),
        |_| {},
    );
    assert!(
        matches!(result, Err(ImportError::MissingColumns { ref missing, .. }) if missing.len() == 8)
    );

    let mut input = b"\xEF\xBB\xBFlocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n".to_vec();
    input.extend_from_slice(b"1,7,1,0,0,1709258400,2,\xFF\xFF,2024-03-01 10:00:00,,A,wxid_a\n");
    input.extend_from_slice(b"2,7,1,0,0,1709258401,2,ok,2024-03-01 10:00:01,,A,wxid_a\n");
    let report = import_wechat_csv(Cursor::new(input), &ImportOptions::default(), |_| {});
    let report = match report {
        Ok(report) => report,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(report.summary.messages, 1);
    assert_eq!(skipped_lines(&report), vec![2]);
}
