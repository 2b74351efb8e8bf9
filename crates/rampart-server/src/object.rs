//! The `object` and `oldObject` of a review, read in the pass that reads the review: the
//! object's text and where each of its fields, and each of `metadata`'s fields, lies in
//! it. The replica cache keys on those fields and a pod is decoded without the fields no
//! check reads, neither reading the object again.
//!
//! The text is the object written back from its fields as read: names escaped as
//! serde_json escapes them, values as sent. For compact JSON with names so escaped, which
//! is what the API server sends, that is the text sent byte for byte; for any JSON, the
//! same value. Positions in decode errors count in this text. The object must be a JSON
//! object; a `metadata` that is not one is written back as read, without its fields
//! located.
//!
//! Spans take 28 bytes per field located, so a pathological object of empty fields
//! (`"":0,`, 5 bytes each) holds up to about seven times its size, text included, while
//! its review is decided (the API server sends at most 3 MiB).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, de};
use serde_json::value::RawValue;

/// The field whose own fields are located too.
const SPLIT_FIELD: &str = "metadata";
/// Bytes reserved for an object's text at first (a pod is a few KiB).
const INITIAL_CAPACITY: usize = 4096;

/// A JSON object of a review, with its fields located (see the module's docs). It reads
/// from serde_json's borrowing deserializers (`from_slice`, `from_str`), whose values it
/// takes as text.
#[derive(Clone)]
pub struct RawObject {
    text: String,
    /// The object's fields, in order, duplicates kept.
    fields: Vec<Span>,
    /// The fields of every `metadata` that is an object, each run named by its [`Span`].
    metadata_fields: Vec<Span>,
}

/// Where a field lies in the text (byte offsets).
#[derive(Debug, Clone)]
struct Span {
    /// The name, without its quotes.
    name: Range<u32>,
    value: Range<u32>,
    /// For `metadata` given as an object: its fields, as indices into `metadata_fields`.
    metadata: Option<Range<u32>>,
}

