//! Command-line arguments, and the commands that work on the store directly.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use jiff::Timestamp;
use pond_community::lifecycle::Thresholds;
use pond_server::error::ApiError;
use pond_server::{App, Config};
use pond_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Pond: grow a small shop through its own customers without burning their trust.
#[derive(Debug, Parser)]
#[command(name = "pond", version, about)]
pub struct Cli {
    /// The database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "POND_DATABASE_URL",
        default_value = "sqlite://pond.db",
        global = true
    )]
    pub database_url: String,
    /// The shop's country (ISO code) for phone numbers written without +.
    #[arg(long, env = "POND_REGION", default_value = "CN", global = true)]
    pub region: String,
    /// The shop's time zone (IANA name): which day a chat message counts
    /// for. Fixed in the database at first use; default the machine's.
    #[arg(long, env = "POND_TIME_ZONE", global = true)]
    pub time_zone: Option<String>,
    /// A JSON file of group lifecycle thresholds (`new_for_days`,
    /// `dormant_after_days`, `dead_after_days`, `declining_ratio`,
    /// `baseline_weeks`); fields left out keep their defaults.
    #[arg(long, env = "POND_LIFECYCLE", global = true)]
    pub lifecycle: Option<PathBuf>,
    /// Log as JSON lines on stderr.
    #[arg(long, env = "POND_LOG_JSON", global = true)]
    pub log_json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and referral links.
    Serve(ServeArgs),
    /// Fill a fresh SQLite file with a flower shop's data, then serve it.
    Demo(DemoArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Console accounts: `pond user create|list|password`.
    #[command(subcommand)]
    User(crate::users::UserCmd),
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Read one message per line on stdin; write one JSON object per line
    /// with `complaint` (bool) and `score` (0 to 1).
    Classify {
        /// Kept for symmetry with other commands: the output is always JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Create and list referral programs.
    #[command(subcommand)]
    Program(ProgramCmd),
    /// Members: add, link, balances, export, erase, import, export-all.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Record an event (signup, order.paid, order.refunded, custom).
    Event(EventArgs),
    /// Import a chat export (WhatsApp, Telegram, Discord, WeChat).
    Import(crate::community::ImportArgs),
    /// Reports: `pond report groups`, `growth`, `funnel`.
    #[command(subcommand)]
    Report(crate::community::ReportCmd),
    /// Simulate a referral campaign (Monte Carlo) or Skok–Reiss growth.
    Simulate(crate::simulate::SimulateArgs),
    /// The trust budget: `pond trust show|ask|report`.
    #[command(subcommand)]
    Trust(crate::trust::TrustCmd),
    /// Outbound webhooks: `pond webhook add|list|deliveries`.
    #[command(subcommand)]
    Webhook(crate::webhooks::WebhookCmd),
    /// Complaints caught in groups.
    Alerts {
        /// open, acknowledged, resolved or all.
        #[arg(long, default_value = "open")]
        state: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where and how to serve.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "POND_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The public base URL for links and QR codes (default: http://LISTEN).
    #[arg(long, env = "POND_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Days chat message text is kept for complaint review (counts are
    /// kept for good); 0 keeps none.
    #[arg(long, env = "POND_KEEP_TEXT_DAYS", default_value_t = 90)]
    pub keep_text_days: u32,
    /// The secret token for the Telegram bot webhook (`POST /hooks/telegram`);
    /// pass the same to Telegram's setWebhook as `secret_token`.
    #[arg(long, env = "POND_TELEGRAM_SECRET", hide_env_values = true)]
    pub telegram_secret: Option<String>,
    /// Sign-ups the hosted join page (`/join`) takes from one IP per hour.
    #[arg(long, env = "POND_JOIN_PER_HOUR", default_value_t = 10)]
    pub join_per_hour: u32,
    /// The WeCom callback's Token (`GET/POST /hooks/wecom`); the hook is on
    /// when the token, the EncodingAESKey and the corp id are all given.
    #[arg(long, env = "POND_WECOM_TOKEN", hide_env_values = true)]
    pub wecom_token: Option<String>,
    /// The WeCom callback's EncodingAESKey (43 characters).
    #[arg(long, env = "POND_WECOM_AES_KEY", hide_env_values = true)]
    pub wecom_aes_key: Option<String>,
    /// The shop's WeCom corp id: callbacks addressed to another are refused.
    #[arg(long, env = "POND_WECOM_CORP_ID")]
    pub wecom_corp_id: Option<String>,
    /// The font file for names on member posters (.ttf, .otf or .ttc;
    /// default: a system CJK font such as Debian's fonts-noto-cjk).
    #[arg(long, env = "POND_POSTER_FONT")]
    pub poster_font: Option<std::path::PathBuf>,
}

impl ServeArgs {
    /// The server settings these arguments describe.
    pub fn config(&self, shop: &Shop) -> Result<Config> {
        Ok(Config {
            listen: self.listen,
            public_url: self.public_url.clone(),
            region: parse_region(&shop.region)?,
            time_zone: shop.time_zone.clone(),
            text_retention_days: Some(self.keep_text_days),
            lifecycle: lifecycle(shop.lifecycle.as_deref())?,
            telegram_secret: self
                .telegram_secret
                .as_deref()
                .and_then(pond_server::hooks::HookSecret::new),
            wecom: self.wecom()?,
            join_per_hour: self.join_per_hour,
            poster_font: self.poster_font.clone(),
            ..Config::default()
        })
    }
}

impl ServeArgs {
    /// The WeCom callback settings: all three values, or none.
    fn wecom(&self) -> Result<Option<pond_wecom::Crypt>> {
        match (&self.wecom_token, &self.wecom_aes_key, &self.wecom_corp_id) {
            (None, None, None) => Ok(None),
            (Some(token), Some(key), Some(corp)) => pond_wecom::Crypt::new(token, key, corp)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("POND_WECOM_AES_KEY: {e}")),
            _ => bail!(
                "the WeCom callback needs all three of POND_WECOM_TOKEN, POND_WECOM_AES_KEY and POND_WECOM_CORP_ID"
            ),
        }
    }
}

/// The global settings about the shop, taken out of [`Cli`] before its
/// command is matched.
#[derive(Debug, Clone)]
pub struct Shop {
    /// `--region`.
    pub region: String,
    /// `--time-zone`.
    pub time_zone: Option<String>,
    /// `--lifecycle`.
    pub lifecycle: Option<PathBuf>,
}

/// Reads lifecycle thresholds from a JSON file, or the defaults.
pub fn lifecycle(path: Option<&std::path::Path>) -> Result<Thresholds> {
    let Some(path) = path else {
        return Ok(Thresholds::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let t: Thresholds = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a lifecycle thresholds object", path.display()))?;
    t.validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(t)
}

/// Parses the shop's region, naming the problem.
pub fn parse_region(region: &str) -> Result<pond_core::identity::Region> {
    pond_core::identity::Region::parse(region)
        .map_err(|e| anyhow::anyhow!("--region: {}", e.message))
}

/// The demo.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file to (re)create.
    #[arg(long, default_value = "pond-demo.db")]
    pub file: PathBuf,
    /// Keep an existing file instead of starting afresh.
    #[arg(long)]
    pub keep: bool,
    /// How many days of history to make up.
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u16).range(1..=730))]
    pub days: u16,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token; it is printed alone on the last line.
    Create {
        /// Who or what it is for.
        #[arg(long)]
        name: String,
    },
    /// List tokens (names and dates; tokens themselves are never stored).
    List,
    /// Revoke a token by id; it stops working within 30 seconds.
    Revoke {
        /// The token's id, from `pond token list`.
        id: i64,
    },
}

