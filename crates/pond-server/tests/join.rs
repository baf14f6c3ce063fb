//! The hosted join page on both backends: a friend follows a member's link
//! in a real headless Chromium at phone width, signs up with consent, and
//! becomes a member attributed to the inviter; plus the refusals (no
//! consent, a phone that already joined, too many sign-ups from one IP).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use fantoccini::Locator;
use pond_server::Config;
use pond_store::testing::TestDb;
use serde_json::{Value, json};

pond_store::both_backends!(
    a_friend_joins_through_the_page_in_a_browser,
    the_page_refuses_what_it_must
);

fn program() -> Value {
    json!({
        "name": "Flower friends",
        "rewards": [
            {"side": "inviter", "depth": 1, "amount": 20, "unit": "yuan"},
            {"side": "invitee", "depth": 1, "amount": 1, "unit": "coupon:bouquet"}
        ],
        "inviter_cap": 20,
        "qualifying": {"type": "signup"},
        "hold_days": 0,
        "next_step_url": "/j/shopgroup"
    })
}

async fn a_friend_joins_through_the_page_in_a_browser(db: TestDb) {
    let app = support::spawn(db).await;
    let p = app.program(program()).await;
    let mei = app
        .member(json!({"name": "Mei", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, mei).await;

    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    c.goto(&app.url(&format!("/r/{code}"))).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains(&format!("/join?ref={code}")), "{url}");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(h1.contains("Mei"), "{h1}");
    let gift = c
        .find(Locator::Css(".gift"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        gift.contains("1 coupon:bouquet") && gift.contains("20 yuan"),
        "{gift}"
    );
    // The page fits a phone: nothing wider than the screen.
    let width: Value = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(width.as_i64().unwrap() <= 375, "page is {width} px wide");
    support::browser::screenshot(&b, "join-form").await;

    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Lan")
        .await
        .unwrap();
    c.find(Locator::Id("phone"))
        .await
        .unwrap()
        .send_keys("139 0000 0002")
        .await
        .unwrap();
    c.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("join"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let welcome = c.wait().for_element(Locator::Id("welcome")).await.unwrap();
    assert!(welcome.text().await.unwrap().contains("Lan"));
    let next = c.find(Locator::Id("next")).await.unwrap();
    assert_eq!(
        next.attr("href").await.unwrap().as_deref(),
        Some("/j/shopgroup")
    );
    support::browser::screenshot(&b, "join-welcome").await;

    // The friend is a member, referred by Mei, with their welcome reward.
    let (s, found) = app.get("/api/v1/members?q=Lan").await;
    assert_eq!(s, 200, "{found}");
    let lan = &found[0];
    assert_eq!(lan["keys"]["phone"], "+8613900000002", "{lan}");
    assert_eq!(lan["heard_from"], "friend", "{lan}");
    assert_eq!(lan["referral"]["inviter_id"].as_i64(), Some(mei), "{lan}");
    let lan_id = lan["id"].as_i64().unwrap();
    assert_eq!(app.balance(lan_id, "coupon:bouquet").await, 1);
    assert_eq!(app.balance(mei, "yuan").await, 20);

    // In Chinese, by the language switch.
    c.goto(&app.url(&format!("/join?ref={code}&lang=zh")))
        .await
        .unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(h1.contains("邀请你加入"), "{h1}");
    support::browser::screenshot(&b, "join-form-zh").await;
}

async fn form(app: &support::TestApp, ip: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let res = app
        .http
        .post(app.url("/join"))
        .header("x-forwarded-for", ip)
        .form(fields)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn the_page_refuses_what_it_must(db: TestDb) {
    // Behind a proxy of our own, so each request's forwarded address counts.
    let config = Config {
        join_per_hour: 3,
        trusted_proxies: "127.0.0.1".parse().unwrap(),
        ..Config::default()
    };
    let app = support::spawn_with(db, config).await;
    let p = app.program(program()).await;
    let mei = app
        .member(json!({"name": "Mei", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, mei).await;

    // No consent: asked again, nobody created.
    let (s, page) = form(
        &app,
        "203.0.113.1",
        &[("ref", &code), ("name", "Lan"), ("phone", "13900000002")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("privacy notice"), "{page}");
    let (_, found) = app.get("/api/v1/members?q=Lan").await;
    assert_eq!(found.as_array().unwrap().len(), 0, "{found}");

    // A phone that already joined: told so, nothing new.
    let (s, page) = form(
        &app,
        "203.0.113.2",
        &[
            ("ref", &code),
            ("name", "Someone"),
            ("phone", "+86 138 0000 0001"),
            ("consent", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert!(page.contains("already a member"), "{page}");

    // A phone that is not one.
    let (s, page) = form(
        &app,
        "203.0.113.3",
        &[("name", "X"), ("phone", "12"), ("consent", "yes")],
    )
    .await;
    assert_eq!(s, 422, "{page}");

    // One IP, many sign-ups: the fourth in the hour is refused.
    for i in 0..3 {
        let phone = format!("1390000010{i}");
        let (s, page) = form(
            &app,
            "198.51.100.7",
            &[("name", "Bot"), ("phone", &phone), ("consent", "yes")],
        )
        .await;
        assert_eq!(s, 200, "{page}");
    }
    let (s, _) = form(
        &app,
        "198.51.100.7",
        &[
            ("name", "Bot"),
            ("phone", "13900000199"),
            ("consent", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 429);
    let (_, found) = app.get("/api/v1/members?q=Bot").await;
    assert_eq!(found.as_array().unwrap().len(), 3, "{found}");

    // The privacy notice is there in both languages.
    let res = app
        .http
        .get(app.url("/privacy?lang=zh"))
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("隐私说明"));
}
