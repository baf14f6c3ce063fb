//! What a customer's phone is answered on the public doors (`/r/`, `/j/`,
//! `/me/`, `/join`, `/privacy`), whatever the handler behind them said.
//!
//! Handlers answer failures in the API's JSON; a customer who opens a stale
//! link must instead read, in their language, what happened and what to do.
//! One layer does that for every public door, so a new door cannot forget:
//! a 404 or 429 that is not already a page becomes one, unless the client
//! asked for JSON (`Accept: application/json`), as the shop's own systems
//! and the tests do. The same layer gives these pages the console's
//! framing rules and a Content-Security-Policy.

use crate::join::Lang;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The public doors this layer looks after.
const PUBLIC: [&str; 5] = ["/r/", "/j/", "/me/", "/join", "/privacy"];

/// The console's policy, with inline styles allowed: each public page is
/// one self-contained document with its own `<style>` and no script at all
/// (`default-src 'none'` forbids every script, inline or not).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn is_public(path: &str) -> bool {
    PUBLIC.iter().any(|p| {
        if p.ends_with('/') {
            path.starts_with(p)
        } else {
            path == *p
        }
    })
}

/// Whether the client asked for JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// The language of a page: `?lang=` first, then the browser's.
fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let asked = query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_owned)
    });
    Lang::pick(asked.as_deref(), headers)
}

/// The middleware: wraps every request, touches only the public doors.
pub async fn friendly(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if !is_public(&path) {
        return next.run(req).await;
    }
    let json = wants_json(req.headers());
    let lang = lang_of(req.uri().query(), req.headers());
    let mut res = next.run(req).await;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let status = res.status();
    if !json
        && !is_page
        && matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::TOO_MANY_REQUESTS
        )
    {
        res = page(status, lang);
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    res
}

/// The small page for a failure on a public door.
pub fn page(status: StatusCode, lang: Lang) -> Response {
    let (title, what, todo) = if status == StatusCode::TOO_MANY_REQUESTS {
        (
            lang.t("请稍后再试", "Please wait a moment"),
            lang.t(
                "这个网络连接打开链接的次数太多了。",
                "This connection has opened links too many times.",
            ),
            lang.t(
                "请等一分钟后再打开链接。",
                "Wait a minute, then open the link again.",
            ),
        )
    } else {
        (
            lang.t("这个链接已失效", "This link no longer works"),
            lang.t(
                "链接可能已过期、被停用，或者没有复制完整。",
                "It may have expired, been switched off, or been copied only in part.",
            ),
            lang.t(
                "请向店家要一个新的链接或二维码。",
                "Ask the shop for a new link or QR code.",
            ),
        )
    };
    let body = format!(
        "<main><h1 id=\"problem\">{title}</h1><p>{what}</p><p id=\"todo\"><b>{todo}</b></p></main>"
    );
    let html = crate::landing::html_page(
        match lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        },
        title,
        "body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;\
         line-height:1.5;text-align:center;overflow-wrap:anywhere}h1{font-size:1.4rem}",
        &body,
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_paths_are_public_doors() {
        for p in [
            "/r/ABC",
            "/r/ABC/poster.png",
            "/j/x",
            "/me/1.ab",
            "/join",
            "/privacy",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/api/v1/members",
            "/console/login",
            "/joiner",
            "/healthz",
            "/",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }
}
