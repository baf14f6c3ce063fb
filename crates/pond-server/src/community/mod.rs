//! Community health: chat exports and live events in, group reports out.
//!
//! * [`ingest`]: events into the store, with rollups grown at ingest.
//! * [`import`](import_reader): a whole export, parsed on a blocking thread
//!   while the previous batch is written, so parsing and writing overlap.
//! * [`report`]: the census, one row per group, survival and warnings.

pub mod alerts;
mod check;
pub mod ingest;
pub mod report;

use crate::error::ApiError;
use ingest::{Added, BATCH, Ingest, Prepared, Settings, prepare};
use jiff::tz::TimeZone;
use pond_import::{ChatEvent, Format, ImportOptions, ImportReport};
use pond_store::Store;
use serde::Serialize;
use std::io::{BufRead, Seek};

/// The instance setting that fixes the shop's time zone.
pub(crate) const TIME_ZONE: &str = "time_zone";

/// The shop's time zone. Rollups are kept by day in it, so the first chat
/// data stored fixes it in the database (see `ingest`); from then on a
/// different `wanted` zone is refused. Before that, `wanted` (a setting or
/// flag) or else the machine's zone is used, and nothing is written.
pub async fn shop_time_zone(store: &Store, wanted: Option<&str>) -> Result<TimeZone, ApiError> {
    let mut tx = store.read().await?;
    let stored = pond_store::instance::get(&mut tx, TIME_ZONE).await?;
    drop(tx);
    let name = match (stored, wanted) {
        (Some(s), Some(w)) if s != w => {
            return Err(ApiError::unprocessable(
                "time_zone_fixed",
                format!("this database keeps its day rollups in {s}; it cannot switch to {w}"),
            )
            .field("time_zone"));
        }
        (Some(s), _) => s,
        (None, Some(w)) => w.to_string(),
        (None, None) => TimeZone::system().iana_name().unwrap_or("UTC").to_string(),
    };
    TimeZone::get(&name).map_err(|e| {
        ApiError::unprocessable("time_zone", format!("unknown time zone `{name}`: {e}"))
            .field("time_zone")
    })
}

/// Reads a format's name as the CLI and API spell it.
pub fn parse_format(name: &str) -> Result<Option<Format>, ApiError> {
    Ok(Some(match name {
        "auto" => return Ok(None),
        "whatsapp" => Format::WhatsApp,
        "telegram" => Format::Telegram,
        "discord-json" => Format::DiscordJson,
        "discord-csv" => Format::DiscordCsv,
        "wechat-csv" => Format::WeChatCsv,
        other => {
            return Err(ApiError::unprocessable(
                "format",
                format!(
                    "unknown format `{other}`: use auto, whatsapp, telegram, discord-json, \
                     discord-csv or wechat-csv"
                ),
            )
            .field("format"));
        }
    }))
}

/// The name of a format as the CLI and API spell it.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::WhatsApp => "whatsapp",
        Format::Telegram => "telegram",
        Format::DiscordJson => "discord-json",
        Format::DiscordCsv => "discord-csv",
        Format::WeChatCsv => "wechat-csv",
    }
}

/// What an import read and what it added.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// The format read.
    pub format: &'static str,
    /// Distinct groups in the file.
    pub groups: u64,
    /// Messages in the file (text, media and system).
    pub messages: u64,
    /// Distinct senders of text or media in the file.
    pub senders: u64,
    /// Joins in the file.
    pub joins: u64,
    /// Leaves in the file.
    pub leaves: u64,
    /// The platform's system notices, counted apart from `messages`.
    pub system: u64,
    /// Lines, rows or records that could not be read.
    pub skipped: u64,
    /// The first skipped lines, with their line numbers and reasons.
    #[schema(value_type = Vec<Object>)]
    pub skipped_lines: Vec<pond_import::Skipped>,
    /// What was new to the store (a repeated import adds nothing).
    pub added: Added,
}

impl Imported {
    fn new(format: Format, report: ImportReport, added: Added) -> Self {
        let s = report.summary;
        Imported {
            format: format_name(format),
            groups: s.groups,
            messages: s.messages,
            senders: s.senders,
            joins: s.joins,
            leaves: s.leaves,
            system: s.system,
            skipped: s.skipped,
            skipped_lines: report.skipped,
            added,
        }
    }
}

/// Imports an export from `reader`, all or nothing: the whole file is read
/// once without writing ([`check`]), and only a file that reads to its end
/// and holds something importable is read again and written. The parser
/// runs on a blocking thread and hands over batches; each batch is one
/// write, so the single SQLite writer is never held for long.
pub async fn import_reader<R>(
    store: &Store,
    reader: R,
    file_name: Option<String>,
    format: Option<Format>,
    options: ImportOptions,
    settings: Settings,
) -> Result<Imported, ApiError>
where
    R: BufRead + Seek + Send + 'static,
{
    import_reader_with(store, reader, file_name, format, options, settings, |_| {}).await
}

/// [`import_reader`], calling `progress` with the running totals after
/// each batch is written, so a page can follow a long import.
pub async fn import_reader_with<R>(
    store: &Store,
    reader: R,
    file_name: Option<String>,
    format: Option<Format>,
    options: ImportOptions,
    settings: Settings,
    mut progress: impl FnMut(&Added) + Send,
) -> Result<Imported, ApiError>
where
    R: BufRead + Seek + Send + 'static,
{
    // The parser's thread also prepares each batch (ids, days, complaint
    // scores), so that work overlaps the write of the batch before it.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Prepared>(2);
    let prepare_with = settings.clone();
    let parser = tokio::task::spawn_blocking(move || {
        let mut reader = reader;
        let format = check::whole_file(&mut reader, file_name.as_deref(), format, &options)?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut closed = false;
        let sink = |e: ChatEvent| {
            batch.push(e);
            if batch.len() >= BATCH && !closed {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // The writer side stopped (a failed write): stop sending.
                closed = tx.blocking_send(prepare(&prepare_with, full)).is_err();
            }
        };
        let result = parse(reader, file_name.as_deref(), Some(format), &options, sink)
            .map_err(check::refused);
        if !batch.is_empty() && !closed {
            let _ = tx.blocking_send(prepare(&prepare_with, batch));
        }
        result
    });
    let mut ingest = Ingest::new(store.clone(), settings);
    let mut failed = None;
    while let Some(batch) = rx.recv().await {
        if let Err(e) = ingest.write_prepared(batch).await {
            failed = Some(e);
            break;
        }
        progress(&ingest.added);
    }
    drop(rx);
    let parsed = parser.await.map_err(|e| ApiError::internal(&e))??;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let (format, report) = parsed;
    Ok(Imported::new(format, report, ingest.added))
}

fn parse<R: BufRead + Seek>(
    reader: R,
    file_name: Option<&str>,
    format: Option<Format>,
    options: &ImportOptions,
    sink: impl FnMut(ChatEvent),
) -> Result<(Format, ImportReport), pond_import::ImportError> {
    let Some(format) = format else {
        return pond_import::import_auto(reader, file_name, options, sink);
    };
    let report = match format {
        Format::WhatsApp => pond_import::import_whatsapp(reader, options, sink)?,
        Format::Telegram => pond_import::import_telegram(reader, options, sink)?,
        Format::DiscordJson => pond_import::import_discord_json(reader, options, sink)?,
        Format::DiscordCsv => pond_import::import_discord_csv(reader, options, sink)?,
        Format::WeChatCsv => pond_import::import_wechat_csv(reader, options, sink)?,
    };
    Ok((format, report))
}
