//! Pod Security Standards engine: evaluates a pod (or pod template) against a
//! `level:version` policy exactly as upstream Pod Security Admission does, with
//! byte-identical messages, and reports the offending fields.
//!
//! ```text
//! let policy: LevelVersion = "restricted:latest".parse()?;
//! apply_defaults(&mut spec);
//! let evaluation = evaluate(&policy, &meta, &spec);
//! let denial: Option<String> = evaluation.forbidden_message(); // None when allowed
//! ```

mod checks;
mod defaults;
mod existing;
mod level;
mod message;
mod namespace;
mod pod;
mod registry;

#[cfg(test)]
mod tests;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::field_path::FieldPath;

pub use defaults::apply_defaults;
pub use existing::{DryRun, MAX_PODS_TO_CHECK, existing_pod_warnings};
pub use level::{
    Level, LevelVersion, ParseLevelError, ParseLevelVersionError, ParseVersionError, Version,
};
pub use namespace::{LABEL_PREFIX, NamespacePolicy};

/// What the checks allow at the latest version, for comparing other policies with the
/// levels (PodSecurityPolicy migration).
pub(crate) mod allowed {
    pub(crate) use super::checks::capabilities::{BASELINE_ALLOWED_ADD, RESTRICTED_ALLOWED_ADD};
    pub(crate) use super::checks::se_linux::{TYPES_ADDED_V1_31, TYPES_V1_0};
    pub(crate) use super::checks::sysctls::allowed_at_latest as sysctls;
    pub(crate) use super::checks::volumes::RESTRICTED_SOURCES as RESTRICTED_VOLUMES;
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Upstream check ID, e.g. `hostNamespaces` or `seccompProfile_restricted`.
    pub check: &'static str,
    /// Upstream's short reason, e.g. `host namespaces`.
    pub reason: String,
    /// Upstream's detail, e.g. `hostNetwork=true` (may be empty).
    pub detail: String,
    /// The offending fields, relative to the pod (template) root: `spec.…` or
    /// `metadata.annotations[…]`. A required but absent field is given where it belongs.
    pub paths: Vec<FieldPath>,
}

/// The result of evaluating one pod against one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    policy: LevelVersion,
    violations: Vec<Violation>,
}

impl Evaluation {
    /// The policy evaluated, as requested (e.g. `baseline:v1.99`, not clamped).
    #[must_use]
    pub fn policy(&self) -> LevelVersion {
        self.policy
    }

    /// True when no check failed.
    #[must_use]
    pub fn allowed(&self) -> bool {
        self.violations.is_empty()
    }

    /// The failed checks, in upstream's message order.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Upstream's short form: the reasons joined with `", "` (namespace dry-run warnings).
    #[must_use]
    pub fn short_reasons(&self) -> String {
        message::short_form(&self.violations)
    }

    /// Upstream's detailed form: `reason (detail)` items joined with `", "`.
    #[must_use]
    pub fn detailed_reasons(&self) -> String {
        message::detailed_form(&self.violations)
    }

    /// The enforce denial text `violates PodSecurity "<level>:<version>": <detailed>`, or
    /// `None` when allowed.
    #[must_use]
    pub fn forbidden_message(&self) -> Option<String> {
        (!self.allowed()).then(|| message::forbidden_message(&self.policy, &self.violations))
    }

    /// The warning text `would violate PodSecurity "<level>:<version>": <detailed>`, or
    /// `None` when allowed.
    #[must_use]
    pub fn warning_message(&self) -> Option<String> {
        (!self.allowed()).then(|| message::warning_message(&self.policy, &self.violations))
    }
}

/// Evaluates a pod's or workload template's `meta` and `spec` against `policy`.
///
/// Versions newer than [`Version::MAX`] (and `latest`) are evaluated as [`Version::MAX`].
/// Call [`apply_defaults`] first on raw manifests to see what the API server would admit.
#[must_use]
pub fn evaluate(policy: &LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
    let pod = pod::PodView { meta, spec };
    let minor = policy.version.effective_minor();
    let violations = registry::checks_for(policy.level, minor)
        .filter_map(|(id, run)| {
            run(&pod).map(|forbidden| Violation {
                check: id,
                reason: forbidden.reason,
                detail: forbidden.detail,
                paths: forbidden.paths,
            })
        })
        .collect();
    Evaluation {
        policy: *policy,
        violations,
    }
}

/// The evaluation of an object's pod, after the API server's defaulting.
#[derive(Debug, Clone)]
pub struct PodEvaluation {
    /// The verdict and violations.
    pub evaluation: Evaluation,
    /// What the replayed API defaulting changed (see [`apply_defaults`]).
    pub defaults_applied: Vec<String>,
    /// Path of the pod (template) root in the object: violation paths are relative to it.
    pub template_root: FieldPath,
}

impl PodEvaluation {
    /// Paths of a violation from the object's root.
    pub fn object_paths<'a>(
        &'a self,
        violation: &'a Violation,
    ) -> impl Iterator<Item = FieldPath> + 'a {
        violation.paths.iter().map(|p| self.template_root.join(p))
    }
}

/// Evaluates the pod of a Pod or workload (see [`crate::object::PodView`]) against
/// `policy`, replaying the API server's defaulting first.
pub fn evaluate_pod(pod: &crate::object::PodView, policy: &LevelVersion) -> PodEvaluation {
    let mut spec = pod.spec.clone();
    let defaults_applied = apply_defaults(&mut spec);
    PodEvaluation {
        evaluation: evaluate(policy, &pod.meta, &spec),
        defaults_applied,
        template_root: pod.location.spec.parent().unwrap_or_default(),
    }
}
