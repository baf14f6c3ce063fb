//! Growth math for Pond: how far a referral program can carry a small shop,
//! and how far it actually did.
//!
//! Three layers, all pure and synchronous (no IO, no async), so the same code
//! can back a "what if" page, a nightly report and property tests:
//!
//! - [`closed_form`]: the textbook answers (Skok–Reiss viral growth,
//!   Galton–Watson branching, Bass diffusion). They are the ground truth the
//!   simulators are tested against.
//! - [`simulate`]: Monte Carlo simulators for what the closed forms cannot
//!   express: caps per inviter, trust spent by asking, one-sided rewards, a
//!   finite market, and cascades over a real friendship [`graph`].
//! - [`analytics`]: measurements over the referral forest the shop really
//!   recorded: generations, K per cohort, viral cycle time, organic share.
//! - [`fit`]: K and cycle time estimated from the shop's history, as the
//!   simulators' defaults.
//!
//! Every fallible entry point validates its input and returns
//! [`GrowthError`] naming the offending field instead of panicking: these
//! functions are fed by forms and imports, not only by tests.

#![warn(missing_docs)]

pub mod analytics;
pub mod closed_form;
mod error;
pub mod fit;
pub mod graph;
pub mod screen;
pub mod simulate;

pub use error::GrowthError;
pub use graph::Graph;
pub use simulate::{
    CampaignParams, CurvePoint, SimulationResult, simulate_campaign, simulate_on_graph,
};
