//! Console accounts: argon2id passwords, sessions in an HttpOnly cookie
//! whose hash is the database key, a CSRF token per session, and the three
//! roles. The first owner comes from `pond user create` or from the setup
//! page, which asks for the one-time code the server prints at start.

use super::page::{PageError, head, url_encode};
use crate::App;
use crate::join::Lang;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use cookie::{Cookie, SameSite};
use jiff::{SignedDuration, Timestamp};
use maud::{DOCTYPE, html};
use pond_core::privacy::sha256_hex;
use pond_store::users::Session;
use rand::RngCore;
use serde::Deserialize;
use std::sync::OnceLock;

/// The session cookie.
pub const SESSION_COOKIE: &str = "pond_session";
/// The language cookie (`zh` or `en`).
pub const LANG_COOKIE: &str = "pond_lang";
/// The login form's double-submit CSRF cookie (there is no session yet).
const LOGIN_COOKIE: &str = "pond_login";
/// How long a login lasts.
const SESSION_DAYS: i64 = 7;
/// NIST SP 800-63B's floor for a memorized secret.
const MIN_PASSWORD: usize = 8;

/// What an account may do. Ordered: each role can do what those below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads every page; changes nothing.
    Viewer,
    /// Runs the shop day to day: programs, reviews, complaints, imports.
    Operator,
    /// Also settings, tokens, webhooks and accounts.
    Owner,
}

impl Role {
    /// `owner`, `operator` or `viewer`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "operator" => Some(Role::Operator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// The name shown on pages.
    pub fn label(self, l: Lang) -> &'static str {
        match self {
            Role::Owner => l.t("店主", "owner"),
            Role::Operator => l.t("运营", "operator"),
            Role::Viewer => l.t("只读", "viewer"),
        }
    }
}

/// Hashes a password with argon2id and a random salt (slow on purpose:
/// call it off the async threads).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Checks a new account's name and password; the error names the field.
pub fn validate(username: &str, password: &str) -> Result<(), (&'static str, String)> {
    let name_ok = !username.is_empty()
        && username.chars().count() <= 64
        && !username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !name_ok {
        return Err((
            "username",
            "the username must be 1 to 64 characters without spaces".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err((
            "password",
            format!("the password must have at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// Creates an account (hashing its password first); used by the setup page
/// and by `pond user create`.
pub async fn create_user(
    store: &pond_store::Store,
    username: &str,
    password: &str,
    role: Role,
    now: Timestamp,
) -> Result<i64, String> {
    validate(username, password).map_err(|(_, m)| m)?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())??;
    let name = username.to_string();
    store
        .write(move |tx| {
            Box::pin(async move {
                pond_store::users::insert(tx, &name, &hash, role.as_str(), now).await
            })
        })
        .await
        .map_err(|e| match e {
            pond_store::StoreError::Conflict(_) => format!("the username {username} is taken"),
            e => e.to_string(),
        })
}

/// 32 random bytes, URL-safe base64.
fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh one-time code for the first-run setup page.
pub fn setup_code() -> String {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A Set-Cookie header: HttpOnly, SameSite=Lax, Secure when Pond is served
/// over https, scoped to the whole site (the language also applies to /me).
fn set_cookie(app: &App, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.public_url.starts_with("https://"));
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The live session behind the request's cookie, if any, with the hash
/// it is stored under.
pub async fn session(
    app: &App,
    headers: &HeaderMap,
) -> Result<Option<(Session, String)>, pond_store::StoreError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = sha256_hex(token.as_bytes());
    let mut tx = app.store.read().await?;
    let session = pond_store::users::session(&mut tx, &hash, app.now()).await?;
    Ok(session.map(|s| (s, hash)))
}

/// Where to go after logging in: only a console path of this site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/console",
    }
}

/// The query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    lang: Option<String>,
}

/// `GET /console/login`.
pub async fn login_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers, q.lang.as_deref());
    let mut tx = app.store.read().await?;
    if pond_store::users::count(&mut tx).await? == 0 {
        return Ok(Redirect::to("/console/setup").into_response());
    }
    drop(tx);
    Ok(login_page(
        &app,
        lang,
        safe_next(q.next.as_deref()),
        None,
        StatusCode::OK,
    ))
}

/// The page's language: `asked` (`?lang=`), then the `pond_lang` cookie,
/// then the browser's Accept-Language.
pub(crate) fn lang_of(headers: &HeaderMap, asked: Option<&str>) -> Lang {
    let cookie = cookie(headers, LANG_COOKIE);
    Lang::pick(asked.or(cookie.as_deref()), headers)
}

fn login_page(app: &App, l: Lang, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    card_page(app, l, l.t("登录", "Log in"), status, |token| {
        html! {
            h1 { "Pond · " (l.t("登录", "Log in")) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                label { (l.t("用户名", "Username")) input name="username" autocomplete="username" required autofocus; }
                label { (l.t("密码", "Password")) input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (l.t("登录", "Log in")) }
            }
            p.muted { a href=(format!("/console/lang?to={}&back={}", l.t("en", "zh"), url_encode("/console/login"))) { (l.t("English", "中文")) } }
        }
    })
}

/// A page of its own (login, setup) with a form whose CSRF token is a
/// fresh double-submit cookie: there is no session to keep it in yet.
fn card_page(
    app: &App,
    l: Lang,
    title: &str,
    status: StatusCode,
    card: impl FnOnce(&str) -> maud::Markup,
) -> Response {
    let token = secret();
    let page = html! {
        (DOCTYPE)
        html lang=(l.t("zh-CN", "en")) {
            (head(title))
            body.bare { main.card { (card(&token)) } }
        }
    };
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(app, LOGIN_COOKIE, &token, Some(3600)),
        )],
        Html(page.into_string()),
    )
        .into_response()
}

