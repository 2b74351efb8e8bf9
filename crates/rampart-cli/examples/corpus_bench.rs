//! Corpus benchmark: scan throughput against a parse-only pass over the same bytes,
//! measured in the same run.
//!
//! `cargo run --release -p rampart-cli --example corpus_bench -- ../shared/corpus 10000`
//! loads every .yaml/.yml/.json file under the directory, replicates them in memory until
//! there are at least N documents, then alternates parse-only and full-scan passes
//! (parallel over files, as `rampart scan` does) and prints documents per second and the
//! ratio scan / parse. `scripts/corpus-bench.sh` also measures the CLI's peak memory.

#![allow(clippy::expect_used)] // a benchmark that cannot read its corpus has nothing to report

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_core::scan::{ScanOptions, scan_bytes};
use rampart_core::source::{Limits, parse};
use rampart_report::FileReport;
use rayon::prelude::*;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable corpus")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| "../shared/corpus".to_owned()));
    let wanted: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    let mut paths = Vec::new();
    files_under(&root, &mut paths);
    let limits = Limits::default();
    let originals: Vec<(Vec<u8>, usize)> = paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("readable file");
            let documents = parse(&bytes, &limits).documents.len();
            (bytes, documents)
        })
        .filter(|(_, documents)| *documents > 0)
        .collect();
    let mut corpus = Vec::new();
    let mut documents = 0;
    while documents < wanted {
        for (bytes, count) in &originals {
            corpus.push(bytes.clone());
            documents += count;
        }
    }
    let megabytes = corpus.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!(
        "corpus: {} files ({} originals under {}), {documents} documents, {megabytes:.1} MB",
        corpus.len(),
        originals.len(),
        root.display()
    );
    let options = ScanOptions::default();
    let parse_pass = || {
        corpus
            .par_iter()
            .map(|b| parse(b, &limits).documents.len())
            .sum::<usize>()
    };
    let scan_pass = || {
        corpus
            .par_iter()
            .map(|b| {
                FileReport::new(String::new(), scan_bytes(b, &options), b)
                    .findings
                    .len()
            })
            .sum::<usize>()
    };
    let (mut parse_times, mut scan_times) = (Vec::new(), Vec::new());
    let mut findings = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        assert_eq!(parse_pass(), documents);
        parse_times.push(start.elapsed());
        let start = Instant::now();
        findings = scan_pass();
        scan_times.push(start.elapsed());
    }
    let (parse_time, scan_time) = (median(parse_times), median(scan_times));
    let rate = |t: Duration| documents as f64 / t.as_secs_f64();
    println!(
        "parse only: {:>8.1} ms  {:>9.0} documents/s",
        parse_time.as_secs_f64() * 1e3,
        rate(parse_time)
    );
    println!(
        "full scan:  {:>8.1} ms  {:>9.0} documents/s  ({findings} findings)",
        scan_time.as_secs_f64() * 1e3,
        rate(scan_time)
    );
    println!(
        "scan / parse time: {:.2}x  (median of {rounds} rounds, {} threads)",
        scan_time.as_secs_f64() / parse_time.as_secs_f64(),
        rayon::current_num_threads()
    );
}
