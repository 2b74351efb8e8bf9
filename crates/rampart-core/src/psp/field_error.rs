//! Field errors rendered exactly like Kubernetes' `field.Error`
//! (`k8s.io/apimachinery/pkg/util/validation/field`).

use std::fmt;

use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::field_path::FieldPath;

/// The kind of a field error, mirroring `field.ErrorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// `Invalid value`: the value is syntactically or semantically wrong.
    Invalid,
    /// `Required value`: a required value is missing.
    Required,
    /// `Forbidden`: the value is not allowed in this context.
    Forbidden,
    /// `Unsupported value`: the value is not one of a fixed set.
    NotSupported,
    /// `Duplicate value`: the value appears more than once in a set.
    Duplicate,
    /// `Too long`: the value exceeds a length limit.
    TooLong,
}

impl ErrorType {
    /// The human text the API server prints (`Invalid value`, `Required value`, ...).
    pub fn text(self) -> &'static str {
        match self {
            ErrorType::Invalid => "Invalid value",
            ErrorType::Required => "Required value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::TooLong => "Too long",
        }
    }

    /// The machine reason the API server puts in `status.details.causes[].reason`.
    pub fn reason(self) -> &'static str {
        match self {
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::TooLong => "FieldValueTooLong",
        }
    }

    /// Whether the rendered error shows the bad value.
    fn prints_value(self) -> bool {
        !matches!(
            self,
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong
        )
    }
}

impl Serialize for ErrorType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.reason())
    }
}

/// The offending value of a field error, keeping the Go type needed to render it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// No value (nil pointer or absent field); rendered `"null"`.
    Null,
    /// A string or string-typed enum; rendered Go-quoted.
    Str(String),
    /// An integer; rendered bare.
    Int(i64),
    /// A boolean; rendered bare.
    Bool(bool),
    /// A Go `[]int64` (`None` = nil slice).
    Int64List(Option<Vec<i64>>),
    /// A Go `[]core.Capability` (`None` = nil slice).
    CapabilityList(Option<Vec<String>>),
    /// A Go `[]string` (`None` = nil slice).
    StringList(Option<Vec<String>>),
    /// A Go `[]policy.IDRange` (`None` = nil slice).
    IdRangeList(Option<Vec<(i64, i64)>>),
}

impl BadValue {
    /// A string value.
    pub fn str(value: impl Into<String>) -> Self {
        BadValue::Str(value.into())
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Null => f.write_str("\"null\""),
            BadValue::Str(s) => f.write_str(&go_quote(s)),
            BadValue::Int(n) => write!(f, "{n}"),
            BadValue::Bool(b) => write!(f, "{b}"),
            BadValue::Int64List(list) => {
                write_go_slice(f, "[]int64", list.as_deref(), |n| n.to_string())
            }
            BadValue::CapabilityList(list) => {
                write_go_slice(f, "[]core.Capability", list.as_deref(), |s| go_quote(s))
            }
            BadValue::StringList(list) => {
                write_go_slice(f, "[]string", list.as_deref(), |s| go_quote(s))
            }
            BadValue::IdRangeList(list) => {
                write_go_slice(f, "[]policy.IDRange", list.as_deref(), |(min, max)| {
                    format!("policy.IDRange{{Min:{min}, Max:{max}}}")
                })
            }
        }
    }
}

/// Writes a slice the way Go's `%#v` does: `T{a, b}` or `T(nil)`.
fn write_go_slice<T>(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    items: Option<&[T]>,
    render: impl Fn(&T) -> String,
) -> fmt::Result {
    match items {
        None => write!(f, "{type_name}(nil)"),
        Some(items) => {
            let rendered: Vec<String> = items.iter().map(render).collect();
            write!(f, "{type_name}{{{}}}", rendered.join(", "))
        }
    }
}

impl Serialize for BadValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BadValue::Null => serializer.serialize_none(),
            BadValue::Str(s) => serializer.serialize_str(s),
            BadValue::Int(n) => serializer.serialize_i64(*n),
            BadValue::Bool(b) => serializer.serialize_bool(*b),
            BadValue::Int64List(list) => list.serialize(serializer),
            BadValue::CapabilityList(list) | BadValue::StringList(list) => {
                list.serialize(serializer)
            }
            BadValue::IdRangeList(None) => serializer.serialize_none(),
            BadValue::IdRangeList(Some(ranges)) => {
                let mut seq = serializer.serialize_seq(Some(ranges.len()))?;
                for (min, max) in ranges {
                    seq.serialize_element(&serde_json::json!({"min": min, "max": max}))?;
                }
                seq.end()
            }
        }
    }
}

/// One field error: where, what kind, the offending value and a human detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the offending field, as the API server reports it.
    pub field: FieldPath,
    /// Kind of error.
    #[serde(rename = "type")]
    pub error_type: ErrorType,
    /// Offending value (ignored in the rendering of types that do not print values).
    pub value: BadValue,
    /// Human explanation; may be empty.
    pub detail: String,
}

