//! The operator console: server-rendered pages under `/console`, in 中文
//! and English, behind a login. Every page is plain HTML and CSS with its
//! charts drawn on the server as inline SVG, so it needs no script, no Node
//! build and no asset outside the binary.
//!
//! Each page module owns its routes' handlers; they read through the same
//! store calls as the API and change things through the same transaction
//! scripts, so the console and the API cannot drift. Handlers take a
//! [`Ctx`] (a logged-in session) to read and a [`Form`] (a session plus a
//! checked CSRF token) to change anything, and ask [`Ctx::require`] for
//! the role a change needs: the server refuses, not only the buttons.

pub mod assets;
pub mod auth;
pub mod charts;
pub mod community_charts;
pub mod complaints;
pub mod customer;
pub mod fmt;
pub mod groups;
pub mod import_jobs;
pub mod imports;
pub mod members;
pub mod overview;
mod page;
pub mod privacy;
pub mod programs;
pub mod review;
pub mod settings;
pub mod simulator;

pub use auth::Role;
pub use page::{Ctx, Form, Nav, NoFields, PageError, PageResult, csrf_field, layout};

use crate::App;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// The console's routes, to be merged at the root.
pub fn router() -> Router<App> {
    Router::new()
        .route("/console", get(overview::page))
        .route("/console/", get(overview::page))
        .route("/console/login", get(auth::login_form).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .route("/console/setup", get(auth::setup_form).post(auth::setup))
        .route("/console/lang", get(auth::switch_language))
        .route("/console/assets/{file}", get(assets::serve))
        .merge(programs::routes())
        .merge(review::routes())
        .merge(privacy::routes())
        .merge(members::routes())
        .merge(customer::routes())
        .merge(groups::routes())
        .merge(complaints::routes())
        .merge(imports::routes())
        .merge(simulator::routes())
        .merge(settings::routes())
        // Pages that hold forms must not be framed by another site
        // (clickjacking), and need nothing but themselves: no script at
        // all, styles and images from here (charts are inline SVG, the
        // icon a data: URL). A violation shows in the browser console,
        // which the browser tests read.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// A group state's name in the page's language.
pub fn state_label(l: crate::join::Lang, state: &str) -> &'static str {
    match state {
        "new" => l.t("新群", "new"),
        "active" => l.t("活跃", "active"),
        "declining" => l.t("衰退", "declining"),
        "dormant" => l.t("沉寂", "dormant"),
        "dead" => l.t("已死", "dead"),
        _ => l.t("未知", "unknown"),
    }
}
