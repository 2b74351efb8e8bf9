//! NetworkPolicy (`networking.k8s.io/v1`) evaluation: who can talk to whom.
//!
//! Build a [`Cluster`] from typed Kubernetes objects (namespaces, pods, nodes,
//! NetworkPolicies) and workload [`Endpoint`]s, then ask it:
//!
//! - [`Cluster::query`]: one connection, with the explanation (policies selecting each
//!   side, rules admitting it, assumptions involved);
//! - [`Cluster::matrix`]: every endpoint to every endpoint for one port and protocol,
//!   computed by the equivalence-class engine;
//! - [`Cluster::isolation`]: endpoints isolated per direction and namespaces without a
//!   default deny;
//! - [`Cluster::can_reach_ip`]: egress to an address outside the cluster (e.g. the cloud
//!   metadata service).
//!
//! Policies are validated and defaulted like the API server does; invalid ones are
//! reported as [`PolicyError`]s with the field path and left out. Where Kubernetes leaves
//! behaviour to the network plugin, [`Options`] decides (defaults follow the upstream
//! conformance suite).
//!
//! ```
//! # fn main() -> Result<(), rampart_core::netpol::QueryError> {
//! use rampart_core::netpol::{Cluster, Endpoint, Peer, PortSpec, Protocol};
//! let (cluster, errors) = Cluster::builder()
//!     .endpoint(Endpoint::new("shop", "web"))
//!     .endpoint(Endpoint::new("shop", "db"))
//!     .build();
//! assert!(errors.is_empty());
//! let from: Peer = "shop/web".parse()?;
//! let to: Peer = "shop/db".parse()?;
//! let verdict = cluster.query(&from, &to, &PortSpec::Number(5432), Protocol::Tcp)?;
//! assert!(verdict.allowed && !verdict.ingress.isolated);
//! # Ok(())
//! # }
//! ```

pub(crate) mod cidr;
mod engine;
pub(crate) mod explain;
mod generate;
mod judge;
pub mod load;
pub(crate) mod model;
mod naive;
pub(crate) mod observed;
pub(crate) mod policy;
pub mod ports;
mod proof;
pub(crate) mod selector;
pub(crate) mod validate;
mod workloads;
mod yaml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;

pub use explain::{DirectionVerdict, Note, Verdict};
pub use generate::{Aggregate, GenerateOptions, GeneratedPolicy, MANAGED_BY};
pub use judge::{
    DeniedFlow, DeniedPair, EgressDestination, FlowsReport, FlowsSummary, JudgedFlow,
    MetadataAccess, PeerKind, PeerRef, TargetVerdict, UnobservedPath, WorkloadEgress,
};
pub use model::{
    AddressGroup, AddressPort, Endpoint, NamespaceInfo, NodeInfo, Options, ServiceAddresses,
    ServiceInfo, ServicePort,
};
pub use observed::{FlowCounts, Observed, Observer, ReadSummary, is_metadata};
pub use policy::Direction;
pub use ports::{NamedPort, PortSpec, Protocol};
pub use proof::{NotCovered, PortRange, Proof, UnexpectedPath};
pub use validate::{PolicyError, Severity, validate};
pub use workloads::{UNSTABLE_LABELS, stable_labels, workload_name};

use engine::Engine;
use model::{Model, Parts, Party};

/// One side of a queried connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    /// An endpoint (pod or workload) `namespace/name`.
    Endpoint {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// An address: a Node's InternalIP is that node, any other address is outside the
    /// cluster.
    Ip(IpAddr),
}

impl FromStr for Peer {
    type Err = QueryError;

    /// Parses an IP literal or `namespace/name`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(ip) = text.parse() {
            return Ok(Self::Ip(ip));
        }
        match text.split_once('/') {
            Some((namespace, name))
                if !namespace.is_empty() && !name.is_empty() && !name.contains('/') =>
            {
                Ok(Self::Endpoint {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                })
            }
            _ => Err(QueryError::InvalidPeer(text.to_string())),
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Endpoint { namespace, name } => write!(f, "{namespace}/{name}"),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Why a query could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Neither an IP literal nor `namespace/name`.
    #[error("invalid endpoint {0:?}: expected namespace/name or an IP address")]
    InvalidPeer(String),
    /// No endpoint with that namespace and name.
    #[error("unknown endpoint {0}")]
    UnknownEndpoint(String),
    /// A named query port the destination does not declare with that protocol.
    #[error("port {name:?} ({protocol}) is not a container port of {destination}")]
    UnresolvedPort {
        /// The port name.
        name: String,
        /// The protocol asked for.
        protocol: Protocol,
        /// The destination.
        destination: String,
    },
}

