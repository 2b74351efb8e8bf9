//! End-to-end tests of `rampart netpol flows` and `rampart netpol generate` on the
//! bundled example, on bad input and on the upstream flow-log samples in `../shared`.

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

const HUBBLE: &str = "examples/netpol/flows/hubble-observe.log";
const CSV: &str = "examples/netpol/flows/observed.csv";

#[test]
fn flows_report_denied_egress_metadata_and_unused_paths() {
    rampart()
        .args(["netpol", "flows", "examples/netpol", "--flows", HUBBLE])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("read 1 flow log: examples/netpol/flows/hubble-observe.log (hubble)")
                .and(predicate::str::contains("3 replies skipped"))
                .and(predicate::str::contains(
                    "    tools/debug -> retail/db on 5432/TCP (2 records, 2 dropped by the network)\n      Egress of tools/debug: no NetworkPolicy selects it for egress",
                ))
                .and(predicate::str::contains("    169.254.169.254:80/TCP  1 record  allowed, cloud metadata"))
                .and(predicate::str::contains("  retail/web 8080/TCP: 1 source: retail/db"))
                .and(predicate::str::contains("judged as kube-system/kube-dns")),
        );
}

#[test]
fn flows_json_is_the_same_judgement_from_every_format() {
    let hubble = json(
        rampart().args([
            "netpol",
            "flows",
            "examples/netpol",
            "--flows",
            HUBBLE,
            "--format",
            "json",
        ]),
        1,
    );
    let csv = json(
        rampart().args([
            "netpol",
            "flows",
            "examples/netpol",
            "--flows",
            CSV,
            "--format",
            "json",
        ]),
        1,
    );
    for report in [&hubble, &csv] {
        assert_eq!(report["summary"]["flows"], 6);
        assert_eq!(report["summary"]["denied"], 1);
        assert_eq!(report["denied"][0]["source"], "tools/debug");
        assert_eq!(report["denied"][0]["destination"], "retail/db");
        assert_eq!(report["metadata"][0]["address"], "169.254.169.254");
        assert_eq!(report["metadata"][0]["workload"], "retail/web");
        assert_eq!(report["egress"][0]["workload"], "retail/web");
        assert_eq!(report["errors"], serde_json::json!([]));
        let dns = report["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["destination"]["kind"] == "cluster-dns")
            .expect("DNS flow");
        assert_eq!(dns["verdicts"][0]["to"], "kube-system/kube-dns");
        assert_eq!(dns["allowed"], true);
    }
    assert_eq!(hubble["files"][0]["format"], "hubble");
    assert_eq!(csv["files"][0]["format"], "csv");
    assert_eq!(hubble["denied"][0]["flows"][0]["dropped"], 2);
}

#[test]
fn bad_flow_lines_are_errors_with_their_line_and_the_rest_is_read() {
    let log = "src,dst,dst_port,protocol\nretail/web,retail/db,5432,TCP\nretail/web,retail/db,http,TCP\ntools/debug,retail/db,5432,TCP\n";
    rampart()
        .args(["netpol", "flows", "examples/netpol", "--flows", "-"])
        .write_stdin(log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "-:3:1: error: dst_port: \"http\" is not a port number (0-65535)",
        ))
        .stdout(predicate::str::contains(
            "2 distinct flows: 1 allowed, 1 denied",
        ));
    rampart()
        .args(["netpol", "flows", "-", "--flows", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "standard input (-) can be read once",
        ));
    rampart()
        .args([
            "netpol",
            "flows",
            "examples/netpol",
            "--flows",
            "no/such/flows.log",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/flows.log:1:1: error: no such file or directory",
        ));
}

