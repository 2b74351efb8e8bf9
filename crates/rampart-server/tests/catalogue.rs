//! The webhook decodes a pod straight from the request into k8s-openapi types, without a
//! JSON tree, and runs the catalogue on that. Every catalogue rule the webhook accepts must
//! find there exactly what the scanner finds on the same pod read from a manifest: this
//! test runs both over every Pod among the rule fixtures of rampart-core. Over the same
//! pods, replicas of one pod must get one verdict (the premise of the replica cache).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use rampart_core::FieldPath;
use rampart_core::object::{Object, ObjectRef, PodView, TemplateLocation};
use rampart_core::psp::AllowAll;
use rampart_core::rules::{self, CheckContext, Findings};
use rampart_core::source::{Limits, parse};
use rampart_server::engine::{Context, Endpoint, Engine, ExistingPods, Verdict};
use rampart_server::replicas::ReplicaKey;
use rampart_server::{Config, review};
use serde_json::{Value, json};

/// The Kubernetes rules the webhook configuration accepts.
fn webhook_rules() -> Vec<&'static rules::Rule> {
    rules::registry()
        .iter()
        .filter(|rule| rule.checks.kubernetes.is_some())
        .filter(|rule| !rules::OUTSIDE_SCHEMA.contains(&rule.meta.id))
        .filter(|rule| !rules::STATUS_ONLY.contains(&rule.meta.id))
        .collect()
}

/// The scanner's view: the pod read from its JSON tree.
fn scanner_warnings(pod: &Value) -> Option<Vec<String>> {
    let location = TemplateLocation {
        metadata: FieldPath::fields(&["metadata"]),
        spec: FieldPath::fields(&["spec"]),
    };
    let view = PodView::read(pod, location).ok()??;
    let object = Object {
        id: ObjectRef::of(pod),
        base: FieldPath::root(),
        value: pod,
    };
    let ctx = CheckContext {
        object: &object,
        pod: Some(&view),
        pss: None,
    };
    let mut warnings = Vec::new();
    for rule in webhook_rules() {
        let mut findings = Findings::new(rule.meta);
        (rule.checks.kubernetes.unwrap())(&ctx, &mut findings);
        warnings.extend(
            findings
                .into_vec()
                .into_iter()
                .map(|f| format!("rampart: {}: {} ({})", f.rule, f.message, f.path)),
        );
    }
    Some(warnings)
}

/// The webhook's view: every accepted rule in warn mode, the pod sent as a CREATE review,
/// or as an UPDATE that changes its images (significant, so the catalogue runs).
fn webhook_warnings(engine: &Engine, pod: &Value, operation: &str) -> Vec<String> {
    let mut old = pod.clone();
    for container in old["spec"]["containers"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        container["image"] = json!("example.com/previous:1");
    }
    let old = (operation == "UPDATE").then_some(old);
    let request = pod_request(pod, operation, old.as_ref());
    let verdict = validate(engine, &request);
    assert!(verdict.allowed(), "warn mode never denies: {verdict:?}");
    verdict.warnings
}

/// The review kube-apiserver sends for `pod` (user `alice`, no request name).
fn pod_request(pod: &Value, operation: &str, old: Option<&Value>) -> review::AdmissionRequest {
    let body = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": pod["metadata"]["namespace"].as_str().unwrap_or("default"),
            "operation": operation,
            "userInfo": {"username": "alice"},
            "object": pod,
            "oldObject": old,
        }
    });
    review::parse(&serde_json::to_vec(&body).unwrap()).unwrap()
}

/// The engine's verdict on `request` at `/validate`, outside a cluster.
fn validate(engine: &Engine, request: &review::AdmissionRequest) -> Verdict {
    engine.review(
        Endpoint::Validate,
        request,
        &Context {
            labels: Ok(None),
            authz: &AllowAll,
            pods: ExistingPods::Unknown,
        },
    )
}

fn fixture_pods() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-core/tests/rules");
    let mut pods = Vec::new();
    for rule_dir in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(rule_dir.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let parsed = parse(&std::fs::read(&path).unwrap(), &Limits::default());
            for document in parsed.documents {
                let value = document.value;
                if value["kind"] == "Pod" && value["apiVersion"] == "v1" {
                    pods.push((path.display().to_string(), value));
                }
            }
        }
    }
    pods
}

