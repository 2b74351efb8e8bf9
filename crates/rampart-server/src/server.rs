//! The HTTPS server: routes, the review handler, the TLS accept loop with graceful
//! shutdown, and the reload loop for the certificate and the configuration.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rampart_core::psp::{AllowAll, Authorizer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::cluster::{Answers, Cluster};
use crate::config::{ClusterMode, Config};
use crate::engine::{Context, Endpoint, Engine, ExistingPods, Labels, Verdict};
use crate::metrics::{Metrics, ReviewLabels};
use crate::replicas::{ReplicaKey, ReplicaVerdicts};
use crate::review::{self, AdmissionRequest};
use crate::tls::{self, ReloadingCert};

/// Largest accepted request body. A review carries `object` and `oldObject`, each capped
/// around 1.5 MiB by etcd.
pub const DEFAULT_MAX_BODY: usize = 8 * 1024 * 1024;
/// Deadline when the API server sends no `timeout` (its own default is 10 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest deadline honoured (the API server's maximum `timeoutSeconds`).
const MAX_TIMEOUT: Duration = Duration::from_secs(30);
/// Rounds of SubjectAccessReview questions per request, at most.
const MAX_AUTHZ_ROUNDS: usize = 8;
/// Longest time spent on the dry run of a namespace's pods (PSA's default).
const DRY_RUN_BUDGET: Duration = Duration::from_secs(1);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run the server.
#[derive(Clone)]
pub struct Options {
    /// The configuration file (polled for changes).
    pub config: PathBuf,
    /// PEM certificate chain (polled for changes).
    pub tls_cert: PathBuf,
    /// PEM private key (polled for changes).
    pub tls_key: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// How often the files are polled.
    pub reload_interval: Duration,
    /// Largest accepted request body, in bytes.
    pub max_body: usize,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_grace: Duration,
    /// Also serve the load-test references: `POST /baseline`, an empty handler, and
    /// `POST /baseline/parse`, which reads the review and allows it without deciding.
    pub baseline_route: bool,
    /// Use this API server connection instead of the one the configuration selects.
    pub kube_client: Option<kube::Client>,
    /// Most requests whose CPU work (reading the review, deciding) runs at once, on
    /// threads of their own so that health checks and the accept loop never wait for a
    /// decision (default: the number of CPUs).
    pub decision_threads: usize,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("config", &self.config)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("listen", &self.listen)
            .field("kube_client", &self.kube_client.is_some())
            .finish_non_exhaustive()
    }
}

impl Options {
    /// Defaults for everything but the files and the address.
    pub fn new(config: PathBuf, tls_cert: PathBuf, tls_key: PathBuf, listen: SocketAddr) -> Self {
        Self {
            config,
            tls_cert,
            tls_key,
            listen,
            reload_interval: Duration::from_secs(10),
            max_body: DEFAULT_MAX_BODY,
            shutdown_grace: Duration::from_secs(25),
            baseline_route: false,
            kube_client: None,
            decision_threads: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration file is unreadable or invalid.
    #[error("configuration {path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The certificate or key is unreadable or invalid.
    #[error("TLS: {0}")]
    Tls(String),
    /// The address cannot be bound.
    #[error("listening on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// No API server connection could be made.
    #[error("connecting to the API server: {0}")]
    Kube(String),
}

/// Shared state of the handlers.
struct AppState {
    policy: ArcSwap<Policy>,
    cluster: Option<Cluster>,
    metrics: Metrics,
    /// Permits for the CPU work of requests (see [`compute`]).
    decisions: Arc<Semaphore>,
}

/// The configuration in force: its engine and the verdicts it gave to pod templates.
struct Policy {
    engine: Engine,
    replicas: ReplicaVerdicts,
}

impl Policy {
    fn new(config: Config) -> Self {
        Self {
            engine: Engine::new(config),
            replicas: ReplicaVerdicts::default(),
        }
    }

    /// The verdict on an earlier replica with this `key`, or else `decide`'s, remembered
    /// for the next replica. Without a key (the request does not qualify), `decide`'s.
    fn replica_verdict(
        &self,
        key: Option<ReplicaKey>,
        metrics: &Metrics,
        decide: impl FnOnce() -> Result<Verdict, String>,
    ) -> Result<Verdict, String> {
        let Some(key) = key else { return decide() };
        let (verdict, shared) = self.replicas.get_or_decide(key, decide)?;
        metrics.replica_verdict(shared);
        Ok(verdict)
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period) and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Waits until the server stops after `signal` resolves (SIGTERM, Ctrl-C...).
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        tracing::info!("shutdown signal received; draining in-flight requests");
        self.shutdown().await;
    }
}

fn read_config(path: &PathBuf) -> Result<(Config, Vec<u8>), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
    let config = Config::parse(text).map_err(|e| e.0)?;
    Ok((config, bytes))
}

