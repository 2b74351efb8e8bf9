//! Roles, bindings and subjects: which rules a binding hands to whom, with
//! aggregated ClusterRoles expanded and RoleBindings scoped to their namespace.

use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
    Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};

use super::matcher::{ResourceRequest, RuleFields};
use crate::field_path::FieldPath;
use crate::kinds;
use crate::netpol::selector::{Labels, Operator, Requirement, Selector};
use crate::object::{ObjectRef, TypeError, typed_at};

/// Members of this group are allowed everything (the API server's privileged-group
/// authorizer runs before RBAC).
pub const SUPERUSER_GROUP: &str = "system:masters";

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
    /// A service account's identity as admission plugins see it: the two service-account
    /// groups, no `system:authenticated`.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self {
            username: service_account_user(namespace, name),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
            ],
        }
    }

    /// A service account's identity when it calls the API with its token: the
    /// service-account groups plus `system:authenticated`.
    pub fn service_account_token(namespace: &str, name: &str) -> Self {
        let mut user = Self::service_account(namespace, name);
        user.groups.push("system:authenticated".to_owned());
        user
    }
}

/// The four RBAC kinds, as [`Rbac::insert`] files them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RbacKind {
    /// `Role`.
    Role,
    /// `ClusterRole`.
    ClusterRole,
    /// `RoleBinding`.
    RoleBinding,
    /// `ClusterRoleBinding`.
    ClusterRoleBinding,
}

impl RbacKind {
    /// The kind named `kind` (`Role`, `ClusterRole`, `RoleBinding`, `ClusterRoleBinding`).
    pub fn named(kind: &str) -> Option<Self> {
        Some(match kind {
            k if k == kinds::ROLE.kind => Self::Role,
            k if k == kinds::CLUSTER_ROLE.kind => Self::ClusterRole,
            k if k == kinds::ROLE_BINDING.kind => Self::RoleBinding,
            k if k == kinds::CLUSTER_ROLE_BINDING.kind => Self::ClusterRoleBinding,
            _ => return None,
        })
    }

    /// The RBAC kind of an object of the group `rbac.authorization.k8s.io`.
    pub fn of(id: &ObjectRef) -> Option<Self> {
        (id.group() == kinds::RBAC_GROUP)
            .then(|| Self::named(&id.kind))
            .flatten()
    }

    /// Whether the kind is a binding.
    pub fn is_binding(self) -> bool {
        matches!(self, Self::RoleBinding | Self::ClusterRoleBinding)
    }
}

/// RBAC over a fixed set of roles and bindings. Aggregated ClusterRoles get the rules of
/// every ClusterRole their `aggregationRule` selects (what the aggregation controller
/// would write), besides the rules they list.
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

/// A binding of either kind, seen the same way.
#[derive(Debug, Clone, Copy)]
pub struct BindingView<'a> {
    /// The binding's metadata.
    pub meta: &'a ObjectMeta,
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: &'static str,
    /// The namespace a RoleBinding grants in; `None` for a ClusterRoleBinding.
    pub namespace: Option<&'a str>,
    /// The role it refers to.
    pub role_ref: &'a RoleRef,
    /// Who it binds.
    pub subjects: &'a [Subject],
}

impl BindingView<'_> {
    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub fn describe(&self) -> String {
        describe(self.kind, self.namespace, self.meta.name.as_deref())
    }
}

/// One rule a role grants, with where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct GrantedRule<'a> {
    /// The rule.
    pub rule: &'a PolicyRule,
    /// Its index in the `rules` of the role that lists it.
    pub index: usize,
    /// The role that lists it (`ClusterRole x`, `Role ns/x`).
    pub kind: &'static str,
    /// That role's namespace (for a Role).
    pub namespace: Option<&'a str>,
    /// That role's name.
    pub name: &'a str,
}

impl GrantedRule<'_> {
    /// `ClusterRole name rules[i]` or `Role ns/name rules[i]`.
    pub fn describe(&self) -> String {
        format!(
            "{} rules[{}]",
            describe(self.kind, self.namespace, Some(self.name)),
            self.index
        )
    }
}

