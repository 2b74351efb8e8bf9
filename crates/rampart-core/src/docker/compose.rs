//! Compose services into [`ContainerSpec`]s.
//!
//! YAML anchors and `<<` merge keys are resolved by the parser. `extends` of a service
//! in the same file is followed (the service's own fields win, lists are merged, as
//! Compose does); `extends` with `file:` and top-level `include` name other files,
//! which are checked when they are part of the scan. Every service is checked whatever
//! its `profiles`. `${VAR:-default}` interpolation is kept as written.

use serde_json::{Map, Value};

use super::container::{ContainerSpec, Mount, Origin, PortBinding, RestartPolicy, Setting};
use crate::field_path::FieldPath;

/// The services of a Compose document, in file order.
pub fn compose_services(document: &Value) -> Vec<ContainerSpec> {
    let Some(services) = document.get("services").and_then(Value::as_object) else {
        return Vec::new();
    };
    let root = FieldPath::root().child("services");
    services
        .iter()
        .filter_map(|(name, service)| {
            service.as_object()?;
            let chain = extends_chain(services, name, &root);
            Some(read_service(name, &chain, root.child_owned(name.clone())))
        })
        .collect()
}

/// A service followed by the services it extends in the same file, nearest first.
type Chain<'a> = Vec<(&'a Map<String, Value>, FieldPath)>;

fn extends_chain<'a>(services: &'a Map<String, Value>, name: &str, root: &FieldPath) -> Chain<'a> {
    let mut chain: Chain<'a> = Vec::new();
    let mut next = Some(name.to_owned());
    while let Some(current) = next.take() {
        let Some(service) = services.get(&current).and_then(Value::as_object) else {
            break;
        };
        if chain.iter().any(|(s, _)| std::ptr::eq(*s, service)) {
            break; // a cycle: Compose rejects it, we stop following
        }
        next = same_file_parent(service);
        chain.push((service, root.child_owned(current)));
    }
    chain
}

