//! Provider defaulting per PSP field (after upstream's provider_test.go
//! TestMutatePod* / TestDefault* cases): which fields are written, and which are not.

use serde_json::{Value, json};

use super::{defaulted, pod, psp_with};

/// `(JSON pointer, expected value or None for absent)`.
type Expect = (&'static str, Option<Value>);

struct Case {
    name: &'static str,
    spec: Value,
    annotations: Value,
    pod: Value,
    expect: Vec<Expect>,
}

fn case(name: &'static str, spec: Value, pod: Value, expect: Vec<Expect>) -> Case {
    Case {
        name,
        spec,
        annotations: json!({}),
        pod,
        expect,
    }
}

const C0: &str = "/spec/containers/0/securityContext";

fn run(cases: Vec<Case>) {
    for case in cases {
        let policy = psp_with("psp", case.spec, case.annotations);
        let out = defaulted(&policy, &pod(case.pod));
        for (pointer, expected) in case.expect {
            assert_eq!(
                out.pointer(pointer),
                expected.as_ref(),
                "{}: {pointer}",
                case.name
            );
        }
    }
}

/// Pointer to a field of the first container's security context.
macro_rules! sc {
    ($field:literal) => {
        concat!("/spec/containers/0/securityContext/", $field)
    };
}

#[test]
fn pod_level_defaults() {
    let sg = "/spec/securityContext/supplementalGroups";
    let fg = "/spec/securityContext/fsGroup";
    let se = "/spec/securityContext/seLinuxOptions";
    run(vec![
        case(
            "nothing to default",
            json!({}),
            json!({}),
            vec![
                ("/spec/securityContext", None),
                (C0, None),
                ("/metadata/annotations", None),
            ],
        ),
        case(
            "supplementalGroups MustRunAs",
            json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 5, "max": 10}, {"min": 1, "max": 2}]}}),
            json!({}),
            vec![(sg, Some(json!([5])))],
        ),
        case(
            "supplementalGroups kept",
            json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 5, "max": 10}]}}),
            json!({"spec": {"securityContext": {"supplementalGroups": [7]}}}),
            vec![(sg, Some(json!([7])))],
        ),
        case(
            "supplementalGroups empty list is generated",
            json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 5, "max": 10}]}}),
            json!({"spec": {"securityContext": {"supplementalGroups": []}}}),
            vec![(sg, Some(json!([5])))],
        ),
        case(
            "supplementalGroups MayRunAs not generated",
            json!({"supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 5, "max": 10}]}}),
            json!({}),
            vec![(sg, None), ("/spec/securityContext", None)],
        ),
        case(
            "fsGroup MustRunAs",
            json!({"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 3, "max": 4}]}}),
            json!({}),
            vec![(fg, Some(json!(3)))],
        ),
        case(
            "fsGroup kept",
            json!({"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 3, "max": 4}]}}),
            json!({"spec": {"securityContext": {"fsGroup": 4}}}),
            vec![(fg, Some(json!(4)))],
        ),
        case(
            "fsGroup MayRunAs not generated",
            json!({"fsGroup": {"rule": "MayRunAs", "ranges": [{"min": 3, "max": 4}]}}),
            json!({}),
            vec![(fg, None)],
        ),
        case(
            "seLinux MustRunAs on pod only",
            json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"user": "u", "role": "r", "type": "t", "level": "s0"}}}),
            json!({}),
            vec![
                (
                    se,
                    Some(json!({"user": "u", "role": "r", "type": "t", "level": "s0"})),
                ),
                (C0, None),
            ],
        ),
        case(
            "seLinux kept",
            json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0"}}}),
            json!({"spec": {"securityContext": {"seLinuxOptions": {"level": "s1"}}}}),
            vec![(se, Some(json!({"level": "s1"})))],
        ),
        case(
            "runtimeClass default",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["gvisor"], "defaultRuntimeClassName": "gvisor"}}),
            json!({}),
            vec![("/spec/runtimeClassName", Some(json!("gvisor")))],
        ),
        case(
            "runtimeClass kept",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["*"], "defaultRuntimeClassName": "gvisor"}}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            vec![("/spec/runtimeClassName", Some(json!("kata")))],
        ),
        case(
            "runtimeClass without default",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["gvisor"]}}),
            json!({}),
            vec![("/spec/runtimeClassName", None)],
        ),
    ]);
}

