//! Pod Security Standards and PodSecurityPolicy on every pod of the input: PSS at every
//! level for the oldest and newest versions, PSP admission (CREATE and UPDATE) with the
//! input's policies and RBAC.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::FieldPath;
use rampart_core::object::{Loaded, PodView, WorkloadKinds, load, typed_at};
use rampart_core::psp::{
    AdmissionAttributes, AllowAll, Authorizer, Operation, PodSecurityPolicy, Rbac, UserInfo, admit,
    validate_policy,
};
use rampart_core::pss::{LevelVersion, evaluate_pod};
use rampart_core::source::Limits;

/// The objects of `kind` in `loaded` that decode as `T`.
fn of_kind<T: serde::de::DeserializeOwned>(loaded: &Loaded, kind: &str) -> Vec<T> {
    loaded
        .objects
        .iter()
        .filter(|o| o.id.kind == kind)
        .filter_map(|o| typed_at::<T>(&o.value, &FieldPath::root()).ok().flatten())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let loaded = load(data, &Limits::default());
    let mut policies: Vec<PodSecurityPolicy> = of_kind(&loaded, "PodSecurityPolicy");
    for policy in &mut policies {
        let _ = validate_policy(policy);
        policy.apply_defaults();
    }
    let rbac = Rbac {
        roles: of_kind(&loaded, "Role"),
        cluster_roles: of_kind(&loaded, "ClusterRole"),
        role_bindings: of_kind(&loaded, "RoleBinding"),
        cluster_role_bindings: of_kind(&loaded, "ClusterRoleBinding"),
    };
    let authz: &dyn Authorizer = if rbac.roles.is_empty() && rbac.cluster_roles.is_empty() {
        &AllowAll
    } else {
        &rbac
    };
    let levels: Vec<LevelVersion> = [
        "privileged:latest",
        "baseline:v1.0",
        "baseline:latest",
        "restricted:v1.0",
        "restricted:latest",
    ]
    .iter()
    .filter_map(|p| p.parse().ok())
    .collect();
    let kinds = WorkloadKinds::default();
    for object in &loaded.objects {
        let Some(location) = kinds.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(view)) = PodView::read(&object.value, location) else {
            continue;
        };
        for level in &levels {
            let evaluation = evaluate_pod(&view, level);
            let _ = evaluation.evaluation.forbidden_message();
        }
        let pod = k8s_openapi::api::core::v1::Pod {
            metadata: view.meta.clone(),
            spec: Some(view.spec.clone()),
            status: None,
        };
        for operation in [Operation::Create, Operation::Update] {
            let request = AdmissionAttributes {
                operation,
                old_pod: matches!(operation, Operation::Update).then(|| pod.clone()),
                pod: pod.clone(),
                user: Some(UserInfo {
                    username: "alice".to_owned(),
                    groups: vec!["system:authenticated".to_owned()],
                }),
                namespace: object.id.namespace.clone().unwrap_or_default(),
                subresource: None,
            };
            let _ = admit(&request, &policies, authz);
        }
    }
});
