//! Inputs whose cost once grew faster than their size (issue 14 §3b), scanned whole:
//!
//! * a kubelet flags file with every flag on one line (`kubeadm-flags.env`);
//! * a Compose file whose services each `extends` the one before, and the same chain
//!   where every service also adds the same capability;
//! * a Dockerfile whose stages each build `FROM` the one before.
//!
//! Each runs at a moderate and at a large size; the time per element should stay flat
//! from one to the other. Run: `cargo bench -p rampart-core --bench docker_cluster_cost`.

use std::fmt::Write;

use rampart_core::scan::{ScanOptions, scan_file};

fn main() {
    divan::main();
}

/// `KUBELET_KUBEADM_ARGS="--flag-0=value --flag-1=value ..."` on one line.
fn kubelet_flags(flags: usize) -> String {
    let mut text = String::from("KUBELET_KUBEADM_ARGS=\"");
    for i in 0..flags {
        let _ = write!(text, "--flag-{i}=value ");
    }
    text.push_str("--anonymous-auth=true\"\n");
    text
}

/// `s0` .. `sN`, each extending the one before; `cap` adds the same capability to each.
fn compose_chain(services: usize, cap: bool) -> String {
    let mut text = String::from("services:\n  s0:\n    image: example/app:1.0\n");
    for i in 1..services {
        let _ = write!(
            text,
            "  s{i}:\n    extends: {{service: s{}}}\n    environment: {{N: \"{i}\"}}\n",
            i - 1
        );
        if cap {
            text.push_str("    cap_add: [SYS_ADMIN]\n");
        }
    }
    text
}

/// `FROM alpine:3.20 AS s0`, then `FROM s{i-1} AS s{i}` with a RUN each.
fn dockerfile_stages(stages: usize) -> String {
    let mut text = String::from("FROM alpine:3.20 AS s0\n");
    for i in 1..stages {
        let _ = write!(text, "FROM s{} AS s{i}\nRUN echo {i}\n", i - 1);
    }
    text.push_str("USER 10001\n");
    text
}

fn scan(bencher: divan::Bencher, name: &str, text: &str) {
    let options = ScanOptions::default();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            scan_file(name, divan::black_box(text.as_bytes()), &options)
                .findings
                .len()
        });
}

#[divan::bench(args = [50_000, 400_000], sample_count = 3, sample_size = 1)]
fn kubelet_flags_one_line(bencher: divan::Bencher, flags: usize) {
    scan(bencher, "kubeadm-flags.env", &kubelet_flags(flags));
}

#[divan::bench(args = [500, 4_000], sample_count = 3, sample_size = 1)]
fn compose_extends_chain(bencher: divan::Bencher, services: usize) {
    scan(bencher, "compose.yaml", &compose_chain(services, false));
}

#[divan::bench(args = [500, 2_000], sample_count = 3, sample_size = 1)]
fn compose_extends_same_capability(bencher: divan::Bencher, services: usize) {
    scan(bencher, "compose.yaml", &compose_chain(services, true));
}

#[divan::bench(args = [10_000, 80_000], sample_count = 3, sample_size = 1)]
fn dockerfile_stage_chain(bencher: divan::Bencher, stages: usize) {
    scan(bencher, "Dockerfile", &dockerfile_stages(stages));
}
