//! The JSON API under `/api/v1`, the public redirects, and the router.

mod alerts;
mod groups;
mod growth;
mod livecodes;
mod members;
mod notices;
mod params;
mod posters;
mod privacy;
mod programs;
mod referrals;
pub(crate) mod simulate;
mod trust;
pub mod webhooks;

use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::{App, BODY_LIMIT, redirect};

/// Largest live batch body: 1,000 events with text.
const LIVE_BODY_LIMIT: usize = 4 << 20;

/// The OpenAPI document as pretty JSON (for `pond openapi` and docs/).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI document, generated from the handlers and types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Pond API", version = "1", description = "Referral programs that pay both sides, exactly once, and never like a pyramid."),
    paths(
        programs::create, programs::list, programs::get_one, programs::patch, programs::link,
        members::create, members::list, members::get_one, members::balances, members::ledger, members::redeem,
        referrals::attribute, referrals::list, referrals::get_one, referrals::approve, referrals::reject,
        referrals::event,
        groups::list, groups::report_all, groups::get_one, groups::messages, groups::live,
        groups::import, groups::staff, groups::people,
        alerts::list, alerts::acknowledge, alerts::resolve, alerts::terms, alerts::add_term,
        simulate::simulate, simulate::plot, simulate::fit,
        trust::ask, trust::member, trust::can_ask, trust::member_signal, trust::group,
        trust::group_signal, trust::program,
        growth::report, growth::funnel, growth::contacts,
        notices::list, notices::resolve,
        webhooks::create, webhooks::list, webhooks::get_one, webhooks::disable, webhooks::enable,
        webhooks::deliveries, webhooks::delivery, webhooks::replay,
        livecodes::create, livecodes::list, livecodes::get_one, livecodes::patch,
        livecodes::add_target, livecodes::patch_target, livecodes::put_qr,
        posters::put_template, posters::get_template, posters::member_poster,
        privacy::export, privacy::erase, privacy::set_tags,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer),
    tags((name = "programs"), (name = "members"), (name = "referrals"), (name = "events"), (name = "groups"), (name = "trust"), (name = "notices"), (name = "webhooks"), (name = "livecodes")),
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = api.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The whole HTTP surface.
pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/programs", post(programs::create).get(programs::list))
        .route(
            "/programs/{id}",
            get(programs::get_one).patch(programs::patch),
        )
        .route("/programs/{id}/links", post(programs::link))
        .route("/members", post(members::create).get(members::list))
        .route("/members/{id}", get(members::get_one))
        .route("/members/{id}/balances", get(members::balances))
        .route("/members/{id}/ledger", get(members::ledger))
        .route("/members/{id}/redemptions", post(members::redeem))
        // A customer's data (issue 21).
        .route("/members/{id}/export", get(privacy::export))
        .route("/members/{id}/erase", post(privacy::erase))
        .route("/members/{id}/tags", put(privacy::set_tags))
        .route(
            "/referrals",
            post(referrals::attribute).get(referrals::list),
        )
        .route("/referrals/{id}", get(referrals::get_one))
        .route("/referrals/{id}/approve", post(referrals::approve))
        .route("/referrals/{id}/reject", post(referrals::reject))
        .route("/events", post(referrals::event))
        .route("/groups", get(groups::list))
        .route("/groups/report", get(groups::report_all))
        .route("/groups/funnel", get(growth::funnel))
        .route("/growth", get(growth::report))
        .route("/contacts", get(growth::contacts))
        .route("/groups/{id}", get(groups::get_one))
        .route("/groups/{id}/messages", get(groups::messages))
        .route("/groups/{id}/people", get(groups::people))
        .route(
            "/groups/{id}/events",
            post(groups::live).layer(DefaultBodyLimit::max(LIVE_BODY_LIMIT)),
        )
        .route("/groups/{id}/people/{person}/staff", post(groups::staff))
        .route("/notices", get(notices::list))
        .route("/notices/{id}/resolve", post(notices::resolve))
        // Outbound webhooks (docs/webhooks.md).
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks/{id}", get(webhooks::get_one))
        .route("/webhooks/{id}/disable", post(webhooks::disable))
        .route("/webhooks/{id}/enable", post(webhooks::enable))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}",
            get(webhooks::delivery),
        )
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/replay",
            post(webhooks::replay),
        )
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route(
            "/complaint-terms",
            get(alerts::terms).post(alerts::add_term),
        )
        // The trust budget (docs/trust.md).
        .route("/asks", post(trust::ask))
        .route("/members/{id}/trust", get(trust::member))
        .route("/members/{id}/can-ask", get(trust::can_ask))
        .route("/members/{id}/trust-signals", post(trust::member_signal))
        .route("/groups/{id}/trust", get(trust::group))
        .route("/groups/{id}/trust-signals", post(trust::group_signal))
        .route("/programs/{id}/trust", get(trust::program))
        // The upload streams to a temporary file under its own limit.
        .route(
            "/imports",
            post(groups::import).layer(DefaultBodyLimit::disable()),
        )
        // Live codes (docs/api.md, "Live codes").
        .route("/livecodes", post(livecodes::create).get(livecodes::list))
        .route(
            "/livecodes/{code}",
            get(livecodes::get_one).patch(livecodes::patch),
        )
        .route("/livecodes/{code}/targets", post(livecodes::add_target))
        .route(
            "/livecodes/{code}/targets/{target_id}",
            patch(livecodes::patch_target),
        )
        .route(
            "/livecodes/{code}/targets/{target_id}/qr",
            put(livecodes::put_qr).layer(DefaultBodyLimit::max(livecodes::QR_LIMIT)),
        )
        // Member posters.
        .route(
            "/programs/{id}/poster",
            put(posters::put_template)
                .get(posters::get_template)
                .layer(DefaultBodyLimit::max(posters::TEMPLATE_LIMIT)),
        )
        .route("/members/{id}/poster.png", get(posters::member_poster))
        .route("/simulate", post(simulate::simulate))
        .route("/simulate/plot", post(simulate::plot))
        .route("/simulate/fit", get(simulate::fit))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api)
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
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn not_found() -> impl IntoResponse {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