/// Binds the listener and starts serving on the current tokio runtime.
pub async fn start(options: Options) -> Result<Running, StartError> {
    let (config, config_bytes) =
        read_config(&options.config).map_err(|message| StartError::Config {
            path: options.config.display().to_string(),
            message,
        })?;
    let (key, cert_bytes) =
        tls::load(&options.tls_cert, &options.tls_key).map_err(StartError::Tls)?;
    let resolver = Arc::new(ReloadingCert::new(key));
    let tls_config = tls::server_config(resolver.clone()).map_err(StartError::Tls)?;
    let cluster = cluster_client(&options, config.cluster)
        .await?
        .map(Cluster::start);
    tracing::info!(
        cluster = cluster.is_some(),
        psp = config.psp.is_some(),
        rules = config.rules.len(),
        "configuration loaded"
    );
    let state = Arc::new(AppState {
        policy: ArcSwap::from_pointee(Policy::new(config)),
        cluster,
        metrics: Metrics::default(),
        decisions: Arc::new(Semaphore::new(options.decision_threads.max(1))),
    });
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|e| StartError::Bind(options.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(options.listen, e))?;
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(reload_loop(
        options.clone(),
        state.clone(),
        resolver,
        config_bytes,
        cert_bytes,
        stopped.clone(),
    ));
    let router = router(state, &options);
    let acceptor = TlsAcceptor::from(Arc::new(tls_config));
    let task = tokio::spawn(accept_loop(
        listener,
        acceptor,
        router,
        stopped,
        options.shutdown_grace,
    ));
    tracing::info!(%addr, "serving admission reviews");
    Ok(Running { addr, stop, task })
}

async fn cluster_client(
    options: &Options,
    mode: ClusterMode,
) -> Result<Option<kube::Client>, StartError> {
    if let Some(client) = &options.kube_client {
        return Ok(Some(client.clone()));
    }
    let wanted = match mode {
        ClusterMode::Enabled => true,
        ClusterMode::Disabled => false,
        ClusterMode::Auto => std::env::var_os("KUBERNETES_SERVICE_HOST").is_some(),
    };
    if !wanted {
        return Ok(None);
    }
    kube::Client::try_default()
        .await
        .map(Some)
        .map_err(|e| StartError::Kube(e.to_string()))
}

fn router(state: Arc<AppState>, options: &Options) -> Router {
    let mut router = Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if options.baseline_route {
        router = router
            .route("/baseline", post(baseline))
            .route("/baseline/parse", post(parse_only));
    }
    router
        .layer(DefaultBodyLimit::max(options.max_body))
        .with_state(state)
}

/// Accepts TLS connections until stopped, then drains the open ones.
async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::debug!(%peer, %error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let conn = builder
                .serve_connection(TokioIo::new(tls), service)
                .into_owned();
            if let Err(error) = watcher.watch(conn).await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("stopped accepting; draining connections");
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("grace period over; closing remaining connections");
    }
    tracing::info!("server stopped");
}

/// Polls the certificate, key and configuration files and swaps in changed ones.
async fn reload_loop(
    options: Options,
    state: Arc<AppState>,
    resolver: Arc<ReloadingCert>,
    mut config_bytes: Vec<u8>,
    mut cert_bytes: Vec<u8>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(options.reload_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.changed() => return,
        }
        if let Ok(bytes) = std::fs::read(&options.config)
            && bytes != config_bytes
        {
            match read_config(&options.config) {
                Ok((config, bytes)) => {
                    if config.cluster != state.policy.load().engine.config().cluster {
                        tracing::warn!("`cluster` changed; it takes effect on restart");
                    }
                    state.policy.store(Arc::new(Policy::new(config)));
                    config_bytes = bytes;
                    state.metrics.reload("config", true);
                    tracing::info!("configuration reloaded");
                }
                Err(error) => {
                    config_bytes = bytes;
                    state.metrics.reload("config", false);
                    tracing::error!(%error, "configuration not reloaded; keeping the previous one");
                }
            }
        }
        let cert_now = [
            std::fs::read(&options.tls_cert).unwrap_or_default(),
            std::fs::read(&options.tls_key).unwrap_or_default(),
        ]
        .concat();
        if cert_now != cert_bytes {
            match tls::load(&options.tls_cert, &options.tls_key) {
                Ok((key, bytes)) => {
                    resolver.store(key);
                    cert_bytes = bytes;
                    state.metrics.reload("certificate", true);
                    tracing::info!("certificate reloaded");
                }
                Err(error) => {
                    // A half-written pair (certificate updated, key not yet) fails here
                    // and is retried on the next tick.
                    state.metrics.reload("certificate", false);
                    tracing::warn!(%error, "certificate not reloaded; keeping the previous one");
                }
            }
        }
    }
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match &state.cluster {
        Some(cluster) if !cluster.is_synced() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "namespace cache not synced",
        )
            .into_response(),
        _ => "ok".into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// An empty handler with the same transport as the review routes (load-test baseline).
