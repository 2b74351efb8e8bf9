//! The `object` and `oldObject` of a review, read in the pass that reads the review: the
//! object's text and where each of its fields, and each of `metadata`'s fields, lies in
//! it. The replica cache keys on those fields and a pod is decoded without the fields no
//! check reads, neither reading the object again.
//!
//! The text is the object written back from its fields as read: names escaped as
//! serde_json escapes them, values as sent. For compact JSON, which the API server sends,
//! that is the text sent byte for byte; for any JSON, the same value. `metadata` must be
//! an object or null, as in every Kubernetes object.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de};
use serde_json::value::RawValue;

/// The field whose own fields are located too.
const SPLIT_FIELD: &str = "metadata";
/// Bytes reserved for an object's text at first (a pod is a few KiB).
const INITIAL_CAPACITY: usize = 4096;

/// A JSON object of a review, with its fields located (see the module's docs).
#[derive(Clone)]
pub struct RawObject {
    text: String,
    /// The object's fields, in order, duplicates kept.
    fields: Vec<Span>,
    /// The fields of every `metadata` that is an object, each run named by its [`Span`].
    nested: Vec<Span>,
}

/// Where a field lies in the text.
#[derive(Debug, Clone)]
struct Span {
    /// The name, without its quotes.
    name: Range<usize>,
    value: Range<usize>,
    /// For `metadata` given as an object: its fields, as indices into `nested`.
    nested: Option<Range<usize>>,
}

impl RawObject {
    /// The object as JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The object's fields in order.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            object: self,
            spans: self.fields.iter(),
        }
    }

    /// The object's text without the fields named in `fields`, nor those named in
    /// `metadata` among `metadata`'s fields.
    pub fn text_without(&self, fields: &[&str], metadata: &[&str]) -> String {
        let mut text = String::with_capacity(self.text.len());
        write_without(&mut text, self.fields(), fields, metadata);
        text
    }
}

/// Writes `{"name":value,...}` of the `fields` not named in `left_out`, and in `metadata`
/// those not named in `left_out_of_metadata`.
fn write_without(
    text: &mut String,
    fields: Fields<'_>,
    left_out: &[&str],
    left_out_of_metadata: &[&str],
) {
    text.push('{');
    let mut first = true;
    for field in fields.filter(|field| !left_out.contains(&field.name)) {
        if !std::mem::take(&mut first) {
            text.push(',');
        }
        text.push('"');
        text.push_str(field.name);
        text.push_str("\":");
        match field.fields {
            Some(nested) => write_without(text, nested, left_out_of_metadata, &[]),
            None => text.push_str(field.value),
        }
    }
    text.push('}');
}

impl fmt::Debug for RawObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawObject").field(&self.text).finish()
    }
}

/// A field of a [`RawObject`].
#[derive(Debug, Clone)]
pub struct Field<'a> {
    /// The name as written in the text, without quotes.
    pub name: &'a str,
    /// The value as JSON text.
    pub value: &'a str,
    /// `metadata`'s own fields, when this is `metadata` and its value an object.
    pub fields: Option<Fields<'a>>,
}

