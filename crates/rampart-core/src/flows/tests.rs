//! Tests of the flow parsers: the upstream samples under `../shared/flows/` (read in
//! place, never copied) and the project's own samples under `testdata/`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{FlowParser, FlowRecord, Format, Line, Skipped, Transport};

/// A flow as a compact, comparable string: `src:port -> dst:port PROTO [flags]`.
fn show(record: &FlowRecord<'_>) -> String {
    let end = |e: &super::FlowEnd<'_>| {
        let who = match (&e.ip, &e.pod) {
            (_, Some(pod)) => format!("{}/{}", pod.namespace, pod.name),
            (Some(ip), None) => ip.to_string(),
            (None, None) => "?".to_owned(),
        };
        match e.port {
            Some(port) => format!("{who}:{port}"),
            None => who,
        }
    };
    let mut text = format!(
        "{} -> {} {}",
        end(&record.source),
        end(&record.destination),
        record.transport
    );
    for (set, flag) in [
        (record.dropped, "dropped"),
        (record.alert, "alert"),
        (record.guessed, "guessed"),
    ] {
        if set {
            text.push(' ');
            text.push_str(flag);
        }
    }
    if record.count != 1 {
        text.push_str(&format!(" x{}", record.count));
    }
    text
}

/// Everything a file parses into.
#[derive(Debug, Default)]
struct Parsed {
    format: Option<Format>,
    flows: Vec<String>,
    skipped: BTreeMap<Skipped, usize>,
    errors: Vec<(usize, String)>,
}

impl Parsed {
    fn skipped(&self, reason: Skipped) -> usize {
        self.skipped.get(&reason).copied().unwrap_or_default()
    }
}

fn parse(text: &str) -> Parsed {
    let mut parser = FlowParser::new();
    let mut parsed = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        match parser.line(line) {
            Ok(Line::Flow(record)) => parsed.flows.push(show(&record)),
            Ok(Line::Skipped(reason)) => *parsed.skipped.entry(reason).or_default() += 1,
            Err(message) => parsed.errors.push((i + 1, message)),
        }
    }
    parsed.format = parser.format();
    parsed
}

fn shared(relative: &str, test: &str) -> Option<Parsed> {
    let path = rampart_test_support::shared(&format!("flows/{relative}"), test)?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(parse(&text))
}

fn own(name: &str) -> Parsed {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/flows/testdata")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text)
}

#[test]
#[ignore = "prints what the shared samples parse into"]
fn dump_shared() {
    let own = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/flows/testdata");
    for dir in ["hubble", "suricata", "zeek", "vpc", "own"] {
        let root = if dir == "own" {
            own.clone()
        } else {
            rampart_test_support::shared_root().join("flows").join(dir)
        };
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let parsed = parse(&text);
            println!("== {} {:?}", path.display(), parsed.format);
            for flow in &parsed.flows {
                println!("  {flow}");
            }
            println!("  skipped {:?}", parsed.skipped);
            for (line, error) in &parsed.errors {
                println!("  error {line}: {error}");
            }
        }
    }
}

impl Parsed {
    /// Flows whose text contains `needle`.
    fn count(&self, needle: &str) -> usize {
        self.flows.iter().filter(|f| f.contains(needle)).count()
    }

    fn assert_clean(&self, format: Format, flows: usize) {
        assert_eq!(self.format, Some(format));
        assert_eq!(self.errors, Vec::new());
        assert_eq!(self.flows.len(), flows, "{:#?}", self.flows);
    }
}

/// Every upstream sample is recognised and read without an error.
#[test]
fn every_shared_sample_parses() {
    let Some(root) = rampart_test_support::shared("flows", "every_shared_sample_parses") else {
        return;
    };
    let mut files = 0;
    for (dir, formats) in [
        ("hubble", &[Format::Hubble][..]),
        ("suricata", &[Format::SuricataEve]),
        ("zeek", &[Format::ZeekTsv, Format::ZeekJson]),
        ("vpc", &[Format::VpcFlowLog]),
    ] {
        let entries = std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for entry in entries.flatten() {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let parsed = parse(&text);
            assert!(
                parsed.format.is_some_and(|f| formats.contains(&f)),
                "{}: {:?}",
                path.display(),
                parsed.format
            );
            assert_eq!(parsed.errors, Vec::new(), "{}", path.display());
            files += 1;
        }
    }
    assert_eq!(files, 19);
}

