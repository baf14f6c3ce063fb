//! Pond's doors: the JSON API under `/api/v1`, the `/r/{code}` redirects
//! and QR codes, and the background jobs, over any [`pond_store::Store`].
//!
//! The referral flows themselves ([`members`], [`referrals`], [`rewards`],
//! [`events`]) live here too, as transaction scripts: each reads what it
//! needs inside one transaction, asks `pond-core` to decide, and writes the
//! outcome. The CLI calls the same functions, so it and the API cannot drift.

pub mod api;
pub mod community;
pub mod console;
pub mod error;
pub mod events;
pub mod extract;
pub mod funnel;
pub mod growth;
pub mod hooks;
pub mod jobs;
pub mod join;
pub mod landing;
pub mod livecodes;
pub mod members;
pub mod plot;
pub mod poster;
pub mod privacy;
pub mod programs;
pub mod qr;
pub mod redirect;
pub mod referrals;
pub mod rewards;
pub mod roster;
pub mod simulate;
pub mod tokens;
pub mod trust;
pub mod uploads;
pub mod webhooks;
pub mod write;

use jiff::Timestamp;
use pond_core::fraud::Limits;
use pond_core::identity::Region;
use pond_store::Store;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a validated token is trusted without asking the database;
/// revoking one takes effect within this time.
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The public base URL used in links and QR codes; defaults to the listen address.
    pub public_url: Option<String>,
    /// The shop's country, for phone numbers without a country code.
    pub region: Region,
    /// Fraud thresholds.
    pub fraud: Limits,
    /// How often the approval job looks for rewards whose hold has ended.
    pub approve_every: Duration,
    /// The shop's time zone (IANA name) for chat rollups; fixed in the
    /// database at first use, the machine's zone when never given.
    pub time_zone: Option<String>,
    /// Names or platform ids of the shop's staff in chat groups.
    pub staff: Vec<String>,
    /// Days a chat message's text is kept (for complaint review); older
    /// text is forgotten, counts stay. `None` keeps it forever.
    pub text_retention_days: Option<u32>,
    /// When a group counts as new, dormant, dead or declining.
    pub lifecycle: pond_community::lifecycle::Thresholds,
    /// The secret token Telegram echoes to `/hooks/telegram`; the hook is
    /// off without it.
    pub telegram_secret: Option<hooks::HookSecret>,
    /// The WeCom callback's token, key and corp id; `/hooks/wecom` is off
    /// without them.
    pub wecom: Option<pond_wecom::Crypt>,
    /// Sign-ups the hosted join page takes from one IP per hour.
    pub join_per_hour: u32,
    /// Waits between attempts of a failing webhook delivery; after the
    /// last one the delivery is failed (default: Svix's schedule, 27.6 h).
    pub webhook_retry: Vec<Duration>,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: Duration,
    /// How often the webhook worker looks for due deliveries when nothing
    /// woke it.
    pub webhook_poll: Duration,
    /// How often groups are classified to announce `group.state_changed`.
    pub group_states_every: Duration,
    /// The font for names on member posters (a .ttf, .otf or .ttc file);
    /// when unset, the first CJK font found on the system, else a Latin one.
    pub poster_font: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            region: Region::default(),
            fraud: Limits::default(),
            approve_every: Duration::from_secs(30),
            time_zone: None,
            staff: Vec::new(),
            text_retention_days: Some(90),
            lifecycle: pond_community::lifecycle::Thresholds::default(),
            telegram_secret: None,
            wecom: None,
            join_per_hour: 10,
            webhook_retry: webhooks::default_retry(),
            webhook_timeout: Duration::from_secs(10),
            webhook_poll: Duration::from_secs(1),
            group_states_every: Duration::from_secs(3600),
            poster_font: None,
        }
    }
}

/// Shared state of the app: cheap to clone into every request.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: Arc<Config>,
    /// The public base URL, without a trailing slash.
    pub public_url: Arc<str>,
    /// The secret behind keyed hashes of IPs and devices.
    pub hash_key: Arc<[u8]>,
    /// The shop's time zone, which chat rollups are kept in.
    pub time_zone: jiff::tz::TimeZone,
    /// The complaint classifier with the shop's own terms; rebuilt when
    /// they change.
    pub complaints: Arc<RwLock<Arc<pond_complaints::Classifier>>>,
    /// Sign-ups per hashed IP on the hosted join page.
    pub join_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// Console login attempts per hashed IP.
    pub login_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// The one-time code the first-run setup page asks for; printed by
    /// `pond serve` while there is no account.
    pub setup_code: Arc<str>,
    tokens: Arc<RwLock<HashMap<String, (String, Instant)>>>,
    /// The lifecycle thresholds in force: the console's saved ones, else
    /// the configured ones. Changed live from the settings page.
    lifecycle: Arc<RwLock<pond_community::lifecycle::Thresholds>>,
    /// Loaded on the first poster: a CJK font file is tens of megabytes.
    poster_font: Arc<OnceLock<Option<ab_glyph::FontArc>>>,
}

