//! The Docker daemon's configuration file, `daemon.json`.

use serde_json::Value;

use crate::field_path::FieldPath;

/// Keys that only a daemon configuration has (used to recognise one by content).
const DAEMON_KEYS: &[&str] = &[
    "icc",
    "userns-remap",
    "live-restore",
    "no-new-privileges",
    "insecure-registries",
    "registry-mirrors",
    "userland-proxy",
    "log-driver",
    "log-opts",
    "storage-driver",
    "default-ulimits",
    "seccomp-profile",
    "tlsverify",
    "data-root",
    "default-runtime",
    "iptables",
    "exec-opts",
];

/// Whether a document looks like a `daemon.json` (an object with daemon keys).
pub(crate) fn looks_like_daemon_config(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.keys().any(|k| DAEMON_KEYS.contains(&k.as_str())))
}

/// A `daemon.json` document.
#[derive(Debug, Clone, Copy)]
pub struct DaemonConfig<'a> {
    /// The document.
    pub value: &'a Value,
}

impl<'a> DaemonConfig<'a> {
    /// The value of `key`, when present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    /// `key` as a boolean (`true`/`false` or their string spellings).
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// `key` as text.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(Value::as_str)
    }

    /// The path of `key` (the file's first line when it is absent).
    pub fn path(&self, key: &str) -> FieldPath {
        FieldPath::root().child_owned(key.to_owned())
    }
}
