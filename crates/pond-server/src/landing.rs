//! `GET /`: the server's front door. A visitor who arrives with a referral
//! code (`/?ref=CODE`, from older links) is sent on to the hosted join
//! page; anyone else learns that Pond runs here, in Chinese or English by
//! `Accept-Language`.

use axum::extract::Query;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The query a referral redirect carries.
#[derive(Debug, Deserialize)]
pub struct Landing {
    /// The referral code.
    #[serde(rename = "ref")]
    pub code: Option<String>,
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Whether the browser's first language is Chinese.
pub(crate) fn prefers_chinese(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("zh"))
}

/// A public page for phones: the document around `body`, in `lang`
/// (`zh-CN` or `en`), with the page's own `css`. `title` is escaped.
pub(crate) fn html_page(lang: &str, title: &str, css: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\
         <style>{css}</style></head><body>{body}</body></html>",
        esc(title)
    )
}

/// `GET /`.
pub async fn page(headers: HeaderMap, Query(query): Query<Landing>) -> Response {
    if let Some(code) = query
        .code
        .filter(|c| pond_core::code::ReferralCode::parse(c).is_ok())
    {
        return Redirect::to(&format!("/join?ref={code}")).into_response();
    }
    let (lang, body) = if prefers_chinese(&headers) {
        (
            "zh-CN",
            "<h1>Pond 正在运行</h1><p>接口文档：<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>",
        )
    } else {
        (
            "en",
            "<h1>Pond is running</h1><p>API: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>",
        )
    };
    Html(html_page(
        lang,
        "Pond",
        "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}",
        body,
    ))
    .into_response()
}
