//! In-cluster mode against a local HTTP server that answers like kube-apiserver: namespace
//! list and watch (the reflector), namespace GET (cache misses) and SubjectAccessReview.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::*;
use serde_json::{Value, json};

fn namespace(name: &str, enforce: Option<&str>) -> Value {
    let mut ns = json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "uid": format!("uid-{name}"), "resourceVersion": "100",
            "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}
    });
    if let Some(level) = enforce {
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = json!(level);
    }
    ns
}

#[derive(Default)]
struct Fake {
    sar_requests: AtomicU64,
}

async fn namespaces(Query(query): Query<HashMap<String, String>>) -> Response {
    if query.get("watch").is_some_and(|w| w == "true" || w == "1") {
        // One event, then the watch stays open like the API server's.
        let event = json!({"type": "ADDED", "object": namespace("added", Some("restricted"))});
        let line = Bytes::from(format!("{event}\n"));
        let stream =
            futures::stream::iter([Ok::<_, Infallible>(line)]).chain(futures::stream::pending());
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap();
    }
    Json(json!({
        "apiVersion": "v1", "kind": "NamespaceList",
        "metadata": {"resourceVersion": "100"},
        "items": [namespace("default", None), namespace("strict", Some("restricted"))]
    }))
    .into_response()
}

async fn one_namespace(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "live" => Json(namespace("live", Some("restricted"))).into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Json(namespace("slow", None)).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": format!("namespaces \"{name}\" not found"), "reason": "NotFound",
                "details": {"name": name, "kind": "namespaces"}, "code": 404
            })),
        )
            .into_response(),
    }
}

async fn subject_access_review(
    State(fake): State<Arc<Fake>>,
    Json(mut sar): Json<Value>,
) -> Response {
    fake.sar_requests.fetch_add(1, Ordering::Relaxed);
    let spec = &sar["spec"];
    let attrs = &spec["resourceAttributes"];
    let allowed = spec["user"] == "alice"
        && attrs["verb"] == "use"
        && attrs["group"] == "policy"
        && attrs["resource"] == "podsecuritypolicies"
        && attrs["name"] == "restricted"
        && attrs["namespace"] == "default";
    sar["status"] = json!({"allowed": allowed});
    sar["metadata"] = json!({"creationTimestamp": null});
    (StatusCode::CREATED, Json(sar)).into_response()
}

use futures::StreamExt as _;

/// A running pod of `namespace`, owned by `owner` (a ReplicaSet uid) if given.
fn running_pod(name: &str, namespace: &str, owner: Option<&str>, privileged: bool) -> Value {
    let mut pod = plain_pod(name, namespace);
    pod["spec"]["containers"][0]["securityContext"] = json!({"privileged": privileged});
    if let Some(uid) = owner {
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1",
            "kind": "ReplicaSet", "name": uid, "uid": uid, "controller": true}]);
    }
    pod["status"] = json!({"phase": "Running"});
    pod
}

/// Pod lists, the way the API server pages them (`limit`, `remainingItemCount`).
async fn pods(
    Path(namespace): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(query.get("limit").map(String::as_str), Some("3000"));
    let (items, remaining) = match namespace.as_str() {
        "shop" => (
            vec![
                running_pod("web-2", "shop", Some("rs-web"), true),
                running_pod("web-1", "shop", Some("rs-web"), true),
                running_pod("tools", "shop", None, false),
            ],
            Some(2),
        ),
        "broken" => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "etcd unavailable").into_response();
        }
        _ => (Vec::new(), None),
    };
    let mut list = json!({"apiVersion": "v1", "kind": "PodList",
        "metadata": {"resourceVersion": "100"}, "items": items});
    if let Some(remaining) = remaining {
        list["metadata"]["continue"] = json!("next-page");
        list["metadata"]["remainingItemCount"] = json!(remaining);
    }
    Json(list).into_response()
}

async fn fake_api_server() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new()
        .route("/api/v1/namespaces", get(namespaces))
        .route("/api/v1/namespaces/{name}", get(one_namespace))
        .route("/api/v1/namespaces/{name}/pods", get(pods))
        .route(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            post(subject_access_review),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, fake)
}

