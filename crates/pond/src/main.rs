//! The `pond` command: serve, demo, migrate, tokens, and the shop's everyday
//! tasks without the API. A thin shell over `pond-server`'s flows.

mod cli;
mod community;
mod demo;
mod demo_groups;
mod growth;
mod privacy;
mod simulate;
mod trust;
mod users;
mod webhooks;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command};
use pond_server::{Application, Config};
use pond_store::Store;
use std::process::ExitCode;

/// mimalloc: an import frees millions of small strings a second on two
/// threads, and glibc's allocator spent a third of the parser's thread on
/// consolidating its free lists (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POND_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(url: &str) -> Result<Store> {
    Store::open(url)
        .await
        .with_context(|| format!("opening the database at {url}"))
}

async fn run(cli: Cli) -> Result<()> {
    let url = cli.database_url.clone();
    let shop = cli::Shop {
        region: cli.region.clone(),
        time_zone: cli.time_zone.clone(),
        lifecycle: cli.lifecycle.clone(),
    };
    match cli.command {
        Command::Serve(s) => serve(open(&url).await?, s.config(&shop)?).await,
        Command::Demo(d) => {
            let path = d.file.clone();
            if path.exists() && !d.keep {
                for suffix in ["", "-wal", "-shm"] {
                    let p = format!("{}{suffix}", path.display());
                    let _ = std::fs::remove_file(&p);
                }
            }
            let url = format!("sqlite://{}", path.display());
            let store = open(&url).await?;
            let app = Application::build(store, d.serve.config(&shop)?).await?;
            let token = demo::fill(app.app(), d.days).await?;
            println!("Demo data is in {}", path.display());
            println!("API token: {token}");
            if users::none_yet(app.app()).await? {
                pond_server::console::auth::create_user(
                    &app.app().store,
                    "demo",
                    demo::PASSWORD,
                    pond_server::console::Role::Owner,
                    jiff::Timestamp::now(),
                )
                .await
                .map_err(anyhow::Error::msg)?;
            }
            println!("Console login: demo / {}", demo::PASSWORD);
            serve_app(app).await
        }
        Command::Migrate => {
            open(&url).await?;
            println!("migrations applied to {url}");
            Ok(())
        }
        Command::User(cmd) => {
            let store = open(&url).await?;
            let r = users::run(&store, cmd).await;
            store.close().await;
            r
        }
        Command::Token(cmd) => {
            let store = open(&url).await?;
            let r = cli::token(&store, cmd).await;
            store.close().await;
            r
        }
        Command::Classify { .. } => {
            let stdout = std::io::stdout().lock();
            pond_complaints::classify_lines(
                std::io::stdin().lock(),
                std::io::BufWriter::new(stdout),
            )
            .context("classifying messages from stdin")
        }
        Command::Openapi => {
            println!("{}", pond_server::api::openapi_json());
            Ok(())
        }
        Command::Program(cmd) => cli::program(&open(&url).await?, cmd).await,
        Command::Member(cmd) => cli::member(&open(&url).await?, &cli.region, cmd).await,
        Command::Event(e) => cli::event(&open(&url).await?, e).await,
        Command::Import(a) => {
            let store = open(&url).await?;
            let r = community::import(&store, cli.time_zone.as_deref(), a).await;
            store.close().await;
            r
        }
        Command::Simulate(a) => simulate::run(&a, &url, cli.time_zone.as_deref()).await,
        Command::Webhook(cmd) => {
            let store = open(&url).await?;
            let r = webhooks::run(&store, cmd).await;
            store.close().await;
            r
        }
        Command::Trust(cmd) => {
            let store = open(&url).await?;
            let r = trust::run(&store, cmd).await;
            store.close().await;
            r
        }
        Command::Alerts { state, json } => {
            community::alerts(&open(&url).await?, &state, json).await
        }
        Command::Report(cmd) => {
            let store = open(&url).await?;
            // A file given here wins for this report; else the thresholds
            // the console saved, as the server uses them; else the defaults.
            let thresholds = match cli.lifecycle.as_deref() {
                Some(path) => cli::lifecycle(Some(path))?,
                None => pond_server::console::settings::saved_lifecycle(&store)
                    .await?
                    .unwrap_or_default(),
            };
            community::report(&store, cli.time_zone.as_deref(), &thresholds, cmd).await
        }
    }
}

async fn serve(store: Store, config: Config) -> Result<()> {
    let app = Application::build(store, config).await?;
    serve_app(app).await
}

async fn serve_app(app: Application) -> Result<()> {
    println!("Pond is running at {}", app.url());
    println!("Console: {}/console", app.url());
    if users::none_yet(app.app()).await? {
        println!(
            "No console account yet: open {}/console/setup?code={} to create the owner,\n\
             or run `pond user create --username NAME` (owner by default).",
            app.url(),
            app.app().setup_code
        );
    }
    println!("Press Ctrl-C to stop.");
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
