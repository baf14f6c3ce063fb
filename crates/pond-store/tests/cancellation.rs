//! On PostgreSQL, a caller that goes away in the middle of a transaction
//! (a client that disconnects drops its request's future) must not leave a
//! connection inside a transaction sqlx has forgotten: the next borrower
//! would run inside it ("there is already a transaction in progress") and
//! a rollback would land after the commit ("there is no transaction in
//! progress"). Hundreds of writes and reads are cancelled at random points;
//! afterwards every write that finished is kept, and no connection of the
//! pool sits idle inside a transaction.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use pond_store::testing::TestDb;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_transactions_leave_no_connection_inside_one() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.open().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..600u64 {
        let store = store.clone();
        tasks.spawn(async move {
            // From 0 to 3 ms: some are cancelled before BEGIN is answered,
            // some in the middle, some at COMMIT, some not at all.
            let cut = Duration::from_micros((i * 7919) % 3000);
            let write = store.write(move |tx| {
                Box::pin(
                    async move { pond_store::instance::set(tx, &format!("cancel-{i}"), "x").await },
                )
            });
            let _ = tokio::time::timeout(cut, write).await;
            let read = async {
                let mut tx = store.read().await?;
                pond_store::instance::get(&mut tx, "cancel-0").await
            };
            let _ = tokio::time::timeout(cut, read).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    // Writes whose callers left still finish on their own tasks, and
    // connections dropped with a transaction are rolled back as they go
    // back to the pool; one still inside a transaction after that was
    // forgotten, and nothing will ever end it.
    let mut stuck = -1;
    for _ in 0..100 {
        stuck = pond_store::testing::idle_in_transaction(&store).await;
        if stuck == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stuck, 0, "connections left inside a forgotten transaction");
}
