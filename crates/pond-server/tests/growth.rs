//! Growth analytics and the community funnel over real HTTP on both
//! backends, from records written through the store at known instants.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use jiff::Timestamp;
use pond_core::attribution::Source;
use pond_core::heard_from::HeardFrom;
use pond_core::referral::Review;
use pond_store::members::NewMember;
use pond_store::referrals::NewReferral;
use pond_store::testing::TestDb;
use pond_store::{Store, StoreError, Tx};
use serde_json::{Value, json};

pond_store::both_backends!(
    a_hand_built_tree_gives_exact_k_generations_cycle_time_and_organic_rate,
    impossible_referrals_are_reported_and_bad_input_refused,
    heard_from_is_taken_and_checked_at_signup,
    the_funnel_counts_joins_orders_and_referrals_per_group_and_channel
);

/// Opens the database once to fix the shop's time zone, as a first import
/// would, so that days and months are counted in it.
async fn with_time_zone(db: TestDb, zone: &'static str) -> support::TestApp {
    let store = db.open().await;
    store
        .write(move |tx| Box::pin(pond_store::instance::set(tx, "time_zone", zone)))
        .await
        .unwrap();
    store.close().await;
    support::spawn(db).await
}

async fn write<T: Send + 'static>(
    store: &Store,
    f: impl for<'t> FnOnce(&'t mut Tx) -> pond_store::WriteFuture<'t, T, StoreError> + Send + 'static,
) -> T {
    store.write(f).await.unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Noon in Shanghai (04:00 UTC), `day` days after 2024-01-10.
fn day(day: i64) -> Timestamp {
    at("2024-01-10T04:00:00Z") + jiff::SignedDuration::from_hours(24 * day)
}

async fn member(store: &Store, joined: Timestamp, heard_from: Option<HeardFrom>) -> i64 {
    let new = NewMember {
        heard_from,
        ..Default::default()
    };
    write(store, move |tx| {
        Box::pin(async move { pond_store::members::insert(tx, &new, joined).await })
    })
    .await
}

/// Records a referral attributed at `attributed`; qualified at `qualified`
/// if given; flagged then rejected in review if `rejected`.
async fn referral(
    store: &Store,
    program: i64,
    (inviter, invitee): (i64, i64),
    attributed: Timestamp,
    qualified: Option<Timestamp>,
    rejected: bool,
) {
    let new = NewReferral {
        program_id: program,
        inviter_id: inviter,
        invitee_id: invitee,
        link_id: None,
        source: Source::CheckoutPhone,
        reasons: if rejected {
            vec![pond_core::fraud::Reason::SameIp]
        } else {
            vec![]
        },
        ip_hash: None,
    };
    write(store, move |tx| {
        Box::pin(async move {
            let id = pond_store::referrals::insert(tx, &new, attributed)
                .await?
                .unwrap();
            if let Some(q) = qualified {
                assert!(pond_store::referrals::mark_qualified(tx, id, "order", q).await?);
            }
            if rejected {
                let done = pond_store::referrals::decide_review(
                    tx,
                    id,
                    Review::Rejected,
                    None,
                    attributed,
                )
                .await?;
                assert!(done);
            }
            Ok(())
        })
    })
    .await;
}

/// Clicks on a member's link: one per visitor IP given (`None`: no IP).
async fn clicks(store: &Store, program: i64, member: i64, when: Timestamp, ips: &[Option<&str>]) {
    let ips: Vec<Option<String>> = ips.iter().map(|i| i.map(str::to_string)).collect();
    write(store, move |tx| {
        Box::pin(async move {
            let link = pond_store::links::get_or_create(tx, program, member, when).await?;
            for ip in &ips {
                pond_store::links::record_click(tx, link.id, ip.as_deref(), None, when).await?;
            }
            Ok(())
        })
    })
    .await;
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The tree, in the shop's time zone (Asia/Shanghai); days count from
/// 2024-01-10 at noon, and the incentive runs from 2024-01-01 to 2024-03-01:
///
/// ```text
/// A  day 0  (Jan 10) ─┬─ B  day 5  (Jan 15, incentivised) ── D  day 15 (Jan 25, incentivised) ── E  day 60 (Mar 10, after the incentive: organic)
///                     └─ C  day 12 (Jan 22, incentivised) ·· H  day 40 (Feb 19, attributed, never qualified: pending)
/// A  ·· I  day 45 (Feb 24, qualified then rejected in review: not a referral)
/// F  2024-01-31 20:00 UTC = Feb 1 04:00 in Shanghai (walk-in)
/// G  day 30 (Feb 9, "a friend told me", no referral: organic)
/// ```
///
/// By hand, for 2024-01-01 to 2024-03-31:
/// - 9 members, none before the period: growth multiple null.
/// - Successful referrals: A→B, A→C, B→D, D→E = 4. K = 4 / 9.
/// - Generations: roots A F G H I = 5, then B C = 2, D = 1, E = 1.
/// - Direct referrals: A 2, B 1, D 1, six members 0; mean 4/9, max 2.
/// - Cycle time: A 5 days (B), B 10 (D), D 45 (E): median 10 days.
/// - Mix: organic E and G = 2/9; incentivised B C D = 3/9; neither A F H I = 4.
///   2/9 = 22 % is at or above the studio's 15 %.
/// - Cohorts by Shanghai month: 2024-01 = A B C D (4 referrals, K 1);
///   2024-02 = F G H I (0); 2024-03 = E (0).
/// - Invites: A's link had visitors 1, 2, 3, 1 again and one without an IP
///   = 4; B's one = 1; a visit after the period does not count. January:
///   5 invites, 1.25 per member, conversion 4/5.
/// - 30-day periods from Jan 1 (Shanghai): Jan 1 = A B C D (4 referrals;
///   3 within 30 days, since E came 45 days after D), Jan 31 = F G H I,
///   Mar 1 = E.
async fn a_hand_built_tree_gives_exact_k_generations_cycle_time_and_organic_rate(db: TestDb) {
    let app = with_time_zone(db, "Asia/Shanghai").await;
    let s = &app.store;
    let mut spec = support::dropbox(0);
    spec["starts_at"] = json!("2024-01-01T00:00:00Z");
    spec["ends_at"] = json!("2024-03-01T00:00:00Z");
    let program = app.program(spec).await;

    let a = member(s, day(0), None).await;
    let b = member(s, day(5), None).await;
    let c = member(s, day(12), None).await;
    let d = member(s, day(15), None).await;
    let f = member(s, at("2024-01-31T20:00:00Z"), Some(HeardFrom::WalkIn)).await;
    let g = member(s, day(30), Some(HeardFrom::Friend)).await;
    let h = member(s, day(40), None).await;
    let i = member(s, day(45), None).await;
    let e = member(s, day(60), None).await;
    referral(s, program, (a, b), day(5), Some(day(6)), false).await;
    referral(s, program, (a, c), day(12), Some(day(13)), false).await;
    referral(s, program, (b, d), day(15), Some(day(20)), false).await;
    referral(s, program, (d, e), day(60), Some(day(61)), false).await;
    referral(s, program, (c, h), day(40), None, false).await;
    referral(s, program, (a, i), day(45), Some(day(46)), true).await;
    let ips = [Some("ip1"), Some("ip2"), Some("ip3"), Some("ip1"), None];
    clicks(s, program, a, day(1), &ips).await;
    clicks(s, program, b, day(6), &[Some("ip9")]).await;
    clicks(s, program, a, at("2024-04-15T00:00:00Z"), &[Some("late")]).await;
    let _ = (f, g);

    let (st, r) = app
        .get("/api/v1/growth?from=2024-01-01&to=2024-03-31&period_days=30")
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["time_zone"], "Asia/Shanghai");
    assert_eq!(r["members"], json!({"at_start": 0, "at_end": 9, "new": 9}));
    assert_eq!(r["growth_multiple"], Value::Null);
    assert_eq!(r["generations"], json!([5, 2, 1, 1]));
    assert_eq!(
        r["direct_referrals"]["distribution"],
        json!([[0, 6], [1, 2], [2, 1]])
    );
    assert!(close(&r["direct_referrals"]["mean"], 4.0 / 9.0), "{r}");
    assert_eq!(r["direct_referrals"]["max"], 2);
    assert!(close(&r["cycle_time_days"], 10.0), "{r}");
    assert_eq!(r["k"]["members"], 9);
    assert_eq!(r["k"]["successful_referrals"], 4);
    assert!(close(&r["k"]["k"], 4.0 / 9.0), "{r}");
    assert_eq!(r["k"]["invites"], 5);
    assert!(close(&r["k"]["conversion"], 0.8), "{r}");

    let mix = &r["referral_mix"];
    assert_eq!(
        (
            &mix["members"],
            &mix["organic"],
            &mix["incentivised"],
            &mix["unattributed"]
        ),
        (&json!(9), &json!(2), &json!(3), &json!(4)),
        "{mix}"
    );
    assert!(close(&mix["organic_rate"], 2.0 / 9.0), "{mix}");
    assert!(close(&mix["incentivised_rate"], 3.0 / 9.0), "{mix}");
    assert!(close(&mix["benchmark"], 0.15));
    assert_eq!(mix["verdict"], "at_or_above_benchmark");
    assert_eq!(r["pending_referrals"], 1, "H is pending; I was rejected");
    assert_eq!(
        r["heard_from"],
        json!({"friend": 1, "unknown": 7, "walk_in": 1})
    );

    let cohorts = r["k_by_cohort"].as_array().unwrap();
    let row = |c: &Value| {
        (
            c["cohort"].as_str().unwrap().to_string(),
            c["members"].as_u64().unwrap(),
            c["successful_referrals"].as_u64().unwrap(),
            c["invites"].as_u64().unwrap(),
        )
    };
    let rows: Vec<_> = cohorts.iter().map(row).collect();
    assert_eq!(
        rows,
        vec![
            ("2024-01".to_string(), 4, 4, 5),
            ("2024-02".to_string(), 4, 0, 0),
            ("2024-03".to_string(), 1, 0, 0),
        ],
        "F joined on Feb 1 in Shanghai (Jan 31 in UTC)"
    );
    assert!(close(&cohorts[0]["k"], 1.0));
    assert!(close(&cohorts[0]["invites_per_member"], 1.25));
    assert!(close(&cohorts[0]["conversion"], 0.8));
    assert_eq!(cohorts[1]["conversion"], Value::Null);

    let periods = |r: &Value| -> Vec<(String, u64, u64)> {
        r["k_by_period"]["periods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["start"].as_str().unwrap().to_string(),
                    p["members"].as_u64().unwrap(),
                    p["successful_referrals"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let expect = |jan: u64| {
        vec![
            ("2024-01-01".to_string(), 4, jan),
            ("2024-01-31".to_string(), 4, 0),
            ("2024-03-01".to_string(), 1, 0),
        ]
    };
    assert_eq!(periods(&r), expect(4));
    let (st, w) = app
        .get("/api/v1/growth?from=2024-01-01&to=2024-03-31&within_days=30")
        .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(periods(&w), expect(3), "E came 45 days after D");
    assert_eq!(r["skipped_referrals"]["total"], 0);

    // From Jan 20: A and B were there; 7 joined since. 9 / 2 = 4.5x.
    // New members C D F G H I E: organic E G, incentivised C D, neither F H I.
    let (st, r) = app
        .get("/api/v1/growth?from=2024-01-20&to=2024-03-31")
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["members"], json!({"at_start": 2, "at_end": 9, "new": 7}));
    assert!(close(&r["growth_multiple"], 4.5), "{r}");
    let mix = &r["referral_mix"];
    assert_eq!(
        (&mix["organic"], &mix["incentivised"], &mix["unattributed"]),
        (&json!(2), &json!(2), &json!(3)),
        "{mix}"
    );
    // January's cohort is now C and D: D brought E, C's H never qualified.
    assert_eq!(r["k_by_cohort"][0]["members"], 2);
    assert_eq!(r["k_by_cohort"][0]["successful_referrals"], 1);
    assert_eq!(
        r["k"]["conversion"],
        Value::Null,
        "C and D had no link visits"
    );

    // As of Feb 29, E had not joined: D→E is not there; cycle time is the
    // median of A's 5 days and B's 10.
    let (st, r) = app
        .get("/api/v1/growth?from=2024-01-01&to=2024-02-29")
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["generations"], json!([5, 2, 1]));
    assert!(close(&r["cycle_time_days"], 7.5), "{r}");
    assert_eq!(r["members"]["at_end"], 8);
}

async fn impossible_referrals_are_reported_and_bad_input_refused(db: TestDb) {
    let app = with_time_zone(db, "UTC").await;
    let s = &app.store;
    let program = app.program(support::dropbox(0)).await;
    // Y joined first, then named X (who joined later) at checkout.
    let y = member(s, at("2024-05-01T10:00:00Z"), None).await;
    let x = member(s, at("2024-05-02T10:00:00Z"), None).await;
    referral(
        s,
        program,
        (x, y),
        at("2024-05-03T10:00:00Z"),
        Some(at("2024-05-03T11:00:00Z")),
        false,
    )
    .await;
    let (st, r) = app
        .get("/api/v1/growth?from=2024-05-01&to=2024-05-31")
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["generations"], json!([2]));
    assert_eq!(r["k"]["successful_referrals"], 0);
    let skipped = &r["skipped_referrals"];
    assert_eq!(skipped["total"], 1, "{skipped}");
    assert_eq!(
        skipped["by_reason"],
        json!({"invitee_joined_before_inviter": 1})
    );
    assert_eq!(skipped["examples"][0]["inviter_id"], x);
    assert_eq!(skipped["examples"][0]["invitee_id"], y);
    assert_eq!(r["referral_mix"]["verdict"], "below_benchmark");

    let (st, r) = app
        .get("/api/v1/growth?from=2023-01-01&to=2023-01-31")
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["referral_mix"]["verdict"], "no_new_members");
    assert_eq!(r["cycle_time_days"], Value::Null);

    for (query, field) in [
        ("from=2024-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2024-05-02&to=2024-05-01", "to"),
        ("period_days=0", "period_days"),
        ("within_days=100000", "within_days"),
    ] {
        let (st, e) = app.get(&format!("/api/v1/growth?{query}")).await;
        assert_eq!(st, 422, "{query}: {e}");
        assert_eq!(e["error"]["field"], field, "{query}: {e}");
    }
    let (st, e) = app.get("/api/v1/growth?colour=red").await;
    assert_eq!(st, 400, "{e}");
    let (st, e) = app.get("/api/v1/groups/funnel?from=2024-02-30").await;
    assert_eq!((st, &e["error"]["field"]), (422, &json!("from")), "{e}");
}

