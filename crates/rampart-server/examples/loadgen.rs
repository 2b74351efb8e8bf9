//! Load generator for the admission webhook.
//!
//! Starts the server in-process on 127.0.0.1 (its own runtime and threads) with a fresh
//! certificate and a realistic configuration, then drives it over HTTPS keep-alive
//! connections (HTTP/1.1, one connection per worker) from a separate runtime, each phase
//! for the same duration, in rounds (each round runs every phase for a slice of its
//! time, so that the machine's load drifts alike over all phases): the empty `/baseline`
//! handler; `/baseline/parse` (reads the
//! review and allows it without deciding: the JSON work any review has); `/validate` with
//! replicas of one ReplicaSet's pod (each request and pod numbered as the API server
//! makes them unique, so verdicts are shared across replicas); `/validate` with pods that
//! each come from a template of their own (nothing shared). Prints throughput, p50, p99,
//! CPU per request and the ratios to the baseline (the median and range of the ratios
//! within each round); exits 1 on any failed request.
//!
//! ```text
//! cargo run --release -p rampart-server --example loadgen -- \
//!     [--concurrency 16] [--seconds 10] [--rounds 10] [--server-threads 2] \
//!     [--client-threads 1] [--audit-log]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;

/// The configuration the load runs under (shared with `benches/review.rs`).
const CONFIG: &str = include_str!("../benches/data/config.yaml");

/// Where a request's number goes in a [`Traffic`] template.
const NUMBER: &str = "#N#";

/// The reviews of one phase: the realistic pod of `benches/data/pod-review.json` (created
/// by a ReplicaSet, defaulted, restricted), compact as the API server sends it, numbered
/// per request where the API server makes each one unique.
#[derive(Clone)]
struct Traffic {
    /// The review's text around the places where the request's number goes.
    pieces: Arc<[String]>,
}

impl Traffic {
    /// Replicas of one template: the request's `uid` and the pod's `name` and `uid` differ.
    fn replicas() -> Self {
        Self::numbered(&[
            "/request/uid",
            "/request/object/metadata/uid",
            "/request/object/metadata/name",
        ])
    }

    /// Every pod from a template of its own (its `pod-template-hash` label differs too),
    /// so no verdict is shared.
    fn templates() -> Self {
        Self::numbered(&[
            "/request/uid",
            "/request/object/metadata/uid",
            "/request/object/metadata/name",
            "/request/object/metadata/labels/pod-template-hash",
        ])
    }

    fn numbered(pointers: &[&str]) -> Self {
        let mut review: serde_json::Value =
            serde_json::from_slice(include_bytes!("../benches/data/pod-review.json")).unwrap();
        for pointer in pointers {
            let field = review.pointer_mut(pointer).unwrap();
            let text = field.as_str().unwrap();
            *field = format!("{}{NUMBER}", &text[..text.len() - 5]).into();
        }
        let text = serde_json::to_string(&review).unwrap();
        Self {
            pieces: text.split(NUMBER).map(str::to_owned).collect(),
        }
    }

    /// The review numbered `number` (five characters, as the API server's name suffixes).
    fn body(&self, number: &str) -> Bytes {
        Bytes::from(self.pieces.join(number))
    }
}

/// The measured phases, in order: the empty handler, reading and allowing every review
/// without deciding (the JSON work every review has), the review of replicas of one
/// template, and the review of pods that each have a template of their own.
fn planned_phases() -> [(&'static str, &'static str, Traffic); 4] {
    [
        ("baseline (empty handler)", "/baseline", Traffic::replicas()),
        (
            "read + allow, no decision",
            "/baseline/parse",
            Traffic::replicas(),
        ),
        (
            "validate (replicas)",
            "/validate?timeout=10s",
            Traffic::replicas(),
        ),
        (
            "validate (new templates)",
            "/validate?timeout=10s",
            Traffic::templates(),
        ),
    ]
}

struct Args {
    concurrency: usize,
    /// Seconds per phase, over all rounds.
    seconds: u64,
    rounds: u64,
    server_threads: usize,
    client_threads: usize,
    /// Format the JSON audit line of every decision (written to a sink, so the cost
    /// measured is formatting, not the terminal).
    audit_log: bool,
}

