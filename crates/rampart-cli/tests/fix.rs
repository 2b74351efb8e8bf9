//! `rampart fix` end to end: diff, write, JSON, exit codes, and the guarantees (a rescan
//! is clean, a second run changes nothing, a file that does not parse is never written).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn rampart(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(dir);
    cmd
}

const POD: &str = "\
# The web pod.
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app   # the application
    image: registry.example.com/app:1
    securityContext:
      privileged: true
";

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).unwrap()
}

#[test]
fn diff_prints_a_unified_diff_and_changes_nothing() {
    let dir = workspace(&[("pod.yaml", POD)]);
    let output = rampart(dir.path())
        .args([
            "fix",
            "pod.yaml",
            "--diff",
            "--rule",
            "privileged-container",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would fix 1 finding in 1 file"))
        .get_output()
        .stdout
        .clone();
    let diff = String::from_utf8(output).unwrap();
    assert_eq!(
        diff,
        "--- pod.yaml\n+++ pod.yaml\n@@ -8,4 +8,4 @@\n   - name: app   # the application\n     image: registry.example.com/app:1\n     securityContext:\n-      privileged: true\n+      privileged: false\n"
    );
    assert_eq!(read(&dir, "pod.yaml"), POD);
}

#[test]
fn write_fixes_in_place_then_scan_is_clean_and_fix_again_changes_nothing() {
    let dir = workspace(&[("pod.yaml", POD)]);
    rampart(dir.path())
        .args(["fix", "pod.yaml", "--write", "--unsafe"])
        .assert()
        .success()
        .stdout("");
    let fixed = read(&dir, "pod.yaml");
    assert!(fixed.starts_with("# The web pod.\n"));
    assert!(fixed.contains("  - name: app   # the application\n"));
    assert!(fixed.contains("privileged: false"));
    assert!(fixed.contains("readOnlyRootFilesystem: true"));
    // Every rule that has a fix is clean now.
    let rules = rampart(dir.path())
        .args(["fix", "pod.yaml", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&rules.stdout).unwrap();
    assert_eq!(report["summary"]["changed"], 0, "{report:#}");
    let scan = rampart(dir.path())
        .args(["scan", "pod.yaml", "--format", "json"])
        .output()
        .unwrap();
    let scan: Value = serde_json::from_slice(&scan.stdout).unwrap();
    let ids: Vec<&str> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for fixed_rule in [
        "privileged-container",
        "privilege-escalation-allowed",
        "capabilities-not-dropped",
        "run-as-root",
        "writable-root-filesystem",
        "seccomp-profile-missing",
    ] {
        assert!(
            !ids.contains(&fixed_rule),
            "{fixed_rule} still reported: {ids:?}"
        );
    }
    rampart(dir.path())
        .args(["fix", "pod.yaml", "--write", "--unsafe"])
        .assert()
        .success()
        .stderr(predicate::str::contains("fixed 0 findings in 0 files"));
    assert_eq!(read(&dir, "pod.yaml"), fixed);
}

#[test]
fn a_file_that_does_not_parse_is_never_written() {
    let broken = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n    privileged: true\n";
    let dir = workspace(&[("broken.yaml", broken), ("pod.yaml", POD)]);
    rampart(dir.path())
        .args(["fix", ".", "--write"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("broken.yaml:").and(predicate::str::contains("(not fixed)")),
        );
    assert_eq!(read(&dir, "broken.yaml"), broken);
    // The other file is still fixed.
    assert!(read(&dir, "pod.yaml").contains("privileged: false"));
}

#[test]
fn json_gives_each_fix_its_edits_and_json_patch() {
    let dir = workspace(&[("pod.yaml", POD)]);
    let output = rampart(dir.path())
        .args([
            "fix",
            "pod.yaml",
            "--rule",
            "privileged-container,privilege-escalation-allowed",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&output).unwrap();
    let file = &report["files"][0];
    assert_eq!(file["file"], "pod.yaml");
    assert_eq!(file["changed"], true);
    assert_eq!(file["written"], false);
    let fixed = file["fixed"].as_array().unwrap();
    let privileged = fixed
        .iter()
        .find(|f| f["rule"] == "privileged-container")
        .unwrap();
    assert_eq!(privileged["safety"], "safe");
    assert_eq!(privileged["kind"], "Pod");
    assert_eq!(
        privileged["path"],
        "spec.containers[0].securityContext.privileged"
    );
    assert_eq!(
        privileged["patch"],
        serde_json::json!([{"op": "replace", "path": "/spec/containers/0/securityContext/privileged", "value": false}])
    );
    let edit = &privileged["edits"][0];
    let (start, end) = (
        edit["start"].as_u64().unwrap() as usize,
        edit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&POD[start..end], "true");
    assert_eq!(edit["replacement"], "false");
    // The file's edits turn the original text into the fixed one.
    let mut text = POD.to_owned();
    let mut edits = file["edits"].as_array().unwrap().clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for e in &edits {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        text.replace_range(s..t, e["replacement"].as_str().unwrap());
    }
    assert!(
        text.contains("privileged: false\n      allowPrivilegeEscalation: false\n"),
        "{text}"
    );
    // The JSON Patches applied to the object give the fixed object.
    let mut object: Value = serde_yaml_value(POD);
    for f in fixed {
        let patch: json_patch::Patch = serde_json::from_value(f["patch"].clone()).unwrap();
        json_patch::patch(&mut object, &patch).unwrap();
    }
    assert_eq!(object, serde_yaml_value(&text));
}

/// A single-document YAML text as JSON, read by `rampart`'s own parser.
fn serde_yaml_value(text: &str) -> Value {
    let docs =
        rampart_core::source::parse(text.as_bytes(), &rampart_core::source::Limits::default());
    docs.documents[0].value.clone()
}

#[test]
fn standard_input_gets_the_fixed_text_on_standard_output() {
    let dir = workspace(&[]);
    rampart(dir.path())
        .args(["fix", "-", "--rule", "privileged-container"])
        .write_stdin(POD)
        .assert()
        .code(1)
        .stdout(POD.replace("privileged: true", "privileged: false"));
}

#[test]
fn unknown_rules_and_rules_without_a_fix_are_usage_errors() {
    let dir = workspace(&[("pod.yaml", POD)]);
    rampart(dir.path())
        .args(["fix", "pod.yaml", "--rule", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule"));
    rampart(dir.path())
        .args(["fix", "pod.yaml", "--rule", "memory-limit-missing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no automatic fix"));
}

#[test]
fn pss_fixes_what_blocks_the_level_and_lists_the_rest() {
    let pod = format!("{POD}    ports:\n    - containerPort: 80\n      hostPort: 80\n");
    let dir = workspace(&[("pod.yaml", &pod)]);
    rampart(dir.path())
        .args(["fix", "pod.yaml", "--pss", "baseline", "--write"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pod-security [hostPorts]: no automatic fix",
        ));
    let fixed = read(&dir, "pod.yaml");
    assert!(fixed.contains("privileged: false"), "{fixed}");
    assert!(fixed.contains("hostPort: 80"), "{fixed}");
}

#[test]
fn rules_say_whether_a_fix_is_safe() {
    let dir = workspace(&[]);
    rampart(dir.path())
        .args(["rules", "privileged-container"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Automatic fix:\n  Safe: sets `privileged: false`",
        ));
    rampart(dir.path())
        .args(["rules", "writable-root-filesystem"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Automatic fix:\n  Unsafe"));
    rampart(dir.path())
        .args(["rules", "memory-limit-missing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Automatic fix:\n  None:"));
}

#[test]
fn sarif_offers_the_safe_fixes_as_artifact_changes() {
    let dir = workspace(&[("pod.yaml", POD)]);
    let output = rampart(dir.path())
        .args(["scan", "pod.yaml", "--format", "sarif"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: Value = serde_json::from_slice(&output).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "privileged-container")
        .unwrap();
    let change = &privileged["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "pod.yaml");
    let replacement = &change["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "false");
    assert_eq!(replacement["deletedRegion"]["startLine"], 11);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 19);
    assert_eq!(replacement["deletedRegion"]["endColumn"], 23);
    // Unsafe fixes are not offered.
    let root = results
        .iter()
        .find(|r| r["ruleId"] == "writable-root-filesystem")
        .unwrap();
    assert!(root.get("fixes").is_none(), "{root:#}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `(file, rule, path)` of each finding a `fix --format json` run left, or of each
/// finding of a `scan --format json` run.
fn keys(report: &Value, list: &str) -> std::collections::BTreeSet<(String, String, String)> {
    let of = |file: &Value, f: &Value| {
        (
            f.get("file")
                .or(file.get("file"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            f["rule"].as_str().unwrap_or_default().to_owned(),
            f["path"].as_str().unwrap_or_default().to_owned(),
        )
    };
    match list {
        "unfixed" => report["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|file| {
                file["unfixed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |f| of(file, f))
            })
            .collect(),
        _ => report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| of(&Value::Null, f))
            .collect(),
    }
}

#[test]
fn the_corpus_fixed_in_a_temporary_copy_rescans_with_no_fixable_finding_left() {
    let Some(corpus) =
        rampart_test_support::shared("corpus", "the_corpus_fixed_in_a_temporary_copy")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&corpus, &dir.path().join("corpus"));
    rampart(dir.path())
        .args(["fix", "corpus", "--write", "--unsafe"])
        .assert()
        .stderr(predicate::str::contains("fixed "));
    // Nothing more to change, and every finding a fix exists for is one it says it left.
    let again = rampart(dir.path())
        .args(["fix", "corpus", "--unsafe", "--format", "json"])
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        again["summary"]["changed"], 0,
        "a second run would change files"
    );
    let left = keys(&again, "unfixed");
    let fixable: Vec<String> = again["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["fixed"].as_array().unwrap().iter())
        .filter_map(|f| f["rule"].as_str().map(str::to_owned))
        .collect();
    assert!(fixable.is_empty(), "{fixable:?}");
    let scan = rampart(dir.path())
        .args(["scan", "corpus", "--format", "json"])
        .output()
        .unwrap();
    let scan: Value = serde_json::from_slice(&scan.stdout).unwrap();
    let fix_rules: Vec<&str> = rampart_core::fix::fixable_rules().collect();
    let mut checked = 0;
    for finding in keys(&scan, "findings") {
        if fix_rules.contains(&finding.1.as_str()) {
            assert!(
                left.contains(&finding),
                "a fixable finding is left unreported: {finding:?}"
            );
            checked += 1;
        }
    }
    // Some findings have no fix in their case (a container's own `runAsUser: 0`...).
    assert!(
        checked > 0
            && checked
                == left
                    .iter()
                    .filter(|f| fix_rules.contains(&f.1.as_str()))
                    .count()
    );
}
