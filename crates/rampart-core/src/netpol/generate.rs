//! Least-privilege NetworkPolicies from observed flows.
//!
//! One policy per workload of the selected namespaces, isolating it for ingress and
//! egress and allowing exactly the flows observed to and from it:
//!
//! * pod peers are selected by their workload's stable labels (never
//!   `pod-template-hash` and the like, see [`UNSTABLE_LABELS`](super::workloads)), made
//!   exact among the namespace's other workloads with `DoesNotExist` expressions, and by
//!   the `kubernetes.io/metadata.name` label of their namespace when it differs;
//! * a port is written by name where every pod of the destination names it so;
//! * nodes and addresses outside the cluster are `ipBlock`s of one address (`/32`,
//!   `/128`), or, with [`Aggregate`], of the prefix they fall in;
//! * traffic to a Service is allowed to the pods it selects, on the target port; DNS to
//!   the cluster DNS to its pods (`k8s-app: kube-dns` in `kube-system`).
//!
//! Flows the logs say were all dropped (Hubble `DROPPED`, VPC `REJECT`, a blocking
//! IPS) were attempts, not traffic that works: they are left out.
//!
//! Every rule carries a note naming the flows it allows. [`prove`](super::proof) then
//! checks the result with the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::judge::Judge;
use super::model::{Model, NAMESPACE_NAME_LABEL, Party};
use super::observed::{Observed, is_metadata};
use super::ports::{Protocol, resolve_named};
use super::workloads::Workloads;

/// The label generated policies carry.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "rampart");

/// How addresses outside the cluster are widened into prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aggregate {
    /// The IPv4 prefix length (0-32).
    pub v4: u8,
    /// The IPv6 prefix length (0-128).
    pub v6: u8,
}

/// What to generate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The namespaces whose workloads get a policy; empty for every namespace with a
    /// workload in the input.
    pub namespaces: Vec<String>,
    /// Widen addresses outside the cluster to prefixes.
    pub aggregate: Option<Aggregate>,
}

/// One generated policy and the notes on its rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedPolicy {
    /// The workload it selects (`namespace/name`).
    pub workload: String,
    /// The policy.
    pub policy: NetworkPolicy,
    /// Per ingress rule, the flows it allows.
    pub ingress_notes: Vec<String>,
    /// Per egress rule, the flows it allows.
    pub egress_notes: Vec<String>,
}

/// A peer of a generated rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PeerKey {
    /// A workload, by index.
    Workload(usize),
    /// An address block.
    Block(IpNet),
}

/// The ports of one rule, with the records seen on each.
type PortUse = BTreeMap<(Protocol, u16), u64>;

/// The rules of one policy being drafted.
#[derive(Debug, Default)]
struct Draft {
    ingress: BTreeMap<PeerKey, PortUse>,
    egress: BTreeMap<PeerKey, PortUse>,
}

