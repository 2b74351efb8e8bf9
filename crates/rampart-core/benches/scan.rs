//! Parse-only against full scan on one realistic multi-document manifest, and full
//! scans of a Compose file and a Dockerfile.
//! Run: `cargo bench -p rampart-core --bench scan`.

#![allow(clippy::expect_used)] // a bench fixture that does not parse is a bug in the bench

use rampart_core::scan::{ScanOptions, scan_bytes, scan_file};
use rampart_core::source::{Limits, parse};

const MANIFEST: &str = concat!(
    include_str!("../../../examples/insecure.yaml"),
    "---\n",
    include_str!("../../../examples/hardened.yaml"),
);

fn main() {
    divan::main();
}

#[divan::bench]
fn parse_only() -> usize {
    parse(divan::black_box(MANIFEST.as_bytes()), &Limits::default())
        .documents
        .len()
}

#[divan::bench]
fn full_scan(bencher: divan::Bencher) {
    let options = ScanOptions::default();
    bencher.bench(|| {
        scan_bytes(divan::black_box(MANIFEST.as_bytes()), &options)
            .findings
            .len()
    });
}

const COMPOSE: &str = include_str!("../../../examples/docker/insecure/compose.yaml");
const DOCKERFILE: &str = include_str!("../../../examples/docker/insecure/api/Dockerfile");

#[divan::bench]
fn compose_scan(bencher: divan::Bencher) {
    let options = ScanOptions::default();
    bencher.bench(|| {
        scan_file(
            "compose.yaml",
            divan::black_box(COMPOSE.as_bytes()),
            &options,
        )
        .findings
        .len()
    });
}

#[divan::bench]
fn dockerfile_scan(bencher: divan::Bencher) {
    let options = ScanOptions::default();
    bencher.bench(|| {
        scan_file(
            "Dockerfile",
            divan::black_box(DOCKERFILE.as_bytes()),
            &options,
        )
        .findings
        .len()
    });
}
