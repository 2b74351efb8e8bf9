//! Kubernetes RBAC, decided in one place: the request matcher (`matcher`), roles and
//! bindings with aggregation and namespace scoping (`model`) and the catalogue of
//! risky permissions (`risk`). PodSecurityPolicy `use` checks and the RBAC risk rules
//! both build on it.

pub(crate) mod matcher;
pub(crate) mod model;
pub(crate) mod risk;

pub use matcher::{ResourceRequest, RuleFields, WILDCARD};
pub use model::{
    BindingView, GrantedRule, Rbac, RbacKind, SUPERUSER_GROUP, UserInfo, binds, describe_subject,
    service_account_of, service_account_user, subject_is,
};
pub use risk::{RISKS, Reach, Risk};
