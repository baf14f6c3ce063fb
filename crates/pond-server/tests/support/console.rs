//! Console accounts and logins for browser and HTTP tests.

use super::TestApp;
use super::browser::Browser;
use fantoccini::Locator;
use pond_server::console::Role;

/// Creates an account with `role`; answers its password.
pub async fn user(app: &TestApp, username: &str, role: Role) -> String {
    let password = format!("{username}-secret-pw");
    pond_server::console::auth::create_user(
        &app.store,
        username,
        &password,
        role,
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    password
}

/// Logs the browser in through the login form and waits for the console.
pub async fn login(b: &Browser, app: &TestApp, username: &str, password: &str) {
    b.client.goto(&app.url("/console/login")).await.unwrap();
    b.client
        .find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("header.top nav"))
        .await
        .unwrap();
}

/// An HTTP client with its own cookie jar, logged in as `username`;
/// answers it with the CSRF token of its session.
pub async fn http_login(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (reqwest::Client, String) {
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
    let r = http
        .post(app.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {username} failed");
    let page = http
        .get(app.url("/console"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (http, hidden(&page, "csrf"))
}

/// The value of the first hidden input named `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no hidden `{name}` field in the page"));
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}
