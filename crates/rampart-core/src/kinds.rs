//! Kubernetes API groups and kinds the engines compare objects with, named once.
//!
//! ```
//! use rampart_core::kinds::{self, GroupKind};
//! use rampart_core::object::ObjectRef;
//!
//! let id = ObjectRef { api_version: "apps/v1".into(), kind: "Deployment".into(), ..Default::default() };
//! assert_eq!(GroupKind::of(&id), kinds::DEPLOYMENT);
//! assert!(matches!(GroupKind::of(&id), kinds::DEPLOYMENT | kinds::STATEFUL_SET));
//! ```

use crate::object::ObjectRef;

/// The core API group (`v1`).
pub(crate) const CORE_GROUP: &str = "";
/// `apps`.
pub(crate) const APPS_GROUP: &str = "apps";
/// `batch`.
pub(crate) const BATCH_GROUP: &str = "batch";
/// `discovery.k8s.io`.
pub(crate) const DISCOVERY_GROUP: &str = "discovery.k8s.io";
/// `networking.k8s.io`.
pub(crate) const NETWORKING_GROUP: &str = "networking.k8s.io";
/// `extensions` (Ingress and PodSecurityPolicy were served there once).
pub(crate) const EXTENSIONS_GROUP: &str = "extensions";
/// `rbac.authorization.k8s.io`.
pub(crate) const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// `kubelet.config.k8s.io`.
pub(crate) const KUBELET_CONFIG_GROUP: &str = "kubelet.config.k8s.io";
/// `rampart.dev`: documents rampart makes of files that are not Kubernetes objects.
pub(crate) const RAMPART_GROUP: &str = "rampart.dev";
/// `pod-security.admission.config.k8s.io`.
pub(crate) const POD_SECURITY_CONFIG_GROUP: &str = "pod-security.admission.config.k8s.io";

/// A kind in its API group: what identifies a type whatever its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupKind<'a> {
    /// The API group (empty for the core group).
    pub group: &'a str,
    /// The kind.
    pub kind: &'a str,
}

impl<'a> GroupKind<'a> {
    /// The group and kind of an object.
    pub fn of(id: &'a ObjectRef) -> Self {
        Self {
            group: id.group(),
            kind: &id.kind,
        }
    }

    /// The same kind in another group (`extensions` for the old workload groups).
    pub fn in_group(self, group: &'a str) -> Self {
        Self { group, ..self }
    }

    /// Whether `id` is of this kind, in any version.
    pub fn is(self, id: &ObjectRef) -> bool {
        GroupKind::of(id) == self
    }
}