async fn baseline(_body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"","allowed":true}}"#,
    )
        .into_response()
}

/// Answers every review `allowed` after reading it and before deciding: the JSON work
/// every review has whatever the engine does (load-test reference).
async fn parse_only(body: Bytes) -> Response {
    let answered = review::parse(&body)
        .map_err(|e| e.to_string())
        .and_then(|request| response_body(&request, Verdict::default()).map_err(|e| e.to_string()));
    match answered {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(message) => plain(StatusCode::BAD_REQUEST, message),
    }
}

/// The `timeout` query parameter the API server adds to the webhook URL (a Go duration
/// such as `10s`, which needs no percent-decoding).
fn timeout_parameter(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("timeout="))
}

async fn validate(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let timeout = timeout_parameter(query.as_deref());
    handle(state, Endpoint::Validate, timeout, &headers, body).await
}

async fn mutate(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let timeout = timeout_parameter(query.as_deref());
    handle(state, Endpoint::Mutate, timeout, &headers, body).await
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// Why a review got no verdict.
enum Refusal {
    /// The body is not an AdmissionReview (400).
    BadRequest(String),
    /// The decision failed (500).
    Internal(String),
}

/// One review: parse, decide within the deadline, answer, log, count. The deadline bounds
/// the whole request, the wait for a decision thread included: past it the answer is 504
/// at once, whatever is still running.
async fn handle(
    state: Arc<AppState>,
    endpoint: Endpoint,
    timeout: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let refuse = |status: StatusCode, message: String| {
        state.metrics.review(
            &ReviewLabels {
                endpoint: endpoint.as_str(),
                operation: String::new(),
                kind: String::new(),
                decision: "error",
            },
            started.elapsed().as_secs_f64(),
        );
        tracing::warn!(endpoint = endpoint.as_str(), %status, %message, "review refused");
        plain(status, message)
    };
    if !is_json(headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json".into(),
        );
    }
    let deadline = deadline(timeout);
    let until = started + deadline;
    let answered = tokio::time::timeout(deadline, async {
        let first = Arc::clone(&state);
        let read = compute(&state, move || read_and_decide(&first, endpoint, &body))
            .await
            .map_err(Refusal::Internal)??;
        match read {
            Read::Decided(request, verdict) => Ok((request, verdict)),
            Read::Pending(pending) => {
                let request = Arc::clone(&pending.request);
                let verdict = decide_in_cluster(&state, endpoint, pending, until)
                    .await
                    .map_err(Refusal::Internal)?;
                Ok((request, verdict))
            }
        }
    })
    .await;
    let (request, verdict) = match answered {
        Ok(Ok(answer)) => answer,
        Ok(Err(Refusal::BadRequest(message))) => {
            return refuse(StatusCode::BAD_REQUEST, message);
        }
        Ok(Err(Refusal::Internal(message))) => {
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, message);
        }
        Err(_) => {
            return refuse(
                StatusCode::GATEWAY_TIMEOUT,
                format!("no decision within the {deadline:?} deadline"),
            );
        }
    };
    let allowed = verdict.allowed();
    let labels = ReviewLabels {
        endpoint: endpoint.as_str(),
        operation: request.operation.clone(),
        kind: request.kind.kind.clone(),
        decision: if allowed { "allow" } else { "deny" },
    };
    let body = match response_body(&request, verdict) {
        Ok(body) => body,
        Err(error) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
    };
    let elapsed = started.elapsed();
    state.metrics.review(&labels, elapsed.as_secs_f64());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Runs a request's CPU work (reading the review, deciding) on a thread of the blocking
