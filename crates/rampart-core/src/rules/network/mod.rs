//! Rules over the network model of the whole run (NetworkPolicies, Namespaces, pods).

mod metadata;

use super::RunRule;

/// The network rules, in documentation order.
pub(super) static RULES: &[RunRule] = &[metadata::CLOUD_METADATA_REACHABLE];
