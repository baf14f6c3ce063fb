//! `pond simulate`: a campaign's likely outcome before anyone's trust is
//! spent, or Skok–Reiss's closed form.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use pond_growth::{CampaignParams, closed_form, simulate_campaign};
use serde_json::json;

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// Monte Carlo branching process: each member asks friends, some join.
    Campaign,
    /// Skok–Reiss: U(t) = U0 (K^(t/ct + 1) − 1) / (K − 1), deterministic.
    Skok,
}

/// `pond simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// campaign (Monte Carlo) or skok (closed form).
    #[arg(long, value_enum, default_value = "campaign")]
    pub model: Model,
    /// The viral coefficient: members each member brings. With it, each
    /// member brings Poisson(K) members (before caps and trust decay).
    #[arg(long)]
    pub k: Option<f64>,
    /// Members who start the campaign.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Users at the start (Skok–Reiss's U0).
    #[arg(long, default_value_t = 10.0)]
    pub initial: f64,
    /// Monte Carlo runs.
    #[arg(long, default_value_t = 1000)]
    pub runs: u32,
    /// Seed of the random numbers: the same seed gives the same result.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Invites each member sends.
    #[arg(long, default_value_t = 3.0)]
    pub ask_rate: f64,
    /// Share of invites that convert (when --k is not given).
    #[arg(long, default_value_t = 0.1)]
    pub conversion: f64,
    /// How much each further ask of the same member converts less (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub trust_decay: f64,
    /// Reward the inviter only (converts less than a two-sided reward).
    #[arg(long)]
    pub one_sided: bool,
    /// Successful referrals after which a member stops asking.
    #[arg(long)]
    pub cap: Option<u32>,
    /// Days from joining to the friends one brings joining.
    #[arg(long, default_value_t = 1.0)]
    pub cycle_days: f64,
    /// Days simulated (default: 400 cycles, long enough for a campaign with
    /// K below 1 to run its course).
    #[arg(long)]
    pub days: Option<f64>,
    /// People who could ever join (default: unlimited).
    #[arg(long)]
    pub market: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `pond simulate`.
pub fn run(a: &SimulateArgs) -> Result<()> {
    let days = a.days.unwrap_or(400.0 * a.cycle_days);
    if a.model == Model::Skok {
        let Some(k) = a.k else {
            bail!("--model skok needs --k");
        };
        let total = closed_form::skok_reiss_users(a.initial, k, days, a.cycle_days)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if a.json {
            println!("{}", json!({"model": "skok", "total": total}));
        } else {
            println!("{total:.0} users after {days} days");
        }
        return Ok(());
    }
    let params = CampaignParams {
        seeds: a.seeds,
        ask_rate: a.k.map_or(a.ask_rate, |k| a.ask_rate.max(k)),
        conversion: a.conversion,
        k: a.k,
        trust_decay_per_ask: a.trust_decay,
        two_sided: !a.one_sided,
        inviter_cap: a.cap,
        cycle_days: a.cycle_days,
        market_size: a.market,
        horizon_days: days,
        runs: a.runs,
        rng_seed: a.seed,
    };
    let r = simulate_campaign(&params).map_err(|e| anyhow::anyhow!("{e}"))?;
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    println!(
        "{} runs: {:.1} members per seed on average, extinction probability {:.3}, {:.0} asks per run",
        r.runs, r.mean_total_per_seed, r.extinction_probability, r.trust_spent
    );
    Ok(())
}
