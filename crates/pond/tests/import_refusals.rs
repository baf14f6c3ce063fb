//! `pond import` refuses, with exit 1 and one sentence naming the problem,
//! a file in which nothing importable is found: an empty file, a PNG, and
//! a WeChat CSV given as `--format whatsapp`. Nothing is written.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use std::process::Command;

fn pond(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(args)
        .env("POND_DATABASE_URL", db)
        .env("POND_TIME_ZONE", "Asia/Shanghai")
        .env_remove("POND_REGION")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn files_with_nothing_to_import_exit_1_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let png = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/images/console-overview.png"
    );
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pond-import/tests/data/wechat/花友会.csv"
    );
    for file in [empty.to_str().unwrap(), png, csv] {
        let (code, out, err) = pond(&db, &["import", file, "--format", "whatsapp"]);
        assert_eq!(code, 1, "{file}: {out}{err}");
        let said: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(said.len(), 1, "{file}: one sentence, not {err}");
        assert!(said[0].contains("WhatsApp"), "{file}: {err}");
        assert!(!out.contains("imported"), "{file}: {out}");
    }
    let (code, out, _) = pond(&db, &["report", "groups", "--json"]);
    assert_eq!(code, 0);
    assert!(!out.contains("\"name\""), "no group was created: {out}");
}
