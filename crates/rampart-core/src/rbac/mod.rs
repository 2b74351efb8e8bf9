//! Kubernetes RBAC, decided in one place: the request matcher ([`matcher`]), roles and
//! bindings with aggregation and namespace scoping ([`model`]) and the catalogue of
//! risky permissions ([`risk`]). PodSecurityPolicy `use` checks and the RBAC risk rules
//! both build on it.

pub mod matcher;
pub mod model;
pub mod risk;

pub use matcher::{ResourceRequest, RuleFields, WILDCARD};
pub use model::{
    BindingView, GrantedRule, Rbac, SUPERUSER_GROUP, UserInfo, binds, describe_subject,
    service_account_of, service_account_user, subject_is,
};
pub use risk::{RISKS, Reach, Risk};

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};

use crate::field_path::FieldPath;
use crate::object::{ObjectRef, TypeError, typed_at};

/// Checks an RBAC object's field types (`rules[0].verbs: invalid type...`), so that a
/// malformed Role or binding is an input error with its position rather than an object
/// the RBAC rules quietly ignore. Other objects pass.
pub fn type_check(id: &ObjectRef, value: &serde_json::Value) -> Result<(), TypeError> {
    if id.group() != "rbac.authorization.k8s.io" {
        return Ok(());
    }
    let root = FieldPath::root();
    match id.kind.as_str() {
        "Role" => typed_at::<Role>(value, &root).map(drop),
        "ClusterRole" => typed_at::<ClusterRole>(value, &root).map(drop),
        "RoleBinding" => typed_at::<RoleBinding>(value, &root).map(drop),
        "ClusterRoleBinding" => typed_at::<ClusterRoleBinding>(value, &root).map(drop),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_in_rbac_objects_are_errors_with_paths() {
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "r"}, "rules": [{"verbs": "get", "resources": ["pods"]}]});
        let error = type_check(&ObjectRef::of(&role), &role).expect_err("verbs is a string");
        assert_eq!(error.path.to_string(), "rules[0].verbs");
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "spec": 3});
        assert!(type_check(&ObjectRef::of(&pod), &pod).is_ok());
    }
}
