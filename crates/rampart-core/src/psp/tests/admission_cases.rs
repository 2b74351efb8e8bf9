//! Admission scenarios (after upstream's admission_test.go: TestAdmitPrivileged,
//! TestAdmitCaps, TestAdmitVolumes, TestAdmitHost*, TestAdmitPreferNonmutating,
//! TestPolicyAuthorization, TestAdmitSeccomp, ...).

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::{
    admit_checked, create, create_with, outcome_errors, pod, pod_with_container_sc, psp, psp_with,
    request,
};
use crate::psp::strategies::volumes::FS_TYPES;
use crate::psp::{
    AdmissionOutcome, AllowAll, Authorizer, Operation, PSP_ANNOTATION, PodSecurityPolicy,
    UseRequest,
};

/// Asserts the outcome was admitted by `expected` (with the annotation) or rejected (`None`).
fn assert_admitted_by(outcome: &AdmissionOutcome, expected: Option<&str>, name: &str) {
    assert_eq!(
        outcome.allowed,
        expected.is_some(),
        "{name}: {:?}",
        outcome.message
    );
    assert_eq!(outcome.policy.as_deref(), expected, "{name}");
    if let Some(policy) = expected {
        let annotation = outcome
            .mutated_pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(PSP_ANNOTATION));
        assert_eq!(annotation.map(String::as_str), Some(policy), "{name}");
    }
}

fn restrictive(name: &str) -> PodSecurityPolicy {
    psp(name, json!({}))
}

fn container_json(outcome: &AdmissionOutcome, pointer: &str) -> Option<Value> {
    serde_json::to_value(&outcome.mutated_pod)
        .ok()?
        .pointer(pointer)
        .cloned()
}

/// Moves the regular containers to init containers, like upstream's `useInitContainers`.
fn as_init(pod: &Pod) -> Pod {
    let mut pod = pod.clone();
    if let Some(spec) = pod.spec.as_mut() {
        spec.init_containers = Some(std::mem::take(&mut spec.containers));
    }
    pod
}

#[test]
fn privileged() {
    let non_priv = psp("non-priv", json!({}));
    let priv_ = psp("priv", json!({"privileged": true}));
    let privileged_pod = pod_with_container_sc(json!({"privileged": true}));
    let cases: [(&str, Pod, Vec<PodSecurityPolicy>, Option<&str>); 4] = [
        (
            "no priv request under non-priv",
            pod(json!({})),
            vec![non_priv.clone()],
            Some("non-priv"),
        ),
        (
            "no priv request under priv",
            pod(json!({})),
            vec![priv_.clone()],
            Some("priv"),
        ),
        (
            "priv request denied",
            privileged_pod.clone(),
            vec![non_priv.clone()],
            None,
        ),
        (
            "priv request allowed by priv",
            privileged_pod.clone(),
            vec![non_priv.clone(), priv_.clone()],
            Some("priv"),
        ),
    ];
    for (name, pod, policies, expected) in cases {
        assert_admitted_by(&create(pod.clone(), &policies), expected, name);
        assert_admitted_by(&create(as_init(&pod), &policies), expected, name);
    }
}

