//! A stand-in kube-apiserver: HTTPS on 127.0.0.1 answering as the real one does — List
//! objects in pages (`limit`, `continue`, `metadata.resourceVersion`, items without
//! `apiVersion`/`kind`), `Status` objects for errors (401, 403, 404, 410, 429, 5xx),
//! discovery (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`) and the node proxy's
//! `/configz` — with kubeconfigs for token, client-certificate and exec-plugin
//! authentication. Faults can be set per path.

#![allow(clippy::expect_used)] // a stand-in server that cannot start fails its test

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

/// The bearer token the server accepts (the token and exec kubeconfigs carry it).
pub const TOKEN: &str = "rampart-audit-token";
/// The resourceVersion every list answers with.
pub const RESOURCE_VERSION: &str = "918273";

/// What the server does on a path (without its query) instead of answering.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Always this status, with kube-apiserver's `Status` object.
    Status(u16),
    /// This status for the first `times` requests, then the answer.
    Times(u16, usize),
    /// `410 Gone` (`Expired`) for the first request that carries a continue token.
    ExpireContinue,
    /// The answer after this long.
    Slow(Duration),
}

/// The objects a cluster holds, its kubelets' `/configz` answers and the faults.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    objects: Vec<Value>,
    configz: BTreeMap<String, Value>,
    faults: BTreeMap<String, Fault>,
}

impl Cluster {
    /// A cluster of `objects` (full manifests: `apiVersion`, `kind`, `metadata`).
    pub fn new(objects: Vec<Value>) -> Self {
        Self {
            objects,
            ..Self::default()
        }
    }

    /// Node `node`'s kubelet answers `/configz` with `kubeletconfig`.
    pub fn configz(mut self, node: &str, kubeletconfig: Value) -> Self {
        self.configz
            .insert(node.to_owned(), json!({ "kubeletconfig": kubeletconfig }));
        self
    }

    /// `path` (`/api/v1/secrets`) meets `fault`.
    pub fn fault(mut self, path: &str, fault: Fault) -> Self {
        self.faults.insert(path.to_owned(), fault);
        self
    }
}

/// Certificates: a CA, the server's (127.0.0.1) and a client's (CN `rampart-audit`).
struct Pki {
    ca: String,
    server_chain: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

impl Pki {
    fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "rampart test kubernetes CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA");
        let server_key = rcgen::KeyPair::generate().expect("key");
        let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("params")
            .signed_by(&server_key, &ca)
            .expect("server certificate");
        let client_key = rcgen::KeyPair::generate().expect("key");
        let mut client_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "rampart-audit");
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client = client_params
            .signed_by(&client_key, &ca)
            .expect("client certificate");
        Self {
            ca: ca.pem(),
            server_chain: server.pem(),
            server_key: server_key.serialize_pem(),
            client_cert: client.pem(),
            client_key: client_key.serialize_pem(),
        }
    }

    /// TLS that asks for a client certificate but lets a token do instead.
    fn server_config(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.ca.as_bytes()) {
            roots.add(cert.expect("CA")).expect("CA");
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .allow_unauthenticated()
        .build()
        .expect("verifier");
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.server_chain.as_bytes())
                .map(|c| c.expect("certificate"))
                .collect();
        let key = PrivateKeyDer::from_pem_slice(self.server_key.as_bytes()).expect("key");
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .expect("server config");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    }
}

/// A running stand-in API server; it stops with the test process.
pub struct ApiServer {
    /// `https://127.0.0.1:port`.
    pub url: String,
    dir: tempfile::TempDir,
    pki: Pki,
    state: Arc<State>,
}

/// How a kubeconfig authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A bearer token.
    Token,
    /// A client certificate.
    ClientCertificate,
    /// An exec plugin printing an ExecCredential with the token.
    Exec,
    /// A token the server does not know.
    WrongToken,
}

