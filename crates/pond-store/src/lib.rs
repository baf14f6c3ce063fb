//! Pond's storage: one set of repositories over SQLite or PostgreSQL.
//!
//! The backend is chosen from the URL. Both run the same portable SQL
//! (`$n` placeholders, `ON CONFLICT`, `RETURNING`, integer instants in UTC
//! milliseconds), so each query is written once; [`on_conn!`] compiles its
//! body once per backend, which keeps dispatch static and avoids
//! `sqlx::Any`'s type erasure. Only connection setup, migrations and the
//! locking statement differ between the two.
//!
//! Every change runs inside a [`Tx`] handed to [`Store::write`]. On SQLite
//! one writer thread owns the only write connection and commits queued
//! changes in groups (see `writer.rs`); readers use their own pool and WAL
//! snapshots.

mod db;
pub use db::lock_member;
pub mod alerts;
pub mod chat;
pub mod consents;
pub mod contacts;
pub mod events;
pub mod funnel;
pub mod groups;
pub mod growth;
pub mod idempotency;
pub mod instance;
pub mod ledger;
pub mod links;
pub mod livecodes;
pub mod members;
pub mod notices;
pub mod posters;
pub mod privacy;
pub mod programs;
pub mod referral_graph;
pub mod referrals;
pub mod rewards;
pub mod rollups;
pub mod roster;
mod sql;
mod sqlite_direct;
pub mod tags;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod tokens;
pub mod trust;
pub mod users;
pub mod webhooks;
mod writer;

pub use db::{Backend, Store, Tx};
pub use writer::WriteFuture;

/// A storage failure, with unique violations told apart so the doors can
/// answer 409/422 instead of 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A UNIQUE constraint refused the write; the text names the constraint.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A foreign key refused the write: the row it names does not exist.
    #[error("refers to a row that does not exist: {0}")]
    MissingReference(String),
    /// Every connection stayed busy past the pool's timeout: overload.
    #[error("the database is busy")]
    Busy,
    /// The database URL or options are unusable.
    #[error("{0}")]
    Config(String),
    /// A stored value could not be read back into the domain (a bug or a hand edit).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else from the database driver.
    #[error(transparent)]
    Database(sqlx::Error),
    /// Anything else from SQLite, met on its C API (bulk chat writes).
    #[error("SQLite: {0}")]
    Sqlite(String),
    /// The write could not be completed and nothing of it was kept: the
    /// writer stopped, or the commit of its group failed.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(d.constraint().unwrap_or(d.message()).to_string())
            }
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::MissingReference(d.constraint().unwrap_or(d.message()).to_string())
            }
            e => StoreError::Database(e),
        }
    }
}

/// Results of store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
