//! `rampart cluster` against a stand-in kube-apiserver (rampart-test-support's
//! `kube_api`) serving a kubeadm cluster written in the API's JSON (tests/data/cluster),
//! and the corpus served as a cluster for the `--save` round trip.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

mod support;

use std::collections::BTreeMap;

use rampart_test_support::kube_api::{ApiServer, Auth, Cluster, Fault};
use serde_json::Value;
use support::{has, json_of, rampart, sarif_problems, stdout_of};

fn fixture(name: &str) -> Value {
    let path = support::repo()
        .join("crates/rampart-cli/tests/data/cluster")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The kubeadm cluster: a control plane node (mirror pods) and a worker whose kubelet
/// allows anonymous requests.
fn kubeadm() -> Cluster {
    let items = fixture("kubeadm.json")["items"].as_array().unwrap().clone();
    let configz = |node: &str| fixture(&format!("configz-{node}.json"))["kubeletconfig"].clone();
    Cluster::new(items)
        .configz("cp-1", configz("cp-1"))
        .configz("worker-1", configz("worker-1"))
}

/// `(file, rule, path)` of every finding; a live object's findings have no position.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    let positioned = |f: &&Value| !(f["line"].is_null() && f["column"].is_null());
    let first = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(positioned);
    assert!(first.is_none(), "{first:?}");
    support::findings(report)
}

fn errors(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn audit(server: &ApiServer, auth: Auth, extra: &[&str], code: i32) -> Value {
    let kubeconfig = server.kubeconfig("kind-rampart", auth);
    let mut cmd = rampart();
    cmd.arg("cluster")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--format", "json"])
        .args(extra);
    json_of(&stdout_of(&mut cmd, code))
}

const CTX: &str = "kubernetes://kind-rampart";

#[test]
fn a_kubeadm_cluster_is_audited_object_by_object_with_its_control_plane_and_kubelets() {
    let server = ApiServer::start(kubeadm());
    let report = audit(&server, Auth::Token, &[], 1);
    assert_eq!(errors(&report), Vec::<(String, String)>::new());
    let deployment = format!("{CTX}/apps/v1/Deployment/shop/web");
    assert!(has(
        &report,
        &deployment,
        "privileged-container",
        "spec.template.spec.containers[0].securityContext.privileged"
    ));
    // The mirror pod's command line, judged as the static pod file would be.
    let apiserver = format!("{CTX}/v1/Pod/kube-system/kube-apiserver-cp-1");
    assert!(has(
        &report,
        &apiserver,
        "apiserver-profiling",
        "spec.containers[0].command"
    ));
    // Each node's kubelet, named.
    let worker = format!("{CTX}/v1/Node//worker-1/configz");
    assert!(has(
        &report,
        &worker,
        "kubelet-anonymous-auth",
        "authentication.anonymous.enabled"
    ));
    assert!(has(
        &report,
        &worker,
        "kubelet-read-only-port",
        "readOnlyPort"
    ));
    let control_plane = format!("{CTX}/v1/Node//cp-1/configz");
    assert!(!has(
        &report,
        &control_plane,
        "kubelet-anonymous-auth",
        "authentication.anonymous.enabled"
    ));
    // A pod started by hand, owned by no controller (the mirror pods are their node's).
    let unowned: Vec<String> = findings(&report)
        .into_iter()
        .filter(|(_, rule, _)| rule == "pod-without-controller")
        .map(|(file, _, _)| file)
        .collect();
    assert_eq!(unowned, [format!("{CTX}/v1/Pod/shop/debug")]);
    // A run rule (RBAC across objects) lands on its object.
    let role = format!("{CTX}/rbac.authorization.k8s.io/v1/ClusterRole//ci-deployer");
    assert!(
        findings(&report)
            .iter()
            .any(|(f, r, _)| *f == role && r == "rbac-wildcard")
    );
    let kubelet = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == worker.as_str())
        .unwrap();
    assert_eq!(kubelet["kind"], "KubeletConfiguration");
    assert_eq!(kubelet["name"], "worker-1");
}

