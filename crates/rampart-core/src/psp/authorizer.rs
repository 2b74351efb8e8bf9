//! Policy-use authorization (§7): may a subject `use` a PodSecurityPolicy?

use crate::rbac::ResourceRequest;
pub use crate::rbac::{Rbac, UserInfo};

/// One `use` question: may `user` use policy `policy` in `namespace` via API group `api_group`?
#[derive(Debug, Clone, Copy)]
pub struct UseRequest<'a> {
    /// The subject asking.
    pub user: &'a UserInfo,
    /// `policy` or `extensions`.
    pub api_group: &'a str,
    /// The PodSecurityPolicy name.
    pub policy: &'a str,
    /// Namespace of the admission request.
    pub namespace: &'a str,
}

/// Answers policy-use questions. Only a definite "yes" authorizes.
pub trait Authorizer {
    /// True when the request is allowed.
    fn allows(&self, request: &UseRequest<'_>) -> bool;
}

/// Allows everything (for offline checks without RBAC data).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Authorizer for AllowAll {
    fn allows(&self, _request: &UseRequest<'_>) -> bool {
        true
    }
}

/// RBAC (see [`crate::rbac`]): the `use` verb on `podsecuritypolicies` named like the policy.
impl Authorizer for Rbac {
    fn allows(&self, request: &UseRequest<'_>) -> bool {
        Rbac::allows(
            self,
            request.user,
            request.namespace,
            &ResourceRequest {
                verb: "use",
                group: request.api_group,
                resource: "podsecuritypolicies",
                subresource: "",
                name: Some(request.policy),
            },
        )
    }
}

/// Whether `user` may use `policy` in `namespace`: group `policy` first, then `extensions`.
pub(crate) fn may_use(
    authz: &dyn Authorizer,
    user: &UserInfo,
    policy: &str,
    namespace: &str,
) -> bool {
    ["policy", "extensions"].into_iter().any(|api_group| {
        authz.allows(&UseRequest {
            user,
            api_group,
            policy,
            namespace,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rbac(objects: serde_json::Value) -> Rbac {
        Rbac::of_test_objects(&objects)
    }

    fn cluster_role(name: &str, rule: serde_json::Value) -> serde_json::Value {
        json!({"kind": "ClusterRole", "metadata": {"name": name}, "rules": [rule]})
    }

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo {
            username: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn rbac_matching() {
        let use_rule = json!({"verbs": ["use"], "apiGroups": ["policy"], "resources": ["podsecuritypolicies"], "resourceNames": ["restricted"]});
        let authz = rbac(json!([
            cluster_role("use-restricted", use_rule),
            cluster_role("use-any", json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})),
            cluster_role("ext", json!({"verbs": ["use"], "apiGroups": ["extensions"], "resources": ["podsecuritypolicies"]})),
            cluster_role("wrong-verb", json!({"verbs": ["get"], "apiGroups": ["policy"], "resources": ["podsecuritypolicies"]})),
            {"kind": "Role", "metadata": {"name": "r", "namespace": "ns1"}, "rules": [{"verbs": ["use"], "apiGroups": ["policy"], "resources": ["podsecuritypolicies"]}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b1"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "use-restricted"},
                "subjects": [{"kind": "Group", "name": "system:authenticated"}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b2"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "use-any"},
                "subjects": [{"kind": "User", "name": "admin"}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b3"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ext"},
                "subjects": [{"kind": "User", "name": "legacy"}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b4"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "wrong-verb"},
                "subjects": [{"kind": "User", "name": "getter"}]},
            {"kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "ns1"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
                "subjects": [{"kind": "ServiceAccount", "name": "default"}]},
            {"kind": "RoleBinding", "metadata": {"name": "rb2", "namespace": "ns2"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "use-restricted"},
                "subjects": [{"kind": "User", "name": "dev"}]},
        ]));
        let cases = [
            (
                user("jane", &["system:authenticated"]),
                "restricted",
                "ns1",
                true,
            ),
            (
                user("jane", &["system:authenticated"]),
                "privileged",
                "ns1",
                false,
            ),
            (user("admin", &[]), "privileged", "ns1", true),
            (user("legacy", &[]), "privileged", "ns1", true),
            (user("getter", &[]), "privileged", "ns1", false),
            (
                UserInfo::service_account("ns1", "default"),
                "anything",
                "ns1",
                true,
            ),
            (
                UserInfo::service_account("ns1", "default"),
                "anything",
                "ns2",
                false,
            ),
            (
                UserInfo::service_account("ns2", "default"),
                "anything",
                "ns1",
                false,
            ),
            (user("dev", &[]), "restricted", "ns2", true),
            (user("dev", &[]), "restricted", "ns1", false),
            (user("dev", &[]), "privileged", "ns2", false),
            (user("root", &["system:masters"]), "privileged", "ns1", true),
            (user("nobody", &[]), "restricted", "ns1", false),
        ];
        for (who, policy, namespace, expected) in cases {
            assert_eq!(
                may_use(&authz, &who, policy, namespace),
                expected,
                "{} {policy} {namespace}",
                who.username
            );
        }
    }

    #[test]
    fn service_account_identity() {
        let sa = UserInfo::service_account("ns", "builder");
        assert_eq!(sa.username, "system:serviceaccount:ns:builder");
        assert_eq!(
            sa.groups,
            ["system:serviceaccounts", "system:serviceaccounts:ns"]
        );
        assert!(may_use(&AllowAll, &sa, "x", "ns"));
    }
}
