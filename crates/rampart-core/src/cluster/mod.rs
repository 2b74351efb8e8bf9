//! Cluster hardening inputs: control-plane command lines, node and API server
//! configuration files, recognised by content.

pub mod command_line;
pub mod component;
pub mod files;
pub mod kubelet_flags;

use crate::object::objects;
use crate::source::{Limits, parse};

pub use command_line::{CommandLine, FlagWord, list_items, map_item};
pub use component::Component;
pub use files::ConfigFile;
pub use kubelet_flags::{KUBELET_FLAGS_API_VERSION, KUBELET_FLAGS_KIND, kubelet_flags_document};

/// Whether `bytes` hold a configuration file rampart judges (a kubeconfig, a
/// KubeletConfiguration, kubelet flags...). Front ends use it to pick files without a
/// manifest extension (`admin.conf`, `kubeadm-flags.env`, `10-kubeadm.conf`) out of a
/// directory by content.
pub fn is_cluster_config(bytes: &[u8], limits: &Limits) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if kubelet_flags_document(text).is_some() {
        return true;
    }
    let parsed = parse(bytes, limits);
    parsed.errors.is_empty()
        && parsed.documents.iter().any(|document| {
            objects(&document.value).is_ok_and(|found| {
                found
                    .iter()
                    .any(|object| ConfigFile::of(&object.id).is_some())
            })
        })
}