#[test]
fn capabilities() {
    let restricted = restrictive("restricted");
    let allowed = psp(
        "allow-cap-in-allowed",
        json!({"allowedCapabilities": ["foo"]}),
    );
    let required = psp(
        "allow-cap-in-required",
        json!({"defaultAddCapabilities": ["foo"]}),
    );
    let drop = psp("require-drop", json!({"requiredDropCapabilities": ["foo"]}));
    let adds_foo = pod_with_container_sc(json!({"capabilities": {"add": ["foo"]}}));
    let drops_foo = pod_with_container_sc(json!({"capabilities": {"drop": ["foo"]}}));
    let caps = "/spec/containers/0/securityContext/capabilities";
    type Case = (
        &'static str,
        Pod,
        Vec<PodSecurityPolicy>,
        Option<&'static str>,
        Option<Value>,
    );
    let cases: [Case; 7] = [
        (
            "reject add when not allowed",
            adds_foo.clone(),
            vec![restricted.clone()],
            None,
            None,
        ),
        (
            "accept add when allowed",
            adds_foo.clone(),
            vec![restricted.clone(), allowed.clone()],
            Some("allow-cap-in-allowed"),
            None,
        ),
        (
            "accept add when default",
            adds_foo.clone(),
            vec![restricted.clone(), required.clone()],
            Some("allow-cap-in-required"),
            None,
        ),
        (
            "reject add of a required drop",
            adds_foo.clone(),
            vec![restricted.clone(), drop.clone()],
            None,
            None,
        ),
        (
            "accept drop of a required drop",
            drops_foo.clone(),
            vec![drop.clone()],
            Some("require-drop"),
            None,
        ),
        (
            "default add is written",
            pod(json!({})),
            vec![required.clone()],
            Some("allow-cap-in-required"),
            Some(json!({"add": ["foo"]})),
        ),
        (
            "required drop is written",
            pod(json!({})),
            vec![drop.clone()],
            Some("require-drop"),
            Some(json!({"drop": ["foo"]})),
        ),
    ];
    for (name, pod, policies, expected, expected_caps) in cases {
        let outcome = create(pod, &policies);
        assert_admitted_by(&outcome, expected, name);
        if let Some(expected_caps) = expected_caps {
            assert_eq!(
                container_json(&outcome, caps),
                Some(expected_caps),
                "{name}"
            );
        }
    }
}

/// The smallest valid source of each volume type (required fields filled in).
fn minimal_source(fs_type: &str) -> Value {
    match fs_type {
        "hostPath" => json!({"path": "/x"}),
        "gcePersistentDisk" => json!({"pdName": "d"}),
        "awsElasticBlockStore" | "cinder" | "portworxVolume" => json!({"volumeID": "v"}),
        "gitRepo" => json!({"repository": "r"}),
        "nfs" => json!({"server": "s", "path": "/p"}),
        "iscsi" => json!({"targetPortal": "t", "iqn": "i", "lun": 0}),
        "glusterfs" => json!({"endpoints": "e", "path": "p"}),
        "persistentVolumeClaim" => json!({"claimName": "c"}),
        "rbd" => json!({"monitors": ["m"], "image": "i"}),
        "flexVolume" | "csi" => json!({"driver": "d"}),
        "cephFS" => json!({"monitors": ["m"]}),
        "azureFile" => json!({"secretName": "s", "shareName": "s"}),
        "vsphereVolume" => json!({"volumePath": "p"}),
        "quobyte" => json!({"registry": "r", "volume": "v"}),
        "azureDisk" => json!({"diskName": "d", "diskURI": "u"}),
        "photonPersistentDisk" => json!({"pdID": "p"}),
        "scaleIO" => json!({"gateway": "g", "system": "s", "secretRef": {}}),
        _ => json!({}),
    }
}

#[test]
fn every_volume_type() {
    for fs_type in FS_TYPES {
        let key = if fs_type == "cephFS" {
            "cephfs"
        } else {
            fs_type
        };
        let mut volume = json!({"name": "v"});
        volume[key] = minimal_source(fs_type);
        let raw = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "x"}], "volumes": [volume]}});
        let pod: Pod = serde_json::from_value(raw).expect("volume source parses");
        let denied = create(pod.clone(), &[restrictive("psp")]);
        assert!(!denied.allowed, "{fs_type} denial");
        assert_eq!(
            outcome_errors(&denied),
            [format!(
                "spec.volumes[0]: Invalid value: \"{fs_type}\": {fs_type} volumes are not allowed to be used"
            )],
            "{fs_type}"
        );
        assert!(
            !create(as_init(&pod), &[restrictive("psp")]).allowed,
            "{fs_type} init denial"
        );
        let direct = psp("psp", json!({"volumes": [fs_type]}));
        assert_admitted_by(&create(pod.clone(), &[direct]), Some("psp"), fs_type);
        let wildcard = psp("psp", json!({"volumes": ["*"]}));
        assert_admitted_by(&create(pod, &[wildcard]), Some("psp"), fs_type);
    }
}

