//! A reader that stops early (`rampart scan … | head`) ends the report, not the run: the
//! exit code still gives the verdict, and nothing is printed about the closed pipe.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

fn rampart(args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .args(args);
    cmd
}

/// Runs with standard output a pipe whose reader is already gone, so the first write
/// fails with EPIPE (Rust programs ignore SIGPIPE).
fn into_a_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    rampart(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn assert_stops_quietly_with_its_verdict(args: &[&str]) {
    let read = rampart(args).output().unwrap();
    assert!(!read.stdout.is_empty(), "{args:?} writes a report");
    let closed = into_a_closed_pipe(args);
    assert_eq!(closed.status.code(), read.status.code(), "{args:?}");
    // Nothing about the pipe: standard error is what it is when the report is read.
    assert_eq!(
        String::from_utf8_lossy(&closed.stderr),
        String::from_utf8_lossy(&read.stderr),
        "{args:?}"
    );
}

#[test]
fn scan_reports_in_every_format_stop_quietly_when_the_reader_goes() {
    for format in ["text", "json", "sarif", "junit"] {
        assert_stops_quietly_with_its_verdict(&["scan", "examples/", "--format", format]);
    }
}

#[test]
fn engine_reports_and_the_catalogue_stop_quietly_when_the_reader_goes() {
    let psp = [
        "psp",
        "examples/psp/pods.yaml",
        "--policies",
        "examples/psp/policies.yaml",
    ];
    for args in [
        &["pss", "examples/insecure.yaml"][..],
        &["pss", "examples/insecure.yaml", "--format", "json"],
        &psp,
        &[&psp[..], &["--format", "json"]].concat(),
        &["netpol", "isolation", "examples/netpol"],
        &["netpol", "matrix", "examples/netpol", "--format", "json"],
        &["rules"],
        &["rules", "privileged-container"],
        &["rules", "--markdown"],
    ] {
        assert_stops_quietly_with_its_verdict(args);
    }
}

#[test]
fn other_write_errors_are_still_reported() {
    let out = rampart(&["scan", "examples/", "--format", "junit"])
        .stdout(
            std::fs::File::options()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("writing the report"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}
