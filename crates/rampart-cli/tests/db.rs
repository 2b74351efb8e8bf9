//! `rampart db info`: counts per ecosystem, the data's age and the stale warning.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use assert_cmd::Command;

const OLD: &str = r#"{"id":"GHSA-xxxx-0001","modified":"2020-01-02T03:04:05Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}"#;
const WITHDRAWN: &str = r#"{"id":"GHSA-xxxx-0002","modified":"2019-01-01T00:00:00Z","withdrawn":"2019-02-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"x"}}]}"#;

#[test]
fn db_info_counts_records_and_warns_about_old_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("npm")).expect("dir");
    std::fs::write(dir.path().join("npm/a.json"), OLD).expect("write");
    std::fs::write(dir.path().join("npm/b.json"), WITHDRAWN).expect("write");
    let output = Command::cargo_bin("rampart")
        .expect("binary")
        .args(["db", "info", "--format", "json", "--db"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["records"], 2);
    assert_eq!(report["withdrawn"], 1);
    assert_eq!(report["ecosystems"]["npm"], 2);
    assert_eq!(report["newest_modified"], "2020-01-02T03:04:05Z");
    assert_eq!(report["stale"], true);
    assert_eq!(report["index"]["rebuilt"], true);
    assert!(report["age_days"].as_i64().is_some_and(|days| days > 365));
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 7 days old"));

    // The second run reads the kept index; the text report names the ecosystem.
    let output = Command::cargo_bin("rampart")
        .expect("binary")
        .args(["db", "info", "--db"])
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("(up to date)"), "{text}");
    assert!(text.contains("npm"), "{text}");
}

#[test]
fn db_info_on_a_missing_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::cargo_bin("rampart")
        .expect("binary")
        .args(["db", "info", "--db"])
        .arg(dir.path().join("none"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn db_info_reports_unreadable_records_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.json"), OLD).expect("write");
    std::fs::write(dir.path().join("bad.json"), "{\"id\":").expect("write");
    let output = Command::cargo_bin("rampart")
        .expect("binary")
        .args(["db", "info", "--db"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("error: bad.json"));
}