/// pool, at most [`Options::decision_threads`] at a time: the async threads that serve
/// `/healthz`, `/readyz`, `/metrics` and accept connections never run a decision. The
/// permit goes with the work, so work a timed-out request left running still counts
/// until it ends: slow requests cannot pile up threads. A panic is an error, never a
/// crash.
async fn compute<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let permit = Arc::clone(&state.decisions)
        .acquire_owned()
        .await
        .map_err(|_| "the server is shutting down".to_string())?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|_| "internal error while deciding the review".to_string())
}

/// Writes the audit line and serialises the verdict.
fn response_body(
    request: &AdmissionRequest,
    verdict: Verdict,
) -> Result<Vec<u8>, serde_json::Error> {
    tracing::info!(
        target: "rampart::audit",
        uid = %request.uid,
        operation = %request.operation,
        kind = %request.kind.kind,
        namespace = request.namespace(),
        name = request.name.as_deref().unwrap_or_default(),
        subresource = request.subresource().unwrap_or_default(),
        user = %request.user_info.username,
        dry_run = request.dry_run.unwrap_or(false),
        allowed = verdict.allowed(),
        code = verdict.denial.as_ref().map_or(200, |s| s.code),
        message = verdict.denial.as_ref().map_or("", |s| s.message.as_str()),
        warnings = verdict.warnings.len(),
        patched = verdict.patch.as_ref().is_some_and(|p| !p.0.is_empty()),
        "admission decision"
    );
    serde_json::to_vec(&verdict.into_response(request.uid.clone())?.into_review())
}

/// The API server's `timeout` (a Go duration such as `10s`), capped at 30 s; a bit is
/// kept back so that the answer arrives before the API server gives up.
fn deadline(timeout: Option<&str>) -> Duration {
    let total = timeout
        .and_then(parse_go_duration)
        .unwrap_or(DEFAULT_TIMEOUT)
        .min(MAX_TIMEOUT);
    total.saturating_sub(total / 10)
}

/// Parses Go's `time.Duration` text: `10s`, `1m30s`, `500ms`, `1.5s`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += value * scale;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// What a decision reads besides the request and the configuration, owned so that the
/// decision can run on a thread of its own.
struct Inputs {
    labels: Result<Option<BTreeMap<String, String>>, String>,
    pods: Option<Result<ListedPods, ()>>,
}

/// A namespace's pods as listed for a dry run: the pods, how many more there are, and
/// when their evaluation must stop.
type ListedPods = (Vec<k8s_openapi::api::core::v1::Pod>, usize, Instant);

impl Inputs {
    fn labels(&self) -> Labels<'_> {
        self.labels
            .as_ref()
            .map(Option::as_ref)
            .map_err(Clone::clone)
    }

    fn pods(&self) -> ExistingPods<'_> {
        match &self.pods {
            None => ExistingPods::Unknown,
            Some(Err(())) => ExistingPods::Failed,
            Some(Ok((pods, unlisted, until))) => ExistingPods::Listed {
                pods,
                unlisted: *unlisted,
                deadline: *until,
            },
        }
    }

    /// The engine's verdict with `authz` answering PSP `use` questions.
    fn review(
        &self,
        engine: &Engine,
        endpoint: Endpoint,
        request: &AdmissionRequest,
        authz: &dyn Authorizer,
    ) -> Verdict {
        engine.review(
            endpoint,
            request,
            &Context {
                labels: self.labels(),
                authz,
                pods: self.pods(),
            },
        )
    }
}

/// A review read on a decision thread: decided there already (nothing to ask the API
/// server), or waiting for what the API server knows.
enum Read {
    Decided(Arc<AdmissionRequest>, Verdict),
    Pending(Pending),
}

/// A review that needs answers from the API server before its decision.
struct Pending {
    request: Arc<AdmissionRequest>,
    policy: Arc<Policy>,
    /// The namespace whose pods the decision tries against a new enforce level.
    dry_run: Option<String>,
}