#[test]
fn generated_policies_apply_and_leave_no_observed_flow_denied() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart()
        .args(["netpol", "generate", "examples/netpol", "--flows", CSV])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "ok: every observed flow touching the 3 selected workloads is allowed (6 of 6)",
        ))
        .get_output()
        .stdout
        .clone();
    let yaml = String::from_utf8(output).unwrap();
    assert!(
        yaml.starts_with("# 3 NetworkPolicies generated by rampart"),
        "{yaml}"
    );
    assert!(yaml.contains("# to 169.254.169.254 (cloud metadata: review): 80/TCP (1 record)"));
    let policies = dir.path().join("generated.yaml");
    std::fs::write(&policies, &yaml).unwrap();
    let policies = policies.to_str().unwrap();
    // rampart reads them back (no error), and with them every observed flow is allowed.
    let isolation = json(
        rampart().args([
            "netpol",
            "isolation",
            "examples/netpol",
            policies,
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        isolation["egress"],
        serde_json::json!(["retail/db", "retail/web", "tools/debug"])
    );
    let report = json(
        rampart().args([
            "netpol",
            "flows",
            "examples/netpol",
            policies,
            "--flows",
            CSV,
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(report["summary"]["denied"], 0);
    assert_eq!(report["unobserved"], serde_json::json!([]));
}

#[test]
fn generate_json_carries_the_proof_and_namespaces_select_workloads() {
    let generated = json(
        rampart().args([
            "netpol",
            "generate",
            "examples/netpol",
            "--flows",
            HUBBLE,
            "-n",
            "retail",
            "--format",
            "json",
        ]),
        0,
    );
    let workloads: Vec<&str> = generated["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workload"].as_str().unwrap())
        .collect();
    assert_eq!(workloads, ["retail/db", "retail/web"]);
    assert_eq!(generated["proof"]["holds"], true);
    assert_eq!(
        generated["proof"]["dropped"], 1,
        "debug -> db was dropped: left out"
    );
    assert_eq!(generated["policies"][1]["policy"]["kind"], "NetworkPolicy");
    rampart()
        .args([
            "netpol",
            "generate",
            "examples/netpol",
            "--flows",
            HUBBLE,
            "-n",
            "nowhere",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-n nowhere: no pod or workload"));
    rampart()
        .args([
            "netpol",
            "generate",
            "examples/netpol",
            "--flows",
            HUBBLE,
            "--aggregate",
            "33",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a prefix length of 0 to 32",
        ));
}

/// Every upstream sample directory is read through the CLI: each file's format is
/// recognised, no line is an error.
#[test]
fn every_shared_flow_log_is_read() {
    let Some(root) = rampart_test_support::shared("flows", "every_shared_flow_log_is_read") else {
        return;
    };
    let dirs: Vec<String> = ["hubble", "suricata", "zeek", "vpc"]
        .iter()
        .map(|d| root.join(d).display().to_string())
        .collect();
    let mut cmd = rampart();
    cmd.args([
        "netpol",
        "flows",
        "examples/netpol",
        "--format",
        "json",
        "--flows",
    ]);
    cmd.args(&dirs);
    let output = cmd.output().unwrap();
    assert_ne!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 19);
    assert!(files.iter().all(|f| !f["format"].is_null()), "{files:#?}");
    assert_eq!(report["errors"], serde_json::json!([]));
    // hubble 97, suricata 11, zeek 136, vpc 10 (see the parser tests in rampart-core)
    assert_eq!(report["summary"]["read"]["records"], 254);
}

/// A log larger than the blocks it is read in (in parallel): every line is counted once
/// and a bad line far in keeps its number.
#[test]
fn a_large_log_is_read_in_blocks_with_exact_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("src,dst,dst_port,protocol\n");
    let lines = 200_000;
    for i in 2..=lines {
        if i == 187_654 {
            text.push_str("retail/web,retail/db,not-a-port,TCP\n");
        } else if i % 2 == 0 {
            text.push_str("retail/web,retail/db,5432,TCP\n");
        } else {
            text.push_str("tools/debug,retail/web,8080,TCP\n");
        }
    }
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();
    let output = rampart()
        .args([
            "netpol",
            "flows",
            "examples/netpol",
            "--format",
            "json",
            "--flows",
            file,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{file}:187654:1: error: dst_port: \"not-a-port\"")),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["files"][0]["lines"], lines);
    assert_eq!(report["summary"]["read"]["records"], lines - 2);
    let records: u64 = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["records"].as_u64().unwrap())
        .sum();
    assert_eq!(records, lines - 2);
}
