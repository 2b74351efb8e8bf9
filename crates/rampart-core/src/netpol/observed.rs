//! Observed flows mapped onto the cluster and counted.
//!
//! Each [`FlowRecord`] is resolved to the parties it connects, in this order:
//!
//! 1. an address that is a pod's IP (`status.podIPs`) is that pod; an address that is a
//!    Service's cluster IP is that Service (its selected pods, on the target port);
//! 2. a pod the log names (Hubble, or `namespace/name` in the CSV) is the endpoint of
//!    that name, or the workload it belongs to (`web-5d8f7c9b6-x2x7q` → Deployment
//!    `web`, the longest endpoint name that prefixes the pod's name at a `-`);
//! 3. a Node's InternalIP is that node;
//! 4. traffic to port 53 of an address the input does not know, in a private range or
//!    NodeLocal DNSCache's `169.254.20.10` (or to a named pod missing from the input),
//!    goes to the cluster DNS: the pods labelled `k8s-app: kube-dns` in `kube-system`;
//! 5. a pod the log names but the input lacks is reported as missing;
//! 6. any other address is outside the cluster.
//!
//! Flows are then counted per (source, destination, port, protocol): memory grows with
//! the number of distinct flows, not with the size of the log.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::model::Model;
use super::ports::Protocol;
use crate::flows::{FlowEnd, FlowRecord, Skipped, Transport};

/// The IPv4 address of the cloud metadata services (AWS, GCP, Azure, OpenStack...).
pub(crate) const METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
/// The IPv6 address of the AWS metadata service.
pub(crate) const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
/// NodeLocal DNSCache's default listen address.
const NODE_LOCAL_DNS: Ipv4Addr = Ipv4Addr::new(169, 254, 20, 10);

/// True for a cloud metadata address.
pub fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4 == METADATA_V4,
        IpAddr::V6(v6) => v6 == METADATA_V6,
    }
}

/// True for an address in a private range (RFC 1918, shared 100.64/10, unique local
/// IPv6): where pods and Services live, never a host on the Internet.
pub(crate) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00 && v6 != METADATA_V6,
    }
}

/// One side of an observed flow, resolved against the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Side {
    /// An endpoint, by index.
    Endpoint(u32),
    /// A Service's cluster IP (destinations only), by index.
    Service(u32),
    /// The cluster DNS (destinations only).
    ClusterDns,
    /// A pod the log names but the input lacks, by index into [`Observed::missing`].
    Missing(u32),
    /// A node's address or an address outside the cluster.
    Ip(IpAddr),
}

/// What flows are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FlowKey {
    pub source: Side,
    pub destination: Side,
    pub port: u16,
    pub protocol: Protocol,
}

/// The records that stood for one flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlowCounts {
    /// Records (connections or events, per the format; the CSV's `count`).
    pub records: u64,
    /// Of those, records the log says were dropped or rejected.
    pub dropped: u64,
    /// Of those, IDS alerts.
    pub alerts: u64,
    /// Of those, records whose direction was guessed.
    pub guessed: u64,
}

impl FlowCounts {
    /// True when the log says every record was dropped or rejected.
    pub fn all_dropped(&self) -> bool {
        self.records > 0 && self.dropped == self.records
    }

    fn add(&mut self, other: &FlowCounts) {
        self.records += other.records;
        self.dropped += other.dropped;
        self.alerts += other.alerts;
        self.guessed += other.guessed;
    }
}

/// What the logs held besides the flows that were judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Flow records read (before skipping the ones below).
    pub records: u64,
    /// Lines without a flow, by reason.
    pub skipped: BTreeMap<Skipped, u64>,
    /// Records of protocols NetworkPolicy does not cover (ICMP...), by protocol.
    pub other_protocols: BTreeMap<String, u64>,
    /// Records without a destination port (or with port 0).
    pub without_port: u64,
    /// Records with no pod on either side (node or outside traffic).
    pub not_pod_traffic: u64,
    /// Records naming a `namespace/name` (CSV) that is neither a pod nor a workload of the
    /// input, by name.
    pub unknown_names: BTreeMap<String, u64>,
}

impl ReadSummary {
    fn merge(&mut self, other: ReadSummary) {
        self.records += other.records;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        for (k, v) in other.other_protocols {
            *self.other_protocols.entry(k).or_default() += v;
        }
        self.without_port += other.without_port;
        self.not_pod_traffic += other.not_pod_traffic;
        for (k, v) in other.unknown_names {
            *self.unknown_names.entry(k).or_default() += v;
        }
    }
}

/// Flows being read: resolves each record against the cluster and counts it. Create one
/// with [`Cluster::observer`](super::Cluster::observer); observers of the same cluster
/// can be merged (e.g. one per file read in parallel).
#[derive(Debug)]
pub struct Observer<'c> {
    model: &'c Model,
    flows: foldhash::HashMap<FlowKey, FlowCounts>,
    missing: Vec<String>,
    missing_index: HashMap<String, u32>,
    /// Pod names already resolved, by namespace then name.
    names: HashMap<String, HashMap<String, Option<u32>>>,
    /// Whether the cluster has DNS pods (real or assumed).
    has_dns: bool,
    summary: ReadSummary,
}

/// Every flow observed, counted, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub(crate) flows: Vec<(FlowKey, FlowCounts)>,
    /// Pods named by the logs but missing from the input (`namespace/name`).
    pub missing: Vec<String>,
    /// What else the logs held.
    pub summary: ReadSummary,
}

impl Observed {
    /// The number of distinct flows.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// True when no flow was observed.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }
}

