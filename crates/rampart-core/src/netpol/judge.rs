//! Observed flows judged by the cluster's NetworkPolicies: what is allowed and by which
//! rules, what is denied and why, what leaves the cluster, who reaches the cloud
//! metadata address, and which allowed paths nobody used.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use fixedbitset::FixedBitSet;
use serde::Serialize;

use super::engine::Engine;
use super::explain::Verdict;
use super::model::{Model, Party};
use super::naive;
use super::observed::{FlowCounts, FlowKey, Observed, ReadSummary, Side, is_metadata, is_private};
use super::policy::Direction;
use super::ports::{PortSpec, Protocol, resolve_named};
use super::workloads::Workloads;

/// How many sources an unobserved path lists (the count is always complete).
const LISTED_SOURCES: usize = 50;

/// A destination of an observed flow, after Services and the cluster DNS were expanded
/// to their pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub party: Party,
    pub port: u16,
}

/// The parties of an observed flow, or why it cannot be judged.
pub(crate) type Expansion = Result<(Party, Vec<Target>), String>;

/// What one verdict is cached by: verdicts are functions of the endpoints' classes but
/// for node-local traffic and a pod talking to itself, which are never cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum VerdictKey {
    Class(usize),
    Node(usize, IpAddr),
    External(IpAddr),
}

/// Judges connections, remembering verdicts per class pair.
pub(crate) struct Judge<'c> {
    pub model: &'c Model,
    pub engine: &'c Engine,
    pub workloads: Workloads,
    cache: foldhash::HashMap<(VerdictKey, VerdictKey, u16, Protocol), Arc<Verdict>>,
}

impl<'c> Judge<'c> {
    pub fn new(model: &'c Model, engine: &'c Engine) -> Self {
        Self {
            model,
            engine,
            workloads: Workloads::new(model),
            cache: foldhash::HashMap::default(),
        }
    }

    fn key(&self, party: Party) -> Option<VerdictKey> {
        match party {
            Party::Endpoint(e) if self.model.on_pod_network(e) => {
                self.engine.class_of(e).map(VerdictKey::Class)
            }
            Party::Endpoint(_) => None,
            Party::Node { node, ip } => Some(VerdictKey::Node(node, ip)),
            Party::External(ip) => Some(VerdictKey::External(ip)),
        }
    }

    /// The verdict for `source` → `destination` on (`port`, `protocol`).
    pub fn verdict(
        &mut self,
        source: Party,
        destination: Party,
        port: u16,
        protocol: Protocol,
    ) -> Arc<Verdict> {
        let cacheable = source != destination && !self.model.node_local(source, destination);
        let key = match (self.key(source), self.key(destination)) {
            (Some(s), Some(d)) if cacheable => Some((s, d, port, protocol)),
            _ => None,
        };
        if let Some(verdict) = key.and_then(|k| self.cache.get(&k)) {
            return Arc::clone(verdict);
        }
        let verdict = Arc::new(naive::verdict(
            self.model,
            source,
            destination,
            port,
            protocol,
        ));
        if let Some(key) = key {
            self.cache.insert(key, Arc::clone(&verdict));
        }
        verdict
    }

    /// The parties of an observed flow: Services and the cluster DNS become their pods.
    pub fn expand(&self, key: &FlowKey, missing: &[String]) -> Expansion {
        let model = self.model;
        let missing_pod = |i: u32| {
            let name = missing.get(i as usize).map_or("?", String::as_str);
            format!("pod {name} is not in the input")
        };
        let source = match key.source {
            Side::Endpoint(e) => Party::Endpoint(e as usize),
            Side::Ip(ip) => model.party_for_ip(ip),
            Side::Missing(i) => return Err(missing_pod(i)),
            Side::Service(_) | Side::ClusterDns => {
                return Err("a Service is never a source".to_owned());
            }
        };
        let direct = |party| {
            vec![Target {
                party,
                port: key.port,
            }]
        };
        let targets = match key.destination {
            Side::Endpoint(e) => direct(Party::Endpoint(e as usize)),
            Side::Ip(ip) => direct(model.party_for_ip(ip)),
            Side::Missing(i) => return Err(missing_pod(i)),
            Side::ClusterDns => model
                .cluster_dns()
                .iter()
                .map(|&e| Target {
                    party: Party::Endpoint(e),
                    port: key.port,
                })
                .collect(),
            Side::Service(s) => self.service_targets(s as usize, key.port, key.protocol)?,
        };
        if targets.is_empty() {
            return Err("no pod of the input serves it".to_owned());
        }
        Ok((source, targets))
    }

