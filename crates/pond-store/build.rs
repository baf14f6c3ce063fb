//! `sqlx::migrate!` embeds the migration files at compile time, but cargo
//! only rebuilds a crate when its own sources change: without this, a new
//! migration file would be left out of a build until some `.rs` file of
//! this crate changed too.
//!
//! It also sets `pond_no_test_pg` when `POND_TEST_DATABASE_URL` is unset,
//! which marks the PostgreSQL twins of `both_backends!` tests as ignored
//! (pond-server's build.rs does the same for its tests).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=POND_TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(pond_no_test_pg)");
    if !std::env::var("POND_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pond_no_test_pg");
    }
}
