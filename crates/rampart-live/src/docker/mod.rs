//! The Docker Engine API, through bollard: what a Docker host runs, read into the JSON
//! documents rampart's engine judges (the same documents `docker inspect` and `docker
//! image inspect` print), each object with its own error.
//!
//! * the daemon: `{"Info": GET /info, "Version": GET /version, "BridgeNetwork": GET
//!   /networks/bridge}`;
//! * every container, running or not: `GET /containers/{id}/json`, with `GET
//!   /containers/{id}/top` under `Top` when it runs;
//! * every image: `GET /images/{id}/json`, with `GET /images/{id}/history` under
//!   `History`.
//!
//! Containers and images are read concurrently, at most [`Reader::with_concurrency`]
//! requests at a time, and reported in name order.

mod endpoint;

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, ListImagesOptionsBuilder, TopOptions,
};
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};

pub use endpoint::{
    DEFAULT_SOCKET, Endpoint, EndpointError, EndpointFlags, Environment, TlsFiles, resolve,
};

/// Seconds the client waits for one answer.
const TIMEOUT_SECONDS: u64 = 60;

/// One object as read: its name, its document, and what went wrong reading it. A document
/// with an error was read in part (a running container whose processes could not be
/// listed); no document means the object could not be read at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// How reports name it: the container's name, the image's first tag or short id.
    pub name: String,
    /// The document, when it was read.
    pub document: Option<Value>,
    /// The problem, if any.
    pub error: Option<String>,
}

impl Read {
    fn ok(name: String, document: Value) -> Self {
        Self {
            name,
            document: Some(document),
            error: None,
        }
    }

    fn failed(name: String, error: String) -> Self {
        Self {
            name,
            document: None,
            error: Some(error),
        }
    }
}

/// Everything read from one Engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The daemon's document (see the module documentation), or why it could not be read
    /// (then nothing else could either).
    pub daemon: Result<Value, String>,
    /// Every container, by name.
    pub containers: Vec<Read>,
    /// Every image, by name.
    pub images: Vec<Read>,
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
}

/// Reads an Engine.
#[derive(Debug, Clone)]
pub struct Reader {
    docker: Docker,
    concurrency: usize,
}

/// Connects to `endpoint` (nothing is sent yet). Fails when the TLS files cannot be read.
pub fn connect(endpoint: &Endpoint) -> Result<Reader, String> {
    // One crypto provider for the whole process: rustls with ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let version = bollard::API_DEFAULT_VERSION;
    let docker = match endpoint {
        Endpoint::Unix { path } => {
            Docker::connect_with_unix(&path.to_string_lossy(), TIMEOUT_SECONDS, version)
        }
        Endpoint::Tcp { address, tls: None } => {
            Docker::connect_with_http(&format!("tcp://{address}"), TIMEOUT_SECONDS, version)
        }
        Endpoint::Tcp {
            address,
            tls: Some(tls),
        } => {
            for file in [&tls.ca, &tls.cert, &tls.key] {
                if let Err(error) = std::fs::metadata(file) {
                    return Err(format!("cannot read TLS file {}: {error}", file.display()));
                }
            }
            Docker::connect_with_ssl(
                &format!("tcp://{address}"),
                &tls.key,
                &tls.cert,
                &tls.ca,
                TIMEOUT_SECONDS,
                version,
            )
        }
    };
    let docker = docker.map_err(|e| format!("cannot reach the Docker daemon: {}", explain(&e)))?;
    Ok(Reader {
        docker,
        concurrency: 16,
    })
}

/// Plain words for an Engine API error: the Engine's own message, or the transport's
/// error down to its cause (`Connection refused (os error 111)`).
fn explain(error: &BollardError) -> String {
    if let BollardError::DockerResponseServerError {
        status_code,
        message,
    } = error
    {
        return format!("the Engine API answered {status_code}: {}", message.trim());
    }
    let mut words = vec![error.to_string()];
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !words.iter().any(|w| w.contains(&text)) {
            words.push(text);
        }
        cause = inner.source();
    }
    words.join(": ")
}

