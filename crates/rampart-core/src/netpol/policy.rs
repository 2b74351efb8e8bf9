//! The validated, defaulted form of a NetworkPolicy that both evaluators read.

use std::fmt;

use serde::Serialize;

use super::cidr::IpSet;
use super::ports::PortEntry;
use super::selector::Selector;

/// A policy direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Traffic into the selected pods.
    Ingress,
    /// Traffic out of the selected pods.
    Egress,
}

impl Direction {
    /// Both directions.
    pub const BOTH: [Direction; 2] = [Direction::Ingress, Direction::Egress];

    /// The field name used in rule ids (`ingress`, `egress`).
    pub fn field(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// One peer of a rule (`from[i]` / `to[i]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RulePeer {
    /// Pod and/or namespace selectors. `None` = not constrained on that axis; a `None`
    /// namespace selector means "the policy's own namespace".
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
    /// `ipBlock`: `cidr` minus every `except`.
    IpBlock(IpSet),
}

/// One rule: peers AND ports. `None` stands for an absent or empty list: everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub peers: Option<Vec<RulePeer>>,
    pub ports: Option<Vec<PortEntry>>,
}

/// A valid policy after defaulting. A direction is `None` when it is not in the
/// (defaulted) `policyTypes`; `Some(vec![])` isolates without allowing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    pub namespace: String,
    pub name: String,
    pub pod_selector: Selector,
    pub ingress: Option<Vec<Rule>>,
    pub egress: Option<Vec<Rule>>,
}

impl Policy {
    /// The rules for `direction`, or `None` when the policy does not apply to it.
    pub fn rules(&self, direction: Direction) -> Option<&[Rule]> {
        match direction {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// `namespace/name#ingress[i]` or `namespace/name#egress[i]`.
    pub fn rule_id(&self, direction: Direction, index: usize) -> String {
        format!("{}/{}#{}[{}]", self.namespace, self.name, direction, index)
    }
}
