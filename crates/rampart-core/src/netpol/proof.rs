//! The proof of generated policies, by the engine: with the input's policies plus the
//! generated ones, every observed flow touching a selected workload is allowed, and no
//! other connection between pods of the selected workloads is, on any port of TCP, UDP
//! or SCTP.
//!
//! Every port cannot be tried one by one, and need not be: a verdict depends on the
//! port only through the numeric port entries of the rules (ranges included) and through
//! the container ports named by pods. Those split each protocol's 65,535 ports into
//! intervals on which every verdict is the same; the engine evaluates one port of each
//! kind of interval, and every observed or named port on its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use fixedbitset::FixedBitSet;
use serde::Serialize;

use super::engine::Engine;
use super::judge::{DeniedFlow, Judge, UsedPorts};
use super::model::{Model, Party};
use super::observed::{Observed, Side};
use super::policy::Direction;
use super::ports::{PortEntry, Protocol};
use super::validate::{PolicyError, Severity};

/// How many unexpected paths the proof lists (the count is always complete).
const LISTED: usize = 200;

/// An inclusive range of ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PortRange {
    /// The first port.
    pub first: u16,
    /// The last port.
    pub last: u16,
}

/// A connection between selected workloads that is allowed but was never observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnexpectedPath {
    /// The source workload (`namespace/name`).
    pub source: String,
    /// The destination workload.
    pub destination: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The ports on which it is allowed.
    pub ports: Vec<PortRange>,
    /// Why, for the first of those ports (the `explain` sentences).
    pub explanation: Vec<String>,
}

/// An observed flow touching a selected workload that no generated rule can cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCovered {
    /// The source.
    pub source: String,
    /// The destination.
    pub destination: String,
    /// The port.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// Why.
    pub reason: String,
}

/// The result of checking generated policies with the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// Every observed flow is allowed, nothing else between the selected workloads is,
    /// and the generated policies are valid.
    pub holds: bool,
    /// Validation errors and warnings of the generated policies.
    pub policy_errors: Vec<PolicyError>,
    /// Distinct observed flows touching a selected workload.
    pub observed: usize,
    /// Of those, allowed.
    pub observed_allowed: usize,
    /// Of those, denied, with the explanation.
    pub observed_denied: Vec<DeniedFlow>,
    /// Of those, not covered.
    pub not_covered: Vec<NotCovered>,
    /// Observed flows the logs say were all dropped: left out of the policies and of
    /// this check.
    pub dropped: usize,
    /// The selected workloads.
    pub workloads: usize,
    /// The port intervals evaluated (every port of TCP, UDP and SCTP belongs to one).
    pub port_classes: usize,
    /// How many (source, destination, protocol) paths between selected workloads are
    /// allowed beyond what was observed.
    pub unexpected_count: usize,
    /// The first of them.
    pub unexpected: Vec<UnexpectedPath>,
}

impl Proof {
    /// The result in a few lines: one per claim, `ok` or `FAILED`.
    pub fn summary(&self) -> Vec<String> {
        let mark = |ok: bool| if ok { "ok" } else { "FAILED" };
        let errors = self
            .policy_errors
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .count();
        let denied = self.observed - self.observed_allowed;
        vec![
            format!(
                "{}: the generated policies are valid NetworkPolicies ({errors} errors)",
                mark(errors == 0)
            ),
            format!(
                "{}: every observed flow touching the {} selected workloads is allowed ({} of {}{}{})",
                mark(denied == 0 && self.not_covered.is_empty()),
                self.workloads,
                self.observed_allowed,
                self.observed,
                if self.not_covered.is_empty() {
                    String::new()
                } else {
                    format!("; {} not covered", self.not_covered.len())
                },
                if self.dropped == 0 {
                    String::new()
                } else {
                    format!(
                        "; {} flows the logs say were dropped left out",
                        self.dropped
                    )
                }
            ),
            format!(
                "{}: every other connection between their pods is denied, on every port of TCP, UDP and SCTP ({} port intervals evaluated; {} paths allowed beyond the flows)",
                mark(self.unexpected_count == 0),
                self.port_classes,
                self.unexpected_count
            ),
        ]
    }
}

