//! `hostPorts` (baseline, v1.0): no container port may be bound on the host.

use super::{Forbidden, Outcome};
use crate::pss::message::{SortedSet, containers_phrase, pluralize};
use crate::pss::pod::PodView;

/// v1.0: every `ports[*].hostPort` must be 0 or absent.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let mut bad_containers = Vec::new();
    let mut ports = SortedSet::new();
    let mut paths = Vec::new();
    for container in pod.containers() {
        let mut uses_host_port = false;
        for (index, port) in container.ports.iter().enumerate() {
            let Some(host_port) = port.host_port.filter(|p| *p != 0) else {
                continue;
            };
            uses_host_port = true;
            ports.insert(host_port.to_string());
            paths.push(
                container
                    .path()
                    .child("ports")
                    .index(index)
                    .child("hostPort"),
            );
        }
        if uses_host_port {
            bad_containers.push(container.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let detail = format!(
        "{} {} {} {}",
        containers_phrase(&bad_containers),
        pluralize(bad_containers.len(), "uses", "use"),
        pluralize(ports.len(), "hostPort", "hostPorts"),
        ports.into_iter().collect::<Vec<_>>().join(", ")
    );
    Some(Forbidden::new("hostPort", detail, paths))
}