impl App {
    /// Builds the app state over an opened store.
    pub async fn new(
        store: Store,
        config: Config,
        public_url: String,
    ) -> Result<Self, pond_store::StoreError> {
        let hash_key = store
            .write(|tx| Box::pin(pond_store::instance::hash_key(tx)))
            .await?;
        let time_zone = community::shop_time_zone(&store, config.time_zone.as_deref())
            .await
            .map_err(|e| pond_store::StoreError::Config(e.message))?;
        let complaints = community::alerts::classifier(&store).await?;
        let lifecycle = console::settings::saved_lifecycle(&store)
            .await?
            .unwrap_or_else(|| config.lifecycle.clone());
        let per_hour =
            std::num::NonZeroU32::new(config.join_per_hour).unwrap_or(std::num::NonZeroU32::MIN);
        Ok(App {
            join_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_hour(
                per_hour,
            ))),
            // Ten tries a minute per IP: plenty for a person, slow for a guesser.
            login_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                std::num::NonZeroU32::new(10).unwrap_or(std::num::NonZeroU32::MIN),
            ))),
            setup_code: console::auth::setup_code().into(),
            complaints: Arc::new(RwLock::new(complaints)),
            time_zone,
            store,
            config: Arc::new(config),
            public_url: public_url.trim_end_matches('/').into(),
            hash_key: hash_key.into(),
            tokens: Arc::default(),
            lifecycle: Arc::new(RwLock::new(lifecycle)),
            poster_font: Arc::default(),
        })
    }

    /// The current instant. One place, so that tests and jobs agree.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// How chat events are ingested under this app's settings. Live
    /// events raise alerts; `alerts_since` limits an import's to recent
    /// messages.
    pub fn ingest_settings(&self, alerts_since: Timestamp) -> community::ingest::Settings {
        let complaints = self
            .complaints
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()));
        community::ingest::Settings {
            time_zone: self.time_zone.clone(),
            staff: Arc::new(self.config.staff.iter().cloned().collect()),
            keep_text: true,
            text_since: self.text_since(),
            complaints: Some(complaints),
            alerts_since,
        }
    }

    /// Messages older than this keep no text (`text_retention_days`).
    pub fn text_since(&self) -> Timestamp {
        self.config
            .text_retention_days
            .and_then(|d| {
                self.now()
                    .checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(d)))
                    .ok()
            })
            .unwrap_or(Timestamp::MIN)
    }

    /// The group lifecycle thresholds in force.
    pub fn lifecycle(&self) -> pond_community::lifecycle::Thresholds {
        self.lifecycle
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Puts new lifecycle thresholds in force (already saved by the caller).
    pub fn set_lifecycle(&self, thresholds: pond_community::lifecycle::Thresholds) {
        match self.lifecycle.write() {
            Ok(mut t) => *t = thresholds,
            Err(poisoned) => *poisoned.into_inner() = thresholds,
        }
    }

    /// A keyed hash of a personal value (IP, user agent, device id).
    pub fn hash(&self, value: &str) -> String {
        pond_core::privacy::keyed_hash(&self.hash_key, value)
    }

    /// The font for names on posters, loaded once (blocking: call it off
    /// the async threads).
    pub fn poster_font(&self) -> Option<ab_glyph::FontArc> {
        self.poster_font
            .get_or_init(|| poster::load_font(self.config.poster_font.as_deref()))
            .clone()
    }

    /// The name of the live token with this hash, cached briefly.
    pub async fn token_name(&self, hash: &str) -> Result<Option<String>, pond_store::StoreError> {
        if let Ok(cache) = self.tokens.read()
            && let Some((name, seen)) = cache.get(hash)
            && seen.elapsed() < TOKEN_CACHE_TTL
        {
            return Ok(Some(name.clone()));
        }
        let mut tx = self.store.read().await?;
        let token = pond_store::tokens::by_hash(&mut tx, hash).await?;
        drop(tx);
        if let (Some(t), Ok(mut cache)) = (&token, self.tokens.write()) {
            cache.insert(hash.to_string(), (t.name.clone(), Instant::now()));
        }
        Ok(token.map(|t| t.name))
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
        let app = App::new(store, config, public_url).await?;
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
        let jobs = jobs::spawn(self.app.clone());
        let router = api::router(self.app.clone());
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