async fn cluster_server() -> (TestServer, Arc<Fake>) {
    let (url, fake) = fake_api_server().await;
    let client = kube::Client::try_from(kube::Config::new(url.parse().unwrap())).unwrap();
    // The file's RBAC would allow everyone; in-cluster the API server answers instead.
    let server = TestServer::start_with(CONFIG, |options| options.kube_client = Some(client)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = server
            .client
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .unwrap();
        if ready.status().as_u16() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "namespace cache never synced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, fake)
}

fn denial(response: &Value) -> &str {
    response["status"]["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_labels_come_from_the_reflector_and_live_lookups() {
    let (server, _fake) = cluster_server().await;
    let restricted = "is forbidden: violates PodSecurity \"restricted:latest\"";
    // Listed namespace.
    let listed = server.validate_create(&plain_pod("a", "strict")).await;
    assert!(denial(&listed).contains(restricted), "{listed}");
    // Namespace that arrived through the watch.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let watched = server.validate_create(&plain_pod("b", "added")).await;
        if denial(&watched).contains(restricted) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "watch event not applied: {watched}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Not in the cache: a live GET.
    let live = server.validate_create(&plain_pod("c", "live")).await;
    assert!(denial(&live).contains(restricted), "{live}");
    // Unknown namespace: the defaults (baseline) apply, so the PSP verdict decides.
    let missing = server.validate_create(&compliant_pod("d", "nowhere")).await;
    assert_eq!(
        missing["auditAnnotations"]["enforce-policy"],
        "baseline:latest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psp_use_is_asked_with_subject_access_reviews() {
    let (server, fake) = cluster_server().await;
    let pod = plain_pod("web", "default");
    let alice = server.mutate(&pod_review("CREATE", Some(&pod), None)).await;
    assert_eq!(alice["allowed"], true, "{alice}");
    assert_eq!(alice["auditAnnotations"]["admit-policy"], "restricted");
    let asked = fake.sar_requests.load(Ordering::Relaxed);
    assert!(asked >= 1);
    // The answer is cached.
    server.mutate(&pod_review("CREATE", Some(&pod), None)).await;
    assert_eq!(fake.sar_requests.load(Ordering::Relaxed), asked);

    let mut bob = pod_review("CREATE", Some(&pod), None);
    bob["request"]["userInfo"]["username"] = json!("bob");
    let denied = server.mutate(&bob).await;
    assert_eq!(denied["allowed"], false);
    assert_eq!(
        denial(&denied),
        "pods \"web\" is forbidden: PodSecurityPolicy: unable to admit pod: []"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_parameter_bounds_a_slow_lookup() {
    let (server, _fake) = cluster_server().await;
    let review = pod_review("CREATE", Some(&plain_pod("s", "slow")), None);
    let started = Instant::now();
    let response = server
        .client
        .post(format!("{}/validate?timeout=1s", server.base))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&review).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 504);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("no decision within the 900ms deadline")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stricter_enforce_level_is_tried_on_the_pods_already_there() {
    let (server, _fake) = cluster_server().await;
    const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
    let before = namespace_object("shop", &[]);
    let after = namespace_object("shop", &[(ENFORCE, "restricted")]);
    let response = server
        .validate(&namespace_review("UPDATE", &after, Some(&before)))
        .await;
    assert_eq!(response["allowed"], true, "{response}");
    let warnings: Vec<&str> = response["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "new PodSecurity enforce level only checked against the first 3 of 5 existing pods",
            "existing pods in namespace \"shop\" violate the new PodSecurity enforce level \"restricted:latest\"",
            "tools: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
            "web-1 (and 1 other pod): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
        ]
    );

    // Relaxing the level, or leaving it as it is, tries nothing.
    let response = server
        .validate(&namespace_review("UPDATE", &before, Some(&after)))
        .await;
    assert!(response["warnings"].is_null(), "{response}");

    // A failed list is a warning, not a denial.
    let before = namespace_object("broken", &[]);
    let after = namespace_object("broken", &[(ENFORCE, "restricted")]);
    let response = server
        .validate(&namespace_review("UPDATE", &after, Some(&before)))
        .await;
    assert_eq!(response["allowed"], true);
    assert_eq!(
        response["warnings"],
        json!(["failed to list pods while checking new PodSecurity enforce level"])
    );
}
