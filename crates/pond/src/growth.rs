//! `pond report growth` and `pond report funnel`: the same reports as
//! `GET /api/v1/growth` and `GET /api/v1/groups/funnel`, as a summary and
//! tables, or as the API's JSON with `--json`.

use anyhow::Result;
use clap::Args;
use pond_app::community;
use pond_app::funnel::{self, FunnelReport, Stages};
use pond_app::growth::{self, GrowthReport, KRow, Options, Period};
use pond_store::Store;

/// `pond report growth`.
#[derive(Debug, Args)]
pub struct GrowthArgs {
    /// First day (YYYY-MM-DD, the shop's time zone; default: 365 days ending on --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    #[arg(long)]
    pub to: Option<String>,
    /// Length of the periods in "K by period", in days.
    #[arg(long, default_value_t = 30)]
    pub period_days: u32,
    /// In "K by period", count only friends who joined within this many
    /// days of their inviter, so recent periods compare fairly.
    #[arg(long)]
    pub within_days: Option<u32>,
    /// Print the API's JSON.
    #[arg(long)]
    pub json: bool,
}

/// `pond report funnel`.
#[derive(Debug, Args)]
pub struct FunnelArgs {
    /// First day (YYYY-MM-DD, the shop's time zone; default: 30 days ending on --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    #[arg(long)]
    pub to: Option<String>,
    /// Print the API's JSON.
    #[arg(long)]
    pub json: bool,
}

async fn period(
    store: &Store,
    time_zone: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    days: i64,
) -> Result<(jiff::tz::TimeZone, Period)> {
    let tz = community::shop_time_zone(store, time_zone).await?;
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    let p = Period::parse(&tz, from, to, today, days)?;
    Ok((tz, p))
}