/// The workloads that get a policy: on the pod network, in a selected namespace, not the
/// assumed cluster DNS.
pub(crate) fn selected(
    model: &Model,
    workloads: &Workloads,
    options: &GenerateOptions,
) -> BTreeSet<usize> {
    workloads
        .list
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            w.on_pod_network
                && (options.namespaces.is_empty() || options.namespaces.contains(&w.namespace))
                && !w.members.iter().any(|&e| model.assumed_dns == Some(e))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Drafts and writes the policies.
pub(crate) fn generate(
    judge: &Judge<'_>,
    observed: &Observed,
    selection: &BTreeSet<usize>,
    options: &GenerateOptions,
) -> Vec<GeneratedPolicy> {
    let model = judge.model;
    let workloads = &judge.workloads;
    let mut drafts: BTreeMap<usize, Draft> =
        selection.iter().map(|&w| (w, Draft::default())).collect();
    let block = |party: Party| -> Vec<IpNet> {
        match party {
            Party::External(ip) => vec![widen(ip, options.aggregate)],
            Party::Node { ip, .. } => vec![IpNet::from(ip)],
            Party::Endpoint(e) => model
                .ipblock_addresses(e)
                .into_iter()
                .map(IpNet::from)
                .collect(),
        }
    };
    let peer_keys = |party: Party| -> Vec<PeerKey> {
        match party {
            Party::Endpoint(e) if model.on_pod_network(e) => workloads
                .index_of(e)
                .map(PeerKey::Workload)
                .into_iter()
                .collect(),
            other => block(other).into_iter().map(PeerKey::Block).collect(),
        }
    };
    for (key, counts) in &observed.flows {
        if counts.all_dropped() {
            continue;
        }
        let Ok((source, targets)) = judge.expand(key, &observed.missing) else {
            continue;
        };
        let source_workload = match source {
            Party::Endpoint(e) if model.on_pod_network(e) => workloads.index_of(e),
            _ => None,
        };
        for target in targets {
            let port = (key.protocol, target.port);
            if let Party::Endpoint(d) = target.party
                && model.on_pod_network(d)
                && let Some(draft) = workloads.index_of(d).and_then(|w| drafts.get_mut(&w))
                && !model.node_local(source, target.party)
            {
                for peer in peer_keys(source) {
                    *draft
                        .ingress
                        .entry(peer)
                        .or_default()
                        .entry(port)
                        .or_default() += counts.records;
                }
            }
            if let Some(draft) = source_workload.and_then(|w| drafts.get_mut(&w)) {
                for peer in peer_keys(target.party) {
                    *draft
                        .egress
                        .entry(peer)
                        .or_default()
                        .entry(port)
                        .or_default() += counts.records;
                }
            }
        }
    }
    let writer = Writer {
        judge,
        selectors: selectors(workloads),
    };
    drafts
        .into_iter()
        .filter_map(|(w, draft)| writer.policy(w, &draft))
        .collect()
}

/// The pod selector of every workload: its stable labels, and `DoesNotExist` for a
/// label of each other workload of the namespace those labels would also select.
fn selectors(workloads: &Workloads) -> Vec<LabelSelector> {
    let list = &workloads.list;
    let mut by_namespace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in list.iter().enumerate() {
        if w.on_pod_network {
            by_namespace
                .entry(w.namespace.as_str())
                .or_default()
                .push(i);
        }
    }
    list.iter()
        .enumerate()
        .map(|(w, me)| {
            let mut excluded: BTreeSet<&str> = BTreeSet::new();
            let neighbours = by_namespace
                .get(me.namespace.as_str())
                .into_iter()
                .flatten();
            for other in neighbours.filter(|&&i| i != w).filter_map(|&i| list.get(i)) {
                let selected = me
                    .labels
                    .iter()
                    .all(|(k, v)| other.labels.get(k) == Some(v));
                if selected
                    && let Some(key) = other.labels.keys().find(|k| !me.labels.contains_key(*k))
                {
                    excluded.insert(key);
                }
            }
            LabelSelector {
                match_labels: (!me.labels.is_empty()).then(|| me.labels.clone()),
                match_expressions: (!excluded.is_empty()).then(|| {
                    excluded
                        .into_iter()
                        .map(|key| LabelSelectorRequirement {
                            key: key.to_owned(),
                            operator: "DoesNotExist".to_owned(),
                            values: None,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

/// The /N network of an address (the address itself without aggregation).
fn widen(ip: IpAddr, aggregate: Option<Aggregate>) -> IpNet {
    let length = match (aggregate, ip) {
        (None, _) => None,
        (Some(a), IpAddr::V4(_)) => Some(a.v4),
        (Some(a), IpAddr::V6(_)) => Some(a.v6),
    };
    length
        .and_then(|l| IpNet::new(ip, l).ok())
        .map_or_else(|| IpNet::from(ip), |net| net.trunc())
}

/// Turns drafts into NetworkPolicy objects.
struct Writer<'a, 'c> {
    judge: &'a Judge<'c>,
    /// The pod selector of each workload.
    selectors: Vec<LabelSelector>,
}

impl Writer<'_, '_> {
    fn policy(&self, w: usize, draft: &Draft) -> Option<GeneratedPolicy> {
        let workload = self.judge.workloads.list.get(w)?;
        let mut name = format!("rampart-{}", workload.name);
        name.truncate(253);
        let mut ingress = Vec::new();
        let mut ingress_notes = Vec::new();
        for (peer, ports) in &draft.ingress {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(vec![self.peer(*peer, &workload.namespace)]),
                ports: Some(self.ports(ports, Some(w))),
            });
            ingress_notes.push(format!(
                "from {}: {}",
                self.peer_name(*peer),
                port_list(ports)
            ));
        }
        let mut egress = Vec::new();
        let mut egress_notes = Vec::new();
        for (peer, ports) in &draft.egress {
            let destination = match peer {
                PeerKey::Workload(d) => Some(*d),
                PeerKey::Block(_) => None,
            };
            egress.push(NetworkPolicyEgressRule {
                to: Some(vec![self.peer(*peer, &workload.namespace)]),
                ports: Some(self.ports(ports, destination)),
            });
            egress_notes.push(format!(
                "to {}: {}",
                self.peer_name(*peer),
                port_list(ports)
            ));
        }
        let policy = NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(workload.namespace.clone()),
                labels: Some(BTreeMap::from([(
                    MANAGED_BY.0.to_owned(),
                    MANAGED_BY.1.to_owned(),
                )])),
                ..ObjectMeta::default()
            },
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(self.selector(w)),
                policy_types: Some(vec!["Ingress".to_owned(), "Egress".to_owned()]),
                ingress: Some(ingress),
                egress: Some(egress),
            }),
        };
        Some(GeneratedPolicy {
            workload: workload.id(),
            policy,
            ingress_notes,
            egress_notes,
        })
    }

    fn selector(&self, w: usize) -> LabelSelector {
        self.selectors.get(w).cloned().unwrap_or_default()
    }

    fn peer(&self, peer: PeerKey, policy_namespace: &str) -> NetworkPolicyPeer {
        match peer {
            PeerKey::Block(net) => NetworkPolicyPeer {
                ip_block: Some(IPBlock {
                    cidr: net.to_string(),
                    except: None,
                }),
                ..NetworkPolicyPeer::default()
            },
            PeerKey::Workload(w) => {
                let namespace = self
                    .judge
                    .workloads
                    .list
                    .get(w)
                    .map_or("", |w| w.namespace.as_str());
                NetworkPolicyPeer {
                    pod_selector: Some(self.selector(w)),
                    namespace_selector: (namespace != policy_namespace).then(|| LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            NAMESPACE_NAME_LABEL.to_owned(),
                            namespace.to_owned(),
                        )])),
                        match_expressions: None,
                    }),
                    ip_block: None,
                }
            }
        }
    }

    /// The ports of a rule; named where every pod of `destination` names the port so.
    fn ports(&self, ports: &PortUse, destination: Option<usize>) -> Vec<NetworkPolicyPort> {
        ports
            .keys()
            .map(|&(protocol, port)| NetworkPolicyPort {
                port: Some(
                    match destination.and_then(|d| self.port_name(d, port, protocol)) {
                        Some(name) => IntOrString::String(name),
                        None => IntOrString::Int(i32::from(port)),
                    },
                ),
                protocol: Some(protocol.as_str().to_owned()),
                end_port: None,
            })
            .collect()
    }

    /// The name every pod of workload `w` gives (`port`, `protocol`), if they agree.
    fn port_name(&self, w: usize, port: u16, protocol: Protocol) -> Option<String> {
        let model = self.judge.model;
        let members = &self.judge.workloads.list.get(w)?.members;
        let first = model.endpoints.get(*members.first()?)?;
        let name = &first
            .ports
            .iter()
            .find(|p| p.port == port && p.protocol == protocol)?
            .name;
        members
            .iter()
            .all(|&e| {
                model
                    .endpoints
                    .get(e)
                    .is_some_and(|e| resolve_named(&e.ports, name, protocol) == Some(port))
            })
            .then(|| name.clone())
    }

    fn peer_name(&self, peer: PeerKey) -> String {
        let judge = self.judge;
        let model = judge.model;
        match peer {
            PeerKey::Workload(w) => {
                let Some(workload) = judge.workloads.list.get(w) else {
                    return String::new();
                };
                if workload
                    .members
                    .iter()
                    .any(|&e| model.assumed_dns == Some(e))
                {
                    "the cluster DNS (pods labelled k8s-app: kube-dns in kube-system, not in the input)"
                        .to_owned()
                } else {
                    workload.id()
                }
            }
            PeerKey::Block(net) => {
                let single = net.prefix_len() == net.max_prefix_len();
                match net.addr() {
                    ip if single && is_metadata(ip) => format!("{ip} (cloud metadata: review)"),
                    ip if single => match model.node_by_ip(ip).and_then(|n| model.nodes.get(n)) {
                        Some(node) => format!("{ip} (node {})", node.name),
                        None => ip.to_string(),
                    },
                    _ => net.to_string(),
                }
            }
        }
    }
}

/// `5432/TCP (120 records), 53/UDP (3 records)`.
fn port_list(ports: &PortUse) -> String {
    ports
        .iter()
        .map(|((protocol, port), records)| {
            let unit = if *records == 1 { "record" } else { "records" };
            format!("{port}/{protocol} ({records} {unit})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
