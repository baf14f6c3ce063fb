//! Pond's domain: the rules of a referral program that pays both sides, never
//! pays like a pyramid, and pays each reward exactly once.
//!
//! Everything here is pure and synchronous: it decides, the store persists,
//! the server and CLI are doors. Nothing in this crate knows about HTTP, SQL or
//! async, which is what lets the same rules run under both storage backends
//! and in property tests.

pub mod attribution;
pub mod code;
pub mod compliance;
pub mod fraud;
pub mod heard_from;
pub mod identity;
pub mod ledger;
pub mod livecode;
pub mod privacy;
pub mod program;
pub mod referral;
pub mod reward;
pub mod roster;
pub mod trust;
pub mod validation;
pub mod value_audit;
pub mod webhook_signature;

pub use validation::Invalid;
