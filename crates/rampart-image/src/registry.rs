//! `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`: images pulled through the OCI
//! distribution API, streamed layer by layer (nothing is written to disk).
//!
//! Authentication as registries ask for it in their `WWW-Authenticate` challenge:
//! anonymous, `Basic`, or `Bearer` (a token from the challenge's realm, for the
//! challenge's service and scope, asked anonymously or with the credentials). The
//! credentials come from `RAMPART_REGISTRY_USERNAME` / `RAMPART_REGISTRY_PASSWORD`,
//! else the `auths` of the docker CLI's `config.json` (`$DOCKER_CONFIG`, else
//! `~/.docker`). Plain HTTP only for the hosts given as insecure.

use base64::Engine as _;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use serde_json::Value;

use crate::digest::{is_sha256, sha256};
use crate::layout::{self, Blobs, Small, verified};
use crate::manifest::{DOCKER_LIST, DOCKER_MANIFEST, Manifest, OCI_INDEX, OCI_MANIFEST};
use crate::{Image, ImageError, Limits, Platform};

/// Docker Hub's name in references, and where its API is.
const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// An image reference: registry, repository and tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `HOST[:PORT]`.
    pub registry: String,
    /// `team/app` (`library/alpine` on Docker Hub).
    pub repository: String,
    /// The tag, when no digest is given (`latest` by default).
    pub tag: Option<String>,
    /// The manifest digest.
    pub digest: Option<String>,
}

impl Reference {
    /// Reads `HOST[:PORT]/REPO[:TAG|@DIGEST]` (what follows `docker://`). Without a
    /// host (a first part without `.` or `:` and not `localhost`) the image is on Docker
    /// Hub, as the docker CLI reads it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim_start_matches("//");
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) if is_sha256(digest) => (name, Some(digest.to_owned())),
            Some((_, digest)) => return Err(format!("{digest:?} is not a sha256 digest")),
            None => (text, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(colon) => (
                &name[..last_slash + colon],
                Some(name[last_slash + colon + 1..].to_owned()),
            ),
            None => (name, None),
        };
        let (first, rest) = name.split_once('/').unwrap_or(("", name));
        let (registry, repository) =
            if first.contains('.') || first.contains(':') || first == "localhost" {
                (first.to_owned(), rest.to_owned())
            } else if name.contains('/') {
                (DOCKER_HUB.to_owned(), name.to_owned())
            } else {
                (DOCKER_HUB.to_owned(), format!("library/{name}"))
            };
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
        };
        if !valid(&repository) {
            return Err(format!(
                "{repository:?} is not a repository name (lower-case letters, digits, ., _, -, /)"
            ));
        }
        if tag.as_deref().is_some_and(|t| {
            t.is_empty()
                || t.len() > 128
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        }) {
            return Err(format!("{:?} is not a tag", tag.unwrap_or_default()));
        }
        Ok(Self {
            registry,
            repository,
            tag: if digest.is_some() { None } else { tag },
            digest,
        })
    }

    /// What `/manifests/` is asked for: the digest, else the tag, else `latest`.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host the API is on.
    fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match (&self.digest, &self.tag) {
            (Some(digest), _) => write!(f, "@{digest}"),
            (None, Some(tag)) => write!(f, ":{tag}"),
            (None, None) => Ok(()),
        }
    }
}

/// A user name and password for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The credentials for `registry`: the environment's, else the docker CLI's.
pub fn credentials(registry: &str) -> Option<Credentials> {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    if let (Some(username), Some(password)) = (
        env("RAMPART_REGISTRY_USERNAME"),
        env("RAMPART_REGISTRY_PASSWORD"),
    ) {
        return Some(Credentials { username, password });
    }
    let dir = env("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| env("HOME").map(|home| std::path::Path::new(&home).join(".docker")))?;
    let config: Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).ok()?).ok()?;
    docker_config_credentials(&config, registry)
}

