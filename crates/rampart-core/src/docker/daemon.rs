//! The Docker daemon's configuration: from its file, `daemon.json`, or from a running
//! daemon through the Engine API ([`EngineDaemon`]), in the vocabulary of `daemon.json`
//! so that one set of rules judges both.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

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

/// Settings only a running daemon shows (no `daemon.json` key sets them).
const ENGINE_ONLY: &[&str] = &[ROOTLESS, SWARM];

/// Whether the daemon runs rootless (`Info.SecurityOptions` has `name=rootless`).
pub const ROOTLESS: &str = "rootless";
/// Whether the daemon is a Swarm node (`Info.Swarm.LocalNodeState` is `active`).
pub const SWARM: &str = "swarm";

/// Whether a document looks like a `daemon.json` (an object with daemon keys).
pub(crate) fn looks_like_daemon_config(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.keys().any(|k| DAEMON_KEYS.contains(&k.as_str())))
}

/// Which settings a [`DaemonConfig`] can tell, and where they are.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    /// A `daemon.json`: every key; an absent key means the daemon's default.
    File,
    /// A running daemon: only what the Engine API shows.
    Engine(&'a EngineDaemon),
    /// A `daemon.json` judged beside its running daemon: only what the API does not show.
    FileBeside(&'a EngineDaemon),
}

/// A daemon configuration, as the daemon rules see it.
#[derive(Debug, Clone, Copy)]
pub struct DaemonConfig<'a> {
    /// The settings, with `daemon.json`'s keys.
    pub value: &'a Value,
    scope: Scope<'a>,
}

impl<'a> DaemonConfig<'a> {
    /// A `daemon.json` document.
    pub fn file(value: &'a Value) -> Self {
        Self {
            value,
            scope: Scope::File,
        }
    }

    /// A running daemon, from what the Engine API answered.
    pub fn engine(daemon: &'a EngineDaemon) -> Self {
        Self {
            value: &daemon.settings,
            scope: Scope::Engine(daemon),
        }
    }

    /// A `daemon.json` read beside the running `daemon`: it decides only the settings the
    /// Engine API does not show (`userland-proxy`, `iptables`...), so that a setting is
    /// judged once, where it is known best.
    pub fn file_beside(value: &'a Value, daemon: &'a EngineDaemon) -> Self {
        Self {
            value,
            scope: Scope::FileBeside(daemon),
        }
    }

    /// Whether this configuration tells the setting `key`: a file tells all of its own
    /// (absent means the default), a running daemon only what its API shows. A rule
    /// judges a setting only where it is told.
    pub fn decides(&self, key: &str) -> bool {
        match self.scope {
            Scope::File => !ENGINE_ONLY.contains(&key),
            Scope::Engine(daemon) => daemon.paths.contains_key(key),
            Scope::FileBeside(daemon) => {
                !ENGINE_ONLY.contains(&key) && !daemon.paths.contains_key(key)
            }
        }
    }

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

    /// Where `key` is: the `daemon.json` key, or the Engine API field that shows it
    /// (`Info.LiveRestoreEnabled`).
    pub fn path(&self, key: &str) -> FieldPath {
        match self.scope {
            Scope::Engine(daemon) => daemon.paths.get(key).cloned().unwrap_or_default(),
            _ => FieldPath::root().child_owned(key.to_owned()),
        }
    }

    /// Where item `index` of the list `key` is.
    pub fn item_path(&self, key: &str, index: usize) -> FieldPath {
        match self.scope {
            Scope::Engine(daemon) => daemon
                .items
                .get(key)
                .and_then(|items| items.get(index))
                .cloned()
                .unwrap_or_else(|| self.path(key)),
            _ => self.path(key).index(index),
        }
    }
}

