//! Observed network flows: the records of flow logs, read line by line.
//!
//! A [`FlowParser`] turns one line of a flow log into a [`FlowRecord`] oriented from the
//! side that opened the connection to the side that accepted it, or says why the line
//! holds no flow ([`Skipped`]). The format is recognised from the content, per file:
//!
//! | format | recognised by | one record is | orientation |
//! | --- | --- | --- | --- |
//! | Hubble / Cilium (`hubble observe -o json` or `-o jsonpb`) | a JSON object with `flow` (the `GetFlowsResponse` wrapper) or with `IP`/`l4` (a bare flow) | one packet event seen at one observation point | `is_reply`; else the older `reply`; else guessed |
//! | Suricata EVE | a JSON object with `event_type` | a `flow` event: one connection; an `alert`: one alert on a connection | the flow's own direction (`to_client` alerts are turned round) |
//! | Zeek `conn.log` TSV | `#separator` / `#fields` header lines | one connection | originator → responder |
//! | Zeek `conn.log` JSON | a JSON object with `id.orig_h` (or `id.orig_h` nested in `id`) | one connection | originator → responder |
//! | AWS VPC / Transit Gateway flow logs | a header of field names, or a version-2 default-format record | one direction of a 5-tuple in one capture window | guessed |
//! | CSV `src,dst,dst_port,protocol[,time][,count]` | a `src,dst,...` header or a comma-separated record | `count` connections (default 1) | as written |
//!
//! **Replies are never new connections.** Where a format records each direction of a
//! connection on its own (Hubble, VPC), a record of the reply direction is skipped
//! ([`Skipped::Reply`]); where it records connections (Zeek, Suricata `flow`, CSV), the
//! record already names the originator. When a record does not say which way it goes,
//! the direction is *guessed* ([`FlowRecord::guessed`]): a TCP SYN without ACK opens a
//! connection and a SYN-ACK answers one; otherwise the side with the lower port number
//! is taken for the server (clients use ephemeral ports, 32768 and up on Linux).
//!
//! Parsing is pure and works on one line at a time, so a log of any size is read in
//! constant memory by the caller; only the header state of Zeek TSV and VPC logs is
//! kept between lines.

mod csv;
mod hubble;
mod orient;
mod suricata;
mod vpc;
mod zeek;

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::netpol::Protocol;

pub use csv::CSV_HEADER;

/// A flow log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Cilium Hubble flows, one JSON object per line.
    Hubble,
    /// Suricata EVE JSON.
    SuricataEve,
    /// Zeek `conn.log` in Zeek's ASCII (TSV) format.
    ZeekTsv,
    /// Zeek `conn.log` as one JSON object per line.
    ZeekJson,
    /// AWS VPC (or Transit Gateway) flow logs, space-separated text.
    VpcFlowLog,
    /// rampart's CSV: `src,dst,dst_port,protocol[,time][,count]`.
    Csv,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Hubble,
        Format::SuricataEve,
        Format::ZeekTsv,
        Format::ZeekJson,
        Format::VpcFlowLog,
        Format::Csv,
    ];

    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hubble => "hubble",
            Self::SuricataEve => "suricata-eve",
            Self::ZeekTsv => "zeek-tsv",
            Self::ZeekJson => "zeek-json",
            Self::VpcFlowLog => "vpc-flow-log",
            Self::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The transport protocol of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
    /// ICMP or ICMPv6.
    Icmp,
    /// Any other IP protocol, by number.
    Other(u8),
}

impl Transport {
    /// The transport of an IANA protocol number (6 TCP, 17 UDP, 132 SCTP, 1 and 58 ICMP).
    pub fn from_number(number: u8) -> Self {
        match number {
            6 => Self::Tcp,
            17 => Self::Udp,
            132 => Self::Sctp,
            1 | 58 => Self::Icmp,
            other => Self::Other(other),
        }
    }

    /// Parses a protocol name as logs write it (`tcp`, `UDP`, `ICMP`, `IPv6-ICMP`,
    /// `icmpv6`...), case-insensitively, or an IANA number.
    pub fn parse(text: &str) -> Option<Self> {
        if let Ok(number) = text.parse::<u8>() {
            return Some(Self::from_number(number));
        }
        let lower = text.to_ascii_lowercase();
        Some(match lower.as_str() {
            "tcp" => Self::Tcp,
            "udp" => Self::Udp,
            "sctp" => Self::Sctp,
            "icmp" | "icmpv4" | "icmpv6" | "ipv6-icmp" | "icmp6" => Self::Icmp,
            _ => return None,
        })
    }

    /// The NetworkPolicy protocol, for the transports NetworkPolicy can name.
    pub fn policy_protocol(self) -> Option<Protocol> {
        match self {
            Self::Tcp => Some(Protocol::Tcp),
            Self::Udp => Some(Protocol::Udp),
            Self::Sctp => Some(Protocol::Sctp),
            Self::Icmp | Self::Other(_) => None,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp => f.write_str("TCP"),
            Self::Udp => f.write_str("UDP"),
            Self::Sctp => f.write_str("SCTP"),
            Self::Icmp => f.write_str("ICMP"),
            Self::Other(n) => write!(f, "IP protocol {n}"),
        }
    }
}

/// A pod named by the log itself (Hubble endpoints, or `namespace/name` in the CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodName<'a> {
    /// Namespace.
    pub namespace: Cow<'a, str>,
    /// Pod (or workload) name.
    pub name: Cow<'a, str>,
    /// The owning workload's name, when the log names it (Hubble `workloads`).
    pub workload: Option<Cow<'a, str>>,
}

