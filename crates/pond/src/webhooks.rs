//! `pond webhook`: register endpoints for outbound webhooks and read their
//! delivery log, through the same flows as the API (docs/webhooks.md).

use anyhow::Result;
use clap::Subcommand;
use jiff::Timestamp;
use pond_server::api::webhooks::{DeliveryView, EndpointView};
use pond_store::Store;

/// `pond webhook ...`.
#[derive(Debug, Subcommand)]
pub enum WebhookCmd {
    /// Register an endpoint; prints its id and its secret (shown once).
    Add {
        /// Where to POST events (http or https).
        url: String,
        /// Comma-separated event types, e.g. referral.created,reward.approved.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// Allow a loopback or private address (an on-premise receiver);
        /// the server must then run with --webhook-allow-private too.
        #[arg(long, env = "POND_WEBHOOK_ALLOW_PRIVATE")]
        allow_private: bool,
    },
    /// Every endpoint.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// An endpoint's delivery log, newest first.
    Deliveries {
        /// Endpoint id.
        id: i64,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `pond webhook` command.
pub async fn run(store: &Store, cmd: WebhookCmd) -> Result<()> {
    match cmd {
        WebhookCmd::Add {
            url,
            events,
            allow_private,
        } => {
            pond_server::webhooks::guard::check_target(&url, allow_private)
                .await
                .map_err(crate::cli::fail)?;
            let now = Timestamp::now();
            let (endpoint, secret) = store
                .write(move |tx| {
                    Box::pin(async move {
                        pond_server::webhooks::register(tx, &url, &events, now).await
                    })
                })
                .await
                .map_err(crate::cli::fail)?;
            println!("webhook {} -> {}", endpoint.id, endpoint.url);
            println!("events: {}", endpoint.events.replace(',', ", "));
            println!("secret: {secret}  (shown once: give it to the receiver)");
        }
        WebhookCmd::List { json } => {
            let mut tx = store.read().await?;
            let all: Vec<EndpointView> = pond_store::webhooks::endpoints(&mut tx)
                .await?
                .into_iter()
                .map(EndpointView::from)
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
            for e in all.iter().filter(|_| !json) {
                let events: Vec<&str> = e.events.iter().map(|e| e.as_str()).collect();
                println!(
                    "{:>4}  {:<8}  {}  [{}]",
                    e.id,
                    e.state,
                    e.url,
                    events.join(", ")
                );
            }
        }
        WebhookCmd::Deliveries { id, limit, json } => {
            let mut tx = store.read().await?;
            if pond_store::webhooks::endpoint(&mut tx, id).await?.is_none() {
                anyhow::bail!("no webhook endpoint {id}");
            }
            let rows: Vec<DeliveryView> =
                pond_store::webhooks::deliveries(&mut tx, id, None, limit.clamp(1, 1000))
                    .await?
                    .into_iter()
                    .map(DeliveryView::from)
                    .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            for d in rows {
                let last = match (&d.last_status, &d.last_error) {
                    (_, Some(e)) => e.clone(),
                    (Some(s), None) => format!("HTTP {s}"),
                    (None, None) => String::new(),
                };
                println!(
                    "{:>6}  {}  {:<20}  {:<9}  {} attempt(s)  {}",
                    d.id, d.message_id, d.event_type, d.state, d.attempts, last
                );
            }
        }
    }
    Ok(())
}
