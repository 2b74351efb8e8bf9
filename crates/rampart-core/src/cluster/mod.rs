//! Cluster hardening inputs: control-plane command lines, node and API server
//! configuration files, recognised by content.

pub(crate) mod command_line;
pub(crate) mod component;
pub(crate) mod files;
pub(crate) mod kubelet_flags;
pub(crate) mod node;

use crate::object::{WorkloadKinds, objects};
use crate::source::{Limits, parse};

pub use command_line::{CommandLine, FlagValue, FlagWord, Location, list_items, map_item};
pub use component::{Component, Launch};
pub use files::ConfigFile;
pub use kubelet_flags::{
    KUBELET_FLAGS_API_VERSION, KUBELET_FLAGS_KIND, kubelet_flags_document, may_be_flags_file,
};
pub use node::{Kubelet, NodeFile, NodeFileKind, kubelets};

/// Whether `bytes` hold a configuration file rampart judges (a kubeconfig, a
/// KubeletConfiguration, kubelet flags or a kubelet unit, a static pod running a
/// control-plane component...). Front ends use it to pick files without a manifest
/// extension (`admin.conf`, `kubeadm-flags.env`, `10-kubeadm.conf`, `kubelet.service`,
/// kops' `kube-apiserver.manifest`) out of a directory by content.
pub fn is_cluster_config(bytes: &[u8], limits: &Limits) -> bool {
    if may_be_flags_file(bytes)
        && std::str::from_utf8(bytes)
            .ok()
            .and_then(kubelet_flags_document)
            .is_some()
    {
        return true;
    }
    let parsed = parse(bytes, limits);
    let workloads = WorkloadKinds::default();
    parsed.errors.is_empty()
        && parsed.documents.iter().any(|document| {
            objects(&document.value).is_ok_and(|found| {
                found.iter().any(|object| {
                    ConfigFile::of(&object.id).is_some()
                        || !started_components(object.value, &object.id, &workloads).is_empty()
                })
            })
        })
}

/// The components the containers of `value`'s pod start (by their command's program
/// or, without a command, their image), read from the JSON without typing the pod.
pub fn started_components(
    value: &serde_json::Value,
    id: &crate::object::ObjectRef,
    workloads: &WorkloadKinds,
) -> Vec<Component> {
    let Some(location) = workloads.template_of(id) else {
        return Vec::new();
    };
    let spec = crate::object::typed::value_at(value, &location.spec);
    ["containers", "initContainers", "ephemeralContainers"]
        .into_iter()
        .filter_map(|list| spec?.get(list)?.as_array())
        .flatten()
        .filter_map(component::starts_component)
        .collect()
}
