//! Community health through the store on both backends: imports of the
//! public fixtures, repeated imports, the census of a known data set, staff
//! and membership.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use pond_community::lifecycle::Thresholds;
use pond_import::{Channel, ChatEvent, GroupRef, ImportOptions, MessageKind, Person};
use pond_server::community::ingest::{Ingest, Settings};
use pond_server::community::{import_reader, report};
use pond_store::Store;
use pond_store::testing::TestDb;
use std::collections::HashSet;
use std::io::{BufReader, Cursor};
use std::sync::Arc;

pond_store::both_backends!(
    fixtures_import_once,
    census_counts_groups_active_every_day,
    staff_alone_do_not_keep_a_group_alive,
    members_follow_joins_and_leaves,
    text_is_kept_only_for_its_retention,
    the_retention_job_forgets_old_text,
    the_first_chat_data_fixes_the_time_zone,
);

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../pond-import/tests/data/public"
);

fn settings(staff: &[&str]) -> Settings {
    Settings {
        time_zone: TimeZone::get("Asia/Shanghai").unwrap(),
        staff: Arc::new(staff.iter().map(|s| s.to_string()).collect::<HashSet<_>>()),
        keep_text: true,
        text_since: Timestamp::MIN,
        complaints: None,
        alerts_since: Timestamp::MIN,
    }
}

async fn import_file(s: &Store, path: &str, group: &str) -> pond_server::community::Imported {
    let bytes = std::fs::read(path).unwrap();
    import_reader(
        s,
        BufReader::new(Cursor::new(bytes)),
        Some(path.to_string()),
        None,
        ImportOptions::new(group, TimeZone::get("Asia/Shanghai").unwrap()),
        settings(&[]),
    )
    .await
    .unwrap()
}

async fn fixtures_import_once(db: TestDb) {
    let s = db.open().await;
    let cases = [
        ("whatsapp/android-short-chat.txt", 5, 3),
        ("whatsapp/ios-12h-chat.txt", 12, 2),
        ("telegram/personal-chat-result.json", 4, 2),
    ];
    for (file, messages, senders) in cases {
        let path = format!("{FIXTURES}/{file}");
        let first = import_file(&s, &path, file).await;
        assert_eq!(
            (first.messages, first.senders, first.skipped),
            (messages, senders, 0),
            "{file}"
        );
        assert_eq!(first.added.messages, messages, "{file}: all new");
        let again = import_file(&s, &path, file).await;
        assert_eq!(
            again.messages, messages,
            "{file}: the file still reads the same"
        );
        assert_eq!(again.added.messages, 0, "{file}: nothing added twice");
        assert_eq!(again.added.duplicates, messages, "{file}");
    }
    let mut tx = s.read().await.unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let r = report::groups(&mut tx, &tz, date(2024, 1, 1), &Thresholds::default(), None)
        .await
        .unwrap();
    assert_eq!(r.census.groups, 3);
    assert_eq!(r.census.groups_with_history, 3);
    let total: u64 = r.groups.iter().map(|g| g.members.unwrap_or(0) as u64).sum();
    assert_eq!(
        total,
        3 + 2 + 2,
        "members from the start are the people seen posting"
    );
}

fn at(day: Date, hour: i8) -> Timestamp {
    day.at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get("Asia/Shanghai").unwrap())
        .unwrap()
        .timestamp()
}

fn group(n: u32) -> GroupRef {
    GroupRef {
        channel: Channel::Wechat,
        external_id: Some(format!("room-{n}")),
        name: format!("花友群 {n}"),
    }
}

fn message(g: &GroupRef, who: &str, when: Timestamp, seq: u64) -> ChatEvent {
    ChatEvent::Message {
        group: g.clone(),
        sender: Some(Person::named(who)),
        at: when,
        kind: MessageKind::Text,
        text: Some("今天的花真好看".into()),
        event_id: pond_core::privacy::sha256_hex(format!("{g:?}{who}{when}{seq}").as_bytes()),
    }
}

fn as_of() -> Date {
    date(2026, 3, 31)
}

