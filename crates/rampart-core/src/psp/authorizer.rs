//! Policy-use authorization (§7): may a subject `use` a PodSecurityPolicy?

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};
use serde::{Deserialize, Serialize};

/// An authenticated identity: user name and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// User name (`system:serviceaccount:<ns>:<name>` for service accounts).
    pub username: String,
    /// Groups the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The identity the plugin uses for a pod's service account: no
    /// `system:authenticated`, no uid.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self {
            username: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
            ],
        }
    }
}

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

/// RBAC over a fixed set of roles and bindings. Aggregation rules are not expanded: a
/// ClusterRole grants exactly the rules it lists. Members of `system:masters` are allowed
/// everything, like the API server's privileged-group authorizer.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    /// Namespaced roles.
    pub roles: Vec<Role>,
    /// Cluster roles.
    pub cluster_roles: Vec<ClusterRole>,
    /// Namespaced role bindings.
    pub role_bindings: Vec<RoleBinding>,
    /// Cluster role bindings.
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
}

const SUPERUSER_GROUP: &str = "system:masters";

impl Authorizer for Rbac {
    fn allows(&self, request: &UseRequest<'_>) -> bool {
        if request.user.groups.iter().any(|g| g == SUPERUSER_GROUP) {
            return true;
        }
        let cluster_wide = self.cluster_role_bindings.iter().any(|binding| {
            binds(binding.subjects.as_deref(), request.user, "")
                && binding.role_ref.kind == "ClusterRole"
                && self
                    .cluster_role_rules(&binding.role_ref.name)
                    .iter()
                    .any(|rule| rule_allows(rule, request))
        });
        cluster_wide
            || self.role_bindings.iter().any(|binding| {
                let namespace = binding.metadata.namespace.as_deref().unwrap_or_default();
                namespace == request.namespace
                    && binds(binding.subjects.as_deref(), request.user, namespace)
                    && self
                        .role_ref_rules(&binding.role_ref.kind, &binding.role_ref.name, namespace)
                        .iter()
                        .any(|rule| rule_allows(rule, request))
            })
    }
}

impl Rbac {
    fn cluster_role_rules(&self, name: &str) -> &[PolicyRule] {
        self.cluster_roles
            .iter()
            .find(|role| role.metadata.name.as_deref() == Some(name))
            .and_then(|role| role.rules.as_deref())
            .unwrap_or_default()
    }

    fn role_ref_rules(&self, kind: &str, name: &str, namespace: &str) -> &[PolicyRule] {
        match kind {
            "ClusterRole" => self.cluster_role_rules(name),
            "Role" => self
                .roles
                .iter()
                .find(|role| {
                    role.metadata.name.as_deref() == Some(name)
                        && role.metadata.namespace.as_deref().unwrap_or_default() == namespace
                })
                .and_then(|role| role.rules.as_deref())
                .unwrap_or_default(),
            _ => &[],
        }
    }
}

/// True when one of `subjects` names `user` (service-account subjects default to the
/// binding's namespace).
fn binds(subjects: Option<&[Subject]>, user: &UserInfo, binding_namespace: &str) -> bool {
    subjects
        .unwrap_or_default()
        .iter()
        .any(|subject| match subject.kind.as_str() {
            "User" => subject.name == user.username,
            "Group" => user.groups.contains(&subject.name),
            "ServiceAccount" => {
                let namespace = subject
                    .namespace
                    .as_deref()
                    .filter(|ns| !ns.is_empty())
                    .unwrap_or(binding_namespace);
                !namespace.is_empty()
                    && user.username
                        == format!("system:serviceaccount:{namespace}:{}", subject.name)
            }
            _ => false,
        })
}

/// True when `rule` grants `use` on the policy.
fn rule_allows(rule: &PolicyRule, request: &UseRequest<'_>) -> bool {
    let has = |list: Option<&Vec<String>>, wanted: &str| {
        list.is_some_and(|l| l.iter().any(|v| v == "*" || v == wanted))
    };
    has(Some(&rule.verbs), "use")
        && has(rule.api_groups.as_ref(), request.api_group)
        && has(rule.resources.as_ref(), "podsecuritypolicies")
        && rule
            .resource_names
            .as_ref()
            .is_none_or(|names| names.is_empty() || names.iter().any(|n| n == request.policy))
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
        let mut rbac = Rbac::default();
        for object in objects.as_array().cloned().unwrap_or_default() {
            match object["kind"].as_str() {
                Some("Role") => rbac.roles.push(serde_json::from_value(object).unwrap()),
                Some("ClusterRole") => rbac
                    .cluster_roles
                    .push(serde_json::from_value(object).unwrap()),
                Some("RoleBinding") => rbac
                    .role_bindings
                    .push(serde_json::from_value(object).unwrap()),
                Some("ClusterRoleBinding") => rbac
                    .cluster_role_bindings
                    .push(serde_json::from_value(object).unwrap()),
                _ => panic!("unexpected object"),
            }
        }
        rbac
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