/// Checks the policies of `model` (the input's plus the generated ones).
pub(crate) fn prove(
    model: &Model,
    engine: &Engine,
    observed: &Observed,
    selection: &BTreeSet<usize>,
    policy_errors: Vec<PolicyError>,
) -> Proof {
    let mut judge = Judge::new(model, engine);
    let selected_endpoint = |e: usize, judge: &Judge<'_>| {
        judge
            .workloads
            .index_of(e)
            .is_some_and(|w| selection.contains(&w))
    };
    let mut used = UsedPorts::default();
    let mut observed_count = 0;
    let mut observed_allowed = 0;
    let mut observed_denied = Vec::new();
    let mut not_covered = Vec::new();
    let mut dropped = 0;
    for (key, counts) in &observed.flows {
        if counts.all_dropped() {
            dropped += 1;
            continue;
        }
        let source_selected =
            matches!(key.source, Side::Endpoint(e) if selected_endpoint(e as usize, &judge));
        let (source, targets) = match judge.expand(key, &observed.missing) {
            Ok(parties) => parties,
            Err(reason) => {
                let destination_selected = matches!(key.destination, Side::Endpoint(e) if selected_endpoint(e as usize, &judge));
                if source_selected || destination_selected {
                    observed_count += 1;
                    not_covered.push(NotCovered {
                        source: judge.side_ref(key.source, &observed.missing).name,
                        destination: judge.side_ref(key.destination, &observed.missing).name,
                        port: key.port,
                        protocol: key.protocol,
                        reason,
                    });
                }
                continue;
            }
        };
        let touches = source_selected
            || targets
                .iter()
                .any(|t| matches!(t.party, Party::Endpoint(e) if selected_endpoint(e, &judge)));
        if !touches {
            continue;
        }
        observed_count += 1;
        let from = judge.party_name(source);
        let mut allowed = true;
        for target in targets {
            if let (Party::Endpoint(s), Party::Endpoint(d)) = (source, target.party) {
                used.add(&judge.workloads, s, d, target.port, key.protocol);
            }
            let verdict = judge.verdict(source, target.party, target.port, key.protocol);
            if !verdict.allowed {
                allowed = false;
                let to = judge.party_name(target.party);
                observed_denied.push(DeniedFlow {
                    explanation: verdict.sentences(&from, &to),
                    from: from.clone(),
                    to,
                    port: target.port,
                    protocol: key.protocol,
                    counts: *counts,
                });
            }
        }
        if allowed {
            observed_allowed += 1;
        }
    }
    let (port_classes, unexpected_count, unexpected) = others(&mut judge, &used, selection);
    let holds = !policy_errors.iter().any(|e| e.severity == Severity::Error)
        && observed_denied.is_empty()
        && not_covered.is_empty()
        && unexpected_count == 0;
    Proof {
        holds,
        policy_errors,
        observed: observed_count,
        observed_allowed,
        observed_denied,
        not_covered,
        dropped,
        workloads: selection.len(),
        port_classes,
        unexpected_count,
        unexpected,
    }
}

/// The ports at which some verdict may change, per protocol: interval starts.
fn boundaries(model: &Model, used: &UsedPorts) -> BTreeMap<Protocol, BTreeSet<u16>> {
    let mut points: BTreeMap<Protocol, BTreeSet<u16>> = Protocol::ALL
        .into_iter()
        .map(|p| (p, BTreeSet::from([1])))
        .collect();
    let mut single = |protocol: Protocol, first: u16, last: u16| {
        let set = points.entry(protocol).or_default();
        set.insert(first.max(1));
        if let Some(next) = last.checked_add(1) {
            set.insert(next);
        }
    };
    for policy in &model.policies {
        for direction in Direction::BOTH {
            let entries = policy
                .rules(direction)
                .unwrap_or_default()
                .iter()
                .flat_map(|r| r.ports.iter().flatten());
            for entry in entries {
                if let PortEntry::Range {
                    protocol,
                    first,
                    last,
                } = entry
                {
                    single(*protocol, *first, *last);
                }
            }
        }
    }
    for endpoint in &model.endpoints {
        for port in &endpoint.ports {
            single(port.protocol, port.port, port.port);
        }
    }
    for ports in used.by_destination.values() {
        for &(port, protocol) in ports.keys() {
            single(protocol, port, port);
        }
    }
    points
}

/// An unexpected path being gathered: its port ranges, and the classes first seen.
type Found = (Vec<PortRange>, (usize, usize));

/// Sorts ranges and joins the adjacent ones.
fn coalesce(mut ranges: Vec<PortRange>) -> Vec<PortRange> {
    ranges.sort();
    let mut out: Vec<PortRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last)
                if last
                    .last
                    .checked_add(1)
                    .is_some_and(|next| next >= range.first) =>
            {
                last.last = last.last.max(range.last);
            }
            _ => out.push(range),
        }
    }
    out
}

/// What decides a verdict at `port`: the numeric entries matching it, or, for a port a
/// pod names or a flow used, the port itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Signature {
    Entries(Protocol, Vec<(usize, usize, usize, usize)>),
    Port(Protocol, u16),
}

fn signature(
    model: &Model,
    special: &BTreeSet<(Protocol, u16)>,
    protocol: Protocol,
    port: u16,
) -> Signature {
    if special.contains(&(protocol, port)) {
        return Signature::Port(protocol, port);
    }
    let mut entries = Vec::new();
    for (p, policy) in model.policies.iter().enumerate() {
        for (d, direction) in Direction::BOTH.into_iter().enumerate() {
            for (r, rule) in policy
                .rules(direction)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                for (i, entry) in rule.ports.iter().flatten().enumerate() {
                    if entry.matches_number(port, protocol) {
                        entries.push((p, d, r, i));
                    }
                }
            }
        }
    }
    Signature::Entries(protocol, entries)
}

