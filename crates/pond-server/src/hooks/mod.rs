//! Doors that chat platforms call: the Telegram bot webhook here, the
//! WeCom callback in [`wecom`].
//!
//! Telegram signs nothing; it echoes the secret token given to `setWebhook`
//! in `X-Telegram-Bot-Api-Secret-Token`. A request without the right token
//! is refused before its body is read as an update.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

pub mod wecom;

use crate::App;
use crate::error::{ApiError, ApiResult};
pub use pond_app::HookSecret;

/// `POST /hooks/telegram`: one Bot API update; its messages, joins and
/// leaves land in the group's history, exactly once.
pub async fn telegram(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let Some(secret) = &app.config.telegram_secret else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "telegram_not_configured",
            "the Telegram webhook is off: set POND_TELEGRAM_SECRET and pass it to setWebhook as secret_token",
        ));
    };
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .map_or(&[][..], |v| v.as_bytes());
    if !secret.matches(given) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_secret_token",
            "X-Telegram-Bot-Api-Secret-Token is missing or wrong",
        ));
    }
    let events = pond_import::telegram_update(&body)
        .map_err(|e| ApiError::unprocessable("invalid_update".to_string(), e.to_string()))?;
    let count = events.len();
    if count > 0 {
        // Live messages raise complaint alerts whatever their age.
        pond_app::community::groups::ingest_hook(&app, events).await?;
    }
    Ok(axum::Json(serde_json::json!({ "events": count })))
}