fn describe(kind: &str, namespace: Option<&str>, name: Option<&str>) -> String {
    let name = name.unwrap_or("<unnamed>");
    match namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

impl Rbac {
    /// Adds an object of `kind`, read as the API server reads it (`null` is a zero
    /// value); the error names the offending field. The one way RBAC objects are
    /// collected: from a scan's files, `rampart psp`'s inputs or the webhook's
    /// configuration.
    pub fn insert(&mut self, kind: RbacKind, value: &serde_json::Value) -> Result<(), TypeError> {
        fn read<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, TypeError> {
            typed_at(value, &FieldPath::root())?.ok_or_else(|| TypeError {
                path: FieldPath::root(),
                message: "null is not an object".to_owned(),
            })
        }
        match kind {
            RbacKind::Role => self.roles.push(read(value)?),
            RbacKind::ClusterRole => self.cluster_roles.push(read(value)?),
            RbacKind::RoleBinding => self.role_bindings.push(read(value)?),
            RbacKind::ClusterRoleBinding => self.cluster_role_bindings.push(read(value)?),
        }
        Ok(())
    }

    /// Test objects (an array; `kind` given, `apiVersion` may be left out) collected.
    #[cfg(test)]
    #[allow(clippy::expect_used)]
    pub(crate) fn of_test_objects(objects: &serde_json::Value) -> Self {
        let mut rbac = Self::default();
        for object in objects.as_array().into_iter().flatten() {
            let kind = object["kind"].as_str().and_then(RbacKind::named);
            rbac.insert(kind.expect("an RBAC kind"), object)
                .expect("valid RBAC object");
        }
        rbac
    }

    /// Whether there are no roles and no bindings.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
            && self.cluster_roles.is_empty()
            && self.role_bindings.is_empty()
            && self.cluster_role_bindings.is_empty()
    }

    /// Every binding, ClusterRoleBindings first.
    pub fn bindings(&self) -> impl Iterator<Item = BindingView<'_>> {
        let cluster = self.cluster_role_bindings.iter().map(|b| BindingView {
            meta: &b.metadata,
            kind: "ClusterRoleBinding",
            namespace: None,
            role_ref: &b.role_ref,
            subjects: b.subjects.as_deref().unwrap_or_default(),
        });
        let namespaced = self.role_bindings.iter().map(|b| BindingView {
            meta: &b.metadata,
            kind: "RoleBinding",
            namespace: Some(b.metadata.namespace.as_deref().unwrap_or("default")),
            role_ref: &b.role_ref,
            subjects: b.subjects.as_deref().unwrap_or_default(),
        });
        cluster.chain(namespaced)
    }

    /// The rules a binding grants: its Role's, or its ClusterRole's with aggregation
    /// expanded. A missing role grants nothing.
    pub fn rules_of(&self, binding: &BindingView<'_>) -> Vec<GrantedRule<'_>> {
        match (RbacKind::named(&binding.role_ref.kind), binding.namespace) {
            (Some(RbacKind::ClusterRole), _) => self.cluster_role_rules(&binding.role_ref.name),
            (Some(RbacKind::Role), Some(namespace)) => self
                .roles
                .iter()
                .filter(|role| {
                    role.metadata.name.as_deref() == Some(binding.role_ref.name.as_str())
                        && role.metadata.namespace.as_deref().unwrap_or("default") == namespace
                })
                .flat_map(|role| {
                    listed_rules(&role.metadata, kinds::ROLE.kind, role.rules.as_deref())
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The rules of the ClusterRole `name`, aggregated ones included.
    pub fn cluster_role_rules(&self, name: &str) -> Vec<GrantedRule<'_>> {
        let Some(role) = self.cluster_role(name) else {
            return Vec::new();
        };
        let mut rules = listed_rules(
            &role.metadata,
            kinds::CLUSTER_ROLE.kind,
            role.rules.as_deref(),
        );
        for source in self.aggregated_into(role) {
            rules.extend(listed_rules(
                &source.metadata,
                kinds::CLUSTER_ROLE.kind,
                source.rules.as_deref(),
            ));
        }
        rules
    }

    /// The ClusterRole named `name`.
    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles
            .iter()
            .find(|role| role.metadata.name.as_deref() == Some(name))
    }

    /// The ClusterRoles whose labels one of `role`'s aggregation selectors matches
    /// (one level, like the controller: aggregated rules are copied, not chained).
    pub fn aggregated_into<'a>(&'a self, role: &'a ClusterRole) -> Vec<&'a ClusterRole> {
        let selectors = aggregation_selectors(role.aggregation_rule.as_ref());
        if selectors.is_empty() {
            return Vec::new();
        }
        self.cluster_roles
            .iter()
            .filter(|other| other.metadata.name != role.metadata.name)
            .filter(|other| {
                let labels = other.metadata.labels.as_ref().unwrap_or(&NO_LABELS);
                selectors.iter().any(|s| s.matches(labels))
            })
            .collect()
    }

    /// Whether `user` may make `request` in `namespace` (`""` for a cluster-wide request).
    pub fn allows(&self, user: &UserInfo, namespace: &str, request: &ResourceRequest<'_>) -> bool {
        if user.groups.iter().any(|g| g == SUPERUSER_GROUP) {
            return true;
        }
        self.bindings()
            .filter(|b| b.namespace.is_none_or(|ns| ns == namespace))
            .filter(|b| binds(b, user))
            .any(|b| {
                self.rules_of(&b)
                    .iter()
                    .any(|g| RuleFields::of(g.rule).grants(request))
            })
    }
}

fn listed_rules<'a>(
    meta: &'a ObjectMeta,
    kind: &'static str,
    rules: Option<&'a [PolicyRule]>,
) -> Vec<GrantedRule<'a>> {
    rules
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, rule)| GrantedRule {
            rule,
            index,
            kind,
            namespace: meta
                .namespace
                .as_deref()
                .filter(|_| kind == kinds::ROLE.kind),
            name: meta.name.as_deref().unwrap_or_default(),
        })
        .collect()
}

