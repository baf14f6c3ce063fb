//! The simulator as the shop uses it: one request (from the API or
//! `pond simulate`) turned into a campaign over an unlimited market, a
//! synthetic friendship graph or the shop's own referral graph, with K and
//! cycle time defaulting to what the shop's history shows.
//!
//! The math lives in `pond-growth`; this module owns the defaults, the
//! limits that keep one request from occupying the server, the fit over the
//! stored history, and the conversion of stored referrals into a graph.

use crate::error::Error;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pond_growth::fit::{FitOptions, ObservedReferral};
use pond_growth::{CampaignParams, Graph, GrowthError, SimulationResult};
pub use pond_store::referral_graph::ReferralGraph;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const DAY_MS: i64 = 86_400_000;

/// How long after joining a member's referrals count for the fit, and how
/// old a member must be to count at all: 60 days, the longer of the usual
/// attribution windows (DOMAIN.md §1).
pub const FIT_WINDOW_DAYS: i64 = 60;
/// Width of the periods of K over time.
pub const FIT_PERIOD_DAYS: i64 = 30;
/// A fitted cycle time is used as at least this many days (one hour): a
/// history where friends joined the same minute would otherwise give 0.
pub const MIN_FITTED_CYCLE_DAYS: f64 = 1.0 / 24.0;

/// Which friendship graph the campaign spreads over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GraphKind {
    /// A random graph of `members` with mean degree `degree`.
    Synthetic,
    /// The shop's members, linked by the referrals they made (not rejected).
    Referrals,
}

/// A simulation request. Every field is optional; the defaults are those of
/// `pond simulate`, and K and cycle time come from the shop's history when
/// it has one (see `defaults_from_fit` in the answer).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// The viral coefficient: friends each member brings. Default: fitted
    /// from the history, unless `conversion` is given.
    pub k: Option<f64>,
    /// Members who start the campaign (default 10).
    pub seeds: Option<u64>,
    /// Monte Carlo runs (default 1,000; at most 10,000).
    #[schema(maximum = 10_000)]
    pub runs: Option<u32>,
    /// Seed of the random numbers: the same seed gives the same answer (default 0).
    pub seed: Option<u64>,
    /// Invites each member sends (default 3); over a graph, the chance that
    /// a member asks each friend (0 to 1, default 1).
    pub ask_rate: Option<f64>,
    /// Share of invites that convert, when `k` is not given (default 0.1).
    pub conversion: Option<f64>,
    /// How much less each further ask of the same member converts (0 to 1, default 0).
    pub trust_decay: Option<f64>,
    /// Whether the friend is rewarded too (default true); one-sided converts less.
    pub two_sided: Option<bool>,
    /// Successful referrals after which a member stops asking.
    pub cap: Option<u32>,
    /// Days from joining to the friends one brings joining. Default: fitted,
    /// else 1.
    pub cycle_days: Option<f64>,
    /// Days simulated (default 400 cycles).
    pub days: Option<f64>,
    /// People who could ever join (default unlimited; ignored over a graph).
    pub market: Option<u64>,
    /// Spread over a graph instead of an unlimited market.
    pub graph: Option<GraphKind>,
    /// Members of the synthetic graph (default 10,000; at most 1,000,000).
    #[schema(maximum = 1_000_000)]
    pub members: Option<u32>,
    /// Mean friends per member in the synthetic graph (default 10).
    pub degree: Option<f64>,
}

/// Bounds on one request's work.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most runs.
    pub runs: u32,
    /// Most members in a synthetic graph.
    pub members: u32,
    /// Highest synthetic mean degree.
    pub degree: f64,
    /// Most runs × generations.
    pub run_generations: u64,
    /// Most runs × graph arcs (each run may walk every arc once).
    pub run_arcs: u64,
}

impl Limits {
    /// For the HTTP API: a request is a few CPU-seconds at most, so one
    /// caller cannot hold the server's cores (a 1M-member graph with 10
    /// friends each allows 200 runs).
    pub const API: Limits = Limits {
        runs: 10_000,
        members: 1_000_000,
        degree: 50.0,
        run_generations: 5_000_000,
        run_arcs: 2_000_000_000,
    };
    /// For the command line: the shop's own machine, no bounds beyond the
    /// simulator's.
    pub const NONE: Limits = Limits {
        runs: u32::MAX,
        members: u32::MAX - 1,
        degree: f64::MAX,
        run_generations: u64::MAX,
        run_arcs: u64::MAX,
    };
}

