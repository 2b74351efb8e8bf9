//! What a rule's fix is given, and what it answers with; helpers for the common shapes
//! of fixes (set a flag, append to a list, remove a setting).

use std::borrow::Cow;

use serde_json::Value;

use super::patch::{Op, Patch, Proposal, Safety, value_at};
use crate::docker::DockerfileView;
use crate::field_path::{FieldPath, Segment};

/// How a rule repairs its findings, declared next to its checks: one function per
/// artefact it can edit. A function answers for one finding with a [`Patch`] marked
/// safe or unsafe, or with why that finding has no automatic fix.
#[derive(Clone, Copy)]
pub struct Fix {
    /// What the fix does, for the rule's documentation (`rampart rules ID`).
    pub summary: &'static str,
    /// Kubernetes objects: paths from the object's root.
    pub kubernetes: Option<ValueFix>,
    /// Compose files: paths from the document's root.
    pub compose: Option<ValueFix>,
    /// Dockerfiles.
    pub dockerfile: Option<DockerfileFix>,
}

impl std::fmt::Debug for Fix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fix")
            .field("summary", &self.summary)
            .finish()
    }
}

impl Fix {
    /// The artefacts the fix edits, in words (`Kubernetes, Compose`).
    pub fn artefacts(&self) -> Vec<&'static str> {
        [
            (self.kubernetes.is_some(), "Kubernetes"),
            (self.compose.is_some(), "Compose"),
            (self.dockerfile.is_some(), "Dockerfile"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect()
    }
}

/// A fix over a Kubernetes object or a Compose document.
pub type ValueFix = fn(&Site<'_>) -> Proposal;
/// A fix over a Dockerfile, given the finding's path (`instructions[i]`).
pub type DockerfileFix = fn(&DockerfileView<'_, '_>, &FieldPath) -> Proposal;

/// Where a fix works: the value as earlier fixes left it, and the finding's field.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The Kubernetes object, or the Compose document.
    pub root: &'a Value,
    /// The offending field, from `root`.
    pub path: &'a FieldPath,
    /// Where the object's pod spec is (`spec.template.spec`), for objects that hold one.
    pub pod_spec: Option<&'a FieldPath>,
}

/// The list fields of a pod spec that hold containers.
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

impl<'a> Site<'a> {
    /// The value at `path` (from the root).
    pub fn get(&self, path: &FieldPath) -> Option<&'a Value> {
        value_at(self.root, path)
    }

    /// The offending field's value, when it is set.
    pub fn value(&self) -> Option<&'a Value> {
        self.get(self.path)
    }

    /// The finding's field name (its last segment).
    pub fn field(&self) -> Option<&str> {
        match self.path.segments().last()? {
            Segment::Field(name) => Some(name),
            Segment::Key(name) => Some(name),
            Segment::Index(_) => None,
        }
    }

    /// The path of the container the field belongs to (`spec.containers[0]`).
    pub fn container(&self) -> Option<FieldPath> {
        let segments = self.path.segments();
        let at = segments.windows(2).rposition(|pair| {
            matches!((&pair[0], &pair[1]), (Segment::Field(list), Segment::Index(_)) if CONTAINER_LISTS.contains(&list.as_ref()))
        })?;
        Some(prefix(segments, at + 2))
    }

    /// The path of the Compose service the field belongs to (`services.web`).
    pub fn service(&self) -> Option<FieldPath> {
        match self.path.segments() {
            [Segment::Field(services), _, ..] if services == "services" => {
                Some(prefix(self.path.segments(), 2))
            }
            _ => None,
        }
    }

    /// Whether the object's pod runs Windows (`spec.os.name: windows`).
    pub fn windows_pod(&self) -> bool {
        self.pod_spec.is_some_and(|spec| {
            self.get(&spec.child("os").child("name"))
                .and_then(Value::as_str)
                == Some("windows")
        })
    }
}

fn prefix(segments: &[Segment], len: usize) -> FieldPath {
    segments[..len.min(segments.len())].iter().fold(
        FieldPath::root(),
        |path, segment| match segment {
            Segment::Field(name) => path.child_owned(name.to_string()),
            Segment::Key(name) => path.key(name.clone()),
            Segment::Index(i) => path.index(*i),
        },
    )
}

/// `value` as the same kind of scalar as `like`: a string when the author wrote the flag
/// as a string (Compose accepts `"true"`), a boolean otherwise.
pub fn flag_like(like: Option<&Value>, value: bool) -> Value {
    match like {
        Some(Value::String(_)) => Value::String(value.to_string()),
        _ => Value::Bool(value),
    }
}

/// Sets the finding's field to `value` (keeping a string flag a string), whether it is
/// absent or set otherwise.
pub fn set_flag(site: &Site<'_>, value: bool, safety: Safety) -> Proposal {
    Ok(Patch {
        safety,
        ops: vec![Op::Set {
            path: site.path.clone(),
            value: flag_like(site.value(), value),
        }],
    })
}

/// Sets the finding's field to the string `value`.
pub fn set_text(site: &Site<'_>, value: &str, safety: Safety) -> Proposal {
    Ok(Patch {
        safety,
        ops: vec![Op::Set {
            path: site.path.clone(),
            value: Value::String(value.to_owned()),
        }],
    })
}

/// Removes the finding's field (or list item); when that would leave its mapping or list
/// empty, removes the mapping or list instead, and so on up to (not including) `keep`.
pub fn remove_setting(site: &Site<'_>, keep: Option<&FieldPath>, safety: Safety) -> Proposal {
    if site.value().is_none() {
        return Err(Cow::Borrowed("the setting is no longer there"));
    }
    let mut path = site.path.clone();
    while let Some(parent) = path.parent() {
        let alone = match site.get(&parent) {
            Some(Value::Object(map)) => map.len() == 1,
            Some(Value::Array(items)) => items.len() == 1,
            _ => false,
        };
        if !alone || keep.is_none_or(|keep| !parent.starts_with(keep) || parent == *keep) {
            break;
        }
        path = parent;
    }
    Ok(Patch {
        safety,
        ops: vec![Op::Remove { path }],
    })
}

/// Removes the finding's setting from its container (see [`remove_setting`]).
pub fn remove_in_container(site: &Site<'_>, safety: Safety) -> Proposal {
    remove_setting(site, site.container().as_ref(), safety)
}

/// Removes the finding's setting from its Compose service (see [`remove_setting`]).
pub fn remove_in_service(site: &Site<'_>, safety: Safety) -> Proposal {
    remove_setting(site, site.service().as_ref(), safety)
}
