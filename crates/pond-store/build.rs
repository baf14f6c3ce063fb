//! `sqlx::migrate!` embeds the migration files at compile time, but cargo
//! only rebuilds a crate when its own sources change: without this, a new
//! migration file would be left out of a build until some `.rs` file of
//! this crate changed too.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
