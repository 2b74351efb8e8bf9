//! `capabilities_baseline` (baseline, v1.0) and `capabilities_restricted` (restricted,
//! v1.22 and v1.25): which Linux capabilities containers may add, and that restricted
//! containers drop all others.

use k8s_openapi::api::core::v1::Capabilities;

use super::{Forbidden, Outcome, unless_windows};
use crate::field_path::FieldPath;
use crate::pss::message::{SortedSet, containers_phrase, quote_list};
use crate::pss::pod::{ContainerView, PodView};

/// Docker's default capabilities minus `NET_RAW`: what baseline containers may add.
pub(crate) const BASELINE_ALLOWED_ADD: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The one capability restricted containers may add.
pub(crate) const RESTRICTED_ALLOWED_ADD: &[&str] = &["NET_BIND_SERVICE"];

fn capabilities<'a>(container: &ContainerView<'a>) -> Option<&'a Capabilities> {
    container.security_context?.capabilities.as_ref()
}

fn capabilities_path(container: &ContainerView<'_>, list: &'static str) -> FieldPath {
    container.security_path("capabilities").child(list)
}

/// Containers that add capabilities outside `allowed`, with the offending names.
#[derive(Default)]
struct ForbiddenAdds<'a> {
    containers: Vec<&'a str>,
    capabilities: SortedSet,
    paths: Vec<FieldPath>,
}

impl<'a> ForbiddenAdds<'a> {
    fn record(&mut self, container: &ContainerView<'a>, caps: &Capabilities, allowed: &[&str]) {
        let mut any = false;
        for (index, cap) in caps.add.iter().flatten().enumerate() {
            if !allowed.contains(&cap.as_str()) {
                any = true;
                self.capabilities.insert(cap.clone());
                self.paths
                    .push(capabilities_path(container, "add").index(index));
            }
        }
        if any {
            self.containers.push(container.name);
        }
    }

    fn message(&self) -> String {
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&self.containers),
            quote_list(&self.capabilities)
        )
    }
}

/// Baseline v1.0: `capabilities.add` may only hold Docker's defaults minus `NET_RAW`.
pub(crate) fn baseline_v1_0(pod: &PodView<'_>) -> Outcome {
    let mut adds = ForbiddenAdds::default();
    for container in pod.containers() {
        if let Some(caps) = capabilities(&container) {
            adds.record(&container, caps, BASELINE_ALLOWED_ADD);
        }
    }
    if adds.containers.is_empty() {
        return None;
    }
    let detail = adds.message();
    Some(Forbidden::new(
        "non-default capabilities",
        detail,
        adds.paths,
    ))
}

/// Restricted v1.22: drop `ALL`, add nothing but `NET_BIND_SERVICE`.
pub(crate) fn restricted_v1_22(pod: &PodView<'_>) -> Outcome {
    let mut missing_drop_all = Vec::new();
    let mut drop_paths = Vec::new();
    let mut adds = ForbiddenAdds::default();
    for container in pod.containers() {
        let caps = capabilities(&container);
        let drops_all = caps
            .and_then(|caps| caps.drop.as_ref())
            .is_some_and(|drop| drop.iter().any(|cap| cap == "ALL"));
        if !drops_all {
            missing_drop_all.push(container.name);
            drop_paths.push(capabilities_path(&container, "drop"));
        }
        if let Some(caps) = caps {
            adds.record(&container, caps, RESTRICTED_ALLOWED_ADD);
        }
    }
    if missing_drop_all.is_empty() && adds.containers.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !missing_drop_all.is_empty() {
        parts.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adds.containers.is_empty() {
        parts.push(adds.message());
    }
    drop_paths.extend(adds.paths);
    Some(Forbidden::new(
        "unrestricted capabilities",
        parts.join("; "),
        drop_paths,
    ))
}

/// Restricted v1.25: as v1.22, but Windows pods pass.
pub(crate) fn restricted_v1_25(pod: &PodView<'_>) -> Outcome {
    unless_windows(pod, restricted_v1_22)
}
