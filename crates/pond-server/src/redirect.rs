//! `/r/{code}`: the public door of a referral link. It records the click
//! (IP and user agent as keyed hashes), remembers the first touch in a
//! cookie, and sends the visitor to the program's landing page with the
//! code attached. Also serves the link's QR code.

use crate::App;
use crate::error::{ApiError, ApiResult};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pond_app::referrals::{self, Link};
use std::net::SocketAddr;

/// The cookie holding the first code a visitor arrived with.
const COOKIE: &str = "pond_ref";

async fn link_of(app: &App, code: &str) -> ApiResult<Link> {
    Ok(referrals::link_by_code(app, code).await?)
}

/// The public URL of a link.
pub fn link_url(app: &App, code: &str) -> String {
    app.link_url(code)
}

/// `GET /r/{code}`: record the click and redirect.
pub async fn follow(
    State(app): State<App>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let link = link_of(&app, &code).await?;
    let ip = client_ip(&headers, peer);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| app.hash(ua));
    let now = app.now();
    let program = referrals::click(&app, &link, app.hash(&ip), ua, now).await?;

    let landing = program
        .spec
        .landing_url
        .unwrap_or_else(|| format!("{}/join", app.public_url));
    let sep = if landing.contains('?') { '&' } else { '?' };
    let target = format!("{landing}{sep}ref={}", link.code);
    let mut r = (StatusCode::FOUND, [(header::LOCATION, target)]).into_response();
    let first_touch = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.split(';').any(|p| p.trim().starts_with(COOKIE)));
    if !first_touch {
        let window = 60 * 60 * 24 * u64::from(program.spec.attribution_window_days);
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; Max-Age={window}; Path=/; HttpOnly; SameSite=Lax",
            link.code
        )) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// The visitor's IP: the peer address, or the first `X-Forwarded-For` hop
/// when Pond runs behind the shop's reverse proxy.
pub(crate) fn client_ip(headers: &HeaderMap, peer: SocketAddr) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| peer.ip().to_string())
}

/// `GET /r/{code}/qr.svg`.
pub async fn qr_svg(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let link = link_of(&app, &code).await?;
    let svg = pond_app::qr::svg(&link_url(&app, &link.code)).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `GET /r/{code}/qr.png`.
pub async fn qr_png(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let link = link_of(&app, &code).await?;
    let png = pond_app::qr::png(&link_url(&app, &link.code)).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
