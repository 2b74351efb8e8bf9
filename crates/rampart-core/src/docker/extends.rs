//! Compose `extends` within one file, resolved the way Compose merges a service over
//! the one it extends: a mapping field is merged key by key (the service's own value
//! wins), `command`, `entrypoint` and `healthcheck.test` are replaced, and a list is
//! appended to the base's without repeating an entry that shares its unique key with
//! one already there (the later entry takes its place): `cap_add`/`cap_drop` by value,
//! `volumes`/`devices` by target, `ports` by binding, `sysctls`/`labels`/`environment`
//! by name, any other list by exact value (compose-go's `override` package).
//!
//! Each service is resolved once, from its already resolved base, so a chain of `n`
//! services costs time and memory linear in `n` (a list a service does not change is
//! shared with its base, not copied). A cycle, which Compose rejects, is cut where it
//! closes.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::field_path::FieldPath;

/// The fields whose nearest definition along the chain a reader asks for.
const FIELDS: &[&[&str]] = &[
    &["image"],
    &["user"],
    &["privileged"],
    &["read_only"],
    &["network_mode"],
    &["pid"],
    &["ipc"],
    &["uts"],
    &["userns_mode"],
    &["cgroup_parent"],
    &["cgroup"],
    &["mem_limit"],
    &["deploy", "resources", "limits", "memory"],
    &["cpus"],
    &["cpu_quota"],
    &["deploy", "resources", "limits", "cpus"],
    &["pids_limit"],
    &["deploy", "resources", "limits", "pids"],
    &["use_api_socket"],
    &["restart"],
    &["deploy", "restart_policy", "condition"],
    &["deploy", "restart_policy", "max_attempts"],
    &["deploy", "restart_policy"],
    &["entrypoint"],
    &["command"],
    &["healthcheck"],
    &["healthcheck", "test"],
    &["healthcheck", "disable"],
    &["gpus"],
];

/// How the entries of a list field are told apart when lists are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unique {
    /// The whole value.
    Value,
    /// The text before `=` (`NAME=value`), or a mapping's key.
    Name,
    /// The container path (`source:target[:mode]`, or `target` in the long syntax).
    Target,
    /// The binding: the short syntax as written, the long one as `ip:published:target/protocol`.
    Port,
}

/// The list fields and how their entries are told apart.
const LISTS: &[(&str, Unique)] = &[
    ("cap_add", Unique::Name),
    ("cap_drop", Unique::Name),
    ("security_opt", Unique::Value),
    ("expose", Unique::Value),
    ("device_cgroup_rules", Unique::Value),
    ("ports", Unique::Port),
    ("volumes", Unique::Target),
    ("devices", Unique::Target),
    ("sysctls", Unique::Name),
    ("labels", Unique::Name),
    ("environment", Unique::Name),
];

/// One entry of a merged list: its value (for a mapping, the value of `name`) and
/// where it is defined.
#[derive(Debug, Clone)]
pub(super) struct Entry<'a> {
    /// A mapping entry's key (`labels: {a: b}`), `None` for a list item.
    pub name: Option<&'a str>,
    /// The item or mapping value.
    pub value: &'a Value,
    /// Where it is, from the document's root.
    pub path: FieldPath,
}

/// One service with its `extends` chain resolved.
#[derive(Debug, Clone)]
pub(super) struct Resolved<'a> {
    /// Per entry of [`FIELDS`]: the service that defines it nearest along the chain.
    owners: Vec<Option<usize>>,
    /// Per entry of [`LISTS`]: the merged entries.
    lists: Vec<Rc<[Entry<'a>]>>,
}

/// The services of one Compose file, each resolved.
pub(super) struct Services<'a> {
    /// Service names, in file order.
    pub names: Vec<&'a str>,
    maps: Vec<&'a Map<String, Value>>,
    paths: Vec<FieldPath>,
    resolved: Vec<Resolved<'a>>,
}

