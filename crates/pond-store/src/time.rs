//! Instants are stored as UTC milliseconds in a BIGINT on both backends:
//! portable, compact, indexable, and immune to driver time-zone handling.

use jiff::Timestamp;

/// An instant as stored.
pub fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A stored instant read back; out-of-range values clamp rather than panic.
pub fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