#[test]
fn host_namespaces_and_ports() {
    let cases: [(&str, Value, Value, Option<&str>); 12] = [
        (
            "hostNetwork under no-hostnetwork",
            json!({}),
            json!({}),
            Some("psp"),
        ),
        (
            "hostNetwork denied",
            json!({}),
            json!({"spec": {"hostNetwork": true}}),
            None,
        ),
        (
            "hostNetwork allowed",
            json!({"hostNetwork": true}),
            json!({"spec": {"hostNetwork": true}}),
            Some("psp"),
        ),
        (
            "hostPID denied",
            json!({}),
            json!({"spec": {"hostPID": true}}),
            None,
        ),
        (
            "hostPID allowed",
            json!({"hostPID": true}),
            json!({"spec": {"hostPID": true}}),
            Some("psp"),
        ),
        (
            "hostIPC denied",
            json!({}),
            json!({"spec": {"hostIPC": true}}),
            None,
        ),
        (
            "hostIPC allowed",
            json!({"hostIPC": true}),
            json!({"spec": {"hostIPC": true}}),
            Some("psp"),
        ),
        (
            "host port out of range",
            json!({"hostPorts": [{"min": 1, "max": 10}]}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "ports": [{"containerPort": 1, "hostPort": 11}]}]}}),
            None,
        ),
        (
            "host port in range",
            json!({"hostPorts": [{"min": 1, "max": 10}]}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "ports": [{"containerPort": 1, "hostPort": 5}]}]}}),
            Some("psp"),
        ),
        (
            "no host ports with range",
            json!({"hostPorts": [{"min": 1, "max": 10}]}),
            json!({}),
            Some("psp"),
        ),
        (
            "no host ports without range",
            json!({}),
            json!({}),
            Some("psp"),
        ),
        (
            "host ports without range",
            json!({}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "ports": [{"containerPort": 1, "hostPort": 5}]}]}}),
            None,
        ),
    ];
    for (name, spec, pod_overrides, expected) in cases {
        let pod = pod(pod_overrides);
        assert_admitted_by(
            &create(pod.clone(), &[psp("psp", spec.clone())]),
            expected,
            name,
        );
        assert_admitted_by(&create(as_init(&pod), &[psp("psp", spec)]), expected, name);
    }
}

#[test]
fn prefers_non_mutating_then_name() {
    let mutating_a = psp(
        "a-mutating",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 1000}]}}),
    );
    let mutating_b = psp(
        "b-mutating",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 2000, "max": 2000}]}}),
    );
    let non_mutating = psp("z-non-mutating", json!({}));
    let uid = "/spec/containers/0/securityContext/runAsUser";
    let cases: [(&str, Vec<PodSecurityPolicy>, &str, Option<Value>); 4] = [
        (
            "non-mutating preferred over earlier names",
            vec![mutating_a.clone(), mutating_b.clone(), non_mutating.clone()],
            "z-non-mutating",
            None,
        ),
        (
            "first mutating by name",
            vec![mutating_b.clone(), mutating_a.clone()],
            "a-mutating",
            Some(json!(1000)),
        ),
        (
            "single mutating",
            vec![mutating_b.clone()],
            "b-mutating",
            Some(json!(2000)),
        ),
        (
            "only non-mutating",
            vec![non_mutating.clone()],
            "z-non-mutating",
            None,
        ),
    ];
    for (name, policies, expected, expected_uid) in cases {
        let outcome = create(pod(json!({})), &policies);
        assert_admitted_by(&outcome, Some(expected), name);
        assert_eq!(container_json(&outcome, uid), expected_uid, "{name}");
    }
}

#[test]
fn existing_annotation_is_ignored_on_create() {
    let pod = pod(json!({"metadata": {"annotations": {"kubernetes.io/psp": "z"}}}));
    let outcome = create(pod, &[psp("a", json!({})), psp("z", json!({}))]);
    assert_admitted_by(&outcome, Some("a"), "hint ignored on create");
}