/// K and cycle time fitted from the history, and what they rest on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FitReport {
    /// Successful (qualified) referrals per mature member within the
    /// window; null before any member is mature.
    pub k: Option<f64>,
    /// Median days from a mature member joining to their first successful
    /// referral; null when none referred.
    pub cycle_days: Option<f64>,
    /// Whether `k` and `cycle_days` are used as the simulator's defaults
    /// (both known and at least one referral counted).
    pub usable: bool,
    /// The end of the data: now.
    pub as_of: String,
    /// Referrals count within this many days of the inviter joining, and
    /// members this old are mature.
    pub window_days: i64,
    /// Members who joined by `as_of`.
    pub members: u64,
    /// Members who joined at least `window_days` ago.
    pub mature_members: u64,
    /// Successful referrals ever.
    pub successful_referrals: u64,
    /// Successful referrals counted in K.
    pub counted_referrals: u64,
    /// Mature members who referred someone in their window (the cycle time's sample).
    pub referrers: u64,
    /// K by the 30-day period members joined in (K over time).
    pub k_by_period: Vec<PeriodK>,
}

/// K of the members who joined in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
// growth's `PeriodK` (with `start`) is another shape: keep the names apart.
#[schema(as = FitPeriod)]
pub struct PeriodK {
    /// First day of the period (the shop's time zone).
    pub period_start: String,
    /// Members who joined in it.
    pub members: u64,
    /// Their successful referrals within the window.
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
    /// Whether all of them had a full window (a young period understates K).
    pub mature: bool,
}

impl FitReport {
    /// K over time as `(period start, K)`, for [`crate::plot::k_over_time`].
    pub fn k_points(&self) -> Vec<(String, f64)> {
        self.k_by_period
            .iter()
            .map(|p| (p.period_start.clone(), p.k))
            .collect()
    }
}

/// Fits K and cycle time over the stored history as of `as_of`.
pub fn fit(history: &ReferralGraph, as_of: Timestamp, tz: &TimeZone) -> Result<FitReport, Error> {
    let referrals: Vec<ObservedReferral> = history
        .referrals
        .iter()
        .filter_map(|r| {
            let inviter = u32::try_from(history.index_of(r.inviter_id)?).ok()?;
            Some(ObservedReferral {
                inviter,
                at_ms: r.attributed_at,
                successful: r.qualified_at.is_some(),
            })
        })
        .collect();
    let options = FitOptions {
        as_of_ms: as_of.as_millisecond(),
        window_ms: FIT_WINDOW_DAYS * DAY_MS,
        period_ms: FIT_PERIOD_DAYS * DAY_MS,
    };
    let f = pond_growth::fit::fit(&history.joined_at, &referrals, options)
        .map_err(|e| Error::internal(&e))?;
    let day = |ms: i64| {
        Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(tz.clone()).date().to_string())
            .unwrap_or_default()
    };
    let cycle_days = f.cycle_time_ms.map(|ms| ms / DAY_MS as f64);
    Ok(FitReport {
        usable: f.k.is_some() && cycle_days.is_some() && f.counted_referrals > 0,
        k: f.k,
        cycle_days,
        as_of: as_of.to_string(),
        window_days: FIT_WINDOW_DAYS,
        members: f.members,
        mature_members: f.mature_members,
        successful_referrals: f.successful_referrals,
        counted_referrals: f.counted_referrals,
        referrers: f.referrers,
        k_by_period: f
            .k_by_period
            .iter()
            .map(|p| PeriodK {
                period_start: day(p.period_start_ms),
                members: p.members,
                successful_referrals: p.successful_referrals,
                k: p.k,
                mature: p.mature,
            })
            .collect(),
    })
}