#[test]
fn hubble_replies_are_skipped_by_is_reply_reply_and_icmp_type() {
    let test = "hubble_replies_are_skipped_by_is_reply_reply_and_icmp_type";
    let Some(ten) = shared("hubble/hubble-otel.basic-sample-10-flows.json", test) else {
        return;
    };
    // Five records carry the older `"reply": true`; the other five are the requests.
    ten.assert_clean(Format::Hubble, 5);
    assert_eq!(ten.skipped(Skipped::Reply), 5);
    assert!(ten.flows.contains(
        &"istio-system/prometheus-6655946b9f-hx9ln:58698 -> bookinfo/reviews-v1-545db77b95-s6jb8:15090 TCP guessed".to_owned()
    ));
    assert!(ten.flows.contains(
        &"kube-system/event-exporter-gke-67986489c8-svnrf:36804 -> 35.246.31.234:443 TCP guessed".to_owned()
    ));
    let Some(icmp) = shared(
        "hubble/hubble-otel.basic-sample-400-icmpv4-flows.json",
        test,
    ) else {
        return;
    };
    // 11 echo requests; 7 echo replies (4 with is_reply, 3 without, type 0 omitted).
    icmp.assert_clean(Format::Hubble, 11);
    assert_eq!(icmp.skipped(Skipped::Reply), 7);
    assert_eq!(icmp.count(" ICMP"), 11);
    let Some(udp) = shared(
        "hubble/hubble-otel.basic-sample-400-udp-flows.first-120-lines.json",
        test,
    ) else {
        return;
    };
    // is_reply true 44 (skipped), false 54, absent 22 (requests to port 53, guessed).
    udp.assert_clean(Format::Hubble, 76);
    assert_eq!(udp.skipped(Skipped::Reply), 44);
    assert_eq!(udp.count("guessed"), 22);
    assert_eq!(udp.count(":53 UDP"), 76);
    let Some(http) = shared("hubble/hubble-otel.basic-sample-5-http-flows.json", test) else {
        return;
    };
    http.assert_clean(Format::Hubble, 3);
    assert_eq!(http.skipped(Skipped::Reply), 2);
    assert_eq!(
        http.flows[0],
        "istio-system/prometheus-6655946b9f-6xcpf:48532 -> 10.128.0.4:9990 TCP"
    );
}

#[test]
fn hubble_dropped_flows_through_a_field_mask() {
    let Some(dropped) = shared(
        "hubble/cilium-docs.hubble-exporter-output.dropped.json",
        "hubble_dropped_flows_through_a_field_mask",
    ) else {
        return;
    };
    dropped.assert_clean(Format::Hubble, 2);
    assert_eq!(
        dropped.flows,
        [
            "fe80::64d8:8aff:fe72:fc14 -> ff02::2 ICMP dropped",
            "default/xwing:44916 -> default/deathstar-7848d6c4d5-th9v2:80 TCP dropped guessed",
        ]
    );
}

#[test]
fn suricata_alerts_to_the_client_are_turned_round() {
    let test = "suricata_alerts_to_the_client_are_turned_round";
    let Some(ldap) = shared(
        "suricata/suricata-verify.detect-ldap-operation.eve.json",
        test,
    ) else {
        return;
    };
    // Two of the four alerts are to_client (server first); their `flow` object and the
    // flow event all say 1.1.1.1:5555 -> 2.2.2.2:389.
    ldap.assert_clean(Format::SuricataEve, 5);
    assert_eq!(ldap.count("1.1.1.1:5555 -> 2.2.2.2:389 TCP alert"), 4);
    assert_eq!(ldap.flows[4], "1.1.1.1:5555 -> 2.2.2.2:389 TCP");
    assert_eq!(ldap.skipped(Skipped::OtherEvent), 2);
    let Some(old) = shared("suricata/elastic.test-eve-6-0.log", test) else {
        return;
    };
    // No `direction` (Suricata 6): the server port 80 came first, so it is guessed round.
    old.assert_clean(Format::SuricataEve, 3);
    assert_eq!(
        old.flows[0],
        "10.31.64.240:47592 -> 175.16.199.1:80 TCP alert guessed"
    );
    let Some(small) = shared("suricata/elastic.test-eve-small.log", test) else {
        return;
    };
    small.assert_clean(Format::SuricataEve, 2);
    assert_eq!(small.skipped(Skipped::OtherEvent), 10);
    assert_eq!(
        small.flows[1], "fe80::fada:cff:fedc:87f1:546 -> ff02::1:2:547 UDP",
        "uncompressed IPv6 addresses"
    );
    let Some(dns) = shared(
        "suricata/suricata-verify.7.0-dns-json-log.expected.dns.json",
        test,
    ) else {
        return;
    };
    dns.assert_clean(Format::SuricataEve, 0);
    assert_eq!(dns.skipped(Skipped::OtherEvent), 9);
    let Some(state) = shared(
        "suricata/suricata-verify.detect-engine-state-03.eve.json",
        test,
    ) else {
        return;
    };
    state.assert_clean(Format::SuricataEve, 1);
    assert_eq!(state.flows[0], "127.0.0.1:60118 -> 127.0.0.1:8080 TCP");
}

