//! The crate's single error type.

use jiff::civil::Date;
use thiserror::Error;

/// Why a community computation refused its input.
///
/// Each variant names the offending row or setting so a caller (a store
/// loader, a config file) can point at it.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CommunityError {
    /// Day rollups must be sorted by day with at most one row per day.
    #[error("day rollups out of order or duplicated: {day} follows {previous}")]
    DaysOutOfOrder {
        /// The earlier row's day.
        previous: Date,
        /// The row that is not strictly after it.
        day: Date,
    },
    /// Sender days must be sorted by (day, sender) with at most one row per
    /// sender and day.
    #[error(
        "sender days out of order or duplicated: ({day}, {sender_id}) follows ({previous_day}, {previous_sender_id})"
    )]
    SendersOutOfOrder {
        /// The earlier row's day.
        previous_day: Date,
        /// The earlier row's sender.
        previous_sender_id: u64,
        /// The offending row's day.
        day: Date,
        /// The offending row's sender.
        sender_id: u64,
    },
    /// A lifecycle threshold is outside its domain.
    #[error("invalid threshold `{field}`: {reason}")]
    InvalidThreshold {
        /// The field's name in [`crate::Thresholds`].
        field: &'static str,
        /// What the value must satisfy.
        reason: String,
    },
}
