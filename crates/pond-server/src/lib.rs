//! Pond's doors: the JSON API under `/api/v1`, the console, the public
//! pages (`/join`, `/r/{code}`, `/j/{code}`), the platform hooks, and the
//! server that runs them with the background jobs.
//!
//! A door parses the request, calls one service of [`pond_app`], and
//! renders the answer; the application's errors become HTTP answers in
//! [`error`] (JSON) and [`console::PageError`] (pages), nowhere else.

pub mod api;
pub mod console;
pub mod error;
pub mod extract;
pub mod hooks;
pub mod join;
pub mod landing;
pub mod livecodes {
    //! The public door of a live code.
    pub mod page;
}
pub mod redirect;
pub mod router;
pub mod uploads;
pub mod webhook_sender;
pub mod write;

pub use pond_app::{Config, Pond, Store};

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The doors' state: the application and what only doors need (rate
/// limits of public pages, the first-run setup code). Cheap to clone into
/// every request; derefs to [`Pond`].
#[derive(Clone)]
pub struct App {
    /// The application.
    pub pond: Pond,
    /// Sign-ups per hashed IP on the hosted join page.
    pub join_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// Console login attempts per hashed IP.
    pub login_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// The one-time code the first-run setup page asks for; printed by
    /// `pond serve` while there is no account.
    pub setup_code: Arc<str>,
}

impl App {
    /// The doors over an application.
    pub fn new(pond: Pond) -> Self {
        let per_hour = std::num::NonZeroU32::new(pond.config.join_per_hour)
            .unwrap_or(std::num::NonZeroU32::MIN);
        App {
            join_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_hour(
                per_hour,
            ))),
            // Ten tries a minute per IP: plenty for a person, slow for a guesser.
            login_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                std::num::NonZeroU32::new(10).unwrap_or(std::num::NonZeroU32::MIN),
            ))),
            setup_code: console::auth::setup_code().into(),
            pond,
        }
    }
}

impl Deref for App {
    type Target = Pond;

    fn deref(&self) -> &Pond {
        &self.pond
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    app: App,
}

impl Application {
    /// Opens nothing new: binds the listener first (so port 0 resolves) and
    /// prepares the app over `store`.
    pub async fn build(store: Store, config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let app = App::new(Pond::new(store, config, public_url).await?);
        Ok(Application { listener, app })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The public base URL.
    pub fn url(&self) -> String {
        self.app.public_url.to_string()
    }

    /// The app state (for the CLI and tests).
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Serves until `shutdown` resolves, running the background jobs.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let sender = webhook_sender::Http::new(self.app.config.webhook_timeout)?;
        let jobs = pond_app::jobs::spawn(self.app.pond.clone(), Arc::new(sender));
        let router = router::router(self.app.clone());
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        jobs.abort();
        self.app.store.close().await;
        Ok(())
    }
}