/// The shop's referral graph for the cascade: one node per member, an
/// undirected edge per standing referral (either friend may ask the other).
pub fn referral_graph(history: &ReferralGraph) -> Result<Graph, Error> {
    let nodes = u32::try_from(history.member_ids.len())
        .ok()
        .filter(|&n| n < u32::MAX)
        .ok_or_else(|| {
            Error::invalid("too_large", "too many members for a graph").field("graph")
        })?;
    let edges: Vec<(u32, u32)> = history
        .referrals
        .iter()
        .filter_map(|r| {
            let a = history.index_of(r.inviter_id)?;
            let b = history.index_of(r.invitee_id)?;
            Some((a as u32, b as u32))
        })
        .collect();
    Graph::from_undirected_edges(nodes, &edges).map_err(|e| Error::internal(&e))
}

/// A request with every default filled in.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The simulator's parameters.
    pub params: CampaignParams,
    /// Over which graph, if any.
    pub graph: Option<GraphKind>,
    /// Synthetic graph size and mean degree.
    pub synthetic: (u32, f64),
    /// Which parameters came from the fit.
    pub from_fit: Vec<&'static str>,
}

/// Fills in defaults (from `fit` where it is usable and the request left
/// the field out) and checks the request against `limits`.
///
/// # Errors
/// 422 naming the field that is out of bounds.
pub fn plan(
    req: &SimulateRequest,
    fit: Option<&FitReport>,
    limits: &Limits,
) -> Result<Plan, Error> {
    let bad = |field: &str, msg: String| Error::invalid("invalid_parameter", msg).field(field);
    let fit = fit.filter(|f| f.usable);
    let mut from_fit = Vec::new();
    let k = match (req.k, req.conversion, fit.and_then(|f| f.k)) {
        (Some(k), _, _) => Some(k),
        (None, None, Some(k)) => {
            from_fit.push("k");
            Some(k)
        }
        _ => None,
    };
    let cycle_days = match (req.cycle_days, fit.and_then(|f| f.cycle_days)) {
        (Some(c), _) => c,
        (None, Some(c)) => {
            from_fit.push("cycle_days");
            c.max(MIN_FITTED_CYCLE_DAYS)
        }
        (None, None) => 1.0,
    };
    let on_graph = req.graph.is_some();
    let ask_rate = req.ask_rate.unwrap_or(if on_graph { 1.0 } else { 3.0 });
    // With K given, a campaign needs at least K asks per member (conversion
    // k / ask_rate ≤ 1); raise the default rather than refuse it.
    let ask_rate = match (req.ask_rate, k) {
        (None, Some(k)) if !on_graph => ask_rate.max(k),
        _ => ask_rate,
    };
    let runs = req.runs.unwrap_or(1_000);
    if runs > limits.runs {
        return Err(bad(
            "runs",
            format!("at most {} runs per request", limits.runs),
        ));
    }
    let days = req.days.unwrap_or(400.0 * cycle_days);
    if cycle_days.is_finite() && cycle_days > 0.0 && days.is_finite() {
        let generations = (days / cycle_days).floor().max(0.0);
        if generations * f64::from(runs) > limits.run_generations as f64 {
            return Err(bad(
                "days",
                format!(
                    "{generations} cycles × {runs} runs is over the limit of {}; simulate fewer days or runs",
                    limits.run_generations
                ),
            ));
        }
    }
    let members = req.members.unwrap_or(10_000);
    let degree = req.degree.unwrap_or(10.0);
    if req.graph == Some(GraphKind::Synthetic) {
        if members > limits.members {
            return Err(bad(
                "members",
                format!("at most {} members", limits.members),
            ));
        }
        if !(degree.is_finite() && degree <= limits.degree) {
            return Err(bad("degree", format!("at most {}", limits.degree)));
        }
        let arcs = f64::from(members) * degree.max(0.0);
        if arcs * f64::from(runs) > limits.run_arcs as f64 {
            return Err(bad(
                "runs",
                format!(
                    "{runs} runs over {arcs:.0} friendships is over the limit of {}; ask for fewer runs",
                    limits.run_arcs
                ),
            ));
        }
    }
    Ok(Plan {
        params: CampaignParams {
            seeds: req.seeds.unwrap_or(10),
            ask_rate,
            conversion: req.conversion.unwrap_or(0.1),
            k,
            trust_decay_per_ask: req.trust_decay.unwrap_or(0.0),
            two_sided: req.two_sided.unwrap_or(true),
            inviter_cap: req.cap,
            cycle_days,
            market_size: req.market,
            horizon_days: days,
            runs,
            rng_seed: req.seed.unwrap_or(0),
        },
        graph: req.graph,
        synthetic: (members, degree),
        from_fit,
    })
}

