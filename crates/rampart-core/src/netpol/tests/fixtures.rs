//! Cluster descriptions shared by the case files and the property test.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use crate::netpol::{
    Cluster, ClusterBuilder, Endpoint, NamedPort, NamespaceInfo, NodeInfo, Options, PolicyError,
    Protocol,
};

/// A namespace as written in a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceDef {
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// A container port as written in a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortDef {
    pub name: String,
    pub port: u16,
    #[serde(default = "tcp")]
    pub protocol: String,
}

/// An endpoint as written in a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDef {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<PortDef>,
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub host_network: bool,
}

/// A node as written in a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeDef {
    pub name: String,
    #[serde(default)]
    pub ips: Vec<String>,
}

/// A NetworkPolicy as written in a case file (metadata flattened).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDef {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub spec: Option<NetworkPolicySpec>,
}

pub fn tcp() -> String {
    "TCP".to_string()
}

pub fn protocol(text: &str) -> Protocol {
    Protocol::parse(text).unwrap_or_else(|| panic!("unknown protocol {text}"))
}

impl PolicyDef {
    pub fn to_k8s(&self) -> NetworkPolicy {
        NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                ..ObjectMeta::default()
            },
            spec: self.spec.clone(),
        }
    }
}

impl EndpointDef {
    pub fn to_endpoint(&self) -> Endpoint {
        Endpoint {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            labels: self.labels.clone(),
            ports: self
                .ports
                .iter()
                .map(|p| NamedPort {
                    name: p.name.clone(),
                    port: p.port,
                    protocol: protocol(&p.protocol),
                })
                .collect(),
            ips: self
                .ips
                .iter()
                .map(|ip| ip.parse().unwrap_or_else(|e| panic!("bad IP {ip}: {e}")))
                .collect(),
            node: self.node.clone(),
            host_network: self.host_network,
        }
    }
}

/// A whole cluster description.
#[derive(Debug, Clone, Default)]
pub struct ClusterDef {
    pub options: Options,
    pub namespaces: Vec<NamespaceDef>,
    pub endpoints: Vec<EndpointDef>,
    pub nodes: Vec<NodeDef>,
    pub policies: Vec<PolicyDef>,
}

impl ClusterDef {
    /// The upstream e2e model: namespaces x, y, z (label `ns`), pods a, b, c (label
    /// `pod`) serving 80 and 81 on TCP, UDP and SCTP with ports named
    /// `serve-<port>-<proto>`. Pod IPs are `10.<ns>.<pod>.10` (x=1, a=1); x runs on
    /// node-1 (172.18.0.2), y and z on node-2 (172.18.0.3).
    pub fn e2e() -> Self {
        let namespaces = ["x", "y", "z"];
        let pods = ["a", "b", "c"];
        let ports: Vec<PortDef> = [80u16, 81]
            .into_iter()
            .flat_map(|port| {
                ["TCP", "UDP", "SCTP"].map(|proto| PortDef {
                    name: format!("serve-{port}-{}", proto.to_lowercase()),
                    port,
                    protocol: proto.to_string(),
                })
            })
            .collect();
        let mut endpoints = Vec::new();
        for (i, ns) in namespaces.iter().enumerate() {
            for (j, pod) in pods.iter().enumerate() {
                endpoints.push(EndpointDef {
                    namespace: ns.to_string(),
                    name: pod.to_string(),
                    labels: BTreeMap::from([("pod".to_string(), pod.to_string())]),
                    ports: ports.clone(),
                    ips: vec![format!("10.{}.{}.10", i + 1, j + 1)],
                    node: Some(if i == 0 { "node-1" } else { "node-2" }.to_string()),
                    host_network: false,
                });
            }
        }
        Self {
            options: Options::default(),
            namespaces: namespaces
                .iter()
                .map(|ns| NamespaceDef {
                    name: ns.to_string(),
                    labels: BTreeMap::from([("ns".to_string(), ns.to_string())]),
                })
                .collect(),
            endpoints,
            nodes: vec![
                NodeDef {
                    name: "node-1".into(),
                    ips: vec!["172.18.0.2".into()],
                },
                NodeDef {
                    name: "node-2".into(),
                    ips: vec!["172.18.0.3".into()],
                },
            ],
            policies: Vec::new(),
        }
    }

    pub fn builder(&self) -> ClusterBuilder {
        let mut builder = Cluster::builder().options(self.options);
        for ns in &self.namespaces {
            builder =
                builder.namespace_info(NamespaceInfo::new(ns.name.clone(), ns.labels.clone()));
        }
        for e in &self.endpoints {
            builder = builder.endpoint(e.to_endpoint());
        }
        for n in &self.nodes {
            builder = builder.node_info(NodeInfo {
                name: n.name.clone(),
                ips: n
                    .ips
                    .iter()
                    .map(|ip| ip.parse().unwrap_or_else(|e| panic!("bad IP {ip}: {e}")))
                    .collect(),
            });
        }
        for p in &self.policies {
            builder = builder.policy(&p.to_k8s());
        }
        builder
    }

    pub fn build(&self) -> (Cluster, Vec<PolicyError>) {
        self.builder().build()
    }
}
