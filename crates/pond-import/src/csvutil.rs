//! Helpers shared by the CSV importers (Discord, WeChat).

use std::io::Read;

use csv::{ByteRecord, Reader, ReaderBuilder, Terminator};

use crate::error::ImportError;

/// A CSV reader that tolerates rows with the wrong number of fields (they
/// are reported per row instead of stopping the import).
///
/// Records end at `\n` only: with the default CRLF terminator the csv crate
/// reports every record after a `\r\n` one line too early, and skipped rows
/// must carry the right line. The `\r` this leaves at the end of the last
/// field is removed by [`field`].
pub(crate) fn reader<R: Read>(input: R) -> Reader<R> {
    ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .terminator(Terminator::Any(b'\n'))
        .from_reader(input)
}

/// Finds the index of each required column by name. Names are compared
/// after trimming spaces and a UTF-8 byte-order mark, so column order does not matter.
pub(crate) fn find_columns<const N: usize>(
    format: &'static str,
    headers: &ByteRecord,
    required: [&'static str; N],
) -> Result<[usize; N], ImportError> {
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{FEFF}')
                .trim()
                .to_owned()
        })
        .collect();
    let mut found = [0usize; N];
    let mut missing = Vec::new();
    for (slot, name) in found.iter_mut().zip(required) {
        match names.iter().position(|n| n == name) {
            Some(index) => *slot = index,
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ImportError::MissingColumns { format, missing })
    }
}

/// One field as text, or why not.
pub(crate) fn field<'r>(
    record: &'r ByteRecord,
    index: usize,
    name: &str,
) -> Result<&'r str, String> {
    let bytes = record.get(index).ok_or_else(|| {
        format!(
            "row has {} fields, so no `{name}` column (field {})",
            record.len(),
            index + 1
        )
    })?;
    let bytes = if index + 1 == record.len() {
        bytes.strip_suffix(b"\r").unwrap_or(bytes)
    } else {
        bytes
    };
    std::str::from_utf8(bytes).map_err(|_| format!("`{name}` is not valid UTF-8"))
}

/// The 1-based line a record starts on.
pub(crate) fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// Maps a CSV reader error.
pub(crate) fn error(format: &'static str, err: csv::Error) -> ImportError {
    let line = err.position().map_or(0, csv::Position::line);
    match err.into_kind() {
        csv::ErrorKind::Io(io) => ImportError::Io(io),
        other => ImportError::Csv {
            format,
            line,
            message: format!("{other:?}"),
        },
    }
}