    /// The pods behind a Service port, each on its target port.
    fn service_targets(
        &self,
        service: usize,
        port: u16,
        protocol: Protocol,
    ) -> Result<Vec<Target>, String> {
        let model = self.model;
        let Some(info) = model.services.get(service) else {
            return Err("unknown Service".to_owned());
        };
        let Some(service_port) = info
            .ports
            .iter()
            .find(|p| p.port == port && p.protocol == protocol)
        else {
            return Err(format!(
                "Service {} has no port {port}/{protocol}",
                info.id()
            ));
        };
        if info.selector.is_none() {
            return self.address_targets(service, service_port.name.as_deref(), protocol);
        }
        let backends = model.service_backends(service);
        if backends.is_empty() {
            return Err(format!("Service {} selects no pod of the input", info.id()));
        }
        Ok(backends
            .iter()
            .filter_map(|&e| {
                let port = match &service_port.target {
                    PortSpec::Number(n) => *n,
                    PortSpec::Name(name) => {
                        resolve_named(&model.endpoints.get(e)?.ports, name, protocol)?
                    }
                };
                Some(Target {
                    party: Party::Endpoint(e),
                    port,
                })
            })
            .collect())
    }

    /// The addresses behind a Service without a selector, each on the port its
    /// Endpoints or EndpointSlice give for the Service port's name.
    fn address_targets(
        &self,
        service: usize,
        port_name: Option<&str>,
        protocol: Protocol,
    ) -> Result<Vec<Target>, String> {
        let model = self.model;
        let mut targets: Vec<Target> = Vec::new();
        for group in model.service_addresses(service) {
            let Some(port) = group
                .ports
                .iter()
                .find(|p| p.protocol == protocol && p.name.as_deref() == port_name)
            else {
                continue;
            };
            for &ip in &group.addresses {
                let party = model
                    .endpoint_by_ip(ip)
                    .map_or_else(|| model.party_for_ip(ip), Party::Endpoint);
                let target = Target {
                    party,
                    port: port.port,
                };
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        if targets.is_empty() {
            let id = model
                .services
                .get(service)
                .map(|s| s.id())
                .unwrap_or_default();
            return Err(format!(
                "Service {id} has no selector, and no Endpoints or EndpointSlice of the input gives its addresses"
            ));
        }
        Ok(targets)
    }

    /// How reports name a party.
    pub fn party_name(&self, party: Party) -> String {
        match party {
            Party::Endpoint(e) => self.model.endpoint_id(e),
            Party::Node { node, ip } => {
                let name = self.model.nodes.get(node).map_or("?", |n| n.name.as_str());
                format!("node {name} ({ip})")
            }
            Party::External(ip) if is_metadata(ip) => format!("{ip} (cloud metadata)"),
            Party::External(ip) => ip.to_string(),
        }
    }

    /// How reports name one side of an observed flow.
    pub fn side_ref(&self, side: Side, missing: &[String]) -> PeerRef {
        let model = self.model;
        match side {
            Side::Endpoint(e) => {
                let e = e as usize;
                PeerRef {
                    kind: PeerKind::Pod,
                    name: model.endpoint_id(e),
                    workload: self.workloads.of(e).map(|w| w.id()),
                    address: None,
                }
            }
            Side::Service(s) => PeerRef {
                kind: PeerKind::Service,
                name: model
                    .services
                    .get(s as usize)
                    .map(|s| s.id())
                    .unwrap_or_default(),
                workload: None,
                address: None,
            },
            Side::ClusterDns => PeerRef {
                kind: PeerKind::ClusterDns,
                name: "cluster DNS".to_owned(),
                workload: None,
                address: None,
            },
            Side::Missing(i) => PeerRef {
                kind: PeerKind::Missing,
                name: missing.get(i as usize).cloned().unwrap_or_default(),
                workload: None,
                address: None,
            },
            Side::Ip(ip) => match model.party_for_ip(ip) {
                Party::Node { node, .. } => PeerRef {
                    kind: PeerKind::Node,
                    name: model
                        .nodes
                        .get(node)
                        .map(|n| n.name.clone())
                        .unwrap_or_default(),
                    workload: None,
                    address: Some(ip),
                },
                _ => PeerRef {
                    kind: if is_metadata(ip) {
                        PeerKind::Metadata
                    } else {
                        PeerKind::External
                    },
                    name: ip.to_string(),
                    workload: None,
                    address: Some(ip),
                },
            },
        }
    }
}

/// What kind of party a [`PeerRef`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerKind {
    /// A pod, or a workload standing for its pods.
    Pod,
    /// A node (by InternalIP).
    Node,
    /// A Service, by cluster IP.
    Service,
    /// The cluster DNS.
    ClusterDns,
    /// The cloud metadata address.
    Metadata,
    /// An address outside the cluster.
    External,
    /// A pod the log names but the input lacks.
    Missing,
}

/// One side of an observed flow, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerRef {
    /// What it is.
    pub kind: PeerKind,
    /// `namespace/name`, a node name, or an address.
    pub name: String,
    /// The workload (`namespace/name`) of a pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// The address, for nodes and addresses outside the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
}

