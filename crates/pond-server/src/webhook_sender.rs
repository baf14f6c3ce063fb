//! The HTTP client that delivers webhooks for `pond_app::webhooks::delivery`:
//! reqwest over rustls, the configured timeout, no redirects.

use futures_util::future::BoxFuture;
use pond_app::webhooks::delivery::{Answer, Post, Sender};
use std::time::Duration;

/// The most of a failed response's body kept in the log.
const ERROR_EXCERPT: usize = 200;

/// Webhook POSTs over reqwest.
pub struct Http(reqwest::Client);

impl Http {
    /// A client that gives a receiver `timeout` to answer.
    pub fn new(timeout: Duration) -> reqwest::Result<Self> {
        reqwest::Client::builder()
            .timeout(timeout)
            // A redirect could carry a signed event to a host nobody registered.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Pond-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(Http)
    }
}

impl Sender for Http {
    fn post(&self, post: Post) -> BoxFuture<'_, Answer> {
        Box::pin(async move {
            let mut request = self
                .0
                .post(&post.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(post.body);
            for (name, value) in post.headers {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(mut r) => {
                    let status = i64::from(r.status().as_u16());
                    let excerpt = if r.status().is_success() {
                        None
                    } else {
                        // One chunk is plenty to say why; never read a huge body.
                        let chunk = r.chunk().await.ok().flatten().unwrap_or_default();
                        let text = String::from_utf8_lossy(&chunk);
                        let text: String = text.chars().take(ERROR_EXCERPT).collect();
                        Some(format!("HTTP {status}: {}", text.trim()))
                    };
                    Ok((status, excerpt))
                }
                Err(e) => Err(describe(&e)),
            }
        })
    }
}

/// An error with its causes ("error sending request: ...: Connection refused").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(ERROR_EXCERPT * 2).collect()
}
