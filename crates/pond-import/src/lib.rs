//! Streaming, idempotent importers of chat exports into plain events.
//!
//! Each importer reads a [`std::io::BufRead`] one line or record at a time,
//! hands every [`ChatEvent`] to a callback as soon as it is complete, and
//! returns an [`ImportReport`]: counts plus the lines it could not read
//! ([`Skipped`], never silently dropped). Memory stays bounded by the largest
//! single message or record, not by the file.
//!
//! | format | function |
//! | --- | --- |
//! | WhatsApp `.txt` (Android and iOS) | [`import_whatsapp`] |
//! | Telegram Desktop JSON (one chat or whole account) | [`import_telegram`] |
//! | DiscordChatExporter JSON | [`import_discord_json`] |
//! | DiscordChatExporter CSV | [`import_discord_csv`] |
//! | WeChatMsg / MemoTrace CSV | [`import_wechat_csv`] |
//! | any of the above | [`import_auto`] after [`detect_format`] |
//!
//! Event ids are hex SHA-256 digests of the channel, the group and either the
//! platform's message id or the message's content and the ordinal of identical
//! messages at the same instant, so importing a file twice gives the same ids.
//!
//! ```
//! use pond_import::{ImportOptions, import_whatsapp};
//! use std::io::Cursor;
//!
//! let export = "06/03/2017, 00:45 - Alice: hello\nsecond line\n";
//! let options = ImportOptions::new("Flower club", jiff::tz::TimeZone::UTC);
//! let mut events = Vec::new();
//! let report = import_whatsapp(Cursor::new(export), &options, |e| events.push(e)).unwrap();
//! assert_eq!(report.summary.messages, 1);
//! assert_eq!(report.summary.senders, 1);
//! ```

mod collect;
mod csvutil;
mod dates;
mod detect;
mod discord;
mod error;
mod event;
mod json;
mod json_stream;
mod lines;
mod options;
mod telegram;
mod telegram_bot;
mod telegram_record;
mod wechat;
mod wecom_callback;
mod whatsapp;

pub use dates::DateOrder;
pub use detect::{Format, detect_format, import_auto};
pub use discord::{import_discord_csv, import_discord_json};
pub use error::ImportError;
pub use event::{
    Channel, ChatEvent, GroupRef, ImportReport, ImportSummary, MAX_STORED_SKIPPED, MessageKind,
    Person, Skipped,
};
pub use options::ImportOptions;
pub use telegram::import_telegram;
pub use telegram_bot::telegram_update;
pub use wechat::import_wechat_csv;
pub use wecom_callback::wecom_chat_events;
pub use whatsapp::{import_whatsapp, import_whatsapp_with_order, infer_date_order};

/// Re-exported so callers can build [`ImportOptions`] without naming jiff themselves.
pub use jiff::tz::TimeZone;