#[test]
fn update_validates_only() {
    let mutating = psp(
        "a-mutating",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 1000}]}}),
    );
    let plain = psp("b-plain", json!({}));
    let other = psp("c-plain", json!({}));
    let annotated =
        |psp: &str| pod(json!({"metadata": {"annotations": {"kubernetes.io/psp": psp}}}));
    type Case = (
        &'static str,
        Pod,
        Vec<PodSecurityPolicy>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: [Case; 4] = [
        (
            "hint first",
            annotated("c-plain"),
            vec![plain.clone(), other.clone()],
            Some("c-plain"),
            None,
        ),
        (
            "no hint: by name",
            pod(json!({})),
            vec![other.clone(), plain.clone()],
            Some("b-plain"),
            None,
        ),
        (
            "mutating policy cannot validate",
            pod(json!({})),
            vec![mutating.clone()],
            None,
            Some("pods \"p\" is forbidden: PodSecurityPolicy: unable to validate pod: []"),
        ),
        (
            "unknown hint falls back",
            annotated("gone"),
            vec![mutating.clone(), plain.clone()],
            Some("b-plain"),
            None,
        ),
    ];
    for (name, new_pod, policies, expected, message) in cases {
        let mut req = request(Operation::Update, new_pod);
        req.old_pod = Some(pod(json!({"metadata": {"labels": {"old": "yes"}}})));
        let outcome = admit_checked(&req, &policies, &AllowAll);
        assert_eq!(outcome.allowed, expected.is_some(), "{name}");
        assert_eq!(outcome.policy.as_deref(), expected, "{name}");
        assert_eq!(outcome.message.as_deref(), message, "{name}");
        assert!(outcome.patch.0.is_empty(), "{name}: update never patches");
    }
}

#[test]
fn ignored_requests() {
    let privileged = pod_with_container_sc(json!({"privileged": true}));
    let restricted = [restrictive("r")];
    let mut status = request(Operation::Update, privileged.clone());
    status.subresource = Some("status".into());
    let mut ephemeral = request(Operation::Update, privileged.clone());
    ephemeral.subresource = Some("ephemeralcontainers".into());
    let delete = request(Operation::Delete, privileged.clone());
    let mut gc_only = request(Operation::Update, {
        let mut p = privileged.clone();
        p.metadata.finalizers = Some(vec!["foregroundDeletion".into()]);
        p
    });
    gc_only.old_pod = Some(privileged.clone());
    let mut real_update = request(Operation::Update, privileged.clone());
    real_update.old_pod = Some(pod(json!({})));
    for (name, req, allowed) in [
        ("status subresource", status, true),
        ("ephemeralcontainers subresource", ephemeral, true),
        ("delete", delete, true),
        ("gc-only update", gc_only, true),
        ("real update", real_update, false),
    ] {
        let outcome = admit_checked(&req, &restricted, &AllowAll);
        assert_eq!(outcome.allowed, allowed, "{name}");
    }
}

#[test]
fn rejection_messages() {
    let bad = pod(json!({"spec": {"containers": [{"name": "app", "image": "x",
        "securityContext": {"privileged": true}, "ports": [{"containerPort": 80, "hostPort": 80}]}]}}));
    let outcome = create(bad.clone(), &[restrictive("p")]);
    assert_eq!(
        outcome.message.as_deref(),
        Some(
            "pods \"p\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed spec.containers[0].hostPort: Invalid value: 80: Host port 80 is not allowed to be used. Allowed ports: []]"
        )
    );
    let mut generated = bad.clone();
    generated.metadata.name = None;
    generated.metadata.generate_name = Some("web-7d4b9c5f6-".into());
    let outcome = create(generated, &[restrictive("p")]);
    assert!(outcome.message.as_deref().is_some_and(|m| m.starts_with(
        "pods \"web-7d4b9c5f6-\" is forbidden: PodSecurityPolicy: unable to admit pod: ["
    )));
    let outcome = create(bad.clone(), &[]);
    assert_eq!(
        outcome.message.as_deref(),
        Some(
            "pods \"p\" is forbidden: PodSecurityPolicy: no providers available to validate pod request"
        )
    );
    let outcome = create_with(bad, &[restrictive("p")], &DenyAll);
    assert_eq!(
        outcome.message.as_deref(),
        Some("pods \"p\" is forbidden: PodSecurityPolicy: unable to admit pod: []")
    );
}

