//! Benchmarks of the NetworkPolicy engine on a synthetic cluster: 200 namespaces,
//! 10,000 pods (50 per namespace: 10 workloads × 5 replicas), 1,000 policies (5 per
//! namespace: default deny, intra-namespace allow, cross-namespace allow on a named port,
//! egress to an ipBlock with excepts, DNS egress).
//!
//! Run: `cargo bench --bench netpol`. Peak memory: run the bench binary under
//! `/usr/bin/time -v`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use k8s_openapi::api::networking::v1::NetworkPolicy;
use rampart_core::netpol::{Cluster, ClusterBuilder, Endpoint, NamedPort, NamespaceInfo, Protocol};

const NAMESPACES: usize = 200;
const WORKLOADS_PER_NAMESPACE: usize = 10;
const REPLICAS: usize = 5;
const TEAMS: usize = 20;

fn main() {
    for shape in SHAPES {
        let cluster = built(shape);
        eprintln!(
            "{shape}: {} pods, {} classes",
            cluster.endpoints().len(),
            cluster.class_count()
        );
    }
    divan::main();
}

fn labels(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn policy(namespace: &str, name: &str, spec: serde_json::Value) -> NetworkPolicy {
    let object = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"namespace": namespace, "name": name},
        "spec": spec,
    });
    match serde_json::from_value(object) {
        Ok(policy) => policy,
        Err(e) => panic!("synthetic policy {namespace}/{name}: {e}"),
    }
}

fn namespace_policies(ns: usize) -> Vec<NetworkPolicy> {
    let name = format!("ns-{ns}");
    let team = format!("team-{}", (ns + 1) % TEAMS);
    let app = |k: usize| format!("app-{}", k % WORKLOADS_PER_NAMESPACE);
    vec![
        policy(
            &name,
            "default-deny",
            serde_json::json!({
                "podSelector": {}, "policyTypes": ["Ingress", "Egress"]
            }),
        ),
        policy(
            &name,
            "intra",
            serde_json::json!({
                "podSelector": {"matchLabels": {"app": app(ns)}},
                "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["web", "api"]}]}}],
                    "ports": [{"port": 8080}]}]
            }),
        ),
        policy(
            &name,
            "from-team",
            serde_json::json!({
                "podSelector": {"matchLabels": {"tier": "api"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": team}},
                                       "podSelector": {"matchLabels": {"tier": "web"}}}],
                             "ports": [{"port": "http"}]}]
            }),
        ),
        policy(
            &name,
            "egress-internal",
            serde_json::json!({
                "podSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8",
                                                "except": [format!("10.{}.0.0/16", ns % 250)]}}],
                            "ports": [{"port": 8000, "endPort": 8100}]}]
            }),
        ),
        policy(
            &name,
            "dns",
            serde_json::json!({
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ns-0"}}}],
                            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
            }),
        ),
    ]
}

/// Label shapes: replicas sharing labels (classes ≈ workloads), or a unique label per
/// pod (the worst case: one class per pod).
const SHAPES: [&str; 2] = ["replicas", "unique"];

/// The synthetic cluster's builder (policies still to be validated).
fn synthetic(shape: &str) -> ClusterBuilder {
    let mut builder = Cluster::builder();
    let tiers = ["web", "api", "db"];
    for ns in 0..NAMESPACES {
        let name = format!("ns-{ns}");
        builder = builder.namespace_info(NamespaceInfo::new(
            name.clone(),
            labels(&[
                ("team", format!("team-{}", ns % TEAMS)),
                ("env", if ns % 2 == 0 { "prod" } else { "dev" }.to_string()),
            ]),
        ));
        for w in 0..WORKLOADS_PER_NAMESPACE {
            for r in 0..REPLICAS {
                let index = (ns * WORKLOADS_PER_NAMESPACE + w) * REPLICAS + r;
                let [_, b, c, d] = u32::try_from(index).unwrap_or_default().to_be_bytes();
                let mut endpoint = Endpoint::new(name.clone(), format!("app-{w}-{r}"));
                endpoint.labels = labels(&[
                    ("app", format!("app-{w}")),
                    ("tier", tiers[w % tiers.len()].to_string()),
                ]);
                if shape == "unique" {
                    endpoint.labels.insert("pod".into(), index.to_string());
                }
                endpoint.ports = vec![NamedPort {
                    name: "http".into(),
                    port: if w % 2 == 0 { 8080 } else { 8443 },
                    protocol: Protocol::Tcp,
                }];
                endpoint.ips = vec![IpAddr::V4(Ipv4Addr::new(10, b, c, d))];
                endpoint.node = Some(format!("node-{}", index % 100));
                builder = builder.endpoint(endpoint);
            }
        }
        for p in namespace_policies(ns) {
            builder = builder.policy(&p);
        }
    }
    builder
}

fn built(shape: &str) -> Cluster {
    let (cluster, errors) = synthetic(shape).build();
    assert!(errors.is_empty(), "{errors:?}");
    cluster
}

/// Validation, defaulting and class compilation.
#[divan::bench(sample_count = 5, args = SHAPES)]
fn build(bencher: divan::Bencher, shape: &str) {
    bencher
        .with_inputs(|| synthetic(shape))
        .bench_values(|builder| builder.build());
}

/// The full 10,000 × 10,000 matrix for 8080/TCP on a built cluster.
#[divan::bench(sample_count = 5, args = SHAPES)]
fn matrix(bencher: divan::Bencher, shape: &str) {
    let cluster = built(shape);
    bencher.bench(|| cluster.matrix(8080, Protocol::Tcp));
}

/// Build plus matrix: what `rampart netpol matrix` pays after parsing.
#[divan::bench(sample_count = 3, args = SHAPES)]
fn build_and_matrix(bencher: divan::Bencher, shape: &str) {
    bencher
        .with_inputs(|| synthetic(shape))
        .bench_values(|builder| {
            let (cluster, _) = builder.build();
            cluster.matrix(8080, Protocol::Tcp)
        });
}

/// One query with explanation.
#[divan::bench]
fn query(bencher: divan::Bencher) {
    let cluster = built("replicas");
    let from = "ns-1/app-0-0".parse();
    let to = "ns-0/app-1-0".parse();
    let (Ok(from), Ok(to)) = (from, to) else {
        panic!("bad endpoints");
    };
    bencher.bench(|| {
        cluster.query(
            &from,
            &to,
            &rampart_core::netpol::PortSpec::Number(8080),
            Protocol::Tcp,
        )
    });
}
