//! Network exposure: Ingresses, and rules over the network model of the whole run
//! (NetworkPolicies, Namespaces, pods).

mod ingress;
mod isolation;
mod metadata;

use super::{Rule, RunRule};

/// The network rules about one object, in documentation order.
pub(super) static OBJECT_RULES: &[Rule] = &[ingress::INGRESS_TLS_MISSING];

/// The network rules over the whole run, in documentation order.
pub(super) static RULES: &[RunRule] = &[
    isolation::NAMESPACE_INGRESS_NOT_ISOLATED,
    metadata::CLOUD_METADATA_REACHABLE,
];
