//! Kubernetes API groups and kinds the engines compare objects with, named once.

/// `rbac.authorization.k8s.io`.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
