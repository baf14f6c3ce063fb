//! `pond user` and the console's first account, as a shop owner meets them.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// Runs `pond ARGS` on `db` with `stdin` as its input.
fn pond(db: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(args)
        .env("POND_DATABASE_URL", db)
        .env_remove("POND_USER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Starts `pond ARGS` and reads its stdout up to the "running" line.
fn start(args: &[&str], db: Option<&str>) -> (Child, Vec<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pond"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(db) = db {
        cmd.env("POND_DATABASE_URL", db);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = lines.next().expect("pond exited early").unwrap();
        seen.push(line.clone());
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (child, seen)
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    let _ = child.wait();
}

fn url_of(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("Pond is running at "))
        .unwrap()
        .to_string()
}

/// Logs in through the console's form; answers the status of the post.
fn console_login(url: &str, username: &str, password: &str) -> u16 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = http
            .get(format!("{url}/console/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        http.post(format!("{url}/console/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn the_first_account_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());

    // Before any account, `pond serve` prints the one-time setup link.
    let (child, lines) = start(&["serve", "--listen", "127.0.0.1:0"], Some(&db));
    stop(child);
    let setup = lines
        .iter()
        .find(|l| l.contains("/console/setup?code="))
        .cloned();
    assert!(setup.is_some(), "{lines:?}");

    let (ok, out, err) = pond(
        &db,
        &["user", "create", "--username", "lily"],
        "peonies-in-may\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("created owner account `lily`"), "{out}");
    let (ok, out, _) = pond(
        &db,
        &["user", "create", "--username", "mei", "--role", "viewer"],
        "tulips-in-april\n",
    );
    assert!(ok && out.contains("viewer"), "{out}");

    // The refusals name the problem and make nobody.
    let (ok, _, err) = pond(
        &db,
        &["user", "create", "--username", "lily"],
        "another-password\n",
    );
    assert!(!ok && err.contains("the username lily is taken"), "{err}");
    let (ok, _, err) = pond(&db, &["user", "create", "--username", "rose"], "short\n");
    assert!(!ok && err.contains("at least 8 characters"), "{err}");
    let (ok, _, err) = pond(
        &db,
        &["user", "create", "--username", "rose", "--role", "boss"],
        "long-enough-pw\n",
    );
    assert!(
        !ok && err.contains("--role must be owner, operator or viewer"),
        "{err}"
    );
    let (ok, _, err) = pond(
        &db,
        &["user", "password", "--username", "nobody"],
        "long-enough-pw\n",
    );
    assert!(!ok && err.contains("there is no account `nobody`"), "{err}");

    let (_, list, _) = pond(&db, &["user", "list"], "");
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("lily\towner") && list.contains("mei\tviewer"),
        "{list}"
    );
    assert!(!list.contains("argon2"), "hashes are never printed");

    let (ok, out, _) = pond(
        &db,
        &["user", "password", "--username", "lily"],
        "roses-in-june\n",
    );
    assert!(ok && out.contains("sessions are ended"), "{out}");

    // With an account, no setup link; the new password logs in, the old does not.
    let (child, lines) = start(&["serve", "--listen", "127.0.0.1:0"], Some(&db));
    let url = url_of(&lines);
    assert!(
        !lines.iter().any(|l| l.contains("/console/setup")),
        "{lines:?}"
    );
    assert_eq!(console_login(&url, "lily", "peonies-in-may"), 401);
    assert_eq!(console_login(&url, "lily", "roses-in-june"), 303);
    stop(child);
}

#[test]
fn the_demo_prints_a_console_login_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let (child, lines) = start(
        &[
            "demo",
            "--days",
            "20",
            "--listen",
            "127.0.0.1:0",
            "--file",
            file.to_str().unwrap(),
        ],
        None,
    );
    let login = lines
        .iter()
        .find_map(|l| l.strip_prefix("Console login: "))
        .unwrap()
        .to_string();
    let (user, password) = login.split_once(" / ").unwrap();
    assert_eq!(console_login(&url_of(&lines), user, password), 303);
    stop(child);
}
