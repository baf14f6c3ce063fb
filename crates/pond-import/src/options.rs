//! Settings shared by all importers.

use jiff::tz::TimeZone;

use crate::dates::DateOrder;

/// What an importer needs to know that the export may not say.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Time zone of the export's wall-clock times. WhatsApp and Discord CSV
    /// exports are written in the exporting phone's or computer's local
    /// time; Telegram and WeChat use it only when a record lacks its unix
    /// time. Discord JSON carries offsets and ignores it.
    pub time_zone: TimeZone,
    /// Group name for formats that do not record one (WhatsApp, Discord CSV,
    /// WeChat CSV): typically the file name, e.g. "WhatsApp Chat with Flower Club".
    /// It is part of the event ids of those formats, so keep it stable
    /// between imports of the same chat.
    pub group_name: String,
    /// Day/month order of numeric dates (WhatsApp, Discord CSV). `None`
    /// infers it from the whole file.
    pub date_order: Option<DateOrder>,
}

impl ImportOptions {
    /// Options with an inferred date order.
    pub fn new(group_name: impl Into<String>, time_zone: TimeZone) -> Self {
        ImportOptions {
            time_zone,
            group_name: group_name.into(),
            date_order: None,
        }
    }

    /// The same options with a fixed day/month order.
    pub fn with_date_order(mut self, order: DateOrder) -> Self {
        self.date_order = Some(order);
        self
    }
}

impl Default for ImportOptions {
    /// UTC, an empty group name, inferred date order.
    fn default() -> Self {
        ImportOptions::new("", TimeZone::UTC)
    }
}
