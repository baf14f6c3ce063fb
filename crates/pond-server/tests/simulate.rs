//! The simulator over HTTP on both backends: K and cycle time fitted from a
//! hand-built history with known answers, simulations over the shop's own
//! referral graph that repeat for a seed, bad parameters refused naming the
//! field, and charts that are real SVG and PNG.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use jiff::{SignedDuration, Timestamp};
use pond_app::Error;
use pond_app::events::EventInput;
use pond_app::members::MemberInput;
use pond_app::{Config, Pond};
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::collections::HashMap;
use support::{TestApp, spawn};

pond_store::both_backends!(
    fit_reads_k_and_cycle_time_from_history,
    referral_graph_simulation_repeats_for_a_seed,
    bad_parameters_name_the_field,
    plots_are_valid_svg_and_png,
);

/// Who joined when (days after the start), through whom, and when they
/// paid (which qualifies their referral). As of now = day 200, with a
/// 60-day window, the eight who joined by day 140 are mature. Their
/// successful referrals within 60 days: A→D (day 4), A→E (day 30), B→F
/// (day 16; B→G never paid), C→H (day 28): K = 4 / 8 = 0.5. First delays
/// 4, 6 and 8 days: cycle time 6 days. L→M happened, but L is too young.
const HISTORY: &[(&str, i64, Option<&str>, Option<i64>)] = &[
    ("A", 0, None, None),
    ("D", 4, Some("A"), Some(5)),
    ("B", 10, None, None),
    ("G", 12, Some("B"), None),
    ("F", 16, Some("B"), Some(17)),
    ("C", 20, None, None),
    ("H", 28, Some("C"), Some(29)),
    ("E", 30, Some("A"), Some(31)),
    ("L", 190, None, None),
    ("M", 195, Some("L"), Some(196)),
];

/// Writes [`HISTORY`] through the same flows the API uses, back-dated.
async fn history(app: &TestApp) {
    let store = app.store.clone();
    let state = Pond::new(store.clone(), Config::default(), "http://localhost".into())
        .await
        .unwrap();
    let start = Timestamp::now() - SignedDuration::from_hours(24 * 200);
    let at = move |day: i64| start + SignedDuration::from_hours(24 * day);
    store
        .write(move |tx| {
            Box::pin(async move {
                let spec = json!({
                    "name": "Share the blooms",
                    "rewards": [
                        {"side": "inviter", "depth": 1, "amount": 50, "unit": "points"},
                        {"side": "invitee", "depth": 1, "amount": 50, "unit": "points"}
                    ],
                    "inviter_cap": 20,
                    "qualifying": {"type": "first_paid_order", "min_amount": 100},
                    "hold_days": 0,
                    "starts_at": at(-1).to_string()
                });
                let spec = serde_json::from_value(spec).unwrap();
                let program = pond_app::programs::create(tx, spec, at(-1)).await?.id;
                let mut ids: HashMap<&str, i64> = HashMap::new();
                for &(name, day, inviter, paid) in HISTORY {
                    let referral_code = match inviter {
                        Some(i) => Some(
                            pond_store::links::get_or_create(tx, program, ids[i], at(day))
                                .await?
                                .code,
                        ),
                        None => None,
                    };
                    let input = MemberInput {
                        external_id: Some(format!("pos-{name}")),
                        referral_code,
                        ..Default::default()
                    };
                    let m = pond_app::members::create(&state, tx, input, at(day)).await?;
                    ids.insert(name, m.id);
                    if let Some(p) = paid {
                        let e = EventInput {
                            id: None,
                            kind: "order.paid".into(),
                            member_id: m.id,
                            order_id: Some(format!("order-{name}")),
                            amount: Some(12_800),
                            occurred_at: Some(at(p)),
                        };
                        pond_app::events::apply(tx, e, at(p)).await?;
                    }
                }
                Ok::<_, Error>(())
            })
        })
        .await
        .unwrap();
}

