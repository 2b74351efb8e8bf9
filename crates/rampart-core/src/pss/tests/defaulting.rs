//! The replayed API server defaulting (spec §9.8).

use serde_json::json;

use super::parse_pod;
use crate::pss::{LevelVersion, apply_defaults, evaluate};

fn spec_of(value: serde_json::Value) -> k8s_openapi::api::core::v1::PodSpec {
    parse_pod(&value.to_string())
        .expect("pod parses")
        .spec
        .unwrap_or_default()
}

#[test]
fn source_less_volume_becomes_empty_dir() {
    let mut spec = spec_of(json!({"spec": {"containers": [], "volumes": [
        {"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}}
    ]}}));
    let notes = apply_defaults(&mut spec);
    assert_eq!(
        notes,
        [r#"spec.volumes[0] ("scratch") has no volume source: defaulted to emptyDir: {}"#]
    );
    let volumes = spec.volumes.unwrap_or_default();
    assert!(volumes[0].empty_dir.is_some());
    assert!(volumes[1].empty_dir.is_none());
}

#[test]
fn host_network_copies_container_port_into_host_port() {
    let mut spec = spec_of(json!({"spec": {
        "hostNetwork": true,
        "initContainers": [{"name": "i", "ports": [{"containerPort": 53}]}],
        "containers": [{"name": "c", "ports": [
            {"containerPort": 8080}, {"containerPort": 9090, "hostPort": 9091}, {"containerPort": 7, "hostPort": 0}
        ]}],
        "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 1}]}],
    }}));
    let notes = apply_defaults(&mut spec);
    assert_eq!(
        notes,
        [
            "spec.initContainers[0].ports[0].hostPort defaulted to 53 (containerPort) because spec.hostNetwork is true",
            "spec.containers[0].ports[0].hostPort defaulted to 8080 (containerPort) because spec.hostNetwork is true",
            "spec.containers[0].ports[2].hostPort defaulted to 7 (containerPort) because spec.hostNetwork is true",
        ]
    );
    let meta = Default::default();
    let policy: LevelVersion = "baseline:latest".parse().expect("policy");
    let e = evaluate(&policy, &meta, &spec);
    assert_eq!(
        e.detailed_reasons(),
        r#"host namespaces (hostNetwork=true), hostPort (containers "i", "c" use hostPorts 53, 7, 8080, 9091)"#
    );
}

#[test]
fn nothing_to_default_gives_no_notes() {
    let mut spec = spec_of(json!({"spec": {
        "hostNetwork": false,
        "containers": [{"name": "c", "ports": [{"containerPort": 8080}]}],
        "volumes": [{"name": "e", "emptyDir": {}}],
    }}));
    let before = spec.clone();
    assert!(apply_defaults(&mut spec).is_empty());
    assert_eq!(spec, before);
}
