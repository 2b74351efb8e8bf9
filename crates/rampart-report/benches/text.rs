//! The text report of a one-line JSON List (as `kubectl get -o json | jq -c` writes it):
//! every finding's snippet is cut from the same long line. Doubling the pods should
//! double the time. Run: `cargo bench -p rampart-report --bench text`.

#![allow(clippy::expect_used)] // a bench fixture that does not scan is a bug in the bench

use rampart_core::config::Config;
use rampart_core::scan::{ScanOptions, scan_file};
use rampart_report::{FileReport, ScanReport, write_text};

fn main() {
    divan::main();
}

/// A List of `pods` privileged pods on one line (a non-ASCII name in each, so that
/// columns are not byte offsets).
fn one_line_list(pods: usize) -> String {
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"café-N"},"spec":{"containers":[{"name":"c","image":"x:1","securityContext":{"privileged":true}}]}}"#;
    let items: Vec<String> = (0..pods)
        .map(|i| pod.replace('N', &i.to_string()))
        .collect();
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        items.join(",")
    )
}

#[divan::bench(args = [400, 800, 1_600, 3_200])]
fn one_line_json_list(bencher: divan::Bencher, pods: usize) {
    let text = one_line_list(pods);
    let options = ScanOptions::from_config(Config::default());
    let scan = scan_file("list.json", text.as_bytes(), &options);
    assert!(
        scan.findings.len() >= pods,
        "{} findings",
        scan.findings.len()
    );
    let report = ScanReport {
        files: vec![FileReport::new(
            "list.json".to_owned(),
            scan,
            text.as_bytes(),
        )],
        baseline: None,
    };
    bencher.bench(|| {
        let mut out = Vec::new();
        write_text(divan::black_box(&report), &mut out, false).expect("written");
        out.len()
    });
}