/// The verdict for one destination pod of an observed flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetVerdict {
    /// The destination (`namespace/name`, a node or an address).
    pub to: String,
    /// The destination port (a Service's target port).
    pub port: u16,
    /// The verdict with its explanation.
    pub verdict: Arc<Verdict>,
}

/// One observed flow and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgedFlow {
    /// The side that opened the connections.
    pub source: PeerRef,
    /// The side that accepted them, as observed (a Service's cluster IP stays a Service).
    pub destination: PeerRef,
    /// The destination port observed.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// What the logs counted.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// Allowed to every destination pod; `None` when it could not be judged.
    pub allowed: Option<bool>,
    /// Per destination pod (several behind a Service).
    pub verdicts: Vec<TargetVerdict>,
    /// Why it could not be judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_judged: Option<String>,
}

/// An observed flow the policies deny, with the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeniedFlow {
    /// The source (`namespace/name` or an address).
    pub from: String,
    /// The destination pod or address.
    pub to: String,
    /// The destination port.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// What the logs counted.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// The `explain` sentences.
    pub explanation: Vec<String>,
}

/// The denied flows between two workloads (or a workload and an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeniedPair {
    /// The source workload (`namespace/name`) or address.
    pub source: String,
    /// The destination workload or address.
    pub destination: String,
    /// The flows.
    pub flows: Vec<DeniedFlow>,
}

/// One destination outside the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressDestination {
    /// The address.
    pub address: IpAddr,
    /// The port.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// What the logs counted.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// Whether the policies allow it.
    pub allowed: bool,
    /// The cloud metadata address.
    pub metadata: bool,
    /// A private address: likely a pod, Service or node missing from the input.
    pub private: bool,
}

/// The traffic of one workload that leaves the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadEgress {
    /// The workload (`namespace/name`).
    pub workload: String,
    /// Where it went.
    pub destinations: Vec<EgressDestination>,
}

/// A pod reaching the cloud metadata address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataAccess {
    /// The pod (`namespace/name`).
    pub source: String,
    /// Its workload.
    pub workload: String,
    /// The metadata address.
    pub address: IpAddr,
    /// The port.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// What the logs counted.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// Whether the policies allow it.
    pub allowed: bool,
    /// The `explain` sentences.
    pub explanation: Vec<String>,
}

/// Sources the policies let reach a workload on a port it serves, never observed doing so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnobservedPath {
    /// The destination workload (`namespace/name`).
    pub destination: String,
    /// The port (observed in use, or a named container port).
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// The destination's ingress is not isolated: every source may connect.
    pub open: bool,
    /// How many source workloads may connect but were not observed doing so.
    pub count: usize,
    /// The first of them (`namespace/name`), sorted.
    pub sources: Vec<String>,
}

/// Totals of a judgement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlowsSummary {
    /// Distinct flows (source, destination, port, protocol).
    pub flows: usize,
    /// Of those, allowed.
    pub allowed: usize,
    /// Denied.
    pub denied: usize,
    /// Not judged (a pod missing from the input, a Service without pods...).
    pub not_judged: usize,
    /// What the logs held.
    pub read: ReadSummary,
    /// Pods named by the logs but missing from the input.
    pub missing_pods: Vec<String>,
    /// The endpoint assumed for the cluster DNS, when the input had none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed_cluster_dns: Option<String>,
}

/// Observed flows judged by the cluster's policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowsReport {
    /// Totals.
    pub summary: FlowsSummary,
    /// Every distinct flow with its verdict.
    pub flows: Vec<JudgedFlow>,
    /// Observed but denied, per workload pair: a violation if the policies are enforced,
    /// a breakage if they are about to be.
    pub denied: Vec<DeniedPair>,
    /// Traffic leaving the cluster, per workload.
    pub egress: Vec<WorkloadEgress>,
    /// Pods reaching the cloud metadata address.
    pub metadata: Vec<MetadataAccess>,
    /// Allowed paths never observed.
    pub unobserved: Vec<UnobservedPath>,
}

