//! The referral engine end to end through HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::{dropbox, spawn};

pond_store::both_backends!(
    dropbox_end_to_end,
    replayed_events_pay_once,
    replayed_custom_events_pay_once,
    pyramids_are_refused,
    self_referral_is_flagged_not_paid,
    rejected_referrals_void_their_rewards,
    refunds_void_pending_rewards,
    checkout_attribution_first_touch_wins,
    the_cap_stops_the_inviter_not_the_friend,
    redemptions_never_overdraw,
    fraud_rules_flag_bursts_loops_and_customers,
    milestones_pay_the_inviter_once,
);

async fn dropbox_end_to_end(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = app
        .member(json!({"name": "Ann", "phone": "13800000001", "ip": "198.51.100.1"}))
        .await;
    let a = a["id"].as_i64().unwrap();
    assert_eq!(a_balance(&app, a).await, 2048, "base grant on joining");
    let code = app.code(p, a).await;

    // The friend opens the link: a click is recorded and the code travels on.
    let r = app
        .http
        .get(app.url(&format!("/r/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with(&format!("ref={code}")), "{location}");
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("pond_ref=")
    );

    let b = app
        .member(json!({"name": "Bo", "phone": "+86 139 0000 0002", "referral_code": code, "ip": "198.51.100.2"}))
        .await;
    assert_eq!(b["referral"]["inviter_id"], a);
    assert_eq!(b["referral"]["review"], "clear");
    let b = b["id"].as_i64().unwrap();

    let (s, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": b, "order_id": "o-1", "amount": 12800}),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["effect"], "qualified");
    assert_eq!(e["rewards"].as_array().unwrap().len(), 2);
    assert!(
        e["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "approved")
    );

    assert_eq!(app.balance(a, "MB").await, 2048 + 500);
    assert_eq!(app.balance(b, "MB").await, 2048 + 500);
    let (_, ledger) = app.get(&format!("/api/v1/members/{a}/ledger")).await;
    let kinds: Vec<&str> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reward", "base_grant"]);

    // The QR code a phone would scan reads back as the link.
    let png = app
        .http
        .get(app.url(&format!("/r/{code}/qr.png")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, app.url(&format!("/r/{code}")));
    let svg = app
        .http
        .get(app.url(&format!("/r/{code}/qr.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
}

async fn a_balance(app: &support::TestApp, m: i64) -> i64 {
    app.balance(m, "MB").await
}

/// Two members, B referred by A, and the body of B's qualifying order.
async fn referred_pair(app: &support::TestApp, p: i64) -> (i64, i64) {
    let a = app.member(json!({"external_id": "pos-a"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    let b = app
        .member(json!({"external_id": "pos-b", "referral_code": code}))
        .await["id"]
        .as_i64()
        .unwrap();
    (a, b)
}

async fn replay(app: &support::TestApp, body: Value) -> Vec<(u16, Value)> {
    let mut tasks = Vec::new();
    for i in 0..100 {
        // Half share one key (Stripe replay), half bring a fresh key each.
        let key = if i % 2 == 0 {
            "same-key".to_string()
        } else {
            format!("fresh-{i}")
        };
        let (http, url, token, body) = (
            app.http.clone(),
            app.url("/api/v1/events"),
            app.token.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn assert_paid_once(app: &support::TestApp, a: i64, b: i64, results: &[(u16, Value)]) {
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    let qualified = results
        .iter()
        .filter(|(_, e)| e["effect"] == "qualified")
        .count();
    // The first request and the replays of its key answer `qualified`; every
    // other request answers that nothing happened again.
    assert!(
        qualified >= 1,
        "one request must have qualified the referral"
    );
    let same_key: Vec<&Value> = results.iter().step_by(2).map(|(_, e)| e).collect();
    assert!(
        same_key.windows(2).all(|w| w[0] == w[1]),
        "one key, one stored response"
    );
    let (_, r) = app.get(&format!("/api/v1/members/{b}")).await;
    let rewards = r["referral"]["rewards"].as_array().unwrap();
    assert_eq!(rewards.len(), 2, "exactly one reward per side: {rewards:?}");
    assert_eq!(app.balance(a, "MB").await, 2048 + 500);
    assert_eq!(app.balance(b, "MB").await, 2048 + 500);
    let (_, ledger) = app.get(&format!("/api/v1/members/{a}/ledger")).await;
    assert_eq!(
        ledger
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "reward")
            .count(),
        1
    );
}

async fn replayed_events_pay_once(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let (a, b) = referred_pair(&app, p).await;
    let results = replay(
        &app,
        json!({"type": "order.paid", "member_id": b, "order_id": "o-1", "amount": 500}),
    )
    .await;
    assert_paid_once(&app, a, b, &results).await;
}

async fn replayed_custom_events_pay_once(db: TestDb) {
    // A custom event has no order id to dedupe on: the referral's state and
    // the rewards' UNIQUE identity alone must hold.
    let app = spawn(db).await;
    let mut spec = dropbox(0);
    spec["qualifying"] = json!({"type": "custom", "name": "activated"});
    let p = app.program(spec).await;
    let (a, b) = referred_pair(&app, p).await;
    let results = replay(&app, json!({"type": "activated", "member_id": b})).await;
    assert_paid_once(&app, a, b, &results).await;
}

async fn pyramids_are_refused(db: TestDb) {
    let app = spawn(db).await;
    let mut spec = dropbox(0);
    spec["rewards"][0]["depth"] = json!(2);
    let (s, e) = app.post("/api/v1/programs", spec).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["code"], "pyramid_indirect_referral");
    assert_eq!(e["error"]["field"], "rewards[0].depth");
    assert!(e["error"]["message"].as_str().unwrap().contains("Art. 7"));

    let mut spec = dropbox(0);
    spec["rewards"][0]["basis"] = json!("invitee_sales");
    let (s, e) = app.post("/api/v1/programs", spec).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("pyramid_downline_compensation"))
    );

    let mut spec = dropbox(0);
    spec["referrer_fee"] = json!(9900);
    let (s, e) = app.post("/api/v1/programs", spec).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("pyramid_entry_fee"))
    );

    // Updates pass the same guard.
    let p = app.program(dropbox(0)).await;
    let (s, e) = app
        .patch(
            &format!("/api/v1/programs/{p}"),
            json!({"inviter_cap": null}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("uncapped_inviter_rewards"))
    );
    let (s, e) = app
        .patch(&format!("/api/v1/programs/{p}"), json!({"inviter_cap": 10}))
        .await;
    assert_eq!((s, e["inviter_cap"].as_i64()), (200, Some(10)));

    // One-sided is lawful but named.
    let mut spec = dropbox(0);
    spec["rewards"].as_array_mut().unwrap().pop();
    let (s, p) = app.post("/api/v1/programs", spec).await;
    assert_eq!(s, 201);
    assert_eq!(p["warnings"][0]["code"], "one_sided");
}

async fn self_referral_is_flagged_not_paid(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = app.member(json!({"email": "Ann.Lee@gmail.com"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    // The same inbox behind an alias.
    let b = app
        .member(json!({"email": "annlee+2@gmail.com", "referral_code": code}))
        .await;
    assert_eq!(b["referral"]["review"], "flagged");
    assert_eq!(b["referral"]["reasons"], json!(["shared_identity"]));
    let b = b["id"].as_i64().unwrap();
    let (_, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": b, "order_id": "x", "amount": 900}),
        )
        .await;
    assert!(
        e["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "pending"),
        "{e}"
    );
    assert_eq!(app.balance(a, "MB").await, 2048);

    let (_, queue) = app.get("/api/v1/referrals?status=flagged").await;
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1);
    let id = queue[0]["id"].as_i64().unwrap();

    // A person looks and clears it: the rewards proceed.
    let (s, r) = app
        .post(
            &format!("/api/v1/referrals/{id}/approve"),
            json!({"note": "sisters sharing a mailbox"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["review"], "approved");
    assert_eq!(app.balance(a, "MB").await, 2048 + 500);
    let (s, e) = app
        .post(&format!("/api/v1/referrals/{id}/approve"), json!({}))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("not_flagged")));

    // Same device, and a member referring themselves outright.
    let c = app
        .member(json!({"external_id": "c", "device_id": "dev-1"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let c_code = app.code(p, c).await;
    let d = app
        .member(json!({"external_id": "d", "device_id": "dev-1", "referral_code": c_code}))
        .await;
    assert_eq!(d["referral"]["reasons"], json!(["same_device"]));
    let (s, e) = app
        .post("/api/v1/referrals", json!({"member_id": c, "code": c_code}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("self_referral"))
    );
}

async fn rejected_referrals_void_their_rewards(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = app
        .member(json!({"external_id": "a", "ip": "203.0.113.9"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    let b = app
        .member(json!({"external_id": "b", "ip": "203.0.113.9", "referral_code": code}))
        .await;
    assert_eq!(b["referral"]["reasons"], json!(["same_ip"]));
    let (b, id) = (
        b["id"].as_i64().unwrap(),
        b["referral"]["id"].as_i64().unwrap(),
    );
    app.post(
        "/api/v1/events",
        json!({"type": "order.paid", "member_id": b, "order_id": "o", "amount": 900}),
    )
    .await;
    let (s, r) = app
        .post(
            &format!("/api/v1/referrals/{id}/reject"),
            json!({"note": "one person"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["status"], "rejected");
    assert!(
        r["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "voided")
    );
    pond_app::rewards::approve_due(&app.store, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(app.balance(a, "MB").await, 2048);
}

async fn refunds_void_pending_rewards(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(14)).await;
    let (a, b) = referred_pair(&app, p).await;
    let (_, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": b, "order_id": "o-9", "amount": 900}),
        )
        .await;
    assert_eq!(e["effect"], "qualified");
    assert!(
        e["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "pending")
    );
    // Nothing is due inside the hold.
    assert_eq!(
        pond_app::rewards::approve_due(&app.store, jiff::Timestamp::now())
            .await
            .unwrap(),
        0
    );
    let (_, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.refunded", "member_id": b, "order_id": "o-9"}),
        )
        .await;
    assert_eq!(e["effect"], "voided");
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 15);
    assert_eq!(
        pond_app::rewards::approve_due(&app.store, later)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.balance(a, "MB").await, 2048);

    // Another friend's rewards settle once the hold has passed.
    let code = app.code(p, a).await;
    let c = app
        .member(json!({"external_id": "c", "referral_code": code}))
        .await["id"]
        .as_i64()
        .unwrap();
    app.post(
        "/api/v1/events",
        json!({"type": "order.paid", "member_id": c, "order_id": "o-10", "amount": 900}),
    )
    .await;
    assert_eq!(
        pond_app::rewards::approve_due(&app.store, later)
            .await
            .unwrap(),
        2
    );
    assert_eq!(app.balance(a, "MB").await, 2048 + 500);
    // A refund after approval changes nothing: the hold was the return window.
    let (_, e) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.refunded", "member_id": c, "order_id": "o-10"}),
        )
        .await;
    assert_eq!(e["effect"], "none");
}

async fn checkout_attribution_first_touch_wins(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = app.member(json!({"phone": "+8613800000011"})).await["id"]
        .as_i64()
        .unwrap();
    let z = app.member(json!({"phone": "+8613800000012"})).await["id"]
        .as_i64()
        .unwrap();
    let b = app.member(json!({"phone": "+8613800000013"})).await["id"]
        .as_i64()
        .unwrap();
    let (s, r) = app
        .post(
            "/api/v1/referrals",
            json!({"member_id": b, "inviter_phone": "138 0000 0011", "program_id": p}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["created"].as_bool(), r["referral"]["source"].as_str()),
        (Some(true), Some("checkout_phone"))
    );
    let z_code = app.code(p, z).await;
    let (_, r) = app
        .post("/api/v1/referrals", json!({"member_id": b, "code": z_code}))
        .await;
    assert_eq!(r["created"], false);
    assert_eq!(r["referral"]["inviter_id"], a);
    let (s, e) = app
        .post(
            "/api/v1/referrals",
            json!({"member_id": b, "code": "ZZZZZZZZZZ"}),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
}

async fn the_cap_stops_the_inviter_not_the_friend(db: TestDb) {
    let app = spawn(db).await;
    let mut spec = dropbox(0);
    spec["inviter_cap"] = json!(2);
    let p = app.program(spec).await;
    let a = app.member(json!({"external_id": "a"})).await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;
    for i in 0..3 {
        let f = app
            .member(json!({"external_id": format!("f{i}"), "referral_code": code}))
            .await["id"]
            .as_i64()
            .unwrap();
        app.post("/api/v1/events", json!({"type": "order.paid", "member_id": f, "order_id": format!("o{i}"), "amount": 900})).await;
        assert_eq!(
            app.balance(f, "MB").await,
            2048 + 500,
            "every friend is rewarded"
        );
    }
    assert_eq!(
        app.balance(a, "MB").await,
        2048 + 2 * 500,
        "the inviter stops at the cap"
    );
}

async fn redemptions_never_overdraw(db: TestDb) {
    let app = spawn(db).await;
    app.program(dropbox(0)).await;
    let a = app.member(json!({"external_id": "a"})).await["id"]
        .as_i64()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (http, url, token) = (
            app.http.clone(),
            app.url(&format!("/api/v1/members/{a}/redemptions")),
            app.token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({"amount": 200, "unit": "MB", "reference": format!("r{i}")});
            http.post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(
        codes.iter().filter(|c| **c == 201).count(),
        10,
        "2048 MB buys ten 200 MB redemptions: {codes:?}"
    );
    assert!(codes.iter().all(|c| *c == 201 || *c == 422));
    assert_eq!(app.balance(a, "MB").await, 48);
    // The same reference spends once: replay one that succeeded.
    let done = codes.iter().position(|c| *c == 201).unwrap();
    let (s, r) = app
        .post(
            &format!("/api/v1/members/{a}/redemptions"),
            json!({"amount": 200, "unit": "MB", "reference": format!("r{done}")}),
        )
        .await;
    assert_eq!((s, r["balance"]["amount"].as_i64()), (201, Some(48)));
}

async fn fraud_rules_flag_bursts_loops_and_customers(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = app
        .member(json!({"external_id": "a", "ip": "198.51.100.1"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, a).await;

    // Four friends from one café IP within 72 hours: the fourth is a burst.
    let mut reasons = Vec::new();
    for i in 0..4 {
        let f = app
            .member(json!({"external_id": format!("cafe-{i}"), "ip": "203.0.113.50", "referral_code": code}))
            .await;
        reasons.push(f["referral"]["reasons"].clone());
    }
    assert_eq!(reasons[..3], [json!([]), json!([]), json!([])]);
    assert_eq!(reasons[3], json!(["ip_burst"]));

    // A customer the shop already knew.
    let old = app
        .member(json!({"external_id": "old", "existing_customer": true, "referral_code": code}))
        .await;
    assert_eq!(old["referral"]["reasons"], json!(["existing_customer"]));

    // A closed loop: X refers Y, then Y's link is used to "refer" X.
    let x = app.member(json!({"external_id": "x"})).await["id"]
        .as_i64()
        .unwrap();
    let x_code = app.code(p, x).await;
    let y = app
        .member(json!({"external_id": "y", "referral_code": x_code}))
        .await["id"]
        .as_i64()
        .unwrap();
    let y_code = app.code(p, y).await;
    let z = app
        .member(json!({"external_id": "z", "referral_code": y_code}))
        .await;
    assert_eq!(z["referral"]["reasons"], json!([]), "a chain is not a loop");
    // x already has no referrer, so attribute x at checkout with z's code: z → ... → x loops.
    let z_code = app.code(p, z["id"].as_i64().unwrap()).await;
    let (s, r) = app
        .post("/api/v1/referrals", json!({"member_id": x, "code": z_code}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert!(
        r["referral"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("closed_loop")),
        "{r}"
    );

    let (_, queue) = app.get("/api/v1/referrals?status=flagged").await;
    assert_eq!(queue.as_array().unwrap().len(), 3);
}

/// 3 friends earn a bouquet coupon and 5 a class, once each, on direct
/// referrals only; a milestone for the friend side is refused.
async fn milestones_pay_the_inviter_once(db: TestDb) {
    let app = spawn(db).await;
    let mut spec = json!({
        "name": "Stages",
        "rewards": [
            {"side": "invitee", "depth": 1, "amount": 10, "unit": "points"},
            {"side": "inviter", "depth": 1, "amount": 1, "unit": "coupon:bouquet", "stage": "milestone:3"},
            {"side": "inviter", "depth": 1, "amount": 1, "unit": "coupon:class", "stage": "milestone:5"}
        ],
        "inviter_cap": 10,
        "qualifying": {"type": "signup"},
        "hold_days": 0
    });
    let p = app.program(spec.clone()).await;
    let mei = app
        .member(json!({"name": "Mei", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, mei).await;
    let mut first_friend = None;
    for i in 0..6 {
        let friend = app
            .member(json!({"phone": format!("1390000000{i}"), "referral_code": code, "ip": format!("198.51.100.{i}")}))
            .await;
        first_friend.get_or_insert(friend["id"].as_i64().unwrap());
        let (bouquets, classes) = (
            app.balance(mei, "coupon:bouquet").await,
            app.balance(mei, "coupon:class").await,
        );
        let n = i + 1;
        assert_eq!(bouquets, i64::from(n >= 3), "after {n} friends");
        assert_eq!(classes, i64::from(n >= 5), "after {n} friends");
    }
    // A friend of a friend counts for the friend, never for Mei.
    let f = first_friend.unwrap();
    let code2 = app.code(p, f).await;
    for i in 0..3 {
        app.member(json!({"phone": format!("1370000000{i}"), "referral_code": code2, "ip": format!("203.0.113.{i}")}))
            .await;
    }
    assert_eq!(app.balance(mei, "coupon:bouquet").await, 1);
    assert_eq!(app.balance(f, "coupon:bouquet").await, 1);

    spec["rewards"][1]["side"] = json!("invitee");
    let (s, e) = app.post("/api/v1/programs", spec).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("rewards[1].stage")),
        "{e}"
    );
}
