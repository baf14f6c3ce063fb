//! The one error type of the crate.

/// Why an import stopped. Lines that merely cannot be read do not stop an
/// import: they are reported as [`Skipped`](crate::Skipped) instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The source could not be read or rewound.
    #[error("could not read the export: {0}")]
    Io(#[from] std::io::Error),
    /// A JSON export is not valid JSON; events before this point were already
    /// handed to the sink.
    #[error("{format} export is not valid JSON at line {line}, column {column}: {message}")]
    JsonSyntax {
        /// Which importer.
        format: &'static str,
        /// 1-based line of the error.
        line: u64,
        /// 1-based column of the error.
        column: u64,
        /// What the JSON parser said.
        message: String,
    },
    /// A JSON export is valid JSON but not shaped like the format (for
    /// example `messages` is not an array).
    #[error(
        "{format} export has an unexpected structure at line {line}, column {column}: {message}"
    )]
    UnexpectedStructure {
        /// Which importer.
        format: &'static str,
        /// 1-based line of the error.
        line: u64,
        /// 1-based column of the error.
        column: u64,
        /// What was expected.
        message: String,
    },
    /// A CSV export's header lacks columns the importer needs.
    #[error("{format} CSV header lacks required column(s): {}", missing.join(", "))]
    MissingColumns {
        /// Which importer.
        format: &'static str,
        /// The absent columns.
        missing: Vec<&'static str>,
    },
    /// The CSV reader failed in a way that is not about a single row.
    #[error("{format} CSV could not be read at line {line}: {message}")]
    Csv {
        /// Which importer.
        format: &'static str,
        /// 1-based line where reading failed.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// [`import_auto`](crate::import_auto) could not tell which format a file is in.
    #[error(
        "could not recognise the export format (expected WhatsApp .txt, Telegram or DiscordChatExporter JSON, DiscordChatExporter or WeChatMsg CSV)"
    )]
    UnknownFormat,
}

impl ImportError {
    /// Maps a serde_json error, keeping its position.
    pub(crate) fn from_json(format: &'static str, err: serde_json::Error) -> Self {
        Self::from_json_at(format, err, 1, 1)
    }

    /// Maps a serde_json error met in a value that starts at `line` and
    /// `column` of the document, with its position in the document.
    pub(crate) fn from_json_at(
        format: &'static str,
        err: serde_json::Error,
        line: u64,
        column: u64,
    ) -> Self {
        use serde_json::error::Category;
        let (err_line, err_column) = (err.line() as u64, err.column() as u64);
        let column = if err_line <= 1 {
            column + err_column.saturating_sub(1)
        } else {
            err_column
        };
        let line = line + err_line.saturating_sub(1);
        match err.classify() {
            Category::Io => ImportError::Io(err.into()),
            Category::Data => ImportError::UnexpectedStructure {
                format,
                line,
                column,
                message: err.to_string(),
            },
            Category::Syntax | Category::Eof => ImportError::JsonSyntax {
                format,
                line,
                column,
                message: err.to_string(),
            },
        }
    }
}
