//! Compose services into [`ContainerSpec`]s.
//!
//! YAML anchors and `<<` merge keys are resolved by the parser. `extends` of a service
//! in the same file is followed as Compose merges it (see [`super::extends`]); `extends`
//! with `file:` and top-level `include` name other files, which are checked when they
//! are part of the scan. Every service is checked whatever its `profiles`.
//! `${VAR:-default}` interpolation is kept as written.

use serde_json::Value;

use super::container::{ContainerSpec, Mount, Origin, PortBinding, RestartPolicy, Setting};
use super::extends::{Entry, Services};
use crate::field_path::FieldPath;

/// The services of a Compose document, in file order.
pub fn compose_services(document: &Value) -> Vec<ContainerSpec> {
    let Some(services) = document.get("services").and_then(Value::as_object) else {
        return Vec::new();
    };
    let resolved = Services::new(services, &FieldPath::root().child("services"));
    (0..resolved.names.len())
        .map(|index| {
            read_service(&Fields {
                services: &resolved,
                index,
            })
        })
        .collect()
}

/// One service's fields, its `extends` chain resolved (see [`super::extends`]).
struct Fields<'s, 'a> {
    services: &'s Services<'a>,
    index: usize,
}

impl<'a> Fields<'_, 'a> {
    /// The nearest definition of `keys` along the chain.
    fn get(&self, keys: &[&'static str]) -> Option<(&'a Value, FieldPath)> {
        self.services.get(self.index, keys)
    }

    fn text(&self, key: &'static str) -> Option<Setting<String>> {
        self.get(&[key])
            .and_then(|(v, path)| scalar_text(v).map(|t| Setting::new(t, path)))
    }

    fn flag(&self, key: &'static str) -> Option<Setting<bool>> {
        self.get(&[key])
            .and_then(|(v, path)| as_bool(v).map(|b| Setting::new(b, path)))
    }

    /// The merged entries of a list field.
    fn list(&self, key: &'static str) -> &[Entry<'a>] {
        self.services.list(self.index, key)
    }

    /// The merged items of a list field (strings or numbers).
    fn items(&self, key: &'static str) -> Vec<Setting<String>> {
        self.list(key)
            .iter()
            .filter_map(|e| scalar_text(e.value).map(|t| Setting::new(t, e.path.clone())))
            .collect()
    }

    /// The merged `name=value` entries of a mapping or list of `name=value` strings.
    fn pairs(&self, key: &'static str) -> Vec<Setting<String>> {
        self.list(key)
            .iter()
            .filter_map(|e| {
                let text = match e.name {
                    Some(name) => format!("{name}={}", scalar_text(e.value).unwrap_or_default()),
                    None => scalar_text(e.value)?,
                };
                Some(Setting::new(text, e.path.clone()))
            })
            .collect()
    }
}

/// A scalar as text (numbers and booleans included), `None` for null and collections.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A list of strings or numbers (or one), each with its path.
fn list_items(value: &Value, path: &FieldPath) -> Vec<Setting<String>> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| scalar_text(item).map(|t| Setting::new(t, path.index(i))))
            .collect(),
        other => scalar_text(other)
            .map(|t| vec![Setting::new(t, path.clone())])
            .unwrap_or_default(),
    }
}

