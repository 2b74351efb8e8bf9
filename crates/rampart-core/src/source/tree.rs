//! One serde-saphyr pass that builds both the document's value and its position tree.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

use super::position::{Pos, PosNode, Span};

/// A parsed node: its JSON value and the positions of it and its children.
pub(crate) struct Built {
    pub value: Value,
    pub children: PosChildren,
}

/// Positions of a node's children, mirroring the shape of the value.
#[derive(Debug, Clone, Default)]
pub enum PosChildren {
    /// A scalar: no children.
    #[default]
    Leaf,
    /// A sequence: one node per item.
    Seq(Vec<PosNode>),
    /// A mapping: per key, the key's position and the value's node; in document order
    /// when small, sorted by key when larger (see `PosChildren::map`).
    Map(Vec<(String, Pos, PosNode)>),
}

/// Mappings with more entries than this are sorted by key, so that finding a key does not
/// scan them (a pod with thousands of annotations, each a finding's position).
const SORTED_FROM: usize = 16;

impl PosChildren {
    /// The children of a mapping (its keys unique): sorted by key when there are many,
    /// so that [`find_key`] searches them in logarithmic time.
    pub(crate) fn map(mut entries: Vec<(String, Pos, PosNode)>) -> Self {
        if entries.len() > SORTED_FROM {
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        Self::Map(entries)
    }
}

/// The entry `name` of a mapping's children built by [`PosChildren::map`].
pub(crate) fn find_key<'a>(
    entries: &'a [(String, Pos, PosNode)],
    name: &str,
) -> Option<(Pos, &'a PosNode)> {
    let found = if entries.len() > SORTED_FROM {
        entries
            .binary_search_by(|(key, _, _)| key.as_str().cmp(name))
            .ok()
            .and_then(|index| entries.get(index))
    } else {
        entries.iter().find(|(key, _, _)| key == name)
    };
    found.map(|(_, key_pos, node)| (*key_pos, node))
}

impl Built {
    /// Turns a spanned parse result into the value and the root position node.
    pub(crate) fn into_parts(spanned: Spanned<Built>) -> (Value, PosNode) {
        let Built { value, children } = spanned.value;
        (
            value,
            PosNode {
                pos: Pos::from_location(&spanned.referenced),
                span: byte_span(&spanned.referenced, &spanned.defined),
                children,
            },
        )
    }
}

/// The byte span of a value from the parser's locations (text input always has byte
/// offsets; without them the span is empty at 0, which no edit trusts).
fn byte_span(referenced: &serde_saphyr::Location, defined: &serde_saphyr::Location) -> Span {
    let offset = |location: &serde_saphyr::Location| {
        location
            .span()
            .byte_offset()
            .map_or(0, |o| u32::try_from(o).unwrap_or(u32::MAX))
    };
    let start = offset(referenced);
    Span {
        start,
        len: referenced
            .span()
            .byte_len()
            .map_or(0, |l| u32::try_from(l).unwrap_or(u32::MAX)),
        defined: offset(defined),
    }
}

/// Stack kept free before descending one more level; when less is left, the recursion
/// continues on a fresh heap-allocated segment. Nesting is bounded by the parser's depth
/// budget, and this keeps that budget safe on small thread stacks (debug builds, test
/// threads, thread pools).
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

impl<'de> Deserialize<'de> for Built {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            deserializer.deserialize_any(BuiltVisitor)
        })
    }
}

struct BuiltVisitor;

fn leaf(value: Value) -> Built {
    Built {
        value,
        children: PosChildren::Leaf,
    }
}

impl<'de> Visitor<'de> for BuiltVisitor {
    type Value = Built;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Built, E> {
        Ok(leaf(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Built, E> {
        Ok(leaf(Value::Number(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Built, E> {
        Ok(leaf(Value::Number(v.into())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Built, E> {
        match i64::try_from(v) {
            Ok(small) => self.visit_i64(small),
            Err(_) => u64::try_from(v)
                .map(|big| leaf(Value::Number(big.into())))
                .map_err(|_| E::custom("integer out of range")),
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Built, E> {
        u64::try_from(v)
            .map(|n| leaf(Value::Number(n.into())))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Built, E> {
        Number::from_f64(v)
            .map(|n| leaf(Value::Number(n)))
            .ok_or_else(|| E::custom("non-finite numbers are not valid in Kubernetes objects"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Built, E> {
        Ok(leaf(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Built, E> {
        Ok(leaf(Value::String(v)))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Built, E> {
        Ok(leaf(Value::String(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_unit<E>(self) -> Result<Built, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Built, E> {
        Ok(leaf(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Built, D::Error> {
        Built::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Built, D::Error> {
        Built::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Built, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut nodes = Vec::with_capacity(values.capacity());
        while let Some(item) = seq.next_element::<Spanned<Built>>()? {
            let (value, node) = Built::into_parts(item);
            values.push(value);
            nodes.push(node);
        }
        Ok(Built {
            value: Value::Array(values),
            children: PosChildren::Seq(nodes),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Built, A::Error> {
        let mut values = Map::new();
        let mut nodes = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let item = map.next_value::<Spanned<Built>>()?;
            let (value, node) = Built::into_parts(item);
            let name = key.value.0;
            if values.insert(name.clone(), value).is_some() {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {name:?} (line {}): YAML tools disagree on which value wins",
                    key.referenced.line()
                )));
            }
            nodes.push((name, Pos::from_location(&key.referenced), node));
        }
        Ok(Built {
            value: Value::Object(values),
            children: PosChildren::map(nodes),
        })
    }
}

/// A mapping key read as text, the way sigs.k8s.io/yaml turns non-string keys
/// (`1:`, `true:`) into JSON object keys.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyTextVisitor)
    }
}

struct KeyTextVisitor;

impl Visitor<'_> for KeyTextVisitor {
    type Value = KeyText;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }
    fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
        Ok(KeyText(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
        Ok(KeyText(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
        Ok(KeyText(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
        Ok(KeyText(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
        Ok(KeyText(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
        Ok(KeyText(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<KeyText, E> {
        Ok(KeyText("null".to_owned()))
    }
}
