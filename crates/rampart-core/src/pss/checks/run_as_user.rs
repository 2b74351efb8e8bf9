//! `runAsUser` (restricted, v1.23 and v1.35): nothing may ask to run as UID 0.

use super::{Forbidden, Outcome, unless_user_namespace};
use crate::pss::message::Setters;
use crate::pss::pod::{PodView, pod_security_context_field};

/// v1.23: `runAsUser` must not be `0` (pod or container).
pub(crate) fn v1_23(pod: &PodView<'_>) -> Outcome {
    let mut paths = Vec::new();
    let pod_is_bad = pod.security_context().and_then(|sc| sc.run_as_user) == Some(0);
    if pod_is_bad {
        paths.push(pod_security_context_field("runAsUser"));
    }
    let mut bad_containers = Vec::new();
    for container in pod.containers() {
        if container.security_context.and_then(|sc| sc.run_as_user) == Some(0) {
            bad_containers.push(container.name);
            paths.push(container.security_path("runAsUser"));
        }
    }
    let setters = Setters::pod(pod_is_bad).containers(&bad_containers);
    if setters.is_empty() {
        return None;
    }
    let detail = format!("{} must not set runAsUser=0", setters.joined());
    Some(Forbidden::new("runAsUser=0", detail, paths))
}

/// v1.35: as v1.23, but pods in a user namespace (`hostUsers: false`) pass.
pub(crate) fn v1_35(pod: &PodView<'_>) -> Outcome {
    unless_user_namespace(pod, v1_23)
}
