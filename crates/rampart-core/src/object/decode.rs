//! A `serde::Deserializer` over a JSON tree that reads k8s-openapi types the way the API
//! server's decoder reads an object:
//!
//! * `null` is a field's zero value (Go's `encoding/json` leaves the field as it was), so
//!   `args: [null]` or `labels: {a: null}` are accepted as the API server accepts them;
//! * an integer must be written as one and fit its Go type (`int32`, `int64`);
//! * a mismatch names the Kubernetes (OpenAPI) type, not the Rust one: `invalid type:
//!   expected integer, got string "three"`, at the offending field's path.
//!
//! The path of an error is collected as the error travels back up, so decoding that
//! succeeds pays nothing for it. In [`Mode::Check`] free-form JSON (`managedFields`'
//! `fieldsV1`, `RawExtension`, a CRD's `JSON`) is not copied: only the types matter.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Map, Number, Value};

use crate::field_path::{FieldPath, Segment};

/// What the decoded value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The value is used: every field is decoded faithfully.
    Decode,
    /// Only the types are checked and the value is dropped: free-form JSON is not copied.
    Check,
}

/// Kinds of k8s-openapi newtypes whose content is any JSON.
const FREE_FORM: &[&str] = &["FieldsV1", "RawExtension", "JSON"];

/// `null`, standing in for free-form JSON that [`Mode::Check`] does not copy.
static NULL: Value = Value::Null;

/// A decoding problem: the message and the path from the decoded value's root.
#[derive(Debug)]
pub(crate) struct DecodeError {
    /// Segments from the offending field outwards (reversed).
    reversed: Vec<Segment>,
    message: String,
}

impl DecodeError {
    fn new(message: String) -> Self {
        Self {
            reversed: Vec::new(),
            message,
        }
    }

    /// This error, one level further out: it happened inside `segment`.
    fn within(mut self, segment: Segment) -> Self {
        self.reversed.push(segment);
        self
    }

    /// The offending field's path below `base`.
    pub(crate) fn path(&self, base: &FieldPath) -> FieldPath {
        self.reversed
            .iter()
            .rev()
            .fold(base.clone(), |path, segment| match segment {
                Segment::Field(name) => path.child_owned(name.as_ref()),
                Segment::Key(key) => path.key(key.clone()),
                Segment::Index(index) => path.index(*index),
            })
    }

    /// What is wrong, in Kubernetes' words.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    fn expected(kubernetes_type: &str, got: &Value) -> Self {
        Self::new(format!(
            "invalid type: expected {kubernetes_type}, got {}",
            describe(got)
        ))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(go_words(message.to_string()))
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::new(format!(
            "invalid type: expected {}, got {}",
            kubernetes_name(expected),
            unexpected_text(&unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::new(format!(
            "invalid value: expected {}, got {}",
            kubernetes_name(expected),
            unexpected_text(&unexpected)
        ))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(format!("missing required field \"{field}\""))
    }
}

/// A message of a crate k8s-openapi decodes with, in the words of the API server's
/// decoder where they differ (base64 data of a Secret or ConfigMap).
fn go_words(message: String) -> String {
    let offset = message
        .strip_prefix("Invalid symbol ")
        .or_else(|| message.strip_prefix("Invalid last symbol "))
        .and_then(|rest| rest.split_once(", offset "))
        .and_then(|(_, offset)| offset.trim_end_matches('.').parse::<usize>().ok());
    if let Some(offset) = offset {
        return format!("illegal base64 data at input byte {offset}");
    }
    if matches!(
        message.as_str(),
        "Invalid input length." | "Invalid padding"
    ) {
        return "illegal base64 data: wrong length or padding".to_owned();
    }
    message
}

/// The Kubernetes name of what a k8s-openapi visitor expects (`IntOrString` is "integer
/// or string"); other descriptions lose their article ("a 32-bit integer").
fn kubernetes_name(expected: &dyn Expected) -> String {
    let text = expected.to_string();
    let name = match text.as_str() {
        "IntOrString" => "integer or string",
        "Quantity" => "quantity (a string such as 500m, or a number)",
        "Time" | "MicroTime" => "date-time string (RFC 3339)",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "integer",
        "f32" | "f64" => "number",
        "a boolean" => "boolean",
        "a string" | "a borrowed string" => "string",
        "a sequence" => "array",
        "a map" => "object",
        other => {
            return other
                .strip_prefix("a ")
                .or_else(|| other.strip_prefix("an "))
                .unwrap_or(other)
                .to_owned();
        }
    };
    name.to_owned()
}

fn unexpected_text(unexpected: &Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Bool(b) => format!("boolean {b}"),
        Unexpected::Unsigned(n) => format!("integer {n}"),
        Unexpected::Signed(n) => format!("integer {n}"),
        Unexpected::Float(n) => format!("number {n}"),
        Unexpected::Str(s) => format!("string {}", quoted(s)),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Seq => "array".to_owned(),
        Unexpected::Map => "object".to_owned(),
        other => other.to_string(),
    }
}

/// How an error message shows a value that has the wrong type.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(n) => format!("integer {n}"),
        Value::String(s) => format!("string {}", quoted(s)),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

/// A string for a message: quoted, and cut after 40 characters.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Decodes `value` as `T` in `mode`.
pub(crate) fn decode<'de, T: de::Deserialize<'de>>(
    value: &'de Value,
    mode: Mode,
) -> Result<T, DecodeError> {
    T::deserialize(Decoder {
        value,
        mode,
        type_meta: true,
    })
}

/// Decodes the object `value` as `T` in `mode`, leaving out its `apiVersion` and `kind`,
/// which are the caller's to check: a kind served under several versions is read with
/// the type of one of them.
pub(crate) fn decode_object<'de, T: de::Deserialize<'de>>(
    value: &'de Value,
    mode: Mode,
) -> Result<T, DecodeError> {
    T::deserialize(Decoder {
        value,
        mode,
        type_meta: false,
    })
}

/// The deserializer over one JSON value.
#[derive(Clone, Copy)]
struct Decoder<'de> {
    value: &'de Value,
    mode: Mode,
    /// Whether a mapping's `apiVersion` and `kind` are passed on (false only at the root
    /// of [`decode_object`]).
    type_meta: bool,
}

