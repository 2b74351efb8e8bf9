//! The cluster model: namespaces, endpoints (pods and workloads), nodes and options.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use k8s_openapi::api::core::v1::{Container, Endpoints, Namespace, Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::policy::Policy;
use super::ports::{NamedPort, PortSpec, Protocol};
use super::selector::Labels;

/// The label the API server stamps on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Choices where Kubernetes leaves the behaviour to the network plugin. All default to
/// `true`, the reading of the upstream conformance suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Options {
    /// ipBlock peers match pod IPs (Calico, Antrea, OVN-Kubernetes; not Cilium).
    pub ipblock_matches_pod_ips: bool,
    /// Host-network pods are treated as their node: never isolated, never matched by
    /// pod/namespace selectors, matched by ipBlocks covering their addresses.
    pub hostnetwork_as_node: bool,
    /// A pod's own node may always reach it (kubelet probes).
    pub node_local_ingress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ipblock_matches_pod_ips: true,
            hostnetwork_as_node: true,
            node_local_ingress: true,
        }
    }
}

/// Something traffic can come from or go to inside the cluster: a pod, or a workload
/// standing for its pods (named after the workload).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// Namespace (`default` when a manifest omits it).
    pub namespace: String,
    /// Pod or workload name.
    pub name: String,
    /// Pod labels (for a workload: the pod template's labels).
    pub labels: Labels,
    /// Named container ports (unnamed ones are irrelevant to policy).
    pub ports: Vec<NamedPort>,
    /// Pod IPs (`status.podIPs`); empty for a pending pod or a workload.
    pub ips: Vec<IpAddr>,
    /// `spec.nodeName`.
    pub node: Option<String>,
    /// `spec.hostNetwork`.
    pub host_network: bool,
}

impl Endpoint {
    /// An endpoint with no labels, ports or addresses.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            ..Self::default()
        }
    }

    /// The endpoint of a Pod object. Unparseable IPs and invalid ports are skipped.
    pub fn from_pod(pod: &Pod) -> Self {
        let spec = pod.spec.as_ref();
        let containers = spec.into_iter().flat_map(|s| {
            let sidecars = s
                .init_containers
                .iter()
                .flatten()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            s.containers.iter().chain(sidecars)
        });
        let status = pod.status.as_ref();
        let mut ips: Vec<IpAddr> = status
            .and_then(|s| s.pod_ips.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|p| p.ip.parse().ok())
            .collect();
        if ips.is_empty()
            && let Some(ip) = status
                .and_then(|s| s.pod_ip.as_deref())
                .and_then(|ip| ip.parse().ok())
        {
            ips.push(ip);
        }
        Self {
            namespace: namespace_or_default(pod.metadata.namespace.as_deref()),
            name: pod.metadata.name.clone().unwrap_or_default(),
            labels: pod.metadata.labels.clone().unwrap_or_default(),
            ports: containers.flat_map(named_ports).collect(),
            ips,
            node: spec.and_then(|s| s.node_name.clone()),
            host_network: spec.and_then(|s| s.host_network).unwrap_or(false),
        }
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn named_ports(container: &Container) -> impl Iterator<Item = NamedPort> + '_ {
    container.ports.iter().flatten().filter_map(|p| {
        Some(NamedPort {
            name: p.name.clone()?,
            port: u16::try_from(p.container_port).ok()?,
            protocol: Protocol::parse(p.protocol.as_deref().unwrap_or("TCP"))?,
        })
    })
}

/// The namespace a namespaced manifest lives in.
pub(crate) fn namespace_or_default(namespace: Option<&str>) -> String {
    namespace.unwrap_or("default").to_string()
}

/// A namespace and its labels (always including `kubernetes.io/metadata.name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceInfo {
    /// Name.
    pub name: String,
    /// Labels, with the name label stamped.
    pub labels: Labels,
}

