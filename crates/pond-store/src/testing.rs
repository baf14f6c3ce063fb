//! Fresh databases for tests: a SQLite file in a temporary directory, or a
//! new PostgreSQL database on the server named by `POND_TEST_DATABASE_URL`
//! (CI sets it). Without it the PostgreSQL twins of [`both_backends!`] are
//! compiled as ignored, with the reason, so the test summary counts them as
//! skipped rather than passed. Each PostgreSQL database is dropped with the
//! test that made it.

use crate::Store;
use rand::Rng;
use sqlx::Connection;

/// The environment variable naming a PostgreSQL server for tests.
pub const PG_ENV: &str = "POND_TEST_DATABASE_URL";

/// A database that exists for one test.
pub struct TestDb {
    /// Its URL, for `Store::open`.
    pub url: String,
    /// What it runs on, for messages.
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and the database's name, to drop it afterwards.
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    /// A new SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
        let url = format!("sqlite://{}", dir.path().join("pond.db").display());
        TestDb {
            url,
            label: "sqlite",
            _dir: Some(dir),
            drop_pg: None,
        }
    }

    /// A new, empty PostgreSQL database, or `None` (with the reason printed)
    /// when `POND_TEST_DATABASE_URL` is unset.
    pub async fn postgres() -> Option<Self> {
        let Some(admin) = std::env::var(PG_ENV).ok().filter(|v| !v.trim().is_empty()) else {
            eprintln!(
                "skipped: set {PG_ENV}=postgres://USER@HOST/DB to run this test on PostgreSQL"
            );
            return None;
        };
        let name = format!("pond_test_{:016x}", rand::rng().random::<u64>());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
        let _ = conn.close().await;
        let base = match admin.rfind('/') {
            Some(i) if admin[..i].contains("://") && i > admin.find("://").map_or(0, |j| j + 2) => {
                &admin[..i]
            }
            _ => admin.as_str(),
        };
        let query = admin.find('?').map(|i| &admin[i..]).unwrap_or("");
        Some(TestDb {
            url: format!("{base}/{name}{query}"),
            label: "postgres",
            _dir: None,
            drop_pg: Some((admin.clone(), name)),
        })
    }

    /// Opens and migrates it.
    pub async fn open(&self) -> Store {
        Store::open(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {} test database: {e}", self.label))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.drop_pg.take() else {
            return;
        };
        // Drop runs on the test's runtime, which cannot be blocked on from
        // inside; a thread with a runtime of its own can. FORCE ends the
        // connections the test's pool still holds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .map_err(|e| e.to_string())?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let result = sqlx::query(&sql).execute(&mut conn).await;
                let _ = conn.close().await;
                result.map(drop).map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}

/// Defines `mod sqlite` and `mod postgres`, each with a `#[tokio::test]` per
/// named async fn taking a [`TestDb`], so every test runs on both backends
/// and a failure names the backend.
///
/// The PostgreSQL twins are `#[ignore]`d, with the reason, when the crate
/// was compiled with `--cfg pond_no_test_pg`: the build script of a crate
/// that uses this macro sets it when `POND_TEST_DATABASE_URL` is unset
/// (see pond-store's `build.rs`), so a run without PostgreSQL says how many
/// tests it skipped.
#[macro_export]
macro_rules! both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::testing::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    pond_no_test_pg,
                    ignore = "PostgreSQL: set POND_TEST_DATABASE_URL=postgres://USER@HOST/DB to run"
                )]
                async fn $test() {
                    if let Some(db) = $crate::testing::TestDb::postgres().await {
                        super::$test(db).await;
                    }
                }
            )*
        }
    };
}
