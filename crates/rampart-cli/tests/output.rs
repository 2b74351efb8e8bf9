//! The report's front end shared by `scan` and the live sources: every SARIF shape
//! against the SARIF 2.1.0 schema, `--severity`, `--format compact`, `--summary`,
//! several `--output`s in one run, `--color`, and "did you mean" for what is mistyped.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

mod support;

use serde_json::Value;
use support::engine::{FakeEngine, recorded_host, write_host_file};
use support::{json_of, rampart, sarif_problems, stdout_of};

/// A privileged pod, a document that is not YAML, and an ignore annotation naming a rule
/// that does not exist (a warning).
const APP: &str = "apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    rampart.dev/ignore: no-such-rule
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
---
kind: [unclosed
";

fn assert_valid(sarif: &Value) {
    let problems = sarif_problems(sarif);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every artifact location of a SARIF log: `(uri, uriBaseId)`.
fn artifact_locations(value: &Value, out: &mut Vec<(String, Option<String>)>) {
    match value {
        Value::Object(object) => {
            if let Some(location) = object.get("artifactLocation") {
                out.push((
                    location["uri"].as_str().unwrap().to_owned(),
                    location["uriBaseId"].as_str().map(str::to_owned),
                ));
            }
            object.values().for_each(|v| artifact_locations(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| artifact_locations(v, out)),
        _ => {}
    }
}

fn locations_of(sarif: &Value) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    artifact_locations(sarif, &mut out);
    out
}

#[test]
fn sarif_of_relative_and_absolute_paths_errors_and_warnings_validates() {
    let dir = tempfile::tempdir().unwrap();
    let spaced = dir.path().join("my dir");
    std::fs::create_dir(&spaced).unwrap();
    let absolute = spaced.join("app.yaml");
    std::fs::write(&absolute, APP).unwrap();
    let sarif = json_of(&stdout_of(
        rampart()
            .args(["scan", "examples/insecure.yaml"])
            .arg(&absolute)
            .args(["--format", "sarif"]),
        2,
    ));
    assert_valid(&sarif);
    let locations = locations_of(&sarif);
    let srcroot = Some("%SRCROOT%".to_owned());
    assert!(locations.contains(&("examples/insecure.yaml".to_owned(), srcroot)));
    // The absolute file: a file:// URI, percent-encoded, without a base; in results,
    // the error and the warning alike.
    let file_uri = format!(
        "file://{}",
        absolute.display().to_string().replace(' ', "%20")
    );
    assert!(
        locations.contains(&(file_uri.clone(), None)),
        "{file_uri} in {locations:#?}"
    );
    assert!(
        !locations
            .iter()
            .any(|(uri, base)| uri.contains("my dir") || (uri == &file_uri && base.is_some()))
    );
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let levels: Vec<&str> = notifications
        .iter()
        .map(|n| n["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning"]);
    for notification in notifications {
        let location = &notification["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uri"].as_str(), Some(file_uri.as_str()));
    }
}

#[test]
fn sarif_of_standard_input_validates() {
    let sarif = json_of(&stdout_of(
        rampart()
            .args(["scan", "-", "--format", "sarif"])
            .write_stdin(APP),
        2,
    ));
    assert_valid(&sarif);
    assert!(
        locations_of(&sarif)
            .iter()
            .all(|(uri, base)| uri == "-" && base.as_deref() == Some("%SRCROOT%"))
    );
}

#[test]
fn sarif_of_live_objects_and_host_files_validates() {
    let engine = FakeEngine::start(recorded_host(), None);
    let root = tempfile::tempdir().unwrap();
    write_host_file(
        root.path(),
        "/etc/docker/daemon.json",
        "{\n  \"icc\": true,\n",
        0o666,
    );
    let sarif = json_of(&stdout_of(
        rampart()
            .args(["docker", "--host", &engine.host(), "--format", "sarif"])
            .arg("--host-root")
            .arg(root.path()),
        2,
    ));
    assert_valid(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    // Live objects: logical locations only.
    assert!(results.iter().any(|r| {
        r["locations"][0].get("physicalLocation").is_none()
            && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .starts_with("docker://")
    }));
    // Host files: absolute paths, file:// URIs without a base.
    assert!(
        locations_of(&sarif)
            .iter()
            .any(|(uri, base)| uri.starts_with("file:///") && base.is_none())
    );
}

#[test]
fn sarif_of_an_unreachable_engine_validates() {
    let sarif = json_of(&stdout_of(
        rampart().args(["docker", "--host", "tcp://127.0.0.1:1", "--format", "sarif"]),
        2,
    ));
    assert_valid(&sarif);
    let notification = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(
        notification["locations"][0]["logicalLocations"][0]["name"],
        "docker://127.0.0.1:1/daemon"
    );
}

/// `rampart image` of a root file system (a finding of the image rules), of an absolute
/// path and of a relative path that are not images (errors).
#[test]
fn sarif_of_image_reports_validates() {
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("rootfs");
    write_host_file(&rootfs, "/srv/shared.conf", "x\n", 0o666);
    let db = dir.path().join("db");
    std::fs::create_dir(&db).unwrap();
    std::fs::write(
        db.join("record.json"),
        r#"{"id": "CVE-2026-9999", "modified": "2026-12-01T00:00:00Z", "affected": [{"package":
            {"ecosystem": "Debian:12", "name": "zlib1g"}, "ranges": [{"type": "ECOSYSTEM",
            "events": [{"introduced": "0"}]}]}]}"#,
    )
    .unwrap();
    let missing = dir.path().join("no such.tar");
    let output = rampart()
        .args(["image", &format!("dir:{}", rootfs.display())])
        .arg(&missing)
        .args(["missing/app.tar", "--format", "sarif", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let sarif = json_of(&output.stdout);
    assert_valid(&sarif);
    let locations = locations_of(&sarif);
    let missing_uri = format!(
        "file://{}",
        missing.display().to_string().replace(' ', "%20")
    );
    assert!(locations.contains(&(missing_uri, None)), "{locations:#?}");
    assert!(locations.contains(&("missing/app.tar".to_owned(), Some("%SRCROOT%".to_owned()))));
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "image-world-writable")
    );
}
