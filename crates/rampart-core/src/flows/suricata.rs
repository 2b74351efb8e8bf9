//! Suricata EVE JSON: one event per line. `flow` events are connections, oriented the
//! way Suricata saw the flow start (to the server); `alert` events are alerts on a
//! connection. Every other event type (`dns`, `http`, `tls`, `stats`...) is skipped.
//!
//! An alert's `src_ip`/`dest_ip` are those of the packet that raised it, so an alert
//! with `direction: to_client` names the server first. Suricata 7 and later also write
//! the flow's own addresses and ports in the alert's `flow` object: those are used when
//! present; else a `to_client` alert is turned round; else (older versions, no
//! `direction`) the direction is guessed from the ports.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;

use super::orient::{Way, guess};
use super::{FlowEnd, FlowRecord, Line, Skipped, Transport, parse_ip};

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    event_type: Cow<'a, str>,
    #[serde(borrow, default)]
    src_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    src_port: Option<u16>,
    #[serde(borrow, default)]
    dest_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    dest_port: Option<u16>,
    #[serde(borrow, default)]
    proto: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    direction: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    flow: Option<FlowInfo<'a>>,
    #[serde(borrow, default)]
    alert: Option<Alert<'a>>,
}

#[derive(Deserialize)]
struct FlowInfo<'a> {
    #[serde(borrow, default)]
    src_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    src_port: Option<u16>,
    #[serde(borrow, default)]
    dest_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    dest_port: Option<u16>,
}

#[derive(Deserialize)]
struct Alert<'a> {
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
}

/// The address and port of one side.
type Side = (IpAddr, Option<u16>);

/// Parses one EVE line.
pub(super) fn line(line: &str) -> Result<Line<'_>, String> {
    let event: Event<'_> =
        serde_json::from_str(line).map_err(|e| format!("invalid Suricata EVE JSON: {e}"))?;
    let alert = match event.event_type.as_ref() {
        "flow" => false,
        "alert" => true,
        _ => return Ok(Line::Skipped(Skipped::OtherEvent)),
    };
    let kind = event.event_type.as_ref();
    let (Some(src_ip), Some(dest_ip)) = (event.src_ip, event.dest_ip) else {
        return Err(format!("{kind} event without src_ip and dest_ip"));
    };
    let proto = event
        .proto
        .ok_or_else(|| format!("{kind} event without proto"))?;
    let transport =
        Transport::parse(&proto).ok_or_else(|| format!("proto: unknown protocol {proto:?}"))?;
    let packet: (Side, Side) = (
        (parse_ip(&src_ip, "src_ip")?, event.src_port),
        (parse_ip(&dest_ip, "dest_ip")?, event.dest_port),
    );
    let own: Option<(Side, Side)> = match event.flow {
        Some(FlowInfo {
            src_ip: Some(src),
            dest_ip: Some(dest),
            src_port,
            dest_port,
        }) => Some((
            (parse_ip(&src, "flow.src_ip")?, src_port),
            (parse_ip(&dest, "flow.dest_ip")?, dest_port),
        )),
        _ => None,
    };
    let ((source, destination), guessed) = if !alert {
        (packet, false)
    } else if let Some(own) = own {
        (own, false)
    } else {
        match event.direction.as_deref() {
            Some("to_client") => ((packet.1, packet.0), false),
            Some(_) => (packet, false),
            None => match guess(packet.0.1, packet.1.1, None) {
                Way::Request => (packet, true),
                Way::Reply => ((packet.1, packet.0), true),
            },
        }
    };
    let dropped = event
        .alert
        .and_then(|a| a.action)
        .is_some_and(|action| matches!(action.as_ref(), "blocked" | "drop" | "rejected"));
    Ok(Line::Flow(FlowRecord {
        source: FlowEnd {
            ip: Some(source.0),
            port: source.1,
            pod: None,
        },
        destination: FlowEnd {
            ip: Some(destination.0),
            port: destination.1,
            pod: None,
        },
        transport,
        count: 1,
        dropped,
        alert,
        guessed,
    }))
}
