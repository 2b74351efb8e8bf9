//! The `policy/v1beta1` PodSecurityPolicy object (k8s-openapi no longer ships it).
//!
//! Strategy rules are kept as plain strings so that an unknown rule can be reported by
//! [`crate::psp::validate_policy`] instead of failing deserialisation.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A `policy/v1beta1` PodSecurityPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityPolicy {
    /// `policy/v1beta1` (or `extensions/v1beta1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `PodSecurityPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Standard object metadata; the name identifies the policy.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The policy itself.
    #[serde(default)]
    pub spec: PodSecurityPolicySpec,
}

impl PodSecurityPolicy {
    /// The policy name (empty when unset).
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// The value of a policy annotation, if present.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .annotations
            .as_ref()
            .and_then(|annotations| annotations.get(key))
            .map(String::as_str)
    }

    /// Applies the API server's only default: absent `allowPrivilegeEscalation` becomes `true`.
    pub fn apply_defaults(&mut self) {
        self.spec.allow_privilege_escalation.get_or_insert(true);
    }
}

/// `policy/v1beta1.PodSecurityPolicySpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSecurityPolicySpec {
    /// Whether privileged containers are allowed.
    pub privileged: bool,
    /// Capabilities added to every container unless it drops them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_add_capabilities: Vec<String>,
    /// Capabilities every container must drop.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_drop_capabilities: Vec<String>,
    /// Capabilities containers may add (`*` = any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_capabilities: Vec<String>,
    /// Allowed volume types (FSType names, `*` = all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// Whether pods may use the host network.
    pub host_network: bool,
    /// Allowed host port ranges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_ports: Vec<HostPortRange>,
    /// Whether pods may use the host PID namespace.
    #[serde(rename = "hostPID")]
    pub host_pid: bool,
    /// Whether pods may use the host IPC namespace.
    #[serde(rename = "hostIPC")]
    pub host_ipc: bool,
    /// SELinux strategy.
    #[serde(rename = "seLinux")]
    pub se_linux: SeLinuxStrategyOptions,
    /// Run-as-user strategy.
    pub run_as_user: IdStrategyOptions,
    /// Run-as-group strategy (absent = RunAsAny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<IdStrategyOptions>,
    /// Supplemental groups strategy.
    pub supplemental_groups: IdStrategyOptions,
    /// fsGroup strategy.
    pub fs_group: IdStrategyOptions,
    /// Whether containers must run with a read-only root filesystem.
    pub read_only_root_filesystem: bool,
    /// Default written into containers that do not set `allowPrivilegeEscalation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_allow_privilege_escalation: Option<bool>,
    /// Whether containers may allow privilege escalation (API default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_privilege_escalation: Option<bool>,
    /// Allowed host path prefixes (empty = any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_host_paths: Vec<AllowedHostPath>,
    /// Allowed flex volume drivers (empty = any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_flex_volumes: Vec<AllowedFlexVolume>,
    /// Allowed inline CSI drivers (empty = any).
    #[serde(rename = "allowedCSIDrivers", skip_serializing_if = "Vec::is_empty")]
    pub allowed_csi_drivers: Vec<AllowedCsiDriver>,
    /// Unsafe sysctl patterns pods may set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_unsafe_sysctls: Vec<String>,
    /// Sysctl patterns pods may not set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forbidden_sysctls: Vec<String>,
    /// Allowed proc mount types (empty = only `Default`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_proc_mount_types: Vec<String>,
    /// RuntimeClass restrictions (absent = unrestricted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_class: Option<RuntimeClassStrategyOptions>,
}

/// An inclusive host port range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostPortRange {
    /// Lowest allowed port.
    pub min: i32,
    /// Highest allowed port.
    pub max: i32,
}

/// An inclusive user or group id range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdRange {
    /// Lowest allowed id.
    pub min: i64,
    /// Highest allowed id.
    pub max: i64,
}

/// Options of the runAsUser, runAsGroup, supplementalGroups and fsGroup strategies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdStrategyOptions {
    /// Strategy rule (`MustRunAs`, `MayRunAs`, `MustRunAsNonRoot`, `RunAsAny`).
    pub rule: String,
    /// Allowed id ranges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<IdRange>,
}

/// Options of the SELinux strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SeLinuxStrategyOptions {
    /// `MustRunAs` or `RunAsAny`.
    pub rule: String,
    /// Required options for `MustRunAs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<k8s_openapi::api::core::v1::SELinuxOptions>,
}

/// One allowed host path prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AllowedHostPath {
    /// Path prefix (matched by whole path segments).
    pub path_prefix: String,
    /// Whether volumes under this prefix must be mounted read-only.
    pub read_only: bool,
}

/// One allowed flex volume driver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllowedFlexVolume {
    /// Driver name.
    pub driver: String,
}

/// One allowed inline CSI driver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllowedCsiDriver {
    /// Driver name.
    pub name: String,
}

/// RuntimeClass restrictions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuntimeClassStrategyOptions {
    /// Allowed RuntimeClass names (`*` = any).
    pub allowed_runtime_class_names: Vec<String>,
    /// RuntimeClass written into pods that set none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_runtime_class_name: Option<String>,
}

/// Strategy rule names.
pub mod rule {
    /// `MustRunAs`.
    pub const MUST_RUN_AS: &str = "MustRunAs";
    /// `MayRunAs`.
    pub const MAY_RUN_AS: &str = "MayRunAs";
    /// `MustRunAsNonRoot`.
    pub const MUST_RUN_AS_NON_ROOT: &str = "MustRunAsNonRoot";
    /// `RunAsAny`.
    pub const RUN_AS_ANY: &str = "RunAsAny";
}

/// Wildcard allowing everything in `allowedCapabilities`, `volumes` and runtime class lists.
pub(crate) const ALLOW_ALL: &str = "*";