#[test]
fn zeek_connections_keep_zeeks_orientation() {
    let test = "zeek_connections_keep_zeeks_orientation";
    let Some(cut) = shared("zeek/zeek.testing-btest-Files-zeek-cut-logs.conn.log", test) else {
        return;
    };
    cut.assert_clean(Format::ZeekTsv, 5);
    assert_eq!(cut.skipped(Skipped::Header), 9);
    // Active FTP: the server opens the data connection, and Zeek says so.
    assert!(
        cut.flows
            .contains(&"199.233.217.249:61920 -> 141.142.220.235:33582 TCP".to_owned())
    );
    let Some(teredo) = shared(
        "zeek/zeek.testing-btest-Baseline-core.tunnels.teredo.conn.log",
        test,
    ) else {
        return;
    };
    teredo.assert_clean(Format::ZeekTsv, 21);
    assert_eq!(
        (
            teredo.count(" TCP"),
            teredo.count(" UDP"),
            teredo.count(" ICMP")
        ),
        (10, 8, 3)
    );
    let Some(zed) = shared("zeek/brimdata-zed.conn.log", test) else {
        return;
    };
    zed.assert_clean(Format::ZeekTsv, 92);
    assert_eq!(zed.count(" TCP"), 92);
    let Some(json) = shared("zeek/elastic.test-conn.log", test) else {
        return;
    };
    json.assert_clean(Format::ZeekJson, 18);
    assert_eq!(
        (json.count(" TCP"), json.count(" UDP"), json.count(" ICMP")),
        (9, 8, 1)
    );
    assert_eq!(json.count("-> 169.254.169.254:80 TCP"), 3);
}

#[test]
fn vpc_default_custom_and_transit_gateway_layouts() {
    let test = "vpc_default_custom_and_transit_gateway_layouts";
    let Some(extra) = shared("vpc/elastic.test-extra-samples.log", test) else {
        return;
    };
    extra.assert_clean(Format::VpcFlowLog, 5);
    assert_eq!(extra.skipped(Skipped::NoData), 2);
    assert_eq!(extra.count("dropped"), 2);
    assert_eq!(
        extra.flows[1],
        "78.24.182.42:20641 -> 158.109.0.1:22 TCP guessed"
    );
    let Some(flags) = shared("vpc/elastic.test-tcp-flag-sequence.log", test) else {
        return;
    };
    flags.assert_clean(Format::VpcFlowLog, 1);
    assert_eq!(
        (
            flags.skipped(Skipped::Header),
            flags.skipped(Skipped::NoData)
        ),
        (3, 2)
    );
    assert_eq!(
        flags.flows[0],
        "52.213.180.42:43416 -> 10.0.0.62:5001 TCP guessed"
    );
    let Some(v5) = shared("vpc/elastic.test-v5-all-fields.log", test) else {
        return;
    };
    // 29 fields without a header: the version-5 default order; pkt-dstaddr preferred.
    v5.assert_clean(Format::VpcFlowLog, 1);
    assert_eq!(
        v5.flows[0],
        "89.160.20.156:50041 -> 10.200.0.80:33004 UDP dropped guessed"
    );
    let Some(tgw) = shared("vpc/otel.valid_tgw_flow_log.log", test) else {
        return;
    };
    tgw.assert_clean(Format::VpcFlowLog, 1);
    assert_eq!(tgw.flows[0], "10.0.0.1:12345 -> 10.0.1.1:443 TCP guessed");
    let Some(multi) = shared("vpc/otel.valid_vpc_flow_log_multi.log", test) else {
        return;
    };
    multi.assert_clean(Format::VpcFlowLog, 2);
    assert_eq!(multi.count("dropped"), 1);
}

