//! The public API on typed Kubernetes objects, and the JSON shapes the CLI prints.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::field_path::FieldPath;
use crate::netpol::{
    Cluster, Endpoint, NamedPort, Peer, PortSpec, Protocol, QueryError, Severity, validate,
};

fn object<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("bad test object: {e}"))
}

fn peer(text: &str) -> Peer {
    text.parse()
        .unwrap_or_else(|e| panic!("bad test peer {text}: {e}"))
}

fn ip(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|e| panic!("bad test IP {text}: {e}"))
}

fn shop() -> (Cluster, Vec<crate::netpol::PolicyError>) {
    let namespace: Namespace = object(json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"team": "shop",
                     "kubernetes.io/metadata.name": "spoofed"}}
    }));
    let web: Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}],
            "initContainers": [
                {"name": "sidecar", "restartPolicy": "Always",
                 "ports": [{"name": "metrics", "containerPort": 9090}]},
                {"name": "init", "ports": [{"name": "ignored", "containerPort": 1}]}
            ]
        },
        "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}
    }));
    let db: Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "db", "namespace": "shop", "labels": {"app": "db"}},
        "spec": {"nodeName": "node-2",
                 "containers": [{"name": "c", "ports": [{"name": "pg", "containerPort": 5432}]}]},
        "status": {"podIP": "10.0.0.2"}
    }));
    let agent: Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "agent", "namespace": "shop", "labels": {"app": "agent"}},
        "spec": {"nodeName": "node-2", "hostNetwork": true, "containers": [{"name": "c"}]},
        "status": {"podIP": "192.168.1.2"}
    }));
    let node: Node = object(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "node-2"},
        "status": {"addresses": [
            {"type": "InternalIP", "address": "192.168.1.2"},
            {"type": "ExternalIP", "address": "203.0.113.2"},
            {"type": "Hostname", "address": "node-2"}
        ]}
    }));
    let policy: NetworkPolicy = object(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                         "ports": [{"port": "pg"}]}]
        }
    }));
    let broken: NetworkPolicy = object(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "broken", "namespace": "shop"},
        "spec": {"podSelector": {}, "ingress": [{"from": [{}]}]}
    }));
    Cluster::builder()
        .namespace(&namespace)
        .pod(&web)
        .pod(&db)
        .pod(&agent)
        .node(&node)
        .policy(&policy)
        .policy(&broken)
        .build()
}

#[test]
fn pods_become_endpoints() {
    let (cluster, _) = shop();
    let web = cluster
        .endpoints()
        .iter()
        .find(|e| e.name == "web")
        .unwrap_or_else(|| panic!("web missing"));
    assert_eq!(web.ips, vec![ip("10.0.0.1"), ip("fd00::1")]);
    assert_eq!(web.node.as_deref(), Some("node-1"));
    let names: Vec<&str> = web.ports.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["http", "metrics"]);
    let ids: Vec<String> = cluster.endpoints().iter().map(Endpoint::id).collect();
    assert_eq!(ids, ["shop/agent", "shop/db", "shop/web"]);
}

#[test]
fn invalid_policies_are_reported_and_left_out() {
    let (cluster, errors) = shop();
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error.severity, Severity::Error);
    assert_eq!(
        error.path,
        FieldPath::fields(&["spec", "ingress"])
            .index(0)
            .child("from")
            .index(0)
    );
    assert_eq!(
        error.to_string(),
        "shop/broken: spec.ingress[0].from[0]: Required value: must specify a peer"
    );
    let isolation = cluster.isolation();
    assert_eq!(isolation.ingress, ["shop/db"]);
}