impl NamespaceInfo {
    /// A namespace with `labels` plus the stamped name label.
    pub fn new(name: impl Into<String>, labels: Labels) -> Self {
        let name = name.into();
        let mut labels = labels;
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.clone());
        Self { name, labels }
    }

    /// The namespace of a Namespace object.
    pub fn from_namespace(namespace: &Namespace) -> Self {
        Self::new(
            namespace.metadata.name.clone().unwrap_or_default(),
            namespace.metadata.labels.clone().unwrap_or_default(),
        )
    }
}

/// A node and its InternalIP addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// Name.
    pub name: String,
    /// InternalIP addresses.
    pub ips: Vec<IpAddr>,
}

impl NodeInfo {
    /// The node of a Node object (InternalIP addresses only; unparseable ones skipped).
    pub fn from_node(node: &Node) -> Self {
        let ips = node
            .status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .into_iter()
            .flatten()
            .filter(|a| a.type_ == "InternalIP")
            .filter_map(|a| a.address.parse().ok())
            .collect();
        Self {
            name: node.metadata.name.clone().unwrap_or_default(),
            ips,
        }
    }
}

/// A Service: its cluster IPs, selector and ports. Traffic to a cluster IP is
/// translated to one of the selected pods, on the target port, before NetworkPolicy
/// applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.clusterIPs` (or `spec.clusterIP`); empty for a headless Service.
    pub cluster_ips: Vec<IpAddr>,
    /// `spec.selector`; `None` for a Service without one (its endpoints are managed by
    /// hand).
    pub selector: Option<Labels>,
    /// The ports.
    pub ports: Vec<ServicePort>,
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// `name` (what an Endpoints or EndpointSlice port of a Service without a selector
    /// is matched by).
    pub name: Option<String>,
    /// `port`: what clients connect to.
    pub port: u16,
    /// `protocol`.
    pub protocol: Protocol,
    /// `targetPort` (a number, or a container port name resolved on each pod); the
    /// API server defaults it to `port`.
    pub target: PortSpec,
}

impl ServiceInfo {
    /// The Service of a Service object. Unparseable addresses and invalid ports are
    /// skipped.
    pub fn from_service(service: &Service) -> Self {
        let spec = service.spec.as_ref();
        let mut cluster_ips: Vec<IpAddr> = spec
            .and_then(|s| s.cluster_ips.as_ref())
            .into_iter()
            .flatten()
            .chain(spec.and_then(|s| s.cluster_ip.as_ref()))
            .filter_map(|ip| ip.parse().ok())
            .collect();
        cluster_ips.sort();
        cluster_ips.dedup();
        let ports = spec
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let port = u16::try_from(p.port).ok()?;
                let target = match &p.target_port {
                    None => PortSpec::Number(port),
                    Some(IntOrString::Int(n)) => PortSpec::Number(u16::try_from(*n).ok()?),
                    Some(IntOrString::String(name)) => match name.parse::<u16>() {
                        Ok(n) => PortSpec::Number(n),
                        Err(_) => PortSpec::Name(name.clone()),
                    },
                };
                Some(ServicePort {
                    name: p.name.clone().filter(|n| !n.is_empty()),
                    port,
                    protocol: Protocol::parse(p.protocol.as_deref().unwrap_or("TCP"))?,
                    target,
                })
            })
            .collect();
        Self {
            namespace: namespace_or_default(service.metadata.namespace.as_deref()),
            name: service.metadata.name.clone().unwrap_or_default(),
            cluster_ips,
            selector: spec
                .and_then(|s| s.selector.clone())
                .filter(|s| !s.is_empty()),
            ports,
        }
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The addresses behind a Service without a selector (the API server's `kubernetes`
/// Service, a database outside the cluster...), from its Endpoints or EndpointSlices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAddresses {
    /// The Service's namespace.
    pub namespace: String,
    /// The Service's name.
    pub service: String,
    /// Addresses with the ports they serve (an Endpoints subset, or a slice).
    pub groups: Vec<AddressGroup>,
}

