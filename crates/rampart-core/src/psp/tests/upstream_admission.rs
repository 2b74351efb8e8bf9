//! Rows of upstream's admission_test.go tables (TestAdmitSeccomp, TestAdmitSELinux,
//! TestAdmitAppArmor, TestAdmitRunAsUser, TestAdmitSupplementalGroups, TestAdmitFSGroup,
//! TestAdmitReadOnlyRootFilesystem), with upstream's `restrictivePSP` and `goodPod`.
//! Defaulting is asserted on effective values (container, else pod), which is what the
//! upstream tests meant; v1.11+ no longer copies pod values into containers.

use serde_json::{Value, json};

use super::{create, pod, psp_with};
use crate::psp::{AdmissionOutcome, PodSecurityPolicy};

/// Upstream's `restrictivePSP`: uid/fsGroup/supplementalGroups MustRunAs 999, SELinux
/// MustRunAs level `s9:z0,z1`, with `overrides` merged into the spec.
fn restrictive(name: &str, overrides: Value, annotations: Value) -> PodSecurityPolicy {
    let mut spec = json!({
        "runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 999, "max": 999}]},
        "seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s9:z0,z1"}},
        "fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 999, "max": 999}]},
        "supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 999, "max": 999}]},
    });
    json_patch::merge(&mut spec, &overrides);
    psp_with(name, spec, annotations)
}

/// Upstream's `goodPod` (service account `default`, empty security contexts, container
/// `test-c`) with `overrides` merged.
fn good_pod(overrides: Value) -> Value {
    let mut base = json!({"spec": {
        "serviceAccountName": "default",
        "securityContext": {},
        "containers": [{"name": "test-c", "image": "x", "securityContext": {}}],
    }});
    json_patch::merge(&mut base, &overrides);
    base
}

fn admitted_json(outcome: &AdmissionOutcome) -> Value {
    serde_json::to_value(&outcome.mutated_pod).unwrap_or_default()
}

/// The effective value of `field` for container 0: its own, else the pod's.
fn effective(outcome: &AdmissionOutcome, field: &str) -> Option<Value> {
    let pod = admitted_json(outcome);
    pod.pointer(&format!("/spec/containers/0/securityContext/{field}"))
        .or_else(|| pod.pointer(&format!("/spec/securityContext/{field}")))
        .cloned()
}