#[test]
fn client_certificates_and_exec_plugins_authenticate_too() {
    let server = ApiServer::start(kubeadm());
    let by_token = findings(&audit(&server, Auth::Token, &[], 1));
    for auth in [Auth::ClientCertificate, Auth::Exec] {
        assert_eq!(
            findings(&audit(&server, auth, &[], 1)),
            by_token,
            "{auth:?}"
        );
    }
    let refused = audit(&server, Auth::WrongToken, &[], 2);
    assert!(errors(&refused).iter().any(|(file, message)| file == &format!("{CTX}/v1/Pod")
        && message == "could not list pods: unauthorized (the API server refused the credentials)"));
}

/// `(rule, kind, namespace, name, path, severity, message)` of every finding, counted.
fn finding_identities(report: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let key = [
            "rule",
            "apiVersion",
            "kind",
            "namespace",
            "name",
            "path",
            "severity",
            "message",
        ]
        .map(|field| f[field].to_string())
        .join(" ");
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// `rampart cluster --save F`, then `rampart scan F`: the same findings (their
/// identities, counted).
fn round_trip(server: &ApiServer) -> BTreeMap<String, usize> {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("cluster.yaml");
    let kubeconfig = server.kubeconfig("kind-rampart", Auth::Token);
    let mut cluster = rampart();
    cluster
        .arg("cluster")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--save")
        .arg(&saved)
        .args(["--format", "json", "--fail-on", "critical"]);
    let output = cluster.output().unwrap();
    let live = json_of(&output.stdout);
    let mut scan = rampart();
    scan.arg("scan")
        .arg(&saved)
        .args(["--format", "json", "--fail-on", "critical"]);
    let output = scan.output().unwrap();
    let file = json_of(&output.stdout);
    // Objects the API server would have refused (a corpus file's wrong types) are the
    // same errors both ways; what only a live run says (the control plane out of reach)
    // is left out.
    let messages = |report: &Value| {
        let mut messages: Vec<String> = errors(report)
            .into_iter()
            .filter(|(file, _)| !file.ends_with("/control-plane"))
            .map(|(_, m)| m)
            .collect();
        messages.sort();
        messages
    };
    assert_eq!(messages(&live), messages(&file));
    let live_findings = finding_identities(&live);
    assert_eq!(live_findings, finding_identities(&file));
    live_findings
}

#[test]
fn saved_objects_scan_with_the_same_findings() {
    let server = ApiServer::start(kubeadm());
    let compared = round_trip(&server);
    assert!(compared.values().sum::<usize>() > 20);
    // The live-only judgements too: the Pod Security dry run of each namespace's pods.
    assert!(compared.keys().any(|identity| {
        identity.starts_with("\"pss-enforce-raise-blocked\" \"v1\" \"Namespace\"")
    }));
}

#[test]
fn namespaces_whose_running_pods_a_stricter_enforce_label_would_reject_are_named() {
    let server = ApiServer::start(kubeadm());
    let report = audit(
        &server,
        Auth::Token,
        &["--rule", "pss-enforce-raise-blocked"],
        0,
    );
    let raised: Vec<&Value> = report["findings"].as_array().unwrap().iter().collect();
    let paths: Vec<(&str, &str)> = raised
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    let shop = format!("{CTX}/v1/Namespace//shop");
    let kube_system = format!("{CTX}/v1/Namespace//kube-system");
    assert_eq!(
        paths,
        [
            (kube_system.as_str(), "metadata.labels"),
            (
                shop.as_str(),
                "metadata.labels[pod-security.kubernetes.io/enforce]"
            ),
        ]
    );
    // `shop` enforces privileged; its pods tried at baseline give what the API server's
    // dry run of `kubectl label ns shop pod-security.kubernetes.io/enforce=baseline` warns.
    let pods: Vec<k8s_openapi::api::core::v1::Pod> = fixture("kubeadm.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "Pod" && o["metadata"]["namespace"] == "shop")
        .map(|o| serde_json::from_value(o.clone()).unwrap())
        .collect();
    use rampart_core::pss::{Admission, DryRun, Exemptions, Level, LevelVersion, NamespacePolicy};
    let warnings = Admission {
        defaults: &NamespacePolicy::default(),
        exemptions: &Exemptions::default(),
    }
    .dry_run(
        &DryRun {
            namespace: "shop",
            enforce: LevelVersion::latest(Level::Baseline),
            out_of_time: &|| false,
        },
        &pods,
        0,
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("debug: ")),
        "{warnings:?}"
    );
    let message = raised[1]["message"].as_str().unwrap();
    assert!(message.contains("from privileged to baseline"), "{message}");
    assert!(message.ends_with(&warnings.join("; ")), "{message}");
    assert_eq!(raised[1]["severity"], "info");
}

#[test]
fn the_corpus_served_as_a_cluster_round_trips_through_save() {
    let Some(corpus) = rampart_test_support::shared(
        "corpus/kubernetes",
        "the_corpus_served_as_a_cluster_round_trips_through_save",
    ) else {
        return;
    };
    let mut objects = Vec::new();
    let mut paths: Vec<_> = walk(&corpus);
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let parsed = rampart_core::source::parse(&bytes, &rampart_core::source::Limits::default());
        for document in parsed.documents {
            if let Ok(found) = rampart_core::object::objects(&document.value) {
                objects.extend(
                    found
                        .iter()
                        .filter(|o| o.id.name.is_some() && o.value["metadata"]["name"].is_string())
                        .map(|o| o.value.clone()),
                );
            }
        }
    }
    assert!(objects.len() > 500, "{}", objects.len());
    let server = ApiServer::start(Cluster::new(objects));
    let compared: usize = round_trip(&server).values().sum();
    eprintln!("{compared} findings compared");
    assert!(compared > 500);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_forbidden_kind_is_a_gap_and_the_rest_is_judged() {
    let cluster = kubeadm()
        .fault(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            Fault::Status(403),
        )
        .fault("/api/v1/nodes/cp-1/proxy/configz", Fault::Status(403));
    let server = ApiServer::start(cluster);
    let report = audit(&server, Auth::Token, &[], 2);
    assert_eq!(
        errors(&report),
        [
            (
                format!("{CTX}/rbac.authorization.k8s.io/v1/ClusterRole"),
                "could not list clusterroles.rbac.authorization.k8s.io: forbidden".to_owned()
            ),
            (
                format!("{CTX}/v1/Node//cp-1/configz"),
                "could not read the kubelet configuration of node cp-1: forbidden".to_owned()
            ),
        ]
    );
    assert!(has(
        &report,
        &format!("{CTX}/v1/Node//worker-1/configz"),
        "kubelet-anonymous-auth",
        "authentication.anonymous.enabled"
    ));
}

#[test]
fn a_managed_control_plane_is_out_of_reach_not_passed() {
    let items: Vec<Value> = fixture("kubeadm.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["metadata"]["namespace"] != "kube-system")
        .cloned()
        .collect();
    let configz = fixture("configz-cp-1.json")["kubeletconfig"].clone();
    let cluster = Cluster::new(items)
        .configz("cp-1", configz.clone())
        .configz("worker-1", configz);
    let server = ApiServer::start(cluster);
    let report = audit(&server, Auth::Token, &[], 2);
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, format!("{CTX}/control-plane"));
    assert!(errors[0].1.starts_with("out of reach: no pod in kube-system runs kube-apiserver (CIS 1.2), kube-controller-manager (CIS 1.3), kube-scheduler (CIS 1.4), etcd (CIS 2) (a managed control plane?)"), "{}", errors[0].1);
    // Reading one namespace says nothing of the control plane.
    let one = audit(&server, Auth::Token, &["-n", "shop"], 1);
    assert_eq!(errors_in(&one), 0);
}

fn errors_in(report: &Value) -> usize {
    report["errors"].as_array().unwrap().len()
}

#[test]
fn namespaces_limit_what_is_read() {
    let server = ApiServer::start(kubeadm());
    let report = audit(&server, Auth::Token, &["-n", "shop"], 1);
    let files: Vec<String> = findings(&report).into_iter().map(|(f, _, _)| f).collect();
    assert!(
        files.iter().all(|f| !f.contains("/kube-system/")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.contains("/shop/")));
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.starts_with("/api/v1/namespaces/shop/pods?"))
    );
}

