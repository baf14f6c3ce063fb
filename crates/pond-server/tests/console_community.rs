//! The console's community pages over real HTTP and in headless Chromium,
//! on both backends: groups fed through the API (an export and live
//! events), the groups table sorted, a group's heatmap, complaints
//! acknowledged and resolved, an export uploaded and followed to its
//! summary; and the server refusing viewers and posts without a token.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use fantoccini::Locator;
use jiff::{SignedDuration, Timestamp};
use pond_server::console::Role;
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use support::TestApp;
use support::browser::{self, Browser, console_errors, overflows, screenshot};
use support::console::{hidden, http_login, login, user};

pond_store::both_backends!(
    an_operator_works_the_community_pages_in_a_browser,
    viewers_and_forged_posts_are_refused,
);

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../pond-import/tests/data/public"
);

/// Two groups: "Roses" from a WhatsApp export with eight weeks of live
/// messages after it and two complaints today, and "ShortChat" from an
/// old export. Answers the id of Roses.
async fn feed(app: &TestApp) -> i64 {
    let export = std::fs::read(format!("{FIXTURES}/whatsapp/ios-12h-chat.txt")).unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/imports?group=Roses&file_name=chat.txt"))
        .bearer_auth(&app.token)
        .body(export)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, groups) = app.get("/api/v1/groups").await;
    assert_eq!(s, 200, "{groups}");
    let roses = groups[0]["id"].as_i64().unwrap();
    let now = Timestamp::now();
    let mut events = Vec::new();
    for day in 1..56i64 {
        // Busier at weekends and quiet every fifth day: a pattern to see.
        if day % 5 == 0 {
            continue;
        }
        for k in 0..(1 + day % 4) {
            let at = now - SignedDuration::from_hours(24 * day + k);
            let who = ["Mei", "Lan", "Ann"][(k % 3) as usize];
            events.push(json!({"id": format!("d{day}-{k}"), "type": "message",
                "at": at.to_string(), "person": {"name": who}, "text": "花很新鲜"}));
        }
    }
    events.push(json!({"id": "c1", "type": "message", "at": now.to_string(),
        "person": {"name": "Mei"}, "text": "昨天送来的花全都枯萎了，我要退款，太差了"}));
    events.push(json!({"id": "c2", "type": "message", "at": now.to_string(),
        "person": {"name": "Ann"}, "text": "The roses arrived late and wilted, I want a refund"}));
    let (s, added) = app
        .post(
            &format!("/api/v1/groups/{roses}/events"),
            json!({ "events": events }),
        )
        .await;
    assert_eq!(s, 200, "{added}");
    assert_eq!(added["alerts"], 2, "{added}");
    let short = std::fs::read(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/imports?group=ShortChat&file_name=short.txt"))
        .bearer_auth(&app.token)
        .body(short)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    roses
}

/// Every page a phone opens: no console error, nothing wider than it.
async fn fits(b: &Browser, name: &str) {
    screenshot(b, name).await;
    assert!(
        console_errors(b).await.is_empty(),
        "{name}: errors in the browser console"
    );
    assert!(!overflows(b).await, "{name}: wider than the phone");
}