#[test]
fn container_defaults() {
    let user = sc!("runAsUser");
    let group = sc!("runAsGroup");
    let non_root = sc!("runAsNonRoot");
    let caps = sc!("capabilities");
    let rorfs = sc!("readOnlyRootFilesystem");
    run(vec![
        case(
            "runAsUser MustRunAs",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}}),
            json!({}),
            vec![(user, Some(json!(1000)))],
        ),
        case(
            "runAsUser inherited from pod is not copied",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}}),
            json!({"spec": {"securityContext": {"runAsUser": 1500}}}),
            vec![
                (C0, None),
                ("/spec/securityContext/runAsUser", Some(json!(1500))),
            ],
        ),
        case(
            "runAsUser kept",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"runAsUser": 1}}]}}),
            vec![(user, Some(json!(1)))],
        ),
        case(
            "MustRunAsNonRoot marks container",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            json!({}),
            vec![(non_root, Some(json!(true))), (user, None)],
        ),
        case(
            "MustRunAsNonRoot with uid set",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"runAsUser": 1000}}]}}),
            vec![(non_root, None)],
        ),
        case(
            "MustRunAsNonRoot with pod runAsNonRoot",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            json!({"spec": {"securityContext": {"runAsNonRoot": true}}}),
            vec![(C0, None)],
        ),
        case(
            "RunAsAny writes nothing",
            json!({}),
            json!({}),
            vec![(C0, None)],
        ),
        case(
            "runAsGroup MustRunAs",
            json!({"runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 7, "max": 9}]}}),
            json!({}),
            vec![(group, Some(json!(7)))],
        ),
        case(
            "runAsGroup MayRunAs writes nothing",
            json!({"runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 7, "max": 9}]}}),
            json!({}),
            vec![(C0, None)],
        ),
        case(
            "runAsGroup inherited",
            json!({"runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 7, "max": 9}]}}),
            json!({"spec": {"securityContext": {"runAsGroup": 8}}}),
            vec![(C0, None)],
        ),
        case(
            "default add capability",
            json!({"defaultAddCapabilities": ["NET_ADMIN"], "allowedCapabilities": ["SYS_TIME"]}),
            json!({}),
            vec![(caps, Some(json!({"add": ["NET_ADMIN"]})))],
        ),
        case(
            "required drop capability",
            json!({"requiredDropCapabilities": ["NET_RAW", "ALL"]}),
            json!({}),
            vec![(caps, Some(json!({"drop": ["ALL", "NET_RAW"]})))],
        ),
        case(
            "merge with container capabilities",
            json!({"defaultAddCapabilities": ["B"], "requiredDropCapabilities": ["Y"]}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"capabilities": {"add": ["C", "A"], "drop": ["Z"]}}}]}}),
            vec![(
                caps,
                Some(json!({"add": ["A", "B", "C"], "drop": ["Y", "Z"]})),
            )],
        ),
        case(
            "container capabilities untouched when nothing new",
            json!({"requiredDropCapabilities": ["Y"]}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"capabilities": {"drop": ["Z", "Y", "Z"]}}}]}}),
            vec![(caps, Some(json!({"drop": ["Z", "Y", "Z"]})))],
        ),
        case(
            "readOnlyRootFilesystem defaulted",
            json!({"readOnlyRootFilesystem": true}),
            json!({}),
            vec![(rorfs, Some(json!(true)))],
        ),
        case(
            "readOnlyRootFilesystem false kept",
            json!({"readOnlyRootFilesystem": true}),
            json!({"spec": {"containers": [{"name": "app", "image": "x", "securityContext": {"readOnlyRootFilesystem": false}}]}}),
            vec![(rorfs, Some(json!(false)))],
        ),
        case(
            "readOnlyRootFilesystem not required",
            json!({}),
            json!({}),
            vec![(C0, None)],
        ),
        case(
            "privileged never written",
            json!({"privileged": false}),
            json!({}),
            vec![(C0, None)],
        ),
    ]);
}

#[test]
fn annotation_defaults() {
    let apparmor = "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app";
    let seccomp_pod = "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod";
    let seccomp_field = "/spec/securityContext/seccompProfile";
    let cases = vec![
        Case {
            name: "apparmor default",
            spec: json!({}),
            annotations: json!({"apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"}),
            pod: json!({}),
            expect: vec![(apparmor, Some(json!("runtime/default")))],
        },
        Case {
            name: "apparmor kept",
            spec: json!({}),
            annotations: json!({"apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"}),
            pod: json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "localhost/x"}}}),
            expect: vec![(apparmor, Some(json!("localhost/x")))],
        },
        Case {
            name: "seccomp default writes the annotation only",
            spec: json!({}),
            annotations: json!({"seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
            pod: json!({}),
            expect: vec![
                (seccomp_pod, Some(json!("runtime/default"))),
                ("/spec/securityContext", None),
            ],
        },
        Case {
            name: "seccomp localhost default",
            spec: json!({}),
            annotations: json!({"seccomp.security.alpha.kubernetes.io/defaultProfileName": "localhost/prof.json"}),
            pod: json!({}),
            expect: vec![
                (seccomp_pod, Some(json!("localhost/prof.json"))),
                (seccomp_field, None),
            ],
        },
        Case {
            name: "seccomp pod annotation kept",
            spec: json!({}),
            annotations: json!({"seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
            pod: json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}}),
            expect: vec![
                (seccomp_pod, Some(json!("unconfined"))),
                (seccomp_field, None),
            ],
        },
        Case {
            name: "seccomp field copied to annotation",
            spec: json!({}),
            annotations: json!({}),
            pod: json!({"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}}),
            expect: vec![
                (seccomp_pod, Some(json!("unconfined"))),
                (seccomp_field, Some(json!({"type": "Unconfined"}))),
            ],
        },
        Case {
            name: "no seccomp default",
            spec: json!({}),
            annotations: json!({}),
            pod: json!({}),
            expect: vec![("/metadata/annotations", None)],
        },
    ];
    run(cases);
}

#[test]
fn every_container_kind_is_defaulted() {
    let policy = psp_with(
        "psp",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 9, "max": 9}]}}),
        json!({}),
    );
    let out = defaulted(
        &policy,
        &pod(json!({"spec": {
            "initContainers": [{"name": "init", "image": "i"}],
            "ephemeralContainers": [{"name": "debug", "image": "d"}],
        }})),
    );
    for pointer in [
        "/spec/initContainers/0/securityContext/runAsUser",
        "/spec/containers/0/securityContext/runAsUser",
        "/spec/ephemeralContainers/0/securityContext/runAsUser",
    ] {
        assert_eq!(out.pointer(pointer), Some(&json!(9)), "{pointer}");
    }
}