/// A limit that is set and not zero.
fn limit(fields: &Fields<'_, '_>, keys: &[&[&'static str]]) -> Option<Setting<String>> {
    keys.iter().find_map(|keys| {
        let (value, path) = fields.get(keys)?;
        let text = scalar_text(value)?;
        let zero = text.trim().trim_start_matches('0').is_empty()
            || text.trim().parse::<f64>().is_ok_and(|n| n == 0.0);
        (!zero).then(|| Setting::new(text, path))
    })
}

fn read_service(fields: &Fields<'_, '_>) -> ContainerSpec {
    let name = fields.services.names[fields.index];
    let path = fields.services.path(fields.index).clone();
    let mut spec = ContainerSpec::new(Origin::Compose, name, path);
    spec.image = fields.text("image");
    spec.user = fields.text("user");
    spec.privileged = fields.flag("privileged");
    spec.read_only = fields.flag("read_only");
    spec.network_mode = fields.text("network_mode");
    spec.pid_mode = fields.text("pid");
    spec.ipc_mode = fields.text("ipc");
    spec.uts_mode = fields.text("uts");
    spec.userns_mode = fields.text("userns_mode");
    spec.cgroup_parent = fields.text("cgroup_parent");
    spec.cgroupns_mode = fields.text("cgroup");
    spec.cap_add = fields.items("cap_add");
    spec.cap_drop = fields.items("cap_drop");
    spec.security_opt = fields.items("security_opt");
    spec.memory_limit = limit(
        fields,
        &[&["mem_limit"], &["deploy", "resources", "limits", "memory"]],
    );
    spec.cpu_limit = limit(
        fields,
        &[
            &["cpus"],
            &["cpu_quota"],
            &["deploy", "resources", "limits", "cpus"],
        ],
    );
    spec.pids_limit = [
        &["pids_limit"][..],
        &["deploy", "resources", "limits", "pids"],
    ]
    .iter()
    .find_map(|keys| {
        let (value, path) = fields.get(keys)?;
        scalar_text(value).map(|t| Setting::new(t, path))
    });
    spec.ports = fields
        .list("ports")
        .iter()
        .filter_map(|e| port(e.value, e.path.clone()))
        .collect();
    spec.exposed = fields.items("expose");
    spec.mounts = fields
        .list("volumes")
        .iter()
        .filter_map(|e| volume(e.value, e.path.clone()))
        .collect();
    spec.use_api_socket = fields.flag("use_api_socket");
    spec.restart = restart(fields);
    spec.devices = devices(fields);
    spec.sysctls = fields.pairs("sysctls");
    spec.command = ["entrypoint", "command"]
        .into_iter()
        .filter_map(|key| fields.get(&[key]))
        .flat_map(|(value, path)| list_items(value, &path))
        .collect();
    spec.healthcheck = fields.get(&["healthcheck"]).map(|(_, path)| {
        let disable = fields
            .get(&["healthcheck", "disable"])
            .and_then(|(v, _)| as_bool(v));
        let test = fields.get(&["healthcheck", "test"]).map(|(v, _)| v);
        Setting::new(!(disable == Some(true) || is_none_test(test)), path)
    });
    spec.labels = fields
        .pairs("labels")
        .into_iter()
        .map(|label| {
            let (k, v) = label.value.split_once('=').unwrap_or((&label.value, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    spec.env = fields.pairs("environment");
    spec
}

/// `test: ["NONE"]` (or `NONE` as a string) disables the image's health check.
pub(super) fn is_none_test(test: Option<&Value>) -> bool {
    match test {
        Some(Value::Array(words)) => words.first().and_then(Value::as_str) == Some("NONE"),
        Some(Value::String(text)) => text.trim() == "NONE",
        _ => false,
    }
}

fn restart(fields: &Fields<'_, '_>) -> Option<Setting<RestartPolicy>> {
    if let Some(text) = fields.text("restart") {
        let (name, count) = match text.value.split_once(':') {
            Some((name, count)) => (name, count.trim().parse().ok()),
            None => (text.value.as_str(), None),
        };
        let policy = RestartPolicy {
            name: name.trim().to_ascii_lowercase(),
            max_retries: count,
        };
        return Some(Setting::new(policy, text.path));
    }
    let (_, path) = fields.get(&["deploy", "restart_policy"])?;
    let field = |key: &'static str| {
        fields
            .get(&["deploy", "restart_policy", key])
            .map(|(v, _)| v)
    };
    let condition = field("condition").and_then(scalar_text);
    let name = match condition.as_deref() {
        Some("none") => "no",
        Some("on-failure") => "on-failure",
        _ => "always", // `any`, Compose's default
    };
    let max_retries = field("max_attempts").and_then(Value::as_i64);
    Some(Setting::new(
        RestartPolicy {
            name: name.to_owned(),
            max_retries,
        },
        path,
    ))
}

fn devices(fields: &Fields<'_, '_>) -> Vec<Setting<String>> {
    let mut found: Vec<Setting<String>> = fields
        .list("devices")
        .iter()
        .filter_map(|e| {
            let text =
                scalar_text(e.value).or_else(|| e.value.get("source").and_then(scalar_text))?;
            Some(Setting::new(text, e.path.clone()))
        })
        .collect();
    found.extend(
        fields
            .items("device_cgroup_rules")
            .into_iter()
            .map(|rule| Setting::new(format!("cgroup rule {}", rule.value), rule.path)),
    );
    if let Some((_, path)) = fields.get(&["gpus"]) {
        found.push(Setting::new("GPUs".to_owned(), path));
    }
    found
}

/// Splits at `:` outside `${...}` and `[...]` (IPv6 literals).
pub(super) fn split_colons(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = text.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        match byte {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b':' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One `ports` entry (long or short syntax).
fn port(item: &Value, path: FieldPath) -> Option<PortBinding> {
    match item {
        Value::Object(long) => Some(PortBinding {
            host_ip: long.get("host_ip").and_then(scalar_text),
            host_port: long.get("published").and_then(scalar_text),
            container_port: long.get("target").and_then(scalar_text)?,
            path,
        }),
        other => short_port(&scalar_text(other)?, path),
    }
}

/// `[IP:][HOST:]CONTAINER[/PROTOCOL]`.
fn short_port(text: &str, path: FieldPath) -> Option<PortBinding> {
    let without_protocol = match text.rsplit_once('/') {
        Some((port, protocol)) if !protocol.contains('}') => port,
        _ => text,
    };
    let parts = split_colons(without_protocol);
    let unbracket = |ip: &str| ip.trim_start_matches('[').trim_end_matches(']').to_owned();
    let (host_ip, host_port, container) = match parts.as_slice() {
        [container] => (None, None, *container),
        [host, container] => (None, Some(*host), *container),
        [ip, host, container] => (Some(unbracket(ip)), Some(*host), *container),
        _ => return None,
    };
    Some(PortBinding {
        host_ip: host_ip.filter(|ip| !ip.is_empty()),
        host_port: host_port.filter(|p| !p.is_empty()).map(str::to_owned),
        container_port: container.to_owned(),
        path,
    })
}

/// One `volumes` entry (long or short syntax).
fn volume(item: &Value, path: FieldPath) -> Option<Mount> {
    match item {
        Value::Object(long) => {
            let kind = long.get("type").and_then(Value::as_str).unwrap_or("volume");
            Some(Mount {
                source: long.get("source").and_then(scalar_text).unwrap_or_default(),
                target: long.get("target").and_then(scalar_text)?,
                bind: kind == "bind",
                read_only: long.get("read_only").and_then(as_bool).unwrap_or(false),
                propagation: long
                    .get("bind")
                    .and_then(|b| b.get("propagation"))
                    .and_then(scalar_text),
                path,
            })
        }
        other => short_volume(&scalar_text(other)?, path),
    }
}

/// `[SOURCE:]TARGET[:MODE]`; a source that looks like a path is a bind mount.
fn short_volume(text: &str, path: FieldPath) -> Option<Mount> {
    let parts = split_colons(text);
    let (source, target, mode) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, target] => (*source, *target, ""),
        [source, target, mode] => (*source, *target, *mode),
        _ => return None,
    };
    let bind = source.starts_with(['/', '.', '~', '$']);
    let options: Vec<&str> = mode.split(',').collect();
    let propagation = options
        .iter()
        .find(|o| {
            matches!(
                **o,
                "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
            )
        })
        .map(|o| (*o).to_owned());
    Some(Mount {
        source: source.to_owned(),
        target: target.to_owned(),
        bind,
        read_only: options.contains(&"ro"),
        propagation,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ports() {
        let p = |t: &str| short_port(t, FieldPath::root()).expect("port");
        assert_eq!(p("3000").host_port, None);
        assert_eq!(p("8080:80").host_port.as_deref(), Some("8080"));
        assert_eq!(
            p("127.0.0.1:8080:80/tcp").host_ip.as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(p("[::1]:8080:80").host_ip.as_deref(), Some("::1"));
        let interpolated = p("${WEB_PORT:-8080}:80");
        assert_eq!(interpolated.host_port.as_deref(), Some("${WEB_PORT:-8080}"));
        assert_eq!(interpolated.container_port, "80");
    }

    #[test]
    fn short_volumes() {
        let v = |t: &str| short_volume(t, FieldPath::root()).expect("volume");
        let sock = v("/var/run/docker.sock:/var/run/docker.sock:ro");
        assert!(sock.bind && sock.read_only);
        assert!(!v("data:/var/lib/data").bind);
        assert!(v("${HOME}/x:/x").bind);
        assert_eq!(v("/:/host:rshared").propagation.as_deref(), Some("rshared"));
    }
}
