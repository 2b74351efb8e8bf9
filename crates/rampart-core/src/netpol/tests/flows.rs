//! Observed flows against the engine: judging (`netpol flows`) and the
//! generate-and-prove loop (`netpol generate`), on the upstream e2e model and on random
//! clusters.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use proptest::prelude::*;

use super::cases::e2e_tables;
use super::fixtures::{ClusterDef, EndpointDef, NamespaceDef, PolicyDef, PortDef};
use crate::flows::{FlowParser, Line};
use crate::netpol::{
    Aggregate, Cluster, GenerateOptions, Generated, Observed, PeerKind, Protocol, naive,
};

/// Reads flow lines (any format; CSV here) into observations of `cluster`.
fn observe(cluster: &Cluster, lines: &[String]) -> Observed {
    let mut parser = FlowParser::new();
    let mut observer = cluster.observer();
    for line in lines {
        match parser.line(line) {
            Ok(Line::Flow(record)) => observer.record(&record),
            Ok(Line::Skipped(reason)) => observer.skipped(reason),
            Err(e) => panic!("{line}: {e}"),
        }
    }
    observer.finish()
}

fn csv(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| (*l).to_owned()).collect()
}

fn e2e_with(policies: &[(&str, &str, serde_json::Value)]) -> Cluster {
    let mut def = ClusterDef::e2e();
    for (namespace, name, spec) in policies {
        def.policies.push(PolicyDef {
            namespace: (*namespace).to_owned(),
            name: (*name).to_owned(),
            spec: Some(serde_json::from_value(spec.clone()).unwrap_or_else(|e| panic!("{e}"))),
        });
    }
    let (cluster, errors) = def.builder().assume_cluster_dns(true).build();
    assert_eq!(errors, Vec::new());
    cluster
}

#[test]
fn judging_reports_denied_pairs_egress_metadata_and_unused_paths() {
    let cluster = e2e_with(&[
        ("x", "deny-ingress", serde_json::json!({"podSelector": {}})),
        (
            "x",
            "b-from-y",
            serde_json::json!({
                "podSelector": {"matchLabels": {"pod": "b"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}],
                             "ports": [{"port": 80}]}]
            }),
        ),
    ]);
    let observed = observe(
        &cluster,
        &csv(&[
            "10.2.1.10,10.1.2.10,80,TCP,,5", // y/a -> x/b: allowed by b-from-y
            "z/c,x/a,80,TCP,,2",             // denied by deny-ingress
            "x/a,93.184.216.34,443,TCP,,7",  // leaves the cluster
            "x/a,169.254.169.254,80,TCP",    // metadata
            "x/a,x/b,80,ICMP",               // not NetworkPolicy's business
        ]),
    );
    let report = cluster.judge_flows(&observed);
    assert_eq!(
        (
            report.summary.flows,
            report.summary.allowed,
            report.summary.denied
        ),
        (4, 3, 1)
    );
    assert_eq!(report.summary.read.other_protocols.get("ICMP"), Some(&1));
    let allowed = report
        .flows
        .iter()
        .find(|f| f.source.name == "y/a")
        .unwrap_or_else(|| panic!("y/a flow"));
    assert_eq!(allowed.counts.records, 5);
    assert_eq!(
        allowed.verdicts[0].verdict.ingress.allowed_by,
        ["x/b-from-y#ingress[0]"]
    );
    assert_eq!(report.denied.len(), 1);
    let denied = &report.denied[0];
    assert_eq!(
        (denied.source.as_str(), denied.destination.as_str()),
        ("z/c", "x/a")
    );
    assert_eq!(
        denied.flows[0].explanation[1],
        "Ingress of x/a: isolated by x/deny-ingress, and no rule of theirs allows this connection: denied."
    );
    assert_eq!(report.egress.len(), 1);
    let egress = &report.egress[0];
    assert_eq!(egress.workload, "x/a");
    let addresses: Vec<String> = egress
        .destinations
        .iter()
        .map(|d| d.address.to_string())
        .collect();
    assert_eq!(addresses, ["93.184.216.34", "169.254.169.254"]);
    assert_eq!(report.metadata.len(), 1);
    assert!(report.metadata[0].allowed);
    assert_eq!(
        report
            .flows
            .iter()
            .find(|f| f.destination.kind == PeerKind::Metadata)
            .map(|f| f.port),
        Some(80)
    );
    // x/b on 80/TCP: y/b and y/c may connect (b-from-y) but were never seen.
    let unused = report
        .unobserved
        .iter()
        .find(|u| u.destination == "x/b" && u.port == 80 && u.protocol == Protocol::Tcp)
        .unwrap_or_else(|| panic!("{:#?}", report.unobserved));
    assert!(!unused.open);
    assert_eq!(unused.sources, ["y/b", "y/c"]);
    // y/a is not isolated: every other workload may connect on its named ports.
    let open = report
        .unobserved
        .iter()
        .find(|u| u.destination == "y/a" && u.port == 81 && u.protocol == Protocol::Udp)
        .unwrap_or_else(|| panic!("{:#?}", report.unobserved));
    assert!(open.open);
    assert_eq!(open.count, 8);
}

