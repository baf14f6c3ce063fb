//! Connections that cannot be held hostage: 200 clients that each send half
//! a request head are closed within 30 s while `/healthz` keeps answering
//! within 1 s; an idle keep-alive connection is closed after its timeout.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use pond_server::Config;
use pond_server::connections::Limits;
use pond_store::testing::TestDb;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits() -> Config {
    Config {
        connections: Limits {
            header_timeout: Duration::from_secs(3),
            keep_alive_timeout: Duration::from_secs(2),
            ..Limits::default()
        },
        ..Config::default()
    }
}

/// Whether the server closed the socket (EOF or reset) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A response (a 408 from hyper, say): keep reading to the close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn stalled_heads_are_closed_while_healthz_answers() {
    let app = support::spawn_with(TestDb::sqlite(), limits()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: pond\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    let started = Instant::now();
    // /healthz answers within a second throughout, on fresh connections.
    let probe = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut slowest = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(5) {
        let t = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(1),
            probe.get(app.url("/healthz")).send(),
        )
        .await
        .expect("/healthz took more than 1 s")
        .unwrap();
        assert_eq!(r.status(), 200);
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("slowest /healthz among 200 stalled connections: {slowest:?}");
    for (i, s) in stalled.iter_mut().enumerate() {
        let left = Duration::from_secs(30).saturating_sub(started.elapsed());
        assert!(
            closed_within(s, left).await,
            "stalled connection {i} still open"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = support::spawn_with(TestDb::sqlite(), limits()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: pond\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Kept open for the next request, then closed after 2 s of nothing.
    let t = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(10)).await);
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
}