/// Ready addresses and their ports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressGroup {
    /// The addresses.
    pub addresses: Vec<IpAddr>,
    /// The ports, matched to the Service's by name.
    pub ports: Vec<AddressPort>,
}

/// A port of an Endpoints subset or an EndpointSlice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPort {
    /// `name` (empty for a Service's only, unnamed port).
    pub name: Option<String>,
    /// `port`.
    pub port: u16,
    /// `protocol`.
    pub protocol: Protocol,
}

/// The label an EndpointSlice names its Service with.
pub(crate) const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

fn address_port(
    name: Option<&String>,
    port: Option<i32>,
    protocol: Option<&str>,
) -> Option<AddressPort> {
    Some(AddressPort {
        name: name.filter(|n| !n.is_empty()).cloned(),
        port: u16::try_from(port?).ok()?,
        protocol: Protocol::parse(protocol.unwrap_or("TCP"))?,
    })
}

impl ServiceAddresses {
    /// The ready addresses of an Endpoints object (named after its Service).
    pub fn from_endpoints(endpoints: &Endpoints) -> Self {
        let groups = endpoints
            .subsets
            .iter()
            .flatten()
            .map(|subset| AddressGroup {
                addresses: subset
                    .addresses
                    .iter()
                    .flatten()
                    .filter_map(|a| a.ip.parse().ok())
                    .collect(),
                ports: subset
                    .ports
                    .iter()
                    .flatten()
                    .filter_map(|p| {
                        address_port(p.name.as_ref(), Some(p.port), p.protocol.as_deref())
                    })
                    .collect(),
            })
            .collect();
        Self {
            namespace: namespace_or_default(endpoints.metadata.namespace.as_deref()),
            service: endpoints.metadata.name.clone().unwrap_or_default(),
            groups,
        }
    }

    /// The ready addresses of an EndpointSlice; `None` without its Service's name label.
    pub fn from_slice(slice: &EndpointSlice) -> Option<Self> {
        let service = slice
            .metadata
            .labels
            .as_ref()?
            .get(SERVICE_NAME_LABEL)?
            .clone();
        let addresses = slice
            .endpoints
            .iter()
            .flatten()
            .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) != Some(false))
            .flat_map(|e| e.addresses.iter())
            .filter_map(|a| a.parse().ok())
            .collect();
        let ports = slice
            .ports
            .iter()
            .flatten()
            .filter_map(|p| address_port(p.name.as_ref(), p.port, p.protocol.as_deref()))
            .collect();
        Some(Self {
            namespace: namespace_or_default(slice.metadata.namespace.as_deref()),
            service,
            groups: vec![AddressGroup { addresses, ports }],
        })
    }
}

/// The namespace and labels of the pods serving the cluster's DNS (CoreDNS and kube-dns
/// both carry `k8s-app: kube-dns` in `kube-system`).
pub(crate) const CLUSTER_DNS_NAMESPACE: &str = "kube-system";
/// The label key of the cluster DNS pods.
pub(crate) const CLUSTER_DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

/// The endpoint that stands for the cluster DNS pods when the input has none. It names
/// no ports: the real pods' port names are unknown.
pub(crate) fn assumed_cluster_dns() -> Endpoint {
    Endpoint {
        namespace: CLUSTER_DNS_NAMESPACE.to_owned(),
        name: "kube-dns".to_owned(),
        labels: Labels::from([(
            CLUSTER_DNS_LABEL.0.to_owned(),
            CLUSTER_DNS_LABEL.1.to_owned(),
        )]),
        ..Endpoint::default()
    }
}

/// True for an endpoint serving the cluster DNS.
pub(crate) fn is_cluster_dns(endpoint: &Endpoint) -> bool {
    endpoint.namespace == CLUSTER_DNS_NAMESPACE
        && endpoint.labels.get(CLUSTER_DNS_LABEL.0).map(String::as_str) == Some(CLUSTER_DNS_LABEL.1)
}