fn service(namespace: &str, name: &str, spec: serde_json::Value) -> Service {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"namespace": namespace, "name": name}, "spec": spec
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn service_cluster_ips_stand_for_their_pods_on_the_target_port() {
    let (cluster, _) = ClusterDef::e2e()
        .builder()
        .service(&service(
            "y",
            "b",
            serde_json::json!({
                "clusterIP": "10.96.0.20",
                "selector": {"pod": "b"},
                "ports": [{"port": 8080, "targetPort": "serve-80-tcp"}, {"port": 53, "protocol": "UDP"}]
            }),
        ))
        .build();
    let observed = observe(
        &cluster,
        &csv(&[
            "10.1.1.10,10.96.0.20,8080,TCP",
            "10.1.1.10,10.96.0.20,9999,TCP",
        ]),
    );
    let report = cluster.judge_flows(&observed);
    let to_service = &report.flows[0];
    assert_eq!(to_service.destination.kind, PeerKind::Service);
    assert_eq!(to_service.destination.name, "y/b");
    assert_eq!(to_service.verdicts.len(), 1);
    assert_eq!(
        (
            to_service.verdicts[0].to.as_str(),
            to_service.verdicts[0].port
        ),
        ("y/b", 80),
        "the named target port resolved on the pod"
    );
    assert_eq!(
        report.flows[1].not_judged.as_deref(),
        Some("Service y/b has no port 9999/TCP")
    );
    assert_eq!(report.summary.not_judged, 1);
}

