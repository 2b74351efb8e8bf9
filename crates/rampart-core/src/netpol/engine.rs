//! The fast evaluator (spec §4): endpoints collapse into equivalence classes that no
//! rule can tell apart, selectors and peers become class bitsets, and the allow matrix
//! of one (port, protocol) is computed per class with word-wide bit operations.
//!
//! Two endpoints share a class when they have the same namespace, labels, pod-network
//! status, ipBlock memberships and resolutions of every port name used by a policy.
//! Every verdict is a function of the two classes (node-local exemptions, which depend
//! on nodes, are applied by the caller when expanding to endpoints).

use std::collections::HashMap;

use fixedbitset::FixedBitSet;

use super::cidr::IpSet;
use super::model::{Model, Party};
use super::policy::{Direction, RulePeer};
use super::ports::{PortEntry, Protocol, resolve_named};
use super::selector::{Labels, Selector};

/// One equivalence class of endpoints.
#[derive(Debug, Clone)]
struct Class {
    /// An endpoint of the class; any member gives the same answers.
    representative: usize,
    /// The interned ipBlocks matching the class's addresses.
    ipblocks: Vec<usize>,
}

/// A policy compiled to class bitsets.
#[derive(Debug, Clone)]
struct CompiledPolicy {
    /// Classes the policy's podSelector selects (pod-network classes of its namespace).
    subjects: FixedBitSet,
    /// Peer classes of each ingress rule (empty when Ingress is not a policy type).
    ingress: Vec<FixedBitSet>,
    /// Peer classes of each egress rule.
    egress: Vec<FixedBitSet>,
}

impl CompiledPolicy {
    fn peers(&self, direction: Direction) -> &[FixedBitSet] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// The class-level allow matrix for one (port, protocol): `rows[s]` holds the classes
/// that class `s` may open connections to.
#[derive(Debug, Clone)]
pub(crate) struct ClassMatrix {
    pub rows: Vec<FixedBitSet>,
}

/// The compiled, port-independent part of the fast evaluator.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    class_of: Vec<usize>,
    classes: Vec<Class>,
    policies: Vec<CompiledPolicy>,
}

/// The class key: everything a rule can observe about an endpoint.
#[derive(PartialEq, Eq, Hash)]
struct ClassKey<'a> {
    namespace: usize,
    on_pod_network: bool,
    labels: &'a Labels,
    ipblocks: Vec<usize>,
    named_ports: Vec<(usize, u16, Protocol)>,
}

impl Engine {
    /// Compiles `model`'s endpoints into classes and its policies into class bitsets.
    pub fn new(model: &Model) -> Self {
        let ipblocks = Interner::collect(model.policies.iter().flat_map(|p| {
            Direction::BOTH
                .into_iter()
                .flat_map(|d| p.rules(d).unwrap_or_default())
                .flat_map(|r| r.peers.iter().flatten())
                .filter_map(|peer| match peer {
                    RulePeer::IpBlock(block) => Some(block),
                    RulePeer::Pods { .. } => None,
                })
        }));
        let names = Interner::collect(model.policies.iter().flat_map(|p| {
            Direction::BOTH
                .into_iter()
                .flat_map(|d| p.rules(d).unwrap_or_default())
                .flat_map(|r| r.ports.iter().flatten())
                .filter_map(|entry| entry.as_named().map(|(name, _)| name))
        }));
        let (class_of, classes) = classify(model, &ipblocks, &names);
        let mut compiler = Compiler::new(model, &classes, &ipblocks);
        let policies = (0..model.policies.len())
            .map(|p| compiler.policy(p))
            .collect();
        Self {
            class_of,
            classes,
            policies,
        }
    }

    /// The class of an endpoint.
    pub fn class_of(&self, endpoint: usize) -> Option<usize> {
        self.class_of.get(endpoint).copied()
    }

    /// The number of classes.
    pub fn class_count(&self) -> usize {
        self.classes.len()
    }

    /// The classes isolated for `direction` (selected by a policy applying to it).
    pub fn isolated(&self, model: &Model, direction: Direction) -> FixedBitSet {
        let mut isolated = FixedBitSet::with_capacity(self.classes.len());
        for (policy, compiled) in model.policies.iter().zip(&self.policies) {
            if policy.rules(direction).is_some() {
                isolated.union_with(&compiled.subjects);
            }
        }
        isolated
    }

