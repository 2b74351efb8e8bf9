//! `rampart certs` and `rampart serve` end to end: certificates for the Service names, a
//! server that starts with them, and SIGTERM ending it cleanly.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

#[test]
fn certs_cover_the_service_names_and_serve_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .args([
            "certs",
            "--service",
            "hook",
            "--namespace",
            "sec",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hook.sec.svc, hook.sec.svc.cluster.local"),
        "{stdout}"
    );
    assert!(stdout.contains("caBundle: LS0t"), "{stdout}");
    let cert = std::fs::read(dir.path().join("tls.crt")).unwrap();
    let key = std::fs::read(dir.path().join("tls.key")).unwrap();
    rampart_server::tls::certified_key(&cert, &key).expect("a usable key pair");
    assert!(dir.path().join("ca.crt").exists() && dir.path().join("ca.key").exists());

    std::fs::write(dir.path().join("config.yaml"), "cluster: disabled\n").unwrap();
    let mut child = Command::cargo_bin("rampart")
        .unwrap()
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("config.yaml"))
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = lines.next().expect("server log").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        if entry["message"] == "serving admission reviews" {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        rest.iter().any(|l| l.contains("server stopped")),
        "{rest:?}"
    );
}

#[test]
fn serve_refuses_a_bad_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), "rules: {enforce: [nope]}\n").unwrap();
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .args(["serve", "--config"])
        .arg(dir.path().join("config.yaml"))
        .args(["--tls-cert", "missing.crt", "--tls-key", "missing.key"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rules.enforce[0]: unknown rule id \"nope\""),
        "{stderr}"
    );
}

/// The lines a text-logging server writes up to "serving admission reviews", then the
/// server is stopped.
fn text_log_until_serving(dir: &std::path::Path, color: &[&str]) -> Vec<String> {
    let mut child = Command::cargo_bin("rampart")
        .unwrap()
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "text"])
        .args(color)
        .arg("--config")
        .arg(dir.join("config.yaml"))
        .arg("--tls-cert")
        .arg(dir.join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.join("tls.key"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let serving = line.contains("serving admission reviews");
        seen.push(line);
        if serving {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    seen
}

#[test]
fn the_text_log_is_coloured_only_on_a_terminal_or_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let certs = Command::cargo_bin("rampart")
        .unwrap()
        .args(["certs", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(certs.status.success());
    std::fs::write(dir.path().join("config.yaml"), "cluster: disabled\n").unwrap();

    let piped = text_log_until_serving(dir.path(), &[]);
    assert!(
        piped
            .last()
            .is_some_and(|l| l.contains("serving admission reviews")),
        "{piped:?}"
    );
    assert!(!piped.iter().any(|l| l.contains('\u{1b}')), "{piped:?}");

    let forced = text_log_until_serving(dir.path(), &["--color", "always"]);
    assert!(forced.iter().any(|l| l.contains('\u{1b}')), "{forced:?}");
}
