//! The `pond` binary as a user runs it.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn pond(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(args)
        .env("POND_DATABASE_URL", db)
        .env_remove("POND_REGION")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_shop_runs_a_program_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());

    let (ok, out, _) = pond(&db, &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out, _) = pond(&db, &["token", "create", "--name", "pos"]);
    assert!(ok);
    let token = out.lines().last().unwrap();
    assert!(
        token.starts_with("pond_") && token.len() > 40,
        "the token is alone on the last line: {out}"
    );
    let (_, list, _) = pond(&db, &["token", "list"]);
    assert!(
        list.contains("pos") && !list.contains(token),
        "tokens are never shown again"
    );

    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"name":"Blooms","inviter_cap":10,"hold_days":0,
        "qualifying":{"type":"signup"},
        "rewards":[{"side":"inviter","depth":2,"amount":50,"unit":"points"}]}"#,
    )
    .unwrap();
    let (ok, _, err) = pond(&db, &["program", "create", spec.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("pyramid_indirect_referral") && err.contains("rewards[0].depth"),
        "{err}"
    );

    std::fs::write(
        &spec,
        r#"{"name":"Blooms","inviter_cap":10,"hold_days":0,
        "qualifying":{"type":"signup"},
        "rewards":[{"side":"inviter","depth":1,"amount":50,"unit":"points"},
                   {"side":"invitee","depth":1,"amount":50,"unit":"points"}]}"#,
    )
    .unwrap();
    let (ok, out, err) = pond(&db, &["program", "create", spec.to_str().unwrap()]);
    assert!(ok, "{err}");
    let program: serde_json::Value = serde_json::from_str(&out).unwrap();
    let program = program["id"].to_string();

    let (ok, out, _) = pond(
        &db,
        &["member", "add", "--name", "Ann", "--phone", "13800000001"],
    );
    assert!(ok);
    let ann: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ann["keys"]["phone"], "+8613800000001");
    let ann = ann["id"].to_string();
    let (ok, link, _) = pond(&db, &["member", "link", &ann, "--program", &program]);
    assert!(ok);
    let code = link.trim().rsplit('/').next().unwrap().to_string();
    let (ok, out, err) = pond(
        &db,
        &[
            "member",
            "add",
            "--name",
            "Bo",
            "--phone",
            "13800000002",
            "--referral-code",
            &code,
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("\"qualified\""),
        "a signup program qualifies at signup: {out}"
    );
    let (ok, out, _) = pond(&db, &["member", "balances", &ann]);
    assert!(ok);
    assert!(out.contains("\"amount\": 50"), "{out}");

    let (ok, _, err) = pond(&db, &["member", "add", "--phone", "12"]);
    assert!(!ok);
    assert!(err.contains("invalid_phone"), "{err}");
    let (ok, _, err) = pond("mysql://nope", &["migrate"]);
    assert!(!ok);
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[test]
fn demo_serves_on_localhost_and_prints_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(["demo", "--days", "20", "--listen", "127.0.0.1:0", "--file"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut token = None;
    let url = loop {
        let line = lines.next().expect("demo exited early").unwrap();
        if let Some(t) = line.strip_prefix("API token: ") {
            token = Some(t.to_string());
        }
        if let Some(u) = line.strip_prefix("Pond is running at ") {
            break u.to_string();
        }
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let members: serde_json::Value = rt.block_on(async {
        let c = reqwest::Client::new();
        let health = c
            .get(format!("{url}/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        c.get(format!("{url}/api/v1/members?limit=200"))
            .bearer_auth(token.unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        members.as_array().unwrap().len() >= 20,
        "the demo has members"
    );
}

#[test]
fn classify_reads_lines_and_writes_json_lines() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(["classify", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            "花都蔫了，我要退款\n谢谢，花很漂亮\nThe flowers never arrived\nLove the roses!\n"
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let verdicts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let flags: Vec<bool> = verdicts
        .iter()
        .map(|v| v["complaint"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [true, false, true, false]);
    assert!(
        verdicts
            .iter()
            .all(|v| (0.0..=1.0).contains(&v["score"].as_f64().unwrap()))
    );
}

#[test]
fn pond_imports_chat_exports_and_reports_groups() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("groups.db").display());
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pond-import/tests/data/public"
    );
    let chat = format!("{fixtures}/whatsapp/android-short-chat.txt");
    let tz = ["--time-zone", "Asia/Shanghai"];

    let (ok, out, err) = pond(&db, &[&tz[..], &["import", &chat, "--json"]].concat());
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for field in [
        "groups", "messages", "senders", "joins", "leaves", "skipped",
    ] {
        assert!(v[field].is_u64(), "{field} is an integer: {out}");
    }
    assert_eq!(
        (v["messages"].as_u64(), v["senders"].as_u64()),
        (Some(5), Some(3))
    );
    let (ok, out, _) = pond(&db, &[&tz[..], &["import", &chat, "--json"]].concat());
    assert!(ok);
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        again["added"]["messages"], 0,
        "importing twice adds nothing"
    );

    let (ok, _, err) = pond(&db, &["--time-zone", "Europe/Paris", "report", "groups"]);
    assert!(
        !ok && err.contains("Asia/Shanghai"),
        "the zone is fixed: {err}"
    );
    let (ok, out, err) = pond(
        &db,
        &["report", "groups", "--as-of", "2017-09-10", "--json"],
    );
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["census"]["groups_with_history"], 1);
    for state in ["new", "active", "declining", "dormant", "dead"] {
        assert!(r["census"]["states"][state].is_u64(), "{state}: {out}");
    }
    assert_eq!(r["groups"][0]["name"], "android-short-chat");
    assert!(r["groups"][0]["state"].is_string());
    let (ok, table, _) = pond(&db, &["report", "groups", "--as-of", "2017-09-10"]);
    assert!(ok && table.contains("android-short-chat"), "{table}");
    assert_ne!(
        r["groups"][0]["state"], "dead",
        "six days silent, dead from 30"
    );
    let rules = dir.path().join("lifecycle.json");
    std::fs::write(
        &rules,
        r#"{"new_for_days": 1, "dormant_after_days": 2, "dead_after_days": 3}"#,
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let args = [
        "--lifecycle",
        rules,
        "report",
        "groups",
        "--as-of",
        "2017-09-10",
        "--json",
    ];
    let (ok, out, err) = pond(&db, &args);
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["groups"][0]["state"], "dead",
        "silent 6 days, dead from 3"
    );
    std::fs::write(
        dir.path().join("lifecycle.json"),
        r#"{"dead_after_days": 3}"#,
    )
    .unwrap();
    let (ok, _, err) = pond(&db, &args);
    assert!(!ok && err.contains("dead_after_days"), "{err}");

    let (ok, _, err) = pond(&db, &["import", "/nonexistent/chat.txt"]);
    assert!(!ok && err.contains("/nonexistent/chat.txt"), "{err}");
    let (ok, _, err) = pond(&db, &["import", &chat, "--format", "fax"]);
    assert!(!ok && err.contains("unknown format"), "{err}");
}

#[test]
fn pond_simulate_agrees_with_theory() {
    let db = "sqlite://unused.db";
    let (ok, out, err) = pond(
        db,
        &[
            "simulate",
            "--model",
            "skok",
            "--initial",
            "10",
            "--k",
            "2",
            "--cycle-days",
            "2",
            "--days",
            "20",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        (v["total"].as_f64().unwrap() - 20_470.0).abs() < 1e-6,
        "{out}"
    );

    let (ok, out, err) = pond(
        db,
        &[
            "simulate", "--k", "0.5", "--seeds", "10", "--runs", "20000", "--seed", "7", "--json",
        ],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let per_seed = v["mean_total_per_seed"].as_f64().unwrap();
    assert!((per_seed - 2.0).abs() < 0.02, "1/(1-K) = 2: {per_seed}");

    let (ok, out, _) = pond(
        db,
        &[
            "simulate", "--k", "2", "--seeds", "1", "--runs", "20000", "--seed", "7", "--json",
        ],
    );
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let q = v["extinction_probability"].as_f64().unwrap();
    assert!(
        (q - 0.203).abs() < 0.015,
        "Poisson K=2 dies out with p=0.203: {q}"
    );

    let (ok, _, err) = pond(db, &["simulate", "--k=-1"]);
    assert!(!ok && err.contains('k'), "{err}");
}

#[test]
fn pond_simulate_plots_and_spreads_over_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let no_shop = format!("sqlite://{}", missing.display());
    let svg = dir.path().join("growth.svg");
    let png = dir.path().join("generations.png");
    let run = |args: &[&str]| {
        let (ok, out, err) = pond(&no_shop, args);
        assert!(ok, "{args:?}: {err}");
        out
    };
    let base = [
        "simulate",
        "--k",
        "1.3",
        "--runs",
        "200",
        "--cycle-days",
        "2",
        "--days",
        "30",
    ];
    run(&[&base[..], &["--plot", svg.to_str().unwrap()]].concat());
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert!(
        doc.descendants().any(|n| n.has_tag_name("polygon")),
        "the band"
    );
    assert!(text.contains("Expected members over time"));
    run(&[
        &base[..],
        &["--plot", png.to_str().unwrap(), "--chart", "generations"],
    ]
    .concat());
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (800, 480));
    assert!(
        img.pixels().filter(|p| p.0 == [46, 125, 50]).count() > 1_000,
        "bars drawn"
    );
    assert!(!missing.exists(), "simulate never creates a database");
    let (ok, _, err) = pond(&no_shop, &[&base[..], &["--plot", "chart.gif"]].concat());
    assert!(!ok && err.contains(".svg or .png"), "{err}");
    let (ok, _, err) = pond(&no_shop, &["simulate", "--graph", "referrals"]);
    assert!(!ok && err.contains("does not exist"), "{err}");

    // A synthetic graph: the same seed gives the same answer.
    let synthetic = [
        "simulate",
        "--graph",
        "synthetic",
        "--members",
        "2000",
        "--degree",
        "6",
        "--k",
        "1.5",
        "--seeds",
        "3",
        "--runs",
        "100",
        "--seed",
        "4",
        "--json",
    ];
    let first: serde_json::Value = serde_json::from_str(&run(&synthetic)).unwrap();
    assert_eq!(first["graph"]["members"], 2000);
    assert!(first["mean_total"].as_f64().unwrap() <= 2000.0);
    assert_eq!(
        first,
        serde_json::from_str::<serde_json::Value>(&run(&synthetic)).unwrap()
    );

    // The shop's own graph: Ann brought Bo and Cy.
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"name":"Blooms","inviter_cap":10,"hold_days":0,"qualifying":{"type":"signup"},
        "rewards":[{"side":"inviter","depth":1,"amount":50,"unit":"points"},
                   {"side":"invitee","depth":1,"amount":50,"unit":"points"}]}"#,
    )
    .unwrap();
    let (ok, out, err) = pond(&db, &["program", "create", spec.to_str().unwrap()]);
    assert!(ok, "{err}");
    let program = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"].to_string();
    let (_, ann, _) = pond(
        &db,
        &["member", "add", "--name", "Ann", "--phone", "13800000001"],
    );
    let ann = serde_json::from_str::<serde_json::Value>(&ann).unwrap()["id"].to_string();
    let (_, link, _) = pond(&db, &["member", "link", &ann, "--program", &program]);
    let code = link.trim().rsplit('/').next().unwrap().to_string();
    for phone in ["13800000002", "13800000003"] {
        let (ok, _, err) = pond(
            &db,
            &["member", "add", "--phone", phone, "--referral-code", &code],
        );
        assert!(ok, "{err}");
    }
    let graph = [
        "simulate",
        "--graph",
        "referrals",
        "--seeds",
        "1",
        "--runs",
        "300",
        "--seed",
        "9",
        "--json",
    ];
    let (ok, out, err) = pond(&db, &graph);
    assert!(ok, "{err}");
    let first: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(first["graph"]["members"], 3);
    assert_eq!(first["graph"]["arcs"], 4);
    assert_eq!(
        first["defaults_from_fit"],
        serde_json::json!([]),
        "nobody is 60 days old yet"
    );
    let (_, again, _) = pond(&db, &graph);
    assert_eq!(out, again, "deterministic for a seed");

    let k_chart = dir.path().join("k.svg");
    let (ok, out, err) = pond(
        &db,
        &[
            "simulate",
            "--fit",
            "--json",
            "--plot",
            k_chart.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let fit: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            fit["members"].as_u64(),
            fit["successful_referrals"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(fit["k"], serde_json::Value::Null, "no mature members: no K");
    let k_svg = std::fs::read_to_string(&k_chart).unwrap();
    assert!(roxmltree::Document::parse(&k_svg).is_ok() && k_svg.contains("K over time"));
}

#[test]
fn the_shop_asks_within_the_trust_budget_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"name":"Only me","inviter_cap":10,"hold_days":0,
        "qualifying":{"type":"first_paid_order","min_amount":5000},
        "rewards":[{"side":"inviter","depth":1,"amount":50,"unit":"points"}]}"#,
    )
    .unwrap();
    let (ok, out, err) = pond(&db, &["program", "create", spec.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        err.contains("value audit: value extractor")
            && err.contains("one-sided: the invitee gets nothing"),
        "{err}"
    );
    let program: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(program["value_audit"]["label"], "value_extractor");
    assert_eq!(program["value_audit"]["shop_value"], 20);
    let program = program["id"].to_string();

    let (ok, out, _) = pond(
        &db,
        &["member", "add", "--name", "Ann", "--external-id", "pos-1"],
    );
    assert!(ok);
    let ann: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ann = ann["id"].to_string();
    let (ok, out, err) = pond(
        &db,
        &[
            "trust",
            "ask",
            &ann,
            "--kind",
            "share",
            "--program",
            &program,
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("trust 100 -> 90"), "{out}");
    let (ok, out, err) = pond(&db, &["trust", "ask", &ann, "--kind", "like"]);
    assert!(ok, "{err}");
    assert!(out.contains("trust 90 -> 85"), "{out}");
    let (ok, _, err) = pond(&db, &["trust", "ask", &ann, "--kind", "vote"]);
    assert!(!ok, "a third ask in a week is refused");
    assert!(
        err.contains("2 asks in the last 7 days (limit 2) (asked_too_often)"),
        "{err}"
    );

    let (ok, out, _) = pond(&db, &["trust", "show", &ann, "--json"]);
    assert!(ok);
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["score"], 85);
    assert_eq!(
        t["recent"].as_array().unwrap().len(),
        2,
        "the refusal wrote nothing"
    );
    let (ok, out, _) = pond(&db, &["trust", "show", &ann]);
    assert!(ok);
    assert!(
        out.contains("trust 85 of 100") && out.contains("2 asks in the last 7 days (limit 2)"),
        "{out}"
    );
    let (ok, out, _) = pond(&db, &["trust", "report", &program, "--json"]);
    assert!(ok);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["asks"],
        serde_json::json!([{"kind": "share", "asks": 1, "members": 1, "trust_spent": 10}])
    );
    let (ok, _, err) = pond(&db, &["trust", "show", "999"]);
    assert!(!ok);
    assert!(err.contains("member not found"), "{err}");
}

#[test]
fn pond_reports_growth_and_the_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"name":"Blooms","inviter_cap":10,"hold_days":0,
        "qualifying":{"type":"signup"},
        "rewards":[{"side":"inviter","depth":1,"amount":50,"unit":"points"},
                   {"side":"invitee","depth":1,"amount":50,"unit":"points"}]}"#,
    )
    .unwrap();
    let (ok, out, err) = pond(&db, &["program", "create", spec.to_str().unwrap()]);
    assert!(ok, "{err}");
    let program: serde_json::Value = serde_json::from_str(&out).unwrap();
    let program = program["id"].to_string();
    let add = |args: &[&str]| {
        let mut all = vec!["member", "add"];
        all.extend_from_slice(args);
        let (ok, out, err) = pond(&db, &all);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    // Ann brings Bob through her link while the program runs (incentivised);
    // Cy says a friend told him (organic); Di walked in.
    let ann = add(&["--phone", "13800000001"])["id"].to_string();
    let (ok, link, _) = pond(&db, &["member", "link", &ann, "--program", &program]);
    assert!(ok);
    let code = link.trim().rsplit('/').next().unwrap().to_string();
    let bob = add(&["--phone", "13800000002", "--referral-code", &code]);
    assert_eq!(bob["referral"]["status"], "qualified", "{bob}");
    let cy = add(&["--phone", "13800000003", "--heard-from", "friend"]);
    assert_eq!(cy["heard_from"], "friend");
    add(&["--phone", "13800000004", "--heard-from", "walk_in"]);
    let (ok, _, err) = pond(
        &db,
        &[
            "member",
            "add",
            "--phone",
            "13800000005",
            "--heard-from",
            "tv",
        ],
    );
    assert!(!ok && err.contains("walk_in"), "{err}");

    let tz = ["--time-zone", "UTC"];
    let (ok, out, err) = pond(&db, &[&tz[..], &["report", "growth", "--json"]].concat());
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["members"]["new"], 4, "{r}");
    assert_eq!(r["k"]["successful_referrals"], 1);
    assert_eq!(r["generations"], serde_json::json!([3, 1]));
    let mix = &r["referral_mix"];
    assert_eq!(
        (&mix["organic"], &mix["incentivised"]),
        (&1.into(), &1.into()),
        "{mix}"
    );
    assert_eq!(mix["verdict"], "at_or_above_benchmark");

    let (ok, out, err) = pond(&db, &[&tz[..], &["report", "growth"]].concat());
    assert!(ok, "{err}");
    assert!(
        out.contains("K: 0.25 (1 successful referrals by 4 new members)"),
        "{out}"
    );
    assert!(
        out.contains("organic referral: 25.0% of new members (1)"),
        "{out}"
    );
    assert!(out.contains("at or above"), "{out}");
    assert!(out.contains("members per generation: 0: 3, 1: 1"), "{out}");
    assert!(
        out.contains("heard from: friend 1, unknown 2, walk_in 1"),
        "{out}"
    );

    let (ok, _, err) = pond(
        &db,
        &[&tz[..], &["report", "growth", "--from", "2026-13-01"]].concat(),
    );
    assert!(!ok && err.contains("--from"), "{err}");

    let (ok, out, err) = pond(&db, &[&tz[..], &["report", "funnel", "--json"]].concat());
    assert!(ok, "{err}");
    let f: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(f["groups"], serde_json::json!([]), "{f}");
    let (ok, out, err) = pond(&db, &[&tz[..], &["report", "funnel"]].concat());
    assert!(ok, "{err}");
    assert!(
        out.contains("Community funnel") && out.contains("no groups yet"),
        "{out}"
    );
}