    /// The class-level allow matrix for (`port`, `protocol`).
    pub fn allowed(&self, model: &Model, port: u16, protocol: Protocol) -> ClassMatrix {
        let mut reach = PortReach::new(model, &self.classes, port, protocol);
        let ingress = self.direction_allow(model, Direction::Ingress, &mut reach);
        let egress = self.direction_allow(model, Direction::Egress, &mut reach);
        let accepted = self.transpose_ingress(&ingress);
        let rows = accepted
            .into_iter()
            .zip(egress)
            .map(|(mut row, out)| {
                if let Some(out) = out {
                    row.intersect_with(&out);
                }
                row
            })
            .collect();
        ClassMatrix { rows }
    }

    /// For each subject class, the peer classes its isolated `direction` admits (`None`
    /// when not isolated). For egress the peers are destinations, so named ports are
    /// resolved on each peer; for ingress they are resolved on the subject itself.
    fn direction_allow(
        &self,
        model: &Model,
        direction: Direction,
        reach: &mut PortReach,
    ) -> Vec<Option<FixedBitSet>> {
        let n = self.classes.len();
        let mut allow: Vec<Option<FixedBitSet>> = vec![None; n];
        for (policy, compiled) in model.policies.iter().zip(&self.policies) {
            let Some(rules) = policy.rules(direction) else {
                continue;
            };
            let rule_reach: Vec<Reach> = rules
                .iter()
                .map(|r| reach.rule(r.ports.as_deref()))
                .collect();
            for subject in compiled.subjects.ones() {
                let Some(row) = allow.get_mut(subject) else {
                    continue;
                };
                let row = row.get_or_insert_with(|| FixedBitSet::with_capacity(n));
                for (peers, reach) in compiled.peers(direction).iter().zip(&rule_reach) {
                    match (reach, direction) {
                        (Reach::All, _) => row.union_with(peers),
                        (Reach::Destinations(d), Direction::Ingress) => {
                            if d.contains(subject) {
                                row.union_with(peers);
                            }
                        }
                        (Reach::Destinations(d), Direction::Egress) => {
                            let mut admitted = peers.clone();
                            admitted.intersect_with(d);
                            row.union_with(&admitted);
                        }
                    }
                }
            }
        }
        allow
    }

    /// Turns "destination d accepts sources S" into "source s is accepted by
    /// destinations D"; destinations not isolated accept everyone.
    fn transpose_ingress(&self, ingress: &[Option<FixedBitSet>]) -> Vec<FixedBitSet> {
        let n = self.classes.len();
        let mut open = FixedBitSet::with_capacity(n);
        for (d, allow) in ingress.iter().enumerate() {
            if allow.is_none() {
                open.insert(d);
            }
        }
        let mut accepted = vec![open; n];
        for (d, allow) in ingress.iter().enumerate() {
            for s in allow.iter().flat_map(FixedBitSet::ones) {
                if let Some(row) = accepted.get_mut(s) {
                    row.insert(d);
                }
            }
        }
        accepted
    }
}

/// Assigns dense indexes to distinct values, in order of first appearance.
struct Interner<'a, T: ?Sized> {
    index: HashMap<&'a T, usize>,
    values: Vec<&'a T>,
}

impl<'a, T: ?Sized + Eq + std::hash::Hash> Interner<'a, T> {
    fn collect(items: impl IntoIterator<Item = &'a T>) -> Self {
        let mut interner = Self {
            index: HashMap::new(),
            values: Vec::new(),
        };
        for item in items {
            if !interner.index.contains_key(item) {
                interner.index.insert(item, interner.values.len());
                interner.values.push(item);
            }
        }
        interner
    }

    fn get(&self, item: &T) -> Option<usize> {
        self.index.get(item).copied()
    }
}

