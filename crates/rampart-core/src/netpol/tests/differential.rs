//! Differential property test: on random small clusters and policies, the fast engine's
//! matrix and isolation equal the reference evaluator's, for several ports and all
//! protocols and under every combination of options.

use std::collections::BTreeMap;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::fixtures::{ClusterDef, EndpointDef, NamespaceDef, NodeDef, PolicyDef, PortDef};
use crate::netpol::model::Party;
use crate::netpol::{Options, Protocol, naive};

const NAMESPACES: [&str; 3] = ["n0", "n1", "n2"];
const PORT_NAMES: [&str; 3] = ["http", "dns", "metrics"];
const PORTS: [u16; 4] = [53, 80, 8080, 9090];
const PROTOCOLS: [&str; 3] = ["TCP", "UDP", "SCTP"];
const IPS: [&str; 8] = [
    "10.0.0.1",
    "10.0.0.2",
    "10.0.1.1",
    "10.0.1.2",
    "10.0.2.1",
    "192.168.0.1",
    "192.168.0.2",
    "fd00::1",
];
const CIDRS: [&str; 6] = [
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "0.0.0.0/0",
    "192.168.0.0/24",
    "fd00::/64",
];
const EXCEPTS: [&str; 6] = [
    "10.0.1.0/24",
    "10.0.1.2/32",
    "10.0.2.0/24",
    "10.0.0.0/16",
    "192.168.0.1/32",
    "fd00::1/128",
];

fn labels(
    vocabulary: &'static [(&'static str, &'static [&'static str])],
) -> impl Strategy<Value = BTreeMap<String, String>> {
    let pairs: Vec<(String, String)> = vocabulary
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.to_string(), v.to_string())))
        .collect();
    subsequence(pairs.clone(), 0..=pairs.len().min(3)).prop_map(|v| v.into_iter().collect())
}

const POD_LABELS: &[(&str, &[&str])] = &[("app", &["web", "db"]), ("tier", &["a", "b"])];
const NS_LABELS: &[(&str, &[&str])] = &[("env", &["prod", "dev"]), ("team", &["t1"])];

fn requirement(
    vocabulary: &'static [(&'static str, &'static [&'static str])],
) -> impl Strategy<Value = LabelSelectorRequirement> {
    let keys: Vec<&str> = vocabulary
        .iter()
        .map(|(k, _)| *k)
        .chain(["missing"])
        .collect();
    let values: Vec<String> = vocabulary
        .iter()
        .flat_map(|(_, vs)| vs.iter().map(|v| v.to_string()))
        .collect();
    (
        select(keys),
        select(vec!["In", "NotIn", "Exists", "DoesNotExist"]),
        subsequence(values, 1..=2),
    )
        .prop_map(|(key, operator, values)| LabelSelectorRequirement {
            key: key.to_string(),
            operator: operator.to_string(),
            values: matches!(operator, "In" | "NotIn").then_some(values),
        })
}

fn selector(
    vocabulary: &'static [(&'static str, &'static [&'static str])],
) -> impl Strategy<Value = LabelSelector> {
    (
        prop_oneof![2 => Just(None), 1 => labels(vocabulary).prop_map(Some)],
        prop_oneof![2 => Just(None), 1 => proptest::collection::vec(requirement(vocabulary), 1..=2).prop_map(Some)],
    )
        .prop_map(|(match_labels, match_expressions)| LabelSelector {
            match_labels,
            match_expressions,
        })
}

fn ip_block() -> impl Strategy<Value = IPBlock> {
    (select(CIDRS.to_vec()), subsequence(EXCEPTS.to_vec(), 0..=2)).prop_map(|(cidr, excepts)| {
        let net: Option<IpNet> = cidr.parse().ok();
        let except: Vec<String> = excepts
            .into_iter()
            .filter(|e| {
                let inner: Option<IpNet> = e.parse().ok();
                matches!((net, inner), (Some(n), Some(i)) if n.contains(&i.network()) && n.prefix_len() < i.prefix_len())
            })
            .map(str::to_string)
            .collect();
        IPBlock {
            cidr: cidr.to_string(),
            except: (!except.is_empty()).then_some(except),
        }
    })
}

fn peer() -> impl Strategy<Value = NetworkPolicyPeer> {
    prop_oneof![
        selector(POD_LABELS).prop_map(|s| NetworkPolicyPeer {
            pod_selector: Some(s),
            ..Default::default()
        }),
        selector(NS_LABELS).prop_map(|s| NetworkPolicyPeer {
            namespace_selector: Some(s),
            ..Default::default()
        }),
        (selector(NS_LABELS), selector(POD_LABELS)).prop_map(|(n, p)| NetworkPolicyPeer {
            namespace_selector: Some(n),
            pod_selector: Some(p),
            ..Default::default()
        }),
        ip_block().prop_map(|b| NetworkPolicyPeer {
            ip_block: Some(b),
            ..Default::default()
        }),
    ]
}

