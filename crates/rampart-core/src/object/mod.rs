//! Kubernetes objects inside documents: identity, `List` expansion, typed views and
//! pod-spec extraction from every workload kind.

mod containers;
mod decode;
mod effective;
mod kinds;
mod load;
mod pod;
mod security;
pub(crate) mod typed;
pub(crate) mod workload;

pub use containers::{ContainerKind, ContainerRef, pod_containers};
pub use effective::{
    CapabilitySet, EffectiveSecurity, Origin, Profile, RUNTIME_DEFAULT_CAPABILITIES, Sourced,
};
pub use kinds::{InvalidObject, TemplatePod, validate};
pub use load::{Loaded, LoadedObject, load};
pub use pod::{ContainerView, PodView};
pub use security::{
    APPARMOR_CONTAINER_ANNOTATION_PREFIX, Inherited, ProfileSetting,
    SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, Scope, SecurityContexts,
};
pub use typed::{TypeError, typed_at, typed_from_str};
pub use workload::{CustomWorkload, TemplateLocation, WorkloadKinds};

use serde::Serialize;
use serde_json::Value;

use crate::field_path::FieldPath;

/// Who an object is: enough to name it in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// `apiVersion`, e.g. `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`), when set.
    pub name: Option<String>,
}

impl ObjectRef {
    /// Reads the identity of an object value.
    pub fn of(value: &Value) -> Self {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let metadata = &value["metadata"];
        Self {
            api_version: text(&value["apiVersion"]).unwrap_or_default(),
            kind: text(&value["kind"]).unwrap_or_default(),
            namespace: text(&metadata["namespace"]),
            name: text(&metadata["name"]).or_else(|| text(&metadata["generateName"])),
        }
    }

    /// How reports name the object: `Deployment shop/web`, `ClusterRole admin`, `Pod`.
    pub fn label(&self) -> String {
        label(&self.kind, self.namespace.as_deref(), self.name.as_deref())
    }

    /// The API group, the part of `apiVersion` before `/` (empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .split_once('/')
            .map_or("", |(group, _)| group)
    }
}

/// How reports name an object of `kind` with an optional namespace and name.
pub fn label(kind: &str, namespace: Option<&str>, name: Option<&str>) -> String {
    match (namespace, name) {
        (Some(ns), Some(name)) => format!("{kind} {ns}/{name}"),
        (None, Some(name)) => format!("{kind} {name}"),
        _ => kind.to_owned(),
    }
}

/// One Kubernetes object found in a document (a `List` yields one per item).
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// Identity of the object.
    pub id: ObjectRef,
    /// Where the object sits inside its document (`items[3]` for a List item).
    pub base: FieldPath,
    /// The object itself.
    pub value: &'a Value,
}

/// Why a document is not an object rampart can check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAnObject {
    /// Neither `apiVersion` nor `kind`, or not a mapping at all: some other YAML or JSON
    /// (Helm values, CI config, a JSON list...).
    Foreign,
    /// A Kubernetes-looking document with a problem at `path`.
    Malformed {
        /// The field at fault.
        path: FieldPath,
        /// What is wrong.
        message: String,
    },
}

/// Splits a document into objects, expanding `kind: List` and `*List` kinds.
pub fn objects(value: &Value) -> Result<Vec<Object<'_>>, NotAnObject> {
    let mut found = Vec::new();
    collect(value, FieldPath::root(), &mut found)?;
    Ok(found)
}

fn collect<'a>(
    value: &'a Value,
    base: FieldPath,
    found: &mut Vec<Object<'a>>,
) -> Result<(), NotAnObject> {
    let Some(map) = value.as_object() else {
        if base.is_root() {
            return Err(NotAnObject::Foreign);
        }
        return Err(NotAnObject::Malformed {
            path: base,
            message: "a Kubernetes object must be a mapping".to_owned(),
        });
    };
    let api_version = map.get("apiVersion");
    let kind = map.get("kind");
    if api_version.is_none() && kind.is_none() && base.is_root() {
        return Err(NotAnObject::Foreign);
    }
    for (field, v) in [("apiVersion", api_version), ("kind", kind)] {
        match v {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => {
                return Err(malformed(&base, field, "must be a non-empty string"));
            }
            None => return Err(malformed(&base, field, "is required")),
        }
    }
    let kind_name = kind.and_then(Value::as_str).unwrap_or_default();
    if kind_name.ends_with("List") && map.contains_key("items") {
        let items = map
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(&base, "items", "must be a list"))?;
        let items_path = base.child("items");
        for (i, item) in items.iter().enumerate() {
            collect(item, items_path.index(i), found)?;
        }
        return Ok(());
    }
    found.push(Object {
        id: ObjectRef::of(value),
        base,
        value,
    });
    Ok(())
}

fn malformed(base: &FieldPath, field: &'static str, problem: &str) -> NotAnObject {
    NotAnObject::Malformed {
        path: base.child(field),
        message: format!("{field} {problem}"),
    }
}

#[cfg(test)]
mod tests;
