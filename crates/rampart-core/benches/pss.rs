//! Time of one `restricted:latest` evaluation of a typical hardened workload pod
//! template (one container). Run: `cargo bench --bench pss`.

#![allow(clippy::expect_used)] // a bench fixture that does not parse is a bug in the bench

use k8s_openapi::api::core::v1::PodTemplateSpec;
use rampart_core::pss::{LevelVersion, evaluate};

fn main() {
    divan::main();
}

/// A Deployment-style template that passes `restricted:latest`.
fn hardened_template() -> PodTemplateSpec {
    let template = serde_json::json!({
        "metadata": {
            "labels": {"app": "web"},
            "annotations": {"prometheus.io/scrape": "true"}
        },
        "spec": {
            "serviceAccountName": "web",
            "automountServiceAccountToken": false,
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "fsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"}
            },
            "containers": [{
                "name": "web",
                "image": "registry.example.com/web:1.2.3",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "MODE", "value": "production"}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"memory": "256Mi"}
                },
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"]}
                },
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
            }],
            "volumes": [{"name": "tmp", "emptyDir": {}}]
        }
    });
    serde_json::from_value(template).expect("bench template is a valid PodTemplateSpec")
}

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn evaluate_restricted_latest_hardened(bencher: divan::Bencher) {
    let template = hardened_template();
    let meta = template.metadata.unwrap_or_default();
    let spec = template.spec.unwrap_or_default();
    let policy = LevelVersion::latest(rampart_core::pss::Level::Restricted);
    assert!(evaluate(&policy, &meta, &spec).allowed());
    bencher.bench_local(|| evaluate(divan::black_box(&policy), &meta, &spec));
}