#[test]
fn own_hubble_sample_bare_flows_and_bad_lines() {
    let parsed = own("hubble-bare.json");
    assert_eq!(parsed.format, Some(Format::Hubble));
    assert_eq!(
        parsed.flows,
        [
            "retail/web-7d9f8b6c5-x2x7q:48100 -> retail/db-0:5432 TCP",
            "retail/web-7d9f8b6c5-x2x7q:53001 -> 2606:2800:220:1::1:443 UDP dropped guessed",
            "retail/web-7d9f8b6c5-x2x7q:40222 -> 169.254.169.254:80 TCP guessed",
            "10.244.1.7 -> 10.244.3.3 ICMP",
        ]
    );
    assert_eq!(
        (
            parsed.skipped(Skipped::Reply),
            parsed.skipped(Skipped::OtherEvent),
            parsed.skipped(Skipped::Incomplete)
        ),
        (1, 2, 1)
    );
    let lines: Vec<usize> = parsed.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [8, 9]);
    assert!(
        parsed.errors[0]
            .1
            .contains("\"not-an-address\" is not an IP address")
    );
}

#[test]
fn hubble_workload_names_are_read() {
    let line = r#"{"IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":80}},"is_reply":false,"source":{"namespace":"a","pod_name":"web-5d8f7c9b6-abcde","workloads":[{"name":"web","kind":"Deployment"}]}}"#;
    let Ok(Line::Flow(record)) = FlowParser::new().line(line) else {
        panic!("not a flow");
    };
    let pod = record.source.pod.unwrap_or_else(|| panic!("no pod"));
    assert_eq!(pod.workload.as_deref(), Some("web"));
    assert_eq!(record.destination.pod, None);
    assert_eq!(record.destination.ip, Some(ip("10.0.0.2")));
}

#[test]
fn own_suricata_sample() {
    let parsed = own("suricata.eve.json");
    assert_eq!(
        parsed.flows,
        [
            "10.0.0.10:51000 -> 10.0.0.20:8080 TCP alert",
            "10.0.0.10:51001 -> 198.51.100.7:4444 TCP dropped alert",
            "10.0.0.10:40000 -> 10.0.0.53:53 UDP",
            "10.0.0.10 -> 10.0.0.1 ICMP",
        ]
    );
    assert_eq!(
        parsed.errors,
        [
            (5, "proto: unknown protocol \"GRE-ish\"".to_owned()),
            (6, "flow event without src_ip and dest_ip".to_owned()),
        ]
    );
}

#[test]
fn own_zeek_samples() {
    let nested = own("zeek-nested.json");
    assert_eq!(nested.format, Some(Format::ZeekJson));
    assert_eq!(
        nested.flows,
        [
            "10.0.0.10:51000 -> 10.0.0.20:8080 TCP",
            "10.0.0.10:0 -> 10.0.0.30:0 SCTP",
            "10.0.0.10:51002 -> 10.0.0.20:9090 TCP",
        ]
    );
    assert_eq!(nested.errors, [(4, "id.resp_h is missing".to_owned())]);
    let comma = own("zeek-comma.conn.log");
    assert_eq!(comma.format, Some(Format::ZeekTsv));
    assert_eq!(
        comma.flows,
        [
            "10.0.0.10:51000 -> 10.0.0.20:8080 TCP",
            "10.0.0.10:51001 -> 10.0.0.20 UDP",
        ],
        "a declared separator and an unset port"
    );
    let lines: Vec<usize> = comma.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [9, 10]);
}

#[test]
fn zeek_records_need_their_header() {
    let mut parser = FlowParser::with_format(Format::ZeekTsv);
    let error = parser.line("1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp");
    assert!(error.is_err_and(|e| e.contains("before its #fields header")));
}

