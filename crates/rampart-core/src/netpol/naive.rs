//! The reference evaluator: the decision procedure of the spec (§1.10), pair by pair.
//!
//! It answers single queries with their explanation and is the oracle the fast engine
//! is tested against, so it favours directness over speed.

use super::explain::{DirectionVerdict, Note, Verdict};
use super::model::{Model, Party};
use super::policy::{Direction, Rule, RulePeer};
use super::ports::{Protocol, rule_ports_match};

/// How a rule's peers matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeerMatch {
    /// The rule has no peer list: everyone.
    Anyone,
    /// A pod/namespace selector matched.
    Selector,
    /// Only an ipBlock matched.
    IpBlock,
}

/// The verdict for `source` → `destination` on (`port`, `protocol`).
pub(crate) fn verdict(
    model: &Model,
    source: Party,
    destination: Party,
    port: u16,
    protocol: Protocol,
) -> Verdict {
    let mut notes = Vec::new();
    let traffic = Traffic {
        model,
        destination,
        port,
        protocol,
    };
    let egress = traffic.direction(Direction::Egress, source, destination, &mut notes);
    let mut ingress = traffic.direction(Direction::Ingress, destination, source, &mut notes);
    if !ingress.allowed && model.node_local(source, destination) {
        ingress.allowed = true;
        let node = model.speaking_node(source).unwrap_or_default().to_string();
        notes.push(Note::NodeLocalIngress { node });
    }
    if source == destination {
        notes.push(Note::Hairpin);
    }
    if !matches!(destination, Party::Endpoint(_)) {
        notes.push(Note::NonPodDestination);
    }
    for party in [source, destination] {
        if let Party::Endpoint(e) = party
            && model.acts_as_node(e)
        {
            notes.push(Note::HostNetworkAsNode {
                endpoint: model.endpoint_id(e),
            });
        }
    }
    Verdict {
        allowed: egress.allowed && ingress.allowed,
        ingress,
        egress,
        notes,
    }
}

/// The full pod × pod matrix, pair by pair (row = source).
#[cfg(test)]
pub(crate) fn matrix(model: &Model, port: u16, protocol: Protocol) -> Vec<Vec<bool>> {
    let n = model.endpoints.len();
    (0..n)
        .map(|s| {
            (0..n)
                .map(|d| {
                    verdict(
                        model,
                        Party::Endpoint(s),
                        Party::Endpoint(d),
                        port,
                        protocol,
                    )
                    .allowed
                })
                .collect()
        })
        .collect()
}

struct Traffic<'a> {
    model: &'a Model,
    destination: Party,
    port: u16,
    protocol: Protocol,
}

impl Traffic<'_> {
    /// Evaluates `direction` for `subject`, whose counterpart is `peer`.
    fn direction(
        &self,
        direction: Direction,
        subject: Party,
        peer: Party,
        notes: &mut Vec<Note>,
    ) -> DirectionVerdict {
        let model = self.model;
        let subject = match subject {
            Party::Endpoint(e) if model.on_pod_network(e) => e,
            _ => return DirectionVerdict::open(),
        };
        let Some(endpoint) = model.endpoints.get(subject) else {
            return DirectionVerdict::open();
        };
        let namespace = model.endpoint_namespace.get(subject).copied();
        let mut verdict = DirectionVerdict::default();
        let destination_ports = model.destination_ports(self.destination);
        for (p, policy) in model.policies.iter().enumerate() {
            let Some(rules) = policy.rules(direction) else {
                continue;
            };
            if model.policy_namespace.get(p).copied() != namespace
                || !policy.pod_selector.matches(&endpoint.labels)
            {
                continue;
            }
            verdict.selected_by.push(policy.id());
            for (i, rule) in rules.iter().enumerate() {
                if !rule_ports_match(
                    rule.ports.as_deref(),
                    self.port,
                    self.protocol,
                    destination_ports,
                ) {
                    continue;
                }
                let Some(how) = self.rule_peers_match(p, rule, peer) else {
                    continue;
                };
                let id = policy.rule_id(direction, i);
                if how == PeerMatch::IpBlock
                    && matches!(peer, Party::Endpoint(e) if model.on_pod_network(e))
                {
                    notes.push(Note::IpblockMatchedPodIp { rule: id.clone() });
                }
                verdict.allowed_by.push(id);
            }
        }
        verdict.isolated = !verdict.selected_by.is_empty();
        verdict.allowed = !verdict.isolated || !verdict.allowed_by.is_empty();
        verdict
    }

    fn rule_peers_match(&self, p: usize, rule: &Rule, party: Party) -> Option<PeerMatch> {
        let Some(peers) = &rule.peers else {
            return Some(PeerMatch::Anyone);
        };
        let policy_namespace = self.model.policy_namespace.get(p).copied();
        let matched: Vec<PeerMatch> = peers
            .iter()
            .filter_map(|peer| self.peer_matches(policy_namespace, peer, party))
            .collect();
        if matched.contains(&PeerMatch::Selector) {
            Some(PeerMatch::Selector)
        } else {
            matched.first().copied()
        }
    }

    fn peer_matches(
        &self,
        policy_namespace: Option<usize>,
        peer: &RulePeer,
        party: Party,
    ) -> Option<PeerMatch> {
        let model = self.model;
        let hit = match peer {
            RulePeer::Pods { namespaces, pods } => {
                let Party::Endpoint(e) = party else {
                    return None;
                };
                let endpoint = model.endpoints.get(e)?;
                let ns = model.endpoint_namespace.get(e).copied()?;
                let namespace_ok = match namespaces {
                    None => Some(ns) == policy_namespace,
                    Some(selector) => model
                        .namespaces
                        .get(ns)
                        .is_some_and(|n| selector.matches(&n.labels)),
                };
                model.on_pod_network(e)
                    && namespace_ok
                    && pods.as_ref().is_none_or(|s| s.matches(&endpoint.labels))
            }
            RulePeer::IpBlock(block) => match party {
                Party::Endpoint(e) => model
                    .ipblock_addresses(e)
                    .into_iter()
                    .any(|ip| block.contains(ip)),
                Party::Node { ip, .. } | Party::External(ip) => block.contains(ip),
            },
        };
        let kind = match peer {
            RulePeer::Pods { .. } => PeerMatch::Selector,
            RulePeer::IpBlock(_) => PeerMatch::IpBlock,
        };
        hit.then_some(kind)
    }
}