fn port() -> impl Strategy<Value = NetworkPolicyPort> {
    let protocol = prop_oneof![
        Just(None),
        select(PROTOCOLS.to_vec()).prop_map(|p| Some(p.to_string()))
    ];
    let number = prop_oneof![
        Just((None, None)),
        (
            select(PORTS.to_vec()),
            prop_oneof![Just(None), (0i32..9000).prop_map(Some)]
        )
            .prop_map(|(p, span)| (
                Some(IntOrString::Int(i32::from(p))),
                span.map(|s| i32::from(p) + s)
            )),
        select(PORT_NAMES.to_vec()).prop_map(|n| (Some(IntOrString::String(n.to_string())), None)),
    ];
    (protocol, number).prop_map(|(protocol, (port, end_port))| NetworkPolicyPort {
        protocol,
        port,
        end_port,
    })
}

fn list<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Vec<T>>> {
    prop_oneof![1 => Just(None), 3 => proptest::collection::vec(item, 0..=3).prop_map(Some)]
}

fn policy() -> impl Strategy<Value = PolicyDef> {
    let types = prop_oneof![
        Just(None),
        Just(Some(vec![])),
        Just(Some(vec!["Ingress".to_string()])),
        Just(Some(vec!["Egress".to_string()])),
        Just(Some(vec!["Ingress".to_string(), "Egress".to_string()])),
    ];
    let ingress = list(
        (list(peer()), list(port()))
            .prop_map(|(from, ports)| NetworkPolicyIngressRule { from, ports }),
    );
    let egress = list(
        (list(peer()), list(port())).prop_map(|(to, ports)| NetworkPolicyEgressRule { to, ports }),
    );
    (
        select(NAMESPACES.to_vec()),
        0u32..1000,
        selector(POD_LABELS),
        types,
        ingress,
        egress,
    )
        .prop_map(
            |(namespace, id, pod_selector, policy_types, ingress, egress)| PolicyDef {
                namespace: namespace.to_string(),
                name: format!("p{id}"),
                spec: Some(NetworkPolicySpec {
                    pod_selector: Some(pod_selector),
                    policy_types,
                    ingress,
                    egress,
                }),
            },
        )
}

fn endpoint() -> impl Strategy<Value = EndpointDef> {
    let ports = proptest::collection::vec(
        (
            select(PORT_NAMES.to_vec()),
            select(PORTS.to_vec()),
            select(PROTOCOLS.to_vec()),
        )
            .prop_map(|(n, p, proto)| PortDef {
                name: n.to_string(),
                port: p,
                protocol: proto.to_string(),
            }),
        0..=3,
    );
    (
        select(NAMESPACES.to_vec()),
        0u32..1000,
        labels(POD_LABELS),
        ports,
        subsequence(IPS.to_vec(), 0..=2),
        prop_oneof![Just(None), Just(Some("node-1")), Just(Some("node-2"))],
        proptest::bool::weighted(0.15),
    )
        .prop_map(
            |(ns, id, labels, ports, ips, node, host_network)| EndpointDef {
                namespace: ns.to_string(),
                name: format!("e{id}"),
                labels,
                ports,
                ips: ips.into_iter().map(str::to_string).collect(),
                node: node.map(str::to_string),
                host_network,
            },
        )
}

fn cluster() -> impl Strategy<Value = ClusterDef> {
    let namespaces = proptest::collection::vec(labels(NS_LABELS), 3).prop_map(|ls| {
        NAMESPACES
            .iter()
            .zip(ls)
            .map(|(name, labels)| NamespaceDef {
                name: name.to_string(),
                labels,
            })
            .collect::<Vec<_>>()
    });
    let options = (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(a, b, c)| Options {
        ipblock_matches_pod_ips: a,
        hostnetwork_as_node: b,
        node_local_ingress: c,
    });
    (
        options,
        namespaces,
        proptest::collection::vec(endpoint(), 1..=10),
        proptest::collection::vec(policy(), 0..=5),
    )
        .prop_map(|(options, namespaces, endpoints, policies)| ClusterDef {
            options,
            namespaces,
            endpoints,
            nodes: vec![
                NodeDef {
                    name: "node-1".into(),
                    ips: vec!["192.168.0.1".into()],
                },
                NodeDef {
                    name: "node-2".into(),
                    ips: vec!["192.168.0.2".into()],
                },
            ],
            policies,
        })
}

/// 64 cases by default (a 2-core CI); `PROPTEST_CASES` overrides.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn engine_matches_reference(def in cluster()) {
        let (cluster, _errors) = def.build();
        for port in [53u16, 80, 1000, 8080, 9090] {
            for protocol in Protocol::ALL {
                let fast = cluster.matrix(port, protocol);
                let reference = naive::matrix(&cluster.model, port, protocol);
                prop_assert_eq!(&fast.allowed, &reference, "port {} {} pods {:?}", port, protocol, fast.pods);
            }
        }
        let isolation = cluster.isolation();
        let model = &cluster.model;
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        for e in 0..model.endpoints.len() {
            let verdict = naive::verdict(model, Party::Endpoint(e), Party::Endpoint(e), 80, Protocol::Tcp);
            if verdict.ingress.isolated {
                ingress.push(model.endpoint_id(e));
            }
            if verdict.egress.isolated {
                egress.push(model.endpoint_id(e));
            }
        }
        prop_assert_eq!(isolation.ingress, ingress);
        prop_assert_eq!(isolation.egress, egress);
    }
}
