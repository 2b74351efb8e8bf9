//! New text for values, in the conventions of the document it goes into: YAML block or
//! flow style, or JSON; the document's indentation and line ends; quoting that reads
//! back as the same value (YAML 1.1 booleans and octal numbers included, as `kubectl`
//! reads them).

use serde_json::Value;

/// How a document writes its text, read from the document itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// The line end: `"\n"` or `"\r\n"`.
    pub eol: &'static str,
    /// Spaces from a key to the keys of the mapping under it.
    pub unit: usize,
    /// Spaces from a key to the dashes of the block sequence under it (0: `key:\n- a`).
    pub seq_indent: usize,
    /// The document is JSON: new keys and strings are double-quoted, collections flow.
    pub json: bool,
}

/// How a scalar is quoted in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quote {
    /// `value`
    Plain,
    /// `"value"`
    Double,
    /// `'value'`
    Single,
}

impl Quote {
    /// The quoting of a scalar token.
    pub fn of(token: &str) -> Self {
        match token.as_bytes().first() {
            Some(b'"') => Self::Double,
            Some(b'\'') => Self::Single,
            _ => Self::Plain,
        }
    }
}

/// Words YAML 1.1 (and so `kubectl`) reads as booleans or null when plain.
const RESERVED: &[&str] = &[
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
];

/// Whether `text` may be written as a plain scalar and read back as the same string, in
/// block context or, with `flow`, inside `[...]` or `{...}`. Conservative: a letter or
/// `/` first, then letters, digits and `-._/:=+~` only, never a reserved word, never a
/// `:` at the end (nor at all in flow context).
pub(crate) fn plain_safe(text: &str, flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/:=+~".contains(c))
        && !text.ends_with(':')
        && !(flow && text.contains(':'))
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(text))
}

/// A double-quoted string (JSON's escapes are YAML's too).
fn double_quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// A string in the given quoting, falling back to double quotes where the quoting
/// cannot hold it (a plain scalar that would read differently, a line break in single
/// quotes).
pub(crate) fn string(text: &str, quote: Quote, flow: bool) -> String {
    match quote {
        Quote::Plain if plain_safe(text, flow) => text.to_owned(),
        Quote::Single if !text.contains(['\n', '\r']) => format!("'{}'", text.replace('\'', "''")),
        _ => double_quoted(text),
    }
}

/// A scalar value (strings in `quote`, or double-quoted in JSON); a collection in flow
/// style.
pub(crate) fn scalar(value: &Value, quote: Quote, style: &Style, flow_context: bool) -> String {
    match value {
        Value::String(text) if style.json => double_quoted(text),
        Value::String(text) => string(text, quote, flow_context),
        Value::Array(_) | Value::Object(_) => flow(value, style.json),
        other => other.to_string(),
    }
}

/// A mapping key: plain when it can be, else double-quoted (always quoted in JSON).
pub(crate) fn key(name: &str, json: bool, quoted: bool) -> String {
    if json || quoted || !plain_safe(name, true) {
        double_quoted(name)
    } else {
        name.to_owned()
    }
}

/// A value in flow style on one line: `{a: b, c: [d]}`, or compact JSON with spaces after
/// `:` and `,`.
pub(crate) fn flow(value: &Value, json: bool) -> String {
    flow_with(value, json, false)
}

/// [`flow`], `compact` without the spaces after `,` (and after `:` in JSON).
pub(crate) fn flow_with(value: &Value, json: bool, compact: bool) -> String {
    let mut out = String::new();
    write_flow(&mut out, value, json, compact);
    out
}

fn write_flow(out: &mut String, value: &Value, json: bool, compact: bool) {
    let comma = if compact { "," } else { ", " };
    let colon = if compact && json { ":" } else { ": " };
    match value {
        Value::Object(entries) => {
            out.push('{');
            for (i, (name, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                out.push_str(&key(name, json, false));
                out.push_str(colon);
                write_flow(out, item, json, compact);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write_flow(out, item, json, compact);
            }
            out.push(']');
        }
        Value::String(text) if json => out.push_str(&double_quoted(text)),
        Value::String(text) => out.push_str(&string(text, Quote::Plain, true)),
        other => out.push_str(&other.to_string()),
    }
}

fn pad(out: &mut String, spaces: usize) {
    out.extend(std::iter::repeat_n(' ', spaces));
}

/// `key: value` as block YAML at `indent` spaces, ending with a line end; mappings and
/// sequences under it in block style at the document's indentation.
pub(crate) fn block_entry(
    out: &mut String,
    name: &str,
    value: &Value,
    indent: usize,
    style: &Style,
) {
    pad(out, indent);
    entry_rest(out, name, value, indent, style);
}

/// A block entry without its leading indentation (the first entry of a sequence item,
/// written after its dash).
fn entry_rest(out: &mut String, name: &str, value: &Value, indent: usize, style: &Style) {
    out.push_str(&key(name, false, false));
    out.push(':');
    match value {
        Value::Object(entries) if !entries.is_empty() => {
            out.push_str(style.eol);
            for (child, item) in entries {
                block_entry(out, child, item, indent + style.unit, style);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(style.eol);
            for item in items {
                block_item(out, item, indent + style.seq_indent, style);
            }
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, Quote::Plain, style, false));
            out.push_str(style.eol);
        }
    }
}