async fn heard_from_is_taken_and_checked_at_signup(db: TestDb) {
    let app = support::spawn(db).await;
    let m = app
        .member(json!({"phone": "+8613800000001", "heard_from": "friend"}))
        .await;
    assert_eq!(m["heard_from"], "friend");
    let (st, got) = app.get(&format!("/api/v1/members/{}", m["id"])).await;
    assert_eq!((st, &got["heard_from"]), (200, &json!("friend")));
    let m = app.member(json!({"phone": "+8613800000002"})).await;
    assert_eq!(m["heard_from"], Value::Null);
    let (st, e) = app
        .post(
            "/api/v1/members",
            json!({"phone": "+8613800000003", "heard_from": "tv"}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["field"], "heard_from", "{e}");
}

/// Live events for a group: `(id, type, at, person name, person id)`.
async fn live(
    app: &support::TestApp,
    group: i64,
    events: &[(&str, &str, Timestamp, &str, Option<&str>)],
) {
    let events: Vec<Value> = events
        .iter()
        .map(|(id, kind, at, name, pid)| {
            json!({"id": id, "type": kind, "at": at.to_string(),
                   "person": {"name": name, "id": pid}, "text": "hi"})
        })
        .collect();
    let (st, r) = app
        .post(
            &format!("/api/v1/groups/{group}/events"),
            json!({"events": events}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
}

/// Three groups, two channels; the window is the last 10 days (UTC).
///
/// ```text
/// Roses  (wechat):   M1 joins d-5, M2 joins d-5 and leaves d-2, Anon joins d-4, Old joined d-30
/// Lilies (wechat):   M1 joins d-3; M3 posts d-6 (no join seen: there from the start)
/// Tulips (whatsapp): M3 joins d-4
/// orders: o1 M1 100.00 d-4; o2 M1 50.00 d-1, 20.00 refunded; o3 M2 30.00 d-3;
///         o4 M2 40.00 d-1 (after leaving); o5 M3 70.00 d-5, cancelled;
///         o6 M3 10.00 d-20 (before the window); o7 M4 80.00 (in no group)
/// referrals today: M1 → M5 (qualified: M5 buys), M2 → M6 (M2 has left), M3 → M7
/// ```
///
/// By hand:
/// - Roses: joins 3 (Old's is before the window), linked M1 M2 = 2; orders
///   o1 o2 o3 = 3, one refunded, 100 + (50 − 20) + 30 = 160.00; referrals
///   M5 = 1, qualified 1.
/// - Lilies: joins 1, linked M1 M3 = 2; orders o2 (M1 joined d-3, o1 was
///   before) and o5 = 2, both refunded, 30 + 0 = 30.00; referrals M5 M7 = 2,
///   qualified 1.
/// - Tulips: joins 1, linked M3; o5 came before M3 joined: 0 orders;
///   referrals M7 = 1, qualified 0.
/// - wechat: joins 4, linked M1 M2 M3 = 3, orders o1 o2 o3 o5 = 4 (o2 once),
///   2 refunded, 160.00; referrals M5 M7 = 2, qualified 1.
/// - whatsapp: Tulips' numbers.
async fn the_funnel_counts_joins_orders_and_referrals_per_group_and_channel(db: TestDb) {
    let app = with_time_zone(db, "UTC").await;
    let now = Timestamp::now();
    let ago = move |days: i64| now - jiff::SignedDuration::from_hours(24 * days);
    let mut spec = support::dropbox(0);
    spec["qualifying"] = json!({"type": "first_paid_order", "min_amount": 1});
    let program = app.program(spec).await;
    let mut m = Vec::new();
    for n in 1..=4 {
        let v = app
            .member(json!({"phone": format!("+861380000000{n}")}))
            .await;
        m.push(v["id"].as_i64().unwrap());
    }
    let groups = [
        ("Roses", "wechat"),
        ("Lilies", "wechat"),
        ("Tulips", "whatsapp"),
    ];
    let mut ids = Vec::new();
    for (name, channel) in groups {
        let g = pond_store::groups::NewGroup {
            channel: channel.into(),
            external_id: None,
            name: name.into(),
        };
        ids.push(
            write(&app.store, move |tx| {
                Box::pin(async move { pond_store::groups::get_or_create(tx, &g, ago(40)).await })
            })
            .await,
        );
    }
    let (roses, lilies, tulips) = (ids[0], ids[1], ids[2]);
    let p = |n: u8| format!("+86 138 0000 000{n}");
    let (p1, p2, p3) = (p(1), p(2), p(3));
    live(
        &app,
        roses,
        &[
            ("old", "join", ago(30), "Old", None),
            ("j1", "join", ago(5), "M1", Some(&p1)),
            ("j2", "join", ago(5), "M2", Some(&p2)),
            ("j3", "join", ago(4), "Anon", None),
            ("l2", "leave", ago(2), "M2", Some(&p2)),
        ],
    )
    .await;
    live(
        &app,
        lilies,
        &[
            ("m3", "message", ago(6), "M3", Some(&p3)),
            ("j1", "join", ago(3), "M1", Some(&p1)),
        ],
    )
    .await;
    live(&app, tulips, &[("j3", "join", ago(4), "M3", Some(&p3))]).await;

    let order = |id: &str, kind: &str, member: i64, amount: Option<i64>, when: Timestamp| {
        let mut e = json!({"type": kind, "member_id": member, "order_id": id,
                           "occurred_at": when.to_string()});
        if let Some(a) = amount {
            e["amount"] = json!(a);
        }
        e
    };
    for e in [
        order("o1", "order.paid", m[0], Some(10_000), ago(4)),
        order("o2", "order.paid", m[0], Some(5_000), ago(1)),
        order("o2", "order.refunded", m[0], Some(2_000), ago(1)),
        order("o3", "order.paid", m[1], Some(3_000), ago(3)),
        order("o4", "order.paid", m[1], Some(4_000), ago(1)),
        order("o5", "order.paid", m[2], Some(7_000), ago(5)),
        order("o5", "order.cancelled", m[2], None, ago(1)),
        order("o6", "order.paid", m[2], Some(1_000), ago(20)),
        order("o7", "order.paid", m[3], Some(8_000), ago(1)),
    ] {
        let (st, r) = app.post("/api/v1/events", e).await;
        assert_eq!(st, 200, "{r}");
    }
    for (n, inviter) in [(5, m[0]), (6, m[1]), (7, m[2])] {
        let code = app.code(program, inviter).await;
        let v = app
            .member(json!({"phone": format!("+861380000000{n}"), "referral_code": code}))
            .await;
        assert!(v["referral"].is_object(), "{v}");
        if n == 5 {
            let paid = order(
                "o8",
                "order.paid",
                v["id"].as_i64().unwrap(),
                Some(100),
                Timestamp::now(),
            );
            let (st, r) = app.post("/api/v1/events", paid).await;
            assert_eq!((st, &r["effect"]), (200, &json!("qualified")), "{r}");
        }
    }

    let from = now.to_zoned(jiff::tz::TimeZone::UTC).date() - jiff::Span::new().days(9);
    let (st, r) = app.get(&format!("/api/v1/groups/funnel?from={from}")).await;
    assert_eq!(st, 200, "/groups/funnel is not taken for a group id: {r}");
    let stages = |v: &Value| {
        [
            "joins",
            "linked_members",
            "orders",
            "refunded_orders",
            "revenue",
            "referrals",
            "qualified_referrals",
        ]
        .map(|k| v[k].as_i64().unwrap())
    };
    let names: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Roses", "Lilies", "Tulips"], "most revenue first");
    assert_eq!(
        stages(&r["groups"][0]),
        [3, 2, 3, 1, 16_000, 1, 1],
        "Roses: {r}"
    );
    assert_eq!(
        stages(&r["groups"][1]),
        [1, 2, 2, 2, 3_000, 2, 1],
        "Lilies: {r}"
    );
    assert_eq!(
        stages(&r["groups"][2]),
        [1, 1, 0, 0, 0, 1, 0],
        "Tulips: {r}"
    );
    assert_eq!(r["channels"][0]["channel"], "wechat");
    assert_eq!(r["channels"][0]["groups"], 2);
    assert_eq!(
        stages(&r["channels"][0]),
        [4, 3, 4, 2, 16_000, 2, 1],
        "wechat: {r}"
    );
    assert_eq!(r["channels"][1]["channel"], "whatsapp");
    assert_eq!(
        stages(&r["channels"][1]),
        [1, 1, 0, 0, 0, 1, 0],
        "whatsapp: {r}"
    );
}
