//! Accepting connections so that nobody can hold the server hostage.
//!
//! `axum::serve` keeps a connection open for as long as the client likes:
//! 200 sockets that each send half a request head stay open for good, and
//! a thousand of them use up the file descriptors until `/healthz` stops
//! answering. This loop bounds each phase of a connection's life:
//!
//! - at most [`Limits::max_connections`] are open at once; past that, new
//!   ones wait in the kernel's backlog instead of costing memory here;
//! - a request head must arrive within [`Limits::header_timeout`] of its
//!   first byte;
//! - a connection with no request in flight and no byte arriving is closed
//!   after [`Limits::keep_alive_timeout`];
//! - a request (body read and handler together) gets
//!   [`Limits::request_timeout`], then a 408.
//!
//! The two idle clocks are kept here rather than by hyper's own header
//! timer because hyper's runs from the moment it *waits* for a head, so
//! it cannot tell an idle keep-alive connection from a slow one.

use crate::error::ApiError;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// Requests that may outlast the request timeout: an authenticated upload
/// of a chat export (up to 2 GiB) and its import. Both check the caller
/// before reading the body, so a stranger cannot use them to hold a
/// connection, and their size is bounded by the upload limit.
const UNTIMED: [&str; 2] = ["/api/v1/imports", "/console/imports"];

/// How long a connection may take over each phase of its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a request's first byte to the end of its head.
    pub header_timeout: Duration,
    /// A whole request: its body read and the answer computed.
    pub request_timeout: Duration,
    /// Open with nothing in flight and nothing arriving.
    pub keep_alive_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            keep_alive_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// Raises the soft limit on open files to the hard limit, so the
/// connection cap rather than the file table decides how many clients fit.
/// Answers the limit now in force.
pub fn raise_fd_limit() -> io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// What a connection has been doing, shared by its socket, its requests
/// and its watchdog.
#[derive(Debug)]
struct Activity {
    start: Instant,
    /// Milliseconds since `start` of the last byte read or response done.
    last: AtomicU64,
    /// Milliseconds since `start` of the first byte of a head still being
    /// read; `u64::MAX` when none is.
    head_since: AtomicU64,
    /// A request is being handled (set by the service, cleared when its
    /// answer is ready).
    in_flight: AtomicUsize,
    /// Bytes arrived since the last answer (a head has begun).
    reading: AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            head_since: AtomicU64::new(u64::MAX),
            in_flight: AtomicUsize::new(0),
            reading: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn bytes_read(&self) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0 && !self.reading.swap(true, Ordering::AcqRel)
        {
            self.head_since.store(now, Ordering::Release);
        }
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(u64::MAX, Ordering::Release);
    }

    fn request_done(&self) {
        self.reading.store(false, Ordering::Release);
        self.last.store(self.now(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Why this connection should be closed now, if it should.
    fn expired(&self, limits: &Limits) -> Option<&'static str> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let now = self.now();
        let head_since = self.head_since.load(Ordering::Acquire);
        if head_since != u64::MAX {
            let waited = Duration::from_millis(now.saturating_sub(head_since));
            return (waited >= limits.header_timeout).then_some("request head too slow");
        }
        let idle = Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)));
        (idle >= limits.keep_alive_timeout).then_some("idle")
    }
}

/// A socket that tells its [`Activity`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// open connections finish their requests (for at most the request timeout).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let cap = limits.max_connections.max(1);
    let permits = Arc::new(Semaphore::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to close
                // rather than spinning on the error.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (router, mut stop) = (router.clone(), stop_rx.clone());
        tokio::spawn(async move {
            connection(stream, peer, router, limits, &mut stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.request_timeout, permits.acquire_many(all)).await;
}

/// One connection, from accept to close.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    stop: &mut watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let seen = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let (router, activity) = (router.clone(), Arc::clone(&seen));
        async move {
            activity.request_started();
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            let untimed = UNTIMED.contains(&req.uri().path());
            let answer = if untimed {
                Ok(router.oneshot(req).await)
            } else {
                tokio::time::timeout(limits.request_timeout, router.oneshot(req)).await
            };
            activity.request_done();
            Ok::<Response, std::convert::Infallible>(match answer {
                Ok(Ok(r)) => r,
                Ok(Err(never)) => match never {},
                Err(_) => timed_out(),
            })
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Our own watchdog closes slow heads; hyper's clock is a backstop.
        .header_read_timeout(limits.header_timeout + limits.keep_alive_timeout)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let tick = limits
        .header_timeout
        .min(limits.keep_alive_timeout)
        .min(Duration::from_secs(1))
        .max(Duration::from_millis(50));
    let mut watchdog = tokio::time::interval(tick);
    let mut stopping = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                return;
            }
            _ = watchdog.tick() => {
                if let Some(why) = activity.expired(&limits) {
                    tracing::debug!(%peer, why, "closing connection");
                    return;
                }
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

fn timed_out() -> Response {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the request took too long; try again",
    )
    .into_response()
}
