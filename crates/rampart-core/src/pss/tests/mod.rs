//! Tests of the PSS engine: the upstream conformance fixtures, byte-exact messages and
//! the cases the fixtures leave out.

mod conformance;
mod defaulting;
mod edge_cases;
mod messages;
mod versions;

use k8s_openapi::api::core::v1::Pod;

use super::{Evaluation, LevelVersion, Violation, evaluate};

/// Parses a YAML pod the way the conformance test does.
fn parse_pod(yaml: &str) -> Result<Pod, String> {
    let value: serde_json::Value = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Evaluates a YAML pod (no defaulting) at `policy`, e.g. `"restricted:v1.30"`.
fn eval(policy: &str, yaml: &str) -> Evaluation {
    let policy: LevelVersion = policy.parse().expect("test policy parses");
    let pod = parse_pod(yaml).expect("test pod parses");
    let spec = pod.spec.unwrap_or_default();
    evaluate(&policy, &pod.metadata, &spec)
}

/// Evaluates a pod given as JSON (no defaulting) at `policy`.
fn eval_json(policy: &str, pod: serde_json::Value) -> Evaluation {
    eval(policy, &pod.to_string())
}

/// The single violation of `check`, failing the test if absent.
fn violation<'e>(evaluation: &'e Evaluation, check: &str) -> &'e Violation {
    evaluation
        .violations()
        .iter()
        .find(|v| v.check == check)
        .unwrap_or_else(|| panic!("no {check} violation in {:?}", evaluation.violations()))
}

/// `reason (detail)` of the violation of `check`.
fn message_of(evaluation: &Evaluation, check: &str) -> String {
    let v = violation(evaluation, check);
    format!("{} ({})", v.reason, v.detail)
}

/// The rendered paths of the violation of `check`.
fn paths_of(evaluation: &Evaluation, check: &str) -> Vec<String> {
    violation(evaluation, check)
        .paths
        .iter()
        .map(ToString::to_string)
        .collect()
}