/// A running daemon's settings in `daemon.json`'s vocabulary, read from the daemon
/// document a live source assembles: `{"Info": GET /info, "Version": GET /version,
/// "BridgeNetwork": GET /networks/bridge}`. Each setting remembers the field that shows
/// it; settings the API does not show (`userland-proxy`, `iptables`, `no-new-privileges`,
/// `cgroup-parent`) are left out, and the rules do not judge them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineDaemon {
    settings: Value,
    paths: BTreeMap<&'static str, FieldPath>,
    items: BTreeMap<&'static str, Vec<FieldPath>>,
}

/// The registry CIDRs every daemon trusts without TLS (loopback): not a choice.
const BUILT_IN_INSECURE: &[&str] = &["127.0.0.0/8", "::1/128"];

/// The bridge option that says whether containers on it may talk to each other.
const ICC_OPTION: &str = "com.docker.network.bridge.enable_icc";

/// Docker's root directory from a daemon document, as Docker Bench 1.1.1 takes it:
/// `Info.DockerRootDir`, or its parent when the daemon remaps users (then it is
/// `/var/lib/docker/100000.100000`).
pub fn docker_root_dir(document: &Value) -> Option<String> {
    let info = document.get("Info")?;
    let dir = info.get("DockerRootDir")?.as_str()?.trim_end_matches('/');
    let remapped = info
        .get("SecurityOptions")
        .and_then(Value::as_array)
        .is_some_and(|options| options.iter().any(|o| o.as_str() == Some("name=userns")));
    let dir = match dir.rsplit_once('/') {
        Some((parent, _)) if remapped && !parent.is_empty() => parent,
        _ => dir,
    };
    Some(dir.to_owned())
}

/// Whether a value is the daemon document of [`EngineDaemon::read`].
pub(crate) fn is_engine_daemon(value: &Value) -> bool {
    value.get("Info").is_some_and(|info| {
        info.get("ServerVersion").is_some() || info.get("SecurityOptions").is_some()
    })
}

impl EngineDaemon {
    /// Reads the daemon document (see the type's documentation). Missing answers leave
    /// their settings out.
    pub fn read(document: &Value) -> Self {
        let mut daemon = Self {
            settings: Value::Object(Map::new()),
            ..Self::default()
        };
        let info_path = FieldPath::root().child("Info");
        if let Some(info) = document.get("Info").filter(|i| i.is_object()) {
            daemon.read_info(info, &info_path);
        }
        let network = FieldPath::root().child("BridgeNetwork").child("Options");
        if let Some(icc) = document
            .get("BridgeNetwork")
            .and_then(|n| n.get("Options"))
            .and_then(|o| o.get(ICC_OPTION))
            .and_then(Value::as_str)
        {
            let enabled = !icc.eq_ignore_ascii_case("false");
            daemon.set("icc", Value::Bool(enabled), network.key(ICC_OPTION));
        }
        if let Some(experimental) = document
            .get("Version")
            .and_then(|v| v.get("Experimental"))
            .and_then(Value::as_bool)
            .filter(|_| !daemon.paths.contains_key("experimental"))
        {
            let at = FieldPath::root().child("Version").child("Experimental");
            daemon.set("experimental", Value::Bool(experimental), at);
        }
        daemon
    }

    fn set(&mut self, key: &'static str, value: Value, path: FieldPath) {
        if let Value::Object(map) = &mut self.settings {
            map.insert(key.to_owned(), value);
        }
        self.paths.insert(key, path);
    }

    fn set_list(&mut self, key: &'static str, items: Vec<(String, FieldPath)>, path: FieldPath) {
        let (values, paths): (Vec<Value>, Vec<FieldPath>) = items
            .into_iter()
            .map(|(value, at)| (Value::String(value), at))
            .unzip();
        self.set(key, Value::Array(values), path);
        self.items.insert(key, paths);
    }

