//! What a file is: a Dockerfile, a Compose file, `docker inspect` output, a Docker
//! daemon configuration, or Kubernetes manifests. Decided by the file's name first and
//! by each document's content, so that standard input and unusual names work too.

use serde_json::Value;

use crate::docker::{inspect_is_container, is_engine_daemon, is_image, looks_like_daemon_config};

/// What a file's name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `Dockerfile`, `Dockerfile.*`, `Dockerfile-*`, `*.Dockerfile` (any case; the same
    /// for Podman's `Containerfile`).
    Dockerfile,
    /// `compose.yaml`, `compose.*.yml`, `docker-compose*.yml`...
    Compose,
    /// `daemon.json`.
    DaemonConfig,
    /// Anything else: YAML or JSON documents, told apart by content.
    Documents,
}

impl FileKind {
    /// Classifies a file by its name (the last path component of `name`).
    pub fn of_name(name: &str) -> Self {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let lower = file.to_ascii_lowercase();
        let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
        let dockerfile = |stem: &str| {
            lower == stem
                || lower.starts_with(&format!("{stem}."))
                || lower.starts_with(&format!("{stem}-"))
                || lower.ends_with(&format!(".{stem}"))
        };
        if dockerfile("dockerfile") || dockerfile("containerfile") {
            Self::Dockerfile
        } else if yaml && (lower.starts_with("compose.") || lower.starts_with("docker-compose")) {
            Self::Compose
        } else if lower == "daemon.json" {
            Self::DaemonConfig
        } else {
            Self::Documents
        }
    }
}

/// What one YAML or JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A Kubernetes object (or something that is not ours: the Kubernetes path skips
    /// documents without `apiVersion` and `kind`).
    Kubernetes,
    /// A Compose file.
    Compose,
    /// `docker inspect` output.
    Inspect,
    /// `docker image inspect` output, or an OCI image configuration.
    Image,
    /// A Docker daemon configuration.
    DaemonConfig,
    /// A running Docker daemon as its Engine API shows it: `{"Info": ..., "Version": ...,
    /// "BridgeNetwork": ...}` (what `rampart docker` reads).
    EngineDaemon,
}

impl DocumentKind {
    /// Classifies a document of a file of kind `file`.
    pub fn of(file: FileKind, value: &Value) -> Self {
        let kubernetes = value.get("apiVersion").is_some() || value.get("kind").is_some();
        if kubernetes {
            return Self::Kubernetes;
        }
        let has_services = value.get("services").is_some_and(Value::is_object);
        let all = |test: fn(&Value) -> bool| match value {
            Value::Array(items) => !items.is_empty() && items.iter().all(test),
            one => test(one),
        };
        let inspect = all(inspect_is_container);
        let image = all(is_image);
        match file {
            FileKind::Compose => Self::Compose,
            FileKind::DaemonConfig => Self::DaemonConfig,
            _ if has_services => Self::Compose,
            _ if is_engine_daemon(value) => Self::EngineDaemon,
            _ if inspect => Self::Inspect,
            _ if image => Self::Image,
            _ if looks_like_daemon_config(value) => Self::DaemonConfig,
            _ => Self::Kubernetes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        for name in [
            "Dockerfile",
            "a/b/Dockerfile.dev",
            "api.Dockerfile",
            "Dockerfile-chroot",
        ] {
            assert_eq!(FileKind::of_name(name), FileKind::Dockerfile, "{name}");
        }
        for name in [
            "compose.yaml",
            "x/docker-compose.test.yml",
            "compose.full.yaml",
        ] {
            assert_eq!(FileKind::of_name(name), FileKind::Compose, "{name}");
        }
        assert_eq!(
            FileKind::of_name("/etc/docker/daemon.json"),
            FileKind::DaemonConfig
        );
        assert_eq!(FileKind::of_name("deploy.yaml"), FileKind::Documents);
        assert_eq!(FileKind::of_name("dockerfiles.yaml"), FileKind::Documents);
    }

    #[test]
    fn contents() {
        let docs = FileKind::Documents;
        assert_eq!(
            DocumentKind::of(docs, &json!({"services": {"web": {"image": "nginx"}}})),
            DocumentKind::Compose
        );
        assert_eq!(
            DocumentKind::of(docs, &json!([{"Id": "abc", "HostConfig": {}}])),
            DocumentKind::Inspect
        );
        assert_eq!(
            DocumentKind::of(docs, &json!({"icc": false})),
            DocumentKind::DaemonConfig
        );
        assert_eq!(
            DocumentKind::of(docs, &json!({"apiVersion": "v1", "kind": "Pod"})),
            DocumentKind::Kubernetes
        );
        assert_eq!(
            DocumentKind::of(docs, &json!({"replicas": 3})),
            DocumentKind::Kubernetes
        );
    }
}
