//! The kinds a cluster audit lists: every kind the catalogue, the Pod Security, the
//! NetworkPolicy and the RBAC rules read, with the REST path the API serves them at.

/// One listable kind: its group, version, REST name (plural) and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    /// API group (`""` for the core group).
    pub group: String,
    /// Version (`v1`).
    pub version: String,
    /// The REST name (`pods`, `clusterrolebindings`).
    pub plural: String,
    /// The kind of its objects (`Pod`).
    pub kind: String,
    /// Whether its objects live in namespaces.
    pub namespaced: bool,
    /// Whether a 404 only means the API no longer (or not yet) serves it: it is then
    /// skipped, not reported (PodSecurityPolicies after Kubernetes 1.25, custom kinds
    /// without their CRD).
    pub optional: bool,
}

impl Resource {
    fn builtin(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool) -> Self {
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
            kind: kind.to_owned(),
            namespaced,
            optional: false,
        }
    }

    /// `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The list path, across namespaces or in `namespace`: `/api/v1/pods`,
    /// `/apis/apps/v1/namespaces/shop/deployments`.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(namespace) => format!("{root}/namespaces/{namespace}/{}", self.plural),
            None => format!("{root}/{}", self.plural),
        }
    }

    /// How a gap names it: `pods`, `roles.rbac.authorization.k8s.io` (as kubectl does).
    pub fn display_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The built-in kinds the rules read, in listing order: namespaces first (their Pod
/// Security labels), then the workloads, the identities and RBAC, the policies, the
/// nodes.
pub fn builtin() -> Vec<Resource> {
    let r = Resource::builtin;
    let mut resources = vec![
        r("", "v1", "namespaces", "Namespace", false),
        r("", "v1", "pods", "Pod", true),
        r(
            "",
            "v1",
            "replicationcontrollers",
            "ReplicationController",
            true,
        ),
        r("apps", "v1", "deployments", "Deployment", true),
        r("apps", "v1", "replicasets", "ReplicaSet", true),
        r("apps", "v1", "statefulsets", "StatefulSet", true),
        r("apps", "v1", "daemonsets", "DaemonSet", true),
        r("batch", "v1", "jobs", "Job", true),
        r("batch", "v1", "cronjobs", "CronJob", true),
        r("", "v1", "serviceaccounts", "ServiceAccount", true),
        r("", "v1", "services", "Service", true),
        r("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        r(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "RoleBinding",
            true,
        ),
        r(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterroles",
            "ClusterRole",
            false,
        ),
        r(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "ClusterRoleBinding",
            false,
        ),
        r(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "NetworkPolicy",
            true,
        ),
        r("networking.k8s.io", "v1", "ingresses", "Ingress", true),
        r("", "v1", "nodes", "Node", false),
    ];
    let mut psp = r(
        "policy",
        "v1beta1",
        "podsecuritypolicies",
        "PodSecurityPolicy",
        false,
    );
    psp.optional = true;
    resources.push(psp);
    resources
}

/// A custom kind found in discovery (`GET /apis/{group}/{version}`'s APIResourceList):
/// the resource of `kind` in `list`, if the list names it and it can be listed.
pub fn from_discovery(
    group: &str,
    version: &str,
    kind: &str,
    list: &serde_json::Value,
) -> Option<Resource> {
    let entry = list["resources"].as_array()?.iter().find(|entry| {
        entry["kind"] == kind
            && entry["name"]
                .as_str()
                .is_some_and(|name| !name.contains('/'))
            && entry["verbs"]
                .as_array()
                .is_some_and(|verbs| verbs.iter().any(|v| v == "list"))
    })?;
    Some(Resource {
        group: group.to_owned(),
        version: version.to_owned(),
        plural: entry["name"].as_str()?.to_owned(),
        kind: kind.to_owned(),
        namespaced: entry["namespaced"].as_bool().unwrap_or(true),
        optional: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_the_api_servers() {
        let all = builtin();
        let pods = all.iter().find(|r| r.kind == "Pod").unwrap();
        assert_eq!(pods.list_path(None), "/api/v1/pods");
        assert_eq!(pods.list_path(Some("shop")), "/api/v1/namespaces/shop/pods");
        let roles = all.iter().find(|r| r.kind == "ClusterRole").unwrap();
        assert_eq!(
            roles.list_path(Some("shop")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(
            roles.display_name(),
            "clusterroles.rbac.authorization.k8s.io"
        );
    }

    #[test]
    fn a_custom_kind_is_found_by_its_kind_in_discovery() {
        let list = json!({"kind": "APIResourceList", "groupVersion": "argoproj.io/v1alpha1",
        "resources": [
            {"name": "rollouts/status", "kind": "Rollout", "namespaced": true, "verbs": ["get"]},
            {"name": "rollouts", "kind": "Rollout", "namespaced": true, "verbs": ["get", "list"]}
        ]});
        let found = from_discovery("argoproj.io", "v1alpha1", "Rollout", &list).unwrap();
        assert_eq!(found.list_path(None), "/apis/argoproj.io/v1alpha1/rollouts");
        assert!(from_discovery("argoproj.io", "v1alpha1", "Experiment", &list).is_none());
    }
}