impl ApiServer {
    /// Serves `cluster` on a free port of 127.0.0.1.
    pub fn start(cluster: Cluster) -> Self {
        let pki = Pki::new();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("https://{}", listener.local_addr().expect("address"));
        let tls = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config()));
        let state = Arc::new(State::new(cluster));
        let served = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(serve(listener, tls, served));
        });
        Self {
            url,
            dir: tempfile::tempdir().expect("temporary directory"),
            pki,
            state,
        }
    }

    /// Writes a kubeconfig with one context, `context`, authenticating with `auth`.
    pub fn kubeconfig(&self, context: &str, auth: Auth) -> PathBuf {
        let b64 = |text: &str| STANDARD.encode(text);
        let user = match auth {
            Auth::Token => json!({ "token": TOKEN }),
            Auth::WrongToken => json!({ "token": "not-the-token" }),
            Auth::ClientCertificate => json!({
                "client-certificate-data": b64(&self.pki.client_cert),
                "client-key-data": b64(&self.pki.client_key),
            }),
            Auth::Exec => {
                let credential = json!({"apiVersion": "client.authentication.k8s.io/v1",
                    "kind": "ExecCredential", "status": {"token": TOKEN}});
                json!({"exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": "sh",
                    "args": ["-c", format!("printf '%s' '{credential}'")],
                    "interactiveMode": "Never",
                }})
            }
        };
        let config = json!({
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": "test", "cluster": {
                "server": self.url,
                "certificate-authority-data": b64(&self.pki.ca)}}],
            "users": [{"name": "audit", "user": user}],
            "contexts": [{"name": context, "context": {"cluster": "test", "user": "audit"}}],
        });
        let path = self.dir.path().join(format!("{context}.kubeconfig"));
        std::fs::write(&path, config.to_string()).expect("kubeconfig");
        path
    }

    /// The requests served so far: path and query.
    pub fn requests(&self) -> Vec<String> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

/// The server's state: the cluster, and what it has been asked.
struct State {
    cluster: Cluster,
    requests: Mutex<Vec<String>>,
    faults_met: Mutex<BTreeMap<String, usize>>,
}

impl State {
    fn new(cluster: Cluster) -> Self {
        Self {
            cluster,
            requests: Mutex::default(),
            faults_met: Mutex::default(),
        }
    }

    /// Answers one authenticated GET: status, extra headers, body.
    async fn answer(&self, path: &str, query: &BTreeMap<String, String>) -> (u16, Value) {
        if let Ok(mut requests) = self.requests.lock() {
            let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            requests.push(format!("{path}?{}", query.join("&")));
        }
        if let Some(fault) = self.cluster.faults.get(path) {
            let met = {
                let mut met = self.faults_met.lock().expect("lock");
                let count = met.entry(path.to_owned()).or_default();
                *count += 1;
                *count
            };
            match fault {
                Fault::Status(code) => return (*code, status(*code, path)),
                Fault::Times(code, times) if met <= *times => {
                    return (*code, status(*code, path));
                }
                Fault::ExpireContinue if query.contains_key("continue") => {
                    let first = {
                        let mut met = self.faults_met.lock().expect("lock");
                        let expired = met.entry(format!("{path} expired")).or_default();
                        *expired += 1;
                        *expired == 1
                    };
                    if first {
                        return (410, status(410, path));
                    }
                }
                Fault::Slow(delay) => tokio::time::sleep(*delay).await,
                _ => {}
            }
        }
        self.route(path, query)
    }

