//! The trust budget and the value audit over real HTTP, on both backends:
//! a member asked too often is refused with the reason, trust comes back as
//! rewards are approved, broadcasts spend a group's budget, and a one-sided
//! program is labelled a value extractor.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::{TestApp, dropbox, spawn};

pond_store::both_backends!(
    a_member_asked_too_often_is_refused_with_the_reason,
    trust_comes_back_as_value_is_delivered,
    broadcasts_spend_the_groups_budget,
    a_one_sided_program_is_a_value_extractor,
    bad_trust_input_gets_4xx_json,
);

async fn new_member(app: &TestApp, external_id: &str) -> i64 {
    app.member(json!({"external_id": external_id})).await["id"]
        .as_i64()
        .unwrap()
}

async fn trust(app: &TestApp, member: i64) -> Value {
    let (s, t) = app.get(&format!("/api/v1/members/{member}/trust")).await;
    assert_eq!(s, 200, "{t}");
    t
}

fn decision<'a>(t: &'a Value, kind: &str) -> &'a Value {
    t["can_ask"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap()
}

async fn a_member_asked_too_often_is_refused_with_the_reason(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let m = new_member(&app, "pos-c").await;
    let t = trust(&app, m).await;
    assert_eq!(
        (t["score"].as_i64(), t["budget"].as_i64()),
        (Some(100), Some(100))
    );
    assert_eq!(decision(&t, "share")["allowed"], true);

    let (s, a) = app
        .post(
            "/api/v1/asks",
            json!({"member_id": m, "kind": "share", "program_id": p}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["score"], 90);
    let (s, a) = app
        .post(
            "/api/v1/asks",
            json!({"member_id": m, "kind": "like", "program_id": p}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["score"], 85);

    let (s, e) = app
        .post(
            "/api/v1/asks",
            json!({"member_id": m, "kind": "vote", "program_id": p}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "asked_too_often");
    assert_eq!(e["error"]["message"], "2 asks in the last 7 days (limit 2)");

    // The refused ask wrote nothing: two asks, 15 points, on record.
    let t = trust(&app, m).await;
    assert_eq!(
        (t["score"].as_i64(), t["spent_on_asks"].as_i64()),
        (Some(85), Some(15))
    );
    assert_eq!(t["recent"].as_array().unwrap().len(), 2, "{t}");
    assert_eq!(
        t["recent"][0]["what"],
        json!({"type": "ask", "kind": "like"})
    );
    assert_eq!(decision(&t, "poster")["code"], "asked_too_often");
    assert!(decision(&t, "poster")["next_possible_at"].is_string());

    let (s, d) = app
        .get(&format!("/api/v1/members/{m}/can-ask?kind=vote"))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(
        (d["allowed"].as_bool(), d["code"].as_str()),
        (Some(false), Some("asked_too_often"))
    );
    assert_eq!(d["reason"], "2 asks in the last 7 days (limit 2)");
}

async fn trust_comes_back_as_value_is_delivered(db: TestDb) {
    let app = spawn(db).await;
    let p = app.program(dropbox(0)).await;
    let a = new_member(&app, "pos-a").await;
    let (s, r) = app
        .post(
            "/api/v1/asks",
            json!({"member_id": a, "kind": "share", "program_id": p}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let signals = format!("/api/v1/members/{a}/trust-signals");
    let (s, b) = app.post(&signals, json!({"kind": "block"})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["score"], 50);
    assert_eq!(
        b["step"]["note"],
        "a block within 7 days of a share ask costs 40"
    );
    let (s, m) = app
        .post(&signals, json!({"kind": "mute", "note": "muted the shop"}))
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["score"], 30);

    let (s, e) = app
        .post("/api/v1/asks", json!({"member_id": a, "kind": "like"}))
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "trust_exhausted");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("trust 30 is under the threshold 40"),
        "{e}"
    );
    let (_, report) = app.get(&format!("/api/v1/programs/{p}/trust")).await;
    assert_eq!(
        report["members_under_threshold"],
        json!([{"member_id": a, "score": 30}])
    );

    // A brings a friend who buys: both rewards are approved (no hold), so A
    // earns 15 for their own and 10 for the friend's.
    let code = app.code(p, a).await;
    let b = app
        .member(json!({"external_id": "pos-b", "referral_code": code}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (s, ev) = app
        .post(
            "/api/v1/events",
            json!({"type": "order.paid", "member_id": b, "order_id": "o-1", "amount": 12800}),
        )
        .await;
    assert_eq!((s, ev["effect"].as_str()), (200, Some("qualified")), "{ev}");
    let t = trust(&app, a).await;
    assert_eq!(
        (t["score"].as_i64(), t["earned"].as_i64()),
        (Some(55), Some(25)),
        "{t}"
    );
    assert_eq!(decision(&t, "share")["allowed"], true, "{t}");
    let (s, r) = app
        .post(
            "/api/v1/asks",
            json!({"member_id": a, "kind": "share", "program_id": p}),
        )
        .await;
    assert_eq!((s, r["score"].as_i64()), (201, Some(45)), "{r}");

    let (s, report) = app.get(&format!("/api/v1/programs/{p}/trust")).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        report["asks"],
        json!([{"kind": "share", "asks": 2, "members": 1, "trust_spent": 20}])
    );
    assert_eq!(report["trust_spent"], 20);
    assert_eq!(report["trust_lost_to_reactions"], 60);
    assert_eq!(report["trust_returned"], 25);
    assert_eq!(report["balance"], 25 - 20 - 60);
    assert_eq!(report["members_asked"], 1);
    assert_eq!(report["members_under_threshold"], json!([]));
    assert_eq!(report["delivered"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["delivered"][0]["amount"], 500);
    assert_eq!(report["value_audit"]["label"], "value_creator");
}

async fn broadcasts_spend_the_groups_budget(db: TestDb) {
    let app = spawn(db).await;
    let group = app
        .store
        .write(|tx| {
            Box::pin(async move {
                let g = pond_store::groups::NewGroup {
                    channel: "wechat".into(),
                    external_id: None,
                    name: "Roses".into(),
                };
                pond_store::groups::get_or_create(tx, &g, jiff::Timestamp::now()).await
            })
        })
        .await
        .unwrap();
    for expected in [90, 80, 70] {
        let (s, r) = app
            .post(
                "/api/v1/asks",
                json!({"group_id": group, "kind": "broadcast"}),
            )
            .await;
        assert_eq!((s, r["score"].as_i64()), (201, Some(expected)), "{r}");
    }
    let (s, e) = app
        .post(
            "/api/v1/asks",
            json!({"group_id": group, "kind": "broadcast"}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["message"], "3 asks in the last 7 days (limit 3)");
    let signals = format!("/api/v1/groups/{group}/trust-signals");
    let (s, u) = app.post(&signals, json!({"kind": "useful_content"})).await;
    assert_eq!((s, u["score"].as_i64()), (201, Some(75)), "{u}");
    let (s, l) = app.post(&signals, json!({"kind": "leave"})).await;
    assert_eq!((s, l["score"].as_i64()), (201, Some(70)), "{l}");
    let (s, t) = app.get(&format!("/api/v1/groups/{group}/trust")).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["subject"], "group");
    assert_eq!(t["can_ask"][0]["code"], "asked_too_often");
}

async fn a_one_sided_program_is_a_value_extractor(db: TestDb) {
    let app = spawn(db).await;
    let mut spec = dropbox(0);
    spec["rewards"] = json!([{"side": "inviter", "depth": 1, "amount": 500, "unit": "MB"}]);
    let (s, p) = app.post("/api/v1/programs", spec).await;
    assert_eq!(s, 201, "{p}");
    let audit = &p["value_audit"];
    assert_eq!(audit["label"], "value_extractor", "{p}");
    assert_eq!(
        (
            audit["invitee_value"].as_i64(),
            audit["inviter_value"].as_i64()
        ),
        (Some(0), Some(15))
    );
    assert!(
        audit["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("one-sided: the invitee gets nothing"),
        "{audit}"
    );
    assert_eq!(audit["asks"], json!([{"kind": "share", "cost": 10}]));
    let (_, again) = app.get(&format!("/api/v1/programs/{}", p["id"])).await;
    assert_eq!(again["value_audit"], *audit);

    // Two-sided, but asking for four things per referral: still extracting.
    let mut spec = dropbox(0);
    spec["asks"] = json!(["share", "poster", "vote", "like"]);
    let (s, heavy) = app.post("/api/v1/programs", spec).await;
    assert_eq!(s, 201, "{heavy}");
    assert_eq!(heavy["value_audit"]["label"], "value_extractor");
    assert_eq!(heavy["value_audit"]["trust_spent"], 38);

    let (s, fair) = app.post("/api/v1/programs", dropbox(0)).await;
    assert_eq!(s, 201, "{fair}");
    assert_eq!(fair["value_audit"]["label"], "value_creator");
    assert_eq!(fair["asks"], json!(["share"]), "the default ask is a share");
}

async fn bad_trust_input_gets_4xx_json(db: TestDb) {
    let app = spawn(db).await;
    let m = new_member(&app, "pos-x").await;
    let cases = [
        (json!({"member_id": m, "kind": "spam"}), 422, "kind"),
        (
            json!({"member_id": 999_999, "kind": "share"}),
            404,
            "member_id",
        ),
        (
            json!({"member_id": m, "kind": "broadcast"}),
            422,
            "group_id",
        ),
        (
            json!({"member_id": m, "group_id": 1, "kind": "share"}),
            422,
            "member_id",
        ),
        (
            json!({"member_id": m, "kind": "share", "program_id": 999}),
            404,
            "program_id",
        ),
    ];
    for (body, status, field) in cases {
        let (s, e) = app.post("/api/v1/asks", body.clone()).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (status, Some(field)),
            "{body}: {e}"
        );
    }
    let (s, e) = app
        .get(&format!("/api/v1/members/{m}/can-ask?kind=broadcast"))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (400, Some("kind")),
        "{e}"
    );
    let (s, e) = app
        .post(
            &format!("/api/v1/members/{m}/trust-signals"),
            json!({"kind": "love"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("kind")),
        "{e}"
    );
    let (s, e) = app.get("/api/v1/members/999999/trust").await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = app.get("/api/v1/programs/999/trust").await;
    assert_eq!(s, 404, "{e}");
    let mut spec = dropbox(0);
    spec["asks"] = json!(["share", "broadcast"]);
    let (s, e) = app.post("/api/v1/programs", spec).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("asks[1]")),
        "{e}"
    );
    // Nothing above was recorded.
    let t = trust(&app, m).await;
    assert_eq!(t["recent"], json!([]));
}
