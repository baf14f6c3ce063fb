//! What every console page shares: the logged-in [`Ctx`], the CSRF-checked
//! [`Form`], the error page and the layout around each page's body.

use super::auth::{self, Role};
use crate::App;
use crate::error::ApiError;
use crate::join::Lang;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use pond_store::StoreError;
use pond_store::users::User;
use serde::de::DeserializeOwned;

/// A logged-in request: who, in which language, and the CSRF token its
/// forms must carry.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The account.
    pub user: User,
    /// Its role.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf: String,
    /// The page's language.
    pub lang: Lang,
    /// The shop's time zone.
    pub tz: jiff::tz::TimeZone,
    /// The path and query of this page (where a language switch returns).
    pub here: String,
    /// The SHA-256 of the session cookie (logout ends it).
    pub(crate) session_hash: String,
}

impl Ctx {
    /// Refuses the request unless the account holds at least `role`.
    pub fn require(&self, role: Role) -> Result<(), PageError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                match role {
                    Role::Owner => self
                        .lang
                        .t("只有店主可以这样做。", "Only an owner can do this."),
                    _ => self.lang.t(
                        "只读账号不能修改任何内容。",
                        "A viewer account cannot change anything.",
                    ),
                },
            )
            .lang(self.lang))
        }
    }

    /// Picks the Chinese or the English text for this page.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }
}

/// The page's language: `?lang=`, then the `pond_lang` cookie, then the
/// browser's Accept-Language.
pub fn language(parts: &Parts) -> Lang {
    let asked = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_string)
    });
    auth::lang_of(&parts.headers, asked.as_deref())
}

impl FromRequestParts<App> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let lang = language(parts);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/console".into());
        let Some((session, session_hash)) = auth::session(app, &parts.headers)
            .await
            .map_err(|e| PageError::from(e).lang(lang).into_response())?
        else {
            let next = url_encode(&here);
            return Err(Redirect::to(&format!("/console/login?next={next}")).into_response());
        };
        let role = Role::parse(&session.user.role).unwrap_or(Role::Viewer);
        Ok(Ctx {
            user: session.user,
            role,
            csrf: session.csrf,
            lang,
            tz: app.time_zone.clone(),
            here,
            session_hash,
        })
    }
}

/// A form post from a logged-in session whose CSRF token matched, with its
/// fields parsed into `T`. A post from another origin, or without the
/// session's token, is refused before `T` is even read.
#[derive(Debug)]
pub struct Form<T> {
    /// The session.
    pub ctx: Ctx,
    /// The fields.
    pub form: T,
}

/// A form with no fields but its CSRF token (logout, approve, resolve).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<App> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, app).await?;
        let lang = ctx.lang;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), app)
            .await
            .map_err(|e| {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, e.body_text())
                    .lang(lang)
                    .into_response()
            })?;
        check_csrf(&parts.headers, &bytes, &ctx.csrf, lang).map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{e}"))
                .lang(lang)
                .into_response()
        })?;
        Ok(Form { ctx, form })
    }
}

/// Checks a form body's `csrf` field against `expected`, and that a
/// browser which says where the post came from says it came from here.
pub fn check_csrf(
    headers: &HeaderMap,
    body: &[u8],
    expected: &str,
    lang: Lang,
) -> Result<(), PageError> {
    let refused = || {
        PageError::new(
            StatusCode::FORBIDDEN,
            lang.t(
                "表单已过期或来自别处，请刷新页面后重试。",
                "This form is stale or came from another site; reload the page and try again.",
            ),
        )
        .lang(lang)
    };
    if !same_origin(headers) {
        return Err(refused());
    }
    let sent = serde_urlencoded::from_bytes::<CsrfField>(body)
        .ok()
        .and_then(|f| f.csrf)
        .unwrap_or_default();
    if auth::constant_time_eq(sent.as_bytes(), expected.as_bytes()) && !expected.is_empty() {
        Ok(())
    } else {
        Err(refused())
    }
}

/// False when the browser names an Origin whose host is not this request's.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

/// Percent-encodes a path for a query parameter.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// A page that could not be shown, as an HTML error page.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
    lang: Lang,
}

/// What console handlers answer.
pub type PageResult<T = Response> = Result<T, PageError>;

impl PageError {
    /// An error with a status and a sentence for the operator.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        PageError {
            status,
            message: message.into(),
            lang: Lang::En,
        }
    }

    /// The language of the error page.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Nothing with that id.
    pub fn not_found(lang: Lang) -> Self {
        PageError::new(StatusCode::NOT_FOUND, lang.t("没有找到。", "Not found.")).lang(lang)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::from(pond_app::Error::from(e))
    }
}

