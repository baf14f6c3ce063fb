//! Customers in bulk on both backends: 10,000 customers from CSV (timed),
//! imported again as a no-op, a file with bad lines refused by the dry run
//! with every line named, and the export of every member read back.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use pond_core::identity::Region;
use pond_server::roster::{self, ImportReport};
use pond_store::Store;
use pond_store::testing::TestDb;
use std::fmt::Write;
use std::time::Instant;

pond_store::both_backends!(
    ten_thousand_customers_import_once,
    bad_lines_are_named_and_nothing_is_written,
    export_all_reads_back_as_a_no_op,
);

fn customers(n: usize) -> String {
    let mut s = String::from("name,phone,email,tags,joined,heard_from\n");
    for i in 0..n {
        let tags = match i % 3 {
            0 => "wedding client; class student",
            1 => "花艺课",
            _ => "",
        };
        let heard = ["friend", "group", "ad", "walk_in", "其他"][i % 5];
        let _ = writeln!(
            s,
            "Customer {i},139{i:08},c{i}@example.org,\"{tags}\",2024-{:02}-{:02},{heard}",
            i % 12 + 1,
            i % 28 + 1
        );
    }
    s
}

async fn run(store: &Store, csv: &str, dry_run: bool) -> ImportReport {
    let now = Timestamp::now();
    let tz = TimeZone::UTC;
    let parsed = roster::parse(
        csv.as_bytes(),
        Region::default(),
        tz.to_datetime(now).date(),
    );
    if dry_run {
        let mut tx = store.read().await.unwrap();
        roster::import(&mut tx, parsed, &tz, now, true)
            .await
            .unwrap()
    } else {
        store
            .write(move |tx| {
                Box::pin(async move { roster::import(tx, parsed, &tz, now, false).await })
            })
            .await
            .unwrap()
    }
}

async fn count(store: &Store) -> i64 {
    let mut tx = store.read().await.unwrap();
    pond_store::members::count(&mut tx).await.unwrap()
}

async fn ten_thousand_customers_import_once(db: TestDb) {
    let label = db.label;
    let store = db.open().await;
    let csv = customers(10_000);
    let t = Instant::now();
    let dry = run(&store, &csv, true).await;
    let dry_took = t.elapsed();
    assert!(
        dry.accepted(),
        "{:?}",
        &dry.problems[..dry.problems.len().min(5)]
    );
    assert_eq!((dry.rows, dry.created), (10_000, 10_000));
    assert_eq!(count(&store).await, 0, "a dry run writes nothing");

    let t = Instant::now();
    let first = run(&store, &csv, false).await;
    let took = t.elapsed();
    assert_eq!(
        (first.created, first.updated, first.unchanged),
        (10_000, 0, 0)
    );
    assert_eq!(count(&store).await, 10_000);

    let t = Instant::now();
    let again = run(&store, &csv, false).await;
    let again_took = t.elapsed();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 10_000)
    );
    assert_eq!(count(&store).await, 10_000, "a second import is a no-op");
    eprintln!(
        "{label}: 10,000 customers: dry run {:.2} s, import {:.2} s, again {:.2} s",
        dry_took.as_secs_f64(),
        took.as_secs_f64(),
        again_took.as_secs_f64()
    );

    let mut tx = store.read().await.unwrap();
    let found = pond_store::members::search(&mut tx, Some("c42@example.org"), None, 5)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.as_deref(), Some("Customer 42"));
    assert!(
        found[0].existing_customer,
        "imported customers bought before Pond"
    );
    assert_eq!(found[0].created_at.to_string(), "2024-07-15T00:00:00Z");
    assert_eq!(
        pond_store::tags::of(&mut tx, found[0].id).await.unwrap(),
        ["class student", "wedding client"]
    );
    // The same person by email with a new tag and a new phone is the same member.
    drop(tx);
    let more = "email,tags\nc42@example.org,VIP\n";
    let r = run(&store, more, false).await;
    assert_eq!((r.created, r.updated), (0, 1));
    assert_eq!(count(&store).await, 10_000);
}

