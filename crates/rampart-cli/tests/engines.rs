//! End-to-end tests of `rampart pss`, `rampart psp` and `rampart netpol` on the bundled
//! examples: verdicts, upstream messages, JSON shapes and exit codes.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    cmd
}

fn json(cmd: &mut Command, code: i32) -> Value {
    let output = cmd.assert().code(code).get_output().stdout.clone();
    serde_json::from_slice(&output).expect("JSON output")
}

#[test]
fn pss_takes_the_level_from_the_namespace_labels() {
    let report = json(
        rampart().args([
            "pss",
            "examples/insecure.yaml",
            "examples/hardened.yaml",
            "--format",
            "json",
        ]),
        0,
    );
    let results = report["results"].as_array().expect("results");
    let web = results
        .iter()
        .find(|r| r["name"] == "web" && r["namespace"] == "shop")
        .expect("web");
    assert_eq!(
        (web["level"].as_str(), web["source"].as_str()),
        (Some("restricted"), Some("namespace"))
    );
    assert_eq!(web["allowed"], true);
    let agent = results
        .iter()
        .find(|r| r["name"] == "legacy-agent")
        .expect("agent");
    assert_eq!(
        (agent["level"].as_str(), agent["source"].as_str()),
        (Some("privileged"), Some("default"))
    );
}

#[test]
fn pss_with_a_level_gives_upstream_messages_and_exit_1() {
    let report = json(
        rampart().args([
            "pss",
            "examples/insecure.yaml",
            "--level",
            "baseline",
            "--version",
            "v1.30",
            "--format",
            "json",
        ]),
        1,
    );
    let result = &report["results"][0];
    assert_eq!(result["allowed"], false);
    let message = result["message"].as_str().expect("message");
    assert!(
        message.starts_with("violates PodSecurity \"baseline:v1.30\": "),
        "{message}"
    );
    assert!(
        message.contains("host namespaces (hostNetwork=true, hostPID=true)"),
        "{message}"
    );
    assert!(
        message.contains(
            "privileged (container \"agent\" must not set securityContext.privileged=true)"
        ),
        "{message}"
    );
    let checks: Vec<&str> = result["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["check"].as_str())
        .collect();
    assert!(
        checks.contains(&"hostNamespaces") && checks.contains(&"privileged"),
        "{checks:?}"
    );
    rampart()
        .args(["pss", "examples/insecure.yaml", "--level", "strict"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "must be one of privileged, baseline, restricted",
        ));
}

#[test]
fn scan_with_pss_reports_violations_at_their_fields() {
    let report = json(
        rampart().args([
            "scan",
            "examples/insecure.yaml",
            "--pss",
            "baseline",
            "--rule",
            "pod-security",
            "--format",
            "json",
        ]),
        1,
    );
    let lines: Vec<(u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        lines.contains(&(15, "spec.template.spec.hostNetwork".to_owned())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(
            23,
            "spec.template.spec.containers[0].securityContext.privileged".to_owned()
        )),
        "{lines:?}"
    );
}

#[test]
fn psp_selects_mutates_and_rejects_like_the_1_24_plugin() {
    let report = json(
        rampart().args([
            "psp",
            "examples/psp/pods.yaml",
            "--policies",
            "examples/psp/policies.yaml",
            "--format",
            "json",
        ]),
        1,
    );
    let results = report["results"].as_array().expect("results");
    let web = results.iter().find(|r| r["name"] == "web").expect("web");
    assert_eq!(
        (web["allowed"].as_bool(), web["policy"].as_str()),
        (Some(true), Some("restricted"))
    );
    assert_eq!(
        web["pod"]["metadata"]["annotations"]["kubernetes.io/psp"],
        "restricted"
    );
    assert_eq!(
        web["pod"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert!(!web["patch"].as_array().expect("patch").is_empty());
    let debug = results
        .iter()
        .find(|r| r["name"] == "debug")
        .expect("debug");
    assert_eq!(debug["namespace"], "legacy");
    assert_eq!(debug["allowed"], false);
    assert_eq!(
        debug["message"],
        "pods \"debug\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]"
    );
}

#[test]
fn psp_without_a_usable_policy_has_no_providers() {
    let report = json(
        rampart().args([
            "psp",
            "examples/psp/pods.yaml",
            "--policies",
            "examples/psp/policies.yaml",
            "--service-account",
            "x/y",
            "--user",
            "alice",
            "--format",
            "json",
        ]),
        1,
    );
    assert_eq!(report["results"].as_array().map(Vec::len), Some(2));
}

#[test]
fn netpol_matrix_query_explain_and_isolation() {
    let matrix = json(
        rampart().args([
            "netpol",
            "matrix",
            "examples/netpol",
            "--port",
            "5432",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        matrix["pods"],
        serde_json::json!(["retail/db", "retail/web", "tools/debug"])
    );
    assert_eq!(matrix["allowed"][1][0], true, "web -> db");
    assert_eq!(matrix["allowed"][2][0], false, "debug -> db");
    rampart()
        .args([
            "netpol",
            "query",
            "examples/netpol",
            "--from",
            "tools/debug",
            "--to",
            "retail/db",
            "--port",
            "pg",
        ])
        .assert()
        .code(1)
        .stdout("tools/debug -> retail/db on pg/TCP: denied\n");
    let verdict = json(
        rampart().args([
            "netpol",
            "query",
            "examples/netpol",
            "--from",
            "retail/web",
            "--to",
            "retail/db",
            "--port",
            "5432",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        verdict["ingress"]["allowed_by"],
        serde_json::json!(["retail/db-from-web#ingress[0]"])
    );
    rampart()
        .args([
            "netpol",
            "explain",
            "examples/netpol",
            "--from",
            "tools/debug",
            "--to",
            "retail/db",
            "--port",
            "pg",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "isolated by retail/db-from-web, retail/default-deny",
        ));
    let isolation = json(
        rampart().args(["netpol", "isolation", "examples/netpol", "--format", "json"]),
        0,
    );
    assert_eq!(
        isolation["ingress"],
        serde_json::json!(["retail/db", "retail/web"])
    );
    assert_eq!(isolation["egress"], serde_json::json!([]));
}

#[test]
fn netpol_reports_invalid_policies_with_their_position() {
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n";
    rampart()
        .args(["netpol", "isolation", "-"])
        .write_stdin(policy)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("-:8:").and(predicate::str::contains("NetworkPolicy x/bad")),
        );
}