async fn text(b: &Browser, css: &str) -> String {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn alerts(app: &TestApp, state: &str) -> Vec<Value> {
    let (s, list) = app.get(&format!("/api/v1/alerts?state={state}")).await;
    assert_eq!(s, 200, "{list}");
    list.as_array().unwrap().clone()
}

async fn an_operator_works_the_community_pages_in_a_browser(db: TestDb) {
    let app = support::spawn(db).await;
    let roses = feed(&app).await;
    let pw = user(&app, "olivia", Role::Operator).await;
    let Some(b) = browser::open(375).await else {
        return;
    };
    login(&b, &app, "olivia", &pw).await;
    let c = &b.client;

    // The census and the table, then sorted by last activity.
    c.goto(&app.url("/console/groups")).await.unwrap();
    let census = text(&b, "section.census").await;
    assert!(census.contains("2 groups"), "{census}");
    assert!(
        c.find_all(Locator::Css("table.groups tbody tr"))
            .await
            .unwrap()
            .len()
            == 2
    );
    c.find(Locator::Css("section figure.chart svg"))
        .await
        .unwrap();
    fits(&b, "console-groups").await;
    click(&b, "table.groups th a[href*='sort=activity']").await;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/console/groups?sort=activity&dir=desc")).unwrap())
        .await
        .unwrap();
    let first = text(&b, "table.groups tbody tr:first-child td:first-child").await;
    assert_eq!(
        first, "Roses",
        "the group talked in most lately comes first"
    );
    fits(&b, "console-groups-by-activity").await;
    click(&b, "table.groups th a[href*='sort=activity']").await;
    let first = text(&b, "table.groups tbody tr:first-child td:first-child").await;
    assert_eq!(first, "ShortChat", "a second click turns the order around");

    // The group's page: its heatmap has a square per day of 26 weeks.
    c.goto(&app.url("/console/groups?sort=activity&dir=desc"))
        .await
        .unwrap();
    click(&b, "table.groups tbody tr:first-child td:first-child a").await;
    c.wait()
        .for_element(Locator::Css("#heatmap figure.chart svg"))
        .await
        .unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&format!("/console/groups/{roses}"))
    );
    let cells = c
        .find_all(Locator::Css("#heatmap figure.chart svg rect"))
        .await
        .unwrap()
        .len();
    assert!(cells >= 25 * 7 + 5, "{cells} squares");
    let complaints = text(&b, "ul.complaints").await;
    assert!(complaints.contains("wilted"), "{complaints}");
    fits(&b, "console-group-heatmap").await;
    click(&b, "a[href$='?by=posters']").await;
    c.wait()
        .for_element(Locator::Css("#heatmap figure.chart svg"))
        .await
        .unwrap();
    fits(&b, "console-group-heatmap-posters").await;

    // The inbox: acknowledge one complaint, then resolve it.
    c.goto(&app.url("/console/complaints")).await.unwrap();
    let open = alerts(&app, "open").await;
    assert_eq!(open.len(), 2);
    let id = open[0]["id"].as_i64().unwrap();
    fits(&b, "console-complaints").await;
    click(
        &b,
        &format!("#complaint-{id} form[action$='/acknowledge'] button"),
    )
    .await;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/console/complaints?state=open")).unwrap())
        .await
        .unwrap();
    assert_eq!(alerts(&app, "acknowledged").await[0]["id"], id);
    c.goto(&app.url("/console/complaints?state=acknowledged"))
        .await
        .unwrap();
    fits(&b, "console-complaints-acknowledged").await;
    click(
        &b,
        &format!("#complaint-{id} form[action$='/resolve'] button"),
    )
    .await;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/console/complaints?state=acknowledged")).unwrap())
        .await
        .unwrap();
    fits(&b, "console-complaints-resolved").await;
    let resolved = alerts(&app, "resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["id"], id);
    assert_eq!(alerts(&app, "open").await.len(), 1);

    // An export uploaded through the page, followed to its summary.
    c.goto(&app.url("/console/imports")).await.unwrap();
    fits(&b, "console-imports").await;
    c.find(Locator::Css("input[name=group]"))
        .await
        .unwrap()
        .send_keys("Uploaded garden club")
        .await
        .unwrap();
    let path =
        std::fs::canonicalize(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap();
    c.find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&b, "form.upload button[type=submit]").await;
    let done = c
        .wait()
        .for_element(Locator::Id("import-done"))
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("whatsapp"));
    let summary = text(&b, "table.summary").await;
    assert!(summary.contains("Messages 5"), "{summary}");
    assert!(summary.contains("People 3"), "{summary}");
    fits(&b, "console-import-done").await;
    let (_, groups) = app.get("/api/v1/groups").await;
    assert!(
        groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "Uploaded garden club"),
        "{groups}"
    );
}

