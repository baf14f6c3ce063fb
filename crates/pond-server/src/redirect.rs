//! `/r/{code}`: the public door of a referral link. It records the click
//! (IP and user agent as keyed hashes; one per visitor per hour), remembers
//! the first touch in a cookie, and sends the visitor to the program's
//! landing page with the code attached. Also serves the link's QR code.

use crate::App;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use pond_core::code::ReferralCode;

/// The cookie holding the first code a visitor arrived with.
const COOKIE: &str = "pond_ref";

/// Repeat opens of one link from one address within this window are one
/// click: a refresh or a script must not inflate a member's numbers.
const CLICK_WINDOW: SignedDuration = SignedDuration::from_hours(1);

async fn link_of(app: &App, code: &str) -> ApiResult<pond_store::links::Link> {
    let unknown = || ApiError::not_found("referral code");
    let code = ReferralCode::parse(code).map_err(|_| unknown())?;
    let mut tx = app.store.read().await?;
    pond_store::links::by_code(&mut tx, code.as_str())
        .await?
        .ok_or_else(unknown)
}

/// The public URL of a link.
pub fn link_url(app: &App, code: &str) -> String {
    format!("{}/r/{code}", app.public_url)
}

/// `GET /r/{code}`: record the click and redirect.
pub async fn follow(
    State(app): State<App>,
    Path(code): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ip = app.hash(&client.key());
    if app.click_limiter.check_key(&ip).is_err() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many opens from this address; wait a minute",
        ));
    }
    let link = link_of(&app, &code).await?;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| app.hash(ua));
    let now = app.now();
    let (link_id, program_id) = (link.id, link.program_id);
    let since = now
        .checked_sub(CLICK_WINDOW)
        .unwrap_or(jiff::Timestamp::MIN);
    let program = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                if !pond_store::links::clicked_since(tx, link_id, &ip, since).await? {
                    pond_store::links::record_click(tx, link_id, Some(&ip), ua.as_deref(), now)
                        .await?;
                }
                pond_store::programs::get(tx, program_id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("program"))
            })
        })
        .await?;

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

/// `GET /r/{code}/qr.svg`.
pub async fn qr_svg(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let link = link_of(&app, &code).await?;
    let svg = crate::qr::svg(&link_url(&app, &link.code)).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `GET /r/{code}/qr.png`.
pub async fn qr_png(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let link = link_of(&app, &code).await?;
    let png = crate::qr::png(&link_url(&app, &link.code)).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
