//! Scenario tests across modules: provider defaulting and validation per PSP field,
//! admission (policy selection, messages, patch), object validation and spec vectors.

mod admission_cases;
mod provider_defaulting;
mod provider_validation;
mod upstream_admission;
mod validation_cases;
pub(crate) mod vectors;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use crate::psp::{
    AdmissionAttributes, AdmissionOutcome, AllowAll, Authorizer, Operation, PodSecurityPolicy,
    Provider, UserInfo, admit,
};

/// A policy named `name`: RunAsAny everywhere, no volumes, with `overrides` merged into
/// the spec (RFC 7386) and `annotations` as metadata annotations.
pub(crate) fn psp_with(name: &str, overrides: Value, annotations: Value) -> PodSecurityPolicy {
    let mut spec = json!({
        "runAsUser": {"rule": "RunAsAny"},
        "seLinux": {"rule": "RunAsAny"},
        "fsGroup": {"rule": "RunAsAny"},
        "supplementalGroups": {"rule": "RunAsAny"},
    });
    json_patch::merge(&mut spec, &overrides);
    let object = json!({
        "apiVersion": "policy/v1beta1",
        "kind": "PodSecurityPolicy",
        "metadata": {"name": name, "annotations": annotations},
        "spec": spec,
    });
    serde_json::from_value(object).expect("test policy")
}

/// A policy without annotations.
pub(super) fn psp(name: &str, overrides: Value) -> PodSecurityPolicy {
    psp_with(name, overrides, json!({}))
}

/// Pod `p` in namespace `ns` with one container `app`, `overrides` merged (RFC 7386).
pub(crate) fn pod(overrides: Value) -> Pod {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    });
    json_patch::merge(&mut pod, &overrides);
    serde_json::from_value(pod).expect("test pod")
}

/// A pod whose single container has `security_context`.
pub(super) fn pod_with_container_sc(security_context: Value) -> Pod {
    pod(
        json!({"spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": security_context}]}}),
    )
}

/// Defaults then validates `pod` with a provider for `policy`; returns the rendered errors.
pub(super) fn provider_errors(policy: &PodSecurityPolicy, pod: &Pod) -> Vec<String> {
    let provider = Provider::new(policy).expect("provider");
    let mut copy = pod.clone();
    provider.mutate_pod(&mut copy);
    provider
        .validate_pod(&copy)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The pod defaulted by a provider for `policy`, as JSON.
pub(super) fn defaulted(policy: &PodSecurityPolicy, pod: &Pod) -> Value {
    let provider = Provider::new(policy).expect("provider");
    let mut copy = pod.clone();
    provider.mutate_pod(&mut copy);
    serde_json::to_value(copy).expect("pod json")
}

/// A request by user `alice` in namespace `ns`.
pub(super) fn request(operation: Operation, pod: Pod) -> AdmissionAttributes {
    AdmissionAttributes {
        operation,
        pod,
        old_pod: None,
        user: Some(UserInfo {
            username: "alice".into(),
            groups: vec!["system:authenticated".into()],
        }),
        namespace: "ns".into(),
        subresource: None,
    }
}

/// [`admit`], asserting what holds for every outcome: the reported pod is the submitted
/// pod with the patch applied (nothing changed outside the patch), and only an admitting
/// CREATE patches.
pub(super) fn admit_checked(
    request: &AdmissionAttributes,
    policies: &[PodSecurityPolicy],
    authz: &dyn Authorizer,
) -> AdmissionOutcome {
    let outcome = admit(request, policies, authz);
    let mut document = serde_json::to_value(&request.pod).expect("pod json");
    json_patch::patch(&mut document, &outcome.patch).expect("the patch applies to the input");
    assert_eq!(
        document,
        serde_json::to_value(&outcome.mutated_pod).expect("pod json"),
        "the reported pod is the input with the patch applied"
    );
    if !(outcome.allowed && request.operation == Operation::Create) {
        assert!(outcome.patch.0.is_empty(), "{:?}", outcome.patch);
    }
    outcome
}

/// CREATE `pod` against `policies` with everything authorized.
pub(super) fn create(pod: Pod, policies: &[PodSecurityPolicy]) -> AdmissionOutcome {
    admit_checked(&request(Operation::Create, pod), policies, &AllowAll)
}

/// CREATE with a custom authorizer.
pub(super) fn create_with(
    pod: Pod,
    policies: &[PodSecurityPolicy],
    authz: &dyn Authorizer,
) -> AdmissionOutcome {
    admit_checked(&request(Operation::Create, pod), policies, authz)
}

/// Rendered errors of an outcome.
pub(super) fn outcome_errors(outcome: &AdmissionOutcome) -> Vec<String> {
    outcome.errors.iter().map(|e| e.error.to_string()).collect()
}
