//! The webhook over real HTTPS on 127.0.0.1, fed the AdmissionReviews kube-apiserver sends.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn warnings(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|w| w.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_pod_gets_its_uid_back_with_warnings_and_audit_annotations() {
    let server = TestServer::start(CONFIG).await;
    let pod = compliant_pod("web", "default");
    let response = server.validate_create(&pod).await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(response.get("status").is_none());
    assert!(response.get("patch").is_none());
    let warnings = warnings(&response);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(
        warnings[0],
        "would violate PodSecurity \"restricted:latest\": seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
    );
    assert!(warnings[1].starts_with("rampart: image-digest-missing: "));
    let audit = &response["auditAnnotations"];
    assert_eq!(audit["enforce-policy"], "baseline:latest");
    assert_eq!(audit["validate-policy"], "restricted");
    assert!(
        audit["audit-violations"]
            .as_str()
            .unwrap()
            .starts_with("would violate PodSecurity \"restricted:latest\": seccompProfile")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_privileged_pod_is_denied_with_upstreams_message() {
    let server = TestServer::start(CONFIG).await;
    let mut pod = compliant_pod("priv", "default");
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    pod["spec"]["hostNetwork"] = json!(true);
    let response = server.validate_create(&pod).await;
    assert_eq!(response["allowed"], false);
    assert_eq!(
        response["status"],
        json!({
            "metadata": {},
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": "pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), privileged (container \"app\" must not set securityContext.privileged=true)"
        })
    );
    assert!(
        response.get("warnings").is_none(),
        "no warnings when enforce denies"
    );

    // A pod from generateName: validating webhooks see the generated name in the object,
    // but the request has none, and the message names the request's.
    pod["metadata"]["name"] = json!("web-7d4b9-x2k4q");
    pod["metadata"]["generateName"] = json!("web-7d4b9-");
    let mut review = pod_review("CREATE", Some(&pod), None);
    review["request"].as_object_mut().unwrap().remove("name");
    let response = server.validate(&review).await;
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("pods is forbidden: violates PodSecurity"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_labels_select_the_level_and_exemptions_apply() {
    let server = TestServer::start(CONFIG).await;
    let strict = plain_pod("web", "strict");
    let response = server.validate_create(&strict).await;
    assert_eq!(response["allowed"], false);
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"),
        "{message}"
    );

    let mut privileged = compliant_pod("p", "kube-system");
    privileged["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let exempt_ns = server.validate_create(&privileged).await;
    assert_eq!(exempt_ns["auditAnnotations"]["exempt"], "namespace");

    privileged["metadata"]["namespace"] = json!("default");
    privileged["spec"]["runtimeClassName"] = json!("kata");
    let exempt_rc = server.validate_create(&privileged).await;
    assert_eq!(exempt_rc["auditAnnotations"]["exempt"], "runtimeClass");
    // PSP still applies to exempt pods: privileged is not allowed by the policy.
    assert_eq!(exempt_rc["allowed"], false);
    assert!(
        exempt_rc["status"]["message"]
            .as_str()
            .unwrap()
            .contains("PodSecurityPolicy: unable to validate pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psp_mutation_patch_gives_a_pod_that_validates() {
    let server = TestServer::start(CONFIG).await;
    let pod = plain_pod("plain", "default");
    let review = pod_review("CREATE", Some(&pod), None);
    // Unmutated, PSP cannot validate it (a policy would have to change it).
    let unmutated = server.validate(&review).await;
    assert_eq!(unmutated["allowed"], false);
    assert_eq!(
        unmutated["status"]["message"],
        "pods \"plain\" is forbidden: PodSecurityPolicy: unable to validate pod: []"
    );

    let mutated = server.mutate(&review).await;
    assert_eq!(mutated["allowed"], true, "{mutated}");
    assert_eq!(mutated["auditAnnotations"]["admit-policy"], "restricted");
    let patched = apply_patch(&pod, &mutated);
    assert_eq!(
        patched["metadata"]["annotations"]["kubernetes.io/psp"],
        "restricted"
    );
    let sc = &patched["spec"]["containers"][0]["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));

    let validated = server.validate_create(&patched).await;
    assert_eq!(validated["allowed"], true, "{validated}");
    assert_eq!(
        validated["auditAnnotations"]["validate-policy"],
        "restricted"
    );

    // Re-invoking the mutating webhook on its own output changes nothing.
    let again = server
        .mutate(&pod_review("CREATE", Some(&patched), None))
        .await;
    assert_eq!(again["allowed"], true);
    assert!(again.get("patch").is_none(), "{again}");

    // Mutation happens on CREATE only.
    let update = server
        .mutate(&pod_review("UPDATE", Some(&pod), Some(&pod)))
        .await;
    assert_eq!(update["allowed"], true);
    assert!(update.get("patch").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_are_evaluated_only_when_significant() {
    let server = TestServer::start(CONFIG).await;
    let mut old = compliant_pod("web", "default");
    old["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let mut relabelled = old.clone();
    relabelled["metadata"]["labels"] = json!({"tier": "front"});
    // A label change on a pod that already violates the level is not re-evaluated by
    // PSA; PSP still validates the changed pod.
    let response = server
        .validate(&pod_review("UPDATE", Some(&relabelled), Some(&old)))
        .await;
    assert!(response["auditAnnotations"].get("enforce-policy").is_none());
    assert!(
        response["status"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("PodSecurityPolicy: unable to validate pod")
    );

    let good = compliant_pod("web", "default");
    let mut new_image = good.clone();
    new_image["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    let allowed = server
        .validate(&pod_review("UPDATE", Some(&new_image), Some(&good)))
        .await;
    assert_eq!(allowed["allowed"], true, "{allowed}");
    assert_eq!(
        allowed["auditAnnotations"]["enforce-policy"],
        "baseline:latest"
    );

    let mut bad_image = old.clone();
    bad_image["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    let denied = server
        .validate(&pod_review("UPDATE", Some(&bad_image), Some(&old)))
        .await;
    assert_eq!(denied["allowed"], false);
    assert!(
        denied["status"]["message"]
            .as_str()
            .unwrap()
            .contains("violates PodSecurity \"baseline:latest\": privileged")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psp_skips_updates_that_only_garbage_collection_makes() {
    let server = TestServer::start(CONFIG).await;
    let mut old = compliant_pod("web", "default");
    old["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    // As the API server sends an update: the stored status copied onto the new pod.
    old["status"] = json!({"phase": "Running", "podIP": "10.0.0.7"});
    let mut orphaned = old.clone();
    orphaned["metadata"]["ownerReferences"] = json!([]);
    orphaned["metadata"]["finalizers"] = json!(["foregroundDeletion"]);
    let response = server
        .validate(&pod_review("UPDATE", Some(&orphaned), Some(&old)))
        .await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(
        response["auditAnnotations"]
            .get("validate-policy")
            .is_none()
    );
    // Any other change is validated (and this pod breaks the policy).
    let mut annotated = orphaned.clone();
    annotated["metadata"]["annotations"] = json!({"note": "x"});
    let response = server
        .validate(&pod_review("UPDATE", Some(&annotated), Some(&old)))
        .await;
    assert_eq!(response["allowed"], false, "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_subresources_pass_through() {
    let server = TestServer::start(CONFIG).await;
    let mut pod = compliant_pod("gone", "default");
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let delete = server
        .validate(&pod_review("DELETE", None, Some(&pod)))
        .await;
    assert_eq!(delete, json!({"uid": "delete-gone", "allowed": true}));
    let status = review(
        "UPDATE",
        json!({"group": "", "version": "v1", "kind": "Pod"}),
        json!({"group": "", "version": "v1", "resource": "pods"}),
        Some("status"),
        "default",
        "gone",
        "system:node:n1",
        Some(&pod),
        Some(&pod),
    );
    let response = server.validate(&status).await;
    assert_eq!(response, json!({"uid": "update-gone", "allowed": true}));
    let mutate = server.mutate(&pod_review("DELETE", None, Some(&pod))).await;
    assert_eq!(mutate["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workloads_get_warnings_for_their_template_and_are_never_denied() {
    let server = TestServer::start(CONFIG).await;
    let pod = plain_pod("x", "default");
    let mut template = json!({"metadata": {"labels": {"app": "web"}}, "spec": pod["spec"].clone()});
    template["spec"]["hostPID"] = json!(true);
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template}
    });
    let review = review(
        "CREATE",
        json!({"group": "apps", "version": "v1", "kind": "Deployment"}),
        json!({"group": "apps", "version": "v1", "resource": "deployments"}),
        None,
        "default",
        "web",
        "alice",
        Some(&deployment),
        None,
    );
    let response = server.validate(&review).await;
    assert_eq!(response["allowed"], true, "{response}");
    let warnings = warnings(&response);
    assert!(
        warnings[0].starts_with(
            "would violate PodSecurity \"restricted:latest\": host namespaces (hostPID=true)"
        ),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("rampart: host-pid: ")
                && w.ends_with("(spec.template.spec.hostPID)")),
        "{warnings:?}"
    );
    assert!(response["auditAnnotations"].get("enforce-policy").is_none());
    // A scale subresource passes through.
    let scale = common::review(
        "UPDATE",
        json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
        json!({"group": "apps", "version": "v1", "resource": "deployments"}),
        Some("scale"),
        "default",
        "web",
        "alice",
        Some(&json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "spec": {"replicas": 3}})),
        None,
    );
    assert_eq!(server.validate(&scale).await["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_rules_in_enforce_mode_deny_pods() {
    // Pod Security privileged everywhere and no PSP: only the rule decides.
    let server = TestServer::start(
        "rules:\n  enforce: [host-pid]\n  warn: [image-digest-missing]\ncluster: disabled\n",
    )
    .await;
    let mut pod = compliant_pod("pid", "team");
    pod["spec"]["hostPID"] = json!(true);
    let response = server.validate_create(&pod).await;
    assert_eq!(response["allowed"], false, "{response}");
    assert_eq!(
        response["auditAnnotations"]["enforce-policy"],
        "privileged:latest"
    );
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("pods \"pid\" is forbidden: rampart: host-pid: ")
            && message.ends_with("(spec.hostPID)"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_labels_are_validated_as_pod_security_admission_does() {
    let server = TestServer::start(CONFIG).await;
    const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
    const WARN_VERSION: &str = "pod-security.kubernetes.io/warn-version";

    let good = namespace_object("shop", &[(ENFORCE, "restricted")]);
    let response = server
        .validate(&namespace_review("CREATE", &good, None))
        .await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(warnings(&response).is_empty());

    // Bad labels: 422 Invalid, one field error each, bracketed when several.
    let bad = namespace_object("shop", &[(ENFORCE, "strict"), (WARN_VERSION, "v2")]);
    let response = server
        .validate(&namespace_review("CREATE", &bad, None))
        .await;
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 422);
    assert_eq!(response["status"]["reason"], "Invalid");
    assert_eq!(
        response["status"]["message"],
        "Namespace \"shop\" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: \
         Invalid value: \"strict\": must be one of privileged, baseline, restricted, \
         metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"v2\": \
         must be \"latest\" or \"v1.x\"]"
    );

    // Labels that were already wrong in the same way may stay; new mistakes may not.
    let relabelled = namespace_object(
        "shop",
        &[(ENFORCE, "strict"), (WARN_VERSION, "v2"), ("team", "a")],
    );
    let response = server
        .validate(&namespace_review("UPDATE", &relabelled, Some(&bad)))
        .await;
    assert_eq!(response["allowed"], true, "{response}");
    let response = server
        .validate(&namespace_review("UPDATE", &bad, Some(&good)))
        .await;
    assert_eq!(response["status"]["code"], 422);

    // An exempt namespace that sets a policy is told it is ignored.
    let system = namespace_object("kube-system", &[(ENFORCE, "restricted")]);
    let response = server
        .validate(&namespace_review("CREATE", &system, None))
        .await;
    assert_eq!(response["allowed"], true);
    assert_eq!(
        warnings(&response),
        [
            "namespace \"kube-system\" is exempt from Pod Security, and the policy \
          (enforce=restricted:latest) will be ignored"
        ]
    );

    // Outside a cluster there are no pods to dry-run a stricter level on.
    let response = server
        .validate(&namespace_review(
            "UPDATE",
            &good,
            Some(&namespace_object("shop", &[])),
        ))
        .await;
    assert_eq!(response["allowed"], true);
    assert!(warnings(&response).is_empty(), "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unsupported_requests_get_clear_errors() {
    let server = TestServer::start(CONFIG).await;
    let send = |body: Vec<u8>, content_type: &'static str| {
        let client = server.client.clone();
        let url = format!("{}/validate", server.base);
        async move {
            let response = client
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, text) = send(b"{\"apiVersion\": ".to_vec(), "application/json").await;
    assert_eq!(status, 400);
    assert!(
        text.starts_with("malformed AdmissionReview: EOF while parsing"),
        "{text}"
    );

    let (status, text) = send(b"{}".to_vec(), "text/plain").await;
    assert_eq!(status, 415);
    assert_eq!(text, "Content-Type must be application/json");

    let mut v1beta1 = pod_review("CREATE", Some(&plain_pod("a", "default")), None);
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let (status, text) = send(serde_json::to_vec(&v1beta1).unwrap(), "application/json").await;
    assert_eq!(status, 400);
    assert!(
        text.starts_with("unsupported AdmissionReview: apiVersion \"admission.k8s.io/v1beta1\"")
    );

    // A pod whose fields have the wrong type: a clear BadRequest in the review.
    let mut wrong = plain_pod("a", "default");
    wrong["spec"]["containers"] = json!("nginx");
    let response = server.validate_create(&wrong).await;
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 400);
    assert!(
        response["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("failed to decode object: spec.containers"),
        "{response}"
    );

    let (status, _) = send(b"{}".to_vec(), "application/json").await;
    assert_eq!(status, 400);
    // The server is still up.
    let health = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused() {
    let server = TestServer::start(CONFIG).await;
    let mut pod = plain_pod("big", "default");
    pod["metadata"]["annotations"] = json!({"blob": "x".repeat(300 * 1024)});
    let (status, _) = server
        .post("validate", &pod_review("CREATE", Some(&pod), None))
        .await;
    assert_eq!(status, 413);
    let small = server.validate_create(&compliant_pod("s", "default")).await;
    assert_eq!(small["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_health_readiness_and_metrics() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), "ok");
    let ready = server
        .client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);

    let mut pod = compliant_pod("m", "default");
    pod["spec"]["hostIPC"] = json!(true);
    server.validate_create(&pod).await;
    server.validate_create(&compliant_pod("n", "default")).await;
    let metrics = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "rampart_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Pod\",decision=\"deny\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("decision=\"allow\"} 1"), "{metrics}");
    assert!(metrics.contains("rampart_admission_review_duration_seconds_bucket{le="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_is_reloaded_without_a_restart() {
    let server = TestServer::start(CONFIG).await;
    let pod = plain_pod("web", "strict");
    let before = server.validate_create(&pod).await;
    assert_eq!(before["allowed"], false);
    // A broken file is ignored (the old configuration stays).
    write_atomic(
        &server.path("config.yaml"),
        "podSecurity: {defaults: {enforce: nope}}\n",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !metrics(&server)
        .await
        .contains("rampart_reloads_total{what=\"config\",result=\"failure\"} 1")
    {
        assert!(Instant::now() < deadline, "broken configuration never seen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.validate_create(&pod).await["allowed"], false);
    write_atomic(&server.path("config.yaml"), "cluster: disabled\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let after = server.validate_create(&pod).await;
        if after["allowed"] == true {
            break;
        }
        assert!(Instant::now() < deadline, "configuration not reloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics = metrics(&server).await;
    assert!(metrics.contains("rampart_reloads_total{what=\"config\",result=\"failure\"} 1"));
    assert!(metrics.contains("rampart_reloads_total{what=\"config\",result=\"success\"} 1"));
}

/// The CREATE review a ReplicaSet's pod gets: its name generated, none in the request.
fn replica_review(suffix: &str) -> Value {
    let mut pod = plain_pod(&format!("web-{suffix}"), "shop");
    pod["metadata"]["generateName"] = json!("web-");
    pod["metadata"]["uid"] = json!(format!("uid-{suffix}"));
    pod["metadata"]["creationTimestamp"] = json!(format!("2026-12-01T20:00:0{}Z", suffix.len()));
    let mut review = pod_review("CREATE", Some(&pod), None);
    review["request"].as_object_mut().unwrap().remove("name");
    review
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_a_verdict_until_the_configuration_changes() {
    let server =
        TestServer::start("podSecurity: {defaults: {enforce: restricted}}\ncluster: disabled\n")
            .await;
    let first = server.validate(&replica_review("a1")).await;
    let second = server.validate(&replica_review("b22")).await;
    assert_eq!(first["allowed"], false);
    assert!(
        first["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("pods is forbidden: violates PodSecurity \"restricted:latest\": "),
        "{first}"
    );
    assert_eq!(second["status"], first["status"]);
    assert_eq!(second["auditAnnotations"], first["auditAnnotations"]);
    let counted = metrics(&server).await;
    assert!(
        counted.contains("rampart_replica_verdicts_total{result=\"miss\"} 1"),
        "{counted}"
    );
    assert!(
        counted.contains("rampart_replica_verdicts_total{result=\"hit\"} 1"),
        "{counted}"
    );

    // A new configuration starts with no verdicts: the same template is evaluated again.
    write_atomic(&server.path("config.yaml"), "cluster: disabled\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.validate(&replica_review("c333")).await["allowed"] != true {
        assert!(Instant::now() < deadline, "configuration not reloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The new configuration's first verdict on the template serves the next replica.
    let hit = "rampart_replica_verdicts_total{result=\"hit\"}";
    let hits = counter(&metrics(&server).await, hit);
    assert_eq!(
        server.validate(&replica_review("d4444")).await["allowed"],
        true
    );
    assert_eq!(counter(&metrics(&server).await, hit), hits + 1);
}

/// The value of the counter `name` (with its labels) in a metrics exposition.
fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn metrics(server: &TestServer) -> String {
    server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The certificate a fresh TLS connection is served.
async fn served_certificate(addr: std::net::SocketAddr, roots: &[&Pki]) -> Vec<u8> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(roots)));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = connector
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificate_rotates_during_a_stream_of_requests() {
    let server = TestServer::start(CONFIG).await;
    let next = Pki::new();
    let roots = [&server.pki, &next];
    let first = served_certificate(server.addr(), &roots).await;

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut streams = Vec::new();
    for worker in 0..4 {
        // Two keep-alive clients and two that reconnect for every request.
        let client = if worker % 2 == 0 {
            client(&roots)
        } else {
            reqwest::Client::builder()
                .tls_backend_preconfigured(client_config(&roots))
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        };
        let url = format!("{}/validate?timeout=5s", server.base);
        let body = serde_json::to_vec(&pod_review(
            "CREATE",
            Some(&compliant_pod("r", "default")),
            None,
        ))
        .unwrap();
        let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
        streams.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let result = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().as_u16() == 200 => ok.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    write_atomic(&server.path("tls.key"), &next.key_pem);
    write_atomic(&server.path("tls.crt"), &next.cert_pem);
    let deadline = Instant::now() + Duration::from_secs(10);
    while served_certificate(server.addr(), &roots).await == first {
        assert!(Instant::now() < deadline, "certificate not reloaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for stream in streams {
        stream.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert!(ok.load(Ordering::Relaxed) > 10);
    // Only the new CA is needed now.
    let only_new = client(&[&next]);
    let health = only_new
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_requests_in_flight() {
    let mut server = TestServer::start(CONFIG).await;
    let addr = server.addr();
    let body = serde_json::to_vec(&pod_review(
        "CREATE",
        Some(&compliant_pod("late", "default")),
        None,
    ))
    .unwrap();
    // A request whose body is only half sent when shutdown starts.
    let connector = tokio_rustls::TlsConnector::from(Arc::new({
        let mut c = client_config(&[&server.pki]);
        c.alpn_protocols = vec![b"http/1.1".to_vec()];
        c
    }));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap();
    let head = format!(
        "POST /validate?timeout=10s HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(&body[..body.len() / 2]).await.unwrap();
    tls.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let running = server.running.take().unwrap();
    let shutdown = tokio::spawn(running.shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !shutdown.is_finished(),
        "shutdown must wait for the request in flight"
    );
    // No new connections are accepted.
    let refused = tokio::time::timeout(Duration::from_secs(2), async {
        match tokio::net::TcpStream::connect(addr).await {
            Err(_) => true,
            Ok(tcp) => tokio_rustls::TlsConnector::from(Arc::new(client_config(&[&server.pki])))
                .connect("localhost".try_into().unwrap(), tcp)
                .await
                .is_err(),
        }
    })
    .await
    .unwrap_or(true);
    assert!(refused);

    tls.write_all(&body[body.len() / 2..]).await.unwrap();
    tls.flush().await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.contains("\"uid\":\"create-late\",\"allowed\":true"),
        "{text}"
    );
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .unwrap()
        .unwrap();
}

/// The review of a pod with `containers` containers: megabytes, and a decision that takes
/// a while in a debug build (every check runs on every container).
fn heavy_review(containers: usize) -> Vec<u8> {
    let mut pod = compliant_pod("heavy", "default");
    let template = pod["spec"]["containers"][0].clone();
    pod["spec"]["containers"] = Value::Array(
        (0..containers)
            .map(|i| {
                let mut container = template.clone();
                container["name"] = json!(format!("app-{i}"));
                container
            })
            .collect(),
    );
    serde_json::to_vec(&pod_review("CREATE", Some(&pod), None)).unwrap()
}

async fn post_raw(server: &TestServer, query: &str, body: Vec<u8>) -> u16 {
    server
        .client
        .post(format!("{}/validate?{query}", server.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Decisions run on threads of their own: with one async worker thread busy with nothing
/// else, `/healthz` answers while two heavy decisions are still running (before, the
/// decisions ran on the async threads and health waited for them).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn health_answers_while_decisions_run() {
    let server = Arc::new(
        TestServer::start_with(CONFIG, |options| {
            options.max_body = 8 << 20;
            options.decision_threads = 2;
        })
        .await,
    );
    let body = heavy_review(6_000);
    let decided = Arc::new(AtomicU64::new(0));
    let reviews: Vec<_> = (0..2)
        .map(|_| {
            let (server, body, decided) = (server.clone(), body.clone(), decided.clone());
            tokio::spawn(async move {
                let status = post_raw(&server, "timeout=30s", body).await;
                decided.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    // Let both reviews reach the server and start deciding (a delay, not a measurement).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(
        decided.load(Ordering::SeqCst),
        0,
        "health waited for the decisions"
    );
    for review in reviews {
        assert_eq!(review.await.unwrap(), 200);
    }
}

/// A decision that outlives the request's deadline is answered 504 at the deadline (the
/// API server has given up by then); before, the synchronous decision ran to its end and
/// was answered late with a verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_past_the_deadline_is_answered_504() {
    let server = TestServer::start_with(CONFIG, |options| options.max_body = 8 << 20).await;
    assert_eq!(
        post_raw(&server, "timeout=1ms", heavy_review(3_000)).await,
        504
    );
    // The server stays healthy and decides the next request.
    let allowed = server
        .validate_create(&compliant_pod("light", "default"))
        .await;
    assert_eq!(allowed["allowed"], true);
}
