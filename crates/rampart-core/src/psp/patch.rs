//! JSONPatch between the submitted and the admitted pod.

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

/// The pod as JSON (`null` if it cannot be serialised, which k8s-openapi types never do).
pub(crate) fn pod_json(pod: &Pod) -> Value {
    serde_json::to_value(pod).unwrap_or(Value::Null)
}

/// The RFC 6902 patch turning `original` into `mutated`.
pub(crate) fn pod_patch(original: &Pod, mutated: &Pod) -> json_patch::Patch {
    json_patch::diff(&pod_json(original), &pod_json(mutated))
}

/// Structural pod equality in which absent, `null` and empty lists are the same.
pub(crate) fn pods_equivalent(a: &Pod, b: &Pod) -> bool {
    normalized(pod_json(a)) == normalized(pod_json(b))
}

fn normalized(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalized(v)))
                .filter(|(_, v)| !is_absent(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalized).collect()),
        other => other,
    }
}

fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}
