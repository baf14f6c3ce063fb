//! `pond import` and `pond report groups`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use pond_community::lifecycle::Thresholds;
use pond_import::ImportOptions;
use pond_server::community::ingest::Settings;
use pond_server::community::{self, report};
use pond_server::error::ApiError;
use pond_store::Store;
use std::collections::HashSet;
use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

/// `pond import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export: WhatsApp .txt, Telegram JSON, DiscordChatExporter JSON or
    /// CSV, WeChatMsg / MemoTrace CSV.
    pub file: PathBuf,
    /// auto, whatsapp, telegram, discord-json, discord-csv or wechat-csv.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// The group's name, for formats that do not record it (default: the
    /// file name without its extension). Keep it stable between imports.
    #[arg(long)]
    pub group: Option<String>,
    /// A name or platform id of the shop's staff (repeatable).
    #[arg(long = "staff")]
    pub staff: Vec<String>,
    /// Keep only the kind of each message, not its text.
    #[arg(long)]
    pub no_text: bool,
    /// Keep the text of the last N days' messages only (counts are kept
    /// for all); the server forgets older text as it ages.
    #[arg(long, default_value_t = 90)]
    pub keep_text_days: u32,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// `pond report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The census and a row per group.
    Groups {
        /// The date to report as of (YYYY-MM-DD, the shop's time zone; default today).
        #[arg(long)]
        as_of: Option<Date>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Only this group.
        #[arg(long)]
        group: Option<i64>,
    },
    /// Growth: K, generations, viral cycle time, organic referral rate.
    Growth(crate::growth::GrowthArgs),
    /// The community funnel per group and channel: joins, orders, referrals.
    Funnel(crate::growth::FunnelArgs),
}

fn fail(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.message)
}

/// Runs `pond import`.
pub async fn import(store: &Store, time_zone: Option<&str>, a: ImportArgs) -> Result<()> {
    let format = community::parse_format(&a.format).map_err(fail)?;
    let tz = community::shop_time_zone(store, time_zone)
        .await
        .map_err(fail)?;
    let file =
        std::fs::File::open(&a.file).with_context(|| format!("opening {}", a.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = a.group.clone().unwrap_or_else(|| {
        a.file
            .file_stem()
            .map_or_else(|| "chat".into(), |s| s.to_string_lossy().into_owned())
    });
    let bar = if std::io::stderr().is_terminal() && !a.json {
        indicatif::ProgressBar::new(size)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let reader = BufReader::with_capacity(1 << 20, bar.wrap_read(file));
    let settings = Settings {
        time_zone: tz.clone(),
        staff: Arc::new(a.staff.iter().cloned().collect::<HashSet<_>>()),
        keep_text: !a.no_text,
        text_since: jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(
                24 * i64::from(a.keep_text_days),
            ))
            .unwrap_or(jiff::Timestamp::MIN),
        complaints: Some(community::alerts::classifier(store).await?),
        alerts_since: community::alerts::import_alerts_since(jiff::Timestamp::now()),
    };
    let file_name = a.file.file_name().map(|n| n.to_string_lossy().into_owned());
    let started = std::time::Instant::now();
    let imported = community::import_reader(
        store,
        reader,
        file_name,
        format,
        ImportOptions::new(name, tz),
        settings,
    )
    .await
    .map_err(fail)
    .with_context(|| format!("importing {}", a.file.display()))?;
    bar.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string(&imported)?);
    } else {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{}: {} groups, {} messages, {} system, {} senders, {} joins, {} leaves, {} skipped ({:.1} s, {:.0} messages/s)",
            imported.format,
            imported.groups,
            imported.messages,
            imported.system,
            imported.senders,
            imported.joins,
            imported.leaves,
            imported.skipped,
            secs,
            imported.messages as f64 / secs.max(1e-9),
        );
        let added = imported.added;
        println!(
            "new to the store: {} messages, {} joins, {} leaves ({} already there); \
             {} complaint alerts from the last 7 days",
            added.messages, added.joins, added.leaves, added.duplicates, added.alerts
        );
    }
    // Skipped lines always go to stderr, so --json output stays one object.
    for s in &imported.skipped_lines {
        eprintln!("skipped line {}: {}", s.line, s.reason);
    }
    if imported.skipped > imported.skipped_lines.len() as u64 {
        eprintln!(
            "... and {} more skipped lines",
            imported.skipped - imported.skipped_lines.len() as u64
        );
    }
    Ok(())
}

