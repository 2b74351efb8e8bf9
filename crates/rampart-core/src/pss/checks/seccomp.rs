//! `seccompProfile_baseline` (baseline; v1.0 annotations, v1.19 fields) and
//! `seccompProfile_restricted` (restricted; v1.19 and v1.25): seccomp must not be
//! disabled, and restricted pods must set a profile.

use k8s_openapi::api::core::v1::SeccompProfile;

use super::{Forbidden, Outcome, unless_windows};
use crate::field_path::FieldPath;
use crate::pss::message::{Setters, SortedSet, containers_phrase, go_quote, pluralize, quote_list};
use crate::pss::pod::{ContainerView, PodView, annotation_path, pod_security_context_field};

/// The pre-1.19 pod-level alpha annotation.
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";

/// The pre-1.19 per-container alpha annotation prefix (followed by the container name).
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn allowed_annotation_value(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

fn allowed_type(profile: &SeccompProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

fn pod_profile<'a>(pod: &PodView<'a>) -> Option<&'a SeccompProfile> {
    pod.security_context()?.seccomp_profile.as_ref()
}

fn container_profile<'a>(container: &ContainerView<'a>) -> Option<&'a SeccompProfile> {
    container.security_context?.seccomp_profile.as_ref()
}

fn pod_type_path() -> FieldPath {
    pod_security_context_field("seccompProfile").child("type")
}

fn container_type_path(container: &ContainerView<'_>) -> FieldPath {
    container.security_path("seccompProfile").child("type")
}

/// Baseline v1.0: the alpha annotations of the pod and of existing containers must not
/// disable seccomp (fields are ignored).
pub(crate) fn baseline_v1_0(pod: &PodView<'_>) -> Outcome {
    let container_keys = pod
        .containers()
        .map(|c| format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name));
    let mut bad = SortedSet::new();
    let mut paths = Vec::new();
    for key in std::iter::once(POD_ANNOTATION.to_owned()).chain(container_keys) {
        if let Some(value) = pod
            .annotation(&key)
            .filter(|v| !allowed_annotation_value(v))
        {
            bad.insert(format!("{key}={}", go_quote(value)));
            paths.push(annotation_path(&key));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let detail = format!(
        "forbidden {} {}",
        pluralize(bad.len(), "annotation", "annotations"),
        bad.into_iter().collect::<Vec<_>>().join(", ")
    );
    Some(Forbidden::new("seccompProfile", detail, paths))
}

/// Profiles set with a forbidden type, at pod level and per container.
struct ExplicitlyBad<'a> {
    pod: bool,
    containers: Vec<&'a str>,
    types: SortedSet,
    paths: Vec<FieldPath>,
}

impl ExplicitlyBad<'_> {
    fn into_forbidden(self) -> Outcome {
        let setters = Setters::pod(self.pod).containers(&self.containers);
        if setters.is_empty() {
            return None;
        }
        let detail = format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.joined(),
            quote_list(&self.types)
        );
        Some(Forbidden::new("seccompProfile", detail, self.paths))
    }
}

/// Collects every set profile with a forbidden type; calls `unset` for each container
/// without a profile of its own.
fn explicitly_bad<'a>(
    pod: &PodView<'a>,
    mut unset: impl FnMut(&ContainerView<'a>),
) -> ExplicitlyBad<'a> {
    let mut bad = ExplicitlyBad {
        pod: false,
        containers: Vec::new(),
        types: SortedSet::new(),
        paths: Vec::new(),
    };
    if let Some(profile) = pod_profile(pod).filter(|p| !allowed_type(p)) {
        bad.pod = true;
        bad.types.insert(profile.type_.clone());
        bad.paths.push(pod_type_path());
    }
    for container in pod.containers() {
        match container_profile(&container) {
            Some(profile) if !allowed_type(profile) => {
                bad.containers.push(container.name);
                bad.types.insert(profile.type_.clone());
                bad.paths.push(container_type_path(&container));
            }
            Some(_) => {}
            None => unset(&container),
        }
    }
    bad
}

/// Baseline v1.19: set profiles (pod or container) must be `RuntimeDefault` or
/// `Localhost` (annotations are ignored).
pub(crate) fn baseline_v1_19(pod: &PodView<'_>) -> Outcome {
    explicitly_bad(pod, |_| {}).into_forbidden()
}

/// Restricted v1.19: as baseline, and every container must be covered by its own or the
/// pod's profile.
pub(crate) fn restricted_v1_19(pod: &PodView<'_>) -> Outcome {
    let mut uncovered = Vec::new();
    let bad = explicitly_bad(pod, |container| {
        // The container sets no profile: the pod's, if any, is the one in force.
        let in_force = pod.contexts(container).seccomp_profile();
        if !in_force.is_some_and(|profile| allowed_type(profile.value)) {
            uncovered.push((container.name, container_type_path(container)));
        }
    });
    if bad.pod || !bad.containers.is_empty() {
        return bad.into_forbidden();
    }
    if uncovered.is_empty() {
        return None;
    }
    let (names, paths): (Vec<&str>, Vec<FieldPath>) = uncovered.into_iter().unzip();
    let detail = format!(
        "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
        containers_phrase(&names)
    );
    Some(Forbidden::new("seccompProfile", detail, paths))
}

/// Restricted v1.25: as v1.19, but Windows pods pass.
pub(crate) fn restricted_v1_25(pod: &PodView<'_>) -> Outcome {
    unless_windows(pod, restricted_v1_19)
}