impl<'a> Services<'a> {
    /// Resolves every service (mapping) of `services`, whose path is `root`.
    pub fn new(services: &'a Map<String, Value>, root: &FieldPath) -> Self {
        let (names, maps): (Vec<&str>, Vec<&Map<String, Value>>) = services
            .iter()
            .filter_map(|(name, service)| Some((name.as_str(), service.as_object()?)))
            .unzip();
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut parents: Vec<Option<usize>> = maps
            .iter()
            .map(|m| same_file_parent(m).and_then(|p| index.get(p).copied()))
            .collect();
        let paths: Vec<FieldPath> = names
            .iter()
            .map(|n| root.child_owned((*n).to_owned()))
            .collect();
        let mut resolved: Vec<Option<Resolved<'a>>> = vec![None; names.len()];
        let mut in_progress = vec![false; names.len()];
        for start in 0..names.len() {
            // Walk up to a resolved base (or the top), then resolve down again.
            let mut chain = Vec::new();
            let mut next = Some(start);
            while let Some(service) = next {
                if resolved[service].is_some() {
                    break;
                }
                if in_progress[service] {
                    // A cycle: cut the edge that closes it.
                    if let Some(last) = chain.last() {
                        parents[*last] = None;
                    }
                    break;
                }
                in_progress[service] = true;
                chain.push(service);
                next = parents[service];
            }
            for &service in chain.iter().rev() {
                let base = parents[service].and_then(|p| resolved[p].as_ref());
                resolved[service] = Some(resolve(service, maps[service], &paths[service], base));
            }
        }
        Self {
            names,
            maps,
            paths,
            resolved: resolved
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        }
    }

    /// The path of service `index` (`services.web`).
    pub fn path(&self, index: usize) -> &FieldPath {
        &self.paths[index]
    }

    /// The nearest definition of `keys` (one of [`FIELDS`]) for service `index`.
    pub fn get(&self, index: usize, keys: &[&str]) -> Option<(&'a Value, FieldPath)> {
        let field = FIELDS.iter().position(|f| *f == keys)?;
        let owner = self.resolved[index].owners[field]?;
        let value = nested(self.maps[owner], keys)?;
        let path = keys.iter().fold(self.paths[owner].clone(), |p, k| {
            p.child_owned((*k).to_owned())
        });
        Some((value, path))
    }

    /// The merged entries of the list `key` (one of [`LISTS`]) for service `index`.
    pub fn list(&self, index: usize, key: &str) -> &[Entry<'a>] {
        LISTS
            .iter()
            .position(|(k, _)| *k == key)
            .map_or(&[], |list| &self.resolved[index].lists[list])
    }
}

impl Default for Resolved<'_> {
    fn default() -> Self {
        Self {
            owners: vec![None; FIELDS.len()],
            lists: LISTS.iter().map(|_| Rc::from(Vec::new())).collect(),
        }
    }
}

fn same_file_parent(service: &Map<String, Value>) -> Option<&str> {
    match service.get("extends")? {
        Value::String(parent) => Some(parent),
        Value::Object(extends) if extends.get("file").is_none() => extends.get("service")?.as_str(),
        _ => None,
    }
}

fn nested<'a>(service: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    let (first, rest) = keys.split_first()?;
    rest.iter().try_fold(service.get(*first)?, |v, k| v.get(*k))
}

/// Service `index` over its resolved `base`.
fn resolve<'a>(
    index: usize,
    service: &'a Map<String, Value>,
    path: &FieldPath,
    base: Option<&Resolved<'a>>,
) -> Resolved<'a> {
    let base = base.cloned().unwrap_or_default();
    let owners = FIELDS
        .iter()
        .zip(base.owners)
        .map(|(keys, inherited)| {
            if nested(service, keys).is_some() {
                Some(index)
            } else {
                inherited
            }
        })
        .collect();
    let lists = LISTS
        .iter()
        .zip(base.lists)
        .map(|((key, unique), inherited)| match service.get(*key) {
            Some(own) => merge(
                &inherited,
                entries(own, &path.child_owned((*key).to_owned())),
                *unique,
            ),
            None => inherited,
        })
        .collect();
    Resolved { owners, lists }
}

