//! A real server on a free port over a fresh database, and a client for it.

#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod console;

use pond_server::{Application, Config};
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
    pub store: pond_store::Store,
    /// The console's one-time setup code (printed by `pond serve`).
    pub setup_code: String,
    _db: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub async fn spawn(db: TestDb) -> TestApp {
    spawn_with(db, Config::default()).await
}

/// Settings for a server behind a reverse proxy on loopback: tests that
/// play many visitors give each its own `X-Forwarded-For`.
pub fn behind_proxy() -> Config {
    Config {
        trusted_proxies: "127.0.0.1".parse().unwrap(),
        ..Config::default()
    }
}

/// A server with some settings of the test's own.
pub async fn spawn_with(db: TestDb, config: Config) -> TestApp {
    let store = db.open().await;
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        // The tests drive approval themselves; keep the job out of the way.
        approve_every: Duration::from_secs(3600),
        ..config
    };
    let app = Application::build(store.clone(), config).await.unwrap();
    let base = app.url();
    let setup_code = app.app().setup_code.to_string();
    let token = store
        .write(|tx| {
            Box::pin(pond_server::tokens::create(
                tx,
                "test",
                jiff::Timestamp::now(),
            ))
        })
        .await
        .unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        token,
        http,
        store,
        setup_code,
        _db: db,
        stop: Some(stop),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with(path, body, None).await
    }

    pub async fn post_with(&self, path: &str, body: Value, key: Option<&str>) -> (u16, Value) {
        let mut r = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(&body);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Creates a program and answers its id.
    pub async fn program(&self, spec: Value) -> i64 {
        let (s, p) = self.post("/api/v1/programs", spec).await;
        assert_eq!(s, 201, "{p}");
        p["id"].as_i64().unwrap()
    }

    /// Creates a member and answers the whole view.
    pub async fn member(&self, body: Value) -> Value {
        let (s, m) = self.post("/api/v1/members", body).await;
        assert_eq!(s, 201, "{m}");
        m
    }

    /// A member's link code in a program.
    pub async fn code(&self, program: i64, member: i64) -> String {
        let (s, l) = self
            .post(
                &format!("/api/v1/programs/{program}/links"),
                json!({"member_id": member}),
            )
            .await;
        assert_eq!(s, 200, "{l}");
        l["code"].as_str().unwrap().to_string()
    }

    /// A member's balance in a unit (0 when none).
    pub async fn balance(&self, member: i64, unit: &str) -> i64 {
        let (s, b) = self
            .get(&format!("/api/v1/members/{member}/balances"))
            .await;
        assert_eq!(s, 200, "{b}");
        b.as_array()
            .unwrap()
            .iter()
            .find(|x| x["unit"] == unit)
            .map_or(0, |x| x["amount"].as_i64().unwrap())
    }
}

/// Dropbox's program: 2 GB base, 500 MB to each side, cap 32, qualifying on
/// a first paid order, with a hold of `hold` days.
pub fn dropbox(hold: u32) -> Value {
    json!({
        "name": "Space race",
        "rewards": [
            {"side": "inviter", "depth": 1, "amount": 500, "unit": "MB"},
            {"side": "invitee", "depth": 1, "amount": 500, "unit": "MB"}
        ],
        "base_grant": {"amount": 2048, "unit": "MB"},
        "inviter_cap": 32,
        "qualifying": {"type": "first_paid_order", "min_amount": 100},
        "hold_days": hold
    })
}