/// One side of a flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowEnd<'a> {
    /// The address, when the log has one.
    pub ip: Option<IpAddr>,
    /// The transport port (for ICMP some logs put the message type here).
    pub port: Option<u16>,
    /// The pod, when the log names it.
    pub pod: Option<PodName<'a>>,
}

/// One observed flow, oriented from the side that opened it to the side that accepted
/// it. Borrows from the line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord<'a> {
    /// The side that opened the connection.
    pub source: FlowEnd<'a>,
    /// The side that accepted it.
    pub destination: FlowEnd<'a>,
    /// The transport protocol.
    pub transport: Transport,
    /// How many connections or events the record stands for (1 but in the CSV).
    pub count: u64,
    /// The log says the traffic was dropped or rejected (Hubble `DROPPED`, VPC `REJECT`,
    /// a Suricata alert with action `blocked`).
    pub dropped: bool,
    /// The record is an IDS alert (Suricata `alert`).
    pub alert: bool,
    /// The orientation was guessed (see the module documentation).
    pub guessed: bool,
}

/// Why a well-formed line holds no flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skipped {
    /// An empty line, a comment or a header.
    Header,
    /// A record of the reply direction of a connection.
    Reply,
    /// A VPC record without data (`NODATA`, `SKIPDATA`).
    NoData,
    /// An event that is not a flow (Suricata `dns`, `http`, `stats`...; Hubble node
    /// status).
    OtherEvent,
    /// A flow event without addresses or transport (e.g. a Hubble socket trace).
    Incomplete,
}

/// What one line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per line, by value: boxing would allocate per flow
pub enum Line<'a> {
    /// A flow.
    Flow(FlowRecord<'a>),
    /// No flow, for a reason that is not an error.
    Skipped(Skipped),
}

/// Reads the lines of one flow log, recognising its format from the content.
#[derive(Debug, Clone, Default)]
pub struct FlowParser {
    format: Option<Format>,
    zeek: zeek::Header,
    vpc: vpc::Header,
}

impl FlowParser {
    /// A parser that recognises the format from the first line that tells.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser for a known format.
    pub fn with_format(format: Format) -> Self {
        Self {
            format: Some(format),
            ..Self::default()
        }
    }

    /// The format, once recognised.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Parses one line (without its line ending). An error message says what is wrong
    /// with the line; the caller adds the file and line number, and goes on.
    pub fn line<'a>(&mut self, line: &'a str) -> Result<Line<'a>, String> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            return Ok(Line::Skipped(Skipped::Header));
        }
        let format = match self.format {
            Some(format) => format,
            None => {
                let format = detect(line).ok_or_else(|| {
                    "not a flow log line: expected Hubble or Suricata EVE or Zeek JSON, a Zeek \
                     conn.log header, a VPC flow log header or record, or CSV \
                     (src,dst,dst_port,protocol[,time][,count])"
                        .to_owned()
                })?;
                self.format = Some(format);
                format
            }
        };
        match format {
            Format::Hubble => hubble::line(line),
            Format::SuricataEve => suricata::line(line),
            Format::ZeekJson => zeek::json_line(line),
            Format::ZeekTsv => self.zeek.line(line),
            Format::VpcFlowLog => self.vpc.line(line),
            Format::Csv => csv::line(line),
        }
    }
}

/// The format a line belongs to, if it tells.
pub(crate) fn detect(line: &str) -> Option<Format> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        return detect_json(trimmed);
    }
    if trimmed.starts_with('#') {
        return (trimmed.starts_with("#separator")
            || trimmed.starts_with("#fields")
            || trimmed.starts_with("#path")
            || trimmed.starts_with("### BTest"))
        .then_some(Format::ZeekTsv)
        .or_else(|| csv::is_comment(trimmed).then_some(Format::Csv));
    }
    if vpc::looks_like(trimmed) {
        return Some(Format::VpcFlowLog);
    }
    csv::looks_like(trimmed).then_some(Format::Csv)
}

/// Tells Hubble, Suricata and Zeek JSON apart by their keys.
fn detect_json(line: &str) -> Option<Format> {
    #[derive(serde::Deserialize)]
    struct Keys {
        #[serde(default)]
        flow: Option<serde::de::IgnoredAny>,
        #[serde(default, rename = "IP")]
        ip: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        l4: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        event_type: Option<serde::de::IgnoredAny>,
        #[serde(default, rename = "id.orig_h")]
        orig_h: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        id: Option<serde_json::Value>,
        #[serde(default)]
        node_status: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        lost_events: Option<serde::de::IgnoredAny>,
    }
    let keys: Keys = serde_json::from_str(line).ok()?;
    if keys.event_type.is_some() {
        Some(Format::SuricataEve)
    } else if keys.orig_h.is_some()
        || keys
            .id
            .as_ref()
            .is_some_and(|id| id.get("orig_h").is_some())
    {
        Some(Format::ZeekJson)
    } else if keys.flow.is_some()
        || keys.ip.is_some()
        || keys.l4.is_some()
        || keys.node_status.is_some()
        || keys.lost_events.is_some()
    {
        Some(Format::Hubble)
    } else {
        None
    }
}

/// Parses an address as logs write it (IPv6 in full or compressed form).
pub(crate) fn parse_ip(text: &str, what: &str) -> Result<IpAddr, String> {
    text.parse()
        .map_err(|_| format!("{what}: {text:?} is not an IP address"))
}

/// Parses a port number.
pub(crate) fn parse_port(text: &str, what: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("{what}: {text:?} is not a port number (0-65535)"))
}

#[cfg(test)]
mod tests;