/// 300 groups, all with history; exactly 4 had a customer post on each of
/// the 7 days up to `as_of`. The near misses: a group quiet on one day, one
/// where only staff posted on one day, one whose streak ended the day before.
async fn census_counts_groups_active_every_day(db: TestDb) {
    let s = db.open().await;
    let mut events = Vec::new();
    let mut seq = 0;
    for n in 0..300u32 {
        let g = group(n);
        // Everyone posted once, months ago: history, but long dead.
        events.push(message(&g, "Ann", at(date(2025, 11, 1), 10), seq));
        seq += 1;
        let days: Vec<i64> = match n {
            0..=3 => (0..7).collect(),
            4 => vec![0, 1, 2, 4, 5, 6],
            5 | 6 => (1..8).collect(),
            _ => vec![],
        };
        for back in days {
            let day = as_of() - SignedDuration::from_hours(24 * back);
            let who = if n == 4 && back == 3 { "店长" } else { "Bea" };
            events.push(message(&g, who, at(day, 20), seq));
            seq += 1;
        }
        if n == 4 {
            let day = as_of() - SignedDuration::from_hours(24 * 3);
            events.push(message(&g, "店长", at(day, 9), seq));
            seq += 1;
        }
    }
    let mut ingest = Ingest::new(s.clone(), settings(&["店长"]));
    for chunk in events.chunks(500) {
        ingest.write(chunk.to_vec()).await.unwrap();
    }
    let mut tx = s.read().await.unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let r = report::groups(&mut tx, &tz, as_of(), &Thresholds::default(), None)
        .await
        .unwrap();
    assert_eq!(r.census.groups, 300);
    assert_eq!(r.census.groups_with_history, 300);
    assert_eq!(r.census.active_every_day_last_7_days, 4);
    let every_day: Vec<&str> = r
        .groups
        .iter()
        .filter(|g| g.active_every_day_last_7)
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(every_day.len(), 4, "{every_day:?}");
    assert_eq!(r.census.states["dead"], 293);
    // 293 groups spoke once and died that day; 7 are still alive (censored).
    assert_eq!(r.survival.groups, 300);
    assert_eq!(r.survival.deaths, 293);
    assert_eq!(r.survival.median_days, Some(0.0));
    assert_eq!(r.survival.by_channel["wechat"].groups, 300);
    // As of a week earlier, groups 5 and 6 had not started their run.
    let earlier = as_of() - SignedDuration::from_hours(24 * 7);
    let r = report::groups(&mut tx, &tz, earlier, &Thresholds::default(), None)
        .await
        .unwrap();
    assert_eq!(r.census.active_every_day_last_7_days, 0);
}

async fn staff_alone_do_not_keep_a_group_alive(db: TestDb) {
    let s = db.open().await;
    let g = group(1);
    let events: Vec<ChatEvent> = (0..30)
        .map(|back| {
            let day = as_of() - SignedDuration::from_hours(24 * back);
            message(&g, "店员小王", at(day, 12), back as u64)
        })
        .collect();
    let mut ingest = Ingest::new(s.clone(), settings(&["店员小王"]));
    ingest.write(events).await.unwrap();
    let mut tx = s.read().await.unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let r = report::groups(&mut tx, &tz, as_of(), &Thresholds::default(), None)
        .await
        .unwrap();
    let row = &r.groups[0];
    assert_eq!(row.messages_28, 28);
    assert_eq!(row.posters_28, 0);
    assert!(!row.active_every_day_last_7);
    assert_ne!(row.state, "active", "{}", row.reason);
    drop(tx);

    // Once the person is no longer staff, the same messages keep it alive.
    let gid = ingest.group_id(&g).unwrap();
    let person: i64 = s
        .write(move |tx| {
            Box::pin(async move {
                let recent = pond_store::chat::recent(tx, gid, 1).await?;
                let p = recent[0].person_id.unwrap();
                pond_store::groups::set_staff(tx, gid, p, false).await?;
                Ok::<_, pond_store::StoreError>(p)
            })
        })
        .await
        .unwrap();
    assert!(person > 0);
    let mut tx = s.read().await.unwrap();
    let r = report::groups(&mut tx, &tz, as_of(), &Thresholds::default(), None)
        .await
        .unwrap();
    assert!(r.groups[0].active_every_day_last_7);
    assert_eq!(r.groups[0].posters_28, 1);
}

async fn members_follow_joins_and_leaves(db: TestDb) {
    let s = db.open().await;
    let g = group(7);
    let day = |back: i64| as_of() - SignedDuration::from_hours(24 * back);
    let id = |s: &str| pond_core::privacy::sha256_hex(s.as_bytes());
    let mut events = vec![
        message(&g, "Ann", at(day(40), 10), 1),
        message(&g, "Bob", at(day(40), 11), 2),
    ];
    for (i, who) in ["Cat", "Dan", "Eve"].iter().enumerate() {
        events.push(ChatEvent::Join {
            group: g.clone(),
            member: Person::named(*who),
            by: Some(Person::named("Ann")),
            at: at(day(10), 9 + i as i8),
            event_id: id(&format!("join{who}")),
        });
    }
    events.push(ChatEvent::Leave {
        group: g.clone(),
        member: Person::named("Bob"),
        by: None,
        at: at(day(2), 9),
        event_id: id("leave-bob"),
    });
    let mut ingest = Ingest::new(s.clone(), settings(&[]));
    let added = ingest.write(events.clone()).await.unwrap();
    assert_eq!((added.messages, added.joins, added.leaves), (2, 3, 1));
    assert_eq!(ingest.write(events).await.unwrap().duplicates, 6);

    let mut tx = s.read().await.unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let members_on = async |tx: &mut pond_store::Tx, d: Date| {
        report::groups(tx, &tz, d, &Thresholds::default(), None)
            .await
            .unwrap()
            .groups[0]
            .members
    };
    assert_eq!(members_on(&mut tx, as_of()).await, Some(4), "2 + 3 - 1");
    assert_eq!(
        members_on(&mut tx, day(5)).await,
        Some(5),
        "before Bob left"
    );
    assert_eq!(
        members_on(&mut tx, day(20)).await,
        Some(2),
        "before the joins"
    );
}