/// The `auths` entry of a docker CLI `config.json` for `registry` (keys may carry a
/// scheme and a path: `https://index.docker.io/v1/` is Docker Hub).
pub fn docker_config_credentials(config: &Value, registry: &str) -> Option<Credentials> {
    let host = |key: &str| {
        let key = key
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let key = key.split('/').next().unwrap_or(key);
        match key {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_owned(),
            other => other.to_owned(),
        }
    };
    let auths = config.get("auths")?.as_object()?;
    let entry = auths.iter().find(|(key, _)| host(key) == registry)?.1;
    if let Some(auth) = entry.get("auth").and_then(Value::as_str) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(Credentials {
            username: username.to_owned(),
            password: password.to_owned(),
        });
    }
    Some(Credentials {
        username: entry.get("username")?.as_str()?.to_owned(),
        password: entry.get("password")?.as_str()?.to_owned(),
    })
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="…"`.
    Basic,
    /// `Bearer realm="…",service="…",scope="…"`.
    Bearer {
        /// Where tokens are issued.
        realm: String,
        /// The service the token is for.
        service: Option<String>,
        /// The scope asked for.
        scope: Option<String>,
    },
}

impl Challenge {
    /// Reads a challenge header (the first scheme rampart knows).
    pub fn parse(header: &str) -> Option<Self> {
        let (scheme, params) = header
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((header, ""));
        let mut fields = std::collections::BTreeMap::new();
        let mut rest = params.trim();
        while !rest.is_empty() {
            let Some((key, after)) = rest.split_once('=') else {
                break;
            };
            let key = key
                .trim()
                .trim_start_matches(',')
                .trim()
                .to_ascii_lowercase();
            let after = after.trim_start();
            let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            fields.insert(key, value.to_owned());
            rest = tail.trim_start().trim_start_matches(',').trim_start();
        }
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => Some(Self::Basic),
            "bearer" => Some(Self::Bearer {
                realm: fields.remove("realm")?,
                service: fields.remove("service"),
                scope: fields.remove("scope"),
            }),
            _ => None,
        }
    }
}

/// A client for one repository of one registry.
pub struct Registry {
    http: Client,
    base: String,
    reference: Reference,
    credentials: Option<Credentials>,
    authorization: Option<String>,
}

/// Every manifest media type rampart reads.
const MANIFEST_TYPES: &[&str] = &[OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

impl Registry {
    /// A client for `reference`'s repository; `insecure` speaks plain HTTP.
    pub fn new(
        reference: &Reference,
        insecure: bool,
        credentials: Option<Credentials>,
    ) -> Result<Self, ImageError> {
        // One crypto provider in the process: ring (a second install is refused, fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = Client::builder()
            .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(30))
            .timeout(None)
            .build()
            .map_err(|e| ImageError::Registry(format!("HTTP client: {e}")))?;
        let scheme = if insecure { "http" } else { "https" };
        Ok(Self {
            http,
            base: format!(
                "{scheme}://{}/v2/{}",
                reference.api_host(),
                reference.repository
            ),
            reference: reference.clone(),
            credentials,
            authorization: None,
        })
    }

    /// GETs `url`, answering the registry's challenge once.
    fn get(&mut self, url: &str, accept: &[&str]) -> Result<Response, ImageError> {
        let response = self.send(url, accept)?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return check(response, url);
        }
        let challenge = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(Challenge::parse)
            .ok_or_else(|| {
                ImageError::Registry(format!(
                    "{url}: 401 Unauthorized without a challenge rampart can answer"
                ))
            })?;
        self.authorization = Some(self.answer(&challenge)?);
        check(self.send(url, accept)?, url)
    }

    fn send(&self, url: &str, accept: &[&str]) -> Result<Response, ImageError> {
        let mut headers = HeaderMap::new();
        if !accept.is_empty()
            && let Ok(value) = accept.join(", ").parse()
        {
            headers.insert(ACCEPT, value);
        }
        if let Some(value) = self.authorization.as_deref().and_then(|a| a.parse().ok()) {
            headers.insert(AUTHORIZATION, value);
        }
        self.http
            .get(url)
            .headers(headers)
            .send()
            .map_err(|e| ImageError::Registry(format!("{url}: {e}")))
    }

    /// The `Authorization` header that answers `challenge`.
    fn answer(&self, challenge: &Challenge) -> Result<String, ImageError> {
        let basic = self.credentials.as_ref().map(|c| {
            let pair = format!("{}:{}", c.username, c.password);
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        match challenge {
            Challenge::Basic => basic.ok_or_else(|| {
                ImageError::Registry(format!(
                    "{} asks for a user name and password: set RAMPART_REGISTRY_USERNAME and RAMPART_REGISTRY_PASSWORD, or docker login",
                    self.reference.registry
                ))
            }),
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let scope = scope
                    .clone()
                    .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
                let mut params = vec![("scope", scope)];
                if let Some(service) = service {
                    params.push(("service", service.clone()));
                }
                let url = reqwest::Url::parse_with_params(realm, &params)
                    .map_err(|e| ImageError::Registry(format!("token realm {realm:?}: {e}")))?;
                let mut request = self.http.get(url);
                if let Some(basic) = &basic {
                    request = request.header(AUTHORIZATION, basic.as_str());
                }
                let response = request
                    .send()
                    .map_err(|e| ImageError::Registry(format!("token from {realm}: {e}")))?;
                let response = check(response, realm)?;
                let body: Value = response
                    .json()
                    .map_err(|e| ImageError::Registry(format!("token from {realm}: {e}")))?;
                let token = body
                    .get("token")
                    .or_else(|| body.get("access_token"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        ImageError::Registry(format!("{realm} answered without a token"))
                    })?;
                Ok(format!("Bearer {token}"))
            }
        }
    }

    /// A manifest (or index) by tag or digest: its bytes and digest.
    fn manifest(&mut self, reference: &str, limit: u64) -> Result<(Vec<u8>, String), ImageError> {
        let url = format!("{}/manifests/{reference}", self.base);
        let response = self.get(&url, MANIFEST_TYPES)?;
        let bytes = crate::read_small(response, limit, &url)?;
        let digest = sha256(&bytes);
        if is_sha256(reference) && digest != reference {
            return Err(ImageError::Digest {
                what: format!("manifest {url}"),
                expected: reference.to_owned(),
                actual: digest,
            });
        }
        Ok((bytes, digest))
    }

    /// Reads the image: the manifest (the index's entry for `platform`), the
    /// configuration, then each layer streamed and checked.
    pub fn read(&mut self, platform: &Platform, limits: &Limits) -> Result<Image, ImageError> {
        let reference = self.reference.manifest_reference().to_owned();
        let (bytes, digest) = self.manifest(&reference, limits.json_bytes)?;
        let manifest = Manifest::parse(&bytes)?;
        let resolved = layout::resolve(self, manifest, digest, platform, limits)?;
        layout::assemble(resolved, limits, |digest| {
            let url = format!("{}/blobs/{digest}", self.base);
            self.get(&url, &[])
        })
    }
}

impl Blobs for Registry {
    fn small(&mut self, digest: &str, kind: Small, limit: u64) -> Result<Vec<u8>, ImageError> {
        match kind {
            Small::Manifest => self.manifest(digest, limit).map(|(bytes, _)| bytes),
            Small::Config => {
                let url = format!("{}/blobs/{digest}", self.base);
                let response = self.get(&url, &[])?;
                verified(
                    &format!("blob {url}"),
                    digest,
                    crate::read_small(response, limit, &url)?,
                )
            }
        }
    }
}

/// An error for a response that is not a success.
fn check(response: Response, url: &str) -> Result<Response, ImageError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // The registry's own words (`{"errors":[{"code","message"}]}`), when it says any.
    let body = response.text().unwrap_or_default();
    let said: Option<String> = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        let errors = v.get("errors")?.as_array()?;
        Some(
            errors
                .iter()
                .filter_map(|e| {
                    Some(format!(
                        "{}: {}",
                        e.get("code")?.as_str()?,
                        e.get("message").and_then(Value::as_str).unwrap_or("")
                    ))
                })
                .collect::<Vec<_>>()
                .join("; "),
        )
    });
    Err(ImageError::Registry(match said {
        Some(said) if !said.is_empty() => format!("{url}: {status}: {said}"),
        _ => format!("{url}: {status}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = Reference::parse("127.0.0.1:5000/team/app:1.2").expect("parses");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "team/app", Some("1.2"))
        );
        assert_eq!(r.to_string(), "127.0.0.1:5000/team/app:1.2");
        let r = Reference::parse("alpine").expect("parses");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/alpine")
        );
        assert_eq!(r.manifest_reference(), "latest");
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("localhost/app@{digest}")).expect("parses");
        assert_eq!(r.manifest_reference(), digest);
        assert!(Reference::parse("host.io/App").is_err());
        assert!(Reference::parse("host.io/app@sha256:zz").is_err());
    }

    #[test]
    fn challenges() {
        assert_eq!(
            Challenge::parse(
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull".into()),
            })
        );
        assert_eq!(
            Challenge::parse(r#"Basic realm="x""#),
            Some(Challenge::Basic)
        );
        assert_eq!(Challenge::parse("Negotiate"), None);
    }

    #[test]
    fn docker_config_auths() {
        let config = serde_json::json!({"auths": {
            "https://index.docker.io/v1/": {"auth": base64::engine::general_purpose::STANDARD.encode("hub:secret")},
            "127.0.0.1:5000": {"username": "u", "password": "hunter2"}
        }});
        let hub = docker_config_credentials(&config, "docker.io").expect("hub");
        assert_eq!(
            (hub.username.as_str(), hub.password.as_str()),
            ("hub", "secret")
        );
        let local = docker_config_credentials(&config, "127.0.0.1:5000").expect("local");
        assert_eq!(local.username, "u");
        assert!(docker_config_credentials(&config, "ghcr.io").is_none());
        assert!(!format!("{local:?}").contains("hunter2"));
    }
}
