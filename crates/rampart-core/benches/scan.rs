//! Parse-only against full scan on one realistic multi-document manifest.
//! Run: `cargo bench -p rampart-core --bench scan`.

#![allow(clippy::expect_used)] // a bench fixture that does not parse is a bug in the bench

use rampart_core::scan::{ScanOptions, scan_bytes};
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
