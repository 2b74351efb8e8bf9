//! `rampart cluster` against the stand-in kube-apiserver on loopback (HTTPS, pages of
//! 500): 10,000 pods, 2,000 workloads, 500 NetworkPolicies, 1,000 RBAC objects, 20
//! nodes with their kubelets' `/configz`. Reported: the whole run's wall time (read,
//! judged, report written), the binary's own split (`--timings`: the API server's time,
//! judging), its peak RSS; and as the baseline, measured in the same run, `rampart scan`
//! of the same objects saved by `--save` (one file).
//!
//! `cargo bench -p rampart-cli --bench cluster_api` (the bench runs the `rampart` Cargo
//! built for it, in release).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

use rampart_test_support::kube_api::{ApiServer, Auth, Cluster};
use serde_json::{Value, json};

const PODS: usize = 10_000;
const WORKLOADS: usize = 2_000;
const POLICIES: usize = 500;
const RBAC: usize = 1_000;
const NODES: usize = 20;
const NAMESPACES: usize = 50;
const RUNS: usize = 3;

fn container(i: usize) -> Value {
    json!({"name": "app", "image": format!("registry.example.com/team/app-{}:1.{}", i % 97, i % 13),
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": i.is_multiple_of(7), "runAsNonRoot": !i.is_multiple_of(3),
            "capabilities": {"drop": ["ALL"]}},
        "env": [{"name": "MODE", "value": "production"}],
        "volumeMounts": [{"name": "data", "mountPath": "/data"}]})
}

fn cluster() -> Cluster {
    let ns = |i: usize| format!("team-{}", i % NAMESPACES);
    let mut objects = Vec::new();
    for i in 0..NAMESPACES {
        objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns(i),
            "labels": {"pod-security.kubernetes.io/enforce": if i.is_multiple_of(2) { "baseline" } else { "restricted" }}}}));
    }
    for i in 0..PODS {
        objects.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("app-{i}-7d9f8c6b5-x2k4q"), "namespace": ns(i),
                "uid": format!("00000000-0000-4000-8000-{i:012}"),
                "labels": {"app": format!("app-{}", i % WORKLOADS), "tier": "web"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": format!("app-{}-7d9f8c6b5", i % WORKLOADS), "uid": "r", "controller": true}]},
            "spec": {"containers": [container(i)], "serviceAccountName": "default",
                "nodeName": format!("node-{}", i % NODES), "volumes": [{"name": "data", "emptyDir": {}}]},
            "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)}}));
    }
    for i in 0..WORKLOADS {
        let template = json!({"metadata": {"labels": {"app": format!("app-{i}")}},
            "spec": {"containers": [container(i)], "volumes": [{"name": "data", "emptyDir": {}}]}});
        let (api_version, kind) = match i % 4 {
            0 | 1 => ("apps/v1", "Deployment"),
            2 => ("apps/v1", "ReplicaSet"),
            _ => ("apps/v1", "StatefulSet"),
        };
        objects.push(json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"name": format!("app-{i}"), "namespace": ns(i)},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": format!("app-{i}")}}, "template": template}}));
    }
    for i in 0..POLICIES {
        objects.push(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": format!("allow-{i}"), "namespace": ns(i)},
            "spec": {"podSelector": {"matchLabels": {"app": format!("app-{}", i * 4 % WORKLOADS)}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "web"}}}],
                    "ports": [{"protocol": "TCP", "port": 8080}]}]}}),
        );
    }
    for i in 0..RBAC {
        let object = match i % 4 {
            0 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": format!("reader-{i}"), "namespace": ns(i)},
                "rules": [{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]}]}),
            1 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": format!("reader-{i}"), "namespace": ns(i)},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("reader-{}", i - 1)},
                "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns(i)}]}),
            2 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": format!("ops-{i}")},
                "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "patch"]}]}),
            _ => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("ops-{i}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("ops-{}", i - 1)},
                "subjects": [{"kind": "Group", "name": format!("team-{}", i % NAMESPACES), "apiGroup": "rbac.authorization.k8s.io"}]}),
        };
        objects.push(object);
    }
    let mut cluster_objects = objects;
    for i in 0..NODES {
        cluster_objects.push(
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("node-{i}")}}),
        );
    }
    let mut cluster = Cluster::new(cluster_objects);
    for i in 0..NODES {
        cluster = cluster.configz(
            &format!("node-{i}"),
            json!({
            "authentication": {"anonymous": {"enabled": false}, "webhook": {"enabled": true},
                "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
            "authorization": {"mode": "Webhook"}, "readOnlyPort": 0, "rotateCertificates": true,
            "streamingConnectionIdleTimeout": "4h0m0s", "makeIPTablesUtilChains": true}),
        );
    }
    cluster
}

/// `(wall, API server, judging, peak RSS MiB)` of one `rampart cluster` run.
fn audit(
    kubeconfig: &std::path::Path,
    save: Option<&std::path::Path>,
) -> (Duration, f64, f64, f64) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
    command
        .arg("cluster")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args([
            "--format",
            "json",
            "--output",
            "/dev/null",
            "--timings",
            "--timeout",
            "120s",
        ]);
    if let Some(save) = save {
        command.arg("--save").arg(save);
    }
    let started = Instant::now();
    let output = command.output().unwrap();
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("rampart: API server"))
        .unwrap_or_else(|| panic!("no timings: {stderr}"));
    let number_after = |marker: &str| -> f64 {
        let rest = &line[line.find(marker).expect(marker) + marker.len()..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    (
        wall,
        number_after("API server "),
        number_after("judging "),
        number_after("peak RSS "),
    )
}

fn scan(file: &std::path::Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("scan")
        .arg(file)
        .args(["--format", "json", "--output", "/dev/null"])
        .status()
        .unwrap();
    assert!(status.code().is_some_and(|c| c <= 1));
    started.elapsed()
}

fn main() {
    let server = ApiServer::start(cluster());
    let kubeconfig = server.kubeconfig("bench", Auth::Token);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("cluster.yaml");
    audit(&kubeconfig, Some(&saved));
    let size = std::fs::metadata(&saved).unwrap().len();
    println!(
        "cluster: {PODS} pods, {WORKLOADS} workloads, {POLICIES} NetworkPolicies, {RBAC} RBAC objects, {NODES} nodes; saved {:.1} MB",
        size as f64 / 1e6
    );
    for run in 1..=RUNS {
        let (wall, api, judging, rss) = audit(&kubeconfig, None);
        let baseline = scan(&saved);
        println!(
            "run {run}: rampart cluster {:.2} s (API server {api:.2} s, judging {judging:.2} s, peak RSS {rss:.0} MiB); rampart scan of the saved file {:.2} s: {:.2}x",
            wall.as_secs_f64(),
            baseline.as_secs_f64(),
            wall.as_secs_f64() / baseline.as_secs_f64()
        );
    }
}