/// The labels of an object that has none.
pub(crate) static NO_LABELS: Labels = Labels::new();

/// The compiled selectors of an aggregation rule; one with an unknown operator selects
/// nothing and is left out.
pub(crate) fn aggregation_selectors(rule: Option<&AggregationRule>) -> Vec<Selector> {
    rule.and_then(|r| r.cluster_role_selectors.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(label_selector)
        .collect()
}

/// Compiles a `LabelSelector`; `None` when an operator is unknown (it selects nothing).
fn label_selector(selector: &LabelSelector) -> Option<Selector> {
    let expressions = selector
        .match_expressions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            Operator::parse(&e.operator)
                .map(|op| Requirement::new(&e.key, op, e.values.clone().unwrap_or_default()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Selector::new(
        selector.match_labels.clone().unwrap_or_default(),
        expressions,
    ))
}

/// True when one of the binding's subjects names `user` (service-account subjects
/// default to the binding's namespace).
pub fn binds(binding: &BindingView<'_>, user: &UserInfo) -> bool {
    binding
        .subjects
        .iter()
        .any(|subject| subject_is(subject, binding.namespace, user))
}

/// True when `subject` (of a binding in `binding_namespace`) names `user`.
pub fn subject_is(subject: &Subject, binding_namespace: Option<&str>, user: &UserInfo) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user.username,
        "Group" => user.groups.contains(&subject.name),
        "ServiceAccount" => service_account_of(subject, binding_namespace)
            .is_some_and(|(ns, name)| is_service_account_user(&user.username, ns, name)),
        _ => false,
    }
}

/// Whether `username` is `system:serviceaccount:<namespace>:<name>` (compared in place;
/// this runs for every subject a run's checks look at).
fn is_service_account_user(username: &str, namespace: &str, name: &str) -> bool {
    username
        .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)
        .and_then(|rest| rest.strip_prefix(namespace))
        .and_then(|rest| rest.strip_prefix(':'))
        == Some(name)
}

/// The user name of the service account `namespace`/`name`.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}")
}

const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

/// The namespace and name of a ServiceAccount subject (its namespace defaults to the
/// binding's); `None` for other subjects or when no namespace is known.
pub fn service_account_of<'a>(
    subject: &'a Subject,
    binding_namespace: Option<&'a str>,
) -> Option<(&'a str, &'a str)> {
    if subject.kind != "ServiceAccount" {
        return None;
    }
    let namespace = subject
        .namespace
        .as_deref()
        .filter(|ns| !ns.is_empty())
        .or(binding_namespace)?;
    Some((namespace, subject.name.as_str()))
}

