//! A customer's data on the console: roles (owners export, erase and
//! import; operators tag), CSRF on every form, the erasure's confirmation,
//! the CSV import's dry run with its lines named in zh and en, and the
//! pages in Chromium at 375 px.

#![allow(clippy::unwrap_used)]

mod support;

use fantoccini::Locator;
use pond_server::console::Role;
use pond_store::testing::TestDb;
use serde_json::json;
use support::TestApp;
use support::browser::{console_errors, overflows};
use support::console::{hidden, http_login, login, user};

pond_store::both_backends!(
    roles_csrf_and_confirmation_are_enforced,
    import_and_export_on_the_console
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_pages_fit_a_phone() {
    let db = TestDb::sqlite();
    let app = support::spawn(db).await;
    let pw = user(&app, "olga", Role::Owner).await;
    let m = app
        .member(json!({"name": "Phone Pia", "phone": "+8613700000021"}))
        .await;
    let id = m["id"].as_i64().unwrap();
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    login(&b, &app, "olga", &pw).await;
    for (page, path) in [
        ("member", format!("/console/members/{id}")),
        ("erase", format!("/console/members/{id}/erase")),
        ("import", "/console/members/import".to_string()),
        ("member zh", format!("/console/members/{id}?lang=zh")),
    ] {
        c.goto(&app.url(&path)).await.unwrap();
        let errors = console_errors(&b).await;
        assert!(errors.is_empty(), "{page}: console errors {errors:?}");
        assert!(!overflows(&b).await, "{page} is wider than 375 px");
    }
    // Tags typed on the phone are saved and shown.
    c.goto(&app.url(&format!("/console/members/{id}?lang=en")))
        .await
        .unwrap();
    let field = c
        .find(Locator::Css("form.tags input[name=tags]"))
        .await
        .unwrap();
    field
        .send_keys("wedding client, class student")
        .await
        .unwrap();
    c.find(Locator::Css("form.tags button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    let tags = c
        .find(Locator::Css("p.tags"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        tags.contains("wedding client") && tags.contains("class student"),
        "{tags}"
    );
    // Erasure asks first; the box must be ticked.
    c.goto(&app.url(&format!("/console/members/{id}/erase")))
        .await
        .unwrap();
    c.find(Locator::Css("form.erase input[name=confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.erase button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = c
        .wait()
        .for_element(Locator::Css("p.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("erased"), "{done}");
    assert!(
        !overflows(&b).await,
        "the erased member's page is wider than 375 px"
    );
    let (_, v) = app.get(&format!("/api/v1/members/{id}")).await;
    assert!(v["erased_at"].is_string(), "{v}");
}

async fn post_form(
    http: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = http.post(app.url(path)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn roles_csrf_and_confirmation_are_enforced(db: TestDb) {
    let app = support::spawn(db).await;
    let m = app
        .member(json!({"name": "Role Rui", "phone": "+8613700000031"}))
        .await;
    let id = m["id"].as_i64().unwrap();
    let opw = user(&app, "oscar", Role::Operator).await;
    let wpw = user(&app, "wendy", Role::Owner).await;
    let (op, op_csrf) = http_login(&app, "oscar", &opw).await;
    // An operator tags, but neither exports, erases nor imports.
    let (s, _) = post_form(
        &op,
        &app,
        &format!("/console/members/{id}/tags"),
        &[("csrf", &op_csrf), ("tags", "vip")],
    )
    .await;
    assert_eq!(s, 303);
    for path in [
        format!("/console/members/{id}/export"),
        format!("/console/members/{id}/erase"),
        "/console/members/import".into(),
        "/console/members/export.csv".into(),
    ] {
        let r = op.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let (s, _) = post_form(
        &op,
        &app,
        &format!("/console/members/{id}/erase"),
        &[("csrf", &op_csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(s, 403);
    let page = op
        .get(app.url(&format!("/console/members/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("/erase\""),
        "no erase button for an operator"
    );

    let (own, csrf) = http_login(&app, "wendy", &wpw).await;
    // Without the session's token, nothing changes.
    let (s, _) = post_form(
        &own,
        &app,
        &format!("/console/members/{id}/tags"),
        &[("tags", "forged")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post_form(
        &own,
        &app,
        &format!("/console/members/{id}/erase"),
        &[("csrf", "wrong"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(s, 403);
    // A bad tag is named in the page's language.
    let (s, body) = post_form(
        &own,
        &app,
        &format!("/console/members/{id}/tags?lang=zh"),
        &[("csrf", &csrf), ("tags", &"长".repeat(40))],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("超过 32 个字"), "{body}");
    // The export downloads as JSON.
    let r = own
        .get(app.url(&format!("/console/members/{id}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("member-{id}.json"))
    );
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["tables"]["member_tags"][0]["tag"], "vip");
    // Erasure needs the box ticked.
    let (s, _) = post_form(
        &own,
        &app,
        &format!("/console/members/{id}/erase"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 422);
    assert!(app.get(&format!("/api/v1/members/{id}")).await.1["erased_at"].is_null());
    let (s, _) = post_form(
        &own,
        &app,
        &format!("/console/members/{id}/erase"),
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, doc) = app.get(&format!("/api/v1/members/{id}/export")).await;
    assert_eq!(doc["tables"]["erasures"][0]["erased_by"], "user:wendy");
    let page = own
        .get(app.url(&format!("/console/members/{id}?lang=zh")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已删除个人数据"), "the tombstone is shown");
    assert!(!page.contains("Role Rui"));
}

fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "pond-privacy-boundary-41xq";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"customers.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    http: &reqwest::Client,
    app: &TestApp,
    lang: &str,
    fields: &[(&str, &str)],
    file: &[u8],
) -> (u16, String) {
    let (ty, body) = multipart(fields, file);
    let r = http
        .post(app.url(&format!("/console/members/import?lang={lang}")))
        .header("content-type", ty)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn import_and_export_on_the_console(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "ivy", Role::Owner).await;
    let (http, csrf) = http_login(&app, "ivy", &pw).await;
    let page = http
        .get(app.url("/console/members/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(hidden(&page, "csrf"), csrf);
    let good = "name,phone,tags\nAnn,13600000001,wedding client\nBo,13600000002,\n".as_bytes();
    let bad = "name,phone,joined\nAnn,13600000001,2024-01-01\nBo,12,\nCy,13600000003,someday\n"
        .as_bytes();

    // The dry run names each bad line, in both languages, and writes nothing.
    let (s, body) = upload(
        &http,
        &app,
        "en",
        &[("csrf", &csrf), ("dry_run", "yes")],
        bad,
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body.contains("line 3:") && body.contains("line 4:"),
        "{body}"
    );
    let (s, body) = upload(
        &http,
        &app,
        "zh",
        &[("csrf", &csrf), ("dry_run", "yes")],
        bad,
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        body.contains("第 3 行") && body.contains("第 4 行"),
        "{body}"
    );
    let (s, body) = upload(&http, &app, "en", &[("csrf", &csrf)], bad).await;
    assert_eq!(s, 422, "the real import refuses a bad file whole: {body}");
    assert_eq!(app.get("/api/v1/members").await.1, json!([]));

    let (s, body) = upload(
        &http,
        &app,
        "en",
        &[("csrf", &csrf), ("dry_run", "yes")],
        good,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("2 created"), "{body}");
    assert_eq!(
        app.get("/api/v1/members").await.1,
        json!([]),
        "a dry run writes nothing"
    );
    let (s, body) = upload(&http, &app, "en", &[("csrf", &csrf)], good).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body.contains("Imported.") && body.contains("2 created"),
        "{body}"
    );
    let (s, body) = upload(&http, &app, "en", &[("csrf", &csrf)], good).await;
    assert_eq!(s, 200);
    assert!(body.contains("2 unchanged"), "again: {body}");
    let (_, found) = app.get("/api/v1/members?q=wedding").await;
    assert_eq!(
        found.as_array().unwrap().len(),
        1,
        "tags are searched: {found}"
    );

    // The file comes before its token: refused.
    let (ty, body) = {
        let boundary = "b0";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n\r\n").into_bytes();
        body.extend_from_slice(good);
        body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    };
    let r = http
        .post(app.url("/console/members/import"))
        .header("content-type", ty)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let r = http
        .get(app.url("/console/members/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("id,name,phone,"), "{csv}");
    assert!(
        csv.contains("Ann,+8613600000001") && csv.contains("wedding client"),
        "{csv}"
    );
}
