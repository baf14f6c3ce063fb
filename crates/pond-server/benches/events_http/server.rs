//! The real server, `Application::build` on 127.0.0.1:0, on its own Tokio
//! runtime and thread, with an API token for the load generator.

use anyhow::{Result, anyhow};
use jiff::Timestamp;
use pond_server::{App, Application, Config};
use pond_store::Store;
use std::future::Future;
use std::path::Path;

/// The real server on its own runtime and thread.
pub struct Server {
    pub base: String,
    pub token: String,
    pub app: App,
    handle: tokio::runtime::Handle,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<Result<()>>,
}

type Started = (u16, String, App, tokio::runtime::Handle);

impl Server {
    pub fn start(db: &Path, threads: usize) -> Result<Self> {
        // POND_BENCH_DATABASE_URL runs the same bench on PostgreSQL (a fresh
        // database: the bench creates its own members and programs).
        let url = std::env::var("POND_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}", db.display()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Started>>();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("pond-server".into())
            .spawn(move || -> Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads)
                    .thread_name("pond-srv")
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let built = async {
                        let store = Store::open(&url).await?;
                        let config = Config {
                            listen: ([127, 0, 0, 1], 0).into(),
                            ..Config::default()
                        };
                        let application = Application::build(store.clone(), config).await?;
                        let token = store
                            .write(|tx| {
                                Box::pin(pond_server::tokens::create(tx, "bench", Timestamp::now()))
                            })
                            .await?;
                        Ok::<_, anyhow::Error>((application, token))
                    }
                    .await;
                    match built {
                        Ok((application, token)) => {
                            let started = (
                                application.port(),
                                token,
                                application.app().clone(),
                                tokio::runtime::Handle::current(),
                            );
                            let _ = ready_tx.send(Ok(started));
                            application
                                .run_until(async {
                                    let _ = stop_rx.await;
                                })
                                .await
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            Ok(())
                        }
                    }
                })
            })?;
        let (port, token, app, handle) = ready_rx
            .recv()
            .map_err(|_| anyhow!("the server thread died while starting"))??;
        Ok(Server {
            base: format!("http://127.0.0.1:{port}"),
            token,
            app,
            handle,
            stop,
            thread,
        })
    }

    /// Runs `f` on the server's runtime (direct store work in the breakdown).
    pub async fn on_server<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        self.handle.spawn(f).await?
    }

    pub fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.thread
            .join()
            .map_err(|_| anyhow!("the server thread panicked"))?
    }
}