impl FlowsReport {
    /// True when an observed flow is denied.
    pub fn has_denied(&self) -> bool {
        self.summary.denied > 0
    }
}

/// Judges every observed flow and builds the report.
pub(crate) fn judge(model: &Model, engine: &Engine, observed: &Observed) -> FlowsReport {
    let mut judge = Judge::new(model, engine);
    let mut summary = FlowsSummary {
        flows: observed.flows.len(),
        read: observed.summary.clone(),
        missing_pods: observed.missing.clone(),
        assumed_cluster_dns: model.assumed_dns.map(|e| model.endpoint_id(e)),
        ..FlowsSummary::default()
    };
    let mut flows = Vec::with_capacity(observed.flows.len());
    let mut denied: BTreeMap<(String, String), Vec<DeniedFlow>> = BTreeMap::new();
    let mut egress: BTreeMap<String, Vec<EgressDestination>> = BTreeMap::new();
    let mut metadata = Vec::new();
    let mut used = UsedPorts::default();
    for (key, counts) in &observed.flows {
        let source = judge.side_ref(key.source, &observed.missing);
        let destination = judge.side_ref(key.destination, &observed.missing);
        let expansion = judge.expand(key, &observed.missing);
        let (source_party, targets) = match expansion {
            Ok(parties) => parties,
            Err(reason) => {
                summary.not_judged += 1;
                flows.push(JudgedFlow {
                    source,
                    destination,
                    port: key.port,
                    protocol: key.protocol,
                    counts: *counts,
                    allowed: None,
                    verdicts: Vec::new(),
                    not_judged: Some(reason),
                });
                continue;
            }
        };
        let from = judge.party_name(source_party);
        let mut verdicts = Vec::with_capacity(targets.len());
        for target in &targets {
            let verdict = judge.verdict(source_party, target.party, target.port, key.protocol);
            let to = judge.party_name(target.party);
            if let (Party::Endpoint(s), Party::Endpoint(d)) = (source_party, target.party) {
                used.add(&judge.workloads, s, d, target.port, key.protocol);
            }
            if !verdict.allowed {
                let pair = (
                    workload_or_name(&judge, source_party),
                    workload_or_name(&judge, target.party),
                );
                denied.entry(pair).or_default().push(DeniedFlow {
                    from: from.clone(),
                    to: to.clone(),
                    port: target.port,
                    protocol: key.protocol,
                    counts: *counts,
                    explanation: verdict.sentences(&from, &to),
                });
            }
            if let (Party::Endpoint(s), Party::External(ip)) = (source_party, target.party) {
                let workload = workload_or_name(&judge, Party::Endpoint(s));
                egress
                    .entry(workload.clone())
                    .or_default()
                    .push(EgressDestination {
                        address: ip,
                        port: target.port,
                        protocol: key.protocol,
                        counts: *counts,
                        allowed: verdict.allowed,
                        metadata: is_metadata(ip),
                        private: is_private(ip),
                    });
                if is_metadata(ip) {
                    metadata.push(MetadataAccess {
                        source: from.clone(),
                        workload,
                        address: ip,
                        port: target.port,
                        protocol: key.protocol,
                        counts: *counts,
                        allowed: verdict.allowed,
                        explanation: verdict.sentences(&from, &to),
                    });
                }
            }
            verdicts.push(TargetVerdict {
                to,
                port: target.port,
                verdict,
            });
        }
        let allowed = verdicts.iter().all(|v| v.verdict.allowed);
        if allowed {
            summary.allowed += 1;
        } else {
            summary.denied += 1;
        }
        flows.push(JudgedFlow {
            source,
            destination,
            port: key.port,
            protocol: key.protocol,
            counts: *counts,
            allowed: Some(allowed),
            verdicts,
            not_judged: None,
        });
    }
    let unobserved = unobserved(&judge, &used);
    FlowsReport {
        summary,
        flows,
        denied: denied
            .into_iter()
            .map(|((source, destination), flows)| DeniedPair {
                source,
                destination,
                flows,
            })
            .collect(),
        egress: egress
            .into_iter()
            .map(|(workload, destinations)| WorkloadEgress {
                workload,
                destinations,
            })
            .collect(),
        metadata,
        unobserved,
    }
}