macro_rules! group_kinds {
    ($($(#[$doc:meta])* $name:ident = ($group:expr, $kind:literal);)*) => {
        $($(#[$doc])* pub const $name: GroupKind<'static> = GroupKind { group: $group, kind: $kind };)*
        /// Every kind named here (for tests against the kinds table).
        #[cfg(test)]
        const ALL: &[GroupKind<'static>] = &[$($name),*];
    };
}

group_kinds! {
    /// `v1 Pod`.
    POD = (CORE_GROUP, "Pod");
    /// `v1 PodTemplate`.
    POD_TEMPLATE = (CORE_GROUP, "PodTemplate");
    /// `v1 ReplicationController`.
    REPLICATION_CONTROLLER = (CORE_GROUP, "ReplicationController");
    /// `v1 Namespace`.
    NAMESPACE = (CORE_GROUP, "Namespace");
    /// `v1 Node`.
    NODE = (CORE_GROUP, "Node");
    /// `v1 Service`.
    SERVICE = (CORE_GROUP, "Service");
    /// `v1 Endpoints`.
    ENDPOINTS = (CORE_GROUP, "Endpoints");
    /// `v1 ServiceAccount`.
    SERVICE_ACCOUNT = (CORE_GROUP, "ServiceAccount");
    /// `v1 ConfigMap`.
    CONFIG_MAP = (CORE_GROUP, "ConfigMap");
    /// `apps Deployment`.
    DEPLOYMENT = (APPS_GROUP, "Deployment");
    /// `apps ReplicaSet`.
    REPLICA_SET = (APPS_GROUP, "ReplicaSet");
    /// `apps StatefulSet`.
    STATEFUL_SET = (APPS_GROUP, "StatefulSet");
    /// `apps DaemonSet`.
    DAEMON_SET = (APPS_GROUP, "DaemonSet");
    /// `batch Job`.
    JOB = (BATCH_GROUP, "Job");
    /// `batch CronJob`.
    CRON_JOB = (BATCH_GROUP, "CronJob");
    /// `discovery.k8s.io EndpointSlice`.
    ENDPOINT_SLICE = (DISCOVERY_GROUP, "EndpointSlice");
    /// `networking.k8s.io NetworkPolicy`.
    NETWORK_POLICY = (NETWORKING_GROUP, "NetworkPolicy");
    /// `networking.k8s.io Ingress`.
    INGRESS = (NETWORKING_GROUP, "Ingress");
    /// `rbac.authorization.k8s.io Role`.
    ROLE = (RBAC_GROUP, "Role");
    /// `rbac.authorization.k8s.io ClusterRole`.
    CLUSTER_ROLE = (RBAC_GROUP, "ClusterRole");
    /// `rbac.authorization.k8s.io RoleBinding`.
    ROLE_BINDING = (RBAC_GROUP, "RoleBinding");
    /// `rbac.authorization.k8s.io ClusterRoleBinding`.
    CLUSTER_ROLE_BINDING = (RBAC_GROUP, "ClusterRoleBinding");
    /// `kubelet.config.k8s.io KubeletConfiguration` (a file, not an API object).
    KUBELET_CONFIGURATION = (KUBELET_CONFIG_GROUP, "KubeletConfiguration");
}

/// `rampart.dev KubeletFlags`: a kubelet's command line read from a unit or flags file.
pub(crate) const KUBELET_FLAGS: GroupKind<'static> = GroupKind {
    group: RAMPART_GROUP,
    kind: crate::cluster::KUBELET_FLAGS_KIND,
};

/// `pod-security.admission.config.k8s.io PodSecurityConfiguration` (an API server
/// configuration file).
pub(crate) const POD_SECURITY_CONFIGURATION: GroupKind<'static> = GroupKind {
    group: POD_SECURITY_CONFIG_GROUP,
    kind: "PodSecurityConfiguration",
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every API object kind named here is one the kinds table serves in that group (a
    /// misspelt constant would silently match nothing).
    #[test]
    fn every_api_kind_is_served_in_its_group() {
        for gk in ALL.iter().filter(|gk| **gk != KUBELET_CONFIGURATION) {
            let version = if gk.group.is_empty() {
                "v1".to_owned()
            } else if [
                APPS_GROUP,
                BATCH_GROUP,
                DISCOVERY_GROUP,
                NETWORKING_GROUP,
                RBAC_GROUP,
            ]
            .contains(&gk.group)
            {
                format!("{}/v1", gk.group)
            } else {
                unreachable!("{gk:?}")
            };
            let id = ObjectRef {
                api_version: version,
                kind: gk.kind.to_owned(),
                ..ObjectRef::default()
            };
            let served = crate::object::validate(&id, &serde_json::json!({}));
            assert!(served.is_ok(), "{gk:?}: {:?}", served.err());
            assert!(gk.is(&id));
            // The group is one the table knows: another kind there is refused.
            let unknown = ObjectRef {
                kind: "NoSuchKind".to_owned(),
                ..id
            };
            let refused = crate::object::validate(&unknown, &serde_json::json!({}));
            assert!(
                refused.is_err_and(|e| e.message.contains("no matches for kind")),
                "{gk:?}"
            );
        }
    }
}
