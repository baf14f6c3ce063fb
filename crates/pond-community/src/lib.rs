//! Community health for Pond: which of a shop's customer chat groups are
//! alive, which are cooling down, and how long groups live.
//!
//! One operator had 300 groups with chat history and only 4 active every day
//! of the past week. This crate turns per-day figures into the numbers that
//! make such a census possible, without ever storing messages:
//!
//! - [`rollup`]: what a store keeps per group × day ([`DayRollup`]) and per
//!   group × day × sender ([`SenderDay`]), the day a message belongs to in
//!   the shop's time zone ([`day_of`]), an incremental [`Rollups`]
//!   accumulator fed by events, and [`GroupHistory`], the validated input of
//!   everything else.
//! - [`mod@health`]: metrics as of a date: active-day streak, stickiness
//!   (DAU/MAU style), share of members who posted, bus factor, 7- and 28-day
//!   totals, last customer activity.
//! - [`lifecycle`]: the states New, Active, Declining, Dormant and Dead with
//!   configurable [`Thresholds`], a human [`Reason`] for each verdict, and
//!   the transitions a warning is built on.
//! - [`mod@census`]: the operator's headline: how many groups have history, how
//!   many were active every day of the last week, how many are in each state.
//! - [`survival`]: Kaplan–Meier curves of group lifetime with censoring.
//!
//! Throughout, a group is alive only through its customers: a day counts as
//! active when at least one sender *not* flagged as staff posted, so a group
//! kept talking only by the shop's staff is not alive. All functions are pure
//! and synchronous; dates are civil dates in the shop's time zone.

#![warn(missing_docs)]

pub mod census;
mod error;
pub mod health;
pub mod lifecycle;
pub mod rollup;
pub mod survival;

pub use census::{Census, StateCounts};
pub use error::CommunityError;
pub use health::{Health, bus_factor, health};
pub use lifecycle::{
    Reason, State, Thresholds, Transition, classify, transitions, turned_declining,
};
pub use rollup::{DayRollup, GroupHistory, Rollups, SenderDay, date_of_day, day_number, day_of};
pub use survival::{KaplanMeier, KmPoint, Lifetime};