/// Program commands.
#[derive(Debug, Subcommand)]
pub enum ProgramCmd {
    /// Create a program from a JSON spec (the API's body); `-` reads stdin.
    Create {
        /// The spec file.
        file: PathBuf,
    },
    /// List programs as JSON.
    List,
}

/// Member commands.
#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Add a member.
    Add {
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Phone (E.164, or national in the shop's region).
        #[arg(long)]
        phone: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
        /// The shop's own customer id.
        #[arg(long)]
        external_id: Option<String>,
        /// The referral code they came with.
        #[arg(long)]
        referral_code: Option<String>,
        /// How they heard of the shop: friend, group, ad, walk_in or other
        /// (`friend` without a referral counts as organic word of mouth).
        #[arg(long, value_parser = parse_heard_from)]
        heard_from: Option<pond_core::heard_from::HeardFrom>,
    },
    /// A member's personal link in a program.
    Link {
        /// Member id.
        member: i64,
        /// Program id.
        #[arg(long)]
        program: i64,
    },
    /// A member's balances.
    Balances {
        /// Member id.
        member: i64,
    },
    /// Everything Pond holds about a member, as one JSON document.
    Export {
        /// Member id.
        member: i64,
    },
    /// Erase a member: what names them goes, ledger amounts and counts stay.
    Erase {
        /// Member id.
        member: i64,
    },
    /// Import customers from a CSV file (name, phone, email, tags, joined,
    /// heard_from); matched by phone and email, so a second run is a no-op.
    Import {
        /// The CSV file (UTF-8, header line first).
        file: PathBuf,
        /// Check every line and report problems; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every member as CSV on stdout, in the columns `import` reads.
    ExportAll,
}

/// An event.
#[derive(Debug, Args)]
pub struct EventArgs {
    /// `signup`, `order.paid`, `order.refunded`, `order.cancelled` or custom.
    #[arg(long = "type")]
    pub kind: String,
    /// The member.
    #[arg(long)]
    pub member: i64,
    /// The order id, for order events.
    #[arg(long)]
    pub order: Option<String>,
    /// The order total in minor units, for order.paid.
    #[arg(long)]
    pub amount: Option<i64>,
}

async fn app(store: &Store, region: &str) -> Result<App> {
    let public =
        std::env::var("POND_PUBLIC_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let config = Config {
        region: parse_region(region)?,
        ..Config::default()
    };
    Ok(App::new(store.clone(), config, public).await?)
}

fn print<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub(crate) fn fail(e: ApiError) -> anyhow::Error {
    match e.field {
        Some(f) => anyhow::anyhow!("{} ({}, field {f})", e.message, e.code),
        None => anyhow::anyhow!("{} ({})", e.message, e.code),
    }
}

/// `pond program ...`.
pub async fn program(store: &Store, cmd: ProgramCmd) -> Result<()> {
    match cmd {
        ProgramCmd::Create { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let spec = serde_json::from_str(&text).context("the spec is not a valid program")?;
            let p = store
                .write(move |tx| {
                    Box::pin(async move {
                        pond_server::programs::create(tx, spec, Timestamp::now())
                            .await
                            .map_err(fail)
                    })
                })
                .await?;
            // The audit for people on stderr; stdout stays one JSON document.
            for line in crate::trust::audit_lines(&p.value_audit) {
                eprintln!("{line}");
            }
            print(&p)
        }
        ProgramCmd::List => {
            let mut tx = store.read().await?;
            print(&pond_server::programs::list(&mut tx).await.map_err(fail)?)
        }
    }
}

fn parse_heard_from(s: &str) -> Result<pond_core::heard_from::HeardFrom, String> {
    pond_core::heard_from::HeardFrom::parse(s)
        .ok_or_else(|| format!("`{s}`: use friend, group, ad, walk_in or other"))
}

/// `pond member ...`.
pub async fn member(store: &Store, region: &str, cmd: MemberCmd) -> Result<()> {
    let app = app(store, region).await?;
    match cmd {
        MemberCmd::Add {
            name,
            phone,
            email,
            external_id,
            referral_code,
            heard_from,
        } => {
            let input = pond_server::members::MemberInput {
                name,
                phone,
                email,
                external_id,
                referral_code,
                heard_from,
                ..Default::default()
            };
            let a = app.clone();
            let m = store
                .write(move |tx| {
                    Box::pin(async move {
                        pond_server::members::create(&a, tx, input, Timestamp::now())
                            .await
                            .map_err(fail)
                    })
                })
                .await?;
            print(&m)
        }
        MemberCmd::Link { member, program } => {
            let l = store
                .write(move |tx| {
                    Box::pin(async move {
                        if pond_store::members::get(tx, member).await?.is_none() {
                            bail!("member {member} not found");
                        }
                        if pond_store::programs::get(tx, program).await?.is_none() {
                            bail!("program {program} not found");
                        }
                        Ok(
                            pond_store::links::get_or_create(tx, program, member, Timestamp::now())
                                .await?,
                        )
                    })
                })
                .await?;
            println!("{}", pond_server::redirect::link_url(&app, &l.code));
            Ok(())
        }
        MemberCmd::Export { member } => crate::privacy::export(store, member).await,
        MemberCmd::Erase { member } => crate::privacy::erase(store, member).await,
        MemberCmd::Import { file, dry_run } => crate::privacy::import(&app, &file, dry_run).await,
        MemberCmd::ExportAll => crate::privacy::export_all(&app).await,
        MemberCmd::Balances { member } => {
            let mut tx = store.read().await?;
            if pond_store::members::get(&mut tx, member).await?.is_none() {
                bail!("member {member} not found");
            }
            print(
                &pond_server::rewards::balances(&mut tx, member)
                    .await
                    .map_err(fail)?,
            )
        }
    }
}

/// `pond event ...`.
pub async fn event(store: &Store, e: EventArgs) -> Result<()> {
    let input = pond_server::events::EventInput {
        id: None,
        kind: e.kind,
        member_id: e.member,
        order_id: e.order,
        amount: e.amount,
        occurred_at: None,
    };
    let r = store
        .write(move |tx| {
            Box::pin(async move {
                pond_server::events::apply(tx, input, Timestamp::now())
                    .await
                    .map_err(fail)
            })
        })
        .await?;
    print(&r)
}

/// `pond token list` and `pond token revoke`.
pub async fn token(store: &Store, cmd: TokenCmd) -> Result<()> {
    let now = Timestamp::now();
    match cmd {
        TokenCmd::Create { name } => {
            if name.trim().is_empty() || name.len() > 100 {
                bail!("--name must be 1 to 100 characters");
            }
            let label = name.trim().to_string();
            let token = store
                .write(move |tx| {
                    Box::pin(async move { pond_server::tokens::create(tx, &label, now).await })
                })
                .await?;
            println!(
                "Created token `{}`. It is shown once; keep it secret:",
                name.trim()
            );
            println!("{token}");
        }
        TokenCmd::List => {
            let mut tx = store.read().await?;
            for t in pond_store::tokens::list(&mut tx).await? {
                let state = t
                    .revoked_at
                    .map_or("live".to_string(), |r| format!("revoked {r}"));
                println!("{}\t{}\tcreated {}\t{state}", t.id, t.name, t.created_at);
            }
        }
        TokenCmd::Revoke { id } => {
            let revoked = store
                .write(move |tx| Box::pin(pond_store::tokens::revoke(tx, id, now)))
                .await?;
            if !revoked {
                bail!("no live token with id {id}");
            }
            println!("revoked token {id}");
        }
    }
    Ok(())
}
