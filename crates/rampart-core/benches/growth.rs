//! How the cost of a scan grows with inputs that used to make it grow faster than the
//! input: read each group's times across its sizes (doubling the size should double the
//! time). Run: `cargo bench -p rampart-core --bench growth`.

#![allow(clippy::expect_used)] // a bench fixture that does not parse is a bug in the bench

use rampart_core::config::Config;
use rampart_core::scan::{ScanOptions, scan_bytes};

#[path = "../tests/support/growth.rs"]
mod growth;

use growth::annotated_pod;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 2_000, 4_000, 8_000])]
fn per_container_annotations(bencher: divan::Bencher, containers: usize) {
    let text = annotated_pod(containers);
    let options = ScanOptions::from_config(
        Config::default().only(&["privileged-container", "apparmor-unconfined"]),
    );
    bencher.bench(|| {
        scan_bytes(divan::black_box(text.as_bytes()), &options)
            .findings
            .len()
    });
}

/// A flow sequence of one-digit numbers `bytes` long: refused once its node budget, which
/// follows its size, is spent (before, built whole up to the file-size limit's budget).
#[divan::bench(args = [1 << 20, 2 << 20, 4 << 20])]
fn flow_sequence(bencher: divan::Bencher, bytes: usize) {
    let text = format!("[{}]", vec!["1"; bytes / 2].join(","));
    let options = ScanOptions::default();
    bencher.bench(|| {
        scan_bytes(divan::black_box(text.as_bytes()), &options)
            .errors
            .len()
    });
}
