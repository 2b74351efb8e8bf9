//! Runs the spec §12 vectors in `vectors.yaml` through [`admit`], holding every outcome to
//! "the admitted pod is the submitted pod with the patch applied".

use serde::Deserialize;
use serde_json::{Value, json};

use super::{admit_checked, pod, psp_with, request};
use crate::psp::{AllowAll, Operation};

/// One vector of `vectors.yaml`.
#[derive(Deserialize)]
pub(crate) struct Vector {
    pub name: String,
    #[serde(default = "create")]
    pub operation: Operation,
    policies: Vec<PolicyVector>,
    /// Merged into pod `p` (see [`pod`]).
    pub pod: Value,
    pub allowed: bool,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Vec<String>>,
    #[serde(default)]
    expect_pod: serde_json::Map<String, Value>,
    /// The exact JSONPatch, when given.
    #[serde(default)]
    patch: Option<Value>,
    /// UPDATE only: the stored pod (merged into `p`); absent, a pod with other labels.
    #[serde(default)]
    old: Option<Value>,
    /// UPDATE only: no stored pod at all.
    #[serde(default)]
    no_old: bool,
}

#[derive(Deserialize)]
struct PolicyVector {
    name: String,
    #[serde(default)]
    spec: Value,
    #[serde(default)]
    annotations: Value,
}

fn create() -> Operation {
    Operation::Create
}

/// Every vector of `vectors.yaml`.
pub(crate) fn vectors() -> Vec<Vector> {
    serde_saphyr::from_str(include_str!("vectors.yaml")).expect("vectors parse")
}

impl Vector {
    /// The vector's policies, each named as written.
    pub(crate) fn policies(&self) -> Vec<crate::psp::PodSecurityPolicy> {
        self.policies
            .iter()
            .map(|p| {
                let spec = if p.spec.is_null() {
                    json!({})
                } else {
                    p.spec.clone()
                };
                psp_with(&p.name, spec, p.annotations.clone())
            })
            .collect()
    }
}

#[test]
fn spec_vectors() {
    let vectors = vectors();
    assert!(vectors.len() >= 25);
    for v in vectors {
        let policies = v.policies();
        let mut req = request(v.operation, pod(v.pod.clone()));
        if v.operation == Operation::Update && !v.no_old {
            let old = v
                .old
                .clone()
                .unwrap_or_else(|| json!({"metadata": {"labels": {"version": "old"}}}));
            req.old_pod = Some(pod(old));
        }
        let outcome = admit_checked(&req, &policies, &AllowAll);
        assert_eq!(
            outcome.allowed, v.allowed,
            "{}: {:?}",
            v.name, outcome.message
        );
        assert_eq!(outcome.policy, v.policy, "{}", v.name);
        if let Some(message) = &v.message {
            assert_eq!(outcome.message.as_ref(), Some(message), "{}", v.name);
        }
        if let Some(errors) = &v.errors {
            let got: Vec<String> = outcome.errors.iter().map(|e| e.error.to_string()).collect();
            assert_eq!(&got, errors, "{}", v.name);
        }
        if let Some(patch) = &v.patch {
            let got = serde_json::to_value(&outcome.patch).expect("patch json");
            assert_eq!(&got, patch, "{}: patch", v.name);
        }
        let admitted = serde_json::to_value(&outcome.mutated_pod).expect("pod json");
        for (pointer, expected) in &v.expect_pod {
            let expected = (!expected.is_null()).then_some(expected);
            assert_eq!(admitted.pointer(pointer), expected, "{}: {pointer}", v.name);
        }
    }
}