/// Whether a login or setup form carries the token of its cookie.
fn card_csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    let expected = cookie(headers, LOGIN_COOKIE).unwrap_or_default();
    !expected.is_empty() && constant_time_eq(sent.as_bytes(), expected.as_bytes())
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// A hash to verify against when the username is unknown, so that a
/// wrong name takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("pond-decoy-password").unwrap_or_default())
}

/// `POST /console/login`.
pub async fn login(
    State(app): State<App>,
    client: crate::client_addr::ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, PageError> {
    let l = lang_of(&headers, None);
    let next = safe_next(form.next.as_deref()).to_string();
    if !card_csrf_ok(&headers, &form.csrf) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            l.t(
                "登录表单已过期，请刷新后重试。",
                "The login form expired; reload it and try again.",
            ),
        )
        .lang(l));
    }
    // Per address, and per username whatever the address: a botnet guessing
    // one account's password meets the second limit.
    let username = form.username.trim().to_string();
    if app
        .login_limiter
        .check_key(&app.hash(&client.key()))
        .is_err()
        || app
            .login_user_limiter
            .check_key(&app.hash(&format!("login:{}", username.to_lowercase())))
            .is_err()
    {
        return Ok(login_page(
            &app,
            l,
            &next,
            Some(l.t(
                "尝试次数太多，请稍后再试。",
                "Too many attempts; wait a minute and try again.",
            )),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let mut tx = app.store.read().await?;
    let user = pond_store::users::by_username(&mut tx, &username).await?;
    drop(tx);
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let password = form.password;
    // One check per core at a time: argon2 takes 19 MiB and tens of
    // milliseconds each, so a flood queues here instead of exhausting memory.
    let matched = match app.password_checks.acquire().await {
        Ok(_turn) => tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false),
        Err(_) => false,
    };
    let user = match user {
        Some(u) if matched && u.disabled_at.is_none() => u,
        _ => {
            return Ok(login_page(
                &app,
                l,
                &next,
                Some(l.t("用户名或密码不对。", "Wrong username or password.")),
                StatusCode::UNAUTHORIZED,
            ));
        }
    };
    let cookie_value = start_session(&app, user.id).await?;
    Ok(([(header::SET_COOKIE, cookie_value)], Redirect::to(&next)).into_response())
}

/// Opens a session for an account and answers its Set-Cookie value.
async fn start_session(app: &App, user_id: i64) -> Result<HeaderValue, PageError> {
    let token = secret();
    let (hash, csrf, now) = (sha256_hex(token.as_bytes()), secret(), app.now());
    let expires = now + SignedDuration::from_hours(24 * SESSION_DAYS);
    app.store
        .write(move |tx| {
            Box::pin(async move {
                pond_store::users::open_session(tx, &hash, user_id, &csrf, now, expires).await
            })
        })
        .await?;
    Ok(set_cookie(
        app,
        SESSION_COOKIE,
        &token,
        Some(SESSION_DAYS * 86_400),
    ))
}

/// `POST /console/logout`.
pub async fn logout(
    State(app): State<App>,
    f: super::Form<super::page::NoFields>,
) -> Result<Response, PageError> {
    let (hash, now) = (f.ctx.session_hash.clone(), app.now());
    app.store
        .write(move |tx| {
            Box::pin(async move { pond_store::users::close_session(tx, &hash, now).await })
        })
        .await?;
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(&app, SESSION_COOKIE, "", Some(0)),
        )],
        Redirect::to("/console/login"),
    )
        .into_response())
}

