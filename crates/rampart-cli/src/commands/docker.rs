//! `rampart docker`: a live Docker host, read through the Engine API (rampart-live) and
//! judged by the catalogue (rampart-core's live module), as Docker Bench does. Each
//! object is a report of its own, named by a URI: `docker://<host>/daemon`,
//! `docker://<host>/containers/<name>`, `docker://<host>/images/<name>`; with
//! `--host-root`, the host's files too. An object that cannot be read is an error of
//! that object; the others are still judged.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use rampart_core::docker::docker_root_dir;
use rampart_core::live::{
    judge_container, judge_daemon, judge_daemon_file, judge_host, judge_image,
};
use rampart_core::scan::{FileScan, ScanOptions};
use rampart_live::docker::{
    Endpoint, EndpointFlags, Environment, Read, Snapshot, connect, resolve,
};
use rampart_report::FileReport;
use rayon::prelude::*;

use crate::cli::{DockerArgs, Exit};

/// The URI of an object of the Engine at `host`: `docker://localhost/containers/web`.
fn uri(host: &str, kind: &str, name: &str) -> String {
    format!("docker://{host}/{kind}/{name}")
}

pub fn run(args: &DockerArgs) -> Result<Exit> {
    let (options, fail_on) = super::scan::scan_options(&args.report)?;
    let flags = EndpointFlags {
        host: args.host.clone(),
        tls_ca: args.tls_ca.clone(),
        tls_cert: args.tls_cert.clone(),
        tls_key: args.tls_key.clone(),
    };
    let endpoint = resolve(&flags, &Environment::from_process())?;
    if let Some(root) = args.host_root.as_deref().filter(|root| !root.is_dir()) {
        anyhow::bail!("--host-root {}: not a directory", root.display());
    }
    let snapshot = read_engine(&endpoint, args.concurrency)?;
    let host_started = Instant::now();
    let host = args.host_root.as_deref().map(|root| {
        let docker_root = snapshot.daemon.as_ref().ok().and_then(docker_root_dir);
        (root, read_host(root, docker_root.as_deref()))
    });
    let host_time = host_started.elapsed();

    let judging = Instant::now();
    let mut files = judge_engine(&endpoint, &snapshot, &options);
    if let Some((root, read)) = host {
        files.extend(judge_host_root(
            root,
            read,
            snapshot.daemon.as_ref().ok(),
            &options,
        ));
    }
    let judged = judging.elapsed();
    let writing = Instant::now();
    let exit = super::scan::finish(files, &args.report, fail_on)?;
    if args.timings {
        print_timings(
            &snapshot,
            host_time,
            judged,
            writing.elapsed(),
            args.host_root.is_some(),
        );
    }
    Ok(exit)
}

/// Reads the Engine on a small runtime of its own; a client that cannot be set up (TLS
/// files missing) is the daemon's error.
fn read_engine(endpoint: &Endpoint, concurrency: usize) -> Result<Snapshot> {
    let reader = match connect(endpoint) {
        Ok(reader) => reader,
        Err(error) => {
            return Ok(Snapshot {
                daemon: Err(error),
                containers: Vec::new(),
                images: Vec::new(),
                elapsed: Duration::ZERO,
            });
        }
    };
    let reader = reader.with_concurrency(concurrency);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(runtime.block_on(reader.read()))
}

#[cfg(unix)]
fn read_host(root: &Path, docker_root: Option<&str>) -> rampart_live::host::HostRead {
    rampart_live::host::HostRoot::new(root).read(docker_root)
}

#[cfg(not(unix))]
fn read_host(_root: &Path, _docker_root: Option<&str>) -> HostReadUnsupported {
    HostReadUnsupported
}

/// Host files are read on Unix only.
#[cfg(not(unix))]
struct HostReadUnsupported;

/// The daemon, the containers and the images: one report each, in that order.
fn judge_engine(
    endpoint: &Endpoint,
    snapshot: &Snapshot,
    options: &ScanOptions,
) -> Vec<FileReport> {
    let host = endpoint.uri_host();
    let daemon_uri = format!("docker://{host}/daemon");
    let mut files = vec![match &snapshot.daemon {
        Ok(document) => FileReport::live(daemon_uri, judge_daemon(document, options)),
        Err(error) => {
            FileReport::live_error(daemon_uri, format!("{}: {error}", endpoint.describe()))
        }
    }];
    let objects =
        |reads: &[Read], kind: &str, judge: fn(&serde_json::Value, &ScanOptions) -> FileScan| {
            reads
                .par_iter()
                .map(|read| live_report(uri(host, kind, &read.name), read, options, judge))
                .collect::<Vec<_>>()
        };
    files.extend(objects(&snapshot.containers, "containers", judge_container));
    files.extend(objects(&snapshot.images, "images", judge_image));
    files
}

/// One object's report: its findings, and the error met reading it.
fn live_report(
    uri: String,
    read: &Read,
    options: &ScanOptions,
    judge: fn(&serde_json::Value, &ScanOptions) -> FileScan,
) -> FileReport {
    let scan = read
        .document
        .as_ref()
        .map_or_else(FileScan::default, |document| judge(document, options));
    let mut report = FileReport::live(uri, scan);
    if let Some(error) = &read.error {
        report.add_error(error.clone());
    }
    report
}

/// The host's daemon.json (as text, beside the running daemon) and its files.
#[cfg(unix)]
fn judge_host_root(
    root: &Path,
    read: rampart_live::host::HostRead,
    daemon: Option<&serde_json::Value>,
    options: &ScanOptions,
) -> Vec<FileReport> {
    let shown = |host_path: &str| {
        root.join(host_path.trim_start_matches('/'))
            .display()
            .to_string()
    };
    let mut files = Vec::new();
    if let Some((path, bytes)) = &read.daemon_json {
        let scan = judge_daemon_file(bytes, daemon, options);
        files.push(FileReport::new(path.display().to_string(), scan, bytes));
    }
    for (path, error) in &read.errors {
        files.push(FileReport::live_error(shown(path), error.clone()));
    }
    for (path, scan) in judge_host(&read.facts, options) {
        files.push(FileReport::live(shown(&path), scan));
    }
    files
}

#[cfg(not(unix))]
fn judge_host_root(
    root: &Path,
    _read: HostReadUnsupported,
    _daemon: Option<&serde_json::Value>,
    _options: &ScanOptions,
) -> Vec<FileReport> {
    vec![FileReport::live_error(
        root.display().to_string(),
        "--host-root is supported on Unix hosts only",
    )]
}

/// `rampart: engine API 0.41 s (...); rampart 0.03 s (...); peak RSS 31 MiB` on stderr.
fn print_timings(
    snapshot: &Snapshot,
    host: Duration,
    judged: Duration,
    written: Duration,
    host_root: bool,
) {
    let seconds = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    let mut line = format!(
        "rampart: engine API {} ({} containers, {} images); rampart {} (judging {}, report {})",
        seconds(snapshot.elapsed),
        snapshot.containers.len(),
        snapshot.images.len(),
        seconds(judged + written),
        seconds(judged),
        seconds(written),
    );
    if host_root {
        line.push_str(&format!("; host files {}", seconds(host)));
    }
    if let Some(peak) = peak_rss_kib() {
        line.push_str(&format!("; peak RSS {:.1} MiB", peak as f64 / 1024.0));
    }
    eprintln!("{line}");
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}
