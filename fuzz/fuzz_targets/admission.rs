//! The webhook's AdmissionReview decision, without the transport: reading the body, the
//! replica key, the decision on both endpoints (Pod Security, PodSecurityPolicy with its
//! patch, enforced and warned rules, namespace label changes with a dry run of existing
//! pods) and the answer's serialisation.

#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use rampart_core::psp::Authorizer;
use rampart_server::engine::{Context, Endpoint, Engine, ExistingPods};
use rampart_server::replicas::ReplicaKey;
use rampart_server::{Config, review};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(Config::parse(include_str!("../seeds/admission-config.yaml")).expect("config"))
});

static PODS: LazyLock<Vec<k8s_openapi::api::core::v1::Pod>> = LazyLock::new(|| {
    let pod = serde_json::json!({"metadata": {"name": "old", "namespace": "shop"},
        "spec": {"hostPID": true, "containers": [{"name": "a", "image": "x"}]}});
    serde_json::from_value(pod).into_iter().collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(request) = review::parse(data) else {
        return;
    };
    let engine = &*ENGINE;
    let authz: &dyn Authorizer = match &engine.config().psp {
        Some(psp) => &psp.rbac,
        None => &rampart_core::psp::AllowAll,
    };
    let labels = engine.config().namespaces.get(request.namespace());
    let _ = ReplicaKey::of(&request, &Ok(labels));
    for endpoint in [Endpoint::Validate, Endpoint::Mutate] {
        let pods = match engine.pods_to_dry_run(endpoint, &request) {
            Some(_) => ExistingPods::Listed {
                pods: &PODS,
                unlisted: 1,
                deadline: Instant::now() + Duration::from_secs(1),
            },
            None => ExistingPods::Unknown,
        };
        let verdict = engine.review(
            endpoint,
            &request,
            &Context {
                labels: Ok(labels),
                authz,
                pods,
            },
        );
        if let Ok(response) = verdict.into_response(request.uid.clone()) {
            let _ = serde_json::to_vec(&response.into_review());
        }
    }
});