/// `ServiceAccount ns/name`, `User name` or `Group name`.
pub fn describe_subject(subject: &Subject, binding_namespace: Option<&str>) -> String {
    match service_account_of(subject, binding_namespace) {
        Some((ns, name)) => format!("ServiceAccount {ns}/{name}"),
        None => format!("{} {}", subject.kind, subject.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rbac(objects: serde_json::Value) -> Rbac {
        Rbac::of_test_objects(&objects)
    }

    #[test]
    fn objects_are_read_as_the_api_server_reads_them() {
        let mut rbac = Rbac::default();
        let null_verbs = json!({"metadata": {"name": "r"}, "rules": [{"verbs": null}]});
        rbac.insert(RbacKind::Role, &null_verbs)
            .expect("null is a zero value");
        assert_eq!(rbac.roles[0].rules.as_ref().map(Vec::len), Some(1));
        let error = rbac
            .insert(RbacKind::ClusterRole, &json!({"rules": [{"verbs": 5}]}))
            .expect_err("wrong type");
        assert_eq!(error.path.to_string(), "rules[0].verbs");
        let id = |api_version: &str, kind: &str| ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            ..ObjectRef::default()
        };
        assert_eq!(
            RbacKind::of(&id("rbac.authorization.k8s.io/v1", "RoleBinding")),
            Some(RbacKind::RoleBinding)
        );
        assert_eq!(RbacKind::of(&id("v1", "Role")), None);
        assert_eq!(
            RbacKind::of(&id("rbac.authorization.k8s.io/v1", "Pod")),
            None
        );
    }

    fn get_secrets(name: Option<&str>) -> ResourceRequest<'_> {
        ResourceRequest {
            verb: "get",
            group: "",
            resource: "secrets",
            subresource: "",
            name,
        }
    }

    #[test]
    fn aggregation_scoping_and_service_account_subjects() {
        let rbac = rbac(json!([
            {"kind": "ClusterRole", "metadata": {"name": "agg"},
             "aggregationRule": {"clusterRoleSelectors": [
                 {"matchExpressions": [{"key": "agg", "operator": "In", "values": ["yes"]}]}]}},
            {"kind": "ClusterRole", "metadata": {"name": "part", "labels": {"agg": "yes"}},
             "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]},
            {"kind": "ClusterRole", "metadata": {"name": "other", "labels": {"agg": "no"}},
             "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
            {"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "shop"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "agg"},
             "subjects": [{"kind": "ServiceAccount", "name": "app"}]},
        ]));
        let app = UserInfo::service_account_token("shop", "app");
        assert!(rbac.allows(&app, "shop", &get_secrets(Some("x"))));
        assert!(!rbac.allows(&app, "other", &get_secrets(Some("x"))));
        assert!(!rbac.allows(
            &UserInfo::service_account_token("other", "app"),
            "shop",
            &get_secrets(None)
        ));
        let granted = rbac.cluster_role_rules("agg");
        assert_eq!(granted.len(), 1);
        assert_eq!(granted[0].describe(), "ClusterRole part rules[0]");
        let delete = ResourceRequest {
            verb: "delete",
            ..get_secrets(None)
        };
        assert!(!rbac.allows(&app, "shop", &delete));
        let root = UserInfo {
            username: "root".into(),
            groups: vec![SUPERUSER_GROUP.into()],
        };
        assert!(rbac.allows(&root, "", &delete));
    }

    proptest::proptest! {
        /// The in-place comparison says what comparing with the formatted user name says,
        /// colons in names included (`a:b` + `c` and `a` + `b:c` name the same user).
        #[test]
        fn service_account_users_compare_as_their_formatted_names(
            namespace in "[a:]{0,4}",
            name in "[b:]{0,4}",
            username in "(system:serviceaccount:)?[a:b]{0,9}",
        ) {
            proptest::prop_assert_eq!(
                is_service_account_user(&username, &namespace, &name),
                username == service_account_user(&namespace, &name)
            );
            proptest::prop_assert!(is_service_account_user(
                &service_account_user(&namespace, &name),
                &namespace,
                &name
            ));
        }
    }
}
