//! RBAC risk: dangerous permissions in roles (object rules) and who holds them through
//! which bindings (run rules).

mod accounts;
mod bindings;
mod grants;
mod roles;

pub(crate) use grants::RunRbac;

use super::{Rule, RunRule};

/// The role-level rules, in documentation order.
pub(super) fn rules() -> impl Iterator<Item = Rule> {
    roles::rules()
}

/// The binding, workload and service-account rules, in documentation order.
pub(super) static RUN_RULES: &[RunRule] = &[
    bindings::RBAC_CLUSTER_ADMIN_BINDING,
    bindings::RBAC_ANONYMOUS_ACCESS,
    bindings::RBAC_DEFAULT_SERVICE_ACCOUNT_POWER,
    bindings::RBAC_BROAD_GROUP_POWER,
    bindings::WORKLOAD_POWERFUL_TOKEN,
    accounts::SERVICE_ACCOUNT_TOKEN_AUTOMOUNT,
];