    fn read_info(&mut self, info: &Value, at: &FieldPath) {
        let bool_field = |key: &'static str| info.get(key).and_then(Value::as_bool);
        let text_field = |key: &'static str| info.get(key).and_then(Value::as_str);
        if let Some(enabled) = bool_field("LiveRestoreEnabled") {
            self.set(
                "live-restore",
                Value::Bool(enabled),
                at.child("LiveRestoreEnabled"),
            );
        }
        if let Some(experimental) = bool_field("ExperimentalBuild") {
            self.set(
                "experimental",
                Value::Bool(experimental),
                at.child("ExperimentalBuild"),
            );
        }
        if let Some(debug) = bool_field("Debug") {
            self.set("debug", Value::Bool(debug), at.child("Debug"));
        }
        if let Some(driver) = text_field("LoggingDriver") {
            self.set("log-driver", Value::from(driver), at.child("LoggingDriver"));
        }
        if let Some(driver) = text_field("Driver") {
            self.set("storage-driver", Value::from(driver), at.child("Driver"));
        }
        if let Some(swarm) = info.get("Swarm").and_then(|s| s.get("LocalNodeState")) {
            let active = swarm.as_str() == Some("active");
            let path = at.child("Swarm").child("LocalNodeState");
            self.set(SWARM, Value::Bool(active), path);
        }
        if let Some(plugins) = info.get("Plugins").filter(|p| p.is_object()) {
            let path = at.child("Plugins").child("Authorization");
            let items = strings_at(plugins.get("Authorization"), &path);
            self.set_list("authorization-plugins", items, path);
        }
        if let Some(options) = info.get("SecurityOptions").filter(|o| o.is_array()) {
            self.read_security_options(options, &at.child("SecurityOptions"));
        }
        if let Some(registries) = info.get("RegistryConfig").filter(|r| r.is_object()) {
            self.read_registries(registries, &at.child("RegistryConfig"));
        }
        if info.get("Warnings").is_some() {
            self.read_warnings(info.get("Warnings"), &at.child("Warnings"));
        }
    }

    /// `name=seccomp,profile=default`, `name=userns`, `name=rootless`...
    fn read_security_options(&mut self, options: &Value, at: &FieldPath) {
        let entries = strings_at(Some(options), at);
        let option = |name: &str| {
            entries.iter().find(|(text, _)| {
                text.split(',')
                    .any(|part| part.strip_prefix("name=") == Some(name))
            })
        };
        let seccomp = option("seccomp").map(|(text, path)| {
            let profile = text
                .split(',')
                .find_map(|part| part.strip_prefix("profile="))
                .unwrap_or("default");
            (profile.to_owned(), path.clone())
        });
        // Without seccomp support, containers run without a seccomp filter at all.
        let (profile, path) = seccomp.unwrap_or(("unconfined".to_owned(), at.clone()));
        self.set("seccomp-profile", Value::from(profile), path);
        let rootless = option("rootless").cloned();
        let userns = option("userns").cloned().or_else(|| rootless.clone());
        match userns {
            Some((text, path)) => self.set("userns-remap", Value::from(text), path),
            None => self.set("userns-remap", Value::from(""), at.clone()),
        }
        match rootless {
            Some((_, path)) => self.set(ROOTLESS, Value::Bool(true), path),
            None => self.set(ROOTLESS, Value::Bool(false), at.clone()),
        }
    }

    /// Insecure registries: the CIDRs beyond loopback, and the registries marked not
    /// secure.
    fn read_registries(&mut self, registries: &Value, at: &FieldPath) {
        let cidrs_path = at.child("InsecureRegistryCIDRs");
        let mut items: Vec<(String, FieldPath)> =
            strings_at(registries.get("InsecureRegistryCIDRs"), &cidrs_path)
                .into_iter()
                .filter(|(cidr, _)| !BUILT_IN_INSECURE.contains(&cidr.as_str()))
                .collect();
        if let Some(Value::Object(indexes)) = registries.get("IndexConfigs") {
            for (name, index) in indexes {
                if index.get("Secure").and_then(Value::as_bool) == Some(false) {
                    let path = at.child("IndexConfigs").key(name.clone()).child("Secure");
                    items.push((name.clone(), path));
                }
            }
        }
        self.set_list("insecure-registries", items, at.clone());
    }

