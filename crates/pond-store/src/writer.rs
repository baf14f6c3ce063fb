//! SQLite's single writer: one thread owns the write connection, takes
//! changes from a channel and commits them in groups.
//!
//! Why a thread and not a pool of one connection:
//! * **Group commit.** A durable commit costs an fsync. Changes that queue
//!   while one group runs are committed together in the next, each inside
//!   its own savepoint, so one failing change rolls back alone and the fsync
//!   is shared. No caller hears "done" before the COMMIT that holds its
//!   change has returned, so every acknowledged write survives a crash.
//! * **One core.** sqlx runs each SQLite statement on a worker thread and
//!   hands the result back through a channel. When the worker and the task
//!   that awaits it sit on different cores, every hand-off is a cross-core
//!   wake-up: about 50 µs per statement on a small VM, against 8 µs on one
//!   core. The writer pins itself to one core before it opens the
//!   connection; the worker thread sqlx spawns inherits the pin, and the
//!   change scripts run on the writer's own single-threaded runtime.
//!
//! A change must only touch the database: while it awaits anything else,
//! every other writer waits too.

use crate::{Result, StoreError, Tx};
use futures_util::FutureExt;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The future a change returns: it borrows the transaction.
pub type WriteFuture<'t, T, E> =
    Pin<Box<dyn Future<Output = std::result::Result<T, E>> + Send + 't>>;

/// Changes committed together at most; bounds the wait of the first one.
const MAX_GROUP: usize = 32;
/// Changes that may wait for the writer before callers are told it is busy.
const QUEUE: usize = 4096;
/// How long a caller waits for room in the queue before [`StoreError::Busy`].
const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// Called once the group holding a change has committed (`None`) or failed.
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// A type-erased change: runs on the transaction, says whether it succeeded,
/// and hands back how to deliver its result once the commit is known.
type Job = Box<
    dyn for<'t> FnOnce(&'t mut Tx) -> Pin<Box<dyn Future<Output = (bool, Deliver)> + Send + 't>>
        + Send,
>;

thread_local! {
    /// Set on the writer thread, where starting another write would deadlock.
    static ON_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

enum Command {
    Change(Job),
    Close(oneshot::Sender<()>),
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Command>,
}

impl Writer {
    /// Starts the writer thread and opens its connection.
    pub(crate) async fn start(opts: SqliteConnectOptions) -> Result<Self> {
        let (queue, rx) = mpsc::channel(QUEUE);
        let (ready_tx, ready) = oneshot::channel();
        std::thread::Builder::new()
            .name("pond-sqlite-writer".into())
            .spawn(move || {
                ON_WRITER.set(true);
                pin_to_one_core();
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(StoreError::Config(format!(
                            "cannot start the SQLite writer: {e}"
                        ))));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match open(opts).await {
                        Ok(pool) => {
                            let _ = ready_tx.send(Ok(()));
                            serve(pool, rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| StoreError::Config(format!("cannot start the SQLite writer: {e}")))?;
        ready.await.map_err(|_| stopped())??;
        Ok(Writer { queue })
    }

    /// Runs `op` in a write transaction and returns its result once the
    /// transaction is durable. An error from `op` rolls back its changes only.
    pub(crate) async fn run<T, E, F>(&self, op: F) -> std::result::Result<T, E>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> WriteFuture<'t, T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        if ON_WRITER.get() {
            // It would wait for the writer, which is waiting for it.
            return Err(StoreError::Unavailable(
                "a write cannot start inside another write; pass the transaction instead".into(),
            )
            .into());
        }
        let (reply, answer) = oneshot::channel::<std::result::Result<T, E>>();
        let job: Job = Box::new(move |tx| {
            Box::pin(async move {
                // A panicking change must not take the writer down with it;
                // its caller sees the dropped reply as an aborted write.
                let out = AssertUnwindSafe(op(tx)).catch_unwind().await;
                let ok = matches!(out, Ok(Ok(_)));
                let deliver: Deliver = Box::new(move |commit: Option<&StoreError>| {
                    let Ok(out) = out else { return };
                    let out = match (out, commit) {
                        (Ok(_), Some(e)) => Err(E::from(StoreError::Unavailable(e.to_string()))),
                        (out, _) => out,
                    };
                    let _ = reply.send(out);
                });
                (ok, deliver)
            })
        });
        match tokio::time::timeout(QUEUE_TIMEOUT, self.queue.send(Command::Change(job))).await {
            Err(_) => return Err(StoreError::Busy.into()),
            Ok(Err(_)) => return Err(stopped().into()),
            Ok(Ok(())) => {}
        }
        answer.await.unwrap_or_else(|_| {
            Err(
                StoreError::Unavailable("the write did not complete and was rolled back".into())
                    .into(),
            )
        })
    }

    /// Finishes queued changes, closes the connection (SQLite checkpoints
    /// the WAL) and stops the thread.
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Command::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".into())
}

/// Pins the calling thread to the last core it may run on, so the sqlx
/// worker it spawns next shares that core (see the module documentation).
fn pin_to_one_core() {
    if let Some(core) = core_affinity::get_core_ids().and_then(|ids| ids.last().copied()) {
        core_affinity::set_for_current(core);
    }
}

async fn open(opts: SqliteConnectOptions) -> Result<SqlitePool> {
    // A pool of one that never recycles its connection: `begin()` then
    // yields an owned transaction, and the connection (with its pinned
    // worker) lives as long as the writer.
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(opts)
        .await?)
}

async fn serve(pool: SqlitePool, mut rx: mpsc::Receiver<Command>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.recv().await {
        let mut close = None;
        match first {
            Command::Change(job) => group.push(job),
            Command::Close(done) => close = Some(done),
        }
        while close.is_none() && group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Command::Change(job)) => group.push(job),
                Ok(Command::Close(done)) => close = Some(done),
                Err(_) => break,
            }
        }
        if !group.is_empty() {
            commit_group(&pool, &mut group).await;
        }
        if let Some(done) = close {
            pool.close().await;
            let _ = done.send(());
            return;
        }
    }
    pool.close().await;
}

/// Runs a group of changes in one transaction, each in a savepoint when
/// there is more than one, then commits once and delivers every result.
async fn commit_group(pool: &SqlitePool, group: &mut Vec<Job>) {
    let mut delivers = Vec::with_capacity(group.len());
    let outcome = async {
        let mut tx = Tx::Sqlite(pool.begin().await?);
        let alone = group.len() == 1;
        let mut any_ok = false;
        for job in group.drain(..) {
            if !alone {
                savepoint(&mut tx, "SAVEPOINT change").await?;
            }
            let (ok, deliver) = job(&mut tx).await;
            delivers.push(deliver);
            if !alone {
                if !ok {
                    savepoint(&mut tx, "ROLLBACK TO change").await?;
                }
                savepoint(&mut tx, "RELEASE change").await?;
            }
            any_ok |= ok;
        }
        // Dropping the transaction rolls back a lone failed change.
        if any_ok {
            tx.commit().await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    group.clear();
    let err = outcome.err();
    if let Some(e) = &err {
        tracing::error!(error = %e, "a group of SQLite writes failed to commit");
    }
    for deliver in delivers {
        deliver(err.as_ref());
    }
}

async fn savepoint(tx: &mut Tx, sql: &'static str) -> Result<()> {
    if let Tx::Sqlite(t) = tx {
        sqlx::raw_sql(sql).execute(&mut **t).await?;
    }
    Ok(())
}
