//! rampart's own flow CSV, for flows gathered by any other means:
//!
//! ```text
//! src,dst,dst_port,protocol[,time][,count]
//! retail/web,retail/db,5432,TCP,2026-12-01T10:00:00Z,120
//! 10.0.1.7,93.184.216.34,443,tcp
//! ```
//!
//! One connection (or `count` connections) per line, from `src` (which opened it) to
//! `dst`. `src` and `dst` are IP addresses or `namespace/name` (a pod, or a workload
//! standing for its pods). `protocol` is `TCP`, `UDP`, `SCTP` or `ICMP` (any case) or an
//! IANA number; `dst_port` may be empty for ICMP. `time` (RFC 3339 or epoch seconds) is
//! optional and may be empty; `count` is a positive integer (default 1). The header line
//! is optional; lines starting with `#` are comments.

use std::borrow::Cow;

use super::{FlowEnd, FlowRecord, Line, PodName, Skipped, Transport, parse_ip, parse_port};

/// The header line of the CSV format.
pub const CSV_HEADER: &str = "src,dst,dst_port,protocol,time,count";

/// True for a comment line.
pub(super) fn is_comment(line: &str) -> bool {
    line.starts_with('#')
}

/// True for the header or a line that reads as a record.
pub(super) fn looks_like(line: &str) -> bool {
    let fields: Vec<&str> = line.split(',').map(unquote).collect();
    if fields.first() == Some(&"src") {
        return true;
    }
    (4..=6).contains(&fields.len())
        && fields.get(2).is_some_and(|p| p.parse::<u16>().is_ok())
        && fields.get(3).is_some_and(|p| Transport::parse(p).is_some())
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
}

/// The most fields a line has.
const FIELDS: usize = 6;

/// Parses one CSV line.
pub(super) fn line(line: &str) -> Result<Line<'_>, String> {
    if is_comment(line.trim_start()) {
        return Ok(Line::Skipped(Skipped::Header));
    }
    let mut fields = [""; FIELDS];
    let mut count = 0;
    for field in line.split(',') {
        if let Some(slot) = fields.get_mut(count) {
            *slot = unquote(field);
        }
        count += 1;
    }
    if fields[0] == "src" {
        return Ok(Line::Skipped(Skipped::Header));
    }
    if !(4..=FIELDS).contains(&count) {
        return Err(format!(
            "{count} fields: expected src,dst,dst_port,protocol[,time][,count]"
        ));
    }
    let [src, dst, port, protocol, time, records] = fields;
    let transport = Transport::parse(protocol).ok_or_else(|| {
        format!("protocol: {protocol:?} is not TCP, UDP, SCTP, ICMP or a protocol number")
    })?;
    let destination_port = match (port, transport) {
        ("", Transport::Icmp | Transport::Other(_)) => None,
        ("", _) => return Err("dst_port is empty".to_owned()),
        (port, _) => Some(parse_port(port, "dst_port")?),
    };
    if !time.is_empty() {
        check_time(time)?;
    }
    let count = match records {
        "" => 1,
        text => text
            .parse::<u64>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("count: {text:?} is not a positive integer"))?,
    };
    let mut destination = end(dst, "dst")?;
    destination.port = destination_port;
    Ok(Line::Flow(FlowRecord {
        source: end(src, "src")?,
        destination,
        transport,
        count,
        dropped: false,
        alert: false,
        guessed: false,
    }))
}

/// An address or `namespace/name`.
fn end<'a>(text: &'a str, what: &str) -> Result<FlowEnd<'a>, String> {
    if let Some((namespace, name)) = text.split_once('/')
        && !namespace.is_empty()
        && !name.is_empty()
        && !name.contains('/')
        && text.parse::<std::net::IpAddr>().is_err()
    {
        return Ok(FlowEnd {
            ip: None,
            port: None,
            pod: Some(PodName {
                namespace: Cow::Borrowed(namespace),
                name: Cow::Borrowed(name),
                workload: None,
            }),
        });
    }
    let ip = parse_ip(text, what).map_err(|e| format!("{e} (nor namespace/name)"))?;
    Ok(FlowEnd {
        ip: Some(ip),
        port: None,
        pod: None,
    })
}

/// Accepts epoch seconds (with a fraction) or an RFC 3339 date-time.
fn check_time(time: &str) -> Result<(), String> {
    let epoch = time.parse::<f64>().is_ok_and(|t| t.is_finite() && t >= 0.0);
    let bytes = time.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let rfc3339 = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && bytes.get(13) == Some(&b':');
    if epoch || rfc3339 {
        Ok(())
    } else {
        Err(format!(
            "time: {time:?} is neither RFC 3339 (2026-12-01T10:00:00Z) nor epoch seconds"
        ))
    }
}
