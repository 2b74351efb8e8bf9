//! AWS VPC flow logs (and Transit Gateway flow logs): space-separated fields.
//!
//! A custom format is read from its header line (the field names, as S3 delivery writes
//! it, and as it may repeat through a file); without a header, a record is read in the
//! documented default order, whose first 14, 21, 25 or 29 fields are the fields of
//! versions 2 to 5. `pkt-srcaddr`/`pkt-dstaddr` (the packet's own addresses, e.g. a pod
//! behind its node's interface) are preferred to `srcaddr`/`dstaddr` when present.
//!
//! A record covers one direction of a 5-tuple on one interface during a capture window,
//! so each connection shows up in both directions. There is no reply flag: the direction
//! is guessed from `tcp-flags` (SYN or SYN-ACK) where logged, else from the ports, and
//! records of the reply direction are skipped. `NODATA` and `SKIPDATA` records are
//! skipped; `REJECT` marks the flow as dropped.

use super::orient::{Handshake, Way, guess};
use super::{FlowEnd, FlowRecord, Line, Skipped, Transport, parse_ip, parse_port};

/// The documented field order; the default format is its first 14 fields.
const DEFAULT_ORDER: [&str; 29] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
];

/// Field counts of the versions' default layouts (versions 2 to 5).
const LAYOUTS: [usize; 4] = [14, 21, 25, 29];

/// Where the fields rampart reads are in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Columns {
    count: usize,
    srcaddr: usize,
    dstaddr: usize,
    srcport: Option<usize>,
    dstport: usize,
    protocol: usize,
    pkt_srcaddr: Option<usize>,
    pkt_dstaddr: Option<usize>,
    action: Option<usize>,
    log_status: Option<usize>,
    tcp_flags: Option<usize>,
}

impl Columns {
    fn from_names(names: &[&str]) -> Result<Self, String> {
        let find = |field: &str| names.iter().position(|n| *n == field);
        let need =
            |field: &str| find(field).ok_or_else(|| format!("the header has no {field} field"));
        Ok(Self {
            count: names.len(),
            srcaddr: need("srcaddr")?,
            dstaddr: need("dstaddr")?,
            srcport: find("srcport"),
            dstport: need("dstport")?,
            protocol: need("protocol")?,
            pkt_srcaddr: find("pkt-srcaddr"),
            pkt_dstaddr: find("pkt-dstaddr"),
            action: find("action"),
            log_status: find("log-status"),
            tcp_flags: find("tcp-flags"),
        })
    }
}

/// The header state: the columns of the last header line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Header {
    columns: Option<Columns>,
}

/// True for a header line: field names only, `srcaddr` and `dstaddr` among them.
fn is_header(fields: &[&str]) -> bool {
    fields.contains(&"srcaddr")
        && fields.contains(&"dstaddr")
        && fields
            .iter()
            .all(|f| f.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
}

/// True when a line looks like a VPC header or a default-order record.
pub(super) fn looks_like(line: &str) -> bool {
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    if is_header(&fields) {
        return true;
    }
    let address = |i: usize| {
        fields
            .get(i)
            .is_some_and(|f| *f == "-" || f.parse::<std::net::IpAddr>().is_ok())
    };
    fields.len() >= 14
        && fields
            .first()
            .and_then(|v| v.parse::<u8>().ok())
            .is_some_and(|v| (2..=10).contains(&v))
        && address(3)
        && address(4)
}

impl Header {
    /// Reads one line: a header, or a record.
    pub(super) fn line<'a>(&mut self, line: &'a str) -> Result<Line<'a>, String> {
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if is_header(&fields) {
            self.columns = Some(Columns::from_names(&fields)?);
            return Ok(Line::Skipped(Skipped::Header));
        }
        let default;
        let columns = match &self.columns {
            Some(columns) => columns,
            None => {
                if !LAYOUTS.contains(&fields.len()) {
                    return Err(format!(
                        "a record of {} fields without a header line: the default layouts have \
                         14, 21, 25 or 29 fields; put the format's header line first",
                        fields.len()
                    ));
                }
                default = Columns::from_names(&DEFAULT_ORDER[..fields.len()])?;
                &default
            }
        };
        record(&fields, columns)
    }
}

fn record<'a>(fields: &[&str], columns: &Columns) -> Result<Line<'a>, String> {
    if fields.len() != columns.count {
        return Err(format!(
            "{} fields, but the header names {}",
            fields.len(),
            columns.count
        ));
    }
    let value = |i: usize| fields.get(i).copied().filter(|v| *v != "-");
    let status = columns.log_status.and_then(value);
    if matches!(status, Some("NODATA" | "SKIPDATA")) || value(columns.srcaddr).is_none() {
        return Ok(Line::Skipped(Skipped::NoData));
    }
    let address = |packet: Option<usize>, plain: usize, name: &str| match packet.and_then(value) {
        Some(a) => parse_ip(a, name),
        None => value(plain)
            .ok_or_else(|| format!("{name} is '-'"))
            .and_then(|a| parse_ip(a, name)),
    };
    let source_ip = address(columns.pkt_srcaddr, columns.srcaddr, "srcaddr")?;
    let destination_ip = address(columns.pkt_dstaddr, columns.dstaddr, "dstaddr")?;
    let port =
        |i: Option<usize>, name: &str| i.and_then(value).map(|p| parse_port(p, name)).transpose();
    let source_port = port(columns.srcport, "srcport")?;
    let destination_port = port(Some(columns.dstport), "dstport")?;
    let protocol = value(columns.protocol).ok_or("protocol is '-'")?;
    let transport = protocol
        .parse::<u8>()
        .map(Transport::from_number)
        .map_err(|_| format!("protocol: {protocol:?} is not an IANA protocol number"))?;
    let flags = columns
        .tcp_flags
        .and_then(value)
        .map(|f| {
            f.parse::<u16>()
                .map_err(|_| format!("tcp-flags: {f:?} is not a number"))
        })
        .transpose()?;
    let handshake = flags
        .filter(|_| transport == Transport::Tcp)
        .map(|f| Handshake {
            syn: f & 0x02 != 0,
            ack: f & 0x10 != 0,
        });
    if guess(source_port, destination_port, handshake) == Way::Reply {
        return Ok(Line::Skipped(Skipped::Reply));
    }
    Ok(Line::Flow(FlowRecord {
        source: FlowEnd {
            ip: Some(source_ip),
            port: source_port,
            pod: None,
        },
        destination: FlowEnd {
            ip: Some(destination_ip),
            port: destination_port,
            pod: None,
        },
        transport,
        count: 1,
        dropped: columns.action.and_then(value) == Some("REJECT"),
        alert: false,
        guessed: true,
    }))
}
