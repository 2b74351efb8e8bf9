//! `rampart fix` against `rampart scan` over the whole shared corpus (`../shared/corpus`:
//! Kubernetes manifests, Compose files, Dockerfiles), one file after the other: the
//! issue's budget is fixing at most 2× the cost of scanning.
//! Run: `cargo bench -p rampart-core --bench fix`.

use rampart_core::fix::{FixOptions, fix_file};
use rampart_core::scan::{ScanOptions, scan_file};

fn main() {
    divan::main();
}

/// The corpus files, read once (empty, after one line, when the corpus is absent).
fn corpus() -> &'static [(String, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let Some(root) = rampart_test_support::shared("corpus", "bench fix") else {
            return Vec::new();
        };
        rampart_test_support::files_under(&root, &[".yaml", ".yml", ".json", "Dockerfile"])
    })
}

#[divan::bench(sample_count = 10)]
fn scan_corpus(bencher: divan::Bencher) {
    let options = ScanOptions::default();
    let files = corpus();
    bencher.bench(|| {
        files
            .iter()
            .map(|(name, bytes)| {
                scan_file(name, divan::black_box(bytes), &options)
                    .findings
                    .len()
            })
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10, args = [false, true])]
fn fix_corpus(bencher: divan::Bencher, unsafe_fixes: bool) {
    let options = FixOptions::new(ScanOptions::default(), unsafe_fixes, None);
    let files = corpus();
    bencher.bench(|| {
        files
            .iter()
            .map(|(name, bytes)| {
                fix_file(name, divan::black_box(bytes), &options, &[])
                    .applied
                    .len()
            })
            .sum::<usize>()
    });
}