async fn fit_reads_k_and_cycle_time_from_history(db: TestDb) {
    let app = spawn(db).await;
    let (s, empty) = app.get("/api/v1/simulate/fit").await;
    assert_eq!(s, 200, "{empty}");
    assert_eq!(
        (&empty["k"], &empty["usable"]),
        (&Value::Null, &json!(false))
    );

    history(&app).await;
    let (s, fit) = app.get("/api/v1/simulate/fit").await;
    assert_eq!(s, 200, "{fit}");
    assert_eq!(fit["k"], 0.5, "{fit}");
    assert_eq!(fit["cycle_days"], 6.0, "{fit}");
    assert_eq!(fit["usable"], true);
    assert_eq!(fit["members"], 10);
    assert_eq!(fit["mature_members"], 8);
    assert_eq!(fit["counted_referrals"], 4);
    assert_eq!(
        fit["successful_referrals"], 5,
        "L→M counts here, G never paid"
    );
    assert_eq!(fit["referrers"], 3);
    let periods = fit["k_by_period"].as_array().unwrap();
    let members: Vec<u64> = periods
        .iter()
        .map(|p| p["members"].as_u64().unwrap())
        .collect();
    // Days 0–29 (A to H: 4 referrals by 7), 30–59 (E), 180–209 (L, M).
    assert_eq!(members, [7, 1, 2], "{fit}");
    assert_eq!(periods[0]["k"], 4.0 / 7.0);
    assert_eq!(periods[0]["mature"], true);
    assert_eq!(periods[2]["k"], 0.5);
    assert_eq!(periods[2]["mature"], false, "L and M are too young");

    // The fit becomes the simulator's default; an explicit value wins.
    let body = json!({"runs": 200, "seed": 3, "days": 60});
    let (s, sim) = app.post("/api/v1/simulate", body).await;
    assert_eq!(s, 200, "{sim}");
    assert_eq!(sim["defaults_from_fit"], json!(["k", "cycle_days"]));
    assert_eq!((&sim["k"], &sim["cycle_days"]), (&json!(0.5), &json!(6.0)));
    assert_eq!(
        sim["growth_curve"].as_array().unwrap().len(),
        11,
        "days 0, 6, …, 60"
    );
    let (s, sim) = app
        .post(
            "/api/v1/simulate",
            json!({"k": 0.8, "runs": 50, "days": 60}),
        )
        .await;
    assert_eq!(s, 200, "{sim}");
    assert_eq!(sim["defaults_from_fit"], json!(["cycle_days"]));
    assert_eq!(sim["k"], 0.8);
    let (s, sim) = app
        .post(
            "/api/v1/simulate",
            json!({"conversion": 0.2, "cycle_days": 7, "runs": 50}),
        )
        .await;
    assert_eq!(s, 200, "{sim}");
    assert_eq!(
        sim["defaults_from_fit"],
        json!([]),
        "conversion given: no fitted K"
    );
    assert_eq!(sim["k"], Value::Null);
}

async fn referral_graph_simulation_repeats_for_a_seed(db: TestDb) {
    let app = spawn(db).await;
    let body = json!({"graph": "referrals", "seeds": 2, "runs": 500, "seed": 11});
    let (s, e) = app.post("/api/v1/simulate", body.clone()).await;
    assert_eq!((s, &e["error"]["field"]), (422, &json!("graph")), "{e}");

    history(&app).await;
    let (s, first) = app.post("/api/v1/simulate", body.clone()).await;
    assert_eq!(s, 200, "{first}");
    // Ten members, six referrals (G's counts: a tie, though unpaid): 12 arcs.
    assert_eq!(first["graph"]["kind"], "referrals");
    assert_eq!(first["graph"]["members"], 10);
    assert_eq!(first["graph"]["arcs"], 12);
    assert_eq!(first["defaults_from_fit"], json!(["k", "cycle_days"]));
    let total = first["mean_total"].as_f64().unwrap();
    assert!((2.0..=10.0).contains(&total), "within the graph: {total}");
    let (s, again) = app.post("/api/v1/simulate", body).await;
    assert_eq!(s, 200);
    assert_eq!(first, again, "same seed, same answer");
    let (_, other) = app
        .post(
            "/api/v1/simulate",
            json!({"graph": "referrals", "seeds": 2, "runs": 500, "seed": 12}),
        )
        .await;
    assert_ne!(first["growth_curve"], other["growth_curve"]);
}