/// Groups endpoints into classes by [`ClassKey`].
fn classify(
    model: &Model,
    ipblocks: &Interner<IpSet>,
    names: &Interner<str>,
) -> (Vec<usize>, Vec<Class>) {
    let mut by_key: HashMap<ClassKey, usize> = HashMap::new();
    let mut classes = Vec::new();
    let mut class_of = Vec::with_capacity(model.endpoints.len());
    for (e, endpoint) in model.endpoints.iter().enumerate() {
        let addresses = model.ipblock_addresses(e);
        let matched_blocks: Vec<usize> = ipblocks
            .values
            .iter()
            .enumerate()
            .filter(|(_, block)| addresses.iter().any(|ip| block.contains(*ip)))
            .map(|(i, _)| i)
            .collect();
        let mut named_ports: Vec<(usize, u16, Protocol)> = model
            .destination_ports(Party::Endpoint(e))
            .unwrap_or_default()
            .iter()
            .filter_map(|p| Some((names.get(&p.name)?, p.port, p.protocol)))
            .collect();
        named_ports.sort();
        let key = ClassKey {
            namespace: model.endpoint_namespace.get(e).copied().unwrap_or_default(),
            on_pod_network: model.on_pod_network(e),
            labels: &endpoint.labels,
            ipblocks: matched_blocks.clone(),
            named_ports,
        };
        let class = *by_key.entry(key).or_insert_with(|| {
            classes.push(Class {
                representative: e,
                ipblocks: matched_blocks,
            });
            classes.len() - 1
        });
        class_of.push(class);
    }
    (class_of, classes)
}

/// Compiles selectors and peers to class bitsets, memoising repeated ones.
struct Compiler<'a> {
    model: &'a Model,
    classes: &'a [Class],
    /// Pod-network classes of each namespace.
    classes_by_namespace: Vec<Vec<usize>>,
    /// Classes matched by each interned ipBlock.
    ipblock_classes: Vec<FixedBitSet>,
    ipblocks: &'a Interner<'a, IpSet>,
    namespace_sets: HashMap<&'a Selector, FixedBitSet>,
    peer_sets: HashMap<(usize, Option<&'a Selector>, Option<&'a Selector>), FixedBitSet>,
}

impl<'a> Compiler<'a> {
    fn new(model: &'a Model, classes: &'a [Class], ipblocks: &'a Interner<'a, IpSet>) -> Self {
        let n = classes.len();
        let mut classes_by_namespace = vec![Vec::new(); model.namespaces.len()];
        for (c, class) in classes.iter().enumerate() {
            let e = class.representative;
            if model.on_pod_network(e)
                && let Some(list) = model
                    .endpoint_namespace
                    .get(e)
                    .and_then(|&ns| classes_by_namespace.get_mut(ns))
            {
                list.push(c);
            }
        }
        let mut ipblock_classes = vec![FixedBitSet::with_capacity(n); ipblocks.values.len()];
        for (c, class) in classes.iter().enumerate() {
            for &i in &class.ipblocks {
                if let Some(set) = ipblock_classes.get_mut(i) {
                    set.insert(c);
                }
            }
        }
        Self {
            model,
            classes,
            classes_by_namespace,
            ipblock_classes,
            ipblocks,
            namespace_sets: HashMap::new(),
            peer_sets: HashMap::new(),
        }
    }

    fn empty(&self) -> FixedBitSet {
        FixedBitSet::with_capacity(self.classes.len())
    }

    fn policy(&mut self, p: usize) -> CompiledPolicy {
        let model = self.model;
        let (Some(policy), Some(&namespace)) =
            (model.policies.get(p), model.policy_namespace.get(p))
        else {
            return CompiledPolicy {
                subjects: self.empty(),
                ingress: Vec::new(),
                egress: Vec::new(),
            };
        };
        let subjects = self.pods_in(namespace, Some(&policy.pod_selector));
        let mut rules = |direction: Direction| -> Vec<FixedBitSet> {
            policy
                .rules(direction)
                .unwrap_or_default()
                .iter()
                .map(|rule| match &rule.peers {
                    None => {
                        let mut all = self.empty();
                        all.insert_range(..);
                        all
                    }
                    Some(peers) => {
                        let mut set = self.empty();
                        for peer in peers {
                            set.union_with(&self.peer(namespace, peer));
                        }
                        set
                    }
                })
                .collect()
        };
        let ingress = rules(Direction::Ingress);
        let egress = rules(Direction::Egress);
        CompiledPolicy {
            subjects,
            ingress,
            egress,
        }
    }

