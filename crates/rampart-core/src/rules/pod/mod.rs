//! Rules about pods and their containers, for every kind that holds a pod.

#[cfg(test)]
mod agreement;
mod capabilities;
mod enforce_raise;
mod filesystem;
mod identity;
mod images;
mod kernel;
mod lifecycle;
mod misplaced;
mod namespaces;
mod pod_security;
mod ports;
mod privilege;
mod profiles;
mod resources;

use super::{Rule, RunRule};

/// The pod rules, in documentation order.
pub(super) static RULES: &[Rule] = &[
    privilege::PRIVILEGED_CONTAINER,
    privilege::WINDOWS_HOST_PROCESS,
    privilege::PRIVILEGE_ESCALATION_ALLOWED,
    namespaces::HOST_NETWORK,
    namespaces::HOST_PID,
    namespaces::HOST_IPC,
    ports::HOST_PORT,
    ports::SSH_EXPOSED,
    filesystem::WRITABLE_ROOT_FILESYSTEM,
    filesystem::HOST_PATH_VOLUME,
    filesystem::SENSITIVE_HOST_PATH,
    identity::RUN_AS_ROOT,
    capabilities::CAPABILITIES_NOT_DROPPED,
    capabilities::DANGEROUS_CAPABILITIES,
    profiles::SECCOMP_UNCONFINED,
    profiles::SECCOMP_PROFILE_MISSING,
    profiles::APPARMOR_UNCONFINED,
    profiles::SELINUX_CUSTOM_OPTIONS,
    kernel::UNSAFE_SYSCTLS,
    kernel::UNMASKED_PROC_MOUNT,
    resources::MEMORY_LIMIT_MISSING,
    resources::CPU_LIMIT_MISSING,
    resources::RESOURCE_REQUESTS_MISSING,
    lifecycle::RESTART_POLICY_NEVER,
    lifecycle::DEFAULT_NAMESPACE,
    lifecycle::POD_WITHOUT_CONTROLLER,
    images::IMAGE_TAG_MUTABLE,
    images::IMAGE_DIGEST_MISSING,
    misplaced::IGNORED_FIELD,
    pod_security::POD_SECURITY,
];

/// The pod rules over the whole run: what a namespace's running pods mean for it.
pub(super) static RUN_RULES: &[RunRule] = &[enforce_raise::PSS_ENFORCE_RAISE_BLOCKED];

/// Rules about fields the Kubernetes schema does not have (settings written at the wrong
/// level). Objects the API server has decoded, such as those an admission webhook receives,
/// never carry such fields, so these rules have nothing to see there.
pub const OUTSIDE_SCHEMA: &[&str] = &[misplaced::IGNORED_FIELD.meta.id];

/// Rules about what the API server reports of a running object (its `status`), which an
/// admission webhook never judges: they have nothing to see in a review.
pub const STATUS_ONLY: &[&str] = &[lifecycle::POD_WITHOUT_CONTROLLER.meta.id];

/// `container "name"`, the way upstream messages name a container.
fn quoted(container: &crate::object::ContainerView<'_>) -> String {
    format!("container {:?}", container.name())
}
