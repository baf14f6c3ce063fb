//! Upgrading a SQLite database that already holds chat history: migration
//! 0014 rebuilds the three chat tables, and every row must come through.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use pond_store::testing::TestDb;
use sqlx::{Connection, Row, SqliteConnection};

/// A `chat_events` row: group, instant, id, sender, kind, text.
type EventRow = (i64, i64, i64, Option<i64>, String, Option<String>);

#[tokio::test]
async fn chat_rows_survive_the_rebuild_of_their_tables() {
    let db = TestDb::sqlite();
    let opts: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
    let opts = opts.create_if_missing(true).foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
    // The schema as it was before 0014.
    let mut before = sqlx::migrate!("./migrations/sqlite");
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 14)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&mut conn).await.unwrap();
    for sql in [
        "INSERT INTO chat_groups (id, channel, group_key, name, first_seen, created_at)
         VALUES (1, 'telegram', 'id:1', '花友群', 0, 0)",
        "INSERT INTO chat_people (id, group_id, person_key, name) VALUES (7, 1, 'name:Ann', 'Ann')",
        "INSERT INTO chat_events VALUES (1, 1000, 11, 7, 'text', '玫瑰很新鲜'), (1, 2000, 12, NULL, 'system', NULL)",
        "INSERT INTO group_days VALUES (1, 20000, 2, 1, 0, 0), (1, 20001, 0, 0, 3, 1)",
        "INSERT INTO sender_days VALUES (1, 20000, 7, FALSE, 1)",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();

    // Opening the store applies the rest.
    let store = db.open().await;
    drop(store);
    let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT group_id, at, id, person_id, kind, text FROM chat_events ORDER BY at",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            (
                1,
                1000,
                11,
                Some(7),
                "text".into(),
                Some("玫瑰很新鲜".into())
            ),
            (1, 2000, 12, None, "system".into(), None),
        ]
    );
    let days: Vec<(i64, i64, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT * FROM group_days ORDER BY day")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(days, [(1, 20000, 2, 1, 0, 0), (1, 20001, 0, 0, 3, 1)]);
    let senders: Vec<(i64, i64, i64, bool, i64)> = sqlx::query_as("SELECT * FROM sender_days")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(senders, [(1, 20000, 7, false, 1)]);
    // The partial index of member moves is back, and the keys still refuse
    // a second row.
    let index = sqlx::query("SELECT sql FROM sqlite_master WHERE name = 'group_days_moves'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        index
            .get::<String, _>(0)
            .contains("joins > 0 OR leaves > 0")
    );
    let twice = sqlx::query("INSERT INTO chat_events VALUES (1, 1000, 11, 7, 'text', NULL)")
        .execute(&mut conn)
        .await;
    assert!(twice.is_err(), "the key (group, at, id) still holds");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
}
