//! The console's doors on both backends: first-run setup, login, sessions,
//! CSRF, roles enforced by the server, languages; and in a real headless
//! Chromium at 375 px, every page rendered without a console error or a
//! sideways scroll.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use fantoccini::Locator;
use pond_server::console::Role;
use pond_store::testing::TestDb;
use support::console::{hidden, http_login, login, user};

pond_store::both_backends!(
    the_first_owner_comes_from_the_setup_code,
    logins_fail_closed_and_logout_ends_the_session,
    a_form_without_its_csrf_token_is_refused,
    roles_are_enforced_by_the_server,
    the_language_follows_the_browser_and_the_switch,
    every_page_works_at_phone_width_in_a_browser
);

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn text(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

async fn users(app: &support::TestApp) -> Vec<pond_store::users::User> {
    let mut tx = app.store.read().await.unwrap();
    pond_store::users::list(&mut tx).await.unwrap()
}

async fn the_first_owner_comes_from_the_setup_code(db: TestDb) {
    let app = support::spawn(db).await;
    let http = client();
    // Anonymous: the console sends to the login, which sends to setup.
    let r = http.get(app.url("/console/members")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/console/login?next=%2Fconsole%2Fmembers"
    );
    let r = http.get(app.url("/console/login")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/console/setup");
    let page = text(http.get(app.url("/console/setup")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");

    // A wrong code makes nobody.
    let r = http
        .post(app.url("/console/setup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "guess"),
            ("username", "mallory"),
            ("password", "long-enough-pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(users(&app).await.is_empty());
    // A short password is refused with its reason.
    let page = text(http.get(app.url("/console/setup")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");
    let r = http
        .post(app.url("/console/setup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", app.setup_code.as_str()),
            ("username", "lily"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text(r).await.contains("at least 8 characters"));

    // The printed code makes the owner and logs her in.
    let page = text(http.get(app.url("/console/setup")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");
    let r = http
        .post(app.url("/console/setup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", app.setup_code.as_str()),
            ("username", "lily"),
            ("password", "peonies-in-may"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let page = text(http.get(app.url("/console")).send().await.unwrap()).await;
    assert!(page.contains("lily"), "the console greets its owner");
    let all = users(&app).await;
    assert_eq!((all.len(), all[0].role.as_str()), (1, "owner"));
    assert!(
        all[0].password_hash.starts_with("$argon2id$"),
        "argon2id PHC string"
    );

    // Setup is over: a second visit (even with the code) makes no one.
    let other = client();
    let r = other.get(app.url("/console/setup")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/console/login");
    assert_eq!(users(&app).await.len(), 1);
}

async fn logins_fail_closed_and_logout_ends_the_session(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "rose", Role::Operator).await;
    let http = client();
    for (name, password) in [("rose", "wrong-password"), ("nobody", pw.as_str())] {
        let page = text(http.get(app.url("/console/login")).send().await.unwrap()).await;
        let csrf = hidden(&page, "csrf");
        let r = http
            .post(app.url("/console/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", name),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{name}");
        assert!(text(r).await.contains("Wrong username or password"));
    }
    // A login post without the login form's cookie is refused.
    let page = text(http.get(app.url("/console/login")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");
    let r = client()
        .post(app.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "rose"),
            ("password", pw.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // An open redirect is not possible through `next`.
    let page = text(http.get(app.url("/console/login")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");
    let r = http
        .post(app.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "rose"),
            ("password", pw.as_str()),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console");

    // Log in keeping the raw cookie, to replay it after logout.
    let page = text(http.get(app.url("/console/login")).send().await.unwrap()).await;
    let csrf = hidden(&page, "csrf");
    let r = http
        .post(app.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "rose"),
            ("password", pw.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let session = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(session.starts_with("pond_session="), "{session}");
    // Console pages cannot be framed by another site and run no script.
    let r = http.get(app.url("/console")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let page = text(r).await;
    let csrf = hidden(&page, "csrf");
    let r = http
        .post(app.url("/console/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        http.get(app.url("/console")).send().await.unwrap().status(),
        303,
        "logged out"
    );
    // The session is gone on the server, not only from the browser.
    let r = client()
        .get(app.url("/console"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a replayed cookie is dead");
}

async fn a_form_without_its_csrf_token_is_refused(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "lily", Role::Owner).await;
    let (http, csrf) = http_login(&app, "lily", &pw).await;
    let tokens = |app: &support::TestApp| {
        let store = app.store.clone();
        async move {
            let mut tx = store.read().await.unwrap();
            pond_store::tokens::list(&mut tx).await.unwrap().len()
        }
    };
    let before = tokens(&app).await;
    // No token, a token of another session, a post from another origin.
    let (_, other_csrf) = http_login(&app, "lily", &pw).await;
    assert_ne!(csrf, other_csrf, "each session has its own token");
    type Attempt<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
    let attempts: [Attempt; 3] = [
        (&[("name", "pos")], None),
        (&[("name", "pos"), ("csrf", other_csrf.as_str())], None),
        (
            &[("name", "pos"), ("csrf", csrf.as_str())],
            Some("https://evil.example"),
        ),
    ];
    for (form, origin) in attempts {
        let mut req = http.post(app.url("/console/settings/tokens")).form(form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "{form:?} {origin:?}");
        assert!(text(r).await.contains("stale or came from another site"));
    }
    assert_eq!(tokens(&app).await, before, "nothing was created");
    // With its token the same post works, and shows the token once.
    let r = http
        .post(app.url("/console/settings/tokens"))
        .form(&[("name", "pos"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let page = text(r).await;
    assert!(page.contains("pond_"), "the new token is on the page");
    assert_eq!(tokens(&app).await, before + 1);
}

async fn roles_are_enforced_by_the_server(db: TestDb) {
    let app = support::spawn(db).await;
    let owner_pw = user(&app, "lily", Role::Owner).await;
    let viewer_pw = user(&app, "vera", Role::Viewer).await;
    let operator_pw = user(&app, "otto", Role::Operator).await;
    let lifecycle = |days: &'static str, csrf: String| {
        vec![
            ("csrf", csrf),
            ("new_for_days", days.to_string()),
            ("dormant_after_days", "7".into()),
            ("dead_after_days", "30".into()),
            ("declining_ratio", "0.5".into()),
            ("baseline_weeks", "4".into()),
        ]
    };
    for (name, pw) in [("vera", &viewer_pw), ("otto", &operator_pw)] {
        let (http, csrf) = http_login(&app, name, pw).await;
        // Reading is fine.
        for page in ["/console", "/console/settings", "/console/simulator"] {
            assert_eq!(
                http.get(app.url(page)).send().await.unwrap().status(),
                200,
                "{name} {page}"
            );
        }
        // Changing settings is an owner's: refused by the server, with a
        // valid session and token.
        let r = http
            .post(app.url("/console/settings/lifecycle"))
            .form(&lifecycle("21", csrf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}");
        let r = http
            .post(app.url("/console/settings/users"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "eve"),
                ("password", "long-enough-pw"),
                ("role", "owner"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}");
        // The viewer's page has no forms to change settings.
        if name == "vera" {
            let page = text(http.get(app.url("/console/settings")).send().await.unwrap()).await;
            assert!(!page.contains("action=\"/console/settings/users\""));
        }
    }
    assert_eq!(users(&app).await.len(), 3, "no account was added");
    let (http, csrf) = http_login(&app, "lily", &owner_pw).await;
    let r = http
        .post(app.url("/console/settings/lifecycle"))
        .form(&lifecycle("21", csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = text(http.get(app.url("/console/settings")).send().await.unwrap()).await;
    assert!(page.contains("name=\"new_for_days\" inputmode=\"numeric\" value=\"21\""));
    // Bad thresholds are refused with the field named, and nothing changes.
    let mut bad = lifecycle("21", csrf.clone());
    bad[3].1 = "3".into(); // dead before dormant
    let r = http
        .post(app.url("/console/settings/lifecycle"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text(r).await.contains("dead_after_days"));
    // A disabled account's session ends at once.
    let (vera, _) = http_login(&app, "vera", &viewer_pw).await;
    let id = users(&app)
        .await
        .into_iter()
        .find(|u| u.username == "vera")
        .unwrap()
        .id;
    let r = http
        .post(app.url(&format!("/console/settings/users/{id}/disable")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        vera.get(app.url("/console")).send().await.unwrap().status(),
        303
    );
}

async fn the_language_follows_the_browser_and_the_switch(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "lily", Role::Viewer).await;
    let (http, _) = http_login(&app, "lily", &pw).await;
    let zh = text(
        http.get(app.url("/console"))
            .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        zh.contains("<html lang=\"zh-CN\"") && zh.contains("概览"),
        "Chinese from Accept-Language"
    );
    let en = text(
        http.get(app.url("/console"))
            .header("accept-language", "en-GB")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(en.contains("<html lang=\"en\"") && en.contains("Overview"));
    // The switch remembers the choice over the browser's.
    let r = http
        .get(app.url("/console/lang?to=zh&back=/console/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/settings");
    let page = text(
        http.get(app.url("/console/settings"))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("时区"),
        "the switch wins over Accept-Language"
    );
    // The switch never sends anywhere else.
    let r = http
        .get(app.url("/console/lang?to=en&back=https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/console");
}

async fn every_page_works_at_phone_width_in_a_browser(db: TestDb) {
    let app = support::spawn(db).await;
    let pw = user(&app, "lily", Role::Owner).await;
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    login(&b, &app, "lily", &pw).await;
    support::browser::screenshot(&b, "console-overview").await;
    let pages = [
        "/console",
        "/console/programs",
        "/console/programs/new",
        "/console/review",
        "/console/members",
        "/console/groups",
        "/console/complaints",
        "/console/imports",
        "/console/simulator",
        "/console/settings",
    ];
    for page in pages {
        c.goto(&app.url(page)).await.unwrap();
        let h1 = c
            .find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!h1.is_empty(), "{page} has a heading");
        assert_eq!(
            support::browser::console_errors(&b).await,
            Vec::<String>::new(),
            "{page}"
        );
        assert!(
            !support::browser::overflows(&b).await,
            "{page} scrolls sideways at 375 px"
        );
    }
    // The simulator answers its form with a chart.
    c.goto(&app.url("/console/simulator")).await.unwrap();
    c.find(Locator::Css("input[name=k]"))
        .await
        .unwrap()
        .send_keys("0.8")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=cycle_days]"))
        .await
        .unwrap()
        .send_keys("7")
        .await
        .unwrap();
    c.find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("figure.chart svg"))
        .await
        .unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("1/(1−K) = 5.00"),
        "theory is shown next to the simulation"
    );
    assert_eq!(
        support::browser::console_errors(&b).await,
        Vec::<String>::new()
    );
    support::browser::screenshot(&b, "console-simulator").await;

    // Switch the language from the menu.
    c.find(Locator::Css("a.lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=zh-CN]"))
        .await
        .unwrap();
    let nav = c
        .find(Locator::Css("header.top nav"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(nav.contains("概览") && nav.contains("社群"), "{nav}");
    assert!(
        c.current_url().await.unwrap().as_str().ends_with(
            "/console/simulator?run=1&k=0.8&seeds=&cycle_days=7&days=&cap=&market=&two_sided=1"
        ) || c.current_url().await.unwrap().path() == "/console/simulator"
    );
    support::browser::screenshot(&b, "console-zh").await;
}