fn same_file_parent(service: &Map<String, Value>) -> Option<String> {
    match service.get("extends")? {
        Value::String(parent) => Some(parent.clone()),
        Value::Object(extends) if extends.get("file").is_none() => {
            extends.get("service")?.as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// Field lookup through a service's `extends` chain.
struct Fields<'a> {
    chain: &'a Chain<'a>,
}

impl<'a> Fields<'a> {
    /// The nearest definition of `key`.
    fn get(&self, key: &'static str) -> Option<(&'a Value, FieldPath)> {
        self.chain
            .iter()
            .find_map(|(service, path)| service.get(key).map(|v| (v, path.child(key))))
    }

    /// Every definition of a list field along the chain (Compose merges them).
    fn all(&self, key: &'static str) -> Vec<(&'a Value, FieldPath)> {
        self.chain
            .iter()
            .filter_map(|(service, path)| service.get(key).map(|v| (v, path.child(key))))
            .collect()
    }

    /// `a.b.c` below the service, nearest definition.
    fn nested(&self, keys: &[&'static str]) -> Option<(&'a Value, FieldPath)> {
        self.chain.iter().find_map(|(service, path)| {
            let (first, rest) = keys.split_first()?;
            let mut value = service.get(*first)?;
            let mut at = path.child(first);
            for key in rest {
                value = value.get(*key)?;
                at = at.child(key);
            }
            Some((value, at))
        })
    }

    fn text(&self, key: &'static str) -> Option<Setting<String>> {
        self.get(key)
            .and_then(|(v, path)| scalar_text(v).map(|t| Setting::new(t, path)))
    }

    fn flag(&self, key: &'static str) -> Option<Setting<bool>> {
        self.get(key)
            .and_then(|(v, path)| as_bool(v).map(|b| Setting::new(b, path)))
    }

    /// Every item of a list field (strings or numbers) along the chain.
    fn items(&self, key: &'static str) -> Vec<Setting<String>> {
        self.all(key)
            .into_iter()
            .flat_map(|(value, path)| list_items(value, &path))
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

/// `key=value` pairs from a mapping or a list of `key=value` strings.
fn pairs(value: &Value, path: &FieldPath) -> Vec<(String, String, FieldPath)> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let text = scalar_text(v).unwrap_or_default();
                (k.clone(), text, path.key(k.clone()))
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let text = scalar_text(item)?;
                let (k, v) = text.split_once('=').unwrap_or((text.as_str(), ""));
                Some((k.to_owned(), v.to_owned(), path.index(i)))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A limit that is set and not zero.
fn limit(fields: &Fields<'_>, keys: &[&[&'static str]]) -> Option<Setting<String>> {
    keys.iter().find_map(|keys| {
        let (value, path) = fields.nested(keys)?;
        let text = scalar_text(value)?;
        let zero = text.trim().trim_start_matches('0').is_empty()
            || text.trim().parse::<f64>().is_ok_and(|n| n == 0.0);
        (!zero).then(|| Setting::new(text, path))
    })
}

fn read_service(name: &str, chain: &Chain<'_>, path: FieldPath) -> ContainerSpec {
    let fields = Fields { chain };
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
    spec.cap_add = fields.items("cap_add");
    spec.cap_drop = fields.items("cap_drop");
    spec.security_opt = fields.items("security_opt");
    spec.memory_limit = limit(
        &fields,
        &[&["mem_limit"], &["deploy", "resources", "limits", "memory"]],
    );
    spec.cpu_limit = limit(
        &fields,
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
        let (value, path) = fields.nested(keys)?;
        scalar_text(value).map(|t| Setting::new(t, path))
    });
    spec.ports = fields
        .all("ports")
        .into_iter()
        .flat_map(|(value, path)| ports(value, &path))
        .collect();
    spec.exposed = fields.items("expose");
    spec.mounts = fields
        .all("volumes")
        .into_iter()
        .flat_map(|(value, path)| volumes(value, &path))
        .collect();
    spec.use_api_socket = fields.flag("use_api_socket");
    spec.restart = restart(&fields);
    spec.devices = devices(&fields);
    spec.sysctls = fields
        .all("sysctls")
        .into_iter()
        .flat_map(|(value, path)| pairs(value, &path))
        .map(|(k, v, path)| Setting::new(format!("{k}={v}"), path))
        .collect();
    spec.command = ["entrypoint", "command"]
        .into_iter()
        .filter_map(|key| fields.get(key))
        .flat_map(|(value, path)| list_items(value, &path))
        .collect();
    spec.healthcheck = fields.get("healthcheck").map(|(check, path)| {
        let disabled =
            check.get("disable").and_then(as_bool) == Some(true) || is_none_test(check.get("test"));
        Setting::new(!disabled, path)
    });
    spec.labels = fields
        .all("labels")
        .into_iter()
        .flat_map(|(value, path)| pairs(value, &path))
        .map(|(k, v, _)| (k, v))
        .collect();
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

fn restart(fields: &Fields<'_>) -> Option<Setting<RestartPolicy>> {
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
    let (policy, path) = fields.nested(&["deploy", "restart_policy"])?;
    let condition = policy.get("condition").and_then(scalar_text);
    let name = match condition.as_deref() {
        Some("none") => "no",
        Some("on-failure") => "on-failure",
        _ => "always", // `any`, Compose's default
    };
    let max_retries = policy.get("max_attempts").and_then(Value::as_i64);
    Some(Setting::new(
        RestartPolicy {
            name: name.to_owned(),
            max_retries,
        },
        path,
    ))
}

fn devices(fields: &Fields<'_>) -> Vec<Setting<String>> {
    let mut found: Vec<Setting<String>> = fields
        .all("devices")
        .into_iter()
        .flat_map(|(value, path)| match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let text =
                        scalar_text(item).or_else(|| item.get("source").and_then(scalar_text))?;
                    Some(Setting::new(text, path.index(i)))
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    found.extend(
        fields
            .items("device_cgroup_rules")
            .into_iter()
            .map(|rule| Setting::new(format!("cgroup rule {}", rule.value), rule.path)),
    );
    if let Some((_, path)) = fields.get("gpus") {
        found.push(Setting::new("GPUs".to_owned(), path));
    }
    found
}

/// Splits at `:` outside `${...}` and `[...]` (IPv6 literals).
fn split_colons(text: &str) -> Vec<&str> {
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

/// Reads every item of a Compose list, each with its path; unreadable items are skipped.
fn each_item<T>(
    value: &Value,
    path: &FieldPath,
    read: impl Fn(&Value, FieldPath) -> Option<T>,
) -> Vec<T> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| read(item, path.index(i)))
        .collect()
}

fn ports(value: &Value, path: &FieldPath) -> Vec<PortBinding> {
    each_item(value, path, |item, path| match item {
        Value::Object(long) => Some(PortBinding {
            host_ip: long.get("host_ip").and_then(scalar_text),
            host_port: long.get("published").and_then(scalar_text),
            container_port: long.get("target").and_then(scalar_text)?,
            path,
        }),
        other => short_port(&scalar_text(other)?, path),
    })
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

fn volumes(value: &Value, path: &FieldPath) -> Vec<Mount> {
    each_item(value, path, |item, path| match item {
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
    })
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