#[test]
fn a_baseline_of_a_live_cluster_names_containers_and_accepts_its_findings() {
    let server = ApiServer::start(kubeadm());
    let before = audit(&server, Auth::Token, &[], 1);
    let accepted = findings(&before).len();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.yaml");
    let baseline = baseline.to_str().unwrap();
    audit(&server, Auth::Token, &["--write-baseline", baseline], 0);
    let file = std::fs::read_to_string(baseline).unwrap();
    // Containers by name, as in the objects' files; the kubelets' by their node.
    assert!(
        file.contains("path: spec.template.spec.containers[name="),
        "{file}"
    );
    assert!(file.contains("worker-1"), "{file}");
    let after = audit(&server, Auth::Token, &["--baseline", baseline], 0);
    assert_eq!(findings(&after), Vec::new());
    assert_eq!(after["baseline"]["baselined"], accepted, "{after:#}");
    assert_eq!(after["baseline"]["stale"], serde_json::json!([]));
}

#[test]
fn sarif_names_live_objects_by_logical_locations() {
    let server = ApiServer::start(kubeadm());
    let kubeconfig = server.kubeconfig("kind-rampart", Auth::Token);
    let mut cmd = rampart();
    cmd.arg("cluster")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--format", "sarif"]);
    let sarif = json_of(&stdout_of(&mut cmd, 1));
    assert_eq!(sarif_problems(&sarif), Vec::<String>::new());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "privileged-container")
        .unwrap();
    let location = &privileged["locations"][0];
    assert!(location.get("physicalLocation").is_none(), "{location}");
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        format!(
            "{CTX}/apps/v1/Deployment/shop/web#spec.template.spec.containers[0].securityContext.privileged"
        )
    );
}

