//! `/j/{code}`: the public door of a live code. A phone page (plain HTML,
//! no script, so WeChat's in-app browser shows it as is) with the chosen
//! group's QR image to long-press, or a friendly "full" page. Also serves
//! the group QR images and the live code's own QR.

use super::visit;
use crate::App;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::landing::{esc, prefers_chinese};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pond_store::livecodes::{LiveCode, Target};
use serde::Deserialize;

/// The query a live code's link may carry.
#[derive(Debug, Deserialize)]
pub struct Entry {
    /// A `state` tag for this entry point, overriding the live code's own
    /// (one live code printed on several flyers, say).
    pub state: Option<String>,
}

/// `GET /j/{code}`: choose a group and show its QR, or the "full" page.
/// Both answer 200: some in-app browsers replace a 5xx page with their own
/// error screen, and the visitor should read ours.
pub async fn follow(
    State(app): State<App>,
    Path(code): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
    query: Result<Query<Entry>, QueryRejection>,
) -> ApiResult<Response> {
    let state =
        query
            .ok()
            .and_then(|Query(q)| q.state)
            .and_then(|s| match pond_core::livecode::state_tag(&s) {
                Ok(s) => Some(s),
                Err(e) => {
                    // A misprinted tag must not lock visitors out: count the
                    // visit under the live code's own tag instead.
                    tracing::info!(%code, error = %e, "ignored a bad state tag");
                    None
                }
            });
    // The client's address alone: with the user agent in the key, a script
    // that varies it took a seat per request and filled every group. The
    // cost is that customers behind one address (the shop's Wi-Fi) share a
    // seat for the repeat window, and see the same group.
    let visitor = app.hash(&client.key());
    let now = app.now();
    let v = app
        .store
        .write(move |tx| {
            Box::pin(async move { visit(tx, &code, state, Some(&visitor), now).await })
        })
        .await?;
    let zh = prefers_chinese(&headers);
    let body = match &v.target {
        Some(t) => group_page(&v.livecode, t, zh),
        None => full_page(&v.livecode, zh),
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Each open is a fresh choice; no cache may answer for us.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

fn shell(zh: bool, title: &str, body: &str) -> String {
    crate::landing::html_page(
        if zh { "zh-CN" } else { "en" },
        title,
        "body{font-family:system-ui,sans-serif;max-width:26rem;margin:1.5rem auto;padding:0 1rem;\
         line-height:1.5;text-align:center}img{width:100%;max-width:18rem;height:auto}.hint{color:#555}",
        body,
    )
}

fn group_page(lc: &LiveCode, t: &Target, zh: bool) -> String {
    let ext = if t.qr_mime.as_deref() == Some("image/jpeg") {
        "jpg"
    } else {
        "png"
    };
    // The expiry in the address makes a freshly uploaded QR bypass caches.
    let img = format!(
        "/j/{}/qr/{}.{ext}?v={}",
        lc.code,
        t.id,
        t.qr_expires_at.unwrap_or(0)
    );
    let name = esc(&t.name);
    let body = if zh {
        format!(
            "<h1>{name}</h1><p><img src=\"{img}\" alt=\"群二维码\"></p>\
             <p><b>长按上方二维码，识别后加入群聊</b></p>\
             <p class=\"hint\">无法识别时，请截图后在微信中扫一扫。</p>"
        )
    } else {
        format!(
            "<h1>{name}</h1><p><img src=\"{img}\" alt=\"Group QR code\"></p>\
             <p><b>Long-press the QR code above to scan it and join the group.</b></p>\
             <p class=\"hint\">If that does not work, take a screenshot and scan it in WeChat.</p>"
        )
    };
    shell(zh, &t.name, &body)
}

fn full_page(lc: &LiveCode, zh: bool) -> String {
    let body = if zh {
        "<h1>群已满员</h1><p>感谢你的关注！目前所有群都满了，我们正在开新群。</p>\
         <p class=\"hint\">请稍后再扫一次，或直接联系店员。</p>"
    } else {
        "<h1>All groups are full</h1><p>Thank you for coming! Every group is full right now; \
         we are opening a new one.</p><p class=\"hint\">Please scan again a little later, \
         or ask the shop's staff.</p>"
    };
    shell(zh, &lc.name, &format!("<div id=\"full\">{body}</div>"))
}

/// `GET /j/{code}/qr/{target}.png` (or `.jpg`): a target's uploaded group QR.
pub async fn target_qr(
    State(app): State<App>,
    Path((code, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let missing = || ApiError::not_found("group QR image");
    let id: i64 = file
        .split_once('.')
        .map_or(file.as_str(), |(id, _)| id)
        .parse()
        .map_err(|_| missing())?;
    let mut tx = app.store.read().await?;
    let lc = super::find(&mut tx, &code).await?;
    let (bytes, mime) = pond_store::livecodes::qr_image(&mut tx, lc.id, id)
        .await?
        .ok_or_else(missing)?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=300".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn link(app: &App, code: &str) -> ApiResult<String> {
    let mut tx = app.store.read().await?;
    let lc = super::find(&mut tx, code).await?;
    Ok(super::url(&app.public_url, &lc.code))
}

/// `GET /j/{code}/qr.png`: the live code's own QR, to print.
pub async fn qr_png(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let png = crate::qr::png(&link(&app, &code).await?).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// `GET /j/{code}/qr.svg`.
pub async fn qr_svg(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let svg = crate::qr::svg(&link(&app, &code).await?).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