/// The query of the setup page.
#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    code: Option<String>,
    lang: Option<String>,
}

/// `GET /console/setup`: the first owner account, only while there is none.
pub async fn setup_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<SetupQuery>,
) -> Result<Response, PageError> {
    let l = lang_of(&headers, q.lang.as_deref());
    let mut tx = app.store.read().await?;
    if pond_store::users::count(&mut tx).await? > 0 {
        return Ok(Redirect::to("/console/login").into_response());
    }
    drop(tx);
    Ok(setup_page(
        &app,
        l,
        q.code.as_deref().unwrap_or(""),
        None,
        StatusCode::OK,
    ))
}

fn setup_page(app: &App, l: Lang, code: &str, error: Option<&str>, status: StatusCode) -> Response {
    card_page(
        app,
        l,
        l.t("创建店主账号", "Create the owner account"),
        status,
        |token| {
            html! {
                        h1 { "Pond · " (l.t("创建店主账号", "Create the owner account")) }
                        p.muted { (l.t(
                            "还没有任何账号。输入服务器启动时打印的一次性设置码，创建第一个店主账号。",
                            "There is no account yet. Enter the one-time setup code the server printed when it started, and create the first owner.")) }
                        @if let Some(e) = error { p.error role="alert" { (e) } }
                        form method="post" action="/console/setup" {
                            input type="hidden" name="csrf" value=(token);
                            label { (l.t("设置码", "Setup code")) input name="code" value=(code) required autocomplete="off"; }
                            label { (l.t("用户名", "Username")) input name="username" autocomplete="username" required; }
                            label { (l.t("密码（至少 8 位）", "Password (8 characters or more)")) input name="password" type="password" autocomplete="new-password" required minlength="8"; }
                            button type="submit" { (l.t("创建并登录", "Create and log in")) }
                        }
            }
        },
    )
}

/// The setup form's fields.
#[derive(Debug, Deserialize)]
pub struct SetupForm {
    code: String,
    username: String,
    password: String,
    csrf: String,
}

/// `POST /console/setup`.
pub async fn setup(
    State(app): State<App>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SetupForm>,
) -> Result<Response, PageError> {
    let l = lang_of(&headers, None);
    if !card_csrf_ok(&headers, &form.csrf) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            l.t(
                "表单已过期，请刷新后重试。",
                "The form expired; reload it and try again.",
            ),
        )
        .lang(l));
    }
    if !constant_time_eq(form.code.trim().as_bytes(), app.setup_code.as_bytes()) {
        return Ok(setup_page(
            &app,
            l,
            "",
            Some(l.t(
                "设置码不对：请查看服务器启动时的输出。",
                "Wrong setup code: see what the server printed when it started.",
            )),
            StatusCode::FORBIDDEN,
        ));
    }
    if let Err((_, message)) = validate(form.username.trim(), &form.password) {
        return Ok(setup_page(
            &app,
            l,
            &form.code,
            Some(&message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let (name, now) = (form.username.trim().to_string(), app.now());
    // Counted and inserted in one write, so two racing setups make one owner.
    let id = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                if pond_store::users::count(tx).await? > 0 {
                    return Ok(None);
                }
                pond_store::users::insert(tx, &name, &hash, Role::Owner.as_str(), now)
                    .await
                    .map(Some)
            })
        })
        .await?;
    let Some(id) = id else {
        return Ok(Redirect::to("/console/login").into_response());
    };
    let cookie_value = start_session(&app, id).await?;
    Ok((
        [(header::SET_COOKIE, cookie_value)],
        Redirect::to("/console"),
    )
        .into_response())
}

/// The query of the language switch.
#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    to: String,
    back: Option<String>,
}

/// `GET /console/lang?to=zh&back=/console/groups`: remembers the choice
/// in a cookie and returns to the page. It changes only a preference of
/// this browser, so it needs no CSRF token.
pub async fn switch_language(State(app): State<App>, Query(q): Query<SwitchQuery>) -> Response {
    let to = if q.to.starts_with("zh") { "zh" } else { "en" };
    let back = match q.back.as_deref() {
        Some(b) if (b.starts_with("/console") || b.starts_with("/me/")) && !b.starts_with("//") => {
            b
        }
        _ => "/console",
    };
    (
        [(
            header::SET_COOKIE,
            set_cookie(&app, LANG_COOKIE, to, Some(365 * 86_400)),
        )],
        Redirect::to(back),
    )
        .into_response()
}