/// The graph a cascade ran over.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GraphInfo {
    /// synthetic or referrals.
    pub kind: GraphKind,
    /// Members (nodes).
    pub members: u32,
    /// Friendships counted both ways (arcs).
    pub arcs: u64,
    /// Mean friends per member.
    pub mean_degree: f64,
}

/// What a simulation found, with the parameters it ran with.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The Monte Carlo result (its fields at the top level).
    #[serde(flatten)]
    pub result: SimulationResult,
    /// K used (given or fitted); null when `conversion` was used instead.
    pub k: Option<f64>,
    /// Expected members each member brings after caps, trust decay and
    /// one-sided rewards (unlimited market only).
    pub effective_k: Option<f64>,
    /// Days per cycle used.
    pub cycle_days: f64,
    /// Days simulated.
    pub days: f64,
    /// The graph, when the campaign spread over one.
    pub graph: Option<GraphInfo>,
    /// Parameters taken from the shop's history (`k`, `cycle_days`).
    pub defaults_from_fit: Vec<&'static str>,
}

/// Runs the plan: CPU-bound and parallel (rayon), so callers in async code
/// run it on a blocking thread. `history` is needed for the referral graph.
///
/// # Errors
/// 422 naming the parameter the simulator refused, or `graph` when the
/// referral graph is empty or missing.
pub fn run(plan: &Plan, history: Option<&ReferralGraph>) -> Result<Outcome, Error> {
    let p = &plan.params;
    let (result, graph, effective_k) = match plan.graph {
        None => {
            let r = pond_growth::simulate_campaign(p).map_err(refused)?;
            (r, None, p.effective_k().ok())
        }
        Some(kind) => {
            let g = match kind {
                GraphKind::Synthetic => {
                    let (members, degree) = plan.synthetic;
                    Graph::synthetic(members, degree, p.rng_seed).map_err(|e| match e {
                        GrowthError::InvalidParameter {
                            field: "nodes",
                            reason,
                        } => Error::invalid("invalid_parameter", reason).field("members"),
                        GrowthError::InvalidParameter {
                            field: "mean_degree",
                            reason,
                        } => Error::invalid("invalid_parameter", reason).field("degree"),
                        e => refused(e),
                    })?
                }
                GraphKind::Referrals => {
                    let h = history
                        .filter(|h| !h.member_ids.is_empty())
                        .ok_or_else(|| {
                            Error::invalid(
                                "no_history",
                                "the shop has no members yet to spread over",
                            )
                            .field("graph")
                        })?;
                    referral_graph(h)?
                }
            };
            let r = pond_growth::simulate_on_graph(&g, p, None).map_err(refused)?;
            let info = GraphInfo {
                kind,
                members: g.node_count(),
                arcs: g.arc_count(),
                mean_degree: g.mean_out_degree(),
            };
            (r, Some(info), None)
        }
    };
    Ok(Outcome {
        result,
        k: p.k,
        effective_k,
        cycle_days: p.cycle_days,
        days: p.horizon_days,
        graph,
        defaults_from_fit: plan.from_fit.clone(),
    })
}

/// A refusal from the simulator, naming the request's field.
fn refused(e: GrowthError) -> Error {
    match e {
        GrowthError::InvalidParameter { field, reason } => {
            let field = match field {
                "trust_decay_per_ask" => "trust_decay",
                "inviter_cap" => "cap",
                "market_size" => "market",
                "horizon_days" => "days",
                "rng_seed" => "seed",
                f => f,
            };
            Error::invalid("invalid_parameter", format!("{field}: {reason}")).field(field)
        }
        e => Error::internal(&e),
    }
}

/// The shop's referral history, for fitting and for a simulation on it.
pub async fn history(pond: &crate::Pond) -> Result<ReferralGraph, Error> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::referral_graph::load(&mut tx).await?)
}