/// `- value` as a block sequence item with its dash at `indent` spaces, ending with a
/// line end; a mapping item's first entry on the dash's line.
pub(crate) fn block_item(out: &mut String, value: &Value, indent: usize, style: &Style) {
    pad(out, indent);
    out.push_str("- ");
    match value {
        Value::Object(entries) if !entries.is_empty() => {
            for (i, (name, item)) in entries.iter().enumerate() {
                if i > 0 {
                    pad(out, indent + 2);
                }
                entry_rest(out, name, item, indent + 2, style);
            }
        }
        other => {
            out.push_str(&scalar(other, Quote::Plain, style, false));
            out.push_str(style.eol);
        }
    }
}

/// A value as pretty JSON whose nested lines start with `indent` then one `unit` per
/// level (the first line is not indented: it follows a key or a comma).
pub(crate) fn json_pretty(out: &mut String, value: &Value, indent: &str, unit: &str, eol: &str) {
    let inner = format!("{indent}{unit}");
    match value {
        Value::Object(entries) if !entries.is_empty() => {
            out.push('{');
            for (i, (name, item)) in entries.iter().enumerate() {
                out.push_str(if i > 0 { "," } else { "" });
                out.push_str(eol);
                out.push_str(&inner);
                out.push_str(&double_quoted(name));
                out.push_str(": ");
                json_pretty(out, item, &inner, unit, eol);
            }
            out.push_str(eol);
            out.push_str(indent);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i > 0 { "," } else { "" });
                out.push_str(eol);
                out.push_str(&inner);
                json_pretty(out, item, &inner, unit, eol);
            }
            out.push_str(eol);
            out.push_str(indent);
            out.push(']');
        }
        other => out.push_str(&flow(other, true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const YAML: Style = Style {
        eol: "\n",
        unit: 2,
        seq_indent: 0,
        json: false,
    };

    #[test]
    fn plain_scalars_only_where_they_read_back_the_same() {
        for text in [
            "RuntimeDefault",
            "ALL",
            "no-new-privileges:true",
            "runtime/default",
        ] {
            assert!(plain_safe(text, false), "{text}");
        }
        for text in [
            "yes",
            "No",
            "true",
            "null",
            "~",
            "0644",
            "10001:10001",
            "",
            "a b",
            "-x",
            "a:",
            "#x",
        ] {
            assert!(!plain_safe(text, false), "{text}");
        }
        assert!(!plain_safe("no-new-privileges:true", true));
        assert_eq!(string("it's", Quote::Single, false), "'it''s'");
        assert_eq!(string("on", Quote::Plain, false), "\"on\"");
    }

    #[test]
    fn block_entries_nest_at_the_document_indentation() {
        let mut out = String::new();
        let value = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
        block_entry(&mut out, "securityContext", &value, 4, &YAML);
        assert_eq!(
            out,
            "    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop:\n        - ALL\n"
        );
        let mut out = String::new();
        let indented = Style {
            seq_indent: 2,
            eol: "\r\n",
            ..YAML
        };
        block_entry(&mut out, "cap_drop", &json!(["ALL"]), 4, &indented);
        assert_eq!(out, "    cap_drop:\r\n      - ALL\r\n");
        let mut out = String::new();
        block_item(&mut out, &json!({"name": "a", "value": "1"}), 2, &YAML);
        assert_eq!(out, "  - name: a\n    value: \"1\"\n");
    }

    #[test]
    fn json_is_written_as_json() {
        let mut out = String::new();
        json_pretty(&mut out, &json!({"a": {"b": [true]}}), "  ", "  ", "\n");
        assert_eq!(
            out,
            "{\n    \"a\": {\n      \"b\": [\n        true\n      ]\n    }\n  }"
        );
        assert_eq!(
            flow(&json!({"type": "RuntimeDefault"}), true),
            "{\"type\": \"RuntimeDefault\"}"
        );
        assert_eq!(
            flow(&json!({"type": "RuntimeDefault"}), false),
            "{type: RuntimeDefault}"
        );
    }
}
