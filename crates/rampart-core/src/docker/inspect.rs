//! `docker inspect` output (a JSON list of containers) into [`ContainerSpec`]s. The Engine
//! API's container inspect answer (`GET /containers/{id}/json`) is the same object; a
//! live source may add the answer of `GET /containers/{id}/top` under `Top`.

use serde_json::Value;

use super::compose::scalar_text;
use super::container::{ContainerSpec, Mount, Origin, PortBinding, RestartPolicy, Setting};
use crate::field_path::FieldPath;

/// Whether `value` is one `docker inspect` container object (not an image, whose
/// inspect answer also has `Config` and `Id`).
pub(crate) fn is_inspect_container(value: &Value) -> bool {
    value.get("HostConfig").is_some_and(Value::is_object)
        || (value.get("Config").is_some_and(Value::is_object)
            && value.get("Id").is_some()
            && !super::is_image(value))
}

/// The containers of a `docker inspect` document: a list of containers, or one.
pub fn inspect_containers(document: &Value) -> Vec<ContainerSpec> {
    match document {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter(|(_, item)| is_inspect_container(item))
            .map(|(i, item)| read_container(item, FieldPath::root().index(i)))
            .collect(),
        one if is_inspect_container(one) => vec![read_container(one, FieldPath::root())],
        _ => Vec::new(),
    }
}

/// A view of one container with its path.
struct At<'a> {
    value: &'a Value,
    path: FieldPath,
}