/// The first (outside a cluster, the only) step of a review on a decision thread:
/// reads the body and, when nothing needs asking the API server, decides. One trip to a
/// decision thread per review.
fn read_and_decide(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    body: &[u8],
) -> Result<Read, Refusal> {
    let request = review::parse(body).map_err(|error| Refusal::BadRequest(error.to_string()))?;
    let request = Arc::new(request);
    let policy = state.policy.load_full();
    if state.cluster.is_some() {
        let dry_run = policy.engine.pods_to_dry_run(endpoint, &request);
        return Ok(Read::Pending(Pending {
            request,
            policy,
            dry_run,
        }));
    }
    let engine = &policy.engine;
    let labels = engine
        .needs_labels(endpoint, &engine.target(&request))
        .then(|| engine.config().namespaces.get(request.namespace()).cloned())
        .flatten();
    let inputs = Inputs {
        labels: Ok(labels),
        pods: None,
    };
    let verdict =
        decide_shared(state, &policy, endpoint, &request, &inputs).map_err(Refusal::Internal)?;
    Ok(Read::Decided(request, verdict))
}

/// The verdict with the configuration's PSP `use` rules (or none), shared by the replicas
/// of a template when the request qualifies.
fn decide_shared(
    state: &AppState,
    policy: &Policy,
    endpoint: Endpoint,
    request: &AdmissionRequest,
    inputs: &Inputs,
) -> Result<Verdict, String> {
    let engine = &policy.engine;
    let authz: &dyn Authorizer = match &engine.config().psp {
        Some(psp) => &psp.rbac,
        None => &AllowAll,
    };
    let key = engine
        .verdict_is_shared_by_replicas(endpoint, request)
        .then(|| ReplicaKey::of(request, &inputs.labels()))
        .flatten();
    policy.replica_verdict(key, &state.metrics, || {
        Ok(inputs.review(engine, endpoint, request, authz))
    })
}

/// In a cluster: asks the API server what the decision needs (asynchronously: the pods of
/// a dry run, the namespace's labels, PSP `use` answers) and decides on a decision thread
/// (see [`compute`]).
async fn decide_in_cluster(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    pending: Pending,
    deadline: Instant,
) -> Result<Verdict, String> {
    let Pending {
        request,
        policy,
        dry_run,
    } = pending;
    let Some(cluster) = &state.cluster else {
        return Err("no API server to ask".into());
    };
    let pods = match dry_run {
        Some(namespace) => Some(existing_pods(cluster, &namespace, deadline).await),
        None => None,
    };
    let engine = &policy.engine;
    let target = engine.target(&request);
    let labels = if engine.needs_labels(endpoint, &target) {
        cluster.namespace_labels(request.namespace()).await
    } else {
        Ok(None)
    };
    let inputs = Arc::new(Inputs { labels, pods });
    if !engine.needs_authorizer(&target) {
        let state_ = Arc::clone(state);
        return compute(state, move || {
            decide_shared(&state_, &policy, endpoint, &request, &inputs)
        })
        .await?;
    }
    let mut known = std::collections::HashMap::new();
    for _ in 0..MAX_AUTHZ_ROUNDS {
        let (policy, request, inputs) = (
            Arc::clone(&policy),
            Arc::clone(&request),
            Arc::clone(&inputs),
        );
        let (verdict, missing, asked) = compute(state, move || {
            let answers = Answers::new(&known);
            let verdict = inputs.review(&policy.engine, endpoint, &request, &answers);
            let missing = answers.take_missing();
            (verdict, missing, known)
        })
        .await?;
        known = asked;
        if missing.is_empty() {
            return Ok(verdict);
        }
        let asked = futures::future::join_all(missing.iter().map(|key| cluster.allows(key))).await;
        known.extend(missing.into_iter().zip(asked));
    }
    Err("too many rounds of SubjectAccessReview questions".into())
}

