//! Input edges: standard input without `-`, Dockerfiles on standard input, repeated and
//! missing paths, binary files.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rampart(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.current_dir(dir);
    cmd
}

fn json(cmd: &mut Command, code: i32) -> Value {
    let out = cmd.assert().code(code).get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext: {privileged: true}\n";

#[test]
fn a_pipe_is_read_when_no_path_is_given() {
    let empty = tempfile::tempdir().unwrap();
    let piped = json(
        rampart(empty.path())
            .args(["scan", "--format", "json", "--rule", "privileged-container"])
            .write_stdin(PRIVILEGED_POD),
        1,
    );
    assert_eq!(piped["findings"][0]["file"], "-");
    assert_eq!(piped["findings"][0]["rule"], "privileged-container");

    // The same for the engines: pss reads the pod from the pipe.
    let pss = json(
        rampart(empty.path())
            .args(["pss", "--level", "baseline", "--format", "json"])
            .write_stdin(PRIVILEGED_POD),
        1,
    );
    assert_eq!(pss["results"][0]["file"], "-");

    // Without a pipe (stdin is /dev/null here), the current directory is scanned.
    std::fs::write(empty.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let directory = json(
        rampart(empty.path()).args(["scan", "--format", "json", "--rule", "privileged-container"]),
        1,
    );
    assert_eq!(directory["findings"][0]["file"], "./pod.yaml");
}

#[test]
fn the_help_says_what_no_path_means() {
    let help = rampart(&repo()).args(["scan", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&help.get_output().stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("standard input when it is a pipe"), "{text}");
    assert!(text.contains("else the current directory"), "{text}");
}

#[test]
fn a_dockerfile_on_standard_input_is_recognised_by_content() {
    let out = json(
        rampart(&repo())
            .args(["scan", "-", "--format", "json", "--rule", "run-as-root"])
            .write_stdin("# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN apk add curl\n"),
        1,
    );
    assert_eq!(out["errors"], serde_json::json!([]));
    assert_eq!(out["findings"][0]["kind"], "Dockerfile");
    assert_eq!(out["findings"][0]["rule"], "run-as-root");
}

#[test]
fn a_path_given_twice_is_read_once() {
    let once = json(
        rampart(&repo()).args(["scan", "examples/insecure.yaml", "--format", "json"]),
        1,
    );
    let again = json(
        rampart(&repo()).args([
            "scan",
            "examples/insecure.yaml",
            "./examples/insecure.yaml",
            "examples",
            "examples/insecure.yaml",
            "--format",
            "json",
        ]),
        1,
    );
    let of = |report: &Value, file: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"] == file)
            .count()
    };
    assert_eq!(
        of(&again, "examples/insecure.yaml"),
        of(&once, "examples/insecure.yaml")
    );
    assert_eq!(of(&again, "./examples/insecure.yaml"), 0);
    let whole = json(
        rampart(&repo()).args(["scan", "examples", "--format", "json"]),
        1,
    );
    assert_eq!(again["summary"]["files"], whole["summary"]["files"]);
}

#[test]
fn a_missing_path_is_an_error_but_not_a_file() {
    let out = json(
        rampart(&repo()).args([
            "scan",
            "examples/hardened.yaml",
            "no/such.yaml",
            "--format",
            "json",
        ]),
        2,
    );
    assert_eq!(out["summary"]["files"], 1);
    assert_eq!(out["summary"]["errors"], 1);
    assert_eq!(out["errors"][0]["file"], "no/such.yaml");
    assert_eq!(out["errors"][0]["message"], "no such file or directory");
    let text = rampart(&repo())
        .args(["scan", "examples/hardened.yaml", "no/such.yaml"])
        .assert()
        .code(2);
    let stdout = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(stdout.contains("from 1 file,"), "{stdout}");
}

#[test]
fn a_binary_file_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0".to_vec();
    bytes.extend(b"\x1b]0;owned\x07kind: Pod\n");
    std::fs::write(dir.path().join("tool.yaml"), &bytes).unwrap();
    let out = rampart(dir.path())
        .args(["scan", "tool.yaml"])
        .assert()
        .code(2);
    let stdout = out.get_output().stdout.clone();
    let text = String::from_utf8_lossy(&stdout);
    assert!(text.contains("tool.yaml:1:"), "{text}");
    assert!(!text.contains(" | "), "no snippet: {text}");
    assert!(
        !stdout.contains(&0x1b),
        "no escape sequence reaches the terminal"
    );
    assert!(!stdout.windows(3).any(|w| w == b"ELF"), "{text}");
}