    fn route(&self, path: &str, query: &BTreeMap<String, String>) -> (u16, Value) {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["version"] => (
                200,
                json!({"major": "1", "minor": "31", "gitVersion": "v1.31.4"}),
            ),
            ["api"] => (
                200,
                json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
            ),
            ["apis"] => (200, self.groups()),
            ["api", "v1"] => (200, self.resources("", "v1")),
            ["apis", group, version] => {
                let list = self.resources(group, version);
                if list["resources"].as_array().is_some_and(Vec::is_empty) {
                    (404, status(404, path))
                } else {
                    (200, list)
                }
            }
            ["api", "v1", "nodes", node, "proxy", "configz"] => {
                match self.cluster.configz.get(*node) {
                    Some(answer) => (200, answer.clone()),
                    None => (404, status(404, path)),
                }
            }
            ["api", version, rest @ ..] => self.list("", version, rest, query, path),
            ["apis", group, version, rest @ ..] => self.list(group, version, rest, query, path),
            _ => (404, status(404, path)),
        }
    }

    /// A List of `plural` (in a namespace or across them), one page.
    fn list(
        &self,
        group: &str,
        version: &str,
        rest: &[&str],
        query: &BTreeMap<String, String>,
        path: &str,
    ) -> (u16, Value) {
        let (namespace, plural) = match rest {
            [plural] => (None, *plural),
            ["namespaces", namespace, plural] => (Some(*namespace), *plural),
            _ => return (404, status(404, path)),
        };
        let api_version = api_version(group, version);
        let mut kind = None;
        let matching: Vec<&Value> = self
            .cluster
            .objects
            .iter()
            .filter(|o| o["apiVersion"] == api_version.as_str())
            .filter(|o| o["kind"].as_str().is_some_and(|k| plural_of(k) == plural))
            .inspect(|o| kind = o["kind"].as_str())
            .filter(|o| namespace.is_none_or(|n| o["metadata"]["namespace"] == n))
            .collect();
        let kind = match kind
            .map(str::to_owned)
            .or_else(|| builtin_kind(group, plural))
        {
            Some(kind) => kind,
            None => return (404, status(404, path)),
        };
        let start = match query.get("continue") {
            Some(token) => match decode_continue(token) {
                Some(start) => start,
                None => return (400, status(400, path)),
            },
            None => 0,
        };
        let limit = query
            .get("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|l| *l > 0)
            .unwrap_or(usize::MAX);
        let end = start.saturating_add(limit).min(matching.len());
        let items: Vec<Value> = matching[start.min(end)..end]
            .iter()
            .map(|o| {
                let mut item = (*o).clone();
                if let Some(fields) = item.as_object_mut() {
                    fields.remove("apiVersion");
                    fields.remove("kind");
                }
                item
            })
            .collect();
        let mut metadata = json!({ "resourceVersion": RESOURCE_VERSION });
        if end < matching.len() {
            metadata["continue"] = json!(encode_continue(end));
            metadata["remainingItemCount"] = json!(matching.len() - end);
        }
        (
            200,
            json!({"kind": format!("{kind}List"), "apiVersion": api_version,
            "metadata": metadata, "items": items}),
        )
    }

    /// `/apis`: the groups of the built-in kinds and of the objects.
    fn groups(&self) -> Value {
        let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let all = BUILTIN
            .iter()
            .map(|(g, v, _, _, _)| api_version(g, v))
            .chain(
                self.cluster
                    .objects
                    .iter()
                    .filter_map(|o| o["apiVersion"].as_str().map(str::to_owned)),
            );
        for api_version in all {
            if let Some((group, version)) = api_version.split_once('/') {
                versions
                    .entry(group.to_owned())
                    .or_default()
                    .insert(version.to_owned());
            }
        }
        let groups: Vec<Value> = versions
            .into_iter()
            .map(|(group, versions)| {
                let entries: Vec<Value> = versions
                    .iter()
                    .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                    .collect();
                let preferred = entries.last().cloned().unwrap_or_default();
                json!({"name": group, "versions": entries, "preferredVersion": preferred})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    /// `/api/v1`, `/apis/{group}/{version}`: the kinds served there.
    fn resources(&self, group: &str, version: &str) -> Value {
        let api_version = api_version(group, version);
        let mut kinds: BTreeMap<String, (String, bool)> = BUILTIN
            .iter()
            .filter(|(g, v, _, _, _)| *g == group && *v == version)
            .map(|(_, _, plural, kind, namespaced)| {
                ((*kind).to_owned(), ((*plural).to_owned(), *namespaced))
            })
            .collect();
        for object in &self.cluster.objects {
            if object["apiVersion"] == api_version.as_str()
                && let Some(kind) = object["kind"].as_str()
            {
                let namespaced = object["metadata"]["namespace"].is_string();
                kinds
                    .entry(kind.to_owned())
                    .or_insert_with(|| (plural_of(kind), namespaced));
            }
        }
        let resources: Vec<Value> = kinds
            .into_iter()
            .map(|(kind, (plural, namespaced))| {
                json!({"name": plural, "singularName": "",
                "namespaced": namespaced, "kind": kind, "verbs": ["get", "list", "watch"]})
            })
            .collect();
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api_version,
            "resources": resources})
    }
}

/// The built-in kinds: group, version, plural, kind, namespaced.
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "namespaces", "Namespace", false),
    ("", "v1", "nodes", "Node", false),
    ("", "v1", "pods", "Pod", true),
    ("", "v1", "secrets", "Secret", true),
    ("", "v1", "services", "Service", true),
    ("", "v1", "serviceaccounts", "ServiceAccount", true),
    (
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
    ),
    ("apps", "v1", "deployments", "Deployment", true),
    ("apps", "v1", "replicasets", "ReplicaSet", true),
    ("apps", "v1", "statefulsets", "StatefulSet", true),
    ("apps", "v1", "daemonsets", "DaemonSet", true),
    ("batch", "v1", "jobs", "Job", true),
    ("batch", "v1", "cronjobs", "CronJob", true),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
];