/// Runs `pond report growth`.
pub async fn growth(store: &Store, time_zone: Option<&str>, a: GrowthArgs) -> Result<()> {
    let (tz, period) = period(store, time_zone, a.from.as_deref(), a.to.as_deref(), 365).await?;
    let options = Options {
        period_days: a.period_days,
        within_days: a.within_days,
    };
    let mut tx = store.read().await?;
    let r = growth::report(&mut tx, &tz, period, options).await?;
    drop(tx);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print_growth(&r);
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn print_growth(r: &GrowthReport) {
    println!("Growth {} to {} ({})", r.from, r.to, r.time_zone);
    let m = &r.members;
    let multiple = r.growth_multiple.map_or_else(
        || "n/a (nobody had joined before the start)".to_string(),
        |x| format!("{x:.2}x"),
    );
    println!(
        "  members: {} at start, {} at end, {} new; growth multiple {multiple}",
        m.at_start, m.at_end, m.new
    );
    let k = &r.k;
    println!(
        "  K: {:.2} ({} successful referrals by {} new members); {}",
        k.k,
        k.successful_referrals,
        k.members,
        invites(k)
    );
    match r.cycle_time_days {
        Some(d) => {
            println!("  viral cycle time: {d:.1} days (median, joining to first friend joining)")
        }
        None => println!("  viral cycle time: n/a (nobody has brought a friend yet)"),
    }
    let mix = &r.referral_mix;
    let verdict = match mix.verdict {
        "at_or_above_benchmark" => "at or above",
        "below_benchmark" => "below",
        _ => "no new members to judge",
    };
    println!(
        "  organic referral: {} of new members ({}); incentivised {} ({}); neither {}",
        pct(mix.organic_rate),
        mix.organic,
        pct(mix.incentivised_rate),
        mix.incentivised,
        mix.unattributed
    );
    println!(
        "  against the {} benchmark for word of mouth: {verdict}",
        pct(mix.benchmark)
    );
    println!("  referred but not yet qualified: {}", r.pending_referrals);
    let heard: Vec<String> = r
        .heard_from
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("  heard from: {}", or_none(&heard));
    let gens: Vec<String> = r
        .generations
        .iter()
        .enumerate()
        .map(|(g, n)| format!("{g}: {n}"))
        .collect();
    println!("  members per generation: {}", or_none(&gens));
    let d = &r.direct_referrals;
    let dist: Vec<String> = d
        .distribution
        .iter()
        .map(|(refs, members)| format!("{refs} x{members}"))
        .collect();
    println!(
        "  direct referrals (referrals x members): {} (mean {:.2}, max {})",
        or_none(&dist),
        d.mean,
        d.max
    );
    let s = &r.skipped_referrals;
    if s.total > 0 {
        let why: Vec<String> = s
            .by_reason
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("  skipped referrals: {} ({})", s.total, why.join(", "));
    }
    println!();
    println!(
        "{:<8} {:>8} {:>10} {:>6} {:>8} {:>11}",
        "cohort", "members", "referrals", "K", "invites", "conversion"
    );
    for c in &r.k_by_cohort {
        println!(
            "{:<8} {:>8} {:>10} {:>6.2} {:>8} {:>11}",
            c.cohort,
            c.members,
            c.successful_referrals,
            c.k,
            c.invites,
            c.conversion.map_or("-".into(), pct)
        );
    }
    println!();
    let p = &r.k_by_period;
    let within = p
        .within_days
        .map_or(String::new(), |w| format!(", friends within {w} days"));
    println!("K by {}-day period{within}", p.period_days);
    println!(
        "{:<10} {:>8} {:>10} {:>6}",
        "from", "members", "referrals", "K"
    );
    for row in &p.periods {
        println!(
            "{:<10} {:>8} {:>10} {:>6.2}",
            row.start.to_string(),
            row.members,
            row.successful_referrals,
            row.k
        );
    }
}

fn invites(k: &KRow) -> String {
    match k.conversion {
        Some(c) => format!(
            "invites (link visitors) {}, {:.2} per member, conversion {}",
            k.invites,
            k.invites_per_member,
            pct(c)
        ),
        None => "no link visits recorded".to_string(),
    }
}

fn or_none(parts: &[String]) -> String {
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// Runs `pond report funnel`.
pub async fn funnel(store: &Store, time_zone: Option<&str>, a: FunnelArgs) -> Result<()> {
    let (_, period) = period(store, time_zone, a.from.as_deref(), a.to.as_deref(), 30).await?;
    let mut tx = store.read().await?;
    let r = funnel::report(&mut tx, period).await?;
    drop(tx);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print_funnel(&r);
    }
    Ok(())
}

const HEADER: &str = "  joins  linked  orders  refunded     revenue  referred  qualified";

fn stages(s: &Stages) -> String {
    format!(
        "{:>7} {:>7} {:>7} {:>9} {:>11.2} {:>9} {:>10}",
        s.joins,
        s.linked_members,
        s.orders,
        s.refunded_orders,
        s.revenue as f64 / 100.0,
        s.referrals,
        s.qualified_referrals
    )
}

fn print_funnel(r: &FunnelReport) {
    println!("Community funnel {} to {}", r.from, r.to);
    println!(
        "  acceptance: joins; realization: orders and revenue (less refunds) from linked members;"
    );
    println!("  fission: friends referred by linked members");
    println!();
    println!("{:>6}  {:<24} {:<9}{HEADER}", "id", "group", "channel");
    for g in &r.groups {
        let name: String = g.name.chars().take(24).collect();
        println!(
            "{:>6}  {:<24} {:<9}{}",
            g.id,
            name,
            g.channel,
            stages(&g.stages)
        );
    }
    if r.groups.is_empty() {
        println!("  no groups yet: import a chat export with `pond import`");
    }
    println!();
    println!("{:<10} {:>6}{HEADER}", "channel", "groups");
    for c in &r.channels {
        println!("{:<10} {:>6}{}", c.channel, c.groups, stages(&c.stages));
    }
}