#[test]
fn errors_of_several_policies_in_name_order() {
    let bad = pod_with_container_sc(json!({"privileged": true, "procMount": "Unmasked"}));
    let outcome = create(
        bad,
        &[
            psp("b", json!({"privileged": true})),
            psp("a", json!({"allowedProcMountTypes": ["Unmasked"]})),
        ],
    );
    let got: Vec<(String, String)> = outcome
        .errors
        .iter()
        .map(|e| (e.policy.clone(), e.error.to_string()))
        .collect();
    assert_eq!(got, [
        ("a".to_string(), "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed".to_string()),
        ("b".to_string(), "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed".to_string()),
    ]);
}

struct DenyAll;
impl Authorizer for DenyAll {
    fn allows(&self, _: &UseRequest<'_>) -> bool {
        false
    }
}

/// Grants `policy` to one subject name only.
struct Grant {
    subject: &'static str,
    policy: &'static str,
}
impl Authorizer for Grant {
    fn allows(&self, request: &UseRequest<'_>) -> bool {
        request.user.username == self.subject
            && request.policy == self.policy
            && request.api_group == "policy"
    }
}

#[test]
fn policy_authorization() {
    let policies = [
        psp("a-strict", json!({})),
        psp("b-loose", json!({"privileged": true})),
    ];
    let privileged = pod_with_container_sc(json!({"privileged": true}));
    let sa_pod = {
        let mut p = privileged.clone();
        if let Some(spec) = p.spec.as_mut() {
            spec.service_account_name = Some("builder".into());
        }
        p
    };
    let strict_error = vec!["spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed".to_string()];
    type Case = (&'static str, Pod, Grant, Option<&'static str>, Vec<String>);
    let cases: [Case; 5] = [
        (
            "user may use loose",
            privileged.clone(),
            Grant {
                subject: "alice",
                policy: "b-loose",
            },
            Some("b-loose"),
            vec![],
        ),
        (
            "user may use only strict",
            privileged.clone(),
            Grant {
                subject: "alice",
                policy: "a-strict",
            },
            None,
            strict_error.clone(),
        ),
        (
            "sa may use loose",
            sa_pod.clone(),
            Grant {
                subject: "system:serviceaccount:ns:builder",
                policy: "b-loose",
            },
            Some("b-loose"),
            vec![],
        ),
        (
            "sa grant ignored without sa",
            privileged.clone(),
            Grant {
                subject: "system:serviceaccount:ns:builder",
                policy: "b-loose",
            },
            None,
            vec![],
        ),
        (
            "other user",
            privileged.clone(),
            Grant {
                subject: "bob",
                policy: "b-loose",
            },
            None,
            vec![],
        ),
    ];
    for (name, pod, grant, expected, errors) in cases {
        let outcome = create_with(pod, &policies, &grant);
        assert_eq!(outcome.policy.as_deref(), expected, "{name}");
        assert_eq!(outcome_errors(&outcome), errors, "{name}");
    }
}

#[test]
fn unauthenticated_user_is_never_authorized() {
    let mut req = request(Operation::Create, pod(json!({})));
    req.user = None;
    let outcome = admit_checked(&req, &[restrictive("p")], &AllowAll);
    assert!(!outcome.allowed);
    assert_eq!(
        outcome.message.as_deref(),
        Some("pods \"p\" is forbidden: PodSecurityPolicy: unable to admit pod: []")
    );
}