async fn bad_lines_are_named_and_nothing_is_written(db: TestDb) {
    let store = db.open().await;
    run(
        &store,
        "name,phone\nOld,13900000001\nOther,13900000002\n",
        false,
    )
    .await;
    let bad = "name,phone,email,tags,joined,heard_from\n\
        Good,13800000001,good@example.org,,2024-01-02,friend\n\
        Bad phone,12,,,,\n\
        Bad email,13800000003,not-an-email,,,\n\
        Future,13800000004,,,2999-01-01,\n\
        Dup,13800000001,,,,\n\
        Two members,13900000001,,,,\n\
        Short,13800000007\n\
        Heard,13800000008,,,,television\n\
        ,,,,,\n\
        No id,,,,,\n";
    // The second-to-last line is blank cells only: skipped, not a problem.
    let r = run(&store, bad, true).await;
    let lines: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.line, p.code)).collect();
    assert_eq!(
        lines,
        [
            (3, "invalid_phone"),
            (4, "invalid_email"),
            (5, "future_date"),
            (6, "duplicate_in_file"),
            (8, "field_count"),
            (9, "invalid_heard_from"),
            (11, "no_identity"),
        ],
        "{:?}",
        r.problems
    );
    let zh = r.problems[3].message(pond_server::join::Lang::Zh);
    assert!(zh.contains("第 6 行") && zh.contains("第 2 行"), "{zh}");
    let en = r.problems[0].message(pond_server::join::Lang::En);
    assert!(en.starts_with("line 3:") && en.contains("\"12\""), "{en}");
    // Line 7's phone belongs to a member already and nothing else: fine.
    // The real import refuses the same file whole.
    let before = count(&store).await;
    let r = run(&store, bad, false).await;
    assert!(!r.accepted());
    assert_eq!(count(&store).await, before, "a refused file writes nothing");

    // Keys of two different members on one line.
    let two = "phone,email\n13900000001,x@example.org\n";
    run(&store, "email\nx@example.org\n", false).await;
    let r = run(&store, two, true).await;
    assert_eq!(
        r.problems[0].code, "keys_of_two_members",
        "{:?}",
        r.problems
    );

    for (file, code) in [
        ("", "no_header"),
        ("nmae,phone\nA,13800000001\n", "unknown_column"),
        ("name,tags\nA,x\n", "no_identity_column"),
        ("name,phone\n\"A,13800000001\n", "field_count"),
    ] {
        let r = run(&store, file, true).await;
        assert_eq!(
            r.problems.first().map(|p| p.code),
            Some(code),
            "{file:?}: {:?}",
            r.problems
        );
    }
    let mut latin1 = b"name,phone\n".to_vec();
    latin1.extend_from_slice(b"Jos\xe9,13800000001\n");
    let now = Timestamp::now();
    let parsed = roster::parse(
        &latin1,
        Region::default(),
        now.to_zoned(TimeZone::UTC).date(),
    );
    let mut tx = store.read().await.unwrap();
    let r = roster::import(&mut tx, parsed, &TimeZone::UTC, now, true)
        .await
        .unwrap();
    assert_eq!(r.problems[0].code, "not_utf8");
    assert_eq!(r.problems[0].line, 2);
}

async fn export_all_reads_back_as_a_no_op(db: TestDb) {
    let store = db.open().await;
    let csv = "姓名,手机号,邮箱,标签,加入日期,来源\n王小花,13800000011,wang@example.org,婚礼、花艺课,2024/3/1,朋友\n\"Lee, Ann\",13800000012,,\"a \"\"quoted\"\" tag\",,\n";
    let r = run(&store, csv, false).await;
    assert_eq!(r.created, 2, "{:?}", r.problems);
    let mut tx = store.read().await.unwrap();
    let out = roster::export_all(&mut tx, &TimeZone::UTC).await.unwrap();
    drop(tx);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(
            "id,name,phone,email,external_id,wechat_unionid,wechat_openid,tags,joined,heard_from\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("王小花,+8613800000011,wang@example.org,,,,婚礼; 花艺课,2024-03-01,friend"),
        "{text}"
    );
    assert!(text.contains("\"Lee, Ann\""), "{text}");
    let again = run(&store, &text, false).await;
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 2),
        "{:?}",
        again.problems
    );
}
