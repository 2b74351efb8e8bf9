//! A stand-in Docker Engine: an HTTP (or TLS, with client certificates) server on
//! 127.0.0.1 that answers Engine API paths with recorded answers, for what a local engine
//! cannot show (a TLS `tcp://` host, a rootless daemon, authorization plugins, an object
//! removed while it is read).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

/// Answers by path without the API version (`/containers/json`): a status and a body.
#[derive(Debug, Clone, Default)]
pub struct Answers(pub BTreeMap<String, (u16, Value)>);

impl Answers {
    /// Answers `path` with 200 and `body`.
    pub fn ok(mut self, path: &str, body: Value) -> Self {
        self.0.insert(path.to_owned(), (200, body));
        self
    }

    /// Answers `path` with `status` and the Engine's error body.
    pub fn error(mut self, path: &str, status: u16, message: &str) -> Self {
        self.0.insert(
            path.to_owned(),
            (status, serde_json::json!({ "message": message })),
        );
        self
    }

    fn answer(&self, path: &str) -> (u16, Value) {
        // `/v1.41/info` -> `/info`.
        let unversioned = path
            .strip_prefix("/v")
            .and_then(|rest| rest.split_once('/'))
            .filter(|(version, _)| version.contains('.'))
            .map_or(path.to_owned(), |(_, rest)| format!("/{rest}"));
        self.0.get(&unversioned).cloned().unwrap_or((
            404,
            serde_json::json!({ "message": format!("page not found: {unversioned}") }),
        ))
    }
}

/// Certificates for a TLS engine: a CA, the server's (127.0.0.1, localhost) and a client's,
/// as `ca.pem`, `cert.pem` and `key.pem` in a directory (the docker CLI's names).
pub struct Pki {
    pub dir: tempfile::TempDir,
    server_chain: String,
    server_key: String,
    ca: String,
}

impl Pki {
    pub fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "rampart test engine CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap()
                .signed_by(&server_key, &ca)
                .unwrap();
        let client_key = rcgen::KeyPair::generate().unwrap();
        let mut client_params = rcgen::CertificateParams::new(vec!["rampart".to_owned()]).unwrap();
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client = client_params.signed_by(&client_key, &ca).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), client.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), client_key.serialize_pem()).unwrap();
        Self {
            dir,
            server_chain: server.pem(),
            server_key: server_key.serialize_pem(),
            ca: ca.pem(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A server configuration that requires a client certificate signed by the CA.
    fn server_config(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.ca.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .unwrap();
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.server_chain.as_bytes())
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_slice(self.server_key.as_bytes()).unwrap();
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap()
    }
}

/// A running stand-in engine; it stops with the test process.
pub struct FakeEngine {
    /// `127.0.0.1:port`.
    pub address: String,
}

impl FakeEngine {
    /// Serves `answers` on a free port of 127.0.0.1, over TLS when `pki` is given.
    pub fn start(answers: Answers, pki: Option<&Pki>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let tls = pki.map(|pki| tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config())));
        let answers = Arc::new(answers);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(listener, tls, answers));
        });
        Self { address }
    }

    /// `tcp://127.0.0.1:port`.
    pub fn host(&self) -> String {
        format!("tcp://{}", self.address)
    }
}

async fn serve(
    listener: std::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    answers: Arc<Answers>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let answers = Arc::clone(&answers);
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let (status, body) = answers.answer(request.uri().path());
                async move {
                    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
                    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let http = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(tls) => {
                    // A client without a certificate is refused here.
                    if let Ok(stream) = tls.accept(stream).await {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

/// The answers of a Docker host with one running container and one image, recorded from
/// Docker Engine 20.10 (API 1.41) and kept in tests/data/engine.
pub fn recorded_host() -> Answers {
    let container = super::recorded("container");
    let id = container["Id"].as_str().unwrap().to_owned();
    let image = super::recorded("image");
    let image_id = image["Id"].as_str().unwrap().to_owned();
    Answers::default()
        .ok("/_ping", Value::String("OK".to_owned()))
        .ok("/version", super::recorded("version"))
        .ok("/info", super::recorded("info"))
        .ok("/networks/bridge", super::recorded("bridge"))
        .ok("/containers/json", super::recorded("containers"))
        .ok(&format!("/containers/{id}/json"), container)
        .ok(&format!("/containers/{id}/top"), super::recorded("top"))
        .ok("/images/json", super::recorded("images"))
        .ok(&format!("/images/{image_id}/json"), image)
        .ok(
            &format!("/images/{image_id}/history"),
            super::recorded("history"),
        )
}

/// Writes `text` at the host path `path` under `root` with `mode`.
pub fn write_host_file(root: &Path, path: &str, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let local = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, text).unwrap();
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
}
