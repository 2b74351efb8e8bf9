//! Configuration files of the API server and the nodes, recognised by `apiVersion` and
//! `kind`, and their values read as text the way flags are.

use serde_json::Value;

use crate::kinds::{KUBELET_CONFIG_GROUP, RAMPART_GROUP};
use crate::object::ObjectRef;

/// A configuration file kind rampart judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigFile {
    /// `kubelet.config.k8s.io` KubeletConfiguration.
    Kubelet,
    /// `apiserver.config.k8s.io` EncryptionConfiguration (`--encryption-provider-config`).
    Encryption,
    /// `audit.k8s.io` Policy (`--audit-policy-file`).
    AuditPolicy,
    /// `apiserver.config.k8s.io` AdmissionConfiguration (`--admission-control-config-file`).
    Admission,
    /// `apiserver.config.k8s.io` AuthenticationConfiguration (`--authentication-config`).
    Authentication,
    /// `apiserver.config.k8s.io` AuthorizationConfiguration (`--authorization-config`).
    Authorization,
    /// A kubeconfig (`kind: Config`, `apiVersion: v1`).
    Kubeconfig,
    /// Kubelet flags read from an env file or systemd unit (see
    /// [`kubelet_flags_document`](super::kubelet_flags_document)).
    KubeletFlags,
}

impl ConfigFile {
    /// The kind of configuration file `id` is, if any.
    pub fn of(id: &ObjectRef) -> Option<Self> {
        let kind = id.kind.as_str();
        match (id.group(), kind) {
            (KUBELET_CONFIG_GROUP, "KubeletConfiguration") => Some(Self::Kubelet),
            ("apiserver.config.k8s.io", "EncryptionConfiguration") => Some(Self::Encryption),
            ("audit.k8s.io", "Policy") => Some(Self::AuditPolicy),
            ("apiserver.config.k8s.io" | "apiserver.k8s.io", "AdmissionConfiguration") => {
                Some(Self::Admission)
            }
            ("apiserver.config.k8s.io", "AuthenticationConfiguration") => {
                Some(Self::Authentication)
            }
            ("apiserver.config.k8s.io", "AuthorizationConfiguration") => Some(Self::Authorization),
            ("", "Config") if id.api_version == "v1" => Some(Self::Kubeconfig),
            (RAMPART_GROUP, super::KUBELET_FLAGS_KIND) => Some(Self::KubeletFlags),
            _ => None,
        }
    }
}

/// A configuration value as flag text: booleans and numbers printed, lists joined with
/// commas, maps as `key=value` pairs (feature gates). `None` for null.
pub(crate) fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(value_text)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Object(map) => Some(
            map.iter()
                .filter_map(|(k, v)| Some(format!("{k}={}", value_text(v)?)))
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}
