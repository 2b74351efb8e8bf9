//! rampart's admission webhook: `POST /validate` and `POST /mutate` for
//! `admission.k8s.io/v1` AdmissionReviews, running rampart-core's Pod Security Standards,
//! PodSecurityPolicy and catalogue engines, over HTTPS only (rustls with ring, HTTP/1.1 and
//! HTTP/2), with `/healthz`, `/readyz` and `/metrics`.
//!
//! ```text
//! let stop = rampart_server::shutdown_signal();
//! let running = rampart_server::start(Options::new(config, cert, key, addr)).await?;
//! running.run_until(stop).await;
//! ```
//!
//! The decision itself ([`engine::Engine::review`]) is pure and synchronous; this crate
//! adds transport, namespace labels and `use` answers from the API server ([`cluster`]),
//! hot reload of the certificate and configuration, metrics and audit logs.

pub mod cluster;
pub mod config;
pub mod engine;
pub mod metrics;
pub mod object;
pub mod replicas;
pub mod review;
pub mod server;
pub mod tls;

pub use config::{Config, ConfigError};
pub use engine::{Endpoint, Engine};
pub use server::{Options, Running, StartError, start};

/// Resolves on SIGTERM (what the kubelet sends) or Ctrl-C.
///
/// The handlers are installed when this is called, not when the future is first polled,
/// so a signal that arrives while the server is still starting stops it instead of
/// killing the process. Call it inside a Tokio runtime, before [`start`].
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            tokio::select! {
                () = next_signal(terminate) => {}
                () = next_signal(interrupt) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Waits for the next delivery of an installed signal; never resolves if installing failed.
#[cfg(unix)]
async fn next_signal(installed: std::io::Result<tokio::signal::unix::Signal>) {
    match installed {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

/// Log format of `serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (the default in a cluster).
    Json,
    /// Human-readable lines.
    Text,
}

/// Installs the log subscriber on standard output, filtered by `RUST_LOG` (default
/// `info`). Audit lines use the target `rampart::audit`. `color` styles the text format
/// (the front end decides: a terminal, `NO_COLOR`, `--color`); JSON is never styled.
pub fn init_logging(format: LogFormat, color: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(color && format == LogFormat::Text);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Runs the server until SIGTERM or Ctrl-C, on a runtime of its own. Installs the ring
/// crypto provider as the process default first.
pub fn run_blocking(options: Options) -> Result<(), StartError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| StartError::Bind(options.listen, e))?;
    runtime.block_on(async {
        let stop = shutdown_signal();
        let running = start(options).await?;
        running.run_until(stop).await;
        Ok(())
    })
}