/// The reachability matrix for one port and protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// The destination port.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// Endpoints as `namespace/name`, sorted; rows and columns follow this order.
    pub pods: Vec<String>,
    /// `allowed[source][destination]`.
    pub allowed: Vec<Vec<bool>>,
}

/// Which endpoints are isolated, per direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Isolation {
    /// Endpoints isolated for ingress (`namespace/name`).
    pub ingress: Vec<String>,
    /// Endpoints isolated for egress.
    pub egress: Vec<String>,
    /// Namespaces where no policy selects every pod (`podSelector: {}`) for the
    /// direction, so a new pod there starts unisolated.
    pub namespaces_without_default_deny: PerDirection,
}

/// A list per direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PerDirection {
    /// For ingress.
    pub ingress: Vec<String>,
    /// For egress.
    pub egress: Vec<String>,
}

/// Generated policies and their proof.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generated {
    /// One policy per selected workload.
    pub policies: Vec<GeneratedPolicy>,
    /// What the engine says of them.
    pub proof: Proof,
}

impl Generated {
    /// The policies as a YAML stream `kubectl apply -f` accepts, with a comment naming
    /// the flows each rule allows.
    pub fn yaml(&self) -> String {
        let mut out = format!(
            "# {} NetworkPolicies generated by rampart from observed flows. Proof, with the input's policies:\n",
            self.policies.len()
        );
        for line in self.proof.summary() {
            out.push_str(&format!("#   {line}\n"));
        }
        out.push_str(&yaml::policies(&self.policies));
        out
    }
}

/// Collects the objects of a [`Cluster`].
#[derive(Debug, Clone, Default)]
pub struct ClusterBuilder {
    options: Options,
    namespaces: Vec<NamespaceInfo>,
    endpoints: Vec<Endpoint>,
    nodes: Vec<NodeInfo>,
    policies: Vec<NetworkPolicy>,
    services: Vec<ServiceInfo>,
    service_addresses: Vec<ServiceAddresses>,
    assume_cluster_dns: bool,
}

impl ClusterBuilder {
    /// Sets the implementation-defined choices.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Adds a Namespace (its name label is stamped).
    pub fn namespace(mut self, namespace: &Namespace) -> Self {
        self.namespaces
            .push(NamespaceInfo::from_namespace(namespace));
        self
    }

    /// Adds a namespace given directly (its name label is stamped).
    pub fn namespace_info(mut self, namespace: NamespaceInfo) -> Self {
        let NamespaceInfo { name, labels } = namespace;
        self.namespaces.push(NamespaceInfo::new(name, labels));
        self
    }

    /// Adds a node given directly.
    pub fn node_info(mut self, node: NodeInfo) -> Self {
        self.nodes.push(node);
        self
    }

    /// Adds a Pod as an endpoint.
    pub fn pod(self, pod: &Pod) -> Self {
        self.endpoint(Endpoint::from_pod(pod))
    }

    /// Adds a Node (its InternalIP addresses identify it).
    pub fn node(mut self, node: &Node) -> Self {
        self.nodes.push(NodeInfo::from_node(node));
        self
    }

    /// Adds a Service (its cluster IPs stand for the pods it selects).
    pub fn service(mut self, service: &Service) -> Self {
        self.services.push(ServiceInfo::from_service(service));
        self
    }

    /// Adds a Service given directly.
    pub fn service_info(mut self, service: ServiceInfo) -> Self {
        self.services.push(service);
        self
    }

    /// Adds the addresses behind a Service without a selector (from its Endpoints or
    /// EndpointSlices).
    pub fn service_addresses(mut self, addresses: ServiceAddresses) -> Self {
        self.service_addresses.push(addresses);
        self
    }

    /// When the input has no cluster DNS pods (`k8s-app: kube-dns` in `kube-system`),
    /// adds an endpoint `kube-system/kube-dns` standing for them, so that observed DNS
    /// traffic can be judged and allowed. Off by default.
    pub fn assume_cluster_dns(mut self, assume: bool) -> Self {
        self.assume_cluster_dns = assume;
        self
    }

    /// Adds a NetworkPolicy (validated at [`ClusterBuilder::build`]).
    pub fn policy(mut self, policy: &NetworkPolicy) -> Self {
        self.policies.push(policy.clone());
        self
    }

    /// Adds an endpoint (a pod, or a workload standing for its pods). A later endpoint
    /// with the same namespace and name replaces an earlier one.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }

    /// Validates the policies and compiles the cluster. Returns every policy error and
    /// warning; policies with errors are left out.
    pub fn build(self) -> (Cluster, Vec<PolicyError>) {
        let mut problems = Vec::new();
        let mut policies = Vec::new();
        for policy in &self.policies {
            let (compiled, errors) = validate::compile(policy);
            problems.extend(errors);
            policies.extend(compiled);
        }
        let mut endpoints = self.endpoints;
        let mut assumed_dns = None;
        if self.assume_cluster_dns
            && !endpoints
                .iter()
                .any(|e| model::is_cluster_dns(e) && !e.host_network)
        {
            let dns = model::assumed_cluster_dns();
            assumed_dns = Some((dns.namespace.clone(), dns.name.clone()));
            endpoints.push(dns);
        }
        let model = Model::new(Parts {
            options: self.options,
            namespaces: self.namespaces,
            endpoints,
            nodes: self.nodes,
            policies,
            services: self.services,
            service_addresses: self.service_addresses,
            assumed_dns,
        });
        let engine = Engine::new(&model);
        (Cluster { model, engine }, problems)
    }
}

/// A compiled cluster: the model plus the fast engine's classes.
#[derive(Debug, Clone)]
pub struct Cluster {
    model: Model,
    engine: Engine,
}

impl Cluster {
    /// A builder for a cluster.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// The options in force.
    pub fn options(&self) -> Options {
        self.model.options
    }