/// The `usize` range of a span's `u32` one.
fn range(span: &Range<u32>) -> Range<usize> {
    span.start as usize..span.end as usize
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

    /// The object's text without the fields named in `left_out`, nor those named in
    /// `left_out_of_metadata` among `metadata`'s fields.
    pub fn text_without(&self, left_out: &[&str], left_out_of_metadata: &[&str]) -> String {
        let mut text = String::with_capacity(self.text.len());
        write_without(&mut text, self.fields(), left_out, left_out_of_metadata);
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
            name: &text[range(&span.name)],
            value: &text[range(&span.value)],
            fields: span.metadata.as_ref().map(|fields| Fields {
                object: self.object,
                spans: self.object.metadata_fields[range(fields)].iter(),
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
    metadata_fields: Vec<Span>,
}

impl Writer {
    /// Reads one object's fields from `map` into the text, `metadata`'s located when
    /// `top_level`; returns their spans.
    fn object<'de, A: MapAccess<'de>>(
        &mut self,
        mut map: A,
        top_level: bool,
    ) -> Result<Vec<Span>, A::Error> {
        let mut spans = Vec::with_capacity(map.size_hint().unwrap_or(8));
        self.text.push('{');
        while let Some(Name(name)) = map.next_key()? {
            if !spans.is_empty() {
                self.text.push(',');
            }
            let name = self.name(&name)?;
            let start = self.offset()?;
            let metadata = if top_level && self.text[range(&name)] == *SPLIT_FIELD {
                map.next_value_seed(MetadataSeed(self))?
            } else {
                let value: &RawValue = map.next_value()?;
                self.text.push_str(value.get());
                None
            };
            spans.push(Span {
                name,
                value: start..self.offset()?,
                metadata,
            });
        }
        self.text.push('}');
        Ok(spans)
    }

    /// Writes `"name":` and returns where the name lies.
    fn name<E: de::Error>(&mut self, name: &str) -> Result<Range<u32>, E> {
        self.text.push('"');
        let start = self.offset()?;
        if name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            let quoted = serde_json::to_string(name).map_err(E::custom)?;
            self.text.push_str(&quoted[1..quoted.len() - 1]);
        } else {
            self.text.push_str(name);
        }
        let end = self.offset()?;
        self.text.push_str("\":");
        Ok(start..end)
    }

    /// Writes `value` as serde_json writes it.
    fn value<E: de::Error>(&mut self, value: &impl Serialize) -> Result<(), E> {
        let text = serde_json::to_string(value).map_err(E::custom)?;
        self.text.push_str(&text);
        Ok(())
    }

    /// Where the text ends.
    fn offset<E: de::Error>(&self) -> Result<u32, E> {
        u32::try_from(self.text.len()).map_err(|_| E::custom("object larger than 4 GiB"))
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

/// Reads `metadata`: its fields located when it is an object, else written back as read
/// (a decode then says what is wrong with it).
struct MetadataSeed<'w>(&'w mut Writer);

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    /// The indices of its fields in `metadata_fields`, when located.
    type Value = Option<Range<u32>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = Option<Range<u32>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let spans = self.0.object(map, false)?;
        let start = self.0.metadata_fields.len();
        self.0.metadata_fields.extend(spans);
        let end = self.0.metadata_fields.len();
        let index = |i: usize| u32::try_from(i).map_err(|_| de::Error::custom("too many fields"));
        Ok(Some(index(start)?..index(end)?))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.text.push_str("null");
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        self.0.value(&value).map(|()| None)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.0.value(&value).map(|()| None)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        self.0.value(&value).map(|()| None)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        self.0.value(&value).map(|()| None)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        self.0.value(&value).map(|()| None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.0.text.push('[');
        let mut first = true;
        while let Some(element) = seq.next_element::<&RawValue>()? {
            if !std::mem::take(&mut first) {
                self.0.text.push(',');
            }
            self.0.text.push_str(element.get());
        }
        self.0.text.push(']');
        Ok(None)
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
                    metadata_fields: Vec::new(),
                };
                let fields = writer.object(map, true)?;
                Ok(RawObject {
                    text: writer.text,
                    fields,
                    metadata_fields: writer.metadata_fields,
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
        for wrong in [
            "[1]",
            "\"pod\"",
            "5",
            "{\"a\":}",
            "{\"a\":1",
            "{\"\\ud800\":1}",
        ] {
            assert!(serde_json::from_str::<RawObject>(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn metadata_that_is_not_an_object_is_written_back_as_read() {
        for metadata in [
            "5",
            "-3",
            "1.5",
            "true",
            "\"a\\\"b\"",
            "[1, \"x\", {\"k\": []}]",
            "[]",
        ] {
            let object = read(&format!("{{\"metadata\": {metadata}}}"));
            let field = object.fields().next().unwrap();
            assert!(field.fields.is_none(), "{metadata}");
            let written: Value = serde_json::from_str(field.value).unwrap();
            assert_eq!(written, serde_json::from_str::<Value>(metadata).unwrap());
        }
    }

    #[test]
    fn a_span_takes_28_bytes() {
        assert_eq!(std::mem::size_of::<Span>(), 28);
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

    /// `"name"` with every UTF-16 unit written as a `\uXXXX` escape.
    fn fully_escaped(name: &str) -> String {
        let units: String = name.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
        format!("\"{units}\"")
    }

    /// `{"name": value, ...}`, spaced or compact, names escaped or as serde_json writes
    /// them.
    fn written(fields: &[(String, Value)], spaced: bool, escaped: bool) -> String {
        let value = |v: &Value| {
            if spaced {
                serde_json::to_string_pretty(v)
            } else {
                serde_json::to_string(v)
            }
        };
        let pairs: Vec<String> = fields
            .iter()
            .map(|(name, v)| {
                let name = if escaped {
                    fully_escaped(name)
                } else {
                    json!(name).to_string()
                };
                format!("{name}:{}", value(v).unwrap())
            })
            .collect();
        format!("{{{}}}", pairs.join(if spaced { " ,\n " } else { "," }))
    }

    proptest! {
        #[test]
        fn fields_are_located_where_the_text_holds_them(
            fields in prop::collection::vec((name(), json()), 0..6),
            spaced in any::<bool>(),
            escaped in any::<bool>(),
        ) {
            let text = written(&fields, spaced, escaped);
            let object = read(&text);
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
            if !spaced && !escaped {
                prop_assert_eq!(object.text(), text.as_str());
            }
            if let Some((left_out, _)) = fields.first() {
                // The name as the text writes it: serde_json's escapes, without quotes.
                let quoted = json!(left_out).to_string();
                let written_name = &quoted[1..quoted.len() - 1];
                let without = read(&object.text_without(&[written_name], &[]));
                let kept = fields.iter().filter(|(name, _)| name != left_out);
                prop_assert_eq!(without.fields().len(), kept.clone().count());
                for (field, (name, value)) in without.fields().zip(kept) {
                    prop_assert_eq!(&unescaped(field.name), name);
                    prop_assert_eq!(&serde_json::from_str::<Value>(field.value).unwrap(), value);
                }
            }
        }
    }
}