fn args() -> Args {
    let mut args = Args {
        concurrency: 16,
        seconds: 10,
        rounds: 10,
        server_threads: 2,
        client_threads: 1,
        audit_log: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--audit-log" {
            args.audit_log = true;
            continue;
        }
        let value: u64 = it
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{flag} needs a number"));
        match flag.as_str() {
            "--concurrency" => args.concurrency = value as usize,
            "--seconds" => args.seconds = value,
            "--rounds" => args.rounds = value.max(1),
            "--server-threads" => args.server_threads = value as usize,
            "--client-threads" => args.client_threads = value as usize,
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// One phase's slice of one round.
struct Run {
    latencies: Vec<Duration>,
    failures: u64,
    seconds: f64,
    /// CPU time during the slice.
    cpu: Cpu,
}

impl Run {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    /// CPU seconds of the whole process per request.
    fn cpu_per_request(&self) -> f64 {
        self.cpu.total / self.latencies.len() as f64
    }
}

/// A phase over all rounds.
#[derive(Default)]
struct Phase {
    runs: Vec<Run>,
}

impl Phase {
    fn requests(&self) -> usize {
        self.runs.iter().map(|run| run.latencies.len()).sum()
    }

    fn failures(&self) -> u64 {
        self.runs.iter().map(|run| run.failures).sum()
    }

    fn seconds(&self) -> f64 {
        self.runs.iter().map(|run| run.seconds).sum()
    }

    fn cpu(&self) -> Cpu {
        self.runs.iter().fold(Cpu::default(), |sum, run| Cpu {
            server: sum.server + run.cpu.server,
            total: sum.total + run.cpu.total,
        })
    }

    fn rate(&self) -> f64 {
        self.requests() as f64 / self.seconds()
    }

    /// The latencies at the quantiles `qs`, over all rounds.
    fn latencies_at<const N: usize>(&self, qs: [f64; N]) -> [Duration; N] {
        let mut all: Vec<Duration> = self
            .runs
            .iter()
            .flat_map(|run| run.latencies.iter().copied())
            .collect();
        all.sort_unstable();
        qs.map(|q| all[((all.len() as f64 * q) as usize).min(all.len() - 1)])
    }
}

/// The median, least and greatest of `ratio` over the rounds of `phase` and `baseline`.
fn per_round(phase: &Phase, baseline: &Phase, ratio: impl Fn(&Run, &Run) -> f64) -> [f64; 3] {
    let mut ratios: Vec<f64> = phase
        .runs
        .iter()
        .zip(&baseline.runs)
        .map(|(run, base)| ratio(run, base))
        .collect();
    ratios.sort_by(f64::total_cmp);
    [
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
    ]
}

/// Whether a slice's workers count their requests yet, or stop.
#[derive(Default)]
struct Clock {
    measuring: AtomicBool,
    stop: AtomicBool,
}

/// Sends reviews on one connection until stopped; returns the latencies of those sent
/// while measuring.
async fn worker(
    mut sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    path: &'static str,
    traffic: Traffic,
    numbers: Arc<AtomicU64>,
    clock: Arc<Clock>,
    failures: Arc<AtomicU64>,
) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(1 << 16);
    while !clock.stop.load(Ordering::Relaxed) {
        let measured = clock.measuring.load(Ordering::Relaxed);
        let number = numbers.fetch_add(1, Ordering::Relaxed);
        let body = traffic.body(&format!("{:05x}", number & 0xf_ffff));
        let request = hyper::Request::post(path)
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(body))
            .unwrap();
        let started = Instant::now();
        let ok = match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                match response.into_body().collect().await {
                    Ok(collected) => {
                        let bytes = collected.to_bytes();
                        status == 200 && bytes.windows(14).any(|w| w == b"\"allowed\":true")
                    }
                    Err(_) => false,
                }
            }
            Err(_) => false,
        };
        if measured {
            latencies.push(started.elapsed());
        }
        if !ok {
            failures.fetch_add(1, Ordering::Relaxed);
        }
    }
    latencies
}

/// How long each slice runs before it is measured (the first requests on new connections,
/// and what the previous slice left to the allocator and the kernel, are not measured).
const SLICE_WARM_UP: Duration = Duration::from_millis(200);