    /// The endpoints, sorted by namespace then name.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.model.endpoints
    }

    /// The Services, sorted by namespace then name.
    pub fn services(&self) -> &[ServiceInfo] {
        &self.model.services
    }

    /// The endpoint standing for the cluster DNS, when it was assumed (see
    /// [`ClusterBuilder::assume_cluster_dns`]).
    pub fn assumed_cluster_dns(&self) -> Option<&Endpoint> {
        self.model
            .assumed_dns
            .and_then(|e| self.model.endpoints.get(e))
    }

    /// The same cluster with more policies (validated like the others). Endpoints keep
    /// their order, so anything indexed by endpoint stays valid.
    pub fn with_policies(&self, policies: &[NetworkPolicy]) -> (Cluster, Vec<PolicyError>) {
        let mut parts = self.model.parts();
        let mut problems = Vec::new();
        for policy in policies {
            let (compiled, errors) = validate::compile(policy);
            problems.extend(errors);
            parts.policies.extend(compiled);
        }
        let model = Model::new(parts);
        let engine = Engine::new(&model);
        (Cluster { model, engine }, problems)
    }

    /// An observer that maps flow records onto this cluster and counts them.
    pub fn observer(&self) -> observed::Observer<'_> {
        observed::Observer::new(&self.model)
    }

    /// Judges observed flows (read with [`Cluster::observer`]) by the policies: each
    /// flow's verdict, the denied ones per workload pair with their explanation, egress
    /// leaving the cluster, metadata access and allowed paths never observed.
    pub fn judge_flows(&self, observed: &Observed) -> FlowsReport {
        judge::judge(&self.model, &self.engine, observed)
    }

    /// Least-privilege policies for the workloads of the selected namespaces, allowing
    /// exactly the observed flows, and the engine's proof that they do (evaluated with
    /// this cluster's policies plus the generated ones).
    pub fn generate(&self, observed: &Observed, options: &GenerateOptions) -> Generated {
        let judge = judge::Judge::new(&self.model, &self.engine);
        let selection = generate::selected(&self.model, &judge.workloads, options);
        let policies = generate::generate(&judge, observed, &selection, options);
        let objects: Vec<NetworkPolicy> = policies.iter().map(|p| p.policy.clone()).collect();
        let (proven, errors) = self.with_policies(&objects);
        let proof = proof::prove(&proven.model, &proven.engine, observed, &selection, errors);
        Generated { policies, proof }
    }

    /// The number of equivalence classes the endpoints collapsed into.
    pub fn class_count(&self) -> usize {
        self.engine.class_count()
    }

    /// Whether `from` may open a connection to `to` on `port`/`protocol`, with the
    /// explanation. A named port is resolved on the destination's container ports.
    pub fn query(
        &self,
        from: &Peer,
        to: &Peer,
        port: &PortSpec,
        protocol: Protocol,
    ) -> Result<Verdict, QueryError> {
        let source = self.party(from)?;
        let destination = self.party(to)?;
        let (number, resolved) = self.resolve_port(destination, to, port, protocol)?;
        let mut verdict = naive::verdict(&self.model, source, destination, number, protocol);
        verdict.notes.extend(resolved);
        Ok(verdict)
    }

    /// Whether `from` may reach the address `ip` (e.g. `169.254.169.254`): allowed when
    /// its egress is not isolated or an egress rule admits the address.
    pub fn can_reach_ip(
        &self,
        from: &Peer,
        ip: IpAddr,
        port: u16,
        protocol: Protocol,
    ) -> Result<Verdict, QueryError> {
        self.query(from, &Peer::Ip(ip), &PortSpec::Number(port), protocol)
    }

    /// The endpoint × endpoint matrix for `port`/`protocol` (row = source), computed
    /// with the equivalence-class engine.
    pub fn matrix(&self, port: u16, protocol: Protocol) -> Matrix {
        let model = &self.model;
        let classes = self.engine.allowed(model, port, protocol);
        let class_of: Vec<usize> = (0..model.endpoints.len())
            .map(|e| self.engine.class_of(e).unwrap_or_default())
            .collect();
        let mut first_row_of_class: Vec<Option<usize>> = vec![None; classes.rows.len()];
        let mut allowed: Vec<Vec<bool>> = Vec::with_capacity(class_of.len());
        for (s, &c) in class_of.iter().enumerate() {
            let earlier = first_row_of_class.get(c).copied().flatten();
            let row = match earlier.and_then(|i| allowed.get(i)) {
                Some(same_class) => same_class.clone(),
                None => {
                    if let Some(slot) = first_row_of_class.get_mut(c) {
                        *slot = Some(s);
                    }
                    let class_row = classes.rows.get(c);
                    class_of
                        .iter()
                        .map(|&d| class_row.is_some_and(|r| r.contains(d)))
                        .collect()
                }
            };
            allowed.push(row);
        }
        self.apply_node_local(&mut allowed);
        Matrix {
            port,
            protocol,
            pods: model.endpoints.iter().map(Endpoint::id).collect(),
            allowed,
        }
    }

    /// Endpoints isolated per direction and namespaces without a default deny.
    pub fn isolation(&self) -> Isolation {
        let model = &self.model;
        let isolated_in = |direction: Direction| -> Vec<String> {
            let classes = self.engine.isolated(model, direction);
            (0..model.endpoints.len())
                .filter(|&e| self.engine.class_of(e).is_some_and(|c| classes.contains(c)))
                .map(|e| model.endpoint_id(e))
                .collect()
        };
        let without_default_deny = |direction: Direction| -> Vec<String> {
            model
                .namespaces
                .iter()
                .filter(|ns| {
                    !model.policies.iter().any(|p| {
                        p.namespace == ns.name
                            && p.pod_selector.selects_everything()
                            && p.rules(direction).is_some()
                    })
                })
                .map(|ns| ns.name.clone())
                .collect()
        };
        Isolation {
            ingress: isolated_in(Direction::Ingress),
            egress: isolated_in(Direction::Egress),
            namespaces_without_default_deny: PerDirection {
                ingress: without_default_deny(Direction::Ingress),
                egress: without_default_deny(Direction::Egress),
            },
        }
    }

    /// Opens the cells the node-local exemption allows: host-network endpoints treated
    /// as their node reaching pods on that node.
    fn apply_node_local(&self, allowed: &mut [Vec<bool>]) {
        let model = &self.model;
        let speakers = (0..model.endpoints.len()).filter(|&s| model.acts_as_node(s));
        for s in speakers {
            let Some(row) = allowed.get_mut(s) else {
                continue;
            };
            for (d, cell) in row.iter_mut().enumerate() {
                if model.node_local(Party::Endpoint(s), Party::Endpoint(d)) {
                    *cell = true;
                }
            }
        }
    }

    fn party(&self, peer: &Peer) -> Result<Party, QueryError> {
        match peer {
            Peer::Ip(ip) => Ok(self.model.party_for_ip(*ip)),
            Peer::Endpoint { namespace, name } => self
                .model
                .endpoint(namespace, name)
                .map(Party::Endpoint)
                .ok_or_else(|| QueryError::UnknownEndpoint(peer.to_string())),
        }
    }

    /// The port number to evaluate and, for a named port, the note recording how it
    /// was resolved on the destination.
    fn resolve_port(
        &self,
        destination: Party,
        to: &Peer,
        port: &PortSpec,
        protocol: Protocol,
    ) -> Result<(u16, Option<Note>), QueryError> {
        match port {
            PortSpec::Number(number) => Ok((*number, None)),
            PortSpec::Name(name) => {
                let declared = match destination {
                    Party::Endpoint(e) => self.model.endpoints.get(e).map(|e| e.ports.as_slice()),
                    _ => None,
                };
                let number = declared
                    .and_then(|ports| ports::resolve_named(ports, name, protocol))
                    .ok_or_else(|| QueryError::UnresolvedPort {
                        name: name.clone(),
                        protocol,
                        destination: to.to_string(),
                    })?;
                let note = Note::NamedPortResolved {
                    name: name.clone(),
                    port: number,
                    protocol,
                };
                Ok((number, Some(note)))
            }
        }
    }
}
