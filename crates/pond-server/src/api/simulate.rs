//! `/api/v1/simulate`: a campaign's likely outcome before anyone's trust is
//! spent, its charts, and the K and cycle time fitted from the shop's
//! history that serve as its defaults.

use super::params::Q;
use crate::App;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Json as Body};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pond_app::plot::{self, Format};
use pond_app::simulate::ReferralGraph;
use pond_app::simulate::{self, FitReport, GraphKind, Limits, Outcome, SimulateRequest};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

/// One simulation at a time: each already uses every core (rayon), so a
/// second would only slow both, and a queue keeps the API responsive.
static GATE: Semaphore = Semaphore::const_new(1);
/// How long a request waits for the simulator before answering 503.
const WAIT: Duration = Duration::from_secs(30);

/// Simulate a referral campaign (Monte Carlo): the expected growth curve
/// with its 5–95 % band, generation sizes, extinction probability and trust
/// spent. Deterministic for a given `seed`. Without `k`, `conversion` and
/// `cycle_days`, K and cycle time come from the shop's history
/// (`defaults_from_fit` says which).
#[utoipa::path(post, path = "/api/v1/simulate", operation_id = "simulate_simulate", tag = "simulate", request_body = SimulateRequest,
    responses((status = 200, body = Object), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn simulate(
    State(app): State<App>,
    _: Caller,
    Body(req): Body<SimulateRequest>,
) -> ApiResult<Json<Outcome>> {
    Ok(Json(outcome(&app, req).await?))
}

/// Which picture.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlotQuery {
    /// svg (default) or png.
    #[param(schema_with = super::params::plot_formats)]
    pub format: Option<String>,
    /// growth (default: mean and 5–95 % band), generations (bars), or k
    /// (K over time from the history; the body is not simulated).
    #[param(schema_with = super::params::plot_charts)]
    pub chart: Option<String>,
}

/// The simulation's chart as SVG or PNG (800 × 480).
#[utoipa::path(post, path = "/api/v1/simulate/plot", operation_id = "simulate_plot", tag = "simulate", request_body = SimulateRequest,
    params(PlotQuery),
    responses((status = 200, description = "image/svg+xml or image/png"), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn plot(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<PlotQuery>,
    Body(req): Body<SimulateRequest>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None => Format::Svg,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ApiError::bad_request("invalid_query", format!("format `{f}`: use svg or png"))
                .field("format")
        })?,
    };
    let chart = q.chart.as_deref().unwrap_or("growth");
    let image = match chart {
        "growth" | "generations" => {
            let o = outcome(&app, req).await?;
            let draw = if chart == "growth" {
                plot::growth
            } else {
                plot::generations
            };
            draw(&o.result, format)
        }
        "k" => {
            let history = load(&app).await?;
            let fit = simulate::fit(&history, app.now(), &app.time_zone)?;
            plot::k_over_time(&fit.k_points(), format)
        }
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("chart `{other}`: use growth, generations or k"),
            )
            .field("chart"));
        }
    };
    let bytes = image.map_err(|e| match e {
        plot::PlotError::Empty(why) => ApiError::unprocessable("nothing_to_plot", why),
        e => ApiError::internal(&e),
    })?;
    Ok(([(header::CONTENT_TYPE, format.content_type())], bytes).into_response())
}

/// K and cycle time fitted from the shop's referrals: K is successful
/// (qualified) referrals per member over members at least 60 days old,
/// counting each one's first 60 days; cycle time is the median days from
/// joining to the first of them. With the counts they rest on, and K by
/// 30-day join period.
#[utoipa::path(get, path = "/api/v1/simulate/fit", operation_id = "simulate_fit", tag = "simulate",
    responses((status = 200, body = FitReport)), security(("bearer" = [])))]
pub async fn fit(State(app): State<App>, _: Caller) -> ApiResult<Json<FitReport>> {
    let history = load(&app).await?;
    Ok(Json(simulate::fit(&history, app.now(), &app.time_zone)?))
}

async fn load(app: &App) -> ApiResult<ReferralGraph> {
    Ok(simulate::history(app).await?)
}

/// Loads the history if the request needs it, plans, and runs the
/// simulation on a blocking thread, one at a time.
pub(crate) async fn outcome(app: &App, req: SimulateRequest) -> ApiResult<Outcome> {
    let wants_fit = (req.k.is_none() && req.conversion.is_none()) || req.cycle_days.is_none();
    let wants_graph = req.graph == Some(GraphKind::Referrals);
    let history = if wants_fit || wants_graph {
        Some(load(app).await?)
    } else {
        None
    };
    let fit = match &history {
        Some(h) if wants_fit => Some(simulate::fit(h, app.now(), &app.time_zone)?),
        _ => None,
    };
    let plan = simulate::plan(&req, fit.as_ref(), &Limits::API)?;
    let _permit = tokio::time::timeout(WAIT, GATE.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the simulator is busy with other requests; retry shortly",
            )
        })?;
    let history = if wants_graph { history } else { None };
    Ok(
        tokio::task::spawn_blocking(move || simulate::run(&plan, history.as_ref()))
            .await
            .map_err(|e| ApiError::internal(&e))??,
    )
}