    fn peer(&mut self, policy_namespace: usize, peer: &'a RulePeer) -> FixedBitSet {
        match peer {
            RulePeer::IpBlock(block) => self
                .ipblocks
                .get(block)
                .and_then(|i| self.ipblock_classes.get(i))
                .cloned()
                .unwrap_or_else(|| self.empty()),
            RulePeer::Pods { namespaces, pods } => {
                let scope = if namespaces.is_some() {
                    usize::MAX
                } else {
                    policy_namespace
                };
                let key = (scope, namespaces.as_ref(), pods.as_ref());
                if let Some(set) = self.peer_sets.get(&key) {
                    return set.clone();
                }
                let namespace_list: Vec<usize> = match namespaces {
                    None => vec![policy_namespace],
                    Some(selector) => self.namespaces_matching(selector).ones().collect(),
                };
                let mut set = self.empty();
                for ns in namespace_list {
                    set.union_with(&self.pods_in(ns, pods.as_ref()));
                }
                self.peer_sets.insert(key, set.clone());
                set
            }
        }
    }

    fn namespaces_matching(&mut self, selector: &'a Selector) -> FixedBitSet {
        let namespaces = &self.model.namespaces;
        self.namespace_sets
            .entry(selector)
            .or_insert_with(|| {
                let mut set = FixedBitSet::with_capacity(namespaces.len());
                for (i, ns) in namespaces.iter().enumerate() {
                    if selector.matches(&ns.labels) {
                        set.insert(i);
                    }
                }
                set
            })
            .clone()
    }

    /// Pod-network classes of `namespace` matching `selector` (`None` = all).
    fn pods_in(&self, namespace: usize, selector: Option<&Selector>) -> FixedBitSet {
        let mut set = self.empty();
        for &c in self
            .classes_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
        {
            let labels = self
                .classes
                .get(c)
                .and_then(|class| self.model.endpoints.get(class.representative))
                .map(|e| &e.labels);
            if labels.is_some_and(|l| selector.is_none_or(|s| s.matches(l))) {
                set.insert(c);
            }
        }
        set
    }
}

/// Which destinations a rule's ports admit for the current (port, protocol).
enum Reach {
    /// Every destination (a numeric or protocol-only entry, or no port list).
    All,
    /// Only destination classes resolving one of the rule's named entries to the port.
    Destinations(FixedBitSet),
}

/// Resolves rule port lists for one (port, protocol), memoising named-port lookups.
struct PortReach<'a> {
    model: &'a Model,
    classes: &'a [Class],
    port: u16,
    protocol: Protocol,
    named: HashMap<String, FixedBitSet>,
}

impl<'a> PortReach<'a> {
    fn new(model: &'a Model, classes: &'a [Class], port: u16, protocol: Protocol) -> Self {
        Self {
            model,
            classes,
            port,
            protocol,
            named: HashMap::new(),
        }
    }

    fn rule(&mut self, entries: Option<&[PortEntry]>) -> Reach {
        let Some(entries) = entries else {
            return Reach::All;
        };
        if entries
            .iter()
            .any(|e| e.matches_number(self.port, self.protocol))
        {
            return Reach::All;
        }
        let mut destinations = FixedBitSet::with_capacity(self.classes.len());
        for (name, protocol) in entries.iter().filter_map(PortEntry::as_named) {
            if protocol == self.protocol {
                destinations.union_with(self.resolving(name));
            }
        }
        Reach::Destinations(destinations)
    }

    /// Classes on which `name` (with the current protocol) resolves to the current port.
    fn resolving(&mut self, name: &str) -> &FixedBitSet {
        let (model, classes, port, protocol) = (self.model, self.classes, self.port, self.protocol);
        self.named.entry(name.to_string()).or_insert_with(|| {
            let mut set = FixedBitSet::with_capacity(classes.len());
            for (c, class) in classes.iter().enumerate() {
                let ports = model
                    .destination_ports(Party::Endpoint(class.representative))
                    .unwrap_or_default();
                if resolve_named(ports, name, protocol) == Some(port) {
                    set.insert(c);
                }
            }
            set
        })
    }
}
