//! Bulk writes that step prepared statements on SQLite's C API, inside the
//! transaction sqlx holds.
//!
//! Through sqlx, every statement is encoded, copied into owned values, sent
//! to sqlx's worker thread, bound there and answered over a channel. A chat
//! import writes millions of rows, and that hand-off was most of a row's
//! cost (see docs/benchmarks.md). Here the calling thread borrows the
//! connection from the worker (`lock_handle` parks the worker on the
//! connection's lock) and runs rusqlite statements on it directly: one
//! prepare per batch, then bind and step per row, with no copy and no
//! thread switch. It is the same connection, so the rows belong to the
//! transaction (and savepoint) the caller is in.
//!
//! Reports read the same way ([`query_rows`]): a window of sender rollups
//! is about a million rows, and through sqlx each would cross threads on
//! its own.

use crate::{Result, StoreError};
use rusqlite::ffi::ErrorCode;
use sqlx::{Sqlite, Transaction};

/// Runs `f` on the connection of `tx`. `f` runs synchronously on the
/// calling thread; on SQLite that is the store's writer thread, which has
/// nothing else to do meanwhile.
pub(crate) async fn with<T>(
    tx: &mut Transaction<'static, Sqlite>,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> Result<T> {
    let mut handle = tx.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is the open connection of `tx`. While `handle` lives,
    // sqlx's worker waits on the connection's lock, so this thread is its
    // only user. `from_handle` borrows the connection without closing it on
    // drop, and `db` (with every statement it prepared) is dropped before
    // `handle` gives the connection back.
    #[allow(unsafe_code)]
    let db = unsafe { rusqlite::Connection::from_handle(raw) }.map_err(error)?;
    let out = f(&db).map_err(error);
    drop(db);
    drop(handle);
    out
}

/// Runs the query `sql` on the connection of `tx` (a read or a write
/// transaction) and maps each result row with `row`. `params[i]` binds
/// `$i+1` wherever it appears, as with sqlx: SQLite itself numbers named
/// parameters by first appearance, so `$2 ... $1` would bind them swapped.
pub(crate) async fn query_rows<T>(
    tx: &mut Transaction<'static, Sqlite>,
    sql: &str,
    params: &[&(dyn rusqlite::ToSql + Sync)],
    mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    with(tx, |db| {
        let mut st = db.prepare(sql)?;
        for (i, value) in params.iter().enumerate() {
            let name = format!("${}", i + 1);
            let at = st
                .parameter_index(&name)?
                .ok_or(rusqlite::Error::InvalidParameterName(name))?;
            st.raw_bind_parameter(at, value)?;
        }
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(row(r)?);
        }
        Ok(out)
    })
    .await
}

/// SQLite's refusals as the store names them.
fn error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, message) = &e {
        let what = message.clone().unwrap_or_else(|| f.to_string());
        match (f.code, f.extended_code) {
            (ErrorCode::ConstraintViolation, rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => {
                return StoreError::MissingReference(what);
            }
            (
                ErrorCode::ConstraintViolation,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            ) => return StoreError::Conflict(what),
            (ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked, _) => return StoreError::Busy,
            _ => {}
        }
    }
    StoreError::Sqlite(e.to_string())
}

/// Rows per statement in [`insert_rows`]: each execution sets up its cursors
/// once for all its rows, and copies each page it changes once into its
/// statement journal; 512 × 6 parameters stays far under SQLite's 32,766.
const ROWS: usize = 512;

/// Runs the INSERT `template` (its VALUES list written `{}`) over `rows` on
/// the connection of `tx`, [`ROWS`] rows per execution; `bind(statement,
/// first, row)` binds one row's `cols` values from parameter `first + 1`
/// on. Answers how many rows the statements changed.
pub(crate) async fn insert_rows<T>(
    tx: &mut Transaction<'static, Sqlite>,
    template: &str,
    cols: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<usize> {
    with(tx, |db| insert_chunks(db, template, cols, rows, bind)).await
}

fn insert_chunks<T>(
    db: &rusqlite::Connection,
    template: &str,
    cols: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<usize> {
    let sql =
        |n: usize| template.replace("{}", &crate::sql::values(crate::Backend::Sqlite, n, cols));
    // Prepared once per call: the text of a 512-row statement is 7 kB, too
    // long to rebuild and hash for every chunk.
    let mut full = None;
    let mut changed = 0;
    for chunk in rows.chunks(ROWS) {
        let mut tail;
        let st = if chunk.len() == ROWS {
            match &mut full {
                Some(st) => st,
                None => full.insert(db.prepare(&sql(ROWS))?),
            }
        } else {
            tail = db.prepare(&sql(chunk.len()))?;
            &mut tail
        };
        for (r, row) in chunk.iter().enumerate() {
            bind(st, r * cols, row)?;
        }
        changed += st.raw_execute()?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tx;

    #[tokio::test]
    async fn numbered_parameters_bind_by_their_number() {
        let db = crate::testing::TestDb::sqlite();
        let store = db.open().await;
        let Tx::Sqlite(mut t) = store.read().await.unwrap() else {
            unreachable!("a SQLite test database")
        };
        // `$2` comes first in the text, and `$1` twice.
        let rows = query_rows(&mut t, "SELECT $2, $1, $1 + 1", &[&10_i64, &20_i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .await
        .unwrap();
        assert_eq!(rows, [(20, 10, 11)]);
        let missing = query_rows(&mut t, "SELECT $1", &[&1_i64, &2_i64], |r| {
            r.get::<_, i64>(0)
        })
        .await;
        assert!(
            matches!(&missing, Err(StoreError::Sqlite(m)) if m.contains("$2")),
            "{missing:?}"
        );
    }
}
