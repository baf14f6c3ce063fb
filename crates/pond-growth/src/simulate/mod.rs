//! Monte Carlo simulation of a referral campaign.
//!
//! Two simulators share one parameter type and one result type:
//! - [`simulate_campaign`]: a generation-by-generation branching process
//!   (Skok–Reiss batches with Galton–Watson randomness) with the frictions
//!   the closed forms leave out: trust spent per ask, an inviter cap,
//!   one-sided rewards and a finite market.
//! - [`simulate_on_graph`]: an independent cascade over a given friendship
//!   [`Graph`], where who can ask whom is fixed.
//!
//! Both are deterministic for a given `rng_seed`: run `r` is keyed by
//! ChaCha8 seeded with `rng_seed` on stream `r` (which seeds a xoshiro256++
//! for the bulk of the draws, several times cheaper per draw), and results
//! are merged with exact integer arithmetic, so neither rayon's scheduling
//! nor the thread count changes a single bit of the answer.

mod accumulate;
mod cascade;
mod fastrng;
mod members;
mod offspring;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use accumulate::MAX_CURVE_POINTS;
pub use cascade::simulate_on_graph;
pub use offspring::EXACT_MEMBER_LIMIT;

use crate::error::{GrowthError, check_range};
use accumulate::{Layout, run_parallel};
use fastrng::Xoshiro256PlusPlus;
use offspring::{OffspringModel, binomial};

#[cfg(doc)]
use crate::Graph;

/// Conversion multiplier applied when only the inviter is rewarded
/// (`two_sided = false`).
///
/// No primary source gives one number for this; 0.5 is a planning
/// assumption grounded in DOMAIN.md §1: a one-sided ask spends the asker's
/// trust without giving the friend anything, so friends accept it less
/// often. Calibrate it with the shop's own A/B results when they exist.
pub const ONE_SIDED_CONVERSION_FACTOR: f64 = 0.5;

/// A run that reaches this many members counts as having taken off, not as
/// extinct, even if it later stops. With a million members the chance that
/// every line still dies out is negligible (`q^1_000_000`).
pub const SURVIVAL_POPULATION: u64 = 1_000_000;

/// In a finite market (or on a graph, whose members are the market) a run
/// has also taken off once it reaches this share of the market: every run
/// stops eventually there, and what separates "died out" from "took off" is
/// whether it stayed small. Lines that die out stay small (with Poisson
/// offspring their mean size per seed is `1 / (1 − K·q)`: under 3 at
/// K = 1.5, about 20 at K = 1.05), while runs that take off reach a large
/// share of the market (about 9 % already at K = 1.05, 58 % at K = 1.5).
pub const TAKEOFF_SHARE: f64 = 0.05;

/// Populations are clamped here even without a `market_size`: 10^15 is
/// 100,000 times the world's population, so reaching it only means the
/// input was not a shop campaign, and the clamp keeps counts in `u64`.
pub const POPULATION_CEILING: u64 = 1_000_000_000_000_000;

/// Most asks a member may intend on average (`ask_rate`). Far above any real
/// campaign; it bounds the cost of one member.
pub const MAX_ASKS_PER_MEMBER: f64 = 1_000.0;

/// Most generations (`horizon_days / cycle_days`) a simulation may span.
pub const MAX_GENERATIONS: u32 = 100_000;

/// Parameters of a simulated referral campaign.
///
/// Members join in batches one `cycle_days` apart: the seeds at day 0, the
/// people they bring at day `cycle_days`, and so on (the Skok–Reiss cycle).
/// Each member intends Poisson(`ask_rate`) asks in total, all in the cycle
/// after they join. In [`simulate_on_graph`] some fields read differently;
/// see there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignParams {
    /// Members who start the campaign (generation 0); at least 1.
    pub seeds: u64,
    /// Mean number of invites a member sends in total (`[0, 1000]`).
    pub ask_rate: f64,
    /// Probability that one invite converts (`[0, 1]`), before the
    /// one-sided factor, trust decay and market share are applied.
    pub conversion: f64,
    /// The viral coefficient, when known directly (e.g. from
    /// [`crate::analytics`]). It replaces `conversion` by
    /// `k / ask_rate`, so that with no frictions each member brings
    /// Poisson(`k`) members while `ask_rate` still prices the trust spent.
    pub k: Option<f64>,
    /// Fraction by which each further ask of the same member converts less
    /// (`[0, 1]`): ask `j` (from 0) converts at `conversion · (1 − d)^j`.
    pub trust_decay_per_ask: f64,
    /// Whether the invited friend is rewarded too. When `false` conversion
    /// is multiplied by [`ONE_SIDED_CONVERSION_FACTOR`].
    pub two_sided: bool,
    /// Successful referrals after which an inviter stops asking (rewards
    /// are capped per inviter; DOMAIN.md §1, Dropbox's 32).
    pub inviter_cap: Option<u32>,
    /// Days from a member joining to the members they bring joining.
    pub cycle_days: f64,
    /// People who could ever join. A converted invite lands on someone not
    /// yet a member with probability `remaining / market_size` (otherwise it
    /// is wasted), and totals never exceed it. `None`: unlimited (up to
    /// [`POPULATION_CEILING`]).
    pub market_size: Option<u64>,
    /// Simulated days; generations `0..=floor(horizon_days / cycle_days)`
    /// (at most [`MAX_GENERATIONS`]).
    pub horizon_days: f64,
    /// Independent Monte Carlo runs; at least 1.
    pub runs: u32,
    /// Seed of the random number generator; same seed, same result.
    pub rng_seed: u64,
}

