//! [`FieldPath`]: the one currency of location in rampart.
//!
//! A path names a field inside a Kubernetes object the way the API server does in its
//! messages (`spec.containers[0].securityContext.privileged`,
//! `metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]`). Engines
//! report paths; the report layer turns them into `line:column` through a document's
//! position index.

use std::borrow::Cow;
use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A named field of an object: `.name`.
    Field(Cow<'static, str>),
    /// An element of a list: `[3]`.
    Index(usize),
    /// A key of a map (labels, annotations, data): `[key]`.
    Key(String),
}

/// A path from the root of an object to one of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// The empty path: the object itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path made of dotted field names, e.g. `FieldPath::fields(&["spec", "template"])`.
    pub fn fields(names: &[&'static str]) -> Self {
        Self {
            segments: names
                .iter()
                .map(|n| Segment::Field(Cow::Borrowed(*n)))
                .collect(),
        }
    }

    /// This path extended by the field `name`.
    pub fn child(&self, name: &'static str) -> Self {
        self.with(Segment::Field(Cow::Borrowed(name)))
    }

    /// This path extended by a field whose name is only known at run time.
    pub fn child_owned(&self, name: impl Into<String>) -> Self {
        self.with(Segment::Field(Cow::Owned(name.into())))
    }

    /// This path extended by the list index `index`.
    pub fn index(&self, index: usize) -> Self {
        self.with(Segment::Index(index))
    }

    /// This path extended by the map key `key`.
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(Segment::Key(key.into()))
    }

    /// This path followed by all the segments of `tail`.
    pub fn join(&self, tail: &FieldPath) -> Self {
        let mut segments = Vec::with_capacity(self.segments.len() + tail.segments.len());
        segments.extend_from_slice(&self.segments);
        segments.extend_from_slice(&tail.segments);
        Self { segments }
    }

    /// The path without its last segment (`None` for the root).
    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.segments.split_last()?;
        Some(Self {
            segments: rest.to_vec(),
        })
    }

    /// The segments from the root outwards.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// True when `self` is `prefix` or lies below it.
    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.segments.starts_with(&prefix.segments)
    }

    fn with(&self, segment: Segment) -> Self {
        let mut segments = Vec::with_capacity(self.segments.len() + 1);
        segments.extend_from_slice(&self.segments);
        segments.push(segment);
        Self { segments }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) => write!(f, "[{key}]")?,
            }
        }
        Ok(())
    }
}

impl serde::Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_api_server() {
        let path = FieldPath::fields(&["spec", "containers"])
            .index(0)
            .child("securityContext")
            .child("privileged");
        assert_eq!(
            path.to_string(),
            "spec.containers[0].securityContext.privileged"
        );
        let annotation = FieldPath::fields(&["metadata", "annotations"]).key("a.b/c");
        assert_eq!(annotation.to_string(), "metadata.annotations[a.b/c]");
        assert_eq!(FieldPath::root().to_string(), "");
    }

    #[test]
    fn join_parent_and_prefix() {
        let base = FieldPath::fields(&["spec", "template"]);
        let tail = FieldPath::fields(&["spec", "hostPID"]);
        let joined = base.join(&tail);
        assert_eq!(joined.to_string(), "spec.template.spec.hostPID");
        assert!(joined.starts_with(&base));
        assert!(!base.starts_with(&joined));
        assert_eq!(
            joined.parent().map(|p| p.to_string()).as_deref(),
            Some("spec.template.spec")
        );
        assert_eq!(FieldPath::root().parent(), None);
    }
}
