//! The load generator's HTTP client, a small task pool, and the latency
//! histograms (microseconds) every phase records into.

use crate::server::Server;
use anyhow::{Result, ensure};
use hdrhistogram::Histogram;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// One keep-alive `reqwest` client with the bench's API token.
#[derive(Clone)]
pub struct Ctx {
    pub client: reqwest::Client,
    pub base: Arc<str>,
    pub events_url: Arc<str>,
}

impl Ctx {
    pub fn new(server: &Server) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", server.token))?,
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(usize::MAX)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Ctx {
            client,
            base: server.base.clone().into(),
            events_url: format!("{}/api/v1/events", server.base).into(),
        })
    }

    pub async fn post(&self, path: &str, body: &Value, expect: u16) -> Result<Value> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        ensure!(
            status == expect,
            "POST {path}: HTTP {status}, expected {expect}: {text}"
        );
        Ok(serde_json::from_str(&text)?)
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        ensure!(status == 200, "GET {path}: HTTP {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }
}

/// Runs `f(i)` for `i in 0..n` on `concurrency` tasks pulling from a shared
/// counter; answers the results in order.
pub async fn parallel<T, F, Fut>(n: usize, concurrency: usize, f: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.min(n.max(1)) {
        let (next, f) = (next.clone(), f.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(out);
                }
                out.push((i, f(i).await?));
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

pub fn new_hist() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 min, 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| unreachable!())
}

pub fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

pub fn ms(v: u64) -> f64 {
    v as f64 / 1000.0
}
