//! What a fix changes, as operations on a document's value: applied to the planned
//! value (so that later fixes see earlier ones), turned into RFC 6902 JSON Patch for
//! reports, and into text edits by the planner.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::field_path::{FieldPath, Segment};

/// Whether a fix can change what the workload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Cannot change what the workload does (it only takes away what nothing uses).
    Safe,
    /// May break the application: applied only with `--unsafe`.
    Unsafe,
}

impl Safety {
    /// `safe` or `unsafe`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Unsafe => "unsafe",
        }
    }
}

/// One change to a value, at a path from the root a fix was given (the object's for
/// Kubernetes, the document's for Compose).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Sets the field, adding it (and the mappings above it) when absent.
    Set {
        /// The field.
        path: FieldPath,
        /// Its new value.
        value: Value,
    },
    /// Appends to the list at `path`, creating the list when absent.
    Append {
        /// The list.
        path: FieldPath,
        /// The new item.
        value: Value,
    },
    /// Removes the field or list item.
    Remove {
        /// The field or item.
        path: FieldPath,
    },
    /// Appends a line to the end of the file (Dockerfiles).
    Line {
        /// The line, without its line end.
        text: String,
    },
}

/// What a fix does for one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// Whether the change can break the workload.
    pub safety: Safety,
    /// The changes, in order.
    pub ops: Vec<Op>,
}

impl Patch {
    /// A patch that cannot change what the workload does.
    pub fn safe(ops: Vec<Op>) -> Self {
        Self {
            safety: Safety::Safe,
            ops,
        }
    }

    /// A patch that may break the application.
    pub fn risky(ops: Vec<Op>) -> Self {
        Self {
            safety: Safety::Unsafe,
            ops,
        }
    }
}

/// A fix's answer for one finding: the patch, or why there is none.
pub type Proposal = Result<Patch, Cow<'static, str>>;

/// The value at `path` below `root`.
pub fn value_at<'v>(root: &'v Value, path: &FieldPath) -> Option<&'v Value> {
    path.segments()
        .iter()
        .try_fold(root, |value, segment| match segment {
            Segment::Field(name) => value.get(name.as_ref()),
            Segment::Key(name) => value.get(name),
            Segment::Index(i) => value.get(*i),
        })
}

fn segment_name(segment: &Segment) -> Option<&str> {
    match segment {
        Segment::Field(name) => Some(name),
        Segment::Key(name) => Some(name),
        Segment::Index(_) => None,
    }
}

/// An RFC 6901 pointer to `path`.
pub fn pointer(path: &FieldPath) -> String {
    let mut out = String::new();
    for segment in path.segments() {
        out.push('/');
        match segment_name(segment) {
            Some(name) => out.push_str(&name.replace('~', "~0").replace('/', "~1")),
            None => {
                if let Segment::Index(i) = segment {
                    out.push_str(&i.to_string());
                }
            }
        }
    }
    out
}

/// `value` wrapped in the mappings `segments` name (all field names).
fn nested(value: Value, segments: &[Segment]) -> Option<Value> {
    segments.iter().rev().try_fold(value, |inner, segment| {
        segment_name(segment).map(|name| {
            let mut map = Map::new();
            map.insert(name.to_owned(), inner);
            Value::Object(map)
        })
    })
}

/// Why an operation does not apply to the planned value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict(pub &'static str);

/// Applies `op` at `base` below `root` and returns the equivalent JSON Patch operations,
/// their paths relative to `base`.
pub fn apply(root: &mut Value, base: &FieldPath, op: &Op) -> Result<Vec<Value>, Conflict> {
    match op {
        Op::Set { path, value } => set(root, base, path, value.clone()),
        Op::Append { path, value } => {
            let full = base.join(path);
            match value_at(root, &full) {
                Some(Value::Array(_)) => {
                    if let Some(Value::Array(items)) = value_at_mut(root, &full) {
                        items.push(value.clone());
                    }
                    Ok(vec![
                        json!({"op": "add", "path": format!("{}/-", pointer(path)), "value": value}),
                    ])
                }
                Some(Value::Null) | None => {
                    set(root, base, path, Value::Array(vec![value.clone()]))
                }
                Some(_) => Err(Conflict("the list to append to is not a list")),
            }
        }
        Op::Remove { path } => {
            let full = base.join(path);
            let (Some(parent), Some(last)) = (full.parent(), full.segments().last()) else {
                return Err(Conflict("the object itself cannot be removed"));
            };
            let removed = match (value_at_mut(root, &parent), last) {
                (Some(Value::Object(map)), segment) => segment_name(segment)
                    .and_then(|name| map.shift_remove(name))
                    .is_some(),
                (Some(Value::Array(items)), Segment::Index(i)) if *i < items.len() => {
                    items.remove(*i);
                    true
                }
                _ => false,
            };
            if !removed {
                return Err(Conflict("the field to remove is absent"));
            }
            Ok(vec![json!({"op": "remove", "path": pointer(path)})])
        }
        Op::Line { .. } => Ok(Vec::new()),
    }
}