async fn bad_parameters_name_the_field(db: TestDb) {
    let app = spawn(db).await;
    for (body, field) in [
        (json!({"runs": 0}), "runs"),
        (json!({"runs": 1_000_000}), "runs"),
        (json!({"conversion": 2.0}), "conversion"),
        (json!({"k": -1.0}), "k"),
        (json!({"trust_decay": 1.5}), "trust_decay"),
        (json!({"cycle_days": 0}), "cycle_days"),
        (json!({"days": 1e9, "cycle_days": 1}), "days"),
        (json!({"seeds": 0}), "seeds"),
        (json!({"market": 0}), "market"),
        (
            json!({"graph": "synthetic", "members": 5_000_000}),
            "members",
        ),
        (json!({"graph": "synthetic", "degree": 500}), "degree"),
        (
            json!({"graph": "synthetic", "members": 1_000_000, "runs": 1000}),
            "runs",
        ),
        (
            json!({"graph": "synthetic", "members": 10, "degree": 2, "seeds": 11}),
            "seeds",
        ),
        (json!({"k": "lots"}), "k"),
        (json!({"graph": "friends"}), "graph"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (s, e) = app.post("/api/v1/simulate", body.clone()).await;
        assert_eq!(s, 422, "{body}: {e}");
        let named = e["error"]["field"].as_str().unwrap_or_default();
        assert!(
            named == field || e["error"]["message"].as_str().unwrap().contains(field),
            "{body} should name {field}: {e}"
        );
    }
    let (s, e) = app
        .post("/api/v1/simulate/plot?format=gif", json!({"k": 0.5}))
        .await;
    assert_eq!((s, &e["error"]["field"]), (400, &json!("format")), "{e}");
    let (s, e) = app
        .post("/api/v1/simulate/plot?chart=pie", json!({"k": 0.5}))
        .await;
    assert_eq!((s, &e["error"]["field"]), (400, &json!("chart")), "{e}");
    let (s, e) = app.post("/api/v1/simulate/plot?chart=k", json!({})).await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (422, &json!("nothing_to_plot")),
        "{e}"
    );
}

async fn plot(app: &TestApp, query: &str, body: Value) -> (String, Vec<u8>) {
    let r = app
        .http
        .post(app.url(&format!("/api/v1/simulate/plot{query}")))
        .bearer_auth(&app.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{query}");
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    (kind, r.bytes().await.unwrap().to_vec())
}

async fn plots_are_valid_svg_and_png(db: TestDb) {
    let app = spawn(db).await;
    history(&app).await;
    let body = json!({"k": 1.3, "runs": 200, "seed": 5, "cycle_days": 2, "days": 30});
    let (kind, svg) = plot(&app, "?format=svg&chart=growth", body.clone()).await;
    assert_eq!(kind, "image/svg+xml");
    let svg = String::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for label in [
        "Expected members over time",
        "mean",
        "5–95 % of runs",
        "day",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(label)),
            "{label} in {texts:?}"
        );
    }
    // The band is a polygon and the mean a polyline with one vertex per cycle.
    assert!(doc.descendants().any(|n| n.has_tag_name("polygon")));
    let longest = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            n.attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .count()
        })
        .max()
        .unwrap();
    assert!(longest >= 10, "the mean has a point per cycle: {longest}");

    for (query, chart) in [
        ("?format=png&chart=growth", "growth"),
        ("?format=png&chart=generations", "generations"),
    ] {
        let (kind, png) = plot(&app, query, body.clone()).await;
        assert_eq!(kind, "image/png", "{chart}");
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (800, 480), "{chart}");
        let series = img.pixels().filter(|p| p.0 == [46, 125, 50]).count();
        let white = img.pixels().filter(|p| p.0 == [255, 255, 255]).count();
        assert!(
            series > 1_000 && white > 100_000,
            "{chart}: {series} series pixels"
        );
    }

    // K over time from the history: three periods.
    let (kind, svg) = plot(&app, "?chart=k", json!({})).await;
    assert_eq!(kind, "image/svg+xml");
    let svg = String::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let dots = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(dots, 3, "one point per period");
    assert!(svg.contains("K = 1"), "the reference line is labelled");
}