impl<'a> At<'a> {
    fn get(&self, keys: &[&'static str]) -> Option<(&'a Value, FieldPath)> {
        let mut value = self.value;
        let mut path = self.path.clone();
        for key in keys {
            value = value.get(*key)?;
            path = path.child(key);
        }
        (!value.is_null()).then_some((value, path))
    }

    fn text(&self, keys: &[&'static str]) -> Option<Setting<String>> {
        let (value, path) = self.get(keys)?;
        let text = scalar_text(value)?;
        (!text.is_empty()).then(|| Setting::new(text, path))
    }

    fn flag(&self, keys: &[&'static str]) -> Option<Setting<bool>> {
        let (value, path) = self.get(keys)?;
        value.as_bool().map(|b| Setting::new(b, path))
    }

    /// A number that is set and above zero.
    fn positive(&self, keys: &[&'static str]) -> Option<Setting<String>> {
        let (value, path) = self.get(keys)?;
        (value.as_f64()? > 0.0).then(|| Setting::new(value.to_string(), path))
    }

    fn items(&self, keys: &[&'static str]) -> Vec<Setting<String>> {
        let Some((Value::Array(items), path)) = self.get(keys) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| scalar_text(item).map(|t| Setting::new(t, path.index(i))))
            .collect()
    }

    fn entries(&self, keys: &[&'static str]) -> Vec<(String, &'a Value, FieldPath)> {
        let Some((Value::Object(map), path)) = self.get(keys) else {
            return Vec::new();
        };
        map.iter()
            .map(|(k, v)| (k.clone(), v, path.key(k.clone())))
            .collect()
    }
}

fn read_container(value: &Value, path: FieldPath) -> ContainerSpec {
    let at = At { value, path };
    let name = at
        .text(&["Name"])
        .map(|n| n.value.trim_start_matches('/').to_owned())
        .or_else(|| {
            at.text(&["Id"])
                .map(|id| id.value.chars().take(12).collect())
        })
        .unwrap_or_default();
    let mut spec = ContainerSpec::new(Origin::Inspect, name, at.path.clone());
    spec.image = at
        .text(&["Config", "Image"])
        .or_else(|| at.text(&["Image"]));
    spec.user = at.text(&["Config", "User"]);
    spec.privileged = at.flag(&["HostConfig", "Privileged"]);
    spec.read_only = at.flag(&["HostConfig", "ReadonlyRootfs"]);
    spec.network_mode = at.text(&["HostConfig", "NetworkMode"]);
    spec.pid_mode = at.text(&["HostConfig", "PidMode"]);
    spec.ipc_mode = at.text(&["HostConfig", "IpcMode"]);
    spec.uts_mode = at.text(&["HostConfig", "UTSMode"]);
    spec.userns_mode = at.text(&["HostConfig", "UsernsMode"]);
    spec.cgroup_parent = at.text(&["HostConfig", "CgroupParent"]);
    spec.cgroupns_mode = at.text(&["HostConfig", "CgroupnsMode"]);
    spec.env = at.items(&["Config", "Env"]);
    spec.cap_add = at.items(&["HostConfig", "CapAdd"]);
    spec.cap_drop = at.items(&["HostConfig", "CapDrop"]);
    spec.security_opt = at.items(&["HostConfig", "SecurityOpt"]);
    spec.apparmor_profile = at
        .get(&["AppArmorProfile"])
        .and_then(|(v, path)| scalar_text(v).map(|t| Setting::new(t, path)));
    spec.memory_limit = at.positive(&["HostConfig", "Memory"]);
    spec.cpu_limit = at
        .positive(&["HostConfig", "NanoCpus"])
        .or_else(|| at.positive(&["HostConfig", "CpuQuota"]));
    spec.pids_limit = at
        .get(&["HostConfig", "PidsLimit"])
        .and_then(|(v, path)| scalar_text(v).map(|t| Setting::new(t, path)));
    spec.ports = port_bindings(&at);
    spec.exposed = at
        .entries(&["Config", "ExposedPorts"])
        .into_iter()
        .map(|(port, _, path)| Setting::new(without_protocol(&port), path))
        .collect();
    spec.publish_all = at.flag(&["HostConfig", "PublishAllPorts"]);
    spec.mounts = mounts(&at);
    spec.restart = at
        .get(&["HostConfig", "RestartPolicy"])
        .map(|(policy, path)| {
            let name = policy.get("Name").and_then(Value::as_str).unwrap_or("");
            let name = if name.is_empty() { "no" } else { name };
            let max_retries = policy.get("MaximumRetryCount").and_then(Value::as_i64);
            Setting::new(
                RestartPolicy {
                    name: name.to_ascii_lowercase(),
                    max_retries: max_retries.filter(|n| *n > 0),
                },
                path,
            )
        });
    spec.devices = devices(&at);
    spec.sysctls = at
        .entries(&["HostConfig", "Sysctls"])
        .into_iter()
        .map(|(k, v, path)| {
            Setting::new(format!("{k}={}", scalar_text(v).unwrap_or_default()), path)
        })
        .collect();
    spec.command = at.items(&["Config", "Entrypoint"]);
    spec.command.extend(at.items(&["Config", "Cmd"]));
    // `Config` merges the image's configuration: no `Healthcheck` means none at all.
    spec.healthcheck = Some(match at.get(&["Config", "Healthcheck"]) {
        Some((check, path)) => Setting::new(!super::compose::is_none_test(check.get("Test")), path),
        None => Setting::new(
            false,
            at.path.join(&FieldPath::fields(&["Config", "Healthcheck"])),
        ),
    });
    spec.labels = at
        .entries(&["Config", "Labels"])
        .into_iter()
        .map(|(k, v, _)| (k, scalar_text(v).unwrap_or_default()))
        .collect();
    spec.health_status = at.text(&["State", "Health", "Status"]);
    spec.processes = processes(&at);
    spec
}

/// The command column of the `top` answer (`{"Titles": [..., "CMD"], "Processes":
/// [[...]]}`), located at `Top.Processes[i][column]`.
fn processes(at: &At<'_>) -> Vec<Setting<String>> {
    let Some((top, path)) = at.get(&["Top"]) else {
        return Vec::new();
    };
    let titles = top.get("Titles").and_then(Value::as_array);
    let column = titles.and_then(|titles| {
        titles
            .iter()
            .position(|t| matches!(t.as_str(), Some("CMD" | "COMMAND" | "ARGS")))
    });
    let (Some(column), Some(rows)) = (column, top.get("Processes").and_then(Value::as_array))
    else {
        return Vec::new();
    };
    let rows_path = path.child("Processes");
    rows.iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let command = row.get(column).and_then(scalar_text)?;
            Some(Setting::new(command, rows_path.index(i).index(column)))
        })
        .collect()
}

fn without_protocol(port: &str) -> String {
    port.split('/').next().unwrap_or(port).to_owned()
}

fn port_bindings(at: &At<'_>) -> Vec<PortBinding> {
    let mut found = Vec::new();
    for (port, bindings, path) in at.entries(&["HostConfig", "PortBindings"]) {
        let Some(bindings) = bindings.as_array() else {
            continue;
        };
        for (i, binding) in bindings.iter().enumerate() {
            let text = |key: &str| {
                binding
                    .get(key)
                    .and_then(scalar_text)
                    .filter(|t| !t.is_empty())
            };
            found.push(PortBinding {
                host_ip: text("HostIp"),
                host_port: text("HostPort"),
                container_port: without_protocol(&port),
                path: path.index(i),
            });
        }
    }
    found
}

fn mounts(at: &At<'_>) -> Vec<Mount> {
    if let Some((Value::Array(items), path)) = at.get(&["Mounts"]) {
        return items
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let text = |key: &str| m.get(key).and_then(scalar_text).unwrap_or_default();
                Mount {
                    source: text("Source"),
                    target: text("Destination"),
                    bind: text("Type") == "bind",
                    read_only: m.get("RW").and_then(Value::as_bool) == Some(false),
                    propagation: Some(text("Propagation")).filter(|p| !p.is_empty()),
                    path: path.index(i).child("Source"),
                }
            })
            .collect();
    }
    at.items(&["HostConfig", "Binds"])
        .into_iter()
        .filter_map(|bind| {
            let mut parts = bind.value.split(':');
            let source = parts.next()?.to_owned();
            let target = parts.next()?.to_owned();
            let mode = parts.next().unwrap_or("");
            Some(Mount {
                bind: source.starts_with('/'),
                read_only: mode.split(',').any(|o| o == "ro"),
                propagation: mode
                    .split(',')
                    .find(|o| o.ends_with("shared") || o.ends_with("slave"))
                    .map(str::to_owned),
                source,
                target,
                path: bind.path,
            })
        })
        .collect()
}

fn devices(at: &At<'_>) -> Vec<Setting<String>> {
    let mut found = Vec::new();
    if let Some((Value::Array(items), path)) = at.get(&["HostConfig", "Devices"]) {
        for (i, device) in items.iter().enumerate() {
            if let Some(host) = device.get("PathOnHost").and_then(scalar_text) {
                found.push(Setting::new(host, path.index(i)));
            }
        }
    }
    found.extend(
        at.items(&["HostConfig", "DeviceCgroupRules"])
            .into_iter()
            .map(|rule| Setting::new(format!("cgroup rule {}", rule.value), rule.path)),
    );
    if let Some((Value::Array(requests), path)) = at.get(&["HostConfig", "DeviceRequests"])
        && !requests.is_empty()
    {
        found.push(Setting::new("GPUs".to_owned(), path));
    }
    found
}