#[test]
fn skips_invalid_and_unbuildable_policies() {
    let invalid = psp("invalid", json!({"volumes": ["bogus"]}));
    let unbuildable = psp("unbuildable", json!({"fsGroup": {"rule": "MustRunAs"}}));
    let outcome = create(pod(json!({})), &[invalid, unbuildable, restrictive("ok")]);
    assert_admitted_by(&outcome, Some("ok"), "skips");
    let skipped: Vec<(&str, &str)> = outcome
        .skipped_policies
        .iter()
        .map(|s| (s.policy.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2);
    assert_eq!(
        skipped[1],
        ("unbuildable", "ranges must be supplied for MustRunAs")
    );
    assert!(skipped[0].1.starts_with("invalid policy: [spec.volumes: Unsupported value: \"bogus\": supported values: \"*\", \"awsElasticBlockStore\""));
    assert_eq!(
        outcome.skipped_policies[0].errors[0].field.to_string(),
        "spec.volumes"
    );
}

#[test]
fn seccomp_admission() {
    let default_and_allow = psp_with(
        "seccomp",
        json!({}),
        json!({
            "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
        }),
    );
    let outcome = create(pod(json!({})), std::slice::from_ref(&default_and_allow));
    assert_admitted_by(&outcome, Some("seccomp"), "seccomp default");
    assert_eq!(
        container_json(
            &outcome,
            "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"
        ),
        Some(json!("runtime/default"))
    );
    let unconfined = pod(
        json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}}),
    );
    let outcome = create(unconfined, &[default_and_allow]);
    assert_eq!(
        outcome_errors(&outcome),
        [
            "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default",
            "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default",
        ]
    );
}

#[test]
fn patch_reproduces_the_mutated_pod() {
    let policy = psp_with(
        "full",
        json!({
            "runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]},
            "runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 3000, "max": 3000}]},
            "fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 2000, "max": 2000}]},
            "supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]},
            "seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0:c1,c2"}},
            "requiredDropCapabilities": ["ALL"],
            "readOnlyRootFilesystem": true,
            "allowPrivilegeEscalation": false,
            "volumes": ["configMap", "emptyDir"],
            "runtimeClass": {"allowedRuntimeClassNames": ["gvisor"], "defaultRuntimeClassName": "gvisor"},
        }),
        json!({
            "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
            "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default",
            "apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default",
        }),
    );
    let original = pod(json!({"spec": {
        "initContainers": [{"name": "init", "image": "i"}],
        "containers": [{"name": "app", "image": "a", "securityContext": {"capabilities": {"add": []}}}, {"name": "side", "image": "s"}],
        "volumes": [{"name": "cache", "emptyDir": {}}],
    }}));
    let outcome = create(original.clone(), std::slice::from_ref(&policy));
    assert_admitted_by(&outcome, Some("full"), "full");
    let audit: Vec<(&str, &str)> = outcome
        .audit_annotations
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        audit,
        [
            ("podsecuritypolicy.policy.k8s.io/admit-policy", "full"),
            ("podsecuritypolicy.policy.k8s.io/validate-policy", "full"),
        ]
    );
    let mut document = serde_json::to_value(&original).expect("json");
    json_patch::patch(&mut document, &outcome.patch).expect("patch applies");
    assert_eq!(
        document,
        serde_json::to_value(&outcome.mutated_pod).expect("json")
    );
    assert!(!outcome.patch.0.is_empty());

    // Idempotent: re-admitting the output changes nothing and picks the same policy.
    let again = create(outcome.mutated_pod.clone(), &[policy]);
    assert_admitted_by(&again, Some("full"), "re-admit");
    assert!(again.patch.0.is_empty(), "{:?}", again.patch);
}

#[test]
fn outcome_json_shape() {
    let outcome = create(
        pod_with_container_sc(json!({"privileged": true})),
        &[restrictive("p")],
    );
    let value = serde_json::to_value(&outcome).expect("json");
    assert_eq!(value["allowed"], json!(false));
    assert_eq!(value["policy"], Value::Null);
    assert_eq!(value["patch"], json!([]));
    assert_eq!(
        value["errors"],
        json!([{
            "policy": "p",
            "field": "spec.containers[0].securityContext.privileged",
            "type": "FieldValueInvalid",
            "value": true,
            "detail": "Privileged containers are not allowed",
        }])
    );
    assert!(value["pod"].is_object());
    assert!(
        value["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("pods \"p\" is forbidden"))
    );
}