impl<'de> Decoder<'de> {
    fn at(self, value: &'de Value) -> Self {
        Self {
            value,
            mode: self.mode,
            type_meta: true,
        }
    }

    fn seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.iter(),
                index: 0,
                decoder: self,
            }),
            Value::Null => visitor.visit_seq(Items {
                items: [].iter(),
                index: 0,
                decoder: self,
            }),
            other => Err(DecodeError::expected("array", other)),
        }
    }

    fn map<V: Visitor<'de>>(self, visitor: V, keys: KeyKind) -> Result<V::Value, DecodeError> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        let map = match self.value {
            Value::Object(map) => map,
            Value::Null => &EMPTY,
            other => return Err(DecodeError::expected("object", other)),
        };
        visitor.visit_map(Entries {
            entries: map.iter(),
            value: None,
            decoder: self,
            keys,
        })
    }
}

/// Decodes an integer of a Go type that `as_type` converts to.
macro_rules! integer {
    ($method:ident, $visit:ident, $ty:ty, $go:literal) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
            match self.value {
                Value::Null => visitor.$visit(0),
                Value::Number(n) => match integer_of::<$ty>(n) {
                    Some(v) => visitor.$visit(v),
                    None if n.is_f64() => Err(DecodeError::expected("integer", self.value)),
                    None => Err(DecodeError::new(format!(
                        "invalid value: expected integer ({}), got {n}, which is out of range",
                        $go
                    ))),
                },
                other => Err(DecodeError::expected("integer", other)),
            }
        }
    };
}

/// The number as an integer of type `T`, if it is an integer in `T`'s range.
fn integer_of<T: TryFrom<i64> + TryFrom<u64>>(n: &Number) -> Option<T> {
    if let Some(v) = n.as_i64() {
        T::try_from(v).ok()
    } else {
        n.as_u64().and_then(|v| T::try_from(v).ok())
    }
}