impl FieldError {
    /// An `Invalid value` error.
    pub fn invalid(field: FieldPath, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Invalid, field, value, detail)
    }

    /// A `Required value` error.
    pub fn required(field: FieldPath, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, field, BadValue::str(""), detail)
    }

    /// A `Forbidden` error.
    pub fn forbidden(field: FieldPath, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, field, BadValue::str(""), detail)
    }

    /// An `Unsupported value` error listing the supported values (Go-quoted, `, `-joined).
    pub fn not_supported(field: FieldPath, value: BadValue, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(ErrorType::NotSupported, field, value, detail)
    }

    /// A `Duplicate value` error.
    pub fn duplicate(field: FieldPath, value: BadValue) -> Self {
        Self::new(ErrorType::Duplicate, field, value, "")
    }

    /// A `Too long` error for a value limited to `max_len` bytes.
    pub fn too_long(field: FieldPath, value: BadValue, max_len: usize) -> Self {
        let detail = format!("must have at most {max_len} bytes");
        Self::new(ErrorType::TooLong, field, value, detail)
    }

    fn new(
        error_type: ErrorType,
        field: FieldPath,
        value: BadValue,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            field,
            error_type,
            value,
            detail: detail.into(),
        }
    }

    /// The error without its path, like Go's `ErrorBody()`.
    pub fn body(&self) -> String {
        let mut body = self.error_type.text().to_string();
        if self.error_type.prints_value() {
            body.push_str(&format!(": {}", self.value));
        }
        if !self.detail.is_empty() {
            body.push_str(&format!(": {}", self.detail));
        }
        body
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// Renders a list of errors like Go's `fmt.Sprintf("%v", errs)`: `[e1 e2]`.
pub(crate) fn render_error_list<'a>(errors: impl IntoIterator<Item = &'a FieldError>) -> String {
    let rendered: Vec<String> = errors.into_iter().map(ToString::to_string).collect();
    format!("[{}]", rendered.join(" "))
}

/// Quotes a string like Go's `strconv.Quote` / `%q`.
pub use crate::go::quote as go_quote;

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &'static str) -> FieldPath {
        FieldPath::fields(&[s])
    }

    #[test]
    fn string_values_are_quoted_as_go_quotes_them() {
        let error = FieldError::invalid(path("a"), BadValue::str("x\u{a0}\u{feff}"), "no");
        assert_eq!(
            error.to_string(),
            "a: Invalid value: \"x\\u00a0\\ufeff\": no"
        );
    }

    #[test]
    fn renders_each_error_type() {
        let cases = [
            (
                FieldError::invalid(path("a"), BadValue::Bool(true), "nope"),
                "a: Invalid value: true: nope",
            ),
            (
                FieldError::invalid(path("a"), BadValue::Null, "x"),
                "a: Invalid value: \"null\": x",
            ),
            (FieldError::required(path("a"), ""), "a: Required value"),
            (
                FieldError::required(path("a"), "must be true"),
                "a: Required value: must be true",
            ),
            (FieldError::forbidden(path("a"), "no"), "a: Forbidden: no"),
            (
                FieldError::not_supported(path("a"), BadValue::str("x"), &["A", "B"]),
                "a: Unsupported value: \"x\": supported values: \"A\", \"B\"",
            ),
            (
                FieldError::duplicate(path("a"), BadValue::str("x")),
                "a: Duplicate value: \"x\"",
            ),
            (
                FieldError::too_long(path("a"), BadValue::str("x"), 63),
                "a: Too long: must have at most 63 bytes",
            ),
            (
                FieldError::invalid(path("a"), BadValue::str("v"), ""),
                "a: Invalid value: \"v\"",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }

    #[test]
    fn renders_go_values() {
        let cases = [
            (BadValue::Int(80), "80"),
            (BadValue::Int64List(None), "[]int64(nil)"),
            (BadValue::Int64List(Some(vec![])), "[]int64{}"),
            (
                BadValue::Int64List(Some(vec![5, 10, 2020])),
                "[]int64{5, 10, 2020}",
            ),
            (
                BadValue::CapabilityList(Some(vec!["NET_RAW".into()])),
                "[]core.Capability{\"NET_RAW\"}",
            ),
            (BadValue::CapabilityList(None), "[]core.Capability(nil)"),
            (
                BadValue::StringList(Some(vec!["*".into(), "a".into()])),
                "[]string{\"*\", \"a\"}",
            ),
            (
                BadValue::IdRangeList(Some(vec![(1, 2)])),
                "[]policy.IDRange{policy.IDRange{Min:1, Max:2}}",
            ),
            (BadValue::str("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\""),
        ];
        for (value, expected) in cases {
            assert_eq!(value.to_string(), expected);
        }
    }

    #[test]
    fn renders_lists_with_single_spaces() {
        let errors = [
            FieldError::forbidden(path("a"), "x"),
            FieldError::forbidden(path("b"), "y"),
        ];
        assert_eq!(
            render_error_list(&errors),
            "[a: Forbidden: x b: Forbidden: y]"
        );
        assert_eq!(render_error_list(&[]), "[]");
    }
}