#[test]
fn the_shipped_cluster_role_lets_the_audit_list_every_kind_it_reads() {
    let text = std::fs::read(support::repo().join("deploy/cluster-audit.yaml")).unwrap();
    let parsed = rampart_core::source::parse(&text, &rampart_core::source::Limits::default());
    let role = parsed
        .documents
        .iter()
        .map(|d| &d.value)
        .find(|v| v["kind"] == "ClusterRole" && v["metadata"]["name"] == "rampart-cluster-audit")
        .unwrap();
    let allows = |group: &str, resource: &str, verb: &str| {
        role["rules"].as_array().unwrap().iter().any(|rule| {
            let has = |field: &str, wanted: &str| {
                rule[field].as_array().unwrap().iter().any(|v| v == wanted)
            };
            has("apiGroups", group) && has("resources", resource) && has("verbs", verb)
        })
    };
    for resource in rampart_live::kubernetes::resources::builtin() {
        assert!(
            allows(&resource.group, &resource.plural, "list"),
            "{resource:?}"
        );
    }
    for write in ["create", "update", "patch", "delete"] {
        assert!(!role.to_string().contains(write));
    }
    assert!(!allows("", "secrets", "list"));
}

#[test]
fn netpol_reads_the_live_cluster_as_its_saved_objects() {
    let mut items = fixture("kubeadm.json")["items"].as_array().unwrap().clone();
    items.push(
        serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "web-from-debug-only", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                {"key": "app", "operator": "DoesNotExist"}]}}],
                "ports": [{"protocol": "TCP", "port": 80}]}]}}),
    );
    let server = ApiServer::start(Cluster::new(items));
    let kubeconfig = server.kubeconfig("kind-rampart", Auth::Token);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("cluster.yaml");
    let mut save = rampart();
    save.arg("cluster")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--save")
        .arg(&saved);
    save.output().unwrap();
    let matrix = |source: &mut assert_cmd::Command| {
        source.args(["--port", "80", "--format", "json"]);
        json_of(&stdout_of(source, 0))
    };
    let mut live = rampart();
    live.args(["netpol", "matrix", "--cluster", "--kubeconfig"])
        .arg(&kubeconfig);
    let mut file = rampart();
    file.args(["netpol", "matrix"]).arg(&saved);
    let live = matrix(&mut live);
    assert_eq!(live, matrix(&mut file));
    let text = live.to_string();
    assert!(
        text.contains("shop/debug") && text.contains("shop/web"),
        "{text}"
    );
}