/// A multipart body with text fields and an optional file, as a browser
/// sends the upload form.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "pond-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"chat.txt\"\r\nContent-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    http: &reqwest::Client,
    app: &TestApp,
    fields: &[(&str, &str)],
    file: &[u8],
) -> reqwest::Response {
    let (ty, body) = multipart(fields, Some(file));
    http.post(app.url("/console/imports"))
        .header("content-type", ty)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Follows an import job's page until it stops refreshing.
async fn finished(http: &reqwest::Client, app: &TestApp, job: &str) -> String {
    for _ in 0..100 {
        let r = http.get(app.url(job)).send().await.unwrap();
        let running = r.headers().contains_key("refresh");
        let page = r.text().await.unwrap();
        if !running {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import at {job} never finished");
}

async fn group_count(app: &TestApp) -> usize {
    app.get("/api/v1/groups").await.1.as_array().unwrap().len()
}

async fn viewers_and_forged_posts_are_refused(db: TestDb) {
    let app = support::spawn(db).await;
    feed(&app).await;
    let vpw = user(&app, "victor", Role::Viewer).await;
    let opw = user(&app, "olivia", Role::Operator).await;
    let (viewer, vcsrf) = http_login(&app, "victor", &vpw).await;
    let (op, ocsrf) = http_login(&app, "olivia", &opw).await;
    let id = alerts(&app, "open").await[0]["id"].as_i64().unwrap();
    let export = std::fs::read(format!("{FIXTURES}/whatsapp/android-short-chat.txt")).unwrap();
    let groups = group_count(&app).await;

    // A viewer reads every page but changes nothing, whatever it posts.
    for path in [
        "/console/groups?sort=messages&dir=asc&state=active",
        "/console/complaints?state=all",
        "/console/imports",
    ] {
        let r = viewer.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let page = r.text().await.unwrap();
        assert!(
            !page.contains("/resolve\""),
            "{path}: no buttons for a viewer"
        );
    }
    for action in ["acknowledge", "resolve"] {
        let r = viewer
            .post(app.url(&format!("/console/complaints/{id}/{action}")))
            .form(&[("csrf", vcsrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "a viewer may not {action}");
    }
    let r = upload(
        &viewer,
        &app,
        &[("csrf", &vcsrf), ("format", "auto")],
        &export,
    )
    .await;
    assert_eq!(r.status(), 403, "a viewer may not import");
    assert_eq!(alerts(&app, "open").await.len(), 2, "nothing changed");
    assert_eq!(group_count(&app).await, groups, "nothing imported");

    // An operator's post without its session's token is refused too.
    let r = op
        .post(app.url(&format!("/console/complaints/{id}/resolve")))
        .form(&[("back", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no csrf");
    let r = op
        .post(app.url(&format!("/console/complaints/{id}/resolve")))
        .form(&[("csrf", vcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another session's csrf");
    let r = upload(&op, &app, &[("format", "auto")], &export).await;
    assert_eq!(r.status(), 403, "an upload without csrf");
    assert_eq!(alerts(&app, "open").await.len(), 2, "nothing changed");
    assert_eq!(group_count(&app).await, groups, "nothing imported");

    // With the token, the same posts go through and answer with a redirect.
    let r = op
        .post(app.url(&format!("/console/complaints/{id}/resolve")))
        .form(&[("csrf", ocsrf.as_str()), ("back", "all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/console/complaints?state=all"
    );
    assert_eq!(alerts(&app, "resolved").await[0]["id"], id);
    let r = op
        .post(app.url("/console/complaints/999999/resolve"))
        .form(&[("csrf", ocsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = upload(
        &op,
        &app,
        &[
            ("csrf", &ocsrf),
            ("format", "whatsapp"),
            ("group", "Upload"),
        ],
        &export,
    )
    .await;
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().to_string();
    assert!(job.starts_with("/console/imports/"), "{job}");
    let page = finished(&op, &app, &job).await;
    assert!(page.contains("import-done"), "{page}");
    assert_eq!(group_count(&app).await, groups + 1);
    let csrf_again = hidden(&page, "csrf");
    assert_eq!(csrf_again, ocsrf);

    // A file that is no chat export ends in a sentence, not a panic.
    let r = upload(
        &op,
        &app,
        &[("csrf", &ocsrf), ("format", "auto")],
        b"\x00\x01 this is not a chat export \xff",
    )
    .await;
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().to_string();
    let page = finished(&op, &app, &job).await;
    assert!(page.contains("import-error"), "{page}");
    let r = upload(
        &op,
        &app,
        &[("csrf", &ocsrf), ("format", "telegram")],
        b"{\"messages\": 12",
    )
    .await;
    let job = r.headers()["location"].to_str().unwrap().to_string();
    assert!(finished(&op, &app, &job).await.contains("import-error"));
    let r = upload(
        &op,
        &app,
        &[("csrf", &ocsrf), ("format", "nonsense")],
        &export,
    )
    .await;
    assert_eq!(r.status(), 422, "an unknown format is named");

    // Operator notices: listed under their own heading, resolved by an
    // operator only.
    app.store
        .write(|tx| {
            Box::pin(pond_store::notices::raise(
                tx,
                "livecode_full",
                "shopgroup",
                "The live code shopgroup has no group with room left.",
                Timestamp::now(),
            ))
        })
        .await
        .unwrap();
    let page = op
        .get(app.url("/console/complaints"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("no group with room left"), "{page}");
    let notice = pond_store::notices::list(&mut app.store.read().await.unwrap(), Some("open"), 5)
        .await
        .unwrap()[0]
        .id;
    let path = format!("/console/complaints/notices/{notice}/resolve");
    let r = viewer
        .post(app.url(&path))
        .form(&[("csrf", vcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a viewer may not resolve a notice");
    let r = op.post(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 403, "no csrf");
    let r = op
        .post(app.url(&path))
        .form(&[("csrf", ocsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let open = pond_store::notices::list(&mut app.store.read().await.unwrap(), Some("open"), 5)
        .await
        .unwrap();
    assert!(open.is_empty(), "{open:?}");

    // The same pages in Chinese.
    let roses = app.get("/api/v1/groups").await.1[0]["id"].as_i64().unwrap();
    for (path, words) in [
        (
            "/console/groups?lang=zh&sort=name".to_string(),
            "各群健康度",
        ),
        (
            format!("/console/groups/{roses}?lang=zh&by=posters"),
            "每日活跃",
        ),
        (
            "/console/complaints?lang=zh&state=all".to_string(),
            "群内投诉",
        ),
        ("/console/imports?lang=zh".to_string(), "上传聊天记录"),
    ] {
        let r = viewer.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains(words), "{path}");
    }

    // Unknown groups and jobs are 404 pages, not 500s.
    for path in [
        "/console/groups/abc",
        "/console/groups/999999",
        "/console/imports/nope",
    ] {
        let r = op.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}