/// The pods of `namespace` for the dry run of a stricter enforce level, and when their
/// evaluation must stop: as PSA, the list and the evaluation get at most 1 s and half of
/// what remains of the request's deadline.
async fn existing_pods(
    cluster: &Cluster,
    namespace: &str,
    deadline: Instant,
) -> Result<ListedPods, ()> {
    let budget = DRY_RUN_BUDGET.min(deadline.saturating_duration_since(Instant::now()) / 2);
    let until = Instant::now() + budget;
    match tokio::time::timeout(budget, cluster.list_pods(namespace)).await {
        Ok(Ok((pods, unlisted))) => Ok((pods, unlisted, until)),
        Ok(Err(error)) => {
            tracing::warn!(%namespace, %error, "listing pods for the enforce-level dry run failed");
            Err(())
        }
        Err(_) => {
            tracing::warn!(%namespace, "listing pods for the enforce-level dry run timed out");
            Err(())
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    /// The handlers' state outside a cluster, with `threads` decision threads.
    fn state(threads: usize) -> Arc<AppState> {
        let config = Config::parse(include_str!("../benches/data/config.yaml")).expect("config");
        Arc::new(AppState {
            policy: ArcSwap::from_pointee(Policy::new(config)),
            cluster: None,
            metrics: Metrics::default(),
            decisions: Arc::new(Semaphore::new(threads)),
        })
    }

    /// Holds every decision thread of `state` with work that waits for the returned
    /// senders (dropped: the work ends).
    async fn occupy_decision_threads(
        state: &Arc<AppState>,
    ) -> Vec<tokio::sync::oneshot::Sender<()>> {
        let mut releases = Vec::new();
        loop {
            let free = state.decisions.available_permits();
            if free == 0 {
                return releases;
            }
            let (release, released) = tokio::sync::oneshot::channel::<()>();
            let held = Arc::clone(state);
            tokio::spawn(async move {
                compute(&held, move || {
                    let _ = released.blocking_recv();
                })
                .await
            });
            releases.push(release);
            // Until that work holds its permit.
            while state.decisions.available_permits() == free {
                tokio::task::yield_now().await;
            }
        }
    }

    fn review_request(uri: &str) -> Request<Body> {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(include_str!("../benches/data/pod-review.json")))
            .expect("request")
    }

    fn router_of(state: &Arc<AppState>) -> Router {
        let options = Options::new(
            PathBuf::new(),
            PathBuf::new(),
            PathBuf::new(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        );
        router(Arc::clone(state), &options)
    }

    /// Every decision thread busy: health, readiness and metrics answer at once, while a
    /// review waits for a thread and is decided once one is free.
    #[tokio::test(flavor = "current_thread")]
    async fn health_answers_while_every_decision_thread_is_busy() {
        let state = state(2);
        let releases = occupy_decision_threads(&state).await;
        assert_eq!(state.decisions.available_permits(), 0);
        let router = router_of(&state);
        let review = tokio::spawn(
            router
                .clone()
                .oneshot(review_request("/validate?timeout=30s")),
        );
        for path in ["/healthz", "/readyz", "/metrics"] {
            let request = Request::get(path).body(Body::empty()).expect("request");
            let answer = router.clone().oneshot(request).await.expect("answer");
            assert_eq!(answer.status(), StatusCode::OK, "{path}");
        }
        assert!(
            !review.is_finished(),
            "the review was decided without a thread"
        );
        drop(releases);
        let answer = review.await.expect("joined").expect("answer");
        assert_eq!(answer.status(), StatusCode::OK);
    }

    /// The deadline covers the wait for a decision thread: a review that gets none in
    /// time is answered 504 at its deadline, and the work of others is not cut short.
    #[tokio::test(flavor = "current_thread")]
    async fn a_review_that_gets_no_decision_thread_in_time_is_answered_504() {
        let state = state(1);
        let releases = occupy_decision_threads(&state).await;
        let answer = router_of(&state)
            .oneshot(review_request("/validate?timeout=50ms"))
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::GATEWAY_TIMEOUT);
        drop(releases);
        let answer = router_of(&state)
            .oneshot(review_request("/validate?timeout=10s"))
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::OK);
    }

    /// A panic while deciding is a 500 for that review, and the thread's permit comes
    /// back.
    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_in_a_decision_is_an_error_not_a_crash() {
        let state = state(1);
        let answer = compute(&state, || -> u32 { panic!("a bug") }).await;
        assert!(answer.is_err());
        assert_eq!(state.decisions.available_permits(), 1);
    }

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("s"), None);
        assert_eq!(parse_go_duration(""), None);
    }

    #[test]
    fn the_timeout_parameter_is_found_among_others() {
        assert_eq!(timeout_parameter(Some("timeout=5s")), Some("5s"));
        assert_eq!(timeout_parameter(Some("a=1&timeout=10s&b=2")), Some("10s"));
        assert_eq!(timeout_parameter(Some("timeouts=1s")), None);
        assert_eq!(timeout_parameter(None), None);
    }

    #[test]
    fn the_deadline_follows_the_timeout_parameter() {
        assert_eq!(deadline(Some("5s")), Duration::from_millis(4500));
        assert_eq!(deadline(None), Duration::from_secs(9));
        assert_eq!(deadline(Some("5m")), Duration::from_secs(27));
        assert_eq!(deadline(Some("bogus")), Duration::from_secs(9));
    }
}
