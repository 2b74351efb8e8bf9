//! Cilium Hubble flows (`observer.Flow`), as `hubble observe -o json` / `-o jsonpb` and
//! the Hubble exporter write them: one JSON object per line, either the
//! `GetFlowsResponse` wrapper `{"flow": {...}, "node_name": ..., "time": ...}` or the bare
//! flow. Other responses (`node_status`, `lost_events`) are skipped.
//!
//! Hubble records packets, not connections: each direction of a connection shows up,
//! often several times (at several observation points, and as L7 and policy-verdict
//! events). Records of the reply direction are skipped: `is_reply` decides when present;
//! else the older boolean `reply` (omitted when false); else an ICMP echo reply is a
//! reply and an echo request is not; else the direction is guessed.

use std::borrow::Cow;

use serde::Deserialize;

use super::orient::{Handshake, Way, guess};
use super::{FlowEnd, FlowRecord, Line, PodName, Skipped, Transport, parse_ip};

/// A line: the `GetFlowsResponse` wrapper (`flow` set) or a bare flow (the other
/// fields set). One struct for both, so the line is read in one pass.
#[derive(Deserialize, Default)]
struct Flow<'a> {
    #[serde(borrow, default)]
    flow: Option<Box<Flow<'a>>>,
    #[serde(borrow, default)]
    verdict: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "IP")]
    ip: Option<Ip<'a>>,
    #[serde(default)]
    l4: Option<Layer4>,
    #[serde(borrow, default)]
    source: Option<Endpoint<'a>>,
    #[serde(borrow, default)]
    destination: Option<Endpoint<'a>>,
    #[serde(default)]
    is_reply: Option<bool>,
    #[serde(default)]
    reply: Option<bool>,
}

#[derive(Deserialize)]
struct Ip<'a> {
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Layer4 {
    #[serde(default, rename = "TCP")]
    tcp: Option<Ports>,
    #[serde(default, rename = "UDP")]
    udp: Option<Ports>,
    #[serde(default, rename = "SCTP")]
    sctp: Option<Ports>,
    #[serde(default, rename = "ICMPv4")]
    icmp4: Option<Icmp>,
    #[serde(default, rename = "ICMPv6")]
    icmp6: Option<Icmp>,
}

/// An ICMP header; `type` is omitted when 0 (an ICMPv4 echo reply).
#[derive(Deserialize)]
struct Icmp {
    #[serde(default, rename = "type")]
    kind: u8,
}

impl Icmp {
    /// Echo replies answer echo requests: they are the reply direction.
    fn echo_reply(&self, v6: bool) -> bool {
        self.kind == if v6 { 129 } else { 0 }
    }
}

#[derive(Deserialize)]
struct Ports {
    #[serde(default)]
    source_port: Option<u16>,
    #[serde(default)]
    destination_port: Option<u16>,
    #[serde(default)]
    flags: Option<Flags>,
}

#[derive(Deserialize)]
struct Flags {
    #[serde(default, rename = "SYN")]
    syn: bool,
    #[serde(default, rename = "ACK")]
    ack: bool,
}

#[derive(Deserialize, Default)]
struct Endpoint<'a> {
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pod_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    workloads: Vec<Workload<'a>>,
}

#[derive(Deserialize)]
struct Workload<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

impl<'a> Endpoint<'a> {
    fn pod(self) -> Option<PodName<'a>> {
        let namespace = self.namespace.filter(|n| !n.is_empty())?;
        let name = self.pod_name.filter(|n| !n.is_empty())?;
        Some(PodName {
            namespace,
            name,
            workload: self.workloads.into_iter().find_map(|w| w.name),
        })
    }
}

/// Parses one Hubble line.
pub(super) fn line(line: &str) -> Result<Line<'_>, String> {
    let mut response: Flow<'_> =
        serde_json::from_str(line).map_err(|e| format!("invalid Hubble flow JSON: {e}"))?;
    let flow = match response.flow.take() {
        Some(flow) => *flow,
        None if response.ip.is_some() || response.l4.is_some() => response,
        None => return Ok(Line::Skipped(Skipped::OtherEvent)),
    };
    record(flow)
}

fn record(flow: Flow<'_>) -> Result<Line<'_>, String> {
    let (Some(ip), Some(l4)) = (flow.ip, flow.l4) else {
        return Ok(Line::Skipped(Skipped::Incomplete));
    };
    let (Some(source_ip), Some(destination_ip)) = (ip.source, ip.destination) else {
        return Ok(Line::Skipped(Skipped::Incomplete));
    };
    let source_ip = parse_ip(&source_ip, "IP.source")?;
    let destination_ip = parse_ip(&destination_ip, "IP.destination")?;
    let mut echo_reply = None;
    let (transport, ports) = if let Some(ports) = l4.tcp {
        (Transport::Tcp, Some(ports))
    } else if let Some(ports) = l4.udp {
        (Transport::Udp, Some(ports))
    } else if let Some(ports) = l4.sctp {
        (Transport::Sctp, Some(ports))
    } else if let Some(icmp) = l4
        .icmp4
        .as_ref()
        .map(|i| i.echo_reply(false))
        .or_else(|| l4.icmp6.as_ref().map(|i| i.echo_reply(true)))
    {
        echo_reply = Some(icmp);
        (Transport::Icmp, None)
    } else {
        return Ok(Line::Skipped(Skipped::Incomplete));
    };
    let (source_port, destination_port, handshake) = match ports {
        Some(p) => (
            p.source_port,
            p.destination_port,
            p.flags.map(|f| Handshake {
                syn: f.syn,
                ack: f.ack,
            }),
        ),
        None => (None, None, None),
    };
    let (way, guessed) = match (flow.is_reply, flow.reply) {
        (Some(true), _) | (None, Some(true)) => (Way::Reply, false),
        (Some(false), _) => (Way::Request, false),
        (None, _) => match echo_reply {
            Some(true) => (Way::Reply, false),
            Some(false) => (Way::Request, false),
            None => (guess(source_port, destination_port, handshake), true),
        },
    };
    if way == Way::Reply {
        return Ok(Line::Skipped(Skipped::Reply));
    }
    Ok(Line::Flow(FlowRecord {
        source: FlowEnd {
            ip: Some(source_ip),
            port: source_port,
            pod: flow.source.and_then(Endpoint::pod),
        },
        destination: FlowEnd {
            ip: Some(destination_ip),
            port: destination_port,
            pod: flow.destination.and_then(Endpoint::pod),
        },
        transport,
        count: 1,
        dropped: flow.verdict.as_deref() == Some("DROPPED"),
        alert: false,
        guessed,
    }))
}
