//! Pod Security Admission's order of decisions on a pod UPDATE, as upstream's
//! `admission.go` takes them: exemptions, the namespace lookup and a fully privileged
//! namespace come before the "significant update" filter, and a change of a container's
//! seccomp annotation is significant.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use rampart_core::psp::AllowAll;
use rampart_server::engine::{Context, Endpoint, Engine, ExistingPods, Labels, Verdict};
use rampart_server::{Config, review};
use serde_json::{Value, json};

fn pod(annotations: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "team", "annotations": annotations},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    })
}

fn update(namespace: &str, new: &Value, old: &Value) -> review::AdmissionRequest {
    let body = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace,
            "name": "web",
            "operation": "UPDATE",
            "userInfo": {"username": "alice"},
            "object": new,
            "oldObject": old,
        }
    });
    review::parse(&serde_json::to_vec(&body).unwrap()).unwrap()
}

fn validate(config: &str, request: &review::AdmissionRequest, labels: Labels<'_>) -> Verdict {
    let engine = Engine::new(Config::parse(config).unwrap());
    engine.review(
        Endpoint::Validate,
        request,
        &Context {
            labels,
            authz: &AllowAll,
            pods: ExistingPods::Unknown,
        },
    )
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), (*v).to_owned()))
        .collect()
}

const CONFIG: &str =
    "podSecurity:\n  exemptions:\n    namespaces: [kube-system]\ncluster: disabled\n";

#[test]
fn a_change_of_a_containers_seccomp_annotation_is_evaluated() {
    let old = pod(json!({}));
    let new = pod(json!({"container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}));
    let baseline = labels(&[("enforce", "baseline"), ("enforce-version", "v1.18")]);
    let verdict = validate(CONFIG, &update("team", &new, &old), Ok(Some(&baseline)));
    let denial = verdict.denial.expect("the unconfined profile is denied");
    assert_eq!(denial.code, 403);
    assert!(
        denial.message.contains("seccompProfile"),
        "{}",
        denial.message
    );
    // Any other annotation is not looked at.
    let other = pod(json!({"team": "web"}));
    let unconfined = pod(json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}));
    let verdict = validate(
        CONFIG,
        &update("team", &unconfined, &other),
        Ok(Some(&baseline)),
    );
    assert!(verdict.allowed(), "{verdict:?}");
}

#[test]
fn an_unchanged_pod_in_an_exempt_namespace_is_recorded_as_exempt() {
    let same = pod(json!({}));
    let verdict = validate(CONFIG, &update("kube-system", &same, &same), Ok(None));
    assert!(verdict.allowed());
    assert_eq!(
        verdict.audit.get("exempt").map(String::as_str),
        Some("namespace")
    );
}

#[test]
fn an_unchanged_pod_still_needs_its_namespace() {
    let same = pod(json!({}));
    let verdict = validate(CONFIG, &update("team", &same, &same), Err("timeout".into()));
    assert_eq!(verdict.denial.expect("lookup failed").code, 500);
}

#[test]
fn an_unchanged_pod_in_a_privileged_namespace_records_the_policy() {
    let same = pod(json!({}));
    let verdict = validate(CONFIG, &update("team", &same, &same), Ok(None));
    assert!(verdict.allowed());
    assert_eq!(
        verdict.audit.get("enforce-policy").map(String::as_str),
        Some("privileged:latest")
    );
    // A restricted namespace: the unchanged pod is let through without evaluation.
    let restricted = labels(&[("enforce", "restricted")]);
    let verdict = validate(CONFIG, &update("team", &same, &same), Ok(Some(&restricted)));
    assert!(verdict.allowed() && verdict.audit.is_empty(), "{verdict:?}");
}

fn create(pod: &Value) -> review::AdmissionRequest {
    let mut request = update("team", pod, pod);
    request.operation = "CREATE".into();
    request.old_object = None;
    request
}

/// The catalogue runs in the webhook through the scanner's loop: an ignore annotation
/// silences a warning as it silences the finding in `rampart scan`; an enforced rule is
/// the administrator's and still denies.
#[test]
fn an_ignore_annotation_silences_a_warning_but_never_lifts_a_denial() {
    let mut host_pid = pod(json!({"rampart.dev/ignore": "host-pid=node agent"}));
    host_pid["spec"]["hostPID"] = json!(true);
    let warn = "rules:\n  warn: [host-pid, host-network]\ncluster: disabled\n";
    let verdict = validate(warn, &create(&host_pid), Ok(None));
    assert!(verdict.allowed());
    assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
    // Another rule is not silenced.
    host_pid["spec"]["hostNetwork"] = json!(true);
    let verdict = validate(warn, &create(&host_pid), Ok(None));
    assert_eq!(verdict.warnings.len(), 1, "{:?}", verdict.warnings);
    assert!(verdict.warnings[0].starts_with("rampart: host-network: "));
    let enforce = "rules:\n  enforce: [host-pid]\ncluster: disabled\n";
    let verdict = validate(enforce, &create(&host_pid), Ok(None));
    let denial = verdict.denial.expect("enforced");
    assert!(
        denial.message.contains("rampart: host-pid: "),
        "{}",
        denial.message
    );
}
