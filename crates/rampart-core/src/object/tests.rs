use serde_json::json;

use super::*;

#[test]
fn lists_expand_into_items_with_their_path() {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleList", "items": [
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}}
        ]}
    ]});
    let found = objects(&list).expect("objects");
    let summary: Vec<_> = found
        .iter()
        .map(|o| (o.id.kind.as_str(), o.id.name.as_deref(), o.base.to_string()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Pod", Some("a"), "items[0]".to_owned()),
            ("Role", Some("r"), "items[1].items[0]".to_owned())
        ]
    );
    assert_eq!(found[0].id.namespace.as_deref(), Some("x"));
    assert_eq!(found[1].id.group(), "rbac.authorization.k8s.io");
}

#[test]
fn documents_that_are_not_objects() {
    assert_eq!(
        objects(&json!({"image": {"tag": "1"}})).err(),
        Some(NotAnObject::Foreign)
    );
    let Err(NotAnObject::Malformed { path, message }) = objects(&json!({"apiVersion": "v1"}))
    else {
        panic!("expected malformed");
    };
    assert_eq!(
        (path.to_string(), message.as_str()),
        ("kind".to_owned(), "kind is required")
    );
    assert_eq!(objects(&json!(["a"])).err(), Some(NotAnObject::Foreign));
    let list_of_scalars = json!({"apiVersion": "v1", "kind": "List", "items": ["a"]});
    assert!(matches!(
        objects(&list_of_scalars),
        Err(NotAnObject::Malformed { .. })
    ));
    assert!(matches!(
        objects(&json!({"apiVersion": "v1", "kind": 3})),
        Err(NotAnObject::Malformed { .. })
    ));
}

fn template_spec(api_version: &str, kind: &str) -> Option<String> {
    let id = ObjectRef {
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        ..ObjectRef::default()
    };
    WorkloadKinds::default()
        .template_of(&id)
        .map(|t| t.spec.to_string())
}

#[test]
fn every_workload_kind_has_its_template_path() {
    let cases = [
        ("v1", "Pod", Some("spec")),
        ("v1", "PodTemplate", Some("template.spec")),
        ("v1", "ReplicationController", Some("spec.template.spec")),
        ("apps/v1", "Deployment", Some("spec.template.spec")),
        ("apps/v1", "ReplicaSet", Some("spec.template.spec")),
        ("apps/v1", "StatefulSet", Some("spec.template.spec")),
        ("apps/v1", "DaemonSet", Some("spec.template.spec")),
        ("batch/v1", "Job", Some("spec.template.spec")),
        (
            "batch/v1",
            "CronJob",
            Some("spec.jobTemplate.spec.template.spec"),
        ),
        (
            "argoproj.io/v1alpha1",
            "Rollout",
            Some("spec.template.spec"),
        ),
        (
            "serving.knative.dev/v1",
            "Service",
            Some("spec.template.spec"),
        ),
        ("v1", "Service", None),
        ("v1", "ConfigMap", None),
    ];
    for (api_version, kind, expected) in cases {
        assert_eq!(
            template_spec(api_version, kind).as_deref(),
            expected,
            "{kind}"
        );
    }
}

#[test]
fn custom_kinds_are_configurable() {
    let mut kinds = WorkloadKinds::default();
    kinds.add_custom("example.com", "Runner", "spec.pod");
    let id = ObjectRef::of(&json!({"apiVersion": "example.com/v2", "kind": "Runner"}));
    let location = kinds.template_of(&id).expect("custom kind");
    assert_eq!(location.metadata.to_string(), "spec.pod.metadata");
}

fn deployment() -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {
            "metadata": {"annotations": {
                "container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
            "spec": {
                "securityContext": {"runAsNonRoot": true, "runAsUser": 1000,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "initContainers": [{"name": "init", "securityContext": {"runAsUser": 0}}],
                "containers": [{"name": "app"}, {"name": "side",
                    "securityContext": {"runAsNonRoot": false, "seccompProfile": {"type": "Unconfined"}}}],
                "ephemeralContainers": [{"name": "debug", "targetContainerName": "app"}]
            }
        }}
    })
}

fn deployment_pod(value: &serde_json::Value) -> PodView {
    let location = WorkloadKinds::default()
        .template_of(&ObjectRef::of(value))
        .expect("workload");
    PodView::read(value, location).expect("typed").expect("pod")
}

#[test]
fn containers_come_in_upstream_order_with_paths() {
    let value = deployment();
    let pod = deployment_pod(&value);
    let seen: Vec<_> = pod
        .containers()
        .map(|c| (c.name().to_owned(), c.path.to_string()))
        .collect();
    let expected = [
        ("init", "spec.template.spec.initContainers[0]"),
        ("app", "spec.template.spec.containers[0]"),
        ("side", "spec.template.spec.containers[1]"),
        ("debug", "spec.template.spec.ephemeralContainers[0]"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn effective_security_inherits_from_the_pod() {
    let value = deployment();
    let pod = deployment_pod(&value);
    let containers: Vec<_> = pod.containers().collect();
    let init = pod.effective(&containers[0]);
    let run_as_user = init.run_as_user.expect("set");
    assert_eq!(run_as_user.value, 0);
    assert_eq!(
        run_as_user.path.to_string(),
        "spec.template.spec.initContainers[0].securityContext.runAsUser"
    );
    let app = pod.effective(&containers[1]);
    let non_root = app.run_as_non_root.expect("inherited");
    assert!(non_root.value);
    assert_eq!(
        non_root.path.to_string(),
        "spec.template.spec.securityContext.runAsNonRoot"
    );
    assert_eq!(
        app.seccomp_profile.map(|s| s.value).as_deref(),
        Some("RuntimeDefault")
    );
    let apparmor = app.app_armor_profile.expect("annotation");
    assert_eq!(apparmor.value, "Unconfined");
    assert_eq!(
        apparmor.path.to_string(),
        "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
    );
    let side = pod.effective(&containers[2]);
    assert_eq!(side.run_as_non_root.map(|s| s.value), Some(false));
    assert_eq!(
        side.seccomp_profile.map(|s| s.value).as_deref(),
        Some("Unconfined")
    );
    assert_eq!(side.app_armor_profile, None);
}

#[test]
fn wrong_types_name_the_exact_field() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
        {"name": "a", "securityContext": {"privileged": "maybe"}}]}});
    let location = WorkloadKinds::default()
        .template_of(&ObjectRef::of(&pod))
        .expect("pod");
    let error = PodView::read(&pod, location).expect_err("type error");
    assert_eq!(
        error.path.to_string(),
        "spec.containers[0].securityContext.privileged"
    );
    assert!(error.message.contains("boolean"), "{}", error.message);
}

#[test]
fn fragments_without_a_spec_have_no_pod() {
    let patch = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}});
    let location = WorkloadKinds::default()
        .template_of(&ObjectRef::of(&patch))
        .expect("workload");
    assert!(PodView::read(&patch, location).expect("ok").is_none());
}
