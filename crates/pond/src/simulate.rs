//! `pond simulate`: a campaign's likely outcome before anyone's trust is
//! spent, or Skok–Reiss's closed form; over an unlimited market, a
//! synthetic graph or the shop's own referral graph; with K and cycle time
//! fitted from the shop's history when it has one, and charts.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use jiff::tz::TimeZone;
use pond_app::plot::{self, Format};
use pond_app::simulate::{self as sim, FitReport, GraphKind, Limits, SimulateRequest};
use pond_growth::closed_form;
use pond_store::Store;
use pond_store::referral_graph::ReferralGraph;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// Monte Carlo branching process: each member asks friends, some join.
    Campaign,
    /// Skok–Reiss: U(t) = U0 (K^(t/ct + 1) − 1) / (K − 1), deterministic.
    Skok,
}

/// Which graph the campaign spreads over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphArg {
    /// A random friendship graph (`--members`, `--degree`).
    Synthetic,
    /// The shop's members linked by their referrals (from `--database-url`).
    Referrals,
}

/// Which chart `--plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartArg {
    /// Mean members over time inside the 5–95 % band of runs.
    Growth,
    /// Mean members joining per generation, as bars.
    Generations,
}

/// `pond simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// campaign (Monte Carlo) or skok (closed form).
    #[arg(long, value_enum, default_value = "campaign")]
    pub model: Model,
    /// The viral coefficient: members each member brings. With it, each
    /// member brings Poisson(K) members (before caps and trust decay).
    /// Default: fitted from the shop's history (unless --conversion is given).
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
    /// Invites each member sends (default 3); over a graph, the chance of
    /// asking each friend (default 1).
    #[arg(long)]
    pub ask_rate: Option<f64>,
    /// Share of invites that convert, when K is not used (default 0.1).
    #[arg(long)]
    pub conversion: Option<f64>,
    /// How much each further ask of the same member converts less (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub trust_decay: f64,
    /// Reward the inviter only (converts less than a two-sided reward).
    #[arg(long)]
    pub one_sided: bool,
    /// Successful referrals after which a member stops asking.
    #[arg(long)]
    pub cap: Option<u32>,
    /// Days from joining to the friends one brings joining (default: fitted
    /// from the shop's history, else 1).
    #[arg(long)]
    pub cycle_days: Option<f64>,
    /// Days simulated (default: 400 cycles, long enough for a campaign with
    /// K below 1 to run its course).
    #[arg(long)]
    pub days: Option<f64>,
    /// People who could ever join (default: unlimited).
    #[arg(long)]
    pub market: Option<u64>,
    /// Spread over a friendship graph instead of an unlimited market.
    #[arg(long, value_enum)]
    pub graph: Option<GraphArg>,
    /// Members of the synthetic graph.
    #[arg(long, default_value_t = 10_000)]
    pub members: u32,
    /// Mean friends per member in the synthetic graph.
    #[arg(long, default_value_t = 10.0)]
    pub degree: f64,
    /// Show K and cycle time fitted from the shop's history instead of
    /// simulating (with --plot: K over time).
    #[arg(long)]
    pub fit: bool,
    /// Write a chart to this file (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Which chart --plot draws.
    #[arg(long, value_enum, default_value = "growth")]
    pub chart: ChartArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `pond simulate`; `database_url` holds the shop's history.