struct Row {
    name: &'static str,
    pod: Value,
    policies: Vec<PodSecurityPolicy>,
    expected_policy: Option<&'static str>,
    /// `(effective field, expected value)` checked when admitted.
    expect: Option<(&'static str, Option<Value>)>,
}

fn run(rows: Vec<Row>) {
    for row in rows {
        let outcome = create(pod(row.pod), &row.policies);
        assert_eq!(
            outcome.allowed,
            row.expected_policy.is_some(),
            "{}: {:?}",
            row.name,
            outcome.message
        );
        assert_eq!(
            outcome.policy.as_deref(),
            row.expected_policy,
            "{}",
            row.name
        );
        if let (Some(_), Some((field, expected))) = (row.expected_policy, row.expect) {
            assert_eq!(effective(&outcome, field), expected, "{}", row.name);
        }
    }
}

fn row(
    name: &'static str,
    pod: Value,
    policies: Vec<PodSecurityPolicy>,
    expected_policy: Option<&'static str>,
    expect: Option<(&'static str, Option<Value>)>,
) -> Row {
    Row {
        name,
        pod,
        policies,
        expected_policy,
        expect,
    }
}

#[test]
fn seccomp() {
    let allowed = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
    let default = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
    let pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    let container_key = "container.seccomp.security.alpha.kubernetes.io/test-c";
    let policy = |annotations: Value| vec![restrictive("restrictive", json!({}), annotations)];
    let annotated =
        |annotations: Value| good_pod(json!({"metadata": {"annotations": annotations}}));
    // Profile names are made valid (`localhost/...`): upstream fed the plugin unvalidated
    // policies, we validate them like the API server would.
    let ok = Some("restrictive");
    run(vec![
        row(
            "no seccomp, no pod annotations",
            good_pod(json!({})),
            policy(json!({})),
            ok,
            None,
        ),
        row(
            "no seccomp, pod annotations",
            annotated(json!({pod_key: "localhost/foo"})),
            policy(json!({})),
            None,
            None,
        ),
        row(
            "no seccomp, container annotations",
            annotated(json!({container_key: "localhost/foo"})),
            policy(json!({})),
            None,
            None,
        ),
        row(
            "allow any, no pod annotation",
            good_pod(json!({})),
            policy(json!({allowed: "*"})),
            ok,
            None,
        ),
        row(
            "allow any, pod annotation",
            annotated(json!({pod_key: "localhost/foo"})),
            policy(json!({allowed: "*"})),
            ok,
            None,
        ),
        row(
            "allow any, container annotation",
            annotated(json!({container_key: "localhost/foo"})),
            policy(json!({allowed: "*"})),
            ok,
            None,
        ),
        row(
            "allow specific, pod annotation failure",
            annotated(json!({pod_key: "localhost/bar"})),
            policy(json!({allowed: "localhost/foo"})),
            None,
            None,
        ),
        row(
            "allow specific, container annotation failure",
            annotated(json!({container_key: "localhost/bar"})),
            policy(json!({default: "localhost/foo", allowed: "localhost/foo"})),
            None,
            None,
        ),
        row(
            "allow specific, pod annotation pass",
            annotated(json!({pod_key: "localhost/foo"})),
            policy(json!({allowed: "localhost/foo"})),
            ok,
            None,
        ),
        row(
            "allow specific, container annotation pass",
            annotated(json!({container_key: "localhost/bar"})),
            policy(json!({default: "localhost/foo", allowed: "localhost/foo,localhost/bar"})),
            ok,
            None,
        ),
    ]);
}

#[test]
fn selinux() {
    let run_as_any = restrictive(
        "run-as-any",
        json!({"seLinux": {"rule": "RunAsAny", "seLinuxOptions": null}}),
        json!({}),
    );
    let full = json!({"level": "level", "role": "role", "type": "type", "user": "user"});
    let must_run_as = restrictive(
        "must-run-as",
        json!({"seLinux": {"seLinuxOptions": full.clone()}}),
        json!({}),
    );
    let with = |options: Value| {
        good_pod(json!({"spec": {"securityContext": {"seLinuxOptions": options}}}))
    };
    run(vec![
        row(
            "runAsAny with no pod request",
            good_pod(json!({})),
            vec![run_as_any.clone()],
            Some("run-as-any"),
            Some(("seLinuxOptions", None)),
        ),
        row(
            "runAsAny with pod request",
            with(json!({"user": "foo"})),
            vec![run_as_any.clone()],
            Some("run-as-any"),
            Some(("seLinuxOptions", Some(json!({"user": "foo"})))),
        ),
        row(
            "mustRunAs with bad pod request",
            with(json!({"user": "foo"})),
            vec![must_run_as.clone()],
            None,
            None,
        ),
        row(
            "mustRunAs with no pod request",
            good_pod(json!({})),
            vec![must_run_as.clone()],
            Some("must-run-as"),
            Some(("seLinuxOptions", Some(full.clone()))),
        ),
        row(
            "mustRunAs with good pod request",
            with(full.clone()),
            vec![must_run_as.clone()],
            Some("must-run-as"),
            Some(("seLinuxOptions", Some(full.clone()))),
        ),
    ]);
}

#[test]
fn apparmor() {
    let allowed = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
    let default = "apparmor.security.beta.kubernetes.io/defaultProfileName";
    let key = "container.apparmor.security.beta.kubernetes.io/test-c";
    let unconstrained = restrictive("restrictive", json!({}), json!({}));
    let defaulted = restrictive(
        "restrictive",
        json!({}),
        json!({default: "runtime/default"}),
    );
    let enforced = restrictive(
        "restrictive",
        json!({}),
        json!({allowed: "runtime/default"}),
    );
    let enforced_default = restrictive(
        "restrictive",
        json!({}),
        json!({default: "runtime/default", allowed: "runtime/default,localhost/foo"}),
    );
    let with = |profile: &str| good_pod(json!({"metadata": {"annotations": {key: profile}}}));
    let cases: Vec<(&str, Value, &PodSecurityPolicy, Option<&str>)> = vec![
        (
            "unconstrained with no profile",
            good_pod(json!({})),
            &unconstrained,
            Some(""),
        ),
        (
            "unconstrained with profile",
            with("runtime/default"),
            &unconstrained,
            Some("runtime/default"),
        ),
        (
            "unconstrained with default profile",
            good_pod(json!({})),
            &defaulted,
            Some("runtime/default"),
        ),
        (
            "enforced with no profile",
            good_pod(json!({})),
            &enforced,
            None,
        ),
        (
            "enforced with default profile",
            good_pod(json!({})),
            &enforced_default,
            Some("runtime/default"),
        ),
        (
            "enforced with good profile",
            with("localhost/foo"),
            &enforced_default,
            Some("localhost/foo"),
        ),
        (
            "enforced with local profile",
            with("localhost/bar"),
            &enforced,
            None,
        ),
    ];
    for (name, pod_json, policy, expected_profile) in cases {
        let outcome = create(pod(pod_json), std::slice::from_ref(policy));
        assert_eq!(outcome.allowed, expected_profile.is_some(), "{name}");
        if let Some(expected) = expected_profile {
            let profile = outcome
                .mutated_pod
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .cloned()
                .unwrap_or_default();
            assert_eq!(profile, expected, "{name}");
        }
    }
}

#[test]
fn run_as_user() {
    let run_as_any = restrictive(
        "run-as-any",
        json!({"runAsUser": {"rule": "RunAsAny", "ranges": null}}),
        json!({}),
    );
    let must_run_as = restrictive("must-run-as", json!({}), json!({}));
    let non_root = restrictive(
        "run-as-non-root",
        json!({"runAsUser": {"rule": "MustRunAsNonRoot", "ranges": null}}),
        json!({}),
    );
    let with = |uid: i64| good_pod(json!({"spec": {"securityContext": {"runAsUser": uid}}}));
    run(vec![
        row(
            "runAsAny no pod request",
            good_pod(json!({})),
            vec![run_as_any.clone()],
            Some("run-as-any"),
            Some(("runAsUser", None)),
        ),
        row(
            "runAsAny pod request",
            with(1),
            vec![run_as_any.clone()],
            Some("run-as-any"),
            Some(("runAsUser", Some(json!(1)))),
        ),
        row(
            "mustRunAs pod request out of range",
            with(1),
            vec![must_run_as.clone()],
            None,
            None,
        ),
        row(
            "mustRunAs pod request in range",
            with(999),
            vec![must_run_as.clone()],
            Some("must-run-as"),
            Some(("runAsUser", Some(json!(999)))),
        ),
        row(
            "mustRunAs no pod request",
            good_pod(json!({})),
            vec![must_run_as.clone()],
            Some("must-run-as"),
            Some(("runAsUser", Some(json!(999)))),
        ),
        row(
            "runAsNonRoot no pod request",
            good_pod(json!({})),
            vec![non_root.clone()],
            Some("run-as-non-root"),
            Some(("runAsUser", None)),
        ),
        row(
            "runAsNonRoot pod request root",
            with(0),
            vec![non_root.clone()],
            None,
            None,
        ),
        row(
            "runAsNonRoot pod request non-root",
            with(1),
            vec![non_root.clone()],
            Some("run-as-non-root"),
            Some(("runAsUser", Some(json!(1)))),
        ),
    ]);
}

#[test]
fn supplemental_groups_and_fs_group() {
    let any_sg = restrictive(
        "run-as-any",
        json!({"supplementalGroups": {"rule": "RunAsAny", "ranges": null}}),
        json!({}),
    );
    let any_fs = restrictive(
        "run-as-any",
        json!({"fsGroup": {"rule": "RunAsAny", "ranges": null}}),
        json!({}),
    );
    let must = restrictive("must-run-as", json!({}), json!({}));
    let sg = |g: i64| good_pod(json!({"spec": {"securityContext": {"supplementalGroups": [g]}}}));
    let fs = |g: i64| good_pod(json!({"spec": {"securityContext": {"fsGroup": g}}}));
    run(vec![
        row(
            "sg runAsAny no pod request",
            good_pod(json!({})),
            vec![any_sg.clone()],
            Some("run-as-any"),
            Some(("supplementalGroups", None)),
        ),
        row(
            "sg runAsAny pod request",
            sg(1),
            vec![any_sg.clone()],
            Some("run-as-any"),
            Some(("supplementalGroups", Some(json!([1])))),
        ),
        row(
            "sg mustRunAs no pod request",
            good_pod(json!({})),
            vec![must.clone()],
            Some("must-run-as"),
            Some(("supplementalGroups", Some(json!([999])))),
        ),
        row(
            "sg mustRunAs bad pod request",
            sg(1),
            vec![must.clone()],
            None,
            None,
        ),
        row(
            "sg mustRunAs good pod request",
            sg(999),
            vec![must.clone()],
            Some("must-run-as"),
            Some(("supplementalGroups", Some(json!([999])))),
        ),
        row(
            "fs runAsAny no pod request",
            good_pod(json!({})),
            vec![any_fs.clone()],
            Some("run-as-any"),
            Some(("fsGroup", None)),
        ),
        row(
            "fs runAsAny pod request",
            fs(1),
            vec![any_fs.clone()],
            Some("run-as-any"),
            Some(("fsGroup", Some(json!(1)))),
        ),
        row(
            "fs mustRunAs no pod request",
            good_pod(json!({})),
            vec![must.clone()],
            Some("must-run-as"),
            Some(("fsGroup", Some(json!(999)))),
        ),
        row(
            "fs mustRunAs bad pod request",
            fs(1),
            vec![must.clone()],
            None,
            None,
        ),
        row(
            "fs mustRunAs good pod request",
            fs(999),
            vec![must.clone()],
            Some("must-run-as"),
            Some(("fsGroup", Some(json!(999)))),
        ),
    ]);
}

#[test]
fn read_only_root_filesystem() {
    let no_rorfs = restrictive("no-rorfs", json!({}), json!({}));
    let rorfs = restrictive("rorfs", json!({"readOnlyRootFilesystem": true}), json!({}));
    let with = |value: bool| {
        good_pod(
            json!({"spec": {"containers": [{"name": "test-c", "image": "x", "securityContext": {"readOnlyRootFilesystem": value}}]}}),
        )
    };
    let field = "readOnlyRootFilesystem";
    run(vec![
        row(
            "no-rorfs allows pod request with rorfs",
            with(true),
            vec![no_rorfs.clone()],
            Some("no-rorfs"),
            Some((field, Some(json!(true)))),
        ),
        row(
            "no-rorfs allows pod request without rorfs",
            with(false),
            vec![no_rorfs.clone()],
            Some("no-rorfs"),
            Some((field, Some(json!(false)))),
        ),
        row(
            "rorfs rejects pod request without rorfs",
            with(false),
            vec![rorfs.clone()],
            None,
            None,
        ),
        row(
            "rorfs defaults nil pod request",
            good_pod(json!({})),
            vec![rorfs.clone()],
            Some("rorfs"),
            Some((field, Some(json!(true)))),
        ),
        row(
            "rorfs accepts pod request with rorfs",
            with(true),
            vec![rorfs.clone()],
            Some("rorfs"),
            Some((field, Some(json!(true)))),
        ),
    ]);
}

#[test]
fn matching_policies_by_subject() {
    // Upstream TestGetMatchingPolicies: policy1 allowed for the service account, policy2 for
    // the user, policy3 for neither; a pod valid under all three picks the first allowed.
    struct Disallow;
    impl crate::psp::Authorizer for Disallow {
        fn allows(&self, request: &crate::psp::UseRequest<'_>) -> bool {
            let sa = request.user.username.starts_with("system:serviceaccount:");
            match request.policy {
                "policy1" => sa,
                "policy2" => !sa,
                _ => false,
            }
        }
    }
    let policies: Vec<PodSecurityPolicy> = ["policy3", "policy2", "policy1"]
        .iter()
        .map(|name| restrictive(name, json!({}), json!({})))
        .collect();
    let with_sa = super::create_with(pod(good_pod(json!({}))), &policies, &Disallow);
    assert_eq!(with_sa.policy.as_deref(), Some("policy1"));
    let without_sa = super::create_with(
        pod(good_pod(json!({"spec": {"serviceAccountName": null}}))),
        &policies,
        &Disallow,
    );
    assert_eq!(without_sa.policy.as_deref(), Some("policy2"));
}