/// Drives `path` with `traffic` from `concurrency` connections, measured for `duration`
/// after [`SLICE_WARM_UP`].
async fn run(
    addr: std::net::SocketAddr,
    tls: &tokio_rustls::TlsConnector,
    (path, traffic): (&'static str, &Traffic),
    numbers: &Arc<AtomicU64>,
    concurrency: usize,
    duration: Duration,
) -> Run {
    let connections = futures::future::join_all((0..concurrency).map(|_| connect(addr, tls))).await;
    let clock = Arc::new(Clock::default());
    let failures = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|sender| {
            tokio::spawn(worker(
                sender,
                path,
                traffic.clone(),
                numbers.clone(),
                clock.clone(),
                failures.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(SLICE_WARM_UP).await;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    clock.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(duration).await;
    clock.stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds();
    Run {
        latencies,
        failures: failures.load(Ordering::Relaxed),
        seconds,
        cpu: Cpu {
            server: cpu_after.server - cpu_before.server,
            total: cpu_after.total - cpu_before.total,
        },
    }
}

fn main() {
    let args = args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    if args.audit_log {
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(std::io::sink)
            .init();
    }
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path, config_path) = (
        dir.path().join("tls.crt"),
        dir.path().join("tls.key"),
        dir.path().join("config.yaml"),
    );
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    std::fs::write(&config_path, CONFIG).unwrap();

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads)
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    let mut options = rampart_server::Options::new(
        config_path,
        cert_path,
        key_path,
        "127.0.0.1:0".parse().unwrap(),
    );
    options.baseline_route = true;
    let running = server_rt.block_on(rampart_server::start(options)).unwrap();
    let addr = running.local_addr();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let body_bytes = Traffic::replicas().body("00000").len();

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .thread_name("client")
        .enable_all()
        .build()
        .unwrap();
    let planned = planned_phases();
    let (phases, server_side) = client_rt.block_on(async {
        let numbers = Arc::new(AtomicU64::new(0));
        // Warm up connections and caches.
        let replicas = ("/validate?timeout=10s", &Traffic::replicas());
        let warm_up = Duration::from_secs(1);
        let _ = run(addr, &tls, replicas, &numbers, args.concurrency, warm_up).await;
        let slice = Duration::from_secs_f64(args.seconds as f64 / args.rounds as f64);
        let mut phases: Vec<Phase> = planned.iter().map(|_| Phase::default()).collect();
        // Each round starts one phase later, so that no phase always follows another.
        for round in 0..args.rounds as usize {
            for index in (0..planned.len()).map(|i| (i + round) % planned.len()) {
                let (_, path, traffic) = &planned[index];
                let traffic = (*path, traffic);
                let run = run(addr, &tls, traffic, &numbers, args.concurrency, slice).await;
                phases[index].runs.push(run);
            }
        }
        (phases, server_side_seconds(addr, &tls).await)
    });
    server_rt.block_on(running.shutdown());

    println!(
        "review body: {} bytes; concurrency {}; {} rounds of {} s per phase; server threads {}; client threads {}",
        body_bytes,
        args.concurrency,
        args.rounds,
        args.seconds as f64 / args.rounds as f64,
        args.server_threads,
        args.client_threads
    );
    for ((name, _, _), p) in planned.iter().zip(&phases) {
        let [p50, p99] = p.latencies_at([0.50, 0.99]);
        let cpu = p.cpu();
        println!(
            "{name:26} {:>7.0} req/s  p50 {:>6.3} ms  p99 {:>6.3} ms  CPU/req: server {:>5.1} µs, all {:>5.1} µs ({:.0}% of {} cores)  failed {}",
            p.rate(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            cpu.server / p.requests() as f64 * 1e6,
            cpu.total / p.requests() as f64 * 1e6,
            cpu.total / p.seconds() * 100.0 / cores() as f64,
            cores(),
            p.failures()
        );
    }
    // Both ratios, round by round: throughput, as asked, and CPU per request, which a
    // shared machine disturbs less (what the throughput ratio would be when the two
    // cores are all ours).
    let baseline = &phases[0];
    for ((name, _, _), phase) in planned.iter().zip(&phases).skip(1) {
        let [rate, rate_min, rate_max] =
            per_round(phase, baseline, |run, base| run.rate() / base.rate());
        let [cpu, cpu_min, cpu_max] = per_round(phase, baseline, |run, base| {
            base.cpu_per_request() / run.cpu_per_request()
        });
        println!(
            "{name} / baseline: throughput {rate:.2} ({rate_min:.2}–{rate_max:.2}), CPU per request {cpu:.2} ({cpu_min:.2}–{cpu_max:.2})"
        );
    }
    println!(
        "server-side time per review (parse, decide, serialise; from /metrics): {:.1} µs",
        server_side * 1e6
    );
    if phases.iter().any(|p| p.failures() > 0) {
        std::process::exit(1);
    }
}

/// An HTTP/1.1 keep-alive connection over TLS to the server.
async fn connect(
    addr: std::net::SocketAddr,
    tls: &tokio_rustls::TlsConnector,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let stream = tls
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    sender
}

/// Mean server-side review time, from the latency histogram's `_sum` and `_count`.
async fn server_side_seconds(addr: std::net::SocketAddr, tls: &tokio_rustls::TlsConnector) -> f64 {
    let mut sender = connect(addr, tls).await;
    let request = hyper::Request::get("/metrics")
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    value("rampart_admission_review_duration_seconds_sum")
        / value("rampart_admission_review_duration_seconds_count")
}

/// CPU seconds (user and system) of the server's threads and of the whole process.
#[derive(Clone, Copy, Default)]
struct Cpu {
    server: f64,
    total: f64,
}

/// Reads [`Cpu`] from `/proc/self/task/*/stat` (zero where that does not exist).
fn cpu_seconds() -> Cpu {
    let mut cpu = Cpu::default();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return cpu;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ...`: utime and stime are the 12th and 13th fields after the
        // name, in clock ticks (100 per second on Linux).
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let seconds: f64 = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse::<f64>().ok())
            .sum::<f64>()
            / 100.0;
        cpu.total += seconds;
        if head.ends_with("(server") {
            cpu.server += seconds;
        }
    }
    cpu
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