#[test]
fn a_service_without_selector_goes_to_its_endpoint_slice_addresses() {
    let slice: k8s_openapi::api::discovery::v1::EndpointSlice =
        serde_json::from_value(serde_json::json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"namespace": "default", "name": "kubernetes",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["172.18.0.2"], "conditions": {"ready": true}},
                          {"addresses": ["172.18.0.9"], "conditions": {"ready": false}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let addresses = crate::netpol::ServiceAddresses::from_slice(&slice)
        .unwrap_or_else(|| panic!("a slice of a Service"));
    let (cluster, _) = ClusterDef::e2e()
        .builder()
        .service(&service(
            "default",
            "kubernetes",
            serde_json::json!({"clusterIP": "10.96.0.1",
                               "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}),
        ))
        .service_addresses(addresses)
        .build();
    let observed = observe(&cluster, &csv(&["x/a,10.96.0.1,443,TCP,,9"]));
    let report = cluster.judge_flows(&observed);
    let flow = &report.flows[0];
    assert_eq!(flow.destination.kind, PeerKind::Service);
    let targets: Vec<(&str, u16)> = flow
        .verdicts
        .iter()
        .map(|v| (v.to.as_str(), v.port))
        .collect();
    assert_eq!(
        targets,
        [("node node-1 (172.18.0.2)", 6443)],
        "the ready address only"
    );
    let generated = cluster.generate(
        &observed,
        &GenerateOptions {
            namespaces: vec!["x".to_owned()],
            aggregate: None,
        },
    );
    assert!(generated.proof.holds, "{:#?}", generated.proof);
    assert_eq!(
        generated.policies[0].egress_notes,
        ["to 172.18.0.2 (node node-1): 6443/TCP (9 records)"]
    );
}

#[test]
fn dns_to_an_unknown_private_address_goes_to_the_cluster_dns() {
    let cluster = e2e_with(&[]);
    assert_eq!(
        cluster.assumed_cluster_dns().map(|e| e.id()),
        Some("kube-system/kube-dns".to_owned())
    );
    let observed = observe(
        &cluster,
        &csv(&["x/a,10.96.0.10,53,UDP,,4", "x/a,8.8.8.8,53,UDP"]),
    );
    let report = cluster.judge_flows(&observed);
    let kinds: Vec<PeerKind> = report.flows.iter().map(|f| f.destination.kind).collect();
    assert_eq!(kinds, [PeerKind::ClusterDns, PeerKind::External]);
    assert_eq!(report.flows[0].verdicts[0].to, "kube-system/kube-dns");
    let generated = cluster.generate(&observed, &GenerateOptions::default());
    assert!(generated.proof.holds, "{:#?}", generated.proof);
    let yaml = generated.yaml();
    assert!(yaml.contains("# to the cluster DNS (pods labelled k8s-app: kube-dns in kube-system, not in the input): 53/UDP (4 records)"), "{yaml}");
    assert!(yaml.contains("cidr: 8.8.8.8/32"), "{yaml}");
}

/// The e2e model's pods as `ns/pod`.
fn pods(cluster: &Cluster) -> Vec<String> {
    cluster.endpoints().iter().map(|e| e.id()).collect()
}

/// The reference evaluator's verdict between two pods of `cluster`.
fn allowed(cluster: &Cluster, from: usize, to: usize, port: u16, protocol: Protocol) -> bool {
    naive::verdict(
        &cluster.model,
        crate::netpol::model::Party::Endpoint(from),
        crate::netpol::model::Party::Endpoint(to),
        port,
        protocol,
    )
    .allowed
}

/// Applies generated policies to `cluster`.
fn with_generated(cluster: &Cluster, generated: &Generated) -> Cluster {
    let objects: Vec<NetworkPolicy> = generated
        .policies
        .iter()
        .map(|p| p.policy.clone())
        .collect();
    let (applied, errors) = cluster.with_policies(&objects);
    assert_eq!(errors, Vec::new());
    applied
}

#[test]
fn generated_policies_reproduce_every_e2e_truth_table() {
    let cases = e2e_tables();
    assert!(cases.len() >= 30, "{}", cases.len());
    for (name, tables) in cases {
        let (cluster, _) = ClusterDef::e2e().build();
        let ids = pods(&cluster);
        let mut lines = Vec::new();
        for (port, protocol, table_pods, table) in &tables {
            assert_eq!(table_pods, &ids);
            for (s, row) in table.iter().enumerate() {
                for (d, cell) in row.iter().enumerate() {
                    if *cell && s != d {
                        lines.push(format!("{},{},{port},{protocol}", ids[s], ids[d]));
                    }
                }
            }
        }
        let observed = observe(&cluster, &lines);
        let generated = cluster.generate(&observed, &GenerateOptions::default());
        assert!(generated.proof.holds, "{name}: {:#?}", generated.proof);
        assert_eq!(generated.policies.len(), 9, "{name}");
        let applied = with_generated(&cluster, &generated);
        let mut checked: BTreeSet<(u16, Protocol)> = BTreeSet::new();
        for (port, protocol, _, table) in &tables {
            checked.insert((*port, *protocol));
            for (s, row) in table.iter().enumerate() {
                for (d, cell) in row.iter().enumerate() {
                    if s != d {
                        assert_eq!(
                            allowed(&applied, s, d, *port, *protocol),
                            *cell,
                            "{name}: {} -> {} on {port}/{protocol}",
                            ids[s],
                            ids[d]
                        );
                    }
                }
            }
        }
        // Any port no table observed is closed between every pair.
        for protocol in Protocol::ALL {
            if !checked.contains(&(82, protocol)) {
                for s in 0..ids.len() {
                    for d in (0..ids.len()).filter(|&d| d != s) {
                        assert!(
                            !allowed(&applied, s, d, 82, protocol),
                            "{name}: 82/{protocol}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn named_ports_namespace_selectors_and_yaml_that_reads_back() {
    let (cluster, _) = ClusterDef::e2e().build();
    let observed = observe(
        &cluster,
        &csv(&["x/a,y/b,80,TCP,,3", "x/a,x/c,81,UDP", "10.9.9.9,x/a,80,TCP"]),
    );
    let generated = cluster.generate(
        &observed,
        &GenerateOptions {
            namespaces: vec!["x".to_owned()],
            aggregate: None,
        },
    );
    assert!(generated.proof.holds, "{:#?}", generated.proof);
    assert_eq!(generated.proof.workloads, 3);
    let workloads: Vec<&str> = generated
        .policies
        .iter()
        .map(|p| p.workload.as_str())
        .collect();
    assert_eq!(workloads, ["x/a", "x/b", "x/c"]);
    let a = &generated.policies[0];
    assert_eq!(
        a.egress_notes,
        ["to x/c: 81/UDP (1 record)", "to y/b: 80/TCP (3 records)"]
    );
    assert_eq!(a.ingress_notes, ["from 10.9.9.9: 80/TCP (1 record)"]);
    let yaml = generated.yaml();
    let expected_a = "\
---
# x/a: least privilege from observed flows (rampart netpol generate)
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: rampart-a
  namespace: x
  labels:
    app.kubernetes.io/managed-by: rampart
spec:
  podSelector:
    matchLabels:
      pod: a
  policyTypes:
  - Ingress
  - Egress
  ingress:
  # from 10.9.9.9: 80/TCP (1 record)
  - from:
    - ipBlock:
        cidr: 10.9.9.9/32
    ports:
    - protocol: TCP
      port: serve-80-tcp
  egress:
  # to x/c: 81/UDP (1 record)
  - to:
    - podSelector:
        matchLabels:
          pod: c
    ports:
    - protocol: UDP
      port: serve-81-udp
  # to y/b: 80/TCP (3 records)
  - to:
    - podSelector:
        matchLabels:
          pod: b
      namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: \"y\"
    ports:
    - protocol: TCP
      port: serve-80-tcp
";
    assert!(
        yaml.starts_with("# 3 NetworkPolicies generated by rampart from observed flows."),
        "{yaml}"
    );
    assert!(
        yaml.contains(
            "#   ok: every observed flow touching the 3 selected workloads is allowed (3 of 3)"
        ),
        "{yaml}"
    );
    assert!(yaml.contains(expected_a), "{yaml}");
    assert!(
        yaml.contains("  ingress: []\n"),
        "x/b receives nothing from x's flows? {yaml}"
    );
    // The YAML reads back, through rampart's own loader, as exactly the policies.
    let parsed = crate::source::parse(yaml.as_bytes(), &crate::source::Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let read: Vec<NetworkPolicy> = parsed
        .documents
        .iter()
        .map(|d| serde_json::from_value(d.value.clone()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let written: Vec<NetworkPolicy> = generated
        .policies
        .iter()
        .map(|p| p.policy.clone())
        .collect();
    assert_eq!(read, written);
    for policy in &read {
        assert_eq!(crate::netpol::validate(policy), Vec::new());
    }
}

#[test]
fn selectors_are_exact_among_overlapping_labels_and_drop_unstable_ones() {
    let endpoint = |name: &str, labels: &[(&str, &str)], ip: &str| EndpointDef {
        namespace: "shop".into(),
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ports: vec![PortDef {
            name: "http".into(),
            port: 8080,
            protocol: "TCP".into(),
        }],
        ips: vec![ip.into()],
        node: None,
        host_network: false,
    };
    let def = ClusterDef {
        namespaces: vec![NamespaceDef {
            name: "shop".into(),
            labels: BTreeMap::new(),
        }],
        endpoints: vec![
            endpoint(
                "web-5d8f7c9b6-aaaaa",
                &[("app", "web"), ("pod-template-hash", "5d8f7c9b6")],
                "10.0.0.1",
            ),
            endpoint(
                "web-5d8f7c9b6-bbbbb",
                &[("app", "web"), ("pod-template-hash", "5d8f7c9b6")],
                "10.0.0.2",
            ),
            endpoint(
                "web-canary-7c9b6d8f5-ccccc",
                &[
                    ("app", "web"),
                    ("track", "canary"),
                    ("pod-template-hash", "7c9b6d8f5"),
                ],
                "10.0.0.3",
            ),
            endpoint(
                "db-0",
                &[("app", "db"), ("controller-revision-hash", "db-1")],
                "10.0.0.4",
            ),
        ],
        ..ClusterDef::default()
    };
    let (cluster, _) = def.build();
    let observed = observe(
        &cluster,
        &csv(&["10.0.0.1,10.0.0.4,8080,TCP", "10.0.0.2,10.0.0.4,8080,TCP"]),
    );
    let generated = cluster.generate(&observed, &GenerateOptions::default());
    assert!(generated.proof.holds, "{:#?}", generated.proof);
    let names: Vec<&str> = generated
        .policies
        .iter()
        .map(|p| p.policy.metadata.name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, ["rampart-db", "rampart-web", "rampart-web-canary"]);
    let web = &generated.policies[1].policy;
    let selector = web
        .spec
        .as_ref()
        .and_then(|s| s.pod_selector.clone())
        .unwrap_or_default();
    assert_eq!(
        serde_json::to_value(&selector).unwrap_or_default(),
        serde_json::json!({"matchLabels": {"app": "web"},
                           "matchExpressions": [{"key": "track", "operator": "DoesNotExist"}]})
    );
    // The canary never talked to the database: denied, though it shares `app: web`.
    let applied = with_generated(&cluster, &generated);
    let canary = 3;
    let db = 0;
    assert_eq!(pods(&applied)[canary], "shop/web-canary-7c9b6d8f5-ccccc");
    assert!(!allowed(&applied, canary, db, 8080, Protocol::Tcp));
    assert!(allowed(&applied, 1, db, 8080, Protocol::Tcp));
}

#[test]
fn external_addresses_are_aggregated_only_when_asked() {
    let (cluster, _) = ClusterDef::e2e().build();
    let lines = csv(&[
        "x/a,93.184.216.34,443,TCP",
        "x/a,93.184.216.80,443,TCP",
        "x/a,2001:db8::1,443,TCP",
    ]);
    let observed = observe(&cluster, &lines);
    let exact = cluster.generate(&observed, &GenerateOptions::default());
    assert_eq!(
        exact.policies[0].egress_notes,
        [
            "to 93.184.216.34: 443/TCP (1 record)",
            "to 93.184.216.80: 443/TCP (1 record)",
            "to 2001:db8::1: 443/TCP (1 record)",
        ]
    );
    let wide = cluster.generate(
        &observed,
        &GenerateOptions {
            namespaces: Vec::new(),
            aggregate: Some(Aggregate { v4: 24, v6: 48 }),
        },
    );
    assert_eq!(
        wide.policies[0].egress_notes,
        [
            "to 93.184.216.0/24: 443/TCP (2 records)",
            "to 2001:db8::/48: 443/TCP (1 record)",
        ]
    );
    assert!(wide.proof.holds, "{:#?}", wide.proof);
}

#[test]
fn the_proof_lists_what_the_input_policies_allow_beyond_the_flows() {
    let cluster = e2e_with(&[
        (
            "x",
            "allow-all-to-a",
            serde_json::json!({"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{}]}),
        ),
        (
            "x",
            "allow-all-from-b",
            serde_json::json!({"podSelector": {"matchLabels": {"pod": "b"}}, "egress": [{}],
                               "policyTypes": ["Egress"]}),
        ),
    ]);
    let observed = observe(&cluster, &csv(&["x/b,x/a,80,TCP"]));
    let generated = cluster.generate(
        &observed,
        &GenerateOptions {
            namespaces: vec!["x".to_owned()],
            aggregate: None,
        },
    );
    let proof = &generated.proof;
    assert!(!proof.holds);
    assert_eq!(proof.observed, 1);
    assert_eq!(proof.observed_allowed, 1);
    // x/b may send anything anywhere and x/a accept anything: beyond 80/TCP, every
    // other port of every protocol is open between them (x/c stays closed: its
    // generated policy admits nothing).
    assert_eq!(proof.unexpected_count, 3, "{proof:#?}");
    let extra = &proof.unexpected[0];
    assert_eq!(
        (extra.source.as_str(), extra.destination.as_str()),
        ("x/b", "x/a")
    );
    assert_eq!(extra.protocol, Protocol::Tcp);
    assert_eq!(
        extra.ports,
        [
            crate::netpol::PortRange { first: 1, last: 79 },
            crate::netpol::PortRange {
                first: 81,
                last: 65535
            }
        ]
    );
    assert!(
        extra.explanation[1].contains("x/allow-all-to-a#ingress[0]"),
        "{extra:#?}"
    );
    assert!(
        extra.explanation[0].contains("x/allow-all-from-b#egress[0]"),
        "{extra:#?}"
    );
}

#[test]
fn flows_involving_missing_pods_are_not_covered() {
    let (cluster, _) = ClusterDef::e2e().build();
    let mut observer = cluster.observer();
    let line = r#"{"flow":{"IP":{"source":"10.1.1.10","destination":"10.244.9.9"},"l4":{"TCP":{"source_port":40000,"destination_port":6379}},"is_reply":false,"destination":{"namespace":"cache","pod_name":"redis-0"}}}"#;
    if let Ok(Line::Flow(record)) = FlowParser::new().line(line) {
        observer.record(&record);
    }
    let observed = observer.finish();
    assert_eq!(observed.missing, ["cache/redis-0"]);
    let report = cluster.judge_flows(&observed);
    assert_eq!(report.flows[0].destination.kind, PeerKind::Missing);
    assert_eq!(
        report.flows[0].not_judged.as_deref(),
        Some("pod cache/redis-0 is not in the input")
    );
    let generated = cluster.generate(&observed, &GenerateOptions::default());
    assert!(!generated.proof.holds);
    assert_eq!(generated.proof.not_covered.len(), 1);
}

// --- random clusters -------------------------------------------------------------

const LABELS: [&str; 3] = ["web", "api", "db"];
const TIERS: [&str; 2] = ["front", "back"];

/// A random pod: namespace, app label, optional tier label, named port or not.
fn arb_pod() -> impl Strategy<Value = (usize, usize, Option<usize>, bool)> {
    (
        0usize..2,
        0usize..3,
        proptest::option::of(0usize..2),
        any::<bool>(),
    )
}

/// A random flow between pods (indexes), on a port and protocol, or to an address.
fn arb_flow() -> impl Strategy<Value = (usize, usize, u16, usize, bool)> {
    (
        0usize..8,
        0usize..8,
        prop_oneof![Just(80u16), Just(443), Just(5432), Just(8080)],
        0usize..2,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For random pods and random observed flows, the generated policies allow exactly
    /// the observed flows between workloads, by the reference evaluator, on the ports
    /// observed and on others; and the proof agrees.
    #[test]
    fn generated_policies_allow_exactly_the_observed_flows(
        pods in proptest::collection::vec(arb_pod(), 2..8),
        flows in proptest::collection::vec(arb_flow(), 0..12),
    ) {
        let namespaces = ["n0", "n1"];
        let endpoints: Vec<EndpointDef> = pods
            .iter()
            .enumerate()
            .map(|(i, (ns, app, tier, named))| EndpointDef {
                namespace: namespaces[*ns].to_owned(),
                name: format!("p{i}"),
                labels: [("app", LABELS[*app])]
                    .into_iter()
                    .chain(tier.map(|t| ("tier", TIERS[t])))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .chain([("pod-template-hash".to_owned(), format!("h{i}"))])
                    .collect(),
                ports: if *named {
                    vec![PortDef { name: "http".into(), port: 8080, protocol: "TCP".into() }]
                } else {
                    Vec::new()
                },
                ips: vec![format!("10.0.{ns}.{i}")],
                node: None,
                host_network: false,
            })
            .collect();
        let def = ClusterDef { endpoints, ..ClusterDef::default() };
        let (cluster, _) = def.build();
        let ids = pods_of(&cluster);
        let n = ids.len();
        let protocols = [Protocol::Tcp, Protocol::Udp];
        let mut lines = Vec::new();
        for (s, d, port, p, external) in &flows {
            let (s, d) = (s % n, d % n);
            if *external {
                lines.push(format!("{},203.0.113.{d},{port},{}", ids[s], protocols[*p]));
            } else if s != d {
                lines.push(format!("{},{},{port},{}", ids[s], ids[d], protocols[*p]));
            }
        }
        let observed = observe(&cluster, &lines);
        let generated = cluster.generate(&observed, &GenerateOptions::default());
        prop_assert!(generated.proof.holds, "{:#?}", generated.proof);
        let applied = with_generated(&cluster, &generated);
        let workload = |e: usize| -> String {
            let endpoint = &applied.endpoints()[e];
            let stable = crate::netpol::stable_labels(&endpoint.labels);
            format!("{}/{stable:?}", endpoint.namespace)
        };
        let observed_pairs: BTreeSet<(String, String, u16, Protocol)> = lines
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let s = ids.iter().position(|id| id == f[0])?;
                let d = ids.iter().position(|id| id == f[1])?;
                Some((workload(s), workload(d), f[2].parse().ok()?, crate::netpol::Protocol::parse(f[3])?))
            })
            .collect();
        for port in [80u16, 443, 5432, 8080, 9999] {
            for protocol in Protocol::ALL {
                for s in 0..n {
                    for d in (0..n).filter(|&d| d != s) {
                        let want = observed_pairs.contains(&(workload(s), workload(d), port, protocol));
                        prop_assert_eq!(
                            allowed(&applied, s, d, port, protocol),
                            want,
                            "{} -> {} on {}/{}", ids[s], ids[d], port, protocol
                        );
                    }
                }
            }
        }
    }
}

fn pods_of(cluster: &Cluster) -> Vec<String> {
    pods(cluster)
}