/// One side of a connection, resolved against the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Party {
    /// An endpoint, by index.
    Endpoint(usize),
    /// A node, seen at one of its addresses.
    Node { node: usize, ip: IpAddr },
    /// An address outside the cluster.
    External(IpAddr),
}

/// Everything the evaluators read, indexed. Endpoints, namespaces and policies are sorted
/// by namespace then name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    pub options: Options,
    pub namespaces: Vec<NamespaceInfo>,
    pub endpoints: Vec<Endpoint>,
    pub nodes: Vec<NodeInfo>,
    pub policies: Vec<Policy>,
    pub services: Vec<ServiceInfo>,
    /// Namespace index of each endpoint.
    pub endpoint_namespace: Vec<usize>,
    /// Namespace index of each policy.
    pub policy_namespace: Vec<usize>,
    /// The endpoint standing for the cluster DNS when the input has none.
    pub assumed_dns: Option<usize>,
    endpoint_index: HashMap<(String, String), usize>,
    node_by_name: HashMap<String, usize>,
    node_by_ip: HashMap<IpAddr, usize>,
    /// Pod-network endpoints by pod IP.
    endpoint_by_ip: foldhash::HashMap<IpAddr, usize>,
    service_by_ip: foldhash::HashMap<IpAddr, usize>,
    /// The pod-network endpoints each Service selects.
    service_backends: Vec<Vec<usize>>,
    /// The addresses behind each Service without a selector.
    service_addresses: Vec<Vec<AddressGroup>>,
    /// The pod-network endpoints serving the cluster DNS.
    cluster_dns: Vec<usize>,
}

/// Everything a [`Model`] is built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    pub options: Options,
    pub namespaces: Vec<NamespaceInfo>,
    pub endpoints: Vec<Endpoint>,
    pub nodes: Vec<NodeInfo>,
    pub policies: Vec<Policy>,
    pub services: Vec<ServiceInfo>,
    pub service_addresses: Vec<ServiceAddresses>,
    /// `namespace/name` of an endpoint that stands for the cluster DNS.
    pub assumed_dns: Option<(String, String)>,
}

