//! Test support: certificates, a running server, a client, and AdmissionReviews shaped
//! exactly like the ones kube-apiserver sends.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

/// A CA and a serving certificate for `localhost` signed by it.
pub struct Pki {
    pub ca_der: rustls::pki_types::CertificateDer<'static>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Pki {
    pub fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "rampart test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        Self {
            ca_der: ca.der().clone(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn client_config(roots: &[&Pki]) -> rustls::ClientConfig {
    let mut store = rustls::RootCertStore::empty();
    for pki in roots {
        store.add(pki.ca_der.clone()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(store)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

pub fn client(roots: &[&Pki]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(roots))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Writes `contents` to `path` atomically (rename), as kubelet's volume swap does.
pub fn write_atomic(path: &Path, contents: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A server on 127.0.0.1 with its files in a temporary directory.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub pki: Pki,
    pub running: Option<rampart_server::Running>,
    pub base: String,
    pub client: reqwest::Client,
}

impl TestServer {
    pub async fn start(config: &str) -> Self {
        Self::start_with(config, |_| {}).await
    }

    pub async fn start_with(
        config: &str,
        tweak: impl FnOnce(&mut rampart_server::Options),
    ) -> Self {
        install_provider();
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::new();
        std::fs::write(dir.path().join("tls.crt"), &pki.cert_pem).unwrap();
        std::fs::write(dir.path().join("tls.key"), &pki.key_pem).unwrap();
        std::fs::write(dir.path().join("config.yaml"), config).unwrap();
        let mut options = rampart_server::Options::new(
            dir.path().join("config.yaml"),
            dir.path().join("tls.crt"),
            dir.path().join("tls.key"),
            "127.0.0.1:0".parse().unwrap(),
        );
        options.reload_interval = Duration::from_millis(100);
        options.max_body = 256 * 1024;
        tweak(&mut options);
        let running = rampart_server::start(options).await.unwrap();
        let base = format!("https://localhost:{}", running.local_addr().port());
        let client = client(&[&pki]);
        Self {
            dir,
            pki,
            running: Some(running),
            base,
            client,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.running.as_ref().unwrap().local_addr()
    }

    /// POSTs a review and returns the HTTP status and the parsed `response`.
    pub async fn post(&self, endpoint: &str, review: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/{endpoint}?timeout=10s", self.base))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(review).unwrap())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// `/validate` for a CREATE of `pod`.
    pub async fn validate_create(&self, pod: &Value) -> Value {
        self.validate(&pod_review("CREATE", Some(pod), None)).await
    }

    /// POSTs to /validate and returns the `response` of a 200 answer.
    pub async fn validate(&self, review: &Value) -> Value {
        let (status, body) = self.post("validate", review).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(body["kind"], "AdmissionReview");
        assert_eq!(body["response"]["uid"], review["request"]["uid"]);
        body["response"].clone()
    }

    pub async fn mutate(&self, review: &Value) -> Value {
        let (status, body) = self.post("mutate", review).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["response"]["uid"], review["request"]["uid"]);
        body["response"].clone()
    }

    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

pub const CONFIG: &str = r#"
podSecurity:
  defaults:
    enforce: baseline
    audit: restricted
    warn: restricted
  exemptions:
    usernames: [cluster-admin]
    namespaces: [kube-system]
    runtimeClasses: [kata]
namespaces:
  strict:
    pod-security.kubernetes.io/enforce: restricted
podSecurityPolicy:
  policies:
  - apiVersion: policy/v1beta1
    kind: PodSecurityPolicy
    metadata:
      name: restricted
    spec:
      privileged: false
      allowPrivilegeEscalation: false
      defaultAllowPrivilegeEscalation: false
      requiredDropCapabilities: [ALL]
      volumes: [configMap, emptyDir, projected, secret, downwardAPI, persistentVolumeClaim]
      runAsUser: {rule: MustRunAsNonRoot}
      seLinux: {rule: RunAsAny}
      supplementalGroups: {rule: RunAsAny}
      fsGroup: {rule: RunAsAny}
  rbac:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: psp-restricted}
    rules:
    - apiGroups: [policy]
      resources: [podsecuritypolicies]
      resourceNames: [restricted]
      verbs: [use]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: psp-restricted}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: psp-restricted}
    subjects:
    - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:authenticated}
rules:
  enforce: [host-pid]
  warn: [image-digest-missing]
cluster: disabled
"#;

/// A pod as a user writes it (the API server's defaulting is not needed by the engines).
pub fn plain_pod(name: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": "2b6d4f9c-0000-4000-8000-000000000001"},
        "spec": {
            "serviceAccountName": "default",
            "containers": [{"name": "app", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "terminationGracePeriodSeconds": 30
        }
    })
}

/// A pod that satisfies the test PodSecurityPolicy as it stands.
pub fn compliant_pod(name: &str, namespace: &str) -> Value {
    let mut pod = plain_pod(name, namespace);
    pod["spec"]["containers"][0]["securityContext"] = json!({
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": true
    });
    pod
}

/// The AdmissionReview kube-apiserver sends for a pod.
pub fn pod_review(operation: &str, object: Option<&Value>, old: Option<&Value>) -> Value {
    let meta = &object.or(old).unwrap()["metadata"];
    review(
        operation,
        json!({"group": "", "version": "v1", "kind": "Pod"}),
        json!({"group": "", "version": "v1", "resource": "pods"}),
        None,
        meta["namespace"].as_str().unwrap_or(""),
        meta["name"].as_str().unwrap_or(""),
        "alice",
        object,
        old,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn review(
    operation: &str,
    kind: Value,
    resource: Value,
    sub_resource: Option<&str>,
    namespace: &str,
    name: &str,
    user: &str,
    object: Option<&Value>,
    old: Option<&Value>,
) -> Value {
    let options_kind = match operation {
        "CREATE" => "CreateOptions",
        "UPDATE" => "UpdateOptions",
        _ => "DeleteOptions",
    };
    let mut request = json!({
        "uid": format!("{}-{}", operation.to_lowercase(), name),
        "kind": kind,
        "resource": resource,
        "requestKind": kind,
        "requestResource": resource,
        "name": name,
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": user, "uid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            "groups": ["developers", "system:authenticated"]},
        "object": object.cloned().unwrap_or(Value::Null),
        "oldObject": old.cloned().unwrap_or(Value::Null),
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": options_kind}
    });
    if let Some(sub) = sub_resource {
        request["subResource"] = json!(sub);
        request["requestSubResource"] = json!(sub);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

/// Applies a response's base64 JSONPatch to `object`.
pub fn apply_patch(object: &Value, response: &Value) -> Value {
    use base64::Engine as _;
    assert_eq!(response["patchType"], "JSONPatch");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(response["patch"].as_str().unwrap())
        .unwrap();
    let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap();
    let mut patched = object.clone();
    json_patch::patch(&mut patched, &patch).unwrap();
    patched
}

/// A Namespace object with the given labels.
pub fn namespace_object(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut all = serde_json::Map::new();
    all.insert("kubernetes.io/metadata.name".into(), json!(name));
    for (key, value) in labels {
        all.insert((*key).into(), json!(value));
    }
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": all},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}
    })
}

/// The AdmissionReview kube-apiserver sends for a namespace (its namespace is its name).
pub fn namespace_review(operation: &str, object: &Value, old: Option<&Value>) -> Value {
    let name = object["metadata"]["name"].as_str().unwrap();
    review(
        operation,
        json!({"group": "", "version": "v1", "kind": "Namespace"}),
        json!({"group": "", "version": "v1", "resource": "namespaces"}),
        None,
        name,
        name,
        "alice",
        Some(object),
        old,
    )
}
