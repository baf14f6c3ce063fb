//! A real headless Chromium for browser tests, driven over WebDriver by
//! fantoccini through Debian's chromedriver (installed by `.ci/run`).
//!
//! Without chromedriver on the machine a test is skipped with a reason,
//! except in CI (`CI` set), where a missing browser is a failure.

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A browser session at phone width; the driver stops with it.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process, in a process group of its own with the
/// browsers it starts: the whole group is stopped however the test ends,
/// so a failed test leaves no Chromium behind.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("POND_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    path.exists().then_some(path)
}

/// Starts chromedriver and a headless Chromium `width` px wide, or answers
/// `None` (with the reason printed) when there is no browser here.
pub async fn open(width: u32) -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs chromedriver: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no chromedriver (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        // Headless windows are at least 500 px wide; a phone's viewport
        // comes from device emulation instead.
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--lang=en-US"],
            "mobileEmulation": {"deviceMetrics": {"width": width, "height": 812, "pixelRatio": 2.0}},
        }),
    );
    // Keep the page's console messages, so tests can assert there are no errors.
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"browser": "ALL"}),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        if let Ok(client) = builder.capabilities(caps.clone()).connect(&url).await {
            return Some(Browser {
                client,
                _driver: driver,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not accept a session on port {port}");
}

/// Saves a screenshot under `target/screenshots/` (kept as a CI artifact).
pub async fn screenshot(b: &Browser, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = b.client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// chromedriver's log endpoint: the browser console since the last call.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The errors (SEVERE entries) in the browser console since the last call:
/// failed loads, script errors, refused styles.
pub async fn console_errors(b: &Browser) -> Vec<String> {
    let log = b.client.issue_cmd(BrowserLog).await.unwrap();
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Whether the page is wider than the viewport (something overflows and
/// a phone would scroll sideways).
pub async fn overflows(b: &Browser) -> bool {
    let v = b
        .client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap_or(true)
}
