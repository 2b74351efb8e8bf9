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
/// A root file system with a world-writable file (a medium finding of the image rules),
/// and a vulnerability database: `(dir:ROOTFS, database)`.
fn image_fixture(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let rootfs = dir.join("rootfs");
    write_host_file(&rootfs, "/srv/shared.conf", "x\n", 0o666);
    let db = dir.join("db");
    std::fs::create_dir(&db).unwrap();
    std::fs::write(
        db.join("record.json"),
        r#"{"id": "CVE-2026-9999", "modified": "2026-12-01T00:00:00Z", "affected": [{"package":
            {"ecosystem": "Debian:12", "name": "zlib1g"}, "ranges": [{"type": "ECOSYSTEM",
            "events": [{"introduced": "0"}]}]}]}"#,
    )
    .unwrap();
    (format!("dir:{}", rootfs.display()), db)
}

/// `rampart image` of a root file system (a finding of the image rules), of an absolute
/// path and of a relative path that are not images (errors).
#[test]
fn sarif_of_image_reports_validates() {
    let dir = tempfile::tempdir().unwrap();
    let (rootfs, db) = image_fixture(dir.path());
    let missing = dir.path().join("no such.tar");
    let output = rampart()
        .args(["image", &rootfs])
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

/// `rampart scan` with the colour variables of the environment removed.
fn scan() -> assert_cmd::Command {
    let mut cmd = rampart();
    cmd.arg("scan")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn severities(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn severity_shows_only_the_listed_levels_and_the_verdict_follows_what_is_shown() {
    let all = json_of(&stdout_of(
        scan().args(["examples/insecure.yaml", "--format", "json"]),
        1,
    ));
    let shown = json_of(&stdout_of(
        scan().args([
            "examples/insecure.yaml",
            "--format",
            "json",
            "--severity",
            "CRITICAL,high",
        ]),
        1,
    ));
    let kept = severities(&shown);
    assert!(!kept.is_empty());
    assert!(
        kept.iter().all(|s| s == "critical" || s == "high"),
        "{kept:?}"
    );
    let expected = severities(&all)
        .into_iter()
        .filter(|s| s == "critical" || s == "high")
        .count();
    assert_eq!(kept.len(), expected);
    let total = all["summary"]["findings"].as_u64().unwrap();
    assert_eq!(shown["summary"]["findings"], kept.len());
    assert_eq!(shown["summary"]["hidden"], total - kept.len() as u64);
    // Without the filter the JSON summary is as it was: no `hidden`.
    assert_eq!(all["summary"].get("hidden"), None);

    // Only an info finding is shown: nothing at or above --fail-on low, exit 0.
    let output = scan()
        .args(["examples/insecure.yaml", "--severity", "info"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let output = text(&output);
    assert!(output.contains(" info image-digest-missing: "), "{output}");
    assert!(
        output.ends_with(&format!(
            "1 finding (1 info) in 1 object from 1 file, 0 errors, {} hidden by severity\n",
            total - 1
        )),
        "{output}"
    );
    // Input errors still end the run with 2, whatever is shown.
    scan()
        .args(["-", "--severity", "critical"])
        .write_stdin(APP)
        .assert()
        .code(2);
    scan()
        .args(["examples/insecure.yaml", "--severity", "severe"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown severity \"severe\""));
}

#[test]
fn compact_is_one_line_per_finding_and_problem() {
    let json = json_of(&stdout_of(
        scan().args(["-", "--format", "json"]).write_stdin(APP),
        2,
    ));
    let output = text(&stdout_of(
        scan().args(["-", "--format", "compact"]).write_stdin(APP),
        2,
    ));
    let lines: Vec<&str> = output.lines().collect();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(lines.len(), findings.len() + 2, "{output}");
    assert!(lines[0].starts_with("-:14:7: error: "), "{output}");
    assert_eq!(
        lines[1],
        "-:6:25: warning: rampart.dev/ignore: unknown rule id \"no-such-rule\" (`rampart rules` lists them)"
    );
    for (line, f) in lines[2..].iter().zip(findings) {
        assert_eq!(
            *line,
            format!(
                "-:{}:{}: {} {}: {} [Pod app]",
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        );
    }
    assert!(
        lines.contains(
            &"-:12:19: critical privileged-container: container \"app\" runs privileged [Pod app]"
        ),
        "{output}"
    );
}

#[test]
fn compact_names_live_objects_by_their_uri() {
    let engine = FakeEngine::start(recorded_host(), None);
    let output = text(&stdout_of(
        rampart().args(["docker", "--host", &engine.host(), "--format", "compact"]),
        1,
    ));
    let host = engine.host().replace("tcp://", "");
    assert!(!output.is_empty());
    for line in output.lines() {
        assert!(line.starts_with(&format!("docker://{host}/")), "{line}");
        assert!(line.ends_with(')'), "{line}: the field in parentheses");
    }
}

#[test]
fn summary_ends_text_output_with_a_table_per_rule() {
    let output = text(&stdout_of(
        scan().args([
            "examples/insecure.yaml",
            "--summary",
            "--severity",
            "critical",
        ]),
        1,
    ));
    let table: Vec<&str> = output
        .lines()
        .skip_while(|l| !l.starts_with("rule "))
        .collect();
    assert_eq!(
        table,
        [
            "rule                    severity  findings  objects",
            "dangerous-capabilities  critical         1        1",
            "privileged-container    critical         1        1",
            "sensitive-host-path     critical         1        1",
        ],
        "{output}"
    );
    // The summary line comes before the table.
    assert!(output.contains("3 findings (3 critical) in 1 object from 1 file, 0 errors"));
    let compact = text(&stdout_of(
        scan().args(["examples/insecure.yaml", "--format", "compact", "--summary"]),
        1,
    ));
    assert!(
        compact
            .lines()
            .last()
            .unwrap()
            .starts_with("image-digest-missing "),
        "{compact}"
    );
    // Machine formats are not changed by it.
    json_of(&stdout_of(
        scan().args(["examples/insecure.yaml", "--format", "json", "--summary"]),
        1,
    ));
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("report.sarif");
    let assert = scan()
        .args(["examples/insecure.yaml", "--output"])
        .arg(format!("sarif={}", sarif.display()))
        .args(["--output", "text=-"])
        .assert()
        .code(1);
    let stdout = text(&assert.get_output().stdout);
    assert!(stdout.contains("examples/insecure.yaml:23:23: critical privileged-container"));
    assert!(stdout.ends_with("from 1 file, 0 errors\n"), "{stdout}");
    assert!(
        assert.get_output().stderr.is_empty(),
        "standard output has the summary"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_valid(&report);
    assert_eq!(report["runs"][0]["results"].as_array().unwrap().len(), 23);

    // Only files: a one-line summary on standard error. A file without a format takes
    // --format's.
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let assert = scan()
        .args(["examples/insecure.yaml", "--format", "junit", "--output"])
        .arg(format!("json={}", json.display()))
        .arg("--output")
        .arg(&junit)
        .assert()
        .code(1);
    assert!(assert.get_output().stdout.is_empty());
    assert_eq!(
        text(&assert.get_output().stderr),
        format!(
            "rampart: 23 findings (3 critical, 7 high, 7 medium, 5 low, 1 info) in 1 object \
             from 1 file, 0 errors; report in {}, {}\n",
            json.display(),
            junit.display()
        )
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["findings"], 23);
    assert!(text(&std::fs::read(&junit).unwrap()).starts_with("<?xml"));

    // The historical form: --output FILE with --format.
    let single = dir.path().join("single.json");
    scan()
        .args(["examples/insecure.yaml", "--format", "json", "--output"])
        .arg(&single)
        .assert()
        .code(1)
        .stdout("");
    let report: Value = serde_json::from_slice(&std::fs::read(&single).unwrap()).unwrap();
    assert_eq!(report["summary"]["findings"], 23);

    scan()
        .args([
            "examples/insecure.yaml",
            "--output",
            "json=-",
            "--output",
            "-",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "standard output (-) can take one format only",
        ));
    scan()
        .args(["examples/insecure.yaml", "--output", "out.json", "--output"])
        .arg("sarif=out.json")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--output: out.json is named twice",
        ));
}

#[test]
fn color_follows_the_flag_then_the_environment() {
    let has_escape = |cmd: &mut assert_cmd::Command| {
        let out = cmd.assert().code(1).get_output().stdout.clone();
        out.contains(&0x1b)
    };
    let args = ["examples/insecure.yaml"];
    assert!(!has_escape(scan().args(args)), "a pipe: no colour");
    assert!(has_escape(scan().args(args).args(["--color", "always"])));
    assert!(has_escape(scan().args(args).env("CLICOLOR_FORCE", "1")));
    assert!(!has_escape(
        scan()
            .args(args)
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
    ));
    assert!(!has_escape(
        scan()
            .args(args)
            .env("CLICOLOR_FORCE", "1")
            .args(["--color", "never"])
    ));
    // The flag wins over NO_COLOR, and colours a text file too.
    assert!(has_escape(
        scan()
            .args(args)
            .env("NO_COLOR", "1")
            .args(["--color", "always"])
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    scan()
        .args(args)
        .arg("--output")
        .arg(format!("text={}", file.display()))
        .args(["--color", "always"])
        .assert()
        .code(1);
    assert!(std::fs::read(&file).unwrap().contains(&0x1b));
    scan()
        .args(args)
        .arg("--output")
        .arg(format!("text={}", file.display()))
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .code(1);
    assert!(
        !std::fs::read(&file).unwrap().contains(&0x1b),
        "auto never colours a file"
    );
}

#[test]
fn did_you_mean() {
    scan()
        .args(["examples", "--rule", "privileged-containr"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown rule \"privileged-containr\" (did you mean \"privileged-container\"?)",
        ));
    rampart()
        .args(["rules", "run-as-roots"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown rule \"run-as-roots\" (did you mean \"run-as-root\"?)",
        ));
    rampart()
        .arg("scna")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "a similar subcommand exists: 'scan'",
        ));
    scan()
        .args(["examples", "--format", "sarf"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("a similar value exists: 'sarif'"));
    scan()
        .args(["examples", "--output", "sarf=out.sarif"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown format \"sarf\" (did you mean \"sarif\"?)",
        ));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "rules:\n  disable: [host-pdi]\n").unwrap();
    scan()
        .args(["examples", "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown rule id \"host-pdi\" in configuration (did you mean \"host-pid\"?)",
        ));
}

#[test]
fn image_reports_take_severity_and_several_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (rootfs, db) = image_fixture(dir.path());
    let run = |args: &[&str]| {
        let mut cmd = rampart();
        cmd.args(["image", &rootfs, "--db"]).arg(&db).args(args);
        cmd
    };
    let shown = json_of(&stdout_of(&mut run(&["--format", "json"]), 1));
    assert_eq!(shown["summary"]["findings"], 1);
    let filtered = json_of(&stdout_of(
        &mut run(&["--format", "json", "--severity", "high,critical"]),
        0,
    ));
    assert_eq!(filtered["summary"]["findings"], 0);
    assert_eq!(filtered["summary"]["hidden"], 1);

    let sarif = dir.path().join("image.sarif");
    let bom = dir.path().join("sbom.json");
    let assert = run(&[])
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--output")
        .arg(format!("cyclonedx={}", bom.display()))
        .assert()
        .code(1);
    assert!(assert.get_output().stdout.is_empty());
    let stderr = text(&assert.get_output().stderr);
    assert!(
        stderr.contains(&format!(
            "rampart: 0 vulnerabilities (none; 0 fixable) in 0 of 0 packages, 1 finding, 1 \
             target, 0 errors; report in {}, {}\n",
            sarif.display(),
            bom.display()
        )),
        "{stderr}"
    );
    assert_valid(&serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap());
    let bom: Value = serde_json::from_slice(&std::fs::read(&bom).unwrap()).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
}
