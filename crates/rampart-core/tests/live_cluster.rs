//! A cluster read through its API gives the CIS control-plane and kubelet verdicts its
//! files give: for every rule referencing CIS 1.2–1.4 (API server, controller manager,
//! scheduler), 2 (etcd) or 4.2 (kubelet), each of its fixtures' static pods is judged
//! again as the API server shows it (a mirror pod in kube-system), and each
//! KubeletConfiguration as a node's `/configz` answer, and the findings (rule, field
//! path, message) must be the file's.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::Path;

use rampart_core::config::Config;
use rampart_core::live::{judge_kubernetes_object, judge_run, kubelet_configuration};
use rampart_core::rules::catalogue;
use rampart_core::scan::{ScanOptions, run_checks, scan_file};
use rampart_core::source::{Limits, parse};
use serde_json::{Value, json};

type Verdicts = BTreeSet<(String, String, String)>;

/// The CIS sections the API shows: the control plane's command lines and the kubelets'
/// effective configuration.
fn judged_through_the_api(references: &[&str]) -> bool {
    references.iter().any(|r| {
        ["CIS 1.2.", "CIS 1.3.", "CIS 1.4.", "CIS 2.", "CIS 4.2."]
            .iter()
            .any(|section| r.starts_with(section))
    })
}

/// The object as the API server serves it: a static pod becomes its mirror pod (in
/// kube-system, named after its node, with the mirror annotation); a
/// KubeletConfiguration becomes the KubeletConfiguration of a node's `/configz`. `None`
/// for what the API does not serve (kubeconfigs, flags files, other kinds).
fn as_served(object: &Value) -> Option<Value> {
    match (object["apiVersion"].as_str()?, object["kind"].as_str()?) {
        ("v1", "Pod") => {
            let mut pod = object.clone();
            let name = object["metadata"]["name"].as_str().unwrap_or("pod");
            pod["metadata"]["name"] = json!(format!("{name}-control-plane-1"));
            pod["metadata"]["namespace"] = json!("kube-system");
            pod["metadata"]["annotations"]["kubernetes.io/config.mirror"] = json!("0f1e2d3c");
            Some(pod)
        }
        (version, "KubeletConfiguration") if version.starts_with("kubelet.config.k8s.io/") => {
            let mut fields = object.as_object()?.clone();
            fields.remove("apiVersion");
            fields.remove("kind");
            kubelet_configuration("worker-1", &json!({ "kubeletconfig": fields }))
        }
        _ => None,
    }
}

/// The findings of a file: its objects' and the run rules'.
fn file_verdicts(name: &str, bytes: &[u8], options: &ScanOptions) -> Verdicts {
    let scan = scan_file(name, bytes, options);
    let mut verdicts: Verdicts = scan.findings.iter().map(|f| key(&f.finding)).collect();
    verdicts.extend(
        run_checks(&scan.collected, options)
            .findings
            .iter()
            .map(|(_, finding)| key(finding)),
    );
    verdicts
}

/// The findings of the same objects read through the API, or `None` when the file holds
/// something the API does not serve.
fn live_verdicts(bytes: &[u8], options: &ScanOptions) -> Option<Verdicts> {
    let parsed = parse(bytes, &Limits::default());
    if !parsed.errors.is_empty() || parsed.documents.is_empty() {
        return None;
    }
    let mut verdicts = Verdicts::new();
    let mut collected = Vec::new();
    for document in &parsed.documents {
        let served = as_served(&document.value)?;
        let mut scan = judge_kubernetes_object(&served, options);
        verdicts.extend(scan.findings.iter().map(|f| key(&f.finding)));
        collected.append(&mut scan.collected);
    }
    verdicts.extend(
        judge_run(&collected, options)
            .findings
            .iter()
            .map(|(_, f)| key(&f.finding)),
    );
    Some(verdicts)
}

fn key(finding: &rampart_core::Finding) -> (String, String, String) {
    (
        finding.rule.to_owned(),
        finding.path.to_string(),
        finding.message.clone(),
    )
}

#[test]
fn mirror_pods_and_configz_give_the_verdicts_of_the_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut compared_rules = Vec::new();
    let mut not_comparable = Vec::new();
    let mut failing_compared = 0;
    for rule in catalogue().filter(|r| judged_through_the_api(r.references)) {
        let options = ScanOptions::from_config(Config::default().only(&[rule.id]));
        let mut compared = 0;
        let mut entries: Vec<_> = std::fs::read_dir(root.join(rule.id))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let bytes = std::fs::read(&path).unwrap();
            let Some(live) = live_verdicts(&bytes, &options) else {
                continue;
            };
            let name = path.file_name().unwrap().to_string_lossy();
            let scanned_as = name.split_once('.').map_or(name.as_ref(), |(_, rest)| rest);
            let file = file_verdicts(scanned_as, &bytes, &options);
            assert_eq!(
                live,
                file,
                "{}: through the API, then as a file",
                path.display()
            );
            compared += 1;
            if name.starts_with("fail") {
                assert!(!file.is_empty(), "{}: a failing fixture", path.display());
                failing_compared += 1;
            }
        }
        if compared == 0 {
            not_comparable.push(rule.id);
        } else {
            compared_rules.push(rule.id);
        }
    }
    eprintln!(
        "{} CIS rules compared ({} failing fixtures); without a fixture the API could serve: {not_comparable:?}",
        compared_rules.len(),
        failing_compared
    );
    assert!(compared_rules.len() >= 55, "{compared_rules:?}");
    // These judge files the API server reads from its node's disk (named by its flags),
    // which the API does not serve: out of reach of `rampart cluster`.
    let on_the_nodes_disk = [
        "encryption-secrets-plaintext",
        "encryption-provider-weak",
        "authentication-config-anonymous",
        "authorization-config-weak",
    ];
    assert!(
        not_comparable
            .iter()
            .all(|id| on_the_nodes_disk.contains(id)),
        "rules the API serves the settings of, with no fixture compared: {not_comparable:?}"
    );
}