impl<'de> Deserializer<'de> for Decoder<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(v) = n.as_u64() {
                    visitor.visit_u64(v)
                } else if let Some(v) = n.as_i64() {
                    visitor.visit_i64(v)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or_default())
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(_) => self.seq(visitor),
            Value::Object(_) => self.map(visitor, KeyKind::Key),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Null => visitor.visit_bool(false),
            other => Err(DecodeError::expected("boolean", other)),
        }
    }

    integer!(deserialize_i8, visit_i8, i8, "int8");
    integer!(deserialize_i16, visit_i16, i16, "int16");
    integer!(deserialize_i32, visit_i32, i32, "int32");
    integer!(deserialize_i64, visit_i64, i64, "int64");
    integer!(deserialize_u8, visit_u8, u8, "uint8");
    integer!(deserialize_u16, visit_u16, u16, "uint16");
    integer!(deserialize_u32, visit_u32, u32, "uint32");
    integer!(deserialize_u64, visit_u64, u64, "uint64");

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Number(n) => visitor.visit_f64(n.as_f64().unwrap_or_default()),
            Value::Null => visitor.visit_f64(0.0),
            other => Err(DecodeError::expected("number", other)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Null => visitor.visit_borrowed_str(""),
            other => Err(DecodeError::expected("string", other)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            other => Err(DecodeError::expected("null", other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        if self.mode == Mode::Check && FREE_FORM.contains(&name) {
            return visitor.visit_newtype_struct(self.at(&NULL));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.map(visitor, KeyKind::Key)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let keys = if self.type_meta {
            KeyKind::Field
        } else {
            KeyKind::FieldWithoutTypeMeta
        };
        self.map(visitor, keys)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::String(variant) => visitor.visit_enum(variant.as_str().into_deserializer()),
            other => Err(DecodeError::expected("string", other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        // Unknown fields are not looked at (the `ignored-field` rule reports them).
        visitor.visit_unit()
    }
}

/// How the keys of a mapping appear in paths: struct fields (`.name`) or map keys
/// (`[key]`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Field,
    /// Struct fields, with `apiVersion` and `kind` left out.
    FieldWithoutTypeMeta,
    Key,
}

struct Entries<'de> {
    entries: serde_json::map::Iter<'de>,
    value: Option<(&'de str, &'de Value)>,
    decoder: Decoder<'de>,
    keys: KeyKind,
}

impl Entries<'_> {
    /// The path segment of the entry `key`.
    fn segment(&self, key: &str) -> Segment {
        match self.keys {
            KeyKind::Key => Segment::Key(key.to_owned()),
            KeyKind::Field | KeyKind::FieldWithoutTypeMeta => Segment::Field(key.to_owned().into()),
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        loop {
            let Some((key, value)) = self.entries.next() else {
                return Ok(None);
            };
            if self.keys == KeyKind::FieldWithoutTypeMeta
                && matches!(key.as_str(), "apiVersion" | "kind")
            {
                continue;
            }
            self.value = Some((key, value));
            let name: de::value::BorrowedStrDeserializer<'de, DecodeError> =
                de::value::BorrowedStrDeserializer::new(key);
            // A key the type refuses (an unknown field) is an error at that key.
            return seed
                .deserialize(name)
                .map(Some)
                .map_err(|error| error.within(self.segment(key)));
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| DecodeError::new("a value was asked for before its key".to_owned()))?;
        seed.deserialize(self.decoder.at(value))
            .map_err(|error| error.within(self.segment(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Items<'de> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
    decoder: Decoder<'de>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(self.decoder.at(item))
            .map(Some)
            .map_err(|error| error.within(Segment::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Container, PodSpec};
    use serde_json::json;

    use super::*;

    fn error_of<T: de::DeserializeOwned>(value: &Value) -> (String, String) {
        let error = decode::<T>(value, Mode::Decode)
            .err()
            .expect("a type error");
        (
            error.path(&FieldPath::root()).to_string(),
            error.message().to_owned(),
        )
    }

    #[test]
    fn type_errors_name_the_kubernetes_type_at_the_field() {
        let deployment = json!({"spec": {"replicas": "three"}});
        assert_eq!(
            error_of::<Deployment>(&deployment),
            (
                "spec.replicas".to_owned(),
                "invalid type: expected integer, got string \"three\"".to_owned()
            )
        );
        let spec =
            json!({"containers": [{"name": "a", "securityContext": {"privileged": "yes please"}}]});
        assert_eq!(
            error_of::<PodSpec>(&spec),
            (
                "containers[0].securityContext.privileged".to_owned(),
                "invalid type: expected boolean, got string \"yes please\"".to_owned()
            )
        );
        let labels = json!({"metadata": {"labels": {"version": 1.5}}});
        assert_eq!(
            error_of::<Deployment>(&labels),
            (
                "metadata.labels[version]".to_owned(),
                "invalid type: expected string, got number 1.5".to_owned()
            )
        );
        let port = json!({"name": "a", "ports": [{"containerPort": 80.5}]});
        assert_eq!(
            error_of::<Container>(&port).1,
            "invalid type: expected integer, got number 80.5"
        );
        let big = json!({"spec": {"replicas": 4_000_000_000u64}});
        assert_eq!(
            error_of::<Deployment>(&big).1,
            "invalid value: expected integer (int32), got 4000000000, which is out of range"
        );
        let int_or_string = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": true}}}});
        assert_eq!(
            error_of::<Deployment>(&int_or_string),
            (
                "spec.strategy.rollingUpdate.maxSurge".to_owned(),
                "invalid type: expected integer or string, got boolean true".to_owned()
            )
        );
        let list = json!({"containers": {"name": "a"}});
        assert_eq!(
            error_of::<PodSpec>(&list),
            (
                "containers".to_owned(),
                "invalid type: expected array, got object".to_owned()
            )
        );
    }

    #[test]
    fn bad_base64_is_named_as_the_api_server_names_it() {
        let secret = json!({"data": {"key": "bm90.YmFzZTY0"}});
        assert_eq!(
            error_of::<k8s_openapi::api::core::v1::Secret>(&secret),
            (
                "data[key]".to_owned(),
                "illegal base64 data at input byte 4".to_owned()
            )
        );
    }

    #[test]
    fn null_is_the_zero_value_as_in_the_api_server() {
        let spec = json!({"containers": [{"name": "a", "args": [null], "ports": null,
            "env": [{"name": "X", "value": null}]}], "hostPID": null});
        let decoded: PodSpec = decode(&spec, Mode::Decode).expect("decodes");
        assert_eq!(decoded.containers[0].args, Some(vec![String::new()]));
        assert_eq!(decoded.host_pid, None);
    }

    #[test]
    fn quantities_take_numbers_and_strings() {
        let spec = json!({"containers": [{"name": "a", "resources": {"limits": {"cpu": 0.5, "memory": "1Gi"}}}]});
        let decoded: PodSpec = decode(&spec, Mode::Decode).expect("decodes");
        let limits = decoded.containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .expect("limits");
        assert_eq!(limits["cpu"].0, "0.5");
    }

    #[test]
    fn the_type_meta_of_an_object_is_left_to_the_caller() {
        let old = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment",
            "spec": {"replicas": 2}});
        assert!(decode::<Deployment>(&old, Mode::Check).is_err());
        let read: Deployment = decode_object(&old, Mode::Check).expect("read as apps/v1");
        assert_eq!(read.spec.replicas, Some(2));
    }

    #[test]
    fn check_mode_does_not_copy_free_form_json() {
        let pod = json!({"metadata": {"managedFields": [{"fieldsV1": {"f:spec": {}}}]}});
        let checked: k8s_openapi::api::core::v1::Pod = decode(&pod, Mode::Check).expect("checks");
        let fields = checked.metadata.managed_fields.expect("kept")[0]
            .fields_v1
            .clone()
            .expect("present");
        assert_eq!(fields.0, Value::Null);
        let decoded: k8s_openapi::api::core::v1::Pod = decode(&pod, Mode::Decode).expect("decodes");
        let fields = decoded.metadata.managed_fields.expect("kept")[0]
            .fields_v1
            .clone()
            .expect("present");
        assert_eq!(fields.0, json!({"f:spec": {}}));
    }

    /// JSON trees shaped like pods: the field names of a pod spec, values of any type.
    fn pod_like() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let names = prop::sample::select(vec![
            "containers",
            "name",
            "image",
            "securityContext",
            "privileged",
            "runAsUser",
            "ports",
            "containerPort",
            "hostPort",
            "resources",
            "limits",
            "cpu",
            "env",
            "value",
            "volumes",
            "hostPath",
            "path",
            "capabilities",
            "add",
            "hostPID",
            "labels",
            "args",
            "x",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e3f64..1e3).prop_map(Value::from),
            "[a-z0-9]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((names.clone(), inner), 0..6).prop_map(|entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    proptest::proptest! {
        /// Wherever decoding fails, the path it names is a field of the input: the
        /// report can always point at it.
        #[test]
        fn a_type_error_names_a_field_that_is_there(value in pod_like()) {
            if let Err(error) = decode::<PodSpec>(&value, Mode::Decode) {
                let path = error.path(&FieldPath::root());
                proptest::prop_assert!(
                    crate::object::typed::value_at(&value, &path).is_some(),
                    "{path} ({}) not in {value}", error.message()
                );
            }
        }

        /// The API server's reading accepts everything serde_json's strict one does, and
        /// reads it the same.
        #[test]
        fn what_serde_json_reads_is_read_the_same(value in pod_like()) {
            if let Ok(strict) = serde_json::from_value::<PodSpec>(value.clone()) {
                proptest::prop_assert_eq!(decode::<PodSpec>(&value, Mode::Decode).ok(), Some(strict));
            }
        }
    }
}