fn builtin_kind(group: &str, plural: &str) -> Option<String> {
    BUILTIN
        .iter()
        .find(|(g, _, p, _, _)| *g == group && *p == plural)
        .map(|(_, _, _, kind, _)| (*kind).to_owned())
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    }
}

/// The REST name of a kind: the built-in table's, else the lower-cased kind with `s`
/// (`y` → `ies`, `s` → `ses`), as CRDs usually name them.
fn plural_of(kind: &str) -> String {
    if let Some((_, _, plural, _, _)) = BUILTIN.iter().find(|(_, _, _, k, _)| *k == kind) {
        return (*plural).to_owned();
    }
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// A continue token as kube-apiserver's look: base64 of a small JSON.
fn encode_continue(start: usize) -> String {
    STANDARD
        .encode(json!({"v": "meta.k8s.io/v1", "rv": RESOURCE_VERSION, "start": start}).to_string())
}

fn decode_continue(token: &str) -> Option<usize> {
    let bytes = STANDARD.decode(token).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    usize::try_from(value["start"].as_u64()?).ok()
}

/// kube-apiserver's `Status` for an error `code` on `path`.
pub fn status(code: u16, path: &str) -> Value {
    let resource = path.rsplit('/').next().unwrap_or_default();
    let (reason, message) = match code {
        401 => ("Unauthorized", "Unauthorized".to_owned()),
        403 => ("Forbidden", format!("{resource} is forbidden: User \"rampart-audit\" cannot list resource \"{resource}\" in API group \"\" at the cluster scope")),
        404 => ("NotFound", "the server could not find the requested resource".to_owned()),
        410 => ("Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.".to_owned()),
        429 => ("TooManyRequests", "Too many requests, please try again later.".to_owned()),
        400 => ("BadRequest", "invalid continue token".to_owned()),
        503 => ("ServiceUnavailable", "the server is currently unable to handle the request".to_owned()),
        _ => ("InternalError", "Internal error occurred: etcdserver: request timed out".to_owned()),
    };
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": {"kind": resource}, "code": code})
}

fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn serve(listener: std::net::TcpListener, tls: tokio_rustls::TlsAcceptor, state: Arc<State>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        let tls = tls.clone();
        tokio::spawn(async move {
            let Ok(stream) = tls.accept(stream).await else {
                return;
            };
            let client_certificate = stream.get_ref().1.peer_certificates().is_some();
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let state = Arc::clone(&state);
                async move {
                    let token = request
                        .headers()
                        .get(hyper::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "));
                    let path = request.uri().path().to_owned();
                    let (code, body) = if !client_certificate && token != Some(TOKEN) {
                        (401, status(401, &path))
                    } else {
                        let query = parse_query(request.uri().query());
                        state.answer(&path, &query).await
                    };
                    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
                    *response.status_mut() = hyper::StatusCode::from_u16(code)
                        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
                    let headers = response.headers_mut();
                    headers.insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    if code == 429 {
                        headers.insert(
                            hyper::header::RETRY_AFTER,
                            hyper::header::HeaderValue::from_static("0"),
                        );
                    }
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
        });
    }
}
