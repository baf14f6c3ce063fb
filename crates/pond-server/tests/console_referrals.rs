//! The referral half of the console on both backends: programs made from
//! the form (a pyramid refused with its reason, a fair program saved), the
//! review queue, member pages with links and QR codes, and the customer's
//! own page at /me/{token}; in headless Chromium at phone width, and over
//! plain HTTP for what the server must refuse (viewers, forged posts,
//! tampered tokens).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use fantoccini::{Client, Locator};
use pond_server::console::Role;
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::TestApp;
use support::browser::{Browser, console_errors, overflows, screenshot};
use support::console::{http_login, login, user};

pond_store::both_backends!(
    a_pyramid_is_refused_and_a_fair_program_made_in_the_browser,
    a_flagged_referral_is_approved_from_the_queue_in_the_browser,
    member_and_customer_pages_show_link_qr_progress_and_balance,
    viewers_and_forged_posts_change_nothing,
    the_forms_refuse_and_save_over_http,
    customer_tokens_must_check_out,
);

/// Flowers for friends: both sides gain, paid on signup with no hold.
fn flowers() -> Value {
    json!({
        "name": "Flower friends",
        "rewards": [
            {"side": "inviter", "depth": 1, "amount": 20, "unit": "yuan"},
            {"side": "invitee", "depth": 1, "amount": 1, "unit": "coupon:bouquet"},
            {"side": "inviter", "depth": 1, "amount": 1, "unit": "coupon:class", "stage": "milestone:3"}
        ],
        "inviter_cap": 5,
        "qualifying": {"type": "signup"},
        "hold_days": 0
    })
}

