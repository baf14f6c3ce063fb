//! The first of an import's two reads: the whole file parsed without
//! writing a row, so a file refused half-way (a truncated Telegram or
//! Discord export) or holding nothing importable (an empty file, a PNG, a
//! WeChat CSV given as WhatsApp) leaves the store as it was.
//!
//! Why two reads rather than one transaction: a 10-million-message export
//! in one SQLite transaction would hold the single writer for minutes, and
//! every referral, click and join would wait behind it. Reading twice costs
//! the parse once more (the cheaper half of an import, see
//! docs/benchmarks.md) and the writes stay in short batches. A write that
//! fails later (a full disk) keeps whole batches; the import is idempotent,
//! so running it again completes it.

use crate::error::ApiError;
use pond_import::{Format, ImportError, ImportOptions};
use std::io::{BufRead, Seek, SeekFrom};

/// An import refused by the parser, as the API answers it.
pub(super) fn refused(e: ImportError) -> ApiError {
    ApiError::unprocessable("import", e.to_string()).field("file")
}

/// What a file of `format` looks like, for the sentence that says a file
/// is not one.
fn expected(format: Format) -> &'static str {
    match format {
        Format::WhatsApp => {
            "a WhatsApp export has lines like `12/31/23, 9:41 PM - Name: text` or `[31.12.23, 21:41:07] Name: text`"
        }
        Format::Telegram => {
            "a Telegram export is the result.json of Telegram Desktop's JSON export, with a `messages` list"
        }
        Format::DiscordJson => {
            "a Discord JSON export (DiscordChatExporter) has a `guild`, a `channel` and a `messages` list"
        }
        Format::DiscordCsv => {
            "a Discord CSV export (DiscordChatExporter) has the columns AuthorID, Author, Date, Content"
        }
        Format::WeChatCsv => {
            "a WeChat CSV export has a header row naming the time, sender and content columns"
        }
    }
}

/// Reads the whole file without keeping its events; answers the format
/// found and leaves the reader at the start for the second read. Refuses a
/// file the parser refuses, and one in which nothing importable was found.
pub(super) fn whole_file<R: BufRead + Seek>(
    reader: &mut R,
    file_name: Option<&str>,
    format: Option<Format>,
    options: &ImportOptions,
) -> Result<Format, ApiError> {
    let (format, report) =
        super::parse(&mut *reader, file_name, format, options, |_| {}).map_err(refused)?;
    let s = report.summary;
    if s.messages + s.system + s.joins + s.leaves == 0 {
        let first = report
            .skipped
            .first()
            .map(|k| format!(" (line {}: {})", k.line, k.reason))
            .unwrap_or_default();
        return Err(ApiError::unprocessable(
            "nothing_importable",
            format!(
                "nothing in this file could be read as a {} export{first}; {}",
                super::format_name(format),
                expected(format)
            ),
        )
        .field("file"));
    }
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| ApiError::internal(&e))?;
    Ok(format)
}
