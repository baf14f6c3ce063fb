//! `GET /`: where a referral link lands when its program names no landing
//! page of its own. It tells the friend who invited them and what both get,
//! in Chinese or English by `Accept-Language`. (The full join page with
//! signup comes with the live-code work.)

use crate::App;
use crate::error::ApiResult;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Html;
use pond_core::code::ReferralCode;
use pond_core::program::Side;
use serde::Deserialize;

/// The query a referral redirect carries.
#[derive(Debug, Deserialize)]
pub struct Landing {
    /// The referral code.
    #[serde(rename = "ref")]
    pub code: Option<String>,
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn prefers_chinese(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("zh"))
}

/// `GET /`.
pub async fn page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<Landing>,
) -> ApiResult<Html<String>> {
    let zh = prefers_chinese(&headers);
    let mut invite = None;
    if let Some(code) = query.code.and_then(|c| ReferralCode::parse(&c).ok()) {
        let mut tx = app.store.read().await?;
        if let Some(link) = pond_store::links::by_code(&mut tx, code.as_str()).await? {
            let inviter = pond_store::members::get(&mut tx, link.member_id).await?;
            let program = pond_store::programs::get(&mut tx, link.program_id).await?;
            if let (Some(m), Some(p)) = (inviter, program) {
                let gift = |side: Side| {
                    p.spec
                        .rewards
                        .iter()
                        .filter(|r| r.side == side)
                        .map(|r| format!("{} {}", r.amount, r.unit))
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                invite = Some((
                    m.name.unwrap_or_default(),
                    p.spec.name,
                    gift(Side::Invitee),
                    gift(Side::Inviter),
                    code,
                ));
            }
        }
    }
    let body = match (invite, zh) {
        (Some((who, program, you, them, code)), true) => format!(
            "<h1>{} 邀请你加入「{}」</h1><p>你将获得：<b>{}</b>；{} 也将获得：<b>{}</b>。</p>\
             <p>在店里或下单时出示邀请码 <code>{}</code> 即可。</p>",
            esc(if who.is_empty() { "好友" } else { &who }), esc(&program), esc(&you), esc(if who.is_empty() { "好友" } else { &who }), esc(&them), code
        ),
        (Some((who, program, you, them, code)), false) => format!(
            "<h1>{} invited you to “{}”</h1><p>You get <b>{}</b>, and {} gets <b>{}</b>.</p>\
             <p>Show the code <code>{}</code> in the shop or at checkout.</p>",
            esc(if who.is_empty() { "A friend" } else { &who }), esc(&program), esc(&you), esc(if who.is_empty() { "your friend" } else { &who }), esc(&them), code
        ),
        (None, true) => "<h1>Pond 正在运行</h1><p>接口文档：<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>".to_string(),
        (None, false) => "<h1>Pond is running</h1><p>API: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>".to_string(),
    };
    Ok(Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Pond</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         code{{font-size:1.3em;letter-spacing:.1em}}</style></head><body>{body}</body></html>",
        if zh { "zh-CN" } else { "en" }
    )))
}
