//! Which way a record goes when the log does not say.

/// The TCP flags that tell a connection's opening from its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Handshake {
    pub syn: bool,
    pub ack: bool,
}

/// The direction of a record within its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// From the side that opened the connection.
    Request,
    /// From the side that accepted it.
    Reply,
}

/// Guesses the direction: a SYN without ACK opens a connection and a SYN-ACK answers one;
/// otherwise the side with the lower port is the server, so a record from a lower port
/// to a higher one is a reply.
pub(crate) fn guess(
    source_port: Option<u16>,
    destination_port: Option<u16>,
    handshake: Option<Handshake>,
) -> Way {
    if let Some(Handshake { syn: true, ack }) = handshake {
        return if ack { Way::Reply } else { Way::Request };
    }
    match (source_port, destination_port) {
        (Some(source), Some(destination)) if source < destination => Way::Reply,
        _ => Way::Request,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_decides_before_ports() {
        let syn = Handshake {
            syn: true,
            ack: false,
        };
        let syn_ack = Handshake {
            syn: true,
            ack: true,
        };
        assert_eq!(guess(Some(443), Some(50000), Some(syn)), Way::Request);
        assert_eq!(guess(Some(50000), Some(443), Some(syn_ack)), Way::Reply);
        assert_eq!(guess(Some(443), Some(50000), None), Way::Reply);
        assert_eq!(guess(Some(50000), Some(443), None), Way::Request);
        assert_eq!(guess(Some(53), Some(53), None), Way::Request, "a tie");
        assert_eq!(guess(None, Some(80), None), Way::Request);
    }
}
