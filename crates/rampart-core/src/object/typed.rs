//! Typed views of JSON sub-trees through k8s-openapi, with the path of any type error.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::decode::{DecodeError, Mode, decode};
use crate::field_path::FieldPath;

/// A field whose value has the wrong type for its Kubernetes schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    /// The offending field, from the object's root.
    pub path: FieldPath,
    /// What is wrong, naming the Kubernetes type, e.g. `invalid type: expected boolean,
    /// got string "x"`.
    pub message: String,
}

impl std::fmt::Display for TypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_root() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TypeError {}

impl TypeError {
    /// The error `error` met decoding the value at `base`.
    pub(crate) fn at(base: &FieldPath, error: &DecodeError) -> Self {
        Self {
            path: error.path(base),
            message: error.message().to_owned(),
        }
    }
}

/// Deserialises the value at `base` (a path inside `root`) as `T`, as the API server
/// decodes it (see `decode`). A missing value is `Ok(None)`; a value of the
/// wrong shape is a [`TypeError`] with the exact field.
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
    decode(value, Mode::Decode)
        .map(Some)
        .map_err(|error| TypeError::at(base, &error))
}

/// Deserialises JSON text as `T` in one pass, without an intermediate tree (the admission
/// webhook's objects). A value of the wrong shape is a [`TypeError`] with the exact field.
pub fn typed_from_str<T: DeserializeOwned>(text: &str) -> Result<T, TypeError> {
    if let Ok(typed) = serde_json::from_str(text) {
        return Ok(typed);
    }
    // Only a failure pays for a tree: the API server's reading of it (`null` as a zero
    // value) may still accept it, or else names the offending field.
    let value: Value = serde_json::from_str(text).map_err(|error| TypeError {
        path: FieldPath::root(),
        message: error.to_string(),
    })?;
    decode(&value, Mode::Decode).map_err(|error| TypeError::at(&FieldPath::root(), &error))
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