async fn text_is_kept_only_for_its_retention(db: TestDb) {
    let s = db.open().await;
    let g = group(9);
    let now = Timestamp::now();
    let days = |d: i64| now - SignedDuration::from_hours(24 * d);
    let mut ingest = Ingest::new(s.clone(), settings(&[]));
    ingest
        .write(vec![
            message(&g, "Ann", days(200), 1),
            message(&g, "Bob", days(1), 2),
        ])
        .await
        .unwrap();
    let gid = ingest.group_id(&g).unwrap();
    let cutoff = pond_store::time::ms(days(90));
    let forgot = s
        .write(move |tx| Box::pin(pond_store::chat::forget_text(tx, i64::MIN, cutoff)))
        .await
        .unwrap();
    assert_eq!(forgot, 1);
    // An import of old history keeps no text past the retention either.
    let mut old = settings(&[]);
    old.text_since = days(90);
    Ingest::new(s.clone(), old)
        .write(vec![message(&g, "Cat", days(300), 3)])
        .await
        .unwrap();
    let mut tx = s.read().await.unwrap();
    let recent = pond_store::chat::recent(&mut tx, gid, 10).await.unwrap();
    let text_of = |who: &str| {
        recent
            .iter()
            .find(|m| m.sender.as_deref() == Some(who))
            .unwrap()
            .text
            .clone()
    };
    assert!(text_of("Bob").is_some());
    assert_eq!(text_of("Ann"), None);
    assert_eq!(text_of("Cat"), None);
    assert_eq!(recent.len(), 3, "counts and events stay");
}

/// The server's job, as it runs every 30 s: old text goes, once.
async fn the_retention_job_forgets_old_text(db: TestDb) {
    let s = db.open().await;
    let g = group(10);
    let now = Timestamp::now();
    let days = |d: i64| now - SignedDuration::from_hours(24 * d);
    let mut ingest = Ingest::new(s.clone(), settings(&[]));
    ingest
        .write(vec![
            message(&g, "Ann", days(120), 1),
            message(&g, "Bob", days(2), 2),
        ])
        .await
        .unwrap();
    let gid = ingest.group_id(&g).unwrap();
    let config = pond_server::Config {
        text_retention_days: Some(90),
        time_zone: Some("Asia/Shanghai".into()),
        ..pond_server::Config::default()
    };
    let app = pond_server::App::new(s.clone(), config, "http://127.0.0.1".into())
        .await
        .unwrap();
    pond_server::jobs::run_once(&app).await;
    pond_server::jobs::run_once(&app).await;
    let mut tx = s.read().await.unwrap();
    let recent = pond_store::chat::recent(&mut tx, gid, 10).await.unwrap();
    let texts: Vec<Option<&str>> = recent.iter().map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, vec![Some("今天的花真好看"), None], "newest first");
}

async fn the_first_chat_data_fixes_the_time_zone(db: TestDb) {
    use pond_server::community::shop_time_zone;
    let s = db.open().await;
    // Before any chat data, any zone may be asked for, and none is stored.
    let paris = shop_time_zone(&s, Some("Europe/Paris")).await.unwrap();
    assert_eq!(paris.iana_name(), Some("Europe/Paris"));
    let mut ingest = Ingest::new(s.clone(), settings(&[]));
    ingest
        .write(vec![message(&group(1), "Ann", at(as_of(), 9), 1)])
        .await
        .unwrap();
    let fixed = shop_time_zone(&s, None).await.unwrap();
    assert_eq!(fixed.iana_name(), Some("Asia/Shanghai"));
    let refused = shop_time_zone(&s, Some("Europe/Paris")).await.unwrap_err();
    assert_eq!(refused.code, "time_zone_fixed");
    assert!(
        refused.message.contains("Asia/Shanghai"),
        "{}",
        refused.message
    );
}