impl Model {
    /// Builds the indexes. Later duplicates (same namespace/name) replace earlier ones;
    /// namespaces referenced only by endpoints or policies are synthesized.
    pub fn new(parts: Parts) -> Self {
        let Parts {
            options,
            namespaces,
            endpoints,
            nodes,
            policies,
            services,
            service_addresses,
            assumed_dns,
        } = parts;
        let mut namespace_map: BTreeMap<String, NamespaceInfo> = namespaces
            .into_iter()
            .map(|n| (n.name.clone(), n))
            .collect();
        let endpoints = dedup_sorted(endpoints, |e| (e.namespace.clone(), e.name.clone()));
        let policies = dedup_sorted(policies, |p| (p.namespace.clone(), p.name.clone()));
        let nodes = dedup_sorted(nodes, |n| n.name.clone());
        let services = dedup_sorted(services, |s| (s.namespace.clone(), s.name.clone()));
        let referenced = endpoints
            .iter()
            .map(|e| &e.namespace)
            .chain(policies.iter().map(|p| &p.namespace));
        for name in referenced {
            if !namespace_map.contains_key(name) {
                namespace_map.insert(name.clone(), NamespaceInfo::new(name, Labels::new()));
            }
        }
        let namespaces: Vec<NamespaceInfo> = namespace_map.into_values().collect();
        let namespace_index: HashMap<String, usize> = namespaces
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let ns_of = |name: &String| namespace_index.get(name).copied().unwrap_or_default();
        let endpoint_namespace = endpoints.iter().map(|e| ns_of(&e.namespace)).collect();
        let policy_namespace = policies.iter().map(|p| ns_of(&p.namespace)).collect();
        let endpoint_index: HashMap<(String, String), usize> = endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.namespace.clone(), e.name.clone()), i))
            .collect();
        let node_by_name = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let node_by_ip = nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.ips.iter().map(move |ip| (*ip, i)))
            .collect();
        let service_by_ip = services
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.cluster_ips.iter().map(move |ip| (*ip, i)))
            .collect();
        let assumed_dns = assumed_dns.and_then(|key| endpoint_index.get(&key).copied());
        let mut model = Self {
            options,
            namespaces,
            endpoints,
            nodes,
            policies,
            services,
            endpoint_namespace,
            policy_namespace,
            assumed_dns,
            endpoint_index,
            node_by_name,
            node_by_ip,
            endpoint_by_ip: foldhash::HashMap::default(),
            service_by_ip,
            service_backends: Vec::new(),
            service_addresses: Vec::new(),
            cluster_dns: Vec::new(),
        };
        model.service_addresses = model
            .services
            .iter()
            .map(|s| {
                service_addresses
                    .iter()
                    .filter(|a| a.namespace == s.namespace && a.service == s.name)
                    .flat_map(|a| a.groups.iter().cloned())
                    .collect()
            })
            .collect();
        let pod_network: Vec<usize> = (0..model.endpoints.len())
            .filter(|&e| model.on_pod_network(e))
            .collect();
        model.endpoint_by_ip = pod_network
            .iter()
            .flat_map(|&e| {
                let ips = model.endpoints.get(e).map(|e| e.ips.clone());
                ips.into_iter().flatten().map(move |ip| (ip, e))
            })
            .collect();
        model.cluster_dns = pod_network
            .iter()
            .copied()
            .filter(|&e| model.endpoints.get(e).is_some_and(is_cluster_dns))
            .collect();
        model.service_backends = model.backends(&pod_network);
        model
    }

    /// The pod-network endpoints each Service selects (none without a selector).
    fn backends(&self, pod_network: &[usize]) -> Vec<Vec<usize>> {
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for &e in pod_network {
            if let Some(endpoint) = self.endpoints.get(e) {
                by_namespace.entry(&endpoint.namespace).or_default().push(e);
            }
        }
        self.services
            .iter()
            .map(|service| {
                let Some(selector) = &service.selector else {
                    return Vec::new();
                };
                by_namespace
                    .get(service.namespace.as_str())
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&e| {
                        self.endpoints.get(e).is_some_and(|endpoint| {
                            selector
                                .iter()
                                .all(|(k, v)| endpoint.labels.get(k) == Some(v))
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// The parts the model was built from (policies already compiled), to build a model
    /// with more policies and the same endpoint order.
    pub fn parts(&self) -> Parts {
        Parts {
            options: self.options,
            namespaces: self.namespaces.clone(),
            endpoints: self.endpoints.clone(),
            nodes: self.nodes.clone(),
            policies: self.policies.clone(),
            services: self.services.clone(),
            service_addresses: self
                .services
                .iter()
                .zip(&self.service_addresses)
                .map(|(s, groups)| ServiceAddresses {
                    namespace: s.namespace.clone(),
                    service: s.name.clone(),
                    groups: groups.clone(),
                })
                .collect(),
            assumed_dns: self
                .assumed_dns
                .and_then(|e| self.endpoints.get(e))
                .map(|e| (e.namespace.clone(), e.name.clone())),
        }
    }

    /// The pod-network endpoint with address `ip`.
    pub fn endpoint_by_ip(&self, ip: IpAddr) -> Option<usize> {
        self.endpoint_by_ip.get(&ip).copied()
    }

    /// The Service with cluster IP `ip`.
    pub fn service_by_ip(&self, ip: IpAddr) -> Option<usize> {
        self.service_by_ip.get(&ip).copied()
    }

    /// The node with InternalIP `ip`.
    pub fn node_by_ip(&self, ip: IpAddr) -> Option<usize> {
        self.node_by_ip.get(&ip).copied()
    }

    /// The pod-network endpoints a Service selects (none without a selector).
    pub fn service_backends(&self, service: usize) -> &[usize] {
        self.service_backends
            .get(service)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The addresses behind a Service without a selector.
    pub fn service_addresses(&self, service: usize) -> &[AddressGroup] {
        self.service_addresses
            .get(service)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The pod-network endpoints serving the cluster DNS (possibly the assumed one).
    pub fn cluster_dns(&self) -> &[usize] {
        &self.cluster_dns
    }

    /// The endpoint `namespace/name`.
    pub fn endpoint(&self, namespace: &str, name: &str) -> Option<usize> {
        self.endpoint_index
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// The party an address stands for: a node's InternalIP is that node, anything else
    /// is outside the cluster.
    pub fn party_for_ip(&self, ip: IpAddr) -> Party {
        match self.node_by_ip.get(&ip) {
            Some(&node) => Party::Node { node, ip },
            None => Party::External(ip),
        }
    }

    /// True when policies apply to the endpoint as a pod (subject of podSelectors and
    /// matched by pod/namespace selector peers).
    pub fn on_pod_network(&self, endpoint: usize) -> bool {
        self.endpoints
            .get(endpoint)
            .is_some_and(|e| !e.host_network || !self.options.hostnetwork_as_node)
    }

    /// True when the endpoint is a host-network pod treated as its node.
    pub fn acts_as_node(&self, endpoint: usize) -> bool {
        self.endpoints.get(endpoint).is_some() && !self.on_pod_network(endpoint)
    }

    /// The addresses of an endpoint that ipBlock peers can match.
    pub fn ipblock_addresses(&self, endpoint: usize) -> Vec<IpAddr> {
        let Some(e) = self.endpoints.get(endpoint) else {
            return Vec::new();
        };
        if self.acts_as_node(endpoint) {
            let node_ips = e
                .node
                .as_ref()
                .and_then(|n| self.node_by_name.get(n))
                .and_then(|&i| self.nodes.get(i))
                .map(|n| n.ips.as_slice())
                .unwrap_or_default();
            let mut ips: Vec<IpAddr> = e.ips.iter().chain(node_ips).copied().collect();
            ips.sort();
            ips.dedup();
            ips
        } else if self.options.ipblock_matches_pod_ips {
            e.ips.clone()
        } else {
            Vec::new()
        }
    }

    /// The named ports a destination offers to named policy ports: those of a
    /// pod-network endpoint; `None` for nodes, external addresses and host-network pods
    /// treated as nodes.
    pub fn destination_ports(&self, party: Party) -> Option<&[NamedPort]> {
        match party {
            Party::Endpoint(e) if self.on_pod_network(e) => {
                self.endpoints.get(e).map(|e| e.ports.as_slice())
            }
            _ => None,
        }
    }

    /// The node a party speaks as: a node, or a host-network pod treated as its node.
    pub fn speaking_node(&self, party: Party) -> Option<&str> {
        match party {
            Party::Node { node, .. } => self.nodes.get(node).map(|n| n.name.as_str()),
            Party::Endpoint(e) if self.acts_as_node(e) => {
                self.endpoints.get(e).and_then(|e| e.node.as_deref())
            }
            _ => None,
        }
    }

    /// True when the node-local ingress exemption lets `source` reach `destination`:
    /// the source speaks as the node the destination pod runs on.
    pub fn node_local(&self, source: Party, destination: Party) -> bool {
        let Party::Endpoint(d) = destination else {
            return false;
        };
        self.options.node_local_ingress
            && self.on_pod_network(d)
            && self
                .speaking_node(source)
                .is_some_and(|n| self.endpoints.get(d).and_then(|e| e.node.as_deref()) == Some(n))
    }

    /// `namespace/name` of an endpoint.
    pub fn endpoint_id(&self, endpoint: usize) -> String {
        self.endpoints
            .get(endpoint)
            .map(Endpoint::id)
            .unwrap_or_default()
    }
}

/// Sorts by key, keeping the last of each run of equal keys.
fn dedup_sorted<T, K: Ord>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut keyed: Vec<(K, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (key(&t), i, t))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    keyed.dedup_by(|later, first| later.0 == first.0);
    keyed.into_iter().map(|(_, _, t)| t).collect()
}