fn value_at_mut<'v>(root: &'v mut Value, path: &FieldPath) -> Option<&'v mut Value> {
    path.segments()
        .iter()
        .try_fold(root, |value, segment| match segment {
            Segment::Field(name) => value.get_mut(name.as_ref()),
            Segment::Key(name) => value.get_mut(name),
            Segment::Index(i) => value.get_mut(*i),
        })
}

/// Sets `path` (below `base`) to `value`, creating missing (or null) mappings above it.
fn set(
    root: &mut Value,
    base: &FieldPath,
    path: &FieldPath,
    value: Value,
) -> Result<Vec<Value>, Conflict> {
    let segments = path.segments();
    let Some(base_value) = value_at_mut(root, base) else {
        return Err(Conflict("the object is not in the document"));
    };
    // The first segment whose value is absent (or null where a mapping must go).
    let mut node: &Value = base_value;
    let mut first_missing = segments.len();
    for (i, segment) in segments.iter().enumerate() {
        let next = match segment {
            Segment::Index(index) => node.get(*index),
            other => segment_name(other).and_then(|name| node.get(name)),
        };
        match next {
            Some(Value::Null) if i + 1 < segments.len() => {
                first_missing = i;
                break;
            }
            Some(child) => node = child,
            None => {
                first_missing = i;
                break;
            }
        }
    }
    if first_missing == segments.len() {
        let Some(target) = value_at_mut(base_value, path) else {
            return Err(Conflict("the field is not in the document"));
        };
        *target = value.clone();
        return Ok(vec![
            json!({"op": "replace", "path": pointer(path), "value": value}),
        ]);
    }
    let Some(inner) = nested(value, &segments[first_missing + 1..]) else {
        return Err(Conflict("a list on the path is missing"));
    };
    let parent: FieldPath = segments[..first_missing]
        .iter()
        .fold(FieldPath::root(), |p, s| with_segment(&p, s));
    let at = with_segment(&parent, &segments[first_missing]);
    let Some(holder) = value_at_mut(base_value, &parent) else {
        return Err(Conflict("the field's parent is not in the document"));
    };
    let op = match (holder, &segments[first_missing]) {
        (Value::Object(map), segment) => {
            let Some(name) = segment_name(segment) else {
                return Err(Conflict("a list index on a mapping"));
            };
            let replaced = map.insert(name.to_owned(), inner.clone()).is_some();
            if replaced { "replace" } else { "add" }
        }
        (Value::Array(items), Segment::Index(i)) if *i == items.len() => {
            items.push(inner.clone());
            "add"
        }
        _ => return Err(Conflict("the field's parent is not a mapping")),
    };
    Ok(vec![
        json!({"op": op, "path": pointer(&at), "value": inner}),
    ])
}

fn with_segment(path: &FieldPath, segment: &Segment) -> FieldPath {
    match segment {
        Segment::Field(name) => path.child_owned(name.to_string()),
        Segment::Key(name) => path.key(name.clone()),
        Segment::Index(i) => path.index(*i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> FieldPath {
        text.split('.')
            .fold(FieldPath::root(), |path, part| match part.parse() {
                Ok(i) => path.index(i),
                Err(_) => path.child_owned(part.to_owned()),
            })
    }

    #[test]
    fn set_creates_missing_mappings_and_says_so_in_json_patch() {
        let mut doc = json!({"items": [{"spec": {"containers": [{"name": "a"}]}}]});
        let base = p("items.0");
        let op = Op::Set {
            path: p("spec.containers.0.securityContext.allowPrivilegeEscalation"),
            value: json!(false),
        };
        let patch = apply(&mut doc, &base, &op).expect("applies");
        assert_eq!(
            patch,
            vec![
                json!({"op": "add", "path": "/spec/containers/0/securityContext", "value": {"allowPrivilegeEscalation": false}})
            ]
        );
        assert_eq!(
            doc["items"][0]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
            false
        );
        let again = apply(&mut doc, &base, &op).expect("applies");
        assert_eq!(again[0]["op"], "replace");
    }

    #[test]
    fn append_remove_and_pointers() {
        let mut doc = json!({"s": {"web": {"cap_drop": ["NET_RAW"], "a/b~": 1}}});
        let root = FieldPath::root();
        let patch = apply(
            &mut doc,
            &root,
            &Op::Append {
                path: p("s.web.cap_drop"),
                value: json!("ALL"),
            },
        )
        .expect("applies");
        assert_eq!(patch[0]["path"], "/s/web/cap_drop/-");
        let patch = apply(
            &mut doc,
            &root,
            &Op::Append {
                path: p("s.web.security_opt"),
                value: json!("x"),
            },
        )
        .expect("applies");
        assert_eq!(
            patch[0],
            json!({"op": "add", "path": "/s/web/security_opt", "value": ["x"]})
        );
        let patch = apply(
            &mut doc,
            &root,
            &Op::Remove {
                path: FieldPath::fields(&["s", "web"]).key("a/b~"),
            },
        )
        .expect("applies");
        assert_eq!(patch[0]["path"], "/s/web/a~1b~0");
        assert!(
            apply(
                &mut doc,
                &root,
                &Op::Remove {
                    path: p("s.web.nope")
                }
            )
            .is_err()
        );
        assert_eq!(
            doc,
            json!({"s": {"web": {"cap_drop": ["NET_RAW", "ALL"], "security_opt": ["x"]}}})
        );
    }
}
