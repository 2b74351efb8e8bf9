//! `windowsHostProcess` (baseline, v1.0): no Windows HostProcess pod or container.

use super::{Forbidden, Outcome};
use crate::pss::message::Setters;
use crate::pss::pod::{PodView, pod_security_context_field};

/// v1.0: `windowsOptions.hostProcess` must not be `true` (pod or container).
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let mut paths = Vec::new();
    let pod_is_bad = pod
        .security_context()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|options| options.host_process)
        == Some(true);
    if pod_is_bad {
        paths.push(pod_security_context_field("windowsOptions").child("hostProcess"));
    }
    let mut bad_containers = Vec::new();
    for container in pod.containers() {
        let host_process = container
            .security_context
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|options| options.host_process);
        if host_process == Some(true) {
            bad_containers.push(container.name);
            paths.push(
                container
                    .security_path("windowsOptions")
                    .child("hostProcess"),
            );
        }
    }
    let setters = Setters::pod(pod_is_bad).containers(&bad_containers);
    if setters.is_empty() {
        return None;
    }
    let detail = format!(
        "{} must not set securityContext.windowsOptions.hostProcess=true",
        setters.joined()
    );
    Some(Forbidden::new("hostProcess", detail, paths))
}
