//! Typed views of JSON sub-trees through k8s-openapi, with the path of any type error.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::field_path::FieldPath;

/// A field whose value has the wrong type for its Kubernetes schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    /// The offending field, from the object's root.
    pub path: FieldPath,
    /// What serde expected, e.g. `invalid type: string "x", expected a boolean`.
    pub message: String,
}

/// Deserialises the value at `base` (a path inside `root`) as `T`. A missing value is
/// `Ok(None)`; a value of the wrong shape is a [`TypeError`] with the exact field.
pub fn typed_at<T: DeserializeOwned>(
    root: &Value,
    base: &FieldPath,
) -> Result<Option<T>, TypeError> {
    let Some(value) = value_at(root, base) else {
        return Ok(None);
    };
    if value.is_null() {
        return Ok(None);
    }
    // Fast path: plain deserialisation. Only a failure pays for path tracking (which
    // allocates for every field visited) to find the offending field.
    if let Ok(typed) = T::deserialize(value) {
        return Ok(Some(typed));
    }
    serde_path_to_error::deserialize(value)
        .map(Some)
        .map_err(|error| located(base, error))
}

/// Deserialises JSON text as `T` in one pass, without an intermediate tree (the admission
/// webhook's objects). A value of the wrong shape is a [`TypeError`] with the exact field.
pub fn typed_from_str<T: DeserializeOwned>(text: &str) -> Result<T, TypeError> {
    // As in `typed_at`, only a failure pays for path tracking.
    if let Ok(typed) = serde_json::from_str(text) {
        return Ok(typed);
    }
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
        .map_err(|error| located(&FieldPath::root(), error))
}

/// A deserialisation error at the field it names, below `base`.
fn located(base: &FieldPath, error: serde_path_to_error::Error<serde_json::Error>) -> TypeError {
    let mut path = base.clone();
    for segment in error.path().iter() {
        path = match segment {
            serde_path_to_error::Segment::Seq { index } => path.index(*index),
            serde_path_to_error::Segment::Map { key } => path.child_owned(key.clone()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                path
            }
        };
    }
    TypeError {
        path,
        message: error.into_inner().to_string(),
    }
}

/// The value at `path` inside `root`, if present.
pub fn value_at<'a>(root: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    use crate::field_path::Segment;
    path.segments()
        .iter()
        .try_fold(root, |node, segment| match segment {
            Segment::Field(name) => node.get(name.as_ref()),
            Segment::Key(key) => node.get(key.as_str()),
            Segment::Index(i) => node.get(*i),
        })
}
