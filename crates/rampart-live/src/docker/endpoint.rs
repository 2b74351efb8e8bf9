//! Where the Docker Engine is and how to reach it, decided as the docker CLI does: the
//! `--host` flag, else `$DOCKER_HOST`, else the local socket; TLS for a `tcp://` host when
//! a certificate flag is given or `$DOCKER_TLS_VERIFY` / `$DOCKER_CERT_PATH` is set, with
//! `ca.pem`, `cert.pem` and `key.pem` from `$DOCKER_CERT_PATH` (else `~/.docker`) for the
//! files not given.

use std::path::{Path, PathBuf};

/// The local socket the docker CLI uses when nothing else is said.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// What the command line says about the Engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFlags {
    /// `--host`: `unix:///path` or `tcp://host:port`.
    pub host: Option<String>,
    /// `--tls-ca`: the CA that signed the daemon's certificate.
    pub tls_ca: Option<PathBuf>,
    /// `--tls-cert`: the client certificate.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key`: the client key.
    pub tls_key: Option<PathBuf>,
}

/// The environment variables the docker CLI reads (taken as values, so that tests can
/// give their own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `$DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `$DOCKER_TLS_VERIFY`.
    pub tls_verify: Option<String>,
    /// `$DOCKER_CERT_PATH`.
    pub cert_path: Option<PathBuf>,
    /// `$HOME`, for `~/.docker`.
    pub home: Option<PathBuf>,
}

impl Environment {
    /// The process's environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            docker_host: var("DOCKER_HOST"),
            tls_verify: var("DOCKER_TLS_VERIFY"),
            cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
        }
    }
}

/// The client's TLS files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// CA certificate(s) to verify the daemon with.
    pub ca: PathBuf,
    /// Client certificate.
    pub cert: PathBuf,
    /// Client key.
    pub key: PathBuf,
}

/// How to reach the Engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix socket.
    Unix {
        /// The socket's path.
        path: PathBuf,
    },
    /// TCP, in the clear or over TLS.
    Tcp {
        /// `host:port`.
        address: String,
        /// The TLS files, when TLS is used.
        tls: Option<TlsFiles>,
    },
}

impl Endpoint {
    /// The host part of the URIs that name this Engine's objects
    /// (`docker://<host>/containers/web`): `localhost` for a Unix socket, `host:port` for
    /// TCP.
    pub fn uri_host(&self) -> &str {
        match self {
            Self::Unix { .. } => "localhost",
            Self::Tcp { address, .. } => address,
        }
    }

    /// How the endpoint is described in messages (`unix:///var/run/docker.sock`,
    /// `tcp://10.0.0.5:2376 (TLS)`).
    pub fn describe(&self) -> String {
        match self {
            Self::Unix { path } => format!("unix://{}", path.display()),
            Self::Tcp { address, tls: None } => format!("tcp://{address}"),
            Self::Tcp {
                address,
                tls: Some(_),
            } => format!("tcp://{address} (TLS)"),
        }
    }
}

/// A host the command line or the environment gave that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// A scheme other than `unix://` or `tcp://`.
    #[error("unsupported Docker host {0:?}: use unix:///path/to/docker.sock or tcp://host:port")]
    Scheme(String),
    /// `tcp://` without a host.
    #[error("Docker host {0:?} has no address")]
    NoAddress(String),
    /// TLS files given for a Unix socket.
    #[error("--tls-ca, --tls-cert and --tls-key apply to tcp:// hosts, not to {0}")]
    TlsOnSocket(String),
}

