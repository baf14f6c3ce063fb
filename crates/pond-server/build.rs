//! Sets `pond_no_test_pg` when `POND_TEST_DATABASE_URL` is unset, so the
//! PostgreSQL twins of this crate's `both_backends!` tests are counted as
//! ignored, with the reason, instead of passing without running.

fn main() {
    println!("cargo:rerun-if-env-changed=POND_TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(pond_no_test_pg)");
    if !std::env::var("POND_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pond_no_test_pg");
    }
}
