//! Protocols, container ports and the port entries of NetworkPolicy rules.
//!
//! Ports are destination ports. A numeric entry (optionally with `endPort`) matches by
//! number; a named entry is resolved on the *destination* pod of the connection and
//! matches only when that pod declares a container port with that name, the traffic's
//! number and protocol, and the entry's protocol.

use std::fmt;

use serde::Serialize;

/// A transport protocol NetworkPolicy can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Protocol {
    /// TCP (the default everywhere).
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// The three protocols, in the order the API lists them.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses the API spelling (`TCP`, `UDP`, `SCTP`; case-sensitive like the API).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "TCP" => Some(Self::Tcp),
            "UDP" => Some(Self::Udp),
            "SCTP" => Some(Self::Sctp),
            _ => None,
        }
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
            Self::Sctp => "SCTP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A port given to a query: a number, or a container port name resolved on the
/// destination.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortSpec {
    /// A destination port number.
    Number(u16),
    /// A container port name of the destination pod.
    Name(String),
}

impl From<u16> for PortSpec {
    fn from(port: u16) -> Self {
        Self::Number(port)
    }
}

impl From<&str> for PortSpec {
    fn from(name: &str) -> Self {
        Self::Name(name.to_string())
    }
}

/// A named container port declared by a pod or workload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedPort {
    /// The port name (`containers[].ports[].name`).
    pub name: String,
    /// The container port number.
    pub port: u16,
    /// The container port protocol.
    pub protocol: Protocol,
}

/// Resolves `name` with `protocol` among `ports` to a port number.
pub fn resolve_named(ports: &[NamedPort], name: &str, protocol: Protocol) -> Option<u16> {
    ports
        .iter()
        .find(|p| p.name == name && p.protocol == protocol)
        .map(|p| p.port)
}

/// One validated entry of a rule's `ports` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PortEntry {
    /// `{protocol}` with no port: every port of the protocol.
    AllPorts(Protocol),
    /// `{protocol, port[, endPort]}`: the inclusive range `first..=last`.
    Range {
        /// The entry's protocol.
        protocol: Protocol,
        /// `port`.
        first: u16,
        /// `endPort`, or `port` when absent.
        last: u16,
    },
    /// `{protocol, port: name}`: resolved on the destination pod.
    Named {
        /// The entry's protocol (must equal the container port's).
        protocol: Protocol,
        /// The container port name.
        name: String,
    },
}

impl PortEntry {
    /// True when the entry matches (`port`, `protocol`) without looking at the
    /// destination: the numeric and protocol-only entries.
    pub fn matches_number(&self, port: u16, protocol: Protocol) -> bool {
        match self {
            Self::AllPorts(p) => *p == protocol,
            Self::Range {
                protocol: p,
                first,
                last,
            } => *p == protocol && (*first..=*last).contains(&port),
            Self::Named { .. } => false,
        }
    }

    /// The name and protocol of a named entry.
    pub fn as_named(&self) -> Option<(&str, Protocol)> {
        match self {
            Self::Named { protocol, name } => Some((name, *protocol)),
            _ => None,
        }
    }

    /// True when the entry matches traffic to (`port`, `protocol`) on a destination
    /// that declares `destination_ports` (`None` for a non-pod destination, where
    /// named entries never match).
    pub fn matches(
        &self,
        port: u16,
        protocol: Protocol,
        destination_ports: Option<&[NamedPort]>,
    ) -> bool {
        self.matches_number(port, protocol)
            || self.as_named().is_some_and(|(name, entry_protocol)| {
                entry_protocol == protocol
                    && destination_ports
                        .is_some_and(|ports| resolve_named(ports, name, protocol) == Some(port))
            })
    }
}

/// True when a rule's `ports` admit the traffic. `None` stands for an absent or empty
/// list (all ports and protocols); validation turns empty lists into `None`, so
/// `Some(&[])` never reaches here and would match nothing.
pub(crate) fn rule_ports_match(
    entries: Option<&[PortEntry]>,
    port: u16,
    protocol: Protocol,
    destination_ports: Option<&[NamedPort]>,
) -> bool {
    entries.is_none_or(|entries| {
        entries
            .iter()
            .any(|e| e.matches(port, protocol, destination_ports))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, port: u16, protocol: Protocol) -> NamedPort {
        NamedPort {
            name: name.to_string(),
            port,
            protocol,
        }
    }

    #[test]
    fn numeric_range_and_protocol() {
        let entry = PortEntry::Range {
            protocol: Protocol::Tcp,
            first: 80,
            last: 90,
        };
        assert!(entry.matches(80, Protocol::Tcp, None));
        assert!(entry.matches(90, Protocol::Tcp, None));
        assert!(!entry.matches(91, Protocol::Tcp, None));
        assert!(!entry.matches(80, Protocol::Udp, None));
        assert!(PortEntry::AllPorts(Protocol::Sctp).matches(1, Protocol::Sctp, None));
        assert!(!PortEntry::AllPorts(Protocol::Sctp).matches(1, Protocol::Tcp, None));
    }

    #[test]
    fn named_port_needs_destination_name_number_and_protocol() {
        let ports = [
            named("dns", 53, Protocol::Udp),
            named("http", 8080, Protocol::Tcp),
        ];
        let http = PortEntry::Named {
            protocol: Protocol::Tcp,
            name: "http".into(),
        };
        assert!(http.matches(8080, Protocol::Tcp, Some(&ports)));
        assert!(!http.matches(80, Protocol::Tcp, Some(&ports)));
        assert!(
            !http.matches(8080, Protocol::Tcp, None),
            "non-pod destination"
        );
        let dns_tcp = PortEntry::Named {
            protocol: Protocol::Tcp,
            name: "dns".into(),
        };
        assert!(!dns_tcp.matches(53, Protocol::Udp, Some(&ports)));
        assert!(!dns_tcp.matches(53, Protocol::Tcp, Some(&ports)));
    }

    #[test]
    fn absent_ports_match_everything() {
        assert!(rule_ports_match(None, 1, Protocol::Sctp, None));
        assert!(!rule_ports_match(Some(&[]), 1, Protocol::Sctp, None));
    }
}