/// Decides the endpoint from the flags and the environment, as the docker CLI does.
pub fn resolve(flags: &EndpointFlags, env: &Environment) -> Result<Endpoint, EndpointError> {
    let host = flags
        .host
        .clone()
        .or_else(|| env.docker_host.clone())
        .unwrap_or_else(|| format!("unix://{DEFAULT_SOCKET}"));
    let tls_flag = flags.tls_ca.is_some() || flags.tls_cert.is_some() || flags.tls_key.is_some();
    if let Some(path) = host.strip_prefix("unix://") {
        if tls_flag {
            return Err(EndpointError::TlsOnSocket(host));
        }
        let path = if path.is_empty() {
            DEFAULT_SOCKET
        } else {
            path
        };
        return Ok(Endpoint::Unix {
            path: PathBuf::from(path),
        });
    }
    let Some(rest) = host.strip_prefix("tcp://") else {
        return Err(EndpointError::Scheme(host));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(EndpointError::NoAddress(host));
    }
    let tls = tls_flag || env.tls_verify.is_some() || env.cert_path.is_some();
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && !port.contains(']'));
    let address = if has_port {
        authority.to_owned()
    } else {
        // The daemon's default ports: 2376 with TLS, 2375 without.
        format!("{authority}:{}", if tls { 2376 } else { 2375 })
    };
    let tls = tls.then(|| {
        let dir = env
            .cert_path
            .clone()
            .or_else(|| env.home.as_ref().map(|home| home.join(".docker")))
            .unwrap_or_else(|| PathBuf::from(".docker"));
        let pick = |given: &Option<PathBuf>, name: &str| {
            given.clone().unwrap_or_else(|| Path::new(&dir).join(name))
        };
        TlsFiles {
            ca: pick(&flags.tls_ca, "ca.pem"),
            cert: pick(&flags.tls_cert, "cert.pem"),
            key: pick(&flags.tls_key, "key.pem"),
        }
    });
    Ok(Endpoint::Tcp { address, tls })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(host: Option<&str>) -> EndpointFlags {
        EndpointFlags {
            host: host.map(str::to_owned),
            ..EndpointFlags::default()
        }
    }

    #[test]
    fn the_local_socket_by_default_and_docker_host_next() {
        let env = Environment::default();
        assert_eq!(
            resolve(&flags(None), &env),
            Ok(Endpoint::Unix {
                path: PathBuf::from(DEFAULT_SOCKET)
            })
        );
        let env = Environment {
            docker_host: Some("tcp://10.0.0.5:2375".to_owned()),
            ..Environment::default()
        };
        let endpoint = resolve(&flags(None), &env).expect("an endpoint");
        assert_eq!(endpoint.uri_host(), "10.0.0.5:2375");
        // The flag wins over the environment.
        let endpoint = resolve(&flags(Some("unix:///run/user/1000/docker.sock")), &env);
        assert_eq!(
            endpoint,
            Ok(Endpoint::Unix {
                path: PathBuf::from("/run/user/1000/docker.sock")
            })
        );
    }

    #[test]
    fn tls_when_verify_or_cert_path_or_a_flag_is_set() {
        let env = Environment {
            tls_verify: Some("1".to_owned()),
            home: Some(PathBuf::from("/home/ops")),
            ..Environment::default()
        };
        let endpoint = resolve(&flags(Some("tcp://docker.example.com")), &env).expect("tcp");
        assert_eq!(
            endpoint,
            Endpoint::Tcp {
                address: "docker.example.com:2376".to_owned(),
                tls: Some(TlsFiles {
                    ca: PathBuf::from("/home/ops/.docker/ca.pem"),
                    cert: PathBuf::from("/home/ops/.docker/cert.pem"),
                    key: PathBuf::from("/home/ops/.docker/key.pem"),
                }),
            }
        );
        let env = Environment {
            cert_path: Some(PathBuf::from("/etc/docker-client")),
            ..Environment::default()
        };
        let mut with_ca = flags(Some("tcp://10.0.0.5:2376"));
        with_ca.tls_ca = Some(PathBuf::from("/tmp/ca.pem"));
        let Ok(Endpoint::Tcp { tls: Some(tls), .. }) = resolve(&with_ca, &env) else {
            panic!("TLS expected");
        };
        assert_eq!(tls.ca, PathBuf::from("/tmp/ca.pem"));
        assert_eq!(tls.key, PathBuf::from("/etc/docker-client/key.pem"));
        // Without any of them: plain TCP on 2375.
        let plain = resolve(&flags(Some("tcp://10.0.0.5")), &Environment::default());
        assert_eq!(
            plain,
            Ok(Endpoint::Tcp {
                address: "10.0.0.5:2375".to_owned(),
                tls: None
            })
        );
    }

    #[test]
    fn unusable_hosts_are_errors() {
        let env = Environment::default();
        assert!(matches!(
            resolve(&flags(Some("ssh://ops@host")), &env),
            Err(EndpointError::Scheme(_))
        ));
        assert!(matches!(
            resolve(&flags(Some("tcp://")), &env),
            Err(EndpointError::NoAddress(_))
        ));
        let mut socket_with_tls = flags(None);
        socket_with_tls.tls_cert = Some(PathBuf::from("cert.pem"));
        assert!(matches!(
            resolve(&socket_with_tls, &env),
            Err(EndpointError::TlsOnSocket(_))
        ));
    }
}
