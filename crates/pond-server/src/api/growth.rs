//! `/api/v1/growth` and `/api/v1/groups/funnel`: how members arrive and
//! bring friends, and what each chat group does for the shop.

use super::params::Q;
use crate::App;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;
use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use pond_app::funnel::{self, FunnelReport};
use pond_app::growth::ByState;
use pond_app::growth::{self, GrowthReport, Options, Period};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The growth report's period and options.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GrowthQuery {
    /// First day, YYYY-MM-DD in the shop's time zone (default: 365 days
    /// ending on `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
    /// Length of the periods in K by period, 1 to 366 days (default 30).
    pub period_days: Option<u32>,
    /// In K by period, count only friends who joined within this many days
    /// of their inviter (default: all).
    pub within_days: Option<u32>,
}

/// Growth analytics: members, growth multiple, K overall, per monthly
/// cohort and per period (with invites × conversion where clicks are
/// known), generations, direct referrals, viral cycle time, and organic
/// against incentivised referral with a verdict against the 15 % benchmark.
#[utoipa::path(get, path = "/api/v1/growth", operation_id = "growth_report", tag = "growth", params(GrowthQuery),
    responses((status = 200, body = GrowthReport), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn report(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<GrowthQuery>,
) -> ApiResult<Json<GrowthReport>> {
    let period = period(&app, q.from.as_deref(), q.to.as_deref(), 365)?;
    let defaults = Options::default();
    let options = Options {
        period_days: q.period_days.unwrap_or(defaults.period_days),
        within_days: q.within_days,
    };
    let zone = app.time_zone.clone();
    Ok(Json(
        app.read(move |tx| {
            Box::pin(async move { growth::report(tx, &zone, period, options).await })
        })
        .await?,
    ))
}

/// The funnel's period.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// First day, YYYY-MM-DD in the shop's time zone (default: 30 days
    /// ending on `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
}

/// The community funnel per group and per channel: joins (acceptance),
/// orders and revenue from linked members (realization), friends they
/// referred (fission).
#[utoipa::path(get, path = "/api/v1/groups/funnel", operation_id = "growth_funnel", tag = "groups", params(FunnelQuery),
    responses((status = 200, body = FunnelReport), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn funnel(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<FunnelQuery>,
) -> ApiResult<Json<FunnelReport>> {
    let period = period(&app, q.from.as_deref(), q.to.as_deref(), 30)?;
    Ok(Json(
        app.read(move |tx| Box::pin(funnel::report(tx, period)))
            .await?,
    ))
}

/// Customers adding and deleting the shop's staff (WeCom callbacks).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactsReport {
    /// First day.
    #[schema(value_type = String)]
    pub from: jiff::civil::Date,
    /// Last day, inclusive.
    #[schema(value_type = String)]
    pub to: jiff::civil::Date,
    /// Customers who added staff: acceptance.
    pub added: i64,
    /// Customers who deleted staff or were deleted: churn.
    pub removed: i64,
    /// `added - removed`.
    pub net: i64,
    /// Per entry point (`state` tag of the live code or contact way; empty
    /// for customers who came another way), most additions first.
    #[schema(value_type = Vec<Object>)]
    pub by_state: Vec<ByState>,
}

/// Acceptance and churn of customer contacts, per entry point, from the
/// WeCom `change_external_contact` callbacks.
#[utoipa::path(get, path = "/api/v1/contacts", operation_id = "growth_contacts", tag = "growth", params(FunnelQuery),
    responses((status = 200, body = ContactsReport), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn contacts(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<FunnelQuery>,
) -> ApiResult<Json<ContactsReport>> {
    let period = period(&app, q.from.as_deref(), q.to.as_deref(), 30)?;
    let by_state = growth::contacts(&app, &period).await?;
    let added = by_state.iter().map(|s| s.added).sum();
    let removed = by_state.iter().map(|s| s.removed).sum();
    Ok(Json(ContactsReport {
        from: period.from,
        to: period.to,
        added,
        removed,
        net: added - removed,
        by_state,
    }))
}

fn period(app: &App, from: Option<&str>, to: Option<&str>, days: i64) -> ApiResult<Period> {
    let today = app.time_zone.to_datetime(Timestamp::now()).date();
    Ok(Period::parse(&app.time_zone, from, to, today, days)?)
}