/// Checks every connection between selected workloads: returns the number of port
/// intervals, and the unexpected paths (count and the first ones).
fn others(
    judge: &mut Judge<'_>,
    used: &UsedPorts,
    selection: &BTreeSet<usize>,
) -> (usize, usize, Vec<UnexpectedPath>) {
    let model = judge.model;
    let engine = judge.engine;
    let classes = engine.class_count();
    let mut selected_classes = FixedBitSet::with_capacity(classes);
    let mut class_workload: Vec<Option<usize>> = vec![None; classes];
    let mut class_members: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for e in 0..model.endpoints.len() {
        let (Some(c), Some(w)) = (engine.class_of(e), judge.workloads.index_of(e)) else {
            continue;
        };
        if selection.contains(&w) && model.on_pod_network(e) {
            selected_classes.insert(c);
            if let Some(slot) = class_workload.get_mut(c) {
                *slot = Some(w);
            }
            if let Some(members) = class_members.get_mut(c) {
                members.push(e);
            }
        }
    }
    let special: BTreeSet<(Protocol, u16)> = model
        .endpoints
        .iter()
        .flat_map(|e| e.ports.iter().map(|p| (p.protocol, p.port)))
        .chain(
            used.by_destination
                .values()
                .flat_map(|ports| ports.keys().map(|&(port, protocol)| (protocol, port))),
        )
        .collect();
    let mut groups: HashMap<Signature, Vec<PortRange>> = HashMap::new();
    let mut intervals = 0;
    for (protocol, points) in boundaries(model, used) {
        let starts: Vec<u16> = points.into_iter().collect();
        for (i, &first) in starts.iter().enumerate() {
            let last = starts.get(i + 1).map_or(u16::MAX, |next| next - 1);
            intervals += 1;
            groups
                .entry(signature(model, &special, protocol, first))
                .or_default()
                .push(PortRange { first, last });
        }
    }
    let mut found: BTreeMap<(usize, usize, Protocol), Found> = BTreeMap::new();
    let mut ordered: Vec<(Signature, Vec<PortRange>)> = groups.into_iter().collect();
    ordered.sort_by_key(|(_, ranges)| ranges.first().copied());
    for (signature, ranges) in ordered {
        let (protocol, port) = match (&signature, ranges.first()) {
            (Signature::Entries(protocol, _), Some(range)) => (*protocol, range.first),
            (Signature::Port(protocol, port), _) => (*protocol, *port),
            _ => continue,
        };
        let matrix = engine.allowed(model, port, protocol);
        for s in selected_classes.ones() {
            let Some(row) = matrix.rows.get(s) else {
                continue;
            };
            let mut row = row.clone();
            row.intersect_with(&selected_classes);
            for d in row.ones() {
                let members_s = class_members.get(s).map_or(0, Vec::len);
                if s == d && members_s < 2 {
                    continue; // a pod and itself
                }
                let (Some(Some(sw)), Some(Some(dw))) =
                    (class_workload.get(s), class_workload.get(d))
                else {
                    continue;
                };
                let seen = matches!(signature, Signature::Port(..))
                    && used
                        .by_destination
                        .get(dw)
                        .and_then(|ports| ports.get(&(port, protocol)))
                        .is_some_and(|sources| sources.contains(sw));
                if seen {
                    continue;
                }
                let entry = found
                    .entry((*sw, *dw, protocol))
                    .or_insert_with(|| (Vec::new(), (s, d)));
                entry.0.extend(ranges.iter().copied());
            }
        }
    }
    let count = found.len();
    let unexpected = found
        .into_iter()
        .take(LISTED)
        .map(|((sw, dw, protocol), (ports, (s, d)))| {
            let ports = coalesce(ports);
            let pick = |c: usize, other: Option<usize>| {
                class_members
                    .get(c)
                    .and_then(|m| m.iter().copied().find(|&e| Some(e) != other))
            };
            let source = pick(s, None);
            let destination = pick(d, source).or_else(|| pick(d, None));
            let explanation = match (source, destination, ports.first()) {
                (Some(a), Some(b), Some(range)) => {
                    let verdict = judge.verdict(
                        Party::Endpoint(a),
                        Party::Endpoint(b),
                        range.first,
                        protocol,
                    );
                    verdict.sentences(&model.endpoint_id(a), &model.endpoint_id(b))
                }
                _ => Vec::new(),
            };
            let name = |w: usize| {
                judge
                    .workloads
                    .list
                    .get(w)
                    .map(|w| w.id())
                    .unwrap_or_default()
            };
            UnexpectedPath {
                source: name(sw),
                destination: name(dw),
                protocol,
                ports,
                explanation,
            }
        })
        .collect();
    (intervals, count, unexpected)
}