/// The one mapping from the application's errors to console pages: the
/// API's status for the same error, and its sentence.
impl From<pond_app::Error> for PageError {
    fn from(e: pond_app::Error) -> Self {
        PageError::from(ApiError::from(e))
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        // ApiError has already logged a 500 and hidden its cause.
        PageError::new(e.status, e.message)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let l = self.lang;
        let body = html! {
            (DOCTYPE)
            html lang=(l.t("zh-CN", "en")) {
                (head(l.t("出错了", "Something went wrong")))
                body.bare {
                    main.card {
                        h1 { (self.status.as_u16()) " · " (l.t("无法完成", "Could not do that")) }
                        p.error { (self.message) }
                        p { a href="/console" { (l.t("返回控制台", "Back to the console")) } }
                    }
                }
            }
        };
        (self.status, Html(body.into_string())).into_response()
    }
}

/// The console's sections, for the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// Overview.
    Overview,
    /// Programs.
    Programs,
    /// The referral review queue.
    Review,
    /// Members.
    Members,
    /// Groups.
    Groups,
    /// The complaints inbox.
    Complaints,
    /// Chat imports.
    Imports,
    /// The simulator.
    Simulator,
    /// Settings.
    Settings,
}

impl Nav {
    const ALL: [Nav; 9] = [
        Nav::Overview,
        Nav::Programs,
        Nav::Review,
        Nav::Members,
        Nav::Groups,
        Nav::Complaints,
        Nav::Imports,
        Nav::Simulator,
        Nav::Settings,
    ];

    fn href(self) -> &'static str {
        match self {
            Nav::Overview => "/console",
            Nav::Programs => "/console/programs",
            Nav::Review => "/console/review",
            Nav::Members => "/console/members",
            Nav::Groups => "/console/groups",
            Nav::Complaints => "/console/complaints",
            Nav::Imports => "/console/imports",
            Nav::Simulator => "/console/simulator",
            Nav::Settings => "/console/settings",
        }
    }

    fn label(self, l: Lang) -> &'static str {
        match self {
            Nav::Overview => l.t("概览", "Overview"),
            Nav::Programs => l.t("推荐计划", "Programs"),
            Nav::Review => l.t("待审推荐", "Review"),
            Nav::Members => l.t("会员", "Members"),
            Nav::Groups => l.t("社群", "Groups"),
            Nav::Complaints => l.t("投诉", "Complaints"),
            Nav::Imports => l.t("导入", "Imports"),
            Nav::Simulator => l.t("模拟", "Simulator"),
            Nav::Settings => l.t("设置", "Settings"),
        }
    }
}

/// The `<head>` of every console page. The empty icon keeps browsers from
/// asking for a /favicon.ico that does not exist (a console error).
pub(crate) fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Pond" }
            link rel="icon" href="data:,";
            link rel="stylesheet" href=(super::assets::css_url());
        }
    }
}

/// A whole console page: menu, language switch, account, and `body`.
pub fn layout(ctx: &Ctx, active: Nav, title: &str, body: Markup) -> Response {
    let l = ctx.lang;
    let other = match l {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let switch = format!(
        "/console/lang?to={}&back={}",
        other.0,
        url_encode(&strip_lang(&ctx.here))
    );
    let page = html! {
        (DOCTYPE)
        html lang=(l.t("zh-CN", "en")) {
            (head(title))
            body {
                header.top {
                    a.brand href="/console" { "Pond" }
                    nav {
                        @for item in Nav::ALL {
                            a href=(item.href()) class=[(item == active).then_some("on")] { (item.label(l)) }
                        }
                    }
                    div.account {
                        a.lang href=(switch) hreflang=(other.0) { (other.1) }
                        span.who { (ctx.user.username) " · " (auth::role_label(ctx.role, l)) }
                        form method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(ctx.csrf);
                            button.link type="submit" { (l.t("退出", "Log out")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    Html(page.into_string()).into_response()
}

/// `here` without a `lang=` parameter, so a switch back does not undo itself.
fn strip_lang(here: &str) -> String {
    match here.split_once('?') {
        None => here.to_string(),
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("lang=") && !kv.is_empty())
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
    }
}

/// The hidden CSRF field every console form carries.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_switch_drops_only_lang() {
        assert_eq!(
            strip_lang("/console/groups?sort=state&lang=zh"),
            "/console/groups?sort=state"
        );
        assert_eq!(strip_lang("/console?lang=en"), "/console");
        assert_eq!(strip_lang("/console"), "/console");
    }

    #[test]
    fn origin_must_match_host() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(
            header::HOST,
            "127.0.0.1:8080"
                .parse()
                .unwrap_or(header::HeaderValue::from_static("")),
        );
        h.insert(
            header::ORIGIN,
            header::HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            header::HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
