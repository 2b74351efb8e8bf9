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
        app.seccomp_profile.map(|s| s.value.kind).as_deref(),
        Some("RuntimeDefault")
    );
    let apparmor = app.app_armor_profile.expect("annotation");
    assert_eq!(apparmor.value.kind, "Unconfined");
    assert_eq!(
        apparmor.path.to_string(),
        "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
    );
    let side = pod.effective(&containers[2]);
    assert_eq!(side.run_as_non_root.map(|s| s.value), Some(false));
    assert_eq!(
        side.seccomp_profile.map(|s| s.value.kind).as_deref(),
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

fn pod_view(value: &serde_json::Value) -> PodView {
    deployment_pod(value)
}

#[test]
fn a_container_annotation_wins_over_the_pod_field() {
    // Kubernetes v1.19 to v1.26 copy a container's annotation into its empty field
    // when the pod is created, so it beats the pod's field (and PodSecurityPolicy
    // validates the same order).
    let value = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p",
        "annotations": {
            "container.seccomp.security.alpha.kubernetes.io/app": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/app": "localhost/tight",
            "seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
        "spec": {
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"},
                                "appArmorProfile": {"type": "Unconfined"}},
            "containers": [{"name": "app"}, {"name": "other"}]}});
    let pod = pod_view(&value);
    let containers: Vec<_> = pod.containers().collect();
    let app = pod.effective(&containers[0]);
    let seccomp = app.seccomp_profile.expect("annotation");
    assert_eq!(seccomp.value, Profile::unconfined());
    assert_eq!(seccomp.origin, Origin::ContainerAnnotation);
    assert_eq!(
        seccomp.path.to_string(),
        "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]"
    );
    let apparmor = app.app_armor_profile.expect("annotation");
    assert_eq!(
        (
            apparmor.value.kind.as_str(),
            apparmor.value.localhost.as_deref()
        ),
        ("Localhost", Some("tight"))
    );
    let other = pod.effective(&containers[1]);
    let seccomp = other.seccomp_profile.expect("pod field");
    assert_eq!(
        (seccomp.origin, seccomp.path.to_string()),
        (
            Origin::Pod,
            "spec.securityContext.seccompProfile".to_owned()
        )
    );
    assert_eq!(
        other.app_armor_profile.map(|p| (p.value.kind, p.origin)),
        Some(("Unconfined".to_owned(), Origin::Pod))
    );
}

fn container_security(security_context: serde_json::Value) -> EffectiveSecurity {
    let value = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app", "securityContext": security_context}]}});
    let pod = pod_view(&value);
    let container = pod.containers().next().expect("container");
    pod.effective(&container)
}

#[test]
fn privilege_escalation_is_implied_by_privileged_and_sys_admin() {
    let unset = container_security(json!({}));
    let escalation = unset.privilege_escalation();
    assert!(escalation.value);
    assert_eq!(escalation.origin, Origin::RuntimeDefault);
    assert_eq!(
        escalation.path.to_string(),
        "spec.containers[0].securityContext.allowPrivilegeEscalation"
    );

    let privileged = container_security(json!({"privileged": true}));
    let escalation = privileged.privilege_escalation();
    assert_eq!(
        (
            escalation.value,
            escalation.origin,
            escalation.path.to_string()
        ),
        (
            true,
            Origin::Implied,
            "spec.containers[0].securityContext.privileged".to_owned()
        )
    );

    let sys_admin =
        container_security(json!({"capabilities": {"add": ["NET_ADMIN", "CAP_SYS_ADMIN"]}}));
    let escalation = sys_admin.privilege_escalation();
    assert_eq!(
        (escalation.origin, escalation.path.to_string()),
        (
            Origin::Implied,
            "spec.containers[0].securityContext.capabilities.add[1]".to_owned()
        )
    );

    let off = container_security(json!({"allowPrivilegeEscalation": false}));
    assert!(!off.privilege_escalation().value);
    assert_eq!(off.privilege_escalation_conflict(), None);
    let conflict =
        container_security(json!({"allowPrivilegeEscalation": false, "privileged": true}));
    assert_eq!(conflict.privilege_escalation_conflict(), Some("privileged"));
}

#[test]
fn capabilities_in_force_start_from_the_runtime_default() {
    let names = |set: CapabilitySet| match set {
        CapabilitySet::All => vec!["ALL".to_owned()],
        CapabilitySet::Some(set) => set.into_iter().collect(),
    };
    assert_eq!(
        names(container_security(json!({})).capabilities_in_force()).len(),
        RUNTIME_DEFAULT_CAPABILITIES.len()
    );
    let dropped =
        container_security(json!({"capabilities": {"drop": ["ALL"], "add": ["net_bind_service"]}}));
    assert_eq!(names(dropped.capabilities_in_force()), ["NET_BIND_SERVICE"]);
    let lower_case = container_security(json!({"capabilities": {"drop": ["all"]}}));
    assert!(
        lower_case.capabilities_in_force().contains("NET_RAW"),
        "`all` is not `ALL`"
    );
    let some = container_security(
        json!({"capabilities": {"drop": ["NET_RAW", "CAP_CHOWN"], "add": ["SYS_TIME", "CHOWN"]}}),
    );
    let held = some.capabilities_in_force();
    assert!(!held.contains("NET_RAW"));
    assert!(held.contains("CAP_CHOWN"), "an add wins over a drop");
    assert!(held.contains("SYS_TIME"));
    assert_eq!(
        container_security(json!({"privileged": true})).capabilities_in_force(),
        CapabilitySet::All
    );
    assert_eq!(
        container_security(json!({"capabilities": {"add": ["ALL"]}})).capabilities_in_force(),
        CapabilitySet::All
    );
}
