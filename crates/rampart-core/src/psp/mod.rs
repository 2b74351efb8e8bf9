//! Exact PodSecurityPolicy (policy/v1beta1) admission, as the Kubernetes v1.24 plugin did it.
//!
//! * [`admit`] runs the plugin on one pod request against a set of policies: policy
//!   selection (non-mutating first, then by name), defaulting on CREATE, validation on
//!   CREATE and UPDATE, the `kubernetes.io/psp` annotation, upstream's rejection texts and a
//!   JSONPatch of the changes. The admitted pod is always the submitted pod with that
//!   patch applied, and the patch holds exactly what the plugin changes.
//! * [`validate_policy`] checks a policy object like the API server would.
//! * [`Provider`] defaults and validates a pod against a single policy.
//!
//! Locations are [`FieldPath`](crate::field_path::FieldPath)s; errors render exactly like
//! Kubernetes' `field.Error` (see [`FieldError`]).
//!
//! Deliberate differences from the in-process v1.24 plugin (see `spec/psp.md` §10):
//! * policies are validated like the API server would before use; invalid ones and ones
//!   whose strategies cannot be built are skipped and reported in
//!   [`AdmissionOutcome::skipped_policies`];
//! * CREATE runs the mutating phase and then the validating phase on its result;
//! * AppArmor reads a container's effective `appArmorProfile` field when the annotation is
//!   absent;
//! * errors of several policies are listed in evaluation order (upstream: map order);
//! * a volume with no source known to PSP (e.g. `image`) is reported as
//!   `unknown volume type for volume: <name>` (upstream printed the Go struct).

pub(crate) mod admission;
pub(crate) mod authorizer;
pub(crate) mod field_error;
pub mod patch;
mod pod_view;
pub(crate) mod provider;
pub(crate) mod strategies;
pub(crate) mod types;
pub(crate) mod validation;

#[cfg(test)]
pub(crate) mod tests;

pub use admission::{
    AdmissionAttributes, AdmissionOutcome, Operation, PSP_ANNOTATION, PolicyFieldError,
    SkippedPolicy, admit, as_seen_by_the_plugin,
};
pub use authorizer::{AllowAll, Authorizer, Rbac, UseRequest, UserInfo};
pub use field_error::{BadValue, ErrorType, FieldError};
pub use provider::Provider;
pub use strategies::StrategyError;
pub use types::PodSecurityPolicy;
pub use validation::validate_policy;
