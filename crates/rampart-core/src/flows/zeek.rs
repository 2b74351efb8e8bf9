//! Zeek `conn.log`: one connection per record, from the originator (`id.orig_h`,
//! `id.orig_p`) to the responder (`id.resp_h`, `id.resp_p`). Zeek decides who
//! originated (and flips a connection it first saw mid-stream, marking `^` in
//! `history`), so records are taken as written. For ICMP Zeek puts the message type
//! and code in the port fields.
//!
//! Two encodings: Zeek's ASCII format (a `#separator` line, `#fields` naming the
//! columns, `-` for unset fields) and JSON lines (flat `id.orig_h` keys, or an `id`
//! object where a writer nests them).

use std::borrow::Cow;

use serde::Deserialize;

use super::{FlowEnd, FlowRecord, Line, Skipped, Transport, parse_ip, parse_port};

/// The column positions a TSV record is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    count: usize,
    orig_h: usize,
    orig_p: usize,
    resp_h: usize,
    resp_p: usize,
    proto: usize,
    ip_proto: Option<usize>,
}

/// The header state of a TSV log: the separator and the columns, once `#fields` was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    separator: String,
    unset: String,
    columns: Option<Columns>,
}

impl Default for Header {
    fn default() -> Self {
        Self {
            separator: "\t".to_owned(),
            unset: "-".to_owned(),
            columns: None,
        }
    }
}

/// Decodes the `\xHH` escapes Zeek writes in header values.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\x") {
        out.push_str(&rest[..at]);
        let hex = rest.get(at + 2..at + 4);
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push_str("\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Header {
    /// Reads one line of a TSV log.
    pub(super) fn line<'a>(&mut self, line: &'a str) -> Result<Line<'a>, String> {
        if let Some(directive) = line.strip_prefix('#') {
            self.directive(directive)?;
            return Ok(Line::Skipped(Skipped::Header));
        }
        let columns = self.columns.ok_or_else(|| {
            "conn.log record before its #fields header line (is the header missing?)".to_owned()
        })?;
        let values: Vec<&str> = line.split(self.separator.as_str()).collect();
        if values.len() != columns.count {
            return Err(format!(
                "{} fields, but the #fields header names {}",
                values.len(),
                columns.count
            ));
        }
        let value = |i: usize| values.get(i).copied().filter(|v| *v != self.unset);
        let port = |i: usize, what: &str| value(i).map(|p| parse_port(p, what)).transpose();
        let address = |i: usize, what: &str| {
            value(i)
                .ok_or_else(|| format!("{what} is unset"))
                .and_then(|a| parse_ip(a, what))
        };
        let transport = transport(
            value(columns.proto),
            columns
                .ip_proto
                .and_then(value)
                .and_then(|n| n.parse().ok()),
        )?;
        Ok(Line::Flow(connection(
            FlowEnd {
                ip: Some(address(columns.orig_h, "id.orig_h")?),
                port: port(columns.orig_p, "id.orig_p")?,
                pod: None,
            },
            FlowEnd {
                ip: Some(address(columns.resp_h, "id.resp_h")?),
                port: port(columns.resp_p, "id.resp_p")?,
                pod: None,
            },
            transport,
        )))
    }

    /// Reads a `#` header line; unknown directives and comments are ignored.
    fn directive(&mut self, directive: &str) -> Result<(), String> {
        if let Some(value) = directive.strip_prefix("separator ") {
            self.separator = unescape(value.trim_end());
            if self.separator.is_empty() {
                return Err("#separator is empty".to_owned());
            }
            return Ok(());
        }
        let mut parts = directive.split(self.separator.as_str());
        let name = parts.next().unwrap_or_default();
        match name {
            "unset_field" => {
                self.unset = parts.next().unwrap_or("-").to_owned();
            }
            "fields" => {
                let names: Vec<&str> = parts.collect();
                let find = |field: &str| {
                    names
                        .iter()
                        .position(|n| *n == field)
                        .ok_or_else(|| format!("#fields has no {field} column"))
                };
                self.columns = Some(Columns {
                    count: names.len(),
                    orig_h: find("id.orig_h")?,
                    orig_p: find("id.orig_p")?,
                    resp_h: find("id.resp_h")?,
                    resp_p: find("id.resp_p")?,
                    proto: find("proto")?,
                    ip_proto: find("ip_proto").ok(),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

/// The transport from `proto` (`tcp`, `udp`, `icmp`, `unknown_transport`) and, where
/// Zeek logs it, `ip_proto`.
fn transport(proto: Option<&str>, ip_proto: Option<u8>) -> Result<Transport, String> {
    match (proto.and_then(Transport::parse), ip_proto) {
        (Some(transport), _) => Ok(transport),
        (None, Some(number)) => Ok(Transport::from_number(number)),
        (None, None) => match proto {
            Some("unknown_transport") => Ok(Transport::Other(0)),
            Some(other) => Err(format!("proto: unknown protocol {other:?}")),
            None => Err("proto is unset".to_owned()),
        },
    }
}

fn connection<'a>(
    source: FlowEnd<'a>,
    destination: FlowEnd<'a>,
    transport: Transport,
) -> FlowRecord<'a> {
    FlowRecord {
        source,
        destination,
        transport,
        count: 1,
        dropped: false,
        alert: false,
        guessed: false,
    }
}

#[derive(Deserialize)]
struct Conn<'a> {
    #[serde(borrow, default, rename = "id.orig_h")]
    orig_h: Option<Cow<'a, str>>,
    #[serde(default, rename = "id.orig_p")]
    orig_p: Option<u16>,
    #[serde(borrow, default, rename = "id.resp_h")]
    resp_h: Option<Cow<'a, str>>,
    #[serde(default, rename = "id.resp_p")]
    resp_p: Option<u16>,
    #[serde(borrow, default)]
    id: Option<Id<'a>>,
    #[serde(borrow, default)]
    proto: Option<Cow<'a, str>>,
    #[serde(default)]
    ip_proto: Option<u8>,
}

#[derive(Deserialize)]
struct Id<'a> {
    #[serde(borrow, default)]
    orig_h: Option<Cow<'a, str>>,
    #[serde(default)]
    orig_p: Option<u16>,
    #[serde(borrow, default)]
    resp_h: Option<Cow<'a, str>>,
    #[serde(default)]
    resp_p: Option<u16>,
}

/// Parses one JSON `conn.log` line.
pub(super) fn json_line(line: &str) -> Result<Line<'_>, String> {
    let conn: Conn<'_> =
        serde_json::from_str(line).map_err(|e| format!("invalid Zeek conn.log JSON: {e}"))?;
    let (orig_h, orig_p, resp_h, resp_p) = match conn.id {
        Some(id) if conn.orig_h.is_none() => (id.orig_h, id.orig_p, id.resp_h, id.resp_p),
        _ => (conn.orig_h, conn.orig_p, conn.resp_h, conn.resp_p),
    };
    let orig_h = orig_h.ok_or("id.orig_h is missing")?;
    let resp_h = resp_h.ok_or("id.resp_h is missing")?;
    let transport = transport(conn.proto.as_deref(), conn.ip_proto)?;
    Ok(Line::Flow(connection(
        FlowEnd {
            ip: Some(parse_ip(&orig_h, "id.orig_h")?),
            port: orig_p,
            pod: None,
        },
        FlowEnd {
            ip: Some(parse_ip(&resp_h, "id.resp_h")?),
            port: resp_p,
            pod: None,
        },
        transport,
    )))
}