#[test]
fn pods_decoded_from_a_review_get_the_scanners_findings() {
    let ids: Vec<&str> = webhook_rules().iter().map(|r| r.meta.id).collect();
    let config = format!("rules:\n  warn: [{}]\ncluster: disabled\n", ids.join(", "));
    let engine = Engine::new(Config::parse(&config).unwrap());
    let mut compared = 0;
    let mut with_findings = 0;
    for (file, pod) in fixture_pods() {
        // On CREATE the pod is the author's (the webhook does not look at the Pending
        // status the API server adds); on UPDATE it is one the cluster runs.
        let mut authored = pod.clone();
        authored.as_object_mut().unwrap().remove("status");
        let mut running = pod;
        running["status"] = json!({"phase": "Running"});
        for (operation, pod) in [("CREATE", authored), ("UPDATE", running)] {
            let Some(expected) = scanner_warnings(&pod) else {
                continue; // not a decodable pod: the scanner reports a type error instead
            };
            let got = webhook_warnings(&engine, &pod, operation);
            assert_eq!(got, expected, "{operation} {file}");
            compared += 1;
            with_findings += usize::from(!expected.is_empty());
        }
    }
    assert!(
        compared >= 80 && with_findings >= 40,
        "too few fixture pods compared ({compared}, {with_findings} with findings)"
    );
}

#[test]
fn rules_about_fields_outside_the_schema_are_refused() {
    for id in rules::OUTSIDE_SCHEMA.iter().chain(rules::STATUS_ONLY) {
        let error = Config::parse(&format!("rules:\n  warn: [{id}]\n")).unwrap_err();
        assert!(error.0.contains("cannot fire in admission"), "{error}");
    }
}

/// Two replicas of `pod`: the per-object fields the API server sets differ, nothing else.
fn replicas(pod: &Value) -> [Value; 2] {
    [("a1b2c", 1), ("z9y8x", 2)].map(|(suffix, n)| {
        let mut replica = pod.clone();
        let per_object = json!({
            "name": format!("web-{suffix}"),
            "uid": format!("5f0c{n}a7e-0000-4000-8000-00000000000{n}"),
            "creationTimestamp": format!("2026-12-01T20:0{n}:00Z"),
            "resourceVersion": format!("{n}0{n}"),
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                "apiVersion": "v1", "time": format!("2026-12-01T20:0{n}:00Z")}]
        });
        let metadata = replica["metadata"].as_object_mut().unwrap();
        metadata.extend(per_object.as_object().unwrap().clone());
        replica
    })
}

/// The replica cache rests on this: no check reads the fields the API server sets per
/// object, so replicas of one template get one verdict (and share a key).
#[test]
fn replicas_of_a_pod_get_one_verdict() {
    let ids: Vec<&str> = webhook_rules().iter().map(|r| r.meta.id).collect();
    let configs = [
        format!(
            "podSecurity: {{defaults: {{enforce: privileged, warn: restricted, audit: restricted}}}}\n\
             rules:\n  warn: [{}]\ncluster: disabled\n",
            ids.join(", ")
        ),
        format!(
            "podSecurity: {{defaults: {{enforce: baseline}}}}\nrules:\n  enforce: [{}]\ncluster: disabled\n",
            ids.join(", ")
        ),
    ];
    let (mut compared, mut denied, mut warned) = (0, 0, 0);
    for config in configs {
        let engine = Engine::new(Config::parse(&config).unwrap());
        for (file, pod) in fixture_pods() {
            let [first, second] =
                replicas(&pod).map(|replica| pod_request(&replica, "CREATE", None));
            assert!(engine.verdict_is_shared_by_replicas(Endpoint::Validate, &first));
            assert_eq!(
                ReplicaKey::of(&first, &Ok(None)),
                ReplicaKey::of(&second, &Ok(None)),
                "{file}"
            );
            let [a, b] = [first, second].map(|request| validate(&engine, &request));
            assert_eq!(a.denial, b.denial, "{file}");
            assert_eq!(a.warnings, b.warnings, "{file}");
            assert_eq!(a.audit, b.audit, "{file}");
            compared += 1;
            denied += usize::from(!a.allowed());
            warned += usize::from(!a.warnings.is_empty());
        }
    }
    assert!(
        compared >= 160 && denied >= 40 && warned >= 40,
        "too few verdicts compared ({compared}, {denied} denied, {warned} with warnings)"
    );
}
