//! The API server defaulting that Pod Security Admission sees applied, replayed for raw
//! manifests (spec §9.8).

use k8s_openapi::api::core::v1::{Container, EmptyDirVolumeSource, PodSpec};

use super::checks::volumes::has_source;

/// Applies the defaulting that changes Pod Security results, and returns one note per
/// change, naming the field path (relative to the pod template root) and the new value.
///
/// * A volume without any source becomes `emptyDir: {}`.
/// * With `hostNetwork: true`, every `containers[*]`/`initContainers[*]` port whose
///   `hostPort` is absent or 0 gets `hostPort = containerPort`. The API server does this
///   for Pods only (since Kubernetes 1.28, not for workload templates), but the pods a
///   template creates get it, so applying it to templates predicts their admission.
///
/// AppArmor annotation/field synchronisation is not replayed: it never changes the
/// allow/deny outcome.
pub fn apply_defaults(spec: &mut PodSpec) -> Vec<String> {
    let mut notes = default_volume_sources(spec);
    if spec.host_network == Some(true) {
        notes.extend(default_host_ports(
            "initContainers",
            spec.init_containers.iter_mut().flatten(),
        ));
        notes.extend(default_host_ports("containers", spec.containers.iter_mut()));
    }
    notes
}

fn default_volume_sources(spec: &mut PodSpec) -> Vec<String> {
    let mut notes = Vec::new();
    for (index, volume) in spec.volumes.iter_mut().flatten().enumerate() {
        if !has_source(volume) {
            volume.empty_dir = Some(EmptyDirVolumeSource::default());
            notes.push(format!(
                "spec.volumes[{index}] ({:?}) has no volume source: defaulted to emptyDir: {{}}",
                volume.name
            ));
        }
    }
    notes
}

fn default_host_ports<'a>(
    list: &str,
    containers: impl Iterator<Item = &'a mut Container>,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (index, container) in containers.enumerate() {
        for (port_index, port) in container.ports.iter_mut().flatten().enumerate() {
            if port.host_port.unwrap_or(0) == 0 {
                port.host_port = Some(port.container_port);
                notes.push(format!(
                    "spec.{list}[{index}].ports[{port_index}].hostPort defaulted to {} (containerPort) because spec.hostNetwork is true",
                    port.container_port
                ));
            }
        }
    }
    notes
}
