//! Connecting, migrating, and the transaction type every repository takes.

use crate::writer::{WriteFuture, Writer};
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

#[derive(Clone)]
enum Pools {
    Sqlite {
        /// SQLite allows one writer: queueing changes for one connection is
        /// cheaper and fairer than retrying on SQLITE_BUSY, and lets them
        /// share commits (see `writer.rs`).
        write: Writer,
        read: SqlitePool,
        /// For migrations, which manage their own transactions.
        opts: Box<SqliteConnectOptions>,
    },
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
}

/// A transaction on either backend. Repositories take `&mut Tx`; dropping it
/// without [`Tx::commit`] rolls everything back, so a failed request leaves
/// nothing behind.
pub enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's connection, compiled
/// once per backend: the same SQL, statically dispatched.
#[macro_export]
macro_rules! on_conn {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Tx {
    /// Makes the transaction's changes durable.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Which backend this transaction runs on.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and runs the embedded
    /// migrations. `sqlite://PATH` (or `sqlite:PATH`) or `postgres://...`.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            return Ok(Store {
                pools: Pools::Postgres(pool),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "unsupported database URL `{url}`: use sqlite://PATH or postgres://..."
                ))
            })?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before the answer goes out, so an
            // acknowledged reward survives a crash or power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Freed cells and pages are overwritten with zeros, so a value
            // updated or deleted (a member's erasure above all) leaves no
            // stale copy in the page's free space or the free list. Pond
            // frees little (imports append), so the extra writes are rare.
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(10));
        // A larger page cache for the writer: bulk imports touch the same
        // index pages batch after batch (64 MiB; readers keep the default).
        // Statement journals in memory: a multi-row INSERT keeps one, so it
        // can undo itself, and on disk each would be a temporary file.
        let write = Writer::start(
            opts.clone()
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory"),
        )
        .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.clone().read_only(true))
            .await?;
        Ok(Store {
            pools: Pools::Sqlite {
                write,
                read,
                opts: Box::new(opts),
            },
        })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { opts, .. } => {
                let mut conn = SqliteConnection::connect_with(&**opts).await?;
                sqlx::migrate!("./migrations/sqlite").run(&mut conn).await?;
                conn.close().await?;
            }
            Pools::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `op` in a write transaction and returns its result once the
    /// change is durable. An error from `op` rolls its changes back.
    ///
    /// `op` must only touch the database: on SQLite it runs on the single
    /// writer, where changes queue and share commits.
    pub async fn write<T, E, F>(&self, op: F) -> std::result::Result<T, E>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> WriteFuture<'t, T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &self.pools {
            Pools::Sqlite { write, .. } => write.run(op).await,
            Pools::Postgres(pool) => {
                let mut tx = Tx::Postgres(pool.begin().await.map_err(StoreError::from)?);
                let value = op(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
        }
    }

    /// Begins a read-only transaction: one consistent snapshot for a page or
    /// report, without waiting for SQLite's single writer.
    pub async fn read(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Makes rows an erasure rewrote unreadable from the files, after its
    /// commit. SQLite: the erasure's own `secure_delete` zeroed the freed
    /// cells and pages in the main file; a `wal_checkpoint(TRUNCATE)`
    /// writes the new pages home and empties the WAL, which still held the
    /// old page images. PostgreSQL: `VACUUM` of the rewritten tables
    /// removes the dead row versions, so no query, dump or replica can see
    /// them. `false` when the WAL stayed busy (a long read) or VACUUM was
    /// refused: the caller says so, and a later purge finishes the job.
    pub async fn purge(&self, tables: &[&str]) -> Result<bool> {
        match &self.pools {
            Pools::Sqlite { opts, .. } => {
                let mut conn = SqliteConnection::connect_with(&**opts).await?;
                let mut done = false;
                for _ in 0..50 {
                    let (busy, _, _): (i64, i64, i64) =
                        sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                            .fetch_one(&mut conn)
                            .await?;
                    if busy == 0 {
                        done = true;
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                conn.close().await?;
                Ok(done)
            }
            Pools::Postgres(_) if tables.is_empty() => Ok(true),
            Pools::Postgres(pool) => {
                let sql = format!("VACUUM {}", tables.join(", "));
                match sqlx::raw_sql(&sql).execute(pool).await {
                    Ok(_) => Ok(true),
                    Err(e) => {
                        tracing::warn!(error = %e, "VACUUM after an erasure failed");
                        Ok(false)
                    }
                }
            }
        }
    }

    /// Closes every connection (used before exit so SQLite checkpoints).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { write, read, .. } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// Locks a member's row until the transaction ends, so that checks on their
/// balance or reward count and the write that follows cannot interleave with
/// another transaction. On SQLite the single writer already serialises.
pub async fn lock_member(tx: &mut Tx, member: i64) -> Result<()> {
    if tx.backend() == Backend::Sqlite {
        // The single writer connection already serialises every write
        // transaction; the statement would only cost a round trip.
        return Ok(());
    }
    on_conn!(tx, |c| sqlx::query(
        "UPDATE members SET updated_at = updated_at WHERE id = $1"
    )
    .bind(member)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
