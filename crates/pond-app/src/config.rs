//! What a running Pond is configured with: the CLI's flags and
//! environment, read once at start. The doors' settings (where to listen,
//! the hooks' secrets) travel here too, so one value configures a process.

use crate::webhooks;
use pond_core::fraud::Limits;
use pond_core::identity::Region;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use subtle::ConstantTimeEq;

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
    pub telegram_secret: Option<HookSecret>,
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

/// A shared secret of a platform webhook; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct HookSecret(String);

impl HookSecret {
    /// A secret, if the setting is not empty.
    pub fn new(secret: &str) -> Option<Self> {
        let secret = secret.trim();
        (!secret.is_empty()).then(|| HookSecret(secret.to_owned()))
    }

    /// Whether `given` is the secret, compared in constant time.
    pub fn matches(&self, given: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(given))
    }
}

impl std::fmt::Debug for HookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HookSecret(..)")
    }
}
