//! The cluster reader against the stand-in kube-apiserver: credentials, pages, faults.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::time::{Duration, Instant};

use rampart_live::kubernetes::{ApiClient, ClusterFlags, ClusterReader, Snapshot};
use rampart_test_support::kube_api::{ApiServer, Auth, Cluster, Fault};
use serde_json::{Value, json};

fn pod(namespace: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": format!("uid-{name}")},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.1"}})
}

fn small_cluster() -> Cluster {
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop",
            "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}}),
    ];
    objects.extend((0..1234).map(|i| pod("shop", &format!("web-{i}"))));
    Cluster::new(objects).configz(
        "worker-1",
        json!({"authentication": {"anonymous": {"enabled": false}}}),
    )
}

fn read_with(server: &ApiServer, auth: Auth, timeout: Duration) -> Snapshot {
    let flags = ClusterFlags {
        kubeconfig: Some(server.kubeconfig("test-context", auth)),
        timeout,
        ..ClusterFlags::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = ApiClient::connect(&flags).await.unwrap();
        ClusterReader::new(client, Vec::new())
            .with_progress(false)
            .read([])
            .await
    })
}

fn read(server: &ApiServer) -> Snapshot {
    read_with(server, Auth::Token, Duration::from_secs(30))
}

fn count(snapshot: &Snapshot, kind: &str) -> usize {
    snapshot
        .lists
        .iter()
        .filter(|l| l.resource.kind == kind)
        .map(|l| l.objects.len())
        .sum()
}

fn gaps(snapshot: &Snapshot) -> Vec<String> {
    snapshot.gaps().map(ToString::to_string).collect()
}

#[test]
fn every_page_is_read_with_each_kind_of_credentials() {
    let server = ApiServer::start(small_cluster());
    for auth in [Auth::Token, Auth::ClientCertificate, Auth::Exec] {
        let snapshot = read_with(&server, auth, Duration::from_secs(30));
        assert_eq!(gaps(&snapshot), Vec::<String>::new(), "{auth:?}");
        assert_eq!(count(&snapshot, "Pod"), 1234, "{auth:?}");
        assert_eq!(snapshot.context, "test-context");
        let pods = snapshot
            .lists
            .iter()
            .find(|l| l.resource.kind == "Pod")
            .unwrap();
        assert_eq!(pods.pages, 3);
        let first: Value = serde_json::from_str(&pods.objects[0]).unwrap();
        assert_eq!(
            (first["apiVersion"].as_str(), first["kind"].as_str()),
            (Some("v1"), Some("Pod"))
        );
        assert_eq!(snapshot.nodes.len(), 1);
        let configz = snapshot.nodes[0].configz.as_ref().unwrap();
        assert_eq!(
            configz["kubeletconfig"]["authentication"]["anonymous"]["enabled"],
            false
        );
    }
    let continued = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/api/v1/pods?continue="))
        .count();
    assert_eq!(continued, 6, "two continued pages per read");
}

#[test]
fn refused_credentials_are_gaps_on_every_kind() {
    let server = ApiServer::start(small_cluster());
    let snapshot = read_with(&server, Auth::WrongToken, Duration::from_secs(30));
    let gaps = gaps(&snapshot);
    assert!(
        gaps.contains(
            &"could not list pods: unauthorized (the API server refused the credentials)"
                .to_owned()
        ),
        "{gaps:?}"
    );
    assert_eq!(count(&snapshot, "Pod"), 0);
}

#[test]
fn a_forbidden_kind_is_a_gap_and_the_rest_is_read() {
    let cluster = small_cluster()
        .fault(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            Fault::Status(403),
        )
        .fault("/api/v1/nodes/worker-1/proxy/configz", Fault::Status(403));
    let server = ApiServer::start(cluster);
    let snapshot = read(&server);
    assert_eq!(
        gaps(&snapshot),
        [
            "could not list clusterroles.rbac.authorization.k8s.io: forbidden",
            "could not read the kubelet configuration of node worker-1: forbidden",
        ]
    );
    assert_eq!(count(&snapshot, "Pod"), 1234);
}

#[test]
fn an_expired_continue_token_lists_again() {
    let server = ApiServer::start(small_cluster().fault("/api/v1/pods", Fault::ExpireContinue));
    let snapshot = read(&server);
    assert_eq!(gaps(&snapshot), Vec::<String>::new());
    assert_eq!(count(&snapshot, "Pod"), 1234, "no object twice, none lost");
    let firsts = server
        .requests()
        .iter()
        .filter(|r| r.as_str() == "/api/v1/pods?limit=500")
        .count();
    assert_eq!(firsts, 2, "the list started again");
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let cluster = small_cluster()
        .fault("/api/v1/pods", Fault::Times(429, 3))
        .fault("/api/v1/namespaces", Fault::Times(503, 2))
        .fault("/api/v1/serviceaccounts", Fault::Status(500));
    let server = ApiServer::start(cluster);
    let snapshot = read_with(&server, Auth::Token, Duration::from_secs(5));
    assert_eq!(count(&snapshot, "Pod"), 1234);
    assert_eq!(count(&snapshot, "Namespace"), 1);
    let gaps = gaps(&snapshot);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].starts_with("could not list serviceaccounts: 500 InternalError"),
        "{gaps:?}"
    );
}

#[test]
fn a_slow_server_does_not_hold_the_run_past_its_timeout() {
    let server = ApiServer::start(
        small_cluster().fault("/api/v1/pods", Fault::Slow(Duration::from_secs(30))),
    );
    let started = Instant::now();
    let snapshot = read_with(&server, Auth::Token, Duration::from_secs(2));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(gaps(&snapshot).contains(&"could not list pods: timed out (--timeout)".to_owned()));
    assert_eq!(
        count(&snapshot, "Namespace"),
        1,
        "what came before the deadline is kept"
    );
}

#[test]
fn configured_custom_kinds_are_found_through_discovery() {
    let rollout = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}});
    let server = ApiServer::start(Cluster::new(vec![rollout]));
    let flags = ClusterFlags {
        kubeconfig: Some(server.kubeconfig("kind-test", Auth::Token)),
        timeout: Duration::from_secs(30),
        ..ClusterFlags::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let snapshot = runtime.block_on(async {
        let client = ApiClient::connect(&flags).await.unwrap();
        ClusterReader::new(client, Vec::new())
            .with_progress(false)
            .read([
                ("argoproj.io", "Rollout"),
                ("serving.knative.dev", "Service"),
            ])
            .await
    });
    assert_eq!(gaps(&snapshot), Vec::<String>::new());
    assert_eq!(count(&snapshot, "Rollout"), 1);
}