/// Runs `pond alerts`.
pub async fn alerts(store: &Store, state: &str, json: bool) -> Result<()> {
    let state = match state {
        "all" => None,
        s @ ("open" | "acknowledged" | "resolved") => Some(s),
        other => bail!("--state {other}: use open, acknowledged, resolved or all"),
    };
    let mut tx = store.read().await?;
    let alerts = pond_store::alerts::list(&mut tx, state, 200).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
        return Ok(());
    }
    for a in &alerts {
        let at = pond_store::time::ts(a.event_at);
        println!(
            "#{} {} [{}] {} people saw it, {} — {}: {}",
            a.id,
            a.state,
            a.group_name,
            a.audience,
            at,
            a.sender.as_deref().unwrap_or("?"),
            a.text
        );
    }
    if alerts.is_empty() {
        println!("no alerts");
    }
    Ok(())
}

/// Runs `pond report ...`.
pub async fn report(
    store: &Store,
    time_zone: Option<&str>,
    thresholds: &Thresholds,
    cmd: ReportCmd,
) -> Result<()> {
    let (as_of, json, group) = match cmd {
        ReportCmd::Groups { as_of, json, group } => (as_of, json, group),
        ReportCmd::Growth(a) => return crate::growth::growth(store, time_zone, a).await,
        ReportCmd::Funnel(a) => return crate::growth::funnel(store, time_zone, a).await,
    };
    let tz = community::shop_time_zone(store, time_zone)
        .await
        .map_err(fail)?;
    let as_of = as_of.unwrap_or_else(|| tz.to_datetime(jiff::Timestamp::now()).date());
    let mut tx = store.read().await?;
    let r = report::groups(&mut tx, &tz, as_of, thresholds, group)
        .await
        .map_err(fail)?;
    drop(tx);
    if group.is_some() && r.groups.is_empty() {
        bail!("no group with id {}", group.unwrap_or_default());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    print_report(&r);
    Ok(())
}

fn print_report(r: &report::GroupsReport) {
    let c = &r.census;
    println!("Groups as of {}", r.as_of);
    println!(
        "  {} groups, {} with history, {} active every day of the last 7 days",
        c.groups, c.groups_with_history, c.active_every_day_last_7_days
    );
    let states: Vec<String> = c.states.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("  states: {}", states.join(", "));
    match r.survival.median_days {
        Some(m) => println!("  median group lifetime: {m:.0} days"),
        None => println!("  median group lifetime: not reached (most groups still live)"),
    }
    for w in &r.warnings {
        println!("  warning: {} turned declining on {}", w.name, w.on);
    }
    println!();
    println!(
        "{:>6}  {:<28} {:<9} {:<9} {:<10} {:>7} {:>6} {:>6} {:>6} {:>6}",
        "id", "name", "channel", "state", "last", "members", "msg7", "msg28", "ppl7", "ppl28"
    );
    for g in &r.groups {
        let name: String = g.name.chars().take(28).collect();
        println!(
            "{:>6}  {:<28} {:<9} {:<9} {:<10} {:>7} {:>6} {:>6} {:>6} {:>6}",
            g.id,
            name,
            g.channel,
            g.state,
            g.last_activity.map_or("-".into(), |d| d.to_string()),
            g.members.map_or("-".into(), |m| m.to_string()),
            g.messages_7,
            g.messages_28,
            g.posters_7,
            g.posters_28
        );
    }
}