#[test]
fn own_vpc_sample_prefers_packet_addresses_and_skips_replies() {
    let parsed = own("vpc-eks.log");
    assert_eq!(
        parsed.flows,
        [
            "10.0.1.77:48000 -> 10.0.2.88:8080 TCP guessed",
            "10.0.1.10:48001 -> 203.0.113.50:443 TCP dropped guessed",
        ]
    );
    assert_eq!(
        (
            parsed.skipped(Skipped::Reply),
            parsed.skipped(Skipped::NoData)
        ),
        (1, 1),
        "the SYN-ACK record is a reply"
    );
    let lines: Vec<usize> = parsed.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [6, 7, 8]);
}

#[test]
fn vpc_record_without_header_needs_a_default_layout() {
    let mut parser = FlowParser::new();
    let line = "3 123 eni-1 10.0.0.1 10.0.0.2 40000 80 6 1 60 1 2 ACCEPT OK x";
    assert_eq!(
        parser
            .line(line)
            .map(|_| ())
            .map_err(|e| e.contains("15 fields")),
        Err(true)
    );
}

#[test]
fn own_csv_sample() {
    let parsed = own("flows.csv");
    assert_eq!(parsed.format, Some(Format::Csv));
    assert_eq!(
        parsed.flows,
        [
            "retail/web -> retail/db:5432 TCP x120",
            "10.0.1.7 -> 93.184.216.34:443 TCP",
            "10.0.1.7 -> fd00:ec2::254:80 TCP x2",
            "tools/debug -> 10.0.2.9 ICMP",
            "retail/web -> retail/db:5432 TCP",
        ]
    );
    let lines: Vec<usize> = parsed.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [8, 9, 10, 11, 12, 13]);
}

#[test]
fn unknown_content_is_an_error_per_line_until_recognised() {
    let parsed = parse("hello world\n\n10.0.0.1,10.0.0.2,80,TCP\n");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].0, 1);
    assert_eq!(parsed.flows, ["10.0.0.1 -> 10.0.0.2:80 TCP"]);
    assert_eq!(parsed.format, Some(Format::Csv));
}

#[test]
fn detection_by_content() {
    let cases = [
        (r#"{"flow":{"IP":{}}}"#, Some(Format::Hubble)),
        (
            r#"{"IP":{"source":"1.1.1.1"},"l4":{}}"#,
            Some(Format::Hubble),
        ),
        (r#"{"event_type":"flow"}"#, Some(Format::SuricataEve)),
        (r#"{"id.orig_h":"1.1.1.1"}"#, Some(Format::ZeekJson)),
        (r#"{"id":{"orig_h":"1.1.1.1"}}"#, Some(Format::ZeekJson)),
        ("#separator \\x09", Some(Format::ZeekTsv)),
        (
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
            Some(Format::VpcFlowLog),
        ),
        (
            "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK",
            Some(Format::VpcFlowLog),
        ),
        ("src,dst,dst_port,protocol", Some(Format::Csv)),
        ("# a comment", Some(Format::Csv)),
        (r#"{"kind":"Pod"}"#, None),
        ("apiVersion: v1", None),
    ];
    for (line, expected) in cases {
        assert_eq!(super::detect(line), expected, "{line}");
    }
}

#[test]
fn carriage_returns_are_dropped() {
    let parsed = parse("src,dst,dst_port,protocol\r\n10.0.0.1,10.0.0.2,80,TCP\r\n");
    assert_eq!(parsed.flows, ["10.0.0.1 -> 10.0.0.2:80 TCP"]);
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn transports_by_name_and_number() {
    assert_eq!(Transport::parse("IPv6-ICMP"), Some(Transport::Icmp));
    assert_eq!(Transport::parse("tcp"), Some(Transport::Tcp));
    assert_eq!(Transport::parse("132"), Some(Transport::Sctp));
    assert_eq!(Transport::parse("047"), Some(Transport::Other(47)));
    assert_eq!(Transport::parse("quic"), None);
    assert_eq!(
        Transport::Udp.policy_protocol(),
        Some(crate::netpol::Protocol::Udp)
    );
    assert_eq!(Transport::Icmp.policy_protocol(), None);
}