#[test]
fn query_named_port_nodes_and_json_shape() -> Result<(), QueryError> {
    let (cluster, _) = shop();
    let verdict = cluster.query(
        &peer("shop/web"),
        &peer("shop/db"),
        &PortSpec::Name("pg".into()),
        Protocol::Tcp,
    )?;
    assert!(verdict.allowed);
    let value = serde_json::to_value(&verdict).unwrap_or_default();
    assert_eq!(value["allowed"], json!(true));
    assert_eq!(value["ingress"]["isolated"], json!(true));
    assert_eq!(value["ingress"]["selected_by"], json!(["shop/db"]));
    assert_eq!(
        value["ingress"]["allowed_by"],
        json!(["shop/db#ingress[0]"])
    );
    assert_eq!(value["egress"]["isolated"], json!(false));
    assert_eq!(value["notes"][0]["kind"], json!("named_port_resolved"));

    // The node's InternalIP is that node: node-local to db, so ingress is exempt.
    let from_node = cluster.query(
        &peer("192.168.1.2"),
        &peer("shop/db"),
        &5432.into(),
        Protocol::Tcp,
    )?;
    assert!(from_node.allowed);
    // The host-network agent speaks as node-2 as well.
    let from_agent = cluster.query(
        &peer("shop/agent"),
        &peer("shop/db"),
        &5432.into(),
        Protocol::Tcp,
    )?;
    assert!(from_agent.allowed);
    // The node's ExternalIP is not an InternalIP: outside the cluster.
    let outside = cluster.query(
        &peer("203.0.113.2"),
        &peer("shop/db"),
        &5432.into(),
        Protocol::Tcp,
    )?;
    assert!(!outside.allowed);
    let metadata =
        cluster.can_reach_ip(&peer("shop/db"), ip("169.254.169.254"), 80, Protocol::Tcp)?;
    assert!(metadata.allowed && !metadata.egress.isolated);
    Ok(())
}

#[test]
fn matrix_and_isolation_json_shapes() {
    let (cluster, _) = shop();
    let matrix = cluster.matrix(5432, Protocol::Tcp);
    let value = serde_json::to_value(&matrix).unwrap_or_default();
    assert_eq!(
        value,
        json!({
            "port": 5432,
            "protocol": "TCP",
            "pods": ["shop/agent", "shop/db", "shop/web"],
            "allowed": [[true, true, true], [true, false, true], [true, true, true]]
        })
    );
    let isolation = serde_json::to_value(cluster.isolation()).unwrap_or_default();
    assert_eq!(
        isolation,
        json!({
            "ingress": ["shop/db"],
            "egress": [],
            "namespaces_without_default_deny": {"ingress": ["shop"], "egress": ["shop"]}
        })
    );
}

#[test]
fn namespace_name_label_is_stamped() -> Result<(), QueryError> {
    let (cluster, _) = shop();
    let policy: NetworkPolicy = object(json!({
        "metadata": {"name": "by-name", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}]}]}
    }));
    let endpoints = cluster.endpoints().to_vec();
    let (cluster, errors) = endpoints
        .into_iter()
        .fold(Cluster::builder(), |b, e| b.endpoint(e))
        .policy(&policy)
        .build();
    assert!(errors.is_empty());
    let verdict = cluster.query(
        &peer("shop/web"),
        &peer("shop/db"),
        &80.into(),
        Protocol::Tcp,
    )?;
    assert_eq!(verdict.egress.allowed_by, ["shop/by-name#egress[0]"]);
    Ok(())
}

#[test]
fn validate_is_usable_on_its_own() {
    let policy: NetworkPolicy = object(json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"ingress": [{"ports": [{"port": 0}]}]}
    }));
    let errors = validate(&policy);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path.to_string(), "spec.ingress[0].ports[0].port");
}

#[test]
fn peers_parse() {
    assert_eq!(
        peer("ns/pod"),
        Peer::Endpoint {
            namespace: "ns".into(),
            name: "pod".into()
        }
    );
    assert_eq!(peer("fd00::1"), Peer::Ip(ip("fd00::1")));
    for bad in ["ns", "/pod", "ns/", "a/b/c"] {
        assert!(bad.parse::<Peer>().is_err(), "{bad}");
    }
}

#[test]
fn module_doc_example() -> Result<(), Box<dyn std::error::Error>> {
    let (cluster, errors) = Cluster::builder()
        .endpoint(Endpoint::new("shop", "web"))
        .endpoint(Endpoint::new("shop", "db"))
        .build();
    assert!(errors.is_empty());
    let from: Peer = "shop/web".parse()?;
    let to: Peer = "shop/db".parse()?;
    let verdict = cluster.query(&from, &to, &PortSpec::Number(5432), Protocol::Tcp)?;
    assert!(verdict.allowed && !verdict.ingress.isolated);
    let _ = NamedPort {
        name: "x".into(),
        port: 1,
        protocol: Protocol::Udp,
    };
    Ok(())
}