/// The workload of an endpoint, or the party's name.
fn workload_or_name(judge: &Judge<'_>, party: Party) -> String {
    match party {
        Party::Endpoint(e) => judge
            .workloads
            .of(e)
            .map_or_else(|| judge.party_name(party), |w| w.id()),
        other => judge.party_name(other),
    }
}

/// Observed pod-to-pod use: per destination workload and (port, protocol), the source
/// workloads seen.
#[derive(Debug, Default)]
pub(crate) struct UsedPorts {
    pub by_destination: BTreeMap<usize, BTreeMap<(u16, Protocol), BTreeSet<usize>>>,
}

impl UsedPorts {
    pub fn add(
        &mut self,
        workloads: &Workloads,
        source: usize,
        destination: usize,
        port: u16,
        protocol: Protocol,
    ) {
        let (Some(s), Some(d)) = (workloads.index_of(source), workloads.index_of(destination))
        else {
            return;
        };
        self.by_destination
            .entry(d)
            .or_default()
            .entry((port, protocol))
            .or_default()
            .insert(s);
    }
}

/// For each pod-network workload and port it serves (observed in use, or named on its
/// containers), the pod-network workloads the policies let connect that were never seen
/// doing so. A workload's own pods, and the assumed cluster DNS, are left out.
fn unobserved(judge: &Judge<'_>, used: &UsedPorts) -> Vec<UnobservedPath> {
    let model = judge.model;
    let engine = judge.engine;
    let workloads = &judge.workloads;
    let mut probes: BTreeMap<(u16, Protocol), BTreeSet<usize>> = BTreeMap::new();
    for (w, workload) in workloads.list.iter().enumerate() {
        let assumed = workload
            .members
            .iter()
            .any(|&e| model.assumed_dns == Some(e));
        if !workload.on_pod_network || assumed {
            continue;
        }
        let named = workload
            .members
            .iter()
            .filter_map(|&e| model.endpoints.get(e))
            .flat_map(|e| e.ports.iter().map(|p| (p.port, p.protocol)));
        let observed = used
            .by_destination
            .get(&w)
            .into_iter()
            .flat_map(|ports| ports.keys().copied());
        for probe in named.chain(observed) {
            probes.entry(probe).or_default().insert(w);
        }
    }
    let class_count = engine.class_count();
    let mut class_workload = vec![None; class_count];
    for (e, slot) in (0..model.endpoints.len()).filter_map(|e| Some((e, engine.class_of(e)?))) {
        if model.on_pod_network(e)
            && model.assumed_dns != Some(e)
            && let Some(cell) = class_workload.get_mut(slot)
        {
            *cell = workloads.index_of(e);
        }
    }
    let ingress_isolated = engine.isolated(model, Direction::Ingress);
    let mut paths = Vec::new();
    for ((port, protocol), destinations) in probes {
        let matrix = engine.allowed(model, port, protocol);
        for d in destinations {
            let Some(workload) = workloads.list.get(d) else {
                continue;
            };
            let mut classes: Vec<usize> = workload
                .members
                .iter()
                .filter_map(|&e| engine.class_of(e))
                .collect();
            classes.sort_unstable();
            classes.dedup();
            let mut sources = FixedBitSet::with_capacity(workloads.list.len());
            for (sc, row) in matrix.rows.iter().enumerate() {
                if let Some(Some(s)) = class_workload.get(sc)
                    && classes.iter().any(|&dc| row.contains(dc))
                {
                    sources.insert(*s);
                }
            }
            sources.set(d, false);
            let seen = used
                .by_destination
                .get(&d)
                .and_then(|ports| ports.get(&(port, protocol)));
            for &s in seen.into_iter().flatten() {
                sources.set(s, false);
            }
            let count = sources.count_ones(..);
            if count == 0 {
                continue;
            }
            // The list is sorted by namespace and name: the first ones are the smallest.
            let names = sources
                .ones()
                .take(LISTED_SOURCES)
                .filter_map(|s| workloads.list.get(s).map(|w| w.id()))
                .collect();
            paths.push(UnobservedPath {
                destination: workload.id(),
                port,
                protocol,
                open: !classes.iter().any(|&c| ingress_isolated.contains(c)),
                count,
                sources: names,
            });
        }
    }
    paths.sort_by(|a, b| {
        (&a.destination, a.port, a.protocol).cmp(&(&b.destination, b.port, b.protocol))
    });
    paths
}