impl Default for CampaignParams {
    /// A modest campaign: 10 seeds, 3 asks each at 10 % conversion
    /// (`K = 0.3`), two-sided, Dropbox's cap of 32, weekly cycles over a
    /// quarter, 1,000 runs.
    fn default() -> Self {
        Self {
            seeds: 10,
            ask_rate: 3.0,
            conversion: 0.1,
            k: None,
            trust_decay_per_ask: 0.0,
            two_sided: true,
            inviter_cap: Some(32),
            cycle_days: 7.0,
            market_size: None,
            horizon_days: 91.0,
            runs: 1_000,
            rng_seed: 0,
        }
    }
}

impl CampaignParams {
    /// Expected members each member brings with an unlimited market: the
    /// effective viral coefficient after the one-sided factor, trust decay
    /// and the inviter cap (computed exactly, not sampled).
    ///
    /// # Errors
    /// As [`simulate_campaign`].
    pub fn effective_k(&self) -> Result<f64, GrowthError> {
        Ok(Model::new(self)?.offspring.moments().mean_converts)
    }
}

/// One point of a growth curve: cumulative members at `day`, across runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Days since the campaign started.
    pub day: f64,
    /// Mean cumulative members over runs.
    pub mean: f64,
    /// 5th percentile over runs (exact below 256 members, within 0.4 %
    /// above: quantiles come from a log-linear histogram).
    pub p05: f64,
    /// 95th percentile over runs (same precision as `p05`).
    pub p95: f64,
}

/// What a simulation found, averaged over its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationResult {
    /// Mean members at the horizon per run, seeds included.
    pub mean_total: f64,
    /// `mean_total / seeds`: comparable with `1 / (1 − K)` for `K < 1`.
    pub mean_total_per_seed: f64,
    /// Share of runs that died out: the last generation within the horizon
    /// was empty and the run never reached the take-off size
    /// `max(seeds + 1, min(SURVIVAL_POPULATION, ⌈TAKEOFF_SHARE × market⌉))`
    /// (market: `market_size`, unlimited if `None`, or the graph's member
    /// count). A run still growing at the horizon counts as surviving, so a
    /// short horizon understates extinction.
    pub extinction_probability: f64,
    /// Cumulative members by day: one point per generation, or
    /// [`MAX_CURVE_POINTS`] evenly spaced ones for long horizons. Means and
    /// percentiles are non-decreasing in time.
    pub growth_curve: Vec<CurvePoint>,
    /// Mean members joining in each generation (index 0 = the seeds), one
    /// entry per generation in the horizon; runs that died contribute 0.
    pub generation_sizes: Vec<f64>,
    /// Mean asks per run: the trust spent with friends to get there.
    pub trust_spent: f64,
    /// Number of runs.
    pub runs: u32,
}

/// Runs the campaign `params.runs` times in parallel and aggregates.
///
/// Cost per run is O(generations) when there is no cap and no trust decay
/// (a generation is two Poisson draws, however large), and
/// O(members ≤ [`EXACT_MEMBER_LIMIT`] per generation) otherwise.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] naming the field: `seeds` (0, or above
/// `market_size` or [`POPULATION_CEILING`]), `ask_rate` (negative, not
/// finite, above [`MAX_ASKS_PER_MEMBER`], or 0 while `k > 0`),
/// `conversion` (outside `[0, 1]`), `k` (negative, not finite, or above
/// `ask_rate`), `trust_decay_per_ask` (outside `[0, 1]`), `cycle_days`
/// (not positive), `horizon_days` (negative, or more than
/// [`MAX_GENERATIONS`] cycles), `market_size` (0) or `runs` (0).
pub fn simulate_campaign(params: &CampaignParams) -> Result<SimulationResult, GrowthError> {
    let model = Model::new(params)?;
    let layout = Layout::new(model.generations, params.cycle_days);
    let acc = run_parallel(params.runs, &layout, |run, acc| {
        model.run(run, &mut acc.run(&layout));
    });
    Ok(acc.into_result(&layout, model.seeds))
}

/// The RNG of run `run`: ChaCha8 keyed by the simulation seed, one stream per
/// run, so a run's draws depend on nothing but `(rng_seed, run)`.
pub(crate) fn run_rng(rng_seed: u64, run: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    rng.set_stream(run);
    rng
}