/// A program, Ann, and Bo who joined through Ann's link from Ann's own IP:
/// a flagged referral. Answers (program, ann, bo, referral).
async fn flagged(app: &TestApp) -> (i64, i64, i64, i64) {
    let p = app.program(flowers()).await;
    let ann = app
        .member(json!({"name": "Ann", "phone": "13800000001", "ip": "198.51.100.7"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, ann).await;
    let bo = app
        .member(json!({"name": "Bo", "phone": "13900000002", "ip": "198.51.100.7", "referral_code": code}))
        .await;
    assert_eq!(bo["referral"]["review"], "flagged", "{bo}");
    assert_eq!(bo["referral"]["reasons"], json!(["same_ip"]), "{bo}");
    (
        p,
        ann,
        bo["id"].as_i64().unwrap(),
        bo["referral"]["id"].as_i64().unwrap(),
    )
}

/// Every page a browser test visits: no console errors, nothing wider than the phone.
async fn clean(b: &Browser, page: &str) {
    let errors = console_errors(b).await;
    assert!(errors.is_empty(), "{page}: console errors {errors:?}");
    assert!(!overflows(b).await, "{page} is wider than the screen");
}

async fn fill(c: &Client, name: &str, value: &str) {
    let e = c
        .find(Locator::Css(&format!("[name={name}]")))
        .await
        .unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn a_pyramid_is_refused_and_a_fair_program_made_in_the_browser(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "opal", Role::Operator).await;
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    login(&b, &app, "opal", &pw).await;
    clean(&b, "overview").await;

    c.goto(&app.url("/console/programs/new")).await.unwrap();
    clean(&b, "new program").await;
    fill(c, "name", "Friends of friends").await;
    fill(c, "inviter_amount", "20").await;
    fill(c, "inviter_unit", "yuan").await;
    fill(c, "invitee_amount", "10").await;
    fill(c, "invitee_unit", "yuan").await;
    fill(c, "depth2_amount", "5").await;
    fill(c, "cap", "10").await;
    c.find(Locator::Css("form.program button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refusal = c
        .wait()
        .for_element(Locator::Css(".refusal"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refusal.contains("Not saved"), "{refusal}");
    assert!(refusal.contains("pyramid_indirect_referral"), "{refusal}");
    assert!(refusal.contains("Art. 7(1)"), "{refusal}");
    // The reason also stands beside the field that asked for it.
    let beside = text(c, "fieldset p.error.field").await;
    assert!(beside.contains("depth 2"), "{beside}");
    // The form keeps what the operator typed.
    let kept = c
        .find(Locator::Css("[name=depth2_amount]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("5"));
    screenshot(&b, "console-program-pyramid-refused").await;
    // The 422 that carried the refusal is the browser's only complaint.
    let errors: Vec<String> = console_errors(&b)
        .await
        .into_iter()
        .filter(|e| !e.contains("422"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!overflows(&b).await);
    let (_, programs) = app.get("/api/v1/programs").await;
    assert_eq!(programs.as_array().unwrap().len(), 0, "{programs}");

    // Without the second level it is a fair, two-sided program.
    fill(c, "name", "Flower friends").await;
    fill(c, "depth2_amount", "").await;
    c.find(Locator::Css("form.program button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let ok = c
        .wait()
        .for_element(Locator::Css("p.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ok.contains("Program created"), "{ok}");
    let audit = text(c, ".badge").await;
    assert_eq!(audit, "value creator");
    let h1 = text(c, "main h1").await;
    assert_eq!(h1, "Flower friends");
    clean(&b, "program detail").await;
    screenshot(&b, "console-program-created").await;
    let (_, programs) = app.get("/api/v1/programs").await;
    let p = &programs[0];
    assert_eq!(p["inviter_cap"], 10, "{p}");
    assert_eq!(p["rewards"].as_array().unwrap().len(), 2, "{p}");
    assert_eq!(p["rewards"][1]["side"], "invitee", "{p}");

    c.goto(&app.url("/console/programs")).await.unwrap();
    let table = text(c, "table").await;
    assert!(
        table.contains("Flower friends") && table.contains("20 yuan"),
        "{table}"
    );
    clean(&b, "program list").await;
    screenshot(&b, "console-programs").await;
}

async fn a_flagged_referral_is_approved_from_the_queue_in_the_browser(db: TestDb) {
    let app = support::spawn(db).await;
    let (_, ann, bo, rid) = flagged(&app).await;
    // Held by the review: nothing paid yet.
    assert_eq!(app.balance(ann, "yuan").await, 0);
    assert_eq!(app.balance(bo, "coupon:bouquet").await, 0);
    let pw = user(&app, "opal", Role::Operator).await;
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    login(&b, &app, "opal", &pw).await;
    c.goto(&app.url("/console/review")).await.unwrap();
    clean(&b, "review").await;
    let card = text(c, &format!("#referral-{rid}")).await;
    assert!(card.contains("Ann") && card.contains("Bo"), "{card}");
    assert!(card.contains("signed up from the inviter's IP"), "{card}");
    assert!(card.contains("pending"), "{card}");
    screenshot(&b, "console-review-queue").await;

    fill(c, "note", "same family, same wifi").await;
    c.find(Locator::Css(&format!(
        "#referral-{rid} button[value=approve]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let ok = c
        .wait()
        .for_element(Locator::Css("p.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ok.contains("Approved"), "{ok}");
    assert!(
        c.find(Locator::Css(&format!("#referral-{rid}")))
            .await
            .is_err(),
        "the referral left the queue"
    );
    let recent = text(c, "table.recent").await;
    assert!(
        recent.contains("approved") && recent.contains("same family, same wifi"),
        "{recent}"
    );
    clean(&b, "review after approval").await;
    screenshot(&b, "console-review-approved").await;

    let (_, r) = app.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(r["review"], "approved", "{r}");
    assert!(
        r["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "approved"),
        "{r}"
    );
    assert_eq!(app.balance(ann, "yuan").await, 20);
    assert_eq!(app.balance(bo, "coupon:bouquet").await, 1);
}

async fn member_and_customer_pages_show_link_qr_progress_and_balance(db: TestDb) {
    let app = support::spawn(db).await;
    let p = app.program(flowers()).await;
    let ann = app
        .member(json!({"name": "Ann", "phone": "13800000001", "ip": "198.51.100.1"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let code = app.code(p, ann).await;
    app.member(
        json!({"name": "Bo", "phone": "13900000002", "ip": "198.51.100.2", "referral_code": code}),
    )
    .await;
    assert_eq!(app.balance(ann, "yuan").await, 20);
    let pw = user(&app, "vera", Role::Viewer).await;
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    login(&b, &app, "vera", &pw).await;
    c.goto(&app.url("/console/members?q=3800000"))
        .await
        .unwrap();
    clean(&b, "member search").await;
    let found = text(c, "table").await;
    assert!(found.contains("Ann") && !found.contains("Bo"), "{found}");
    screenshot(&b, "console-members").await;
    c.find(Locator::LinkText("Ann"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let card = c
        .wait()
        .for_element(Locator::Css(".linkcard"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(card.contains(&format!("/r/{code}")), "{card}");
    assert!(
        c.find(Locator::Css(".linkcard figure.qr svg"))
            .await
            .is_ok()
    );
    let ledger = text(c, "main").await;
    assert!(ledger.contains("+20 yuan"), "{ledger}");
    clean(&b, "member page").await;
    screenshot(&b, "console-member").await;

    let me = c
        .find(Locator::Css("a.customer"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(me.contains(&format!("/me/{ann}.")), "{me}");
    c.goto(&me).await.unwrap();
    clean(&b, "customer page").await;
    let link = text(c, "a.mylink").await;
    assert!(link.ends_with(&format!("/r/{code}")), "{link}");
    assert!(c.find(Locator::Css("figure.qr svg")).await.is_ok());
    let bar = c.find(Locator::Css("progress.cap")).await.unwrap();
    assert_eq!(bar.attr("value").await.unwrap().as_deref(), Some("1"));
    assert_eq!(bar.attr("max").await.unwrap().as_deref(), Some("5"));
    let progress = text(c, ".progress-text").await;
    assert!(progress.contains("1 / 5"), "{progress}");
    let balance = text(c, "ul.balances").await;
    assert!(balance.contains("20 yuan"), "{balance}");
    let width: Value = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(width.as_i64().unwrap() <= 375, "page is {width} px wide");
    screenshot(&b, "console-customer-page").await;

    c.goto(&format!("{me}?lang=zh")).await.unwrap();
    clean(&b, "customer page in Chinese").await;
    assert!(text(c, "h1").await.contains("你好"));
    screenshot(&b, "console-customer-page-zh").await;
}

/// Posts a console form; answers the status, the Location and the body.
async fn post(
    http: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = http.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, r.text().await.unwrap())
}

const FAIR: [(&str, &str); 9] = [
    ("name", "Fair"),
    ("inviter_amount", "20"),
    ("inviter_unit", "yuan"),
    ("invitee_amount", "10"),
    ("invitee_unit", "yuan"),
    ("cap", "10"),
    ("qualifying", "signup"),
    ("hold_days", "0"),
    ("window_days", "30"),
];

async fn viewers_and_forged_posts_change_nothing(db: TestDb) {
    let app = support::spawn(db).await;
    let (p, ann, _, rid) = flagged(&app).await;
    let vpw = user(&app, "vic", Role::Viewer).await;
    let opw = user(&app, "opal", Role::Operator).await;
    let (viewer, vcsrf) = http_login(&app, "vic", &vpw).await;
    let (operator, ocsrf) = http_login(&app, "opal", &opw).await;

    let mut form: Vec<(&str, &str)> = FAIR.to_vec();
    form.push(("csrf", &vcsrf));

    // A viewer may read every page but change nothing.
    for path in [
        "/console/programs".to_string(),
        format!("/console/programs/{p}"),
        "/console/review".to_string(),
        "/console/members".to_string(),
        format!("/console/members/{ann}"),
    ] {
        let r = viewer.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let (s, _, _) = post(&viewer, &app, "/console/programs", &form).await;
    assert_eq!(s, 403);
    let (s, _, _) = post(&viewer, &app, &format!("/console/programs/{p}"), &form).await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &viewer,
        &app,
        &format!("/console/review/{rid}/approve"),
        &[("csrf", &vcsrf)],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &viewer,
        &app,
        &format!("/console/review/{rid}/reject"),
        &[("csrf", &vcsrf)],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &viewer,
        &app,
        &format!("/console/members/{ann}/links"),
        &[("csrf", &vcsrf), ("program_id", &p.to_string())],
    )
    .await;
    assert_eq!(s, 403);

    // An operator's post without the session's token is refused too.
    let (s, _, _) = post(
        &operator,
        &app,
        &format!("/console/review/{rid}/approve"),
        &[],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &operator,
        &app,
        &format!("/console/review/{rid}/approve"),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(&operator, &app, "/console/programs", &FAIR).await;
    assert_eq!(s, 403);

    // Nothing changed.
    let (_, programs) = app.get("/api/v1/programs").await;
    assert_eq!(programs.as_array().unwrap().len(), 1, "{programs}");
    assert_eq!(programs[0]["name"], "Flower friends");
    let (_, r) = app.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(r["review"], "flagged", "{r}");
    let (_, queue) = app.get("/api/v1/referrals?status=flagged").await;
    assert_eq!(queue.as_array().unwrap().len(), 1);

    // The operator, with the token, decides; a second decision is a conflict.
    let (s, loc, _) = post(
        &operator,
        &app,
        &format!("/console/review/{rid}/reject"),
        &[("csrf", &ocsrf), ("note", "sock puppet")],
    )
    .await;
    assert_eq!((s, loc.as_str()), (303, "/console/review?done=rejected"));
    let (_, r) = app.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(
        (r["review"].as_str(), r["review_note"].as_str()),
        (Some("rejected"), Some("sock puppet")),
        "{r}"
    );
    assert!(
        r["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "voided"),
        "{r}"
    );
    let (s, _, page) = post(
        &operator,
        &app,
        &format!("/console/review/{rid}/approve"),
        &[("csrf", &ocsrf)],
    )
    .await;
    assert_eq!(s, 409, "{page}");
    let page = operator
        .get(app.url("/console/review"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("sock puppet") && page.contains("Nothing is waiting"),
        "{page}"
    );
}

async fn the_forms_refuse_and_save_over_http(db: TestDb) {
    let app = support::spawn(db).await;
    let opw = user(&app, "opal", Role::Operator).await;
    let (op, csrf) = http_login(&app, "opal", &opw).await;
    let mut form: Vec<(&str, &str)> = FAIR.to_vec();
    form.push(("csrf", &csrf));

    // A depth-2 reward: 422, the reason in the page's language, the values kept.
    let mut pyramid = form.clone();
    pyramid.push(("depth2_amount", "7"));
    let (s, _, page) = post(&op, &app, "/console/programs?lang=zh", &pyramid).await;
    assert_eq!(s, 422, "{page}");
    assert!(
        page.contains("拉人头") && page.contains("pyramid_indirect_referral"),
        "{page}"
    );
    assert!(
        page.contains(r#"name="depth2_amount" inputmode="numeric" value="7""#),
        "{page}"
    );
    // Paying on the friend's own recruiting is refused as team commission.
    let mut downline = form.clone();
    downline.push(("inviter_basis", "invitee_recruiting"));
    let (s, _, page) = post(&op, &app, "/console/programs", &downline).await;
    assert_eq!(s, 422);
    assert!(page.contains("pyramid_downline_compensation"), "{page}");
    // No cap: refused by the guard, named.
    let uncapped: Vec<(&str, &str)> = form
        .iter()
        .map(|(k, v)| if *k == "cap" { (*k, "") } else { (*k, *v) })
        .collect();
    let (s, _, page) = post(&op, &app, "/console/programs", &uncapped).await;
    assert_eq!(s, 422);
    assert!(page.contains("uncapped_inviter_rewards"), "{page}");
    // A one-sided program is lawful but its audit says who loses.
    let one_sided: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| *k != "invitee_amount")
        .copied()
        .collect();
    let (s, loc, _) = post(&op, &app, "/console/programs", &one_sided).await;
    assert_eq!(s, 303);
    let page = op
        .get(app.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value extractor") && page.contains("one-sided"),
        "{page}"
    );
    let (_, programs) = app.get("/api/v1/programs").await;
    assert_eq!(
        programs.as_array().unwrap().len(),
        1,
        "only the lawful one was saved"
    );

    // Editing keeps lines the form does not show (a milestone) and is guarded too.
    let p = app.program(flowers()).await;
    let mut edit = form.clone();
    edit.retain(|(k, _)| *k != "cap");
    edit.push(("cap", "8"));
    edit.push(("status", "paused"));
    edit.push(("depth2_amount", "3"));
    let (s, _, page) = post(&op, &app, &format!("/console/programs/{p}"), &edit).await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("pyramid_indirect_referral"), "{page}");
    let (_, before) = app.get(&format!("/api/v1/programs/{p}")).await;
    assert_eq!(
        (before["inviter_cap"].as_i64(), before["status"].as_str()),
        (Some(5), Some("active"))
    );
    edit.retain(|(k, _)| *k != "depth2_amount");
    let (s, loc, _) = post(&op, &app, &format!("/console/programs/{p}"), &edit).await;
    assert_eq!((s, loc), (303, format!("/console/programs/{p}?done=saved")));
    let (_, after) = app.get(&format!("/api/v1/programs/{p}")).await;
    assert_eq!(
        (
            after["inviter_cap"].as_i64(),
            after["status"].as_str(),
            after["name"].as_str()
        ),
        (Some(8), Some("paused"), Some("Fair")),
        "{after}"
    );
    let stages: Vec<&str> = after["rewards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["qualified", "qualified", "milestone:3"], "{after}");
    // A custom qualifying event, set through the API, survives a form edit.
    let mut custom = flowers();
    custom["qualifying"] = json!({"type": "custom", "name": "attended_class"});
    let c = app.program(custom).await;
    let page = op
        .get(app.url(&format!("/console/programs/{c}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<option value="attended_class" selected>"#),
        "{page}"
    );
    let mut keep: Vec<(&str, &str)> = edit
        .iter()
        .filter(|(k, _)| *k != "qualifying")
        .copied()
        .collect();
    keep.push(("qualifying", "attended_class"));
    let (s, _, page) = post(&op, &app, &format!("/console/programs/{c}"), &keep).await;
    assert_eq!(s, 303, "{page}");
    let (_, after) = app.get(&format!("/api/v1/programs/{c}")).await;
    assert_eq!(
        after["qualifying"],
        json!({"type": "custom", "name": "attended_class"}),
        "{after}"
    );
    let (s, _, _) = post(&op, &app, "/console/programs/999999", &edit).await;
    assert_eq!(s, 404);

    // A link for a member, made from the member page.
    let ann = app
        .member(json!({"name": "Ann", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (s, loc, _) = post(
        &op,
        &app,
        &format!("/console/members/{ann}/links"),
        &[("csrf", &csrf), ("program_id", &p.to_string())],
    )
    .await;
    assert_eq!((s, loc), (303, format!("/console/members/{ann}?done=link")));
    let page = op
        .get(app.url(&format!("/console/members/{ann}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = app.code(p, ann).await;
    assert!(
        page.contains(&format!("/r/{code}")) && page.contains("<svg"),
        "{page}"
    );
    // Search by id and by a phone fragment.
    for q in [ann.to_string(), "3800000".to_string()] {
        let page = op
            .get(app.url(&format!("/console/members?q={q}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("/console/members/{ann}")),
            "{q}: {page}"
        );
    }
}

async fn customer_tokens_must_check_out(db: TestDb) {
    let app = support::spawn(db).await;
    let p = app.program(flowers()).await;
    let ann = app
        .member(json!({"name": "Ann", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let bo = app
        .member(json!({"name": "Bo", "phone": "13900000002"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let pw = user(&app, "vera", Role::Viewer).await;
    let (http, _) = http_login(&app, "vera", &pw).await;
    let page = http
        .get(app.url(&format!("/console/members/{ann}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find(&format!("/me/{ann}.")).unwrap();
    let token = page[start + 4..].split('"').next().unwrap().to_string();
    let (_, mac) = token.split_once('.').unwrap();
    assert_eq!(mac.len(), 32);

    // The first view makes Ann's link, with no login.
    let r = app
        .http
        .get(app.url(&format!("/me/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let body = r.text().await.unwrap();
    let code = app.code(p, ann).await;
    assert!(
        body.contains(&format!("/r/{code}")) && body.contains("0 / 5"),
        "{body}"
    );

    let mut flipped = mac.to_string();
    let last = if flipped.ends_with('0') { "1" } else { "0" };
    flipped.replace_range(31.., last);
    for bad in [
        format!("{ann}.{flipped}"),
        format!("{bo}.{mac}"),
        format!("{ann}.{}", &mac[..31]),
        format!("{ann}"),
        "x.y".to_string(),
        format!("999999.{mac}"),
    ] {
        let r = app
            .http
            .get(app.url(&format!("/me/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }
    // The failed tries made no link for Bo.
    let page = http
        .get(app.url(&format!("/console/members/{bo}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No referral links yet"), "{page}");
}
