//! Pond's application: [`Pond`], the state of a running shop, and its
//! services, one module per area. Every door (the HTTP API, the console,
//! the public pages, the hooks, the CLI) calls these, so they cannot drift.
//!
//! A service reads what it needs inside one transaction, asks `pond-core`
//! to decide, and writes the outcome. Failures are [`Error`]s that say what
//! went wrong, never how to show it: this crate knows no HTTP.

pub mod community;
pub mod config;
pub mod error;
pub mod events;
pub mod funnel;
pub mod growth;
pub mod idempotency;
pub mod jobs;
pub mod livecodes;
pub mod members;
pub mod notices;
pub mod overview;
pub mod plot;
pub mod poster;
pub mod programs;
pub mod qr;
pub mod referrals;
pub mod rewards;
pub mod settings;
pub mod simulate;
pub mod tokens;
pub mod trust;
pub mod users;
pub mod webhooks;

/// Instants as stored (milliseconds since the epoch, UTC) and back.
pub mod time {
    pub use pond_store::time::{ms, ts};
}

pub use config::{Config, HookSecret};
pub use error::{Error, Result};
/// The opened database a [`Pond`] is built over.
pub use jiff::Timestamp;
use pond_complaints::Classifier;
/// The opened database a [`Pond`] is built over.
pub use pond_store::Store;
/// The transaction a change runs in. Doors never open one: they hand
/// services to [`idempotency::run`], which does, and pass this through.
pub use pond_store::Tx;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// How long a validated token is trusted without asking the database;
/// revoking one takes effect within this time.
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);

/// The application state: cheap to clone into every request and job.
#[derive(Clone)]
pub struct Pond {
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
    /// The complaint classifier with the shop's own terms. Built on first
    /// use (loading jieba's dictionary was most of start-up) and dropped
    /// when the terms change, to be built again with them.
    complaints: Arc<tokio::sync::Mutex<Option<Arc<Classifier>>>>,
    tokens: Arc<RwLock<HashMap<String, (String, Instant)>>>,
    /// The lifecycle thresholds in force: the console's saved ones, else
    /// the configured ones. Changed live from the settings page.
    lifecycle: Arc<RwLock<pond_community::lifecycle::Thresholds>>,
    /// Loaded on the first poster: a CJK font file is tens of megabytes.
    poster_font: Arc<OnceLock<Option<ab_glyph::FontArc>>>,
}

impl Pond {
    /// The application over an opened store.
    pub async fn new(store: Store, config: Config, public_url: String) -> Result<Self> {
        let hash_key = store
            .write(|tx| Box::pin(pond_store::instance::hash_key(tx)))
            .await?;
        let time_zone = community::shop_time_zone(&store, config.time_zone.as_deref()).await?;
        let lifecycle = settings::saved_lifecycle(&store)
            .await?
            .unwrap_or_else(|| config.lifecycle.clone());
        Ok(Pond {
            complaints: Arc::default(),
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

    /// Runs the queries of `op` in one read transaction, so a page or an
    /// answer sees one state of the shop. Doors read through this or the
    /// services' own queries; they never open a transaction themselves.
    pub async fn read<T, F>(&self, op: F) -> Result<T>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> idempotency::TxFuture<'t, T>,
    {
        let mut tx = self.store.read().await?;
        op(&mut tx).await
    }

    /// The current instant. One place, so that tests and jobs agree.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// The complaint classifier, built now if nothing has needed it yet.
    /// Callers arriving while it is being built wait for that one build.
    pub async fn complaints(&self) -> Result<Arc<Classifier>> {
        let mut slot = self.complaints.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(Arc::clone(c));
        }
        let built = community::alerts::classifier(&self.store).await?;
        *slot = Some(Arc::clone(&built));
        Ok(built)
    }

    /// Forgets the classifier after the shop's terms changed; the next
    /// message that needs it builds it with the new terms.
    pub async fn terms_changed(&self) {
        *self.complaints.lock().await = None;
    }

    /// How chat events are ingested under this app's settings. Live
    /// events raise alerts; `alerts_since` limits an import's to recent
    /// messages.
    pub async fn ingest_settings(
        &self,
        alerts_since: Timestamp,
    ) -> Result<community::ingest::Settings> {
        Ok(community::ingest::Settings {
            time_zone: self.time_zone.clone(),
            staff: Arc::new(self.config.staff.iter().cloned().collect()),
            keep_text: true,
            text_since: self.text_since(),
            complaints: Some(self.complaints().await?),
            alerts_since,
        })
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

    /// A member's referral link: where their code's QR code points.
    pub fn link_url(&self, code: &str) -> String {
        format!("{}/r/{code}", self.public_url)
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
    pub async fn token_name(&self, hash: &str) -> Result<Option<String>> {
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
