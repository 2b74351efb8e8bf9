//! JSON objects read field by field, in order and with duplicates kept, their values left
//! as text: what the replica cache keys on and how the webhook skips the fields of a pod
//! no check reads. Field names are borrowed, so a name written with escapes does not
//! read (callers fall back to a full decode).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A field of the object: `metadata` split into its own fields, any other as text.
pub enum FieldValue<'a> {
    /// `metadata`'s fields.
    Metadata(Vec<(&'a str, &'a RawValue)>),
    /// Any other field's value.
    Text(&'a RawValue),
}

/// A JSON object's fields as written: in order, duplicates kept, values as text except
/// `metadata`'s, read in the same pass. Field names must be free of escapes (they are
/// borrowed).
pub struct ObjectFields<'a>(pub Vec<(&'a str, FieldValue<'a>)>);

/// The fields of a JSON object as written, values as text.
pub struct Fields<'a>(pub Vec<(&'a str, &'a RawValue)>);

/// Reads a JSON object's fields in order into a `Vec`, each value as `read_value` says.
fn visit_fields<'de, A: MapAccess<'de>, V>(
    mut map: A,
    mut read_value: impl FnMut(&str, &mut A) -> Result<V, A::Error>,
) -> Result<Vec<(&'de str, V)>, A::Error> {
    let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
    while let Some(name) = map.next_key::<&str>()? {
        let value = read_value(name, &mut map)?;
        fields.push((name, value));
    }
    Ok(fields)
}

/// Deserialises a JSON object with [`visit_fields`].
macro_rules! fields_visitor {
    ($target:ident, |$name:ident, $map:ident| $read:expr) => {
        impl<'de: 'a, 'a> Deserialize<'de> for $target<'a> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct FieldsVisitor;
                impl<'de> Visitor<'de> for FieldsVisitor {
                    type Value = $target<'de>;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a JSON object")
                    }

                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                        visit_fields(map, |$name, $map| $read).map($target)
                    }
                }
                deserializer.deserialize_map(FieldsVisitor)
            }
        }
    };
}

fields_visitor!(Fields, |_name, map| map.next_value());
fields_visitor!(ObjectFields, |name, map| if name == "metadata" {
    map.next_value::<Fields<'_>>()
        .map(|Fields(fields)| FieldValue::Metadata(fields))
} else {
    map.next_value().map(FieldValue::Text)
});
