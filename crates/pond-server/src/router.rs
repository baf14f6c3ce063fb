//! The whole HTTP surface: the API, the public pages, the hooks and the
//! console, with the layers every request passes.

use crate::api::{self, posters};
use crate::{App, BODY_LIMIT, redirect};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Every route of a running server.
pub fn router(app: App) -> Router {
    Router::new()
        .nest("/api/v1", api::routes())
        .route("/r/{code}", get(redirect::follow))
        .route("/r/{code}/qr.svg", get(redirect::qr_svg))
        .route("/r/{code}/qr.png", get(redirect::qr_png))
        .route("/r/{code}/poster.png", get(posters::link_poster))
        .route("/j/{code}", get(crate::livecodes::page::follow))
        .route("/j/{code}/qr.png", get(crate::livecodes::page::qr_png))
        .route("/j/{code}/qr.svg", get(crate::livecodes::page::qr_svg))
        .route(
            "/j/{code}/qr/{file}",
            get(crate::livecodes::page::target_qr),
        )
        .route("/", get(crate::landing::page))
        .route("/join", get(crate::join::form).post(crate::join::submit))
        .route("/privacy", get(crate::join::privacy))
        .route("/healthz", get(|| async { "ok" }))
        .route("/hooks/telegram", post(crate::hooks::telegram))
        .route(
            "/hooks/wecom",
            get(crate::hooks::wecom::verify).post(crate::hooks::wecom::event),
        )
        .merge(crate::console::router())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
