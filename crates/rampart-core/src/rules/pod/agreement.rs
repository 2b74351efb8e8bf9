//! The catalogue rules that restate a Pod Security control find exactly what that control
//! finds at the latest version (what `scan --pss` and `rampart pss` apply), on every
//! combination of the fields the control reads.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::config::Config;
use crate::object::{Object, ObjectRef};
use crate::pss::{self, LevelVersion};
use crate::scan::{ScanOptions, check_object};

/// The paths `rule` reports on `pod`.
fn catalogue(rule: &'static str, pod: &Value) -> BTreeSet<String> {
    let options = ScanOptions::from_config(Config::default().only(&[rule]));
    let object = Object {
        id: ObjectRef::of(pod),
        value: pod,
        base: crate::field_path::FieldPath::root(),
    };
    check_object(&object, &options)
        .expect("a well-typed pod")
        .findings
        .into_iter()
        .map(|f| f.path.to_string())
        .collect()
}

/// The paths the Pod Security check `check` reports on `pod` under `policy`.
fn pod_security(policy: &str, check: &str, pod: &Value) -> BTreeSet<String> {
    let policy: LevelVersion = policy.parse().expect("policy");
    let meta = serde_json::from_value(pod["metadata"].clone()).expect("metadata");
    let spec = serde_json::from_value(pod["spec"].clone()).expect("spec");
    pss::evaluate(&policy, &meta, &spec)
        .violations()
        .iter()
        .filter(|v| v.check == check)
        .flat_map(|v| v.paths.iter().map(ToString::to_string))
        .collect()
}

/// Asserts `rule` and the Pod Security `check` under `policy` report the same paths on
/// every pod, and that the pods include some that pass and some that fail.
fn agree(rule: &'static str, policy: &str, check: &str, pods: &[Value]) {
    let mut failing = 0;
    for pod in pods {
        let found = catalogue(rule, pod);
        assert_eq!(found, pod_security(policy, check, pod), "{rule} on {pod}");
        failing += usize::from(!found.is_empty());
    }
    assert!(
        0 < failing && failing < pods.len(),
        "{rule}: {failing} of {}",
        pods.len()
    );
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

/// Every combination of `values` for two containers (absent included), and of the pod
/// fields in `pod_variants`.
fn grid(
    values: &[Value],
    pod_variants: &[Value],
    container: impl Fn(&Value) -> Value,
) -> Vec<Value> {
    let mut pods = Vec::new();
    for first in values {
        for second in values {
            for variant in pod_variants {
                let mut spec = json!({
                    "containers": [
                        {"name": "a", "securityContext": container(first)},
                        {"name": "b", "securityContext": container(second)},
                    ],
                });
                json_patch::merge(&mut spec, variant);
                pods.push(pod(spec));
            }
        }
    }
    pods
}

#[test]
fn unmasked_proc_mount_is_pod_security_baseline_proc_mount() {
    let values = [
        Value::Null,
        json!("Default"),
        json!("Unmasked"),
        json!("unmasked"),
        json!(""),
    ];
    let variants = [
        json!({}),
        json!({"hostUsers": true}),
        json!({"hostUsers": false}),
    ];
    let pods = grid(&values, &variants, |v| json!({"procMount": v}));
    agree("unmasked-proc-mount", "baseline:latest", "procMount", &pods);
}

#[test]
fn capabilities_not_dropped_is_pod_security_restricted_drop() {
    let values = [
        Value::Null,
        json!(["ALL"]),
        json!(["all"]),
        json!(["CAP_ALL"]),
        json!(["NET_RAW", "ALL"]),
        json!([]),
    ];
    let variants = [
        json!({}),
        json!({"os": {"name": "windows"}}),
        json!({"os": {"name": "linux"}}),
    ];
    let pods = grid(&values, &variants, |v| json!({"capabilities": {"drop": v}}));
    agree(
        "capabilities-not-dropped",
        "restricted:latest",
        "capabilities_restricted",
        &pods,
    );
}

#[test]
fn windows_host_process_is_pod_security_baseline_host_process() {
    let values = [Value::Null, json!(true), json!(false)];
    let variants = [
        json!({}),
        json!({"securityContext": {"windowsOptions": {"hostProcess": true}}}),
        json!({"securityContext": {"windowsOptions": {"hostProcess": false}}}),
    ];
    let pods = grid(
        &values,
        &variants,
        |v| json!({"windowsOptions": {"hostProcess": v}}),
    );
    agree(
        "windows-host-process",
        "baseline:latest",
        "windowsHostProcess",
        &pods,
    );
}
