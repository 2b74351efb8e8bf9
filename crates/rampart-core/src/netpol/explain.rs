//! Structured explanations of a verdict: which policies isolate each side, which rules
//! admit the connection, and which assumptions mattered.

use serde::Serialize;

use super::ports::Protocol;

/// The evaluation of one direction (egress of the source, or ingress of the destination).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DirectionVerdict {
    /// True when at least one policy selects the subject for this direction.
    pub isolated: bool,
    /// Policies (`namespace/name`) selecting the subject for this direction.
    pub selected_by: Vec<String>,
    /// Rules (`namespace/name#ingress[i]`, `#egress[i]`) admitting the connection.
    pub allowed_by: Vec<String>,
    /// The direction's outcome: not isolated, admitted by a rule, or (ingress only)
    /// exempt as node-local traffic.
    pub allowed: bool,
}

impl DirectionVerdict {
    /// A direction with no policy: allowed.
    pub fn open() -> Self {
        Self {
            allowed: true,
            ..Self::default()
        }
    }
}

/// The verdict for one connection, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Egress of the source allows it **and** ingress of the destination allows it.
    pub allowed: bool,
    /// The destination's ingress side.
    pub ingress: DirectionVerdict,
    /// The source's egress side.
    pub egress: DirectionVerdict,
    /// Assumptions and special cases that played a part.
    pub notes: Vec<Note>,
}

impl Verdict {
    /// The explanation in sentences, as `rampart netpol explain` prints them: the
    /// source's egress, the destination's ingress and, when denied, which side denies.
    pub fn sentences(&self, from: &str, to: &str) -> Vec<String> {
        let ingress = if self.notes.contains(&Note::NonPodDestination) {
            format!("{to} is not a pod: NetworkPolicy ingress rules do not apply to it.")
        } else {
            self.ingress.sentence("Ingress", to)
        };
        let mut sentences = vec![self.egress.sentence("Egress", from), ingress];
        if !self.allowed {
            let blocking: Vec<&str> = [("egress", &self.egress), ("ingress", &self.ingress)]
                .iter()
                .filter(|(_, d)| !d.allowed)
                .map(|(name, _)| *name)
                .collect();
            sentences.push(format!(
                "A connection needs both the source's egress and the destination's ingress to allow it; {} does not.",
                blocking.join(" and ")
            ));
        }
        sentences
    }
}

impl DirectionVerdict {
    /// One sentence on this direction of `subject` (`side` is `Egress` or `Ingress`).
    pub fn sentence(&self, side: &str, subject: &str) -> String {
        if !self.isolated {
            return format!(
                "{side} of {subject}: no NetworkPolicy selects it for {}, so it is not isolated: allowed.",
                side.to_lowercase()
            );
        }
        let selected = self.selected_by.join(", ");
        if self.allowed_by.is_empty() && self.allowed {
            format!(
                "{side} of {subject}: isolated by {selected}, but allowed as node-local traffic."
            )
        } else if self.allowed_by.is_empty() {
            format!(
                "{side} of {subject}: isolated by {selected}, and no rule of theirs allows this connection: denied."
            )
        } else {
            format!(
                "{side} of {subject}: isolated by {selected}; allowed by {}.",
                self.allowed_by.join(", ")
            )
        }
    }
}

/// A special case or implementation-defined assumption involved in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// Source and destination are the same pod. v1 does not specify this case and plugins
    /// differ; the plain policy verdict is reported.
    Hairpin,
    /// Ingress was allowed because the source is the node the destination runs on.
    NodeLocalIngress {
        /// The node.
        node: String,
    },
    /// An ipBlock rule matched a pod IP (option `ipblock_matches_pod_ips`).
    IpblockMatchedPodIp {
        /// The rule id.
        rule: String,
    },
    /// A host-network pod was treated as its node (option `hostnetwork_as_node`).
    HostNetworkAsNode {
        /// The endpoint (`namespace/name`).
        endpoint: String,
    },
    /// A named query port was resolved on the destination.
    NamedPortResolved {
        /// The port name.
        name: String,
        /// The number it resolved to.
        port: u16,
        /// Its protocol.
        protocol: Protocol,
    },
    /// The destination is a node or an address outside the cluster: only the source's
    /// egress applies, and address translation on the way is not modelled.
    NonPodDestination,
}