/// The entries of a list field as written: list items, or a mapping's entries.
fn entries<'a>(value: &'a Value, path: &FieldPath) -> Vec<Entry<'a>> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, value)| Entry {
                name: None,
                value,
                path: path.index(i),
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, value)| Entry {
                name: Some(k.as_str()),
                value,
                path: path.key(k.clone()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The unique key of an entry.
fn key_of(entry: &Entry<'_>, unique: Unique) -> String {
    let text = |v: &Value| super::compose::scalar_text(v).unwrap_or_else(|| v.to_string());
    match (unique, entry.name) {
        (_, Some(name)) => name.to_owned(),
        (Unique::Value, None) => text(entry.value),
        (Unique::Name, None) => {
            let item = text(entry.value);
            item.split_once('=')
                .map_or(item.clone(), |(k, _)| k.to_owned())
        }
        (Unique::Target, None) => match entry.value {
            Value::Object(long) => long.get("target").map(text).unwrap_or_default(),
            short => {
                let item = text(short);
                let parts = super::compose::split_colons(&item);
                parts
                    .get(1)
                    .or(parts.first())
                    .map(|p| (*p).to_owned())
                    .unwrap_or_default()
            }
        },
        (Unique::Port, None) => match entry.value {
            Value::Object(long) => {
                let field = |k: &str, default: &str| long.get(k).map_or(default.to_owned(), text);
                format!(
                    "{}:{}:{}/{}",
                    field("host_ip", "0.0.0.0"),
                    field("published", ""),
                    field("target", ""),
                    field("protocol", "tcp")
                )
            }
            short => text(short),
        },
    }
}

/// `own` appended to `base`, an entry whose key is already there taking its place.
fn merge<'a>(base: &Rc<[Entry<'a>]>, own: Vec<Entry<'a>>, unique: Unique) -> Rc<[Entry<'a>]> {
    let mut merged: Vec<Entry<'a>> = base.to_vec();
    let mut index: HashMap<String, usize> = merged
        .iter()
        .enumerate()
        .map(|(i, e)| (key_of(e, unique), i))
        .collect();
    for entry in own {
        let key = key_of(&entry, unique);
        match index.get(&key) {
            Some(at) => merged[*at] = entry,
            None => {
                index.insert(key, merged.len());
                merged.push(entry);
            }
        }
    }
    Rc::from(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn services(doc: &Value) -> Services<'_> {
        Services::new(
            doc["services"].as_object().expect("services"),
            &FieldPath::root().child("services"),
        )
    }

    #[test]
    fn lists_merge_by_their_unique_key_and_scalars_come_from_the_nearest_service() {
        let doc = json!({"services": {
            "base": {"image": "a:1", "cap_add": ["SYS_ADMIN", "NET_ADMIN"],
                     "volumes": ["/data:/data", "logs:/var/log"], "labels": {"x": "1"}},
            "mid": {"extends": "base", "cap_add": ["SYS_ADMIN"], "volumes": ["/srv:/data"]},
            "top": {"extends": {"service": "mid"}, "user": "root", "labels": ["x=2", "y=3"]},
        }});
        let s = services(&doc);
        let top = s.names.iter().position(|n| *n == "top").expect("top");
        let caps: Vec<String> = s
            .list(top, "cap_add")
            .iter()
            .map(|e| format!("{} {}", e.value, e.path))
            .collect();
        assert_eq!(
            caps,
            [
                "\"SYS_ADMIN\" services.mid.cap_add[0]",
                "\"NET_ADMIN\" services.base.cap_add[1]"
            ]
        );
        let volumes: Vec<String> = s
            .list(top, "volumes")
            .iter()
            .map(|e| e.value.to_string())
            .collect();
        assert_eq!(volumes, ["\"/srv:/data\"", "\"logs:/var/log\""]);
        let labels: Vec<String> = s
            .list(top, "labels")
            .iter()
            .map(|e| e.path.to_string())
            .collect();
        assert_eq!(labels, ["services.top.labels[0]", "services.top.labels[1]"]);
        let (image, at) = s.get(top, &["image"]).expect("inherited");
        assert_eq!(
            (image.as_str(), at.to_string().as_str()),
            (Some("a:1"), "services.base.image")
        );
    }

    #[test]
    fn a_cycle_is_cut_and_a_long_chain_shares_what_it_does_not_change() {
        let doc = json!({"services": {
            "a": {"extends": "b", "privileged": true},
            "b": {"extends": "a", "user": "root"},
        }});
        let s = services(&doc);
        assert!(s.get(0, &["privileged"]).is_some());
        let mut chain = serde_json::Map::new();
        chain.insert(
            "s0".into(),
            json!({"image": "x:1", "cap_add": ["SYS_ADMIN"]}),
        );
        for i in 1..2000 {
            chain.insert(
                format!("s{i}"),
                json!({"extends": format!("s{}", i - 1), "cap_add": ["SYS_ADMIN"]}),
            );
        }
        let doc = json!({"services": chain});
        let s = services(&doc);
        for i in [1, 999, 1999] {
            let caps = s.list(i, "cap_add");
            assert_eq!(caps.len(), 1, "service {i}");
            assert_eq!(
                caps[0].path.to_string(),
                format!("services.s{i}.cap_add[0]")
            );
        }
    }
}
