//! `procMount` (baseline, v1.0 and v1.35) and `procMount_restricted` (restricted, v1.35):
//! containers must keep the default masking of `/proc`.

use super::{Forbidden, Outcome, unless_user_namespace};
use crate::pss::message::{SortedSet, containers_phrase, quote_list};
use crate::pss::pod::PodView;

/// The only allowed explicit value.
const DEFAULT_PROC_MOUNT: &str = "Default";

/// v1.0 (and `procMount_restricted` v1.35): `procMount` absent or `Default`.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let mut bad_containers = Vec::new();
    let mut values = SortedSet::new();
    let mut paths = Vec::new();
    for container in pod.containers() {
        let Some(proc_mount) = container
            .security_context
            .and_then(|sc| sc.proc_mount.as_ref())
        else {
            continue;
        };
        if proc_mount != DEFAULT_PROC_MOUNT {
            bad_containers.push(container.name);
            values.insert(proc_mount.clone());
            paths.push(container.security_path("procMount"));
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.procMount to {}",
        containers_phrase(&bad_containers),
        quote_list(&values)
    );
    Some(Forbidden::new("procMount", detail, paths))
}

/// Baseline v1.35: pods in a user namespace (`hostUsers: false`) pass; others as v1.0.
pub(crate) fn v1_35(pod: &PodView<'_>) -> Outcome {
    unless_user_namespace(pod, v1_0)
}
