//! `runAsNonRoot` (restricted, v1.0 and v1.35): containers must be required to run as a
//! non-root user.

use super::{Forbidden, Outcome, unless_user_namespace};
use crate::field_path::FieldPath;
use crate::object::{Inherited, Scope};
use crate::pss::message::{Setters, containers_phrase};
use crate::pss::pod::{PodView, pod_security_context_field};

/// v1.0: `runAsNonRoot` must be `true`, set on each container or inherited from the pod,
/// and never explicitly `false`.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let pod_value = pod.security_context().and_then(|sc| sc.run_as_non_root);
    let pod_is_bad = pod_value == Some(false);
    let mut explicit_paths: Vec<FieldPath> = Vec::new();
    if pod_is_bad {
        explicit_paths.push(pod_security_context_field("runAsNonRoot"));
    }
    let mut explicitly_bad = Vec::new();
    let mut implicitly_bad = Vec::new();
    let mut implicit_paths = Vec::new();
    for container in pod.containers() {
        match pod.contexts(&container).run_as_non_root() {
            Some(Inherited { value: true, .. }) => {}
            Some(Inherited {
                value: false,
                scope: Scope::Container,
            }) => {
                explicitly_bad.push(container.name);
                explicit_paths.push(container.security_path("runAsNonRoot"));
            }
            // Unset, or `false` inherited from the pod (reported once, above).
            _ => {
                implicitly_bad.push(container.name);
                implicit_paths.push(container.security_path("runAsNonRoot"));
            }
        }
    }
    let setters = Setters::pod(pod_is_bad).containers(&explicitly_bad);
    if !setters.is_empty() {
        let detail = format!(
            "{} must not set securityContext.runAsNonRoot=false",
            setters.joined()
        );
        explicit_paths.extend(implicit_paths);
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            detail,
            explicit_paths,
        ));
    }
    if implicitly_bad.is_empty() {
        return None;
    }
    let detail = format!(
        "pod or {} must set securityContext.runAsNonRoot=true",
        containers_phrase(&implicitly_bad)
    );
    Some(Forbidden::new(
        "runAsNonRoot != true",
        detail,
        implicit_paths,
    ))
}

/// v1.35: as v1.0, but pods in a user namespace (`hostUsers: false`) pass.
pub(crate) fn v1_35(pod: &PodView<'_>) -> Outcome {
    unless_user_namespace(pod, v1_0)
}
