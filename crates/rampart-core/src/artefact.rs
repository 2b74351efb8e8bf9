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

impl FileKind {
    /// Classifies a file by its name and, when the name says nothing (standard input `-`,
    /// a name without a YAML or JSON extension), by its content: text whose first
    /// instruction is `FROM`, or `ARG`s then `FROM`, is a Dockerfile.
    pub fn of(name: &str, bytes: &[u8]) -> Self {
        let by_name = Self::of_name(name);
        let lower = name.to_ascii_lowercase();
        let documents = [".yaml", ".yml", ".json"]
            .iter()
            .any(|extension| lower.ends_with(extension));
        if by_name == Self::Documents && !documents && looks_like_dockerfile(bytes) {
            Self::Dockerfile
        } else {
            by_name
        }
    }
}

/// Whether `bytes` read as a Dockerfile: after blank lines, comments and parser
/// directives, only `ARG` instructions may come before the first `FROM` (as the
/// Dockerfile reference requires), and a `FROM` does come.
fn looks_like_dockerfile(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut continued = false;
    for line in text.lines() {
        let line = line.trim();
        let was_continued = std::mem::replace(&mut continued, line.ends_with('\\'));
        if was_continued || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let instruction = words.next().unwrap_or_default();
        if instruction.eq_ignore_ascii_case("FROM") {
            return words.next().is_some();
        }
        if !instruction.eq_ignore_ascii_case("ARG") {
            return false;
        }
    }
    false
}

/// What one YAML or JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKind {
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
    fn dockerfiles_without_a_name_are_told_by_content() {
        let dockerfile = b"# syntax=docker/dockerfile:1\n\nARG BASE=alpine:3.20\nARG \\\n  X=1\nfrom $BASE\nRUN true\n";
        assert_eq!(FileKind::of("-", dockerfile), FileKind::Dockerfile);
        assert_eq!(
            FileKind::of("build/recipe", dockerfile),
            FileKind::Dockerfile
        );
        // A name that says YAML or JSON wins; so does a name that says Dockerfile.
        assert_eq!(FileKind::of("x.yaml", dockerfile), FileKind::Documents);
        assert_eq!(
            FileKind::of("Dockerfile", b"kind: Pod\n"),
            FileKind::Dockerfile
        );
        for not_one in [
            &b"apiVersion: v1\nkind: Pod\n"[..],
            b"RUN true\nFROM alpine\n",
            b"ARG X=1\n",
            b"FROM\n",
            b"# FROM alpine\n",
            b"\xff\xfeF\0R\0O\0M\0",
            b"",
        ] {
            assert_eq!(
                FileKind::of("-", not_one),
                FileKind::Documents,
                "{not_one:?}"
            );
        }
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
