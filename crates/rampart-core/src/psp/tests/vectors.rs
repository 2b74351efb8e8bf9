//! Runs the spec §12 vectors in `vectors.yaml` through [`admit`].

use serde::Deserialize;
use serde_json::{Value, json};

use super::{pod, psp_with, request};
use crate::psp::{AllowAll, Operation, admit};

#[derive(Deserialize)]
struct Vector {
    name: String,
    #[serde(default = "create")]
    operation: Operation,
    policies: Vec<PolicyVector>,
    pod: Value,
    allowed: bool,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Vec<String>>,
    #[serde(default)]
    expect_pod: serde_json::Map<String, Value>,
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

#[test]
fn spec_vectors() {
    let vectors: Vec<Vector> =
        serde_saphyr::from_str(include_str!("vectors.yaml")).expect("vectors parse");
    assert!(vectors.len() >= 25);
    for v in vectors {
        let policies: Vec<_> = v
            .policies
            .iter()
            .map(|p| {
                psp_with(
                    &p.name,
                    if p.spec.is_null() {
                        json!({})
                    } else {
                        p.spec.clone()
                    },
                    p.annotations.clone(),
                )
            })
            .collect();
        let mut req = request(v.operation, pod(v.pod.clone()));
        if v.operation == Operation::Update {
            req.old_pod = Some(pod(json!({"metadata": {"labels": {"version": "old"}}})));
        }
        let outcome = admit(&req, &policies, &AllowAll);
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
        let admitted = serde_json::to_value(&outcome.mutated_pod).expect("pod json");
        for (pointer, expected) in &v.expect_pod {
            let expected = (!expected.is_null()).then_some(expected);
            assert_eq!(admitted.pointer(pointer), expected, "{}: {pointer}", v.name);
        }
    }
}