/// The size from which a run counts as having taken off rather than died
/// out; see [`SimulationResult::extinction_probability`].
pub(crate) fn takeoff_size(seeds: u64, market: u64) -> u64 {
    let share = (market as f64 * TAKEOFF_SHARE).ceil() as u64;
    share.min(SURVIVAL_POPULATION).max(seeds.saturating_add(1))
}

/// Checks shared by both simulators; returns the number of generations.
pub(crate) fn validate_common(params: &CampaignParams) -> Result<u32, GrowthError> {
    if params.seeds == 0 {
        return Err(GrowthError::invalid("seeds", "must be at least 1"));
    }
    if params.runs == 0 {
        return Err(GrowthError::invalid("runs", "must be at least 1"));
    }
    check_range("conversion", params.conversion, 0.0, 1.0)?;
    check_range("trust_decay_per_ask", params.trust_decay_per_ask, 0.0, 1.0)?;
    if let Some(k) = params.k {
        check_range("k", k, 0.0, f64::MAX)?;
    }
    check_range("cycle_days", params.cycle_days, f64::MIN_POSITIVE, f64::MAX)?;
    check_range("horizon_days", params.horizon_days, 0.0, f64::MAX)?;
    // The tiny slack keeps 20 / 2 (or 0.3 / 0.1) from losing a generation
    // to rounding.
    let cycles = (params.horizon_days / params.cycle_days * (1.0 + 1e-12)).floor();
    if cycles > f64::from(MAX_GENERATIONS) {
        return Err(GrowthError::invalid(
            "horizon_days",
            format!("spans {cycles} cycles; at most {MAX_GENERATIONS} are simulated"),
        ));
    }
    Ok(cycles as u32)
}

/// Validated campaign parameters in the form the run loop wants.
struct Model {
    offspring: OffspringModel,
    seeds: u64,
    generations: u32,
    /// Effective population limit: `market_size` or [`POPULATION_CEILING`].
    market: u64,
    finite_market: bool,
    survival: u64,
    rng_seed: u64,
}

impl Model {
    fn new(p: &CampaignParams) -> Result<Self, GrowthError> {
        let generations = validate_common(p)?;
        check_range("ask_rate", p.ask_rate, 0.0, MAX_ASKS_PER_MEMBER)?;
        let mut conversion = match p.k {
            Some(k) if k > 0.0 => {
                if p.ask_rate == 0.0 {
                    return Err(GrowthError::invalid(
                        "ask_rate",
                        "must be positive when k is given (conversion becomes k / ask_rate)",
                    ));
                }
                if k > p.ask_rate {
                    return Err(GrowthError::invalid(
                        "k",
                        format!(
                            "k / ask_rate is the conversion per ask and cannot exceed 1; k = {k}, ask_rate = {}",
                            p.ask_rate
                        ),
                    ));
                }
                k / p.ask_rate
            }
            Some(_) => 0.0,
            None => p.conversion,
        };
        if !p.two_sided {
            conversion *= ONE_SIDED_CONVERSION_FACTOR;
        }
        if p.seeds > POPULATION_CEILING {
            return Err(GrowthError::invalid(
                "seeds",
                format!("must not exceed {POPULATION_CEILING}"),
            ));
        }
        let (market, finite_market) = match p.market_size {
            Some(0) => return Err(GrowthError::invalid("market_size", "must be positive")),
            Some(m) if m < p.seeds => {
                return Err(GrowthError::invalid(
                    "seeds",
                    format!("{} seeds do not fit a market of {m}", p.seeds),
                ));
            }
            Some(m) => (m.min(POPULATION_CEILING), true),
            None => (POPULATION_CEILING, false),
        };
        Ok(Self {
            offspring: OffspringModel::new(
                p.ask_rate,
                conversion,
                p.trust_decay_per_ask,
                p.inviter_cap,
            ),
            seeds: p.seeds,
            generations,
            market,
            finite_market,
            survival: takeoff_size(p.seeds, market),
            rng_seed: p.rng_seed,
        })
    }

    fn run(&self, run: u64, rec: &mut accumulate::RunRecorder<'_>) {
        // Member-by-member sampling draws several uniforms per member;
        // xoshiro256++ (seeded from the run's ChaCha8 stream) makes them
        // cheap without giving up reproducibility.
        let mut rng = Xoshiro256PlusPlus::from_rng(&mut run_rng(self.rng_seed, run));
        let (mut total, mut active, mut asks) = (self.seeds, self.seeds, 0_u128);
        rec.generation(0, active, total);
        let mut g = 0;
        while g < self.generations && active > 0 {
            g += 1;
            let (converts, asked) = self.offspring.sample_generation(active, &mut rng);
            asks += u128::from(asked);
            let room = self.market - total;
            let joined = if self.finite_market {
                // Each converted invite reaches someone not yet a member
                // with probability equal to the share still outside.
                binomial(&mut rng, converts, room as f64 / self.market as f64)
            } else {
                converts
            };
            active = joined.min(room);
            total += active;
            rec.generation(g, active, total);
        }
        rec.finish(total, asks, active == 0 && total < self.survival);
    }
}