pub async fn run(a: &SimulateArgs, database_url: &str, time_zone: Option<&str>) -> Result<()> {
    let format = a.plot.as_deref().map(plot_format).transpose()?;
    let wants_fit = a.fit
        || (a.k.is_none() && a.conversion.is_none())
        || a.cycle_days.is_none()
        || a.graph == Some(GraphArg::Referrals);
    let history = if wants_fit {
        history(database_url, a.fit || a.graph == Some(GraphArg::Referrals)).await?
    } else {
        None
    };
    let tz = match time_zone {
        Some(name) => TimeZone::get(name).with_context(|| format!("time zone `{name}`"))?,
        None => TimeZone::system(),
    };
    let fit = history
        .as_ref()
        .map(|h| sim::fit(h, jiff::Timestamp::now(), &tz))
        .transpose()?;
    if a.fit {
        return show_fit(fit.as_ref(), a, format);
    }
    if a.model == Model::Skok {
        return skok(a, fit.as_ref());
    }
    let request = SimulateRequest {
        k: a.k,
        seeds: Some(a.seeds),
        runs: Some(a.runs),
        seed: Some(a.seed),
        ask_rate: a.ask_rate,
        conversion: a.conversion,
        trust_decay: Some(a.trust_decay),
        two_sided: Some(!a.one_sided),
        cap: a.cap,
        cycle_days: a.cycle_days,
        days: a.days,
        market: a.market,
        graph: a.graph.map(|g| match g {
            GraphArg::Synthetic => GraphKind::Synthetic,
            GraphArg::Referrals => GraphKind::Referrals,
        }),
        members: Some(a.members),
        degree: Some(a.degree),
    };
    let plan = sim::plan(&request, fit.as_ref(), &Limits::NONE)?;
    let history = history.filter(|_| a.graph == Some(GraphArg::Referrals));
    let outcome = tokio::task::spawn_blocking(move || sim::run(&plan, history.as_ref())).await??;
    if let (Some(path), Some(format)) = (&a.plot, format) {
        let bytes = match a.chart {
            ChartArg::Growth => plot::growth(&outcome.result, format),
            ChartArg::Generations => plot::generations(&outcome.result, format),
        }?;
        write_plot(path, &bytes)?;
    }
    if a.json {
        println!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    let r = &outcome.result;
    println!(
        "{} runs: {:.1} members per seed on average, extinction probability {:.3}, {:.0} asks per run",
        r.runs, r.mean_total_per_seed, r.extinction_probability, r.trust_spent
    );
    if let Some(g) = &outcome.graph {
        println!(
            "over a {} graph of {} members ({:.2} friends each on average)",
            if g.kind == GraphKind::Referrals {
                "referral"
            } else {
                "synthetic"
            },
            g.members,
            g.mean_degree
        );
    }
    if let (Some(f), false) = (&fit, outcome.defaults_from_fit.is_empty()) {
        println!(
            "from the shop's history: {} ({} referrals by {} members at least {} days old)",
            describe_fitted(&outcome.defaults_from_fit, outcome.k, outcome.cycle_days),
            f.counted_referrals,
            f.mature_members,
            f.window_days
        );
    }
    Ok(())
}

fn describe_fitted(fields: &[&str], k: Option<f64>, cycle_days: f64) -> String {
    fields
        .iter()
        .map(|f| match *f {
            "k" => format!("K = {:.3}", k.unwrap_or(0.0)),
            _ => format!("cycle {cycle_days:.2} days"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn skok(a: &SimulateArgs, fit: Option<&FitReport>) -> Result<()> {
    let fit = fit.filter(|f| f.usable);
    let Some(k) = a.k.or_else(|| fit.and_then(|f| f.k)) else {
        bail!("--model skok needs --k (or a shop history to fit K from)");
    };
    let cycle = a
        .cycle_days
        .or_else(|| {
            fit.and_then(|f| f.cycle_days)
                .map(|c| c.max(sim::MIN_FITTED_CYCLE_DAYS))
        })
        .unwrap_or(1.0);
    let days = a.days.unwrap_or(400.0 * cycle);
    let total = closed_form::skok_reiss_users(a.initial, k, days, cycle)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if a.json {
        println!(
            "{}",
            json!({"model": "skok", "total": total, "k": k, "cycle_days": cycle})
        );
    } else {
        println!("{total:.0} users after {days} days");
    }
    Ok(())
}

fn show_fit(fit: Option<&FitReport>, a: &SimulateArgs, format: Option<Format>) -> Result<()> {
    let Some(f) = fit else {
        bail!("no shop history to fit: the database has no members");
    };
    if let (Some(path), Some(format)) = (&a.plot, format) {
        write_plot(path, &plot::k_over_time(&f.k_points(), format)?)?;
    }
    if a.json {
        println!("{}", serde_json::to_string(f)?);
        return Ok(());
    }
    let show =
        |v: Option<f64>, unit: &str| v.map_or("unknown".to_string(), |v| format!("{v:.3}{unit}"));
    println!(
        "K = {}, cycle time = {} ({} of {} members at least {} days old; {} referrals counted, {} referrers)",
        show(f.k, ""),
        show(f.cycle_days, " days"),
        f.mature_members,
        f.members,
        f.window_days,
        f.counted_referrals,
        f.referrers
    );
    for p in &f.k_by_period {
        let note = if p.mature { "" } else { " (still maturing)" };
        println!(
            "  joined from {}: {} members, K = {:.3}{note}",
            p.period_start, p.members, p.k
        );
    }
    Ok(())
}

/// The shop's history, if the database exists and has one. With `required`
/// every failure is an error; otherwise a missing database is simply no
/// history and an unreadable one is a note on stderr, so the simulator
/// works without a shop.
async fn history(url: &str, required: bool) -> Result<Option<ReferralGraph>> {
    let sqlite_path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    if let Some(path) = sqlite_path
        && !Path::new(path).exists()
    {
        if required {
            bail!("the database {url} does not exist: there is no shop history to read");
        }
        return Ok(None);
    }
    let loaded = async {
        // No migration: reading must not change the shop's database.
        let store = Store::connect(url).await?;
        let read = async {
            let mut tx = store.read().await?;
            pond_store::referral_graph::load(&mut tx).await
        }
        .await;
        store.close().await;
        read
    }
    .await;
    match loaded {
        Ok(h) if h.member_ids.is_empty() && required => {
            bail!("the database {url} has no members yet: there is no shop history to read")
        }
        Ok(h) if h.member_ids.is_empty() => Ok(None),
        Ok(h) => Ok(Some(h)),
        Err(e) if required => {
            Err(e).with_context(|| format!("reading the shop's history from {url}"))
        }
        Err(e) => {
            eprintln!("note: no shop history read from {url} ({e}); using the built-in defaults");
            Ok(None)
        }
    }
}

fn plot_format(path: &Path) -> Result<Format> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(Format::parse)
        .with_context(|| format!("--plot {}: name a .svg or .png file", path.display()))
}

fn write_plot(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("chart written to {}", path.display());
    Ok(())
}