/// A 404: the object went away between the listing and its inspection.
fn is_gone(error: &BollardError) -> bool {
    matches!(
        error,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

fn to_value<T: serde::Serialize>(answer: &T) -> Result<Value, String> {
    serde_json::to_value(answer)
        .map_err(|e| format!("cannot represent the Engine API's answer: {e}"))
}

impl Reader {
    /// At most `concurrency` requests in flight (at least one).
    pub fn with_concurrency(self, concurrency: usize) -> Self {
        Self {
            concurrency: concurrency.max(1),
            ..self
        }
    }

    /// Reads the daemon, every container and every image. An Engine that cannot be reached
    /// (or refuses the client) is the daemon's error, with nothing else read.
    pub async fn read(self) -> Snapshot {
        let start = Instant::now();
        let docker = match self.docker.clone().negotiate_version().await {
            Ok(docker) => docker,
            Err(error) => {
                return Snapshot {
                    daemon: Err(format!(
                        "cannot reach the Docker daemon: {}",
                        explain(&error)
                    )),
                    containers: Vec::new(),
                    images: Vec::new(),
                    elapsed: start.elapsed(),
                };
            }
        };
        let reader = Self {
            docker,
            concurrency: self.concurrency.max(1),
        };
        let (daemon, containers, images) =
            tokio::join!(reader.daemon(), reader.containers(), reader.images());
        Snapshot {
            daemon,
            containers,
            images,
            elapsed: start.elapsed(),
        }
    }

    /// `{"Info", "Version", "BridgeNetwork"}`; a missing default bridge (`--bridge=none`)
    /// is left out.
    async fn daemon(&self) -> Result<Value, String> {
        let (info, version, bridge) = tokio::join!(
            self.docker.info(),
            self.docker.version(),
            self.docker.inspect_network(
                "bridge",
                None::<bollard::query_parameters::InspectNetworkOptions>
            )
        );
        let mut document = Map::new();
        let info = info.map_err(|e| format!("cannot read the daemon's /info: {}", explain(&e)))?;
        document.insert("Info".to_owned(), to_value(&info)?);
        let version =
            version.map_err(|e| format!("cannot read the daemon's /version: {}", explain(&e)))?;
        document.insert("Version".to_owned(), to_value(&version)?);
        match bridge {
            Ok(bridge) => {
                document.insert("BridgeNetwork".to_owned(), to_value(&bridge)?);
            }
            Err(error) if is_gone(&error) => {}
            Err(error) => {
                return Err(format!(
                    "cannot read the default bridge network: {}",
                    explain(&error)
                ));
            }
        }
        Ok(Value::Object(document))
    }

    /// Every container (running or not), inspected `concurrency` at a time.
    async fn containers(&self) -> Vec<Read> {
        let options = ListContainersOptionsBuilder::new().all(true).build();
        let listed = match self.docker.list_containers(Some(options)).await {
            Ok(listed) => listed,
            Err(error) => return listing_failed("containers", &error),
        };
        let mut reads: Vec<Read> = stream::iter(listed)
            .map(|summary| {
                let id = summary.id.clone().unwrap_or_default();
                let name = summary
                    .names
                    .as_ref()
                    .and_then(|names| names.first())
                    .map(|n| n.trim_start_matches('/').to_owned())
                    .unwrap_or_else(|| id.chars().take(12).collect());
                self.container(id, name)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        reads.sort_by(|a, b| a.name.cmp(&b.name));
        reads
    }

    async fn container(&self, id: String, name: String) -> Read {
        let inspected = self
            .docker
            .inspect_container(&id, None::<InspectContainerOptions>)
            .await;
        let inspected = match inspected {
            Ok(inspected) => inspected,
            Err(error) if is_gone(&error) => {
                return Read::failed(
                    name,
                    "the container was removed while it was being read".to_owned(),
                );
            }
            Err(error) => {
                return Read::failed(
                    name,
                    format!("cannot inspect the container: {}", explain(&error)),
                );
            }
        };
        let running = inspected
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false);
        let mut document = match to_value(&inspected) {
            Ok(document) => document,
            Err(error) => return Read::failed(name, error),
        };
        let mut read = Read::ok(name, Value::Null);
        if running {
            match self.docker.top_processes(&id, None::<TopOptions>).await {
                Ok(top) => {
                    if let (Value::Object(map), Ok(top)) = (&mut document, to_value(&top)) {
                        map.insert("Top".to_owned(), top);
                    }
                }
                // Stopped or removed since: its configuration is still judged.
                Err(BollardError::DockerResponseServerError {
                    status_code: 404 | 409,
                    ..
                }) => {}
                Err(error) => {
                    read.error = Some(format!(
                        "cannot list the container's processes: {}",
                        explain(&error)
                    ));
                }
            }
        }
        read.document = Some(document);
        read
    }

    /// Every image (not the intermediate layers), inspected with its history.
    async fn images(&self) -> Vec<Read> {
        let options = ListImagesOptionsBuilder::new().all(false).build();
        let listed = match self.docker.list_images(Some(options)).await {
            Ok(listed) => listed,
            Err(error) => return listing_failed("images", &error),
        };
        let mut reads: Vec<Read> = stream::iter(listed)
            .map(|summary| {
                let name = summary
                    .repo_tags
                    .iter()
                    .find(|tag| tag.as_str() != "<none>:<none>")
                    .cloned()
                    .unwrap_or_else(|| short_id(&summary.id));
                self.image(summary.id, name)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        reads.sort_by(|a, b| a.name.cmp(&b.name));
        reads
    }

    async fn image(&self, id: String, name: String) -> Read {
        let (inspected, history) = tokio::join!(
            self.docker.inspect_image(&id),
            self.docker.image_history(&id)
        );
        let gone = "the image was removed while it was being read".to_owned();
        let inspected = match inspected {
            Ok(inspected) => inspected,
            Err(error) if is_gone(&error) => return Read::failed(name, gone),
            Err(error) => {
                return Read::failed(
                    name,
                    format!("cannot inspect the image: {}", explain(&error)),
                );
            }
        };
        let history = match history {
            Ok(history) => history,
            Err(error) if is_gone(&error) => return Read::failed(name, gone),
            Err(error) => {
                return Read::failed(
                    name,
                    format!("cannot read the image's history: {}", explain(&error)),
                );
            }
        };
        let document = to_value(&inspected).and_then(|mut document| {
            if let Value::Object(map) = &mut document {
                map.insert("History".to_owned(), to_value(&history)?);
            }
            Ok(document)
        });
        match document {
            Ok(document) => Read::ok(name, document),
            Err(error) => Read::failed(name, error),
        }
    }
}

/// A listing that failed: one read, named `*`, with the error.
fn listing_failed(what: &str, error: &BollardError) -> Vec<Read> {
    vec![Read::failed(
        "*".to_owned(),
        format!("cannot list the {what}: {}", explain(error)),
    )]
}

/// `sha256:3f57d9401f8d...` -> `3f57d9401f8d`.
fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}