impl<'c> Observer<'c> {
    pub(crate) fn new(model: &'c Model) -> Self {
        Self {
            model,
            flows: foldhash::HashMap::default(),
            missing: Vec::new(),
            missing_index: HashMap::new(),
            names: HashMap::new(),
            has_dns: !model.cluster_dns().is_empty(),
            summary: ReadSummary::default(),
        }
    }

    /// Counts a line that held no flow.
    pub fn skipped(&mut self, reason: Skipped) {
        *self.summary.skipped.entry(reason).or_default() += 1;
    }

    /// Resolves and counts one flow record.
    pub fn record(&mut self, record: &FlowRecord<'_>) {
        self.summary.records += record.count;
        let Some(protocol) = record.transport.policy_protocol() else {
            let name = match record.transport {
                Transport::Icmp => "ICMP".to_owned(),
                other => other.to_string(),
            };
            *self.summary.other_protocols.entry(name).or_default() += record.count;
            return;
        };
        let Some(port) = record.destination.port.filter(|p| *p != 0) else {
            self.summary.without_port += record.count;
            return;
        };
        let source = self.side(&record.source, None, record.count);
        let destination = self.side(&record.destination, Some(port), record.count);
        let (Some(source), Some(destination)) = (source, destination) else {
            return;
        };
        let pod_side = |side: Side| !matches!(side, Side::Ip(_));
        if !pod_side(source) && !pod_side(destination) {
            self.summary.not_pod_traffic += record.count;
            return;
        }
        let key = FlowKey {
            source,
            destination,
            port,
            protocol,
        };
        let counts = self.flows.entry(key).or_default();
        counts.add(&FlowCounts {
            records: record.count,
            dropped: if record.dropped { record.count } else { 0 },
            alerts: if record.alert { record.count } else { 0 },
            guessed: if record.guessed { record.count } else { 0 },
        });
    }

    /// Resolves one end (`port` is set for a destination). `None` when the end names an
    /// unknown `namespace/name` without an address (counted, `count` times).
    fn side(&mut self, end: &FlowEnd<'_>, port: Option<u16>, count: u64) -> Option<Side> {
        let model = self.model;
        let as_index = |i: usize| u32::try_from(i).ok();
        if let Some(ip) = end.ip {
            if let Some(e) = model.endpoint_by_ip(ip).and_then(as_index) {
                return Some(Side::Endpoint(e));
            }
            if port.is_some()
                && let Some(s) = model.service_by_ip(ip).and_then(as_index)
            {
                return Some(Side::Service(s));
            }
        }
        if let Some(pod) = &end.pod
            && let Some(e) = self.endpoint_named(&pod.namespace, &pod.name, pod.workload.as_deref())
        {
            return Some(Side::Endpoint(e));
        }
        if let Some(ip) = end.ip
            && model.node_by_ip(ip).is_some()
        {
            return Some(Side::Ip(ip));
        }
        let dns_port = port == Some(53);
        let unknown_private = end
            .ip
            .is_some_and(|ip| is_private(ip) || ip == NODE_LOCAL_DNS);
        if dns_port && (unknown_private || end.pod.is_some()) && self.has_dns {
            return Some(Side::ClusterDns);
        }
        match (&end.pod, end.ip) {
            (Some(pod), Some(_)) => Some(Side::Missing(self.missing(&pod.namespace, &pod.name))),
            (_, Some(ip)) => Some(Side::Ip(ip)),
            (Some(pod), None) => {
                let name = format!("{}/{}", pod.namespace, pod.name);
                *self.summary.unknown_names.entry(name).or_default() += count;
                None
            }
            (None, None) => None,
        }
    }

    /// The endpoint a pod name stands for (memoised per name).
    fn endpoint_named(
        &mut self,
        namespace: &str,
        name: &str,
        workload: Option<&str>,
    ) -> Option<u32> {
        if let Some(known) = self.names.get(namespace).and_then(|n| n.get(name)) {
            return *known;
        }
        let model = self.model;
        let lookup = |candidate: &str| model.endpoint(namespace, candidate);
        let mut found = lookup(name).or_else(|| workload.and_then(lookup));
        let mut rest = name;
        while found.is_none()
            && let Some((head, _)) = rest.rsplit_once('-')
        {
            found = lookup(head);
            rest = head;
        }
        let found = found.and_then(|e| u32::try_from(e).ok());
        self.names
            .entry(namespace.to_owned())
            .or_default()
            .insert(name.to_owned(), found);
        found
    }

    fn missing(&mut self, namespace: &str, name: &str) -> u32 {
        let id = format!("{namespace}/{name}");
        if let Some(&i) = self.missing_index.get(&id) {
            return i;
        }
        let i = u32::try_from(self.missing.len()).unwrap_or(u32::MAX);
        self.missing.push(id.clone());
        self.missing_index.insert(id, i);
        i
    }

    /// Adds what `other` (an observer of the same cluster) counted.
    pub fn merge(&mut self, other: Observer<'_>) {
        let Observer {
            flows,
            missing,
            summary,
            ..
        } = other;
        for (mut key, counts) in flows {
            for side in [&mut key.source, &mut key.destination] {
                if let Side::Missing(i) = side {
                    let name = missing.get(*i as usize).cloned().unwrap_or_default();
                    let (namespace, pod) = name.split_once('/').unwrap_or_default();
                    *side = Side::Missing(self.missing(namespace, pod));
                }
            }
            self.flows.entry(key).or_default().add(&counts);
        }
        self.summary.merge(summary);
    }

    /// The flows observed, sorted.
    pub fn finish(self) -> Observed {
        let mut flows: Vec<(FlowKey, FlowCounts)> = self.flows.into_iter().collect();
        flows.sort_unstable_by_key(|a| a.0);
        Observed {
            flows,
            missing: self.missing,
            summary: self.summary,
        }
    }
}
