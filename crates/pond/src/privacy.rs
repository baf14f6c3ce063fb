//! `pond member export|erase|import|export-all`: a customer's data from the
//! command line, through the same services as the API and the console.

use crate::cli::fail;
use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use pond_server::App;
use pond_server::join::Lang;
use pond_store::Store;
use std::io::Write;
use std::path::Path;

/// The reader's language for sentences: Chinese when `LANG` (or
/// `LC_ALL`) says so, else English.
fn lang() -> Lang {
    let zh = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .is_some_and(|v| v.starts_with("zh"));
    if zh { Lang::Zh } else { Lang::En }
}

/// `pond member export ID`: the member's JSON document on stdout.
pub async fn export(store: &Store, member: i64) -> Result<()> {
    let mut tx = store.read().await?;
    let doc = pond_server::privacy::export(&mut tx, member, Timestamp::now())
        .await
        .map_err(fail)?;
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

/// `pond member erase ID`: erases, then prints what was done. The audit
/// line names the operating-system user who ran it.
pub async fn erase(store: &Store, member: i64) -> Result<()> {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let v = pond_server::privacy::erase(store, member, format!("cli:{user}"), Timestamp::now())
        .await
        .map_err(fail)?;
    println!("{}", serde_json::to_string_pretty(&v)?);
    if !v.purged {
        eprintln!(
            "{}",
            lang().t(
                "注意：数据库文件仍忙，旧字节尚未清除；稍后再运行一次 erase 即可完成。",
                "note: the database was busy, so the old bytes are not purged yet; run erase again later to finish."
            )
        );
    }
    Ok(())
}

/// `pond member import FILE [--dry-run]`.
pub async fn import(app: &App, file: &Path, dry_run: bool) -> Result<()> {
    let l = lang();
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let now = Timestamp::now();
    let today = app.time_zone.to_datetime(now).date();
    let started = std::time::Instant::now();
    let parsed = pond_server::roster::parse(&bytes, app.config.region, today);
    let tz = app.time_zone.clone();
    let report = if dry_run {
        let mut tx = app.store.read().await?;
        pond_server::roster::import(&mut tx, parsed, &tz, now, true)
            .await
            .map_err(fail)?
    } else {
        app.store
            .write(move |tx| {
                Box::pin(async move {
                    pond_server::roster::import(tx, parsed, &tz, now, false)
                        .await
                        .map_err(fail)
                })
            })
            .await?
    };
    let took = started.elapsed();
    for p in &report.problems {
        eprintln!("{}", p.message(l));
    }
    let summary = match l {
        Lang::Zh => format!(
            "{}{} 行：新建 {}，更新 {}，未变 {}，问题 {}（{:.2} 秒）",
            if dry_run {
                "试运行，未写入。"
            } else {
                ""
            },
            report.rows,
            report.created,
            report.updated,
            report.unchanged,
            report.problems.len(),
            took.as_secs_f64()
        ),
        Lang::En => format!(
            "{}{} rows: {} created, {} updated, {} unchanged, {} problems ({:.2} s)",
            if dry_run {
                "dry run, nothing written. "
            } else {
                ""
            },
            report.rows,
            report.created,
            report.updated,
            report.unchanged,
            report.problems.len(),
            took.as_secs_f64()
        ),
    };
    eprintln!("{summary}");
    if !report.accepted() {
        bail!(
            "{}",
            l.t(
                "文件有问题，什么都没有写入。",
                "the file has problems; nothing was written"
            )
        );
    }
    Ok(())
}

/// `pond member export-all`: every member as CSV on stdout.
pub async fn export_all(app: &App) -> Result<()> {
    let mut tx = app.store.read().await?;
    let bytes = pond_server::roster::export_all(&mut tx, &app.time_zone)
        .await
        .map_err(fail)?;
    std::io::stdout().lock().write_all(&bytes)?;
    Ok(())
}