    /// The daemon warns about each TCP socket it serves without TLS or without client
    /// verification (`WARNING: API is accessible on http://0.0.0.0:2375 without
    /// encryption.`); those are its `hosts` without `tlsverify`.
    fn read_warnings(&mut self, warnings: Option<&Value>, at: &FieldPath) {
        let hosts: Vec<(String, FieldPath)> = strings_at(warnings, at)
            .into_iter()
            .filter_map(|(text, path)| {
                let rest = text.split("API is accessible on ").nth(1)?;
                let address = rest
                    .split_whitespace()
                    .next()?
                    .trim_start_matches("http://")
                    .trim_start_matches("https://");
                let unverified = rest.contains("without encryption")
                    || rest.contains("without TLS client verification");
                unverified.then(|| (format!("tcp://{address}"), path))
            })
            .collect();
        self.set("tlsverify", Value::Bool(hosts.is_empty()), at.clone());
        self.set_list("hosts", hosts, at.clone());
    }
}

/// The strings of a list with their paths (`at[i]`).
fn strings_at(list: Option<&Value>, at: &FieldPath) -> Vec<(String, FieldPath)> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_str().map(|s| (s.to_owned(), at.index(i))))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn engine_settings_and_where_they_are() {
        let document = json!({
            "Info": {
                "ServerVersion": "20.10.24",
                "LiveRestoreEnabled": false,
                "LoggingDriver": "json-file",
                "SecurityOptions": ["name=seccomp,profile=default", "name=userns"],
                "Plugins": {"Authorization": null},
                "RegistryConfig": {
                    "InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"],
                    "IndexConfigs": {"registry.local:5000": {"Secure": false}}
                },
                "Warnings": ["WARNING: API is accessible on http://0.0.0.0:2375 without encryption."]
            },
            "BridgeNetwork": {"Options": {"com.docker.network.bridge.enable_icc": "false"}}
        });
        let daemon = EngineDaemon::read(&document);
        let config = DaemonConfig::engine(&daemon);
        assert_eq!(config.flag("live-restore"), Some(false));
        assert_eq!(
            config.path("live-restore").to_string(),
            "Info.LiveRestoreEnabled"
        );
        assert_eq!(config.flag("icc"), Some(false));
        assert_eq!(
            config.path("icc").to_string(),
            "BridgeNetwork.Options[com.docker.network.bridge.enable_icc]"
        );
        assert_eq!(config.text("userns-remap"), Some("name=userns"));
        assert_eq!(config.text("seccomp-profile"), Some("default"));
        assert_eq!(
            config.get("insecure-registries"),
            Some(&json!(["10.0.0.0/8", "registry.local:5000"]))
        );
        assert_eq!(
            config.item_path("insecure-registries", 1).to_string(),
            "Info.RegistryConfig.IndexConfigs[registry.local:5000].Secure"
        );
        assert_eq!(config.get("hosts"), Some(&json!(["tcp://0.0.0.0:2375"])));
        assert_eq!(config.item_path("hosts", 0).to_string(), "Info.Warnings[0]");
        assert!(config.decides("log-driver"));
        assert!(!config.decides("userland-proxy"));
        assert!(!config.decides("no-new-privileges"));

        let file = json!({"userland-proxy": true, "icc": true});
        let beside = DaemonConfig::file_beside(&file, &daemon);
        assert!(beside.decides("userland-proxy"));
        assert!(!beside.decides("icc"));
        assert!(!DaemonConfig::file(&file).decides(ROOTLESS));
    }

    #[test]
    fn docker_root_is_the_parent_of_a_remapped_root() {
        let plain = json!({"Info": {"DockerRootDir": "/var/lib/docker"}});
        assert_eq!(docker_root_dir(&plain).as_deref(), Some("/var/lib/docker"));
        let remapped = json!({"Info": {
            "DockerRootDir": "/var/lib/docker/100000.100000",
            "SecurityOptions": ["name=seccomp,profile=default", "name=userns"]
        }});
        assert_eq!(
            docker_root_dir(&remapped).as_deref(),
            Some("/var/lib/docker")
        );
    }
}