/// The fields of a [`RawObject`] or of its `metadata`, in order.
#[derive(Clone)]
pub struct Fields<'a> {
    object: &'a RawObject,
    spans: std::slice::Iter<'a, Span>,
}

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        let span = self.spans.next()?;
        let text = self.object.text.as_str();
        Some(Field {
            name: &text[span.name.clone()],
            value: &text[span.value.clone()],
            fields: span.nested.clone().map(|nested| Fields {
                object: self.object,
                spans: self.object.nested[nested].iter(),
            }),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Fields<'_> {}

/// Writes the text and records `metadata`'s spans while the object is read.
struct Writer {
    text: String,
    nested: Vec<Span>,
}

impl Writer {
    /// Reads one object's fields from `map` into the text, `metadata`'s split when
    /// `split` (the top level); returns their spans.
    fn object<'de, A: MapAccess<'de>>(
        &mut self,
        mut map: A,
        split: bool,
    ) -> Result<Vec<Span>, A::Error> {
        let mut spans = Vec::with_capacity(map.size_hint().unwrap_or(8));
        self.text.push('{');
        while let Some(Name(name)) = map.next_key()? {
            if !spans.is_empty() {
                self.text.push(',');
            }
            let name = self.name(&name).map_err(de::Error::custom)?;
            let start = self.text.len();
            let nested = if split && &self.text[name.clone()] == SPLIT_FIELD {
                map.next_value_seed(MetadataSeed(self))?
            } else {
                let value: &RawValue = map.next_value()?;
                self.text.push_str(value.get());
                None
            };
            spans.push(Span {
                name,
                value: start..self.text.len(),
                nested,
            });
        }
        self.text.push('}');
        Ok(spans)
    }

    /// Writes `"name":` and returns where the name lies.
    fn name(&mut self, name: &str) -> Result<Range<usize>, serde_json::Error> {
        let plain = !name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        let written = if plain {
            Cow::Borrowed(name)
        } else {
            let quoted = serde_json::to_string(name)?;
            Cow::Owned(quoted[1..quoted.len() - 1].to_owned())
        };
        self.text.push('"');
        let start = self.text.len();
        self.text.push_str(&written);
        let end = self.text.len();
        self.text.push_str("\":");
        Ok(start..end)
    }
}

/// A field name, borrowed when written without escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(name)))
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// Reads `metadata`: its fields located when it is an object, else its text.
struct MetadataSeed<'w>(&'w mut Writer);

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    /// The nested fields' indices, when split.
    type Value = Option<Range<usize>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = Option<Range<usize>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("metadata as a JSON object or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.text.push_str("null");
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let spans = self.0.object(map, false)?;
        let start = self.0.nested.len();
        self.0.nested.extend(spans);
        Ok(Some(start..self.0.nested.len()))
    }
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawObject;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawObject, A::Error> {
                let mut writer = Writer {
                    text: String::with_capacity(INITIAL_CAPACITY),
                    nested: Vec::new(),
                };
                let fields = writer.object(map, true)?;
                Ok(RawObject {
                    text: writer.text,
                    fields,
                    nested: writer.nested,
                })
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn read(text: &str) -> RawObject {
        serde_json::from_str(text).unwrap()
    }

    /// The name a field's written name stands for.
    fn unescaped(name: &str) -> String {
        serde_json::from_str(&format!("\"{name}\"")).unwrap()
    }

    #[test]
    fn compact_text_is_kept_byte_for_byte() {
        let text = r#"{"apiVersion":"v1","metadata":{"name":"a","labels":{"x":"y"}},"spec":{"metadata":{"k":1}},"b":[1,{"c":null}]}"#;
        let object = read(text);
        assert_eq!(object.text(), text);
        let fields: Vec<_> = object.fields().collect();
        let names: Vec<_> = fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["apiVersion", "metadata", "spec", "b"]);
        assert_eq!(fields[2].value, r#"{"metadata":{"k":1}}"#);
        assert!(
            fields[2].fields.is_none(),
            "only the top-level metadata is split"
        );
        let metadata: Vec<_> = fields[1].fields.clone().unwrap().collect();
        let metadata: Vec<_> = metadata.iter().map(|f| (f.name, f.value)).collect();
        assert_eq!(metadata, [("name", "\"a\""), ("labels", r#"{"x":"y"}"#)]);
    }

    #[test]
    fn spacing_and_escapes_are_written_as_serde_json_writes_them() {
        let text = "{ \"meta\\u0064ata\" : { \"a\\\"b\" : 1 } ,\n \"s\" : [ 1 , 2 ] }";
        let object = read(text);
        assert_eq!(object.text(), r#"{"metadata":{"a\"b":1},"s":[ 1 , 2 ]}"#);
        let metadata = object.fields().next().unwrap().fields.unwrap();
        assert_eq!(metadata.map(|f| f.name).collect::<Vec<_>>(), [r#"a\"b"#]);
    }

    #[test]
    fn duplicates_stay_and_metadata_may_be_null() {
        let object = read(r#"{"metadata":null,"a":1,"a":2}"#);
        let fields: Vec<_> = object.fields().collect();
        assert_eq!(fields.len(), 3);
        assert!(fields[0].fields.is_none());
        assert_eq!(fields[0].value, "null");
        assert_eq!((fields[2].name, fields[2].value), ("a", "2"));
    }

    #[test]
    fn only_objects_read() {
        for wrong in ["[1]", "\"pod\"", "{\"metadata\":5}", "{\"a\":}", "{\"a\":1"] {
            assert!(serde_json::from_str::<RawObject>(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn fields_are_left_out_on_demand() {
        let object = read(
            r#"{"kind":"Pod","metadata":{"name":"a","managedFields":[{}],"uid":"u"},"status":{}}"#,
        );
        assert_eq!(
            object.text_without(&["status"], &["managedFields"]),
            r#"{"kind":"Pod","metadata":{"name":"a","uid":"u"}}"#
        );
        assert_eq!(object.text_without(&[], &[]), object.text());
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![Just("metadata".to_string()), ".{0,8}"]
    }

    /// `{"name": value, ...}`, spaced or compact.
    fn written(fields: &[(String, Value)], spaced: bool) -> String {
        let value = |v: &Value| {
            if spaced {
                serde_json::to_string_pretty(v)
            } else {
                serde_json::to_string(v)
            }
        };
        let pairs: Vec<String> = fields
            .iter()
            .map(|(name, v)| format!("{}:{}", json!(name), value(v).unwrap()))
            .collect();
        format!("{{{}}}", pairs.join(if spaced { " ,\n " } else { "," }))
    }

    proptest! {
        #[test]
        fn fields_are_located_where_the_text_holds_them(
            fields in prop::collection::vec((name(), json()), 0..6),
            spaced in any::<bool>(),
        ) {
            let text = written(&fields, spaced);
            let read = serde_json::from_str::<RawObject>(&text);
            if fields.iter().any(|(name, v)| name == "metadata" && !(v.is_object() || v.is_null())) {
                prop_assert!(read.is_err(), "metadata is an object or null");
                return Ok(());
            }
            let object = read.unwrap();
            let same: Value = serde_json::from_str(object.text()).unwrap();
            prop_assert_eq!(same, serde_json::from_str::<Value>(&text).unwrap());
            prop_assert_eq!(object.fields().len(), fields.len());
            for (field, (name, value)) in object.fields().zip(&fields) {
                prop_assert_eq!(&unescaped(field.name), name);
                prop_assert_eq!(&serde_json::from_str::<Value>(field.value).unwrap(), value);
                let split = name == "metadata" && value.is_object();
                prop_assert_eq!(field.fields.is_some(), split);
                if let (Some(nested), Some(map)) = (field.fields, value.as_object()) {
                    prop_assert_eq!(nested.len(), map.len());
                    for (field, (name, value)) in nested.zip(map) {
                        prop_assert_eq!(&unescaped(field.name), name);
                        prop_assert_eq!(&serde_json::from_str::<Value>(field.value).unwrap(), value);
                    }
                }
            }
            if !spaced {
                prop_assert_eq!(object.text(), text.as_str());
            }
        }
    }
}
