//! One client address for every limit, on both backends: without a trusted
//! proxy, a client that forges a new `X-Forwarded-For` on every request is
//! still one client (the console's login and the join page both refuse it
//! after their limit); with `127.0.0.1` trusted, the forwarded address is
//! the one limited. And failed logins are limited per username whatever
//! address they come from.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_server::Config;
use pond_server::client_addr::TrustedProxies;
use pond_store::testing::TestDb;
use support::console::hidden;

pond_store::both_backends!(
    forged_forwarded_addresses_do_not_escape_the_login_limit,
    a_trusted_proxys_forwarded_address_is_the_one_limited_at_login,
    forged_forwarded_addresses_do_not_escape_the_join_limit,
    a_trusted_proxys_forwarded_address_is_the_one_limited_at_join,
);

fn trusting_loopback() -> Config {
    Config {
        trusted_proxies: "127.0.0.1".parse::<TrustedProxies>().unwrap(),
        ..Config::default()
    }
}

/// A cookie-keeping client with the login form's CSRF token (an account
/// exists, so the login page is shown rather than the first-run setup).
async fn login_client(app: &support::TestApp) -> (reqwest::Client, String) {
    support::console::user(app, "lily", pond_server::console::Role::Owner).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    (http, csrf)
}

async fn try_login(
    app: &support::TestApp,
    http: &reqwest::Client,
    _: &str,
    forwarded: &str,
    username: &str,
) -> u16 {
    // Each login form carries its own token: read a fresh one every time.
    let page = http
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    let csrf = csrf.as_str();
    http.post(app.url("/console/login"))
        .header("x-forwarded-for", forwarded)
        .form(&[
            ("csrf", csrf),
            ("username", username),
            ("password", "wrong-password"),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn forged_forwarded_addresses_do_not_escape_the_login_limit(db: TestDb) {
    let app = support::spawn(db).await;
    let (http, csrf) = login_client(&app).await;
    let mut statuses = Vec::new();
    for i in 0..200 {
        // A new address and a new username each time: only the per-address
        // limit can catch this, and only if the header is not believed.
        let forged = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        statuses.push(try_login(&app, &http, &csrf, &forged, &format!("user{i}")).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
}

async fn a_trusted_proxys_forwarded_address_is_the_one_limited_at_login(db: TestDb) {
    let app = support::spawn_with(db, trusting_loopback()).await;
    let (http, csrf) = login_client(&app).await;
    // Thirty clients behind the proxy, one try each: none is limited.
    for i in 0..30 {
        let client = format!("203.0.113.{}", i + 1);
        let s = try_login(&app, &http, &csrf, &client, &format!("user{i}")).await;
        assert_eq!(s, 401, "client {client}");
    }
    // One of them keeps trying: its own eleventh try is refused. A forged
    // hop on the left changes nothing: the proxy appended the real one.
    let mut statuses = Vec::new();
    for i in 0..11 {
        let hops = format!("10.9.{i}.9, 198.51.100.77");
        statuses.push(try_login(&app, &http, &csrf, &hops, &format!("other{i}")).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    // Another client is still welcome.
    assert_eq!(
        try_login(&app, &http, &csrf, "198.51.100.78", "someone").await,
        401
    );
    // One username guessed from many addresses: refused after ten.
    let mut statuses = Vec::new();
    for i in 0..11 {
        let client = format!("192.0.2.{}", i + 1);
        statuses.push(try_login(&app, &http, &csrf, &client, "lily").await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
}

async fn join(app: &support::TestApp, forwarded: &str, i: usize) -> u16 {
    let phone = format!("139{i:08}");
    app.http
        .post(app.url("/join"))
        .header("x-forwarded-for", forwarded)
        .form(&[
            ("name", "Visitor"),
            ("phone", phone.as_str()),
            ("consent", "yes"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn forged_forwarded_addresses_do_not_escape_the_join_limit(db: TestDb) {
    let app = support::spawn(db).await;
    let mut statuses = Vec::new();
    for i in 0..200 {
        let forged = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        statuses.push(join(&app, &forged, i).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    let (_, found) = app.get("/api/v1/members?q=Visitor").await;
    assert_eq!(found.as_array().unwrap().len(), 10, "{found}");
}

async fn a_trusted_proxys_forwarded_address_is_the_one_limited_at_join(db: TestDb) {
    let app = support::spawn_with(db, trusting_loopback()).await;
    for i in 0..30 {
        let s = join(&app, &format!("203.0.113.{}", i + 1), i).await;
        assert_eq!(s, 200, "client {i}");
    }
    let mut statuses = Vec::new();
    for i in 0..11 {
        statuses.push(join(&app, "6.6.6.6, 198.51.100.77", 100 + i).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
}
