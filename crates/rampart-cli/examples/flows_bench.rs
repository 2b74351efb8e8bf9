//! Flow benchmark: judging 1,000,000 observed flows over a 10,000-pod cluster, and
//! generating policies for 2,000 workloads, each against a baseline measured in the
//! same run.
//!
//! `cargo run --release -p rampart-cli --example flows_bench -- [DIR] [PODS] [FLOWS] [WORKLOADS] [judge|generate]`
//! (defaults: a temporary directory, 10000, 1000000, 2000, both) writes a synthetic cluster
//! (`cluster.json`: pods with their IPs, Services, NetworkPolicies) and the same flows
//! as a Hubble log and as CSV into DIR, then, per format, alternates:
//!
//! * **read**: the log read line by line and parsed, nothing else (the baseline);
//! * **observe**: read, parsed, each flow mapped onto the cluster and counted;
//! * **judge**: the counted flows judged (verdicts, denied pairs, egress, metadata,
//!   allowed paths never observed);
//!
//! and prints flows per second and the ratios. Then, on a cluster of WORKLOADS
//! workloads, it times `generate` (policies and proof) against judging the same flows.
//! `scripts/flows-bench.sh` also measures the CLI's wall time and peak memory.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a benchmark that cannot write its data has nothing to report

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::networking::v1::NetworkPolicy;
use rampart_core::flows::{FlowParser, Line};
use rampart_core::netpol::{Cluster, Endpoint, GenerateOptions, NamedPort, Observed, Protocol};

const NAMESPACES: usize = 200;
const REPLICAS: usize = 5;
const EXTERNAL: usize = 500;

/// The synthetic cluster's pods: `(namespace, workload, replica)`.
struct Shape {
    namespaces: usize,
    workloads: usize,
    replicas: usize,
}

impl Shape {
    fn pods(&self) -> usize {
        self.namespaces * self.workloads * self.replicas
    }

    fn ip(&self, ns: usize, w: usize, r: usize) -> String {
        let i = (ns * self.workloads + w) * self.replicas + r;
        format!("10.{}.{}.{}", 64 + i / 65536, (i / 256) % 256, i % 256)
    }

    fn service_ip(&self, ns: usize, w: usize) -> String {
        let i = ns * self.workloads + w;
        format!("10.96.{}.{}", 1 + i / 256, i % 256)
    }

    fn pod_name(&self, w: usize, r: usize) -> String {
        format!("w{w}-5d8f7c9b{w:02}-r{r:04}")
    }
}

fn policy(namespace: &str, name: &str, spec: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"namespace": namespace, "name": name}, "spec": spec
    })
}

/// Pods, Services and policies as one `kind: List`.
fn cluster_json(shape: &Shape) -> serde_json::Value {
    let mut items = Vec::new();
    for ns in 0..shape.namespaces {
        let namespace = format!("ns-{ns}");
        items.push(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"team": format!("team-{}", ns % 20)}}}));
        for w in 0..shape.workloads {
            let tier = if w % 2 == 0 { "web" } else { "api" };
            for r in 0..shape.replicas {
                items.push(serde_json::json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"namespace": namespace, "name": shape.pod_name(w, r),
                        "labels": {"app": format!("w{w}"), "tier": tier,
                                   "pod-template-hash": format!("5d8f7c9b{w:02}")}},
                    "spec": {"nodeName": format!("node-{}", (ns + r) % 50),
                        "containers": [{"name": "main", "image": "app:1",
                            "ports": [{"name": "http", "containerPort": 8080}]}]},
                    "status": {"podIP": shape.ip(ns, w, r), "podIPs": [{"ip": shape.ip(ns, w, r)}]}
                }));
            }
            items.push(serde_json::json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"namespace": namespace, "name": format!("w{w}")},
                "spec": {"clusterIP": shape.service_ip(ns, w), "selector": {"app": format!("w{w}")},
                         "ports": [{"port": 80, "targetPort": "http"}]}
            }));
        }
        items.push(policy(
            &namespace,
            "default-deny",
            serde_json::json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ));
        items.push(policy(
            &namespace,
            "intra",
            serde_json::json!({
            "podSelector": {},
            "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": "http"}]}],
            "egress": [{"to": [{"podSelector": {}}], "ports": [{"port": "http"}]}]}),
        ));
        items.push(policy(&namespace, "dns", serde_json::json!({
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"port": 53, "protocol": "UDP"}]}]})));
        items.push(policy(&namespace, "web-out", serde_json::json!({
            "podSelector": {"matchLabels": {"tier": "web"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}}],
                        "ports": [{"port": 443}]}]})));
    }
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items})
}

/// One observed connection: the i-th of the log.
struct Flow {
    source: (usize, usize, usize),
    destination: Destination,
}

enum Destination {
    Pod(usize, usize, usize, u16),
    Service(usize, usize),
    Dns,
    External(usize),
    Metadata,
}

/// The i-th flow: each pod talks to the next workload of its namespace directly and
/// through its Service, to the cluster DNS and, for web pods, out of the cluster; a few
/// flows cross namespaces (denied) and a few reach the metadata address.
fn flow(shape: &Shape, i: usize) -> Flow {
    let pod = i % shape.pods();
    let (ns, rest) = (
        pod / (shape.workloads * shape.replicas),
        pod % (shape.workloads * shape.replicas),
    );
    let (w, r) = (rest / shape.replicas, rest % shape.replicas);
    let round = i / shape.pods();
    let next = (w + 1) % shape.workloads;
    let destination = match round % 10 {
        0..=3 => Destination::Pod(ns, next, (r + round) % shape.replicas, 8080),
        4 | 5 => Destination::Service(ns, next),
        6 | 7 => Destination::Dns,
        8 if w % 2 == 0 => Destination::External((pod + round) % EXTERNAL),
        8 => Destination::Pod((ns + 1) % shape.namespaces, w, r, 8080),
        _ if pod.is_multiple_of(97) => Destination::Metadata,
        _ => Destination::Pod(ns, w, (r + 1) % shape.replicas, 8080),
    };
    Flow {
        source: (ns, w, r),
        destination,
    }
}

fn external_ip(k: usize) -> String {
    format!("93.{}.{}.{}", 184 + k / 65536, (k / 256) % 256, k % 256)
}

/// The flow's destination address, port and protocol, and its pod when it has one.
fn target(
    shape: &Shape,
    flow: &Flow,
) -> (String, u16, &'static str, Option<(usize, usize, usize)>) {
    match flow.destination {
        Destination::Pod(ns, w, r, port) => (shape.ip(ns, w, r), port, "TCP", Some((ns, w, r))),
        Destination::Service(ns, w) => (shape.service_ip(ns, w), 80, "TCP", None),
        Destination::Dns => ("10.96.0.10".to_owned(), 53, "UDP", None),
        Destination::External(k) => (external_ip(k), 443, "TCP", None),
        Destination::Metadata => ("169.254.169.254".to_owned(), 80, "TCP", None),
    }
}

/// Writes the flows as Hubble `GetFlowsResponse` lines (about 750 bytes each, like
/// `hubble observe -o jsonpb`).
fn write_hubble(shape: &Shape, flows: usize, path: &Path) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("writable"));
    let mut line = String::new();
    for i in 0..flows {
        let f = flow(shape, i);
        let (ns, w, r) = f.source;
        let (address, port, protocol, pod) = target(shape, &f);
        let l4 = if protocol == "UDP" { "UDP" } else { "TCP" };
        let destination = match pod {
            Some((dns, dw, dr)) => format!(
                r#"{{"ID":{dr},"identity":{},"namespace":"ns-{dns}","labels":["k8s:app=w{dw}"],"pod_name":"{}"}}"#,
                30000 + dw,
                shape.pod_name(dw, dr)
            ),
            None => r#"{"identity":2,"labels":["reserved:world"]}"#.to_owned(),
        };
        line.clear();
        let _ = write!(
            line,
            r#"{{"flow":{{"time":"2026-12-01T10:00:00.{i:09}Z","verdict":"FORWARDED","ethernet":{{"source":"46:e5:ea:1f:95:ff","destination":"d6:ec:b0:4a:ff:46"}},"IP":{{"source":"{}","destination":"{address}","ipVersion":"IPv4"}},"l4":{{"{l4}":{{"source_port":{},"destination_port":{port}}}}},"source":{{"ID":{r},"identity":{},"namespace":"ns-{ns}","labels":["k8s:app=w{w}","k8s:io.kubernetes.pod.namespace=ns-{ns}"],"pod_name":"{}"}},"destination":{destination},"Type":"L3_L4","node_name":"node-{}","event_type":{{"type":4}},"is_reply":false,"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","Summary":"{l4}"}},"node_name":"node-{}","time":"2026-12-01T10:00:00.{i:09}Z"}}"#,
            shape.ip(ns, w, r),
            32768 + i % 28000,
            30000 + w,
            shape.pod_name(w, r),
            ns % 50,
            ns % 50,
        );
        line.push('\n');
        out.write_all(line.as_bytes()).expect("writable");
    }
    out.flush().expect("writable");
}

fn write_csv(shape: &Shape, flows: usize, path: &Path) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("writable"));
    writeln!(out, "src,dst,dst_port,protocol").expect("writable");
    for i in 0..flows {
        let f = flow(shape, i);
        let (ns, w, r) = f.source;
        let (address, port, protocol, _) = target(shape, &f);
        writeln!(out, "{},{address},{port},{protocol}", shape.ip(ns, w, r)).expect("writable");
    }
    out.flush().expect("writable");
}

/// Reads `path` line by line; `f` gets each line.
fn each_line(path: &Path, mut f: impl FnMut(&str)) {
    let mut reader =
        BufReader::with_capacity(256 << 10, std::fs::File::open(path).expect("readable"));
    let mut line = String::new();
    while reader.read_line(&mut line).expect("readable") > 0 {
        f(line.trim_end_matches('\n'));
        line.clear();
    }
}

fn read_only(path: &Path) -> usize {
    let mut parser = FlowParser::new();
    let mut flows = 0;
    each_line(path, |line| {
        if let Ok(Line::Flow(_)) = parser.line(line) {
            flows += 1;
        }
    });
    flows
}

fn observe(cluster: &Cluster, path: &Path) -> Observed {
    let mut parser = FlowParser::new();
    let mut observer = cluster.observer();
    each_line(path, |line| match parser.line(line) {
        Ok(Line::Flow(record)) => observer.record(&record),
        Ok(Line::Skipped(reason)) => observer.skipped(reason),
        Err(e) => panic!("{e}"),
    });
    observer.finish()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn rate(n: usize, time: Duration) -> String {
    format!("{:.0} flows/s", n as f64 / time.as_secs_f64())
}

/// Builds a cluster from the synthetic `kind: List`, as the CLI would from the file.
fn build(list: &serde_json::Value) -> Cluster {
    let kinds = rampart_core::object::WorkloadKinds::default();
    let mut builder = Cluster::builder().assume_cluster_dns(true);
    for item in list["items"].as_array().expect("items") {
        let text = item.to_string();
        let loaded = rampart_core::object::load(text.as_bytes(), &Default::default());
        for object in &loaded.objects {
            if let Ok(Some(network)) =
                rampart_core::netpol::load::network_object(&object.id, &object.value, &kinds)
            {
                builder = builder.object(network);
            }
        }
    }
    let (cluster, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:?}");
    cluster
}

fn judging(dir: &Path, pods: usize, flows: usize, rounds: usize) {
    let shape = Shape {
        namespaces: NAMESPACES,
        workloads: pods / NAMESPACES / REPLICAS,
        replicas: REPLICAS,
    };
    let list = cluster_json(&shape);
    std::fs::write(
        dir.join("cluster.json"),
        serde_json::to_vec(&list).expect("json"),
    )
    .expect("writable");
    let started = Instant::now();
    let cluster = build(&list);
    println!(
        "cluster: {} pods, {} Services, {} classes, built in {:.0?}",
        cluster.endpoints().len(),
        cluster.services().len(),
        cluster.class_count(),
        started.elapsed()
    );
    for (name, writer) in [
        ("csv", write_csv as fn(&Shape, usize, &Path)),
        ("hubble", write_hubble),
    ] {
        let path = dir.join(format!("flows.{name}"));
        if !path.exists() {
            writer(&shape, flows, &path);
        }
        let size = std::fs::metadata(&path)
            .map(|m| m.len())
            .unwrap_or_default();
        let (mut read, mut observed_times, mut judged_times) = (Vec::new(), Vec::new(), Vec::new());
        let mut summary = String::new();
        for _ in 0..rounds {
            let t = Instant::now();
            let n = read_only(&path);
            read.push(t.elapsed());
            assert_eq!(n, flows);
            let t = Instant::now();
            let observed = observe(&cluster, &path);
            observed_times.push(t.elapsed());
            let t = Instant::now();
            let report = cluster.judge_flows(&observed);
            judged_times.push(t.elapsed());
            summary = format!(
                "{} distinct flows: {} allowed, {} denied, {} not judged; {} unused paths",
                report.summary.flows,
                report.summary.allowed,
                report.summary.denied,
                report.summary.not_judged,
                report.unobserved.len()
            );
        }
        let (read, observe_time, judge_time) =
            (median(read), median(observed_times), median(judged_times));
        let total = observe_time + judge_time;
        println!("{name}: {flows} flows, {} MB; {summary}", size / 1_000_000);
        println!(
            "  read + parse only (baseline)  {read:>10.2?}  {}",
            rate(flows, read)
        );
        println!(
            "  + map onto the cluster, count {observe_time:>10.2?}  {}",
            rate(flows, observe_time)
        );
        println!("  + judge (report)              {judge_time:>10.2?}");
        println!(
            "  judged in all                 {total:>10.2?}  {}  = {:.2}x the baseline",
            rate(flows, total),
            total.as_secs_f64() / read.as_secs_f64()
        );
    }
}

/// Endpoints for `workloads` workloads (one endpoint each, as Deployments give).
fn generation(workloads: usize, rounds: usize) {
    let namespaces = workloads.div_ceil(20);
    let mut builder = Cluster::builder().assume_cluster_dns(true);
    let ports = [8080u16, 80, 443, 5432, 6379, 9090, 3000, 8443, 9200, 27017];
    for i in 0..workloads {
        let mut endpoint = Endpoint::new(format!("ns-{}", i / 20), format!("w{i}"));
        endpoint.labels = [
            ("app".to_owned(), format!("w{i}")),
            ("team".to_owned(), format!("t{}", i % 7)),
        ]
        .into_iter()
        .collect();
        endpoint.ports = vec![NamedPort {
            name: "main".to_owned(),
            port: ports[i % ports.len()],
            protocol: Protocol::Tcp,
        }];
        builder = builder.endpoint(endpoint);
    }
    let (cluster, _) = builder.build();
    let mut observer = cluster.observer();
    let mut parser = FlowParser::new();
    let mut lines = vec!["src,dst,dst_port,protocol,time,count".to_owned()];
    for i in 0..workloads {
        let ns = i / 20;
        for k in 1..=3 {
            let j = (i + k * 7) % workloads;
            lines.push(format!(
                "ns-{ns}/w{i},ns-{}/w{j},{},TCP,,{}",
                j / 20,
                ports[j % ports.len()],
                k
            ));
        }
        lines.push(format!("ns-{ns}/w{i},10.96.0.10,53,UDP,,10"));
        if i % 5 == 0 {
            lines.push(format!("ns-{ns}/w{i},{},443,TCP", external_ip(i)));
        }
    }
    for line in &lines {
        match parser.line(line) {
            Ok(Line::Flow(record)) => observer.record(&record),
            Ok(Line::Skipped(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let observed = observer.finish();
    let (mut judged, mut generated) = (Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let report = cluster.judge_flows(&observed);
        judged.push(t.elapsed());
        assert_eq!(report.summary.flows, observed.len());
        let t = Instant::now();
        let result = cluster.generate(&observed, &GenerateOptions::default());
        generated.push(t.elapsed());
        assert!(result.proof.holds, "{:?}", result.proof.summary());
        let policies: Vec<NetworkPolicy> =
            result.policies.iter().map(|p| p.policy.clone()).collect();
        summary = format!(
            "{} policies, {} flows proven, {} port intervals",
            policies.len(),
            result.proof.observed,
            result.proof.port_classes
        );
    }
    let (judged, generated) = (median(judged), median(generated));
    println!(
        "generate: {workloads} workloads, {} distinct flows, {namespaces} namespaces; {summary}",
        observed.len()
    );
    println!("  judge the same flows (baseline) {judged:>10.2?}");
    println!(
        "  generate + prove                {generated:>10.2?}  = {:.2}x the baseline",
        generated.as_secs_f64() / judged.as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from);
    let pods: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let flows: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let workloads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let only = args.next();
    let rounds = 3;
    let temporary = dir.is_none();
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("rampart-flows-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("writable directory");
    if only.as_deref() != Some("generate") {
        judging(&dir, pods, flows, rounds);
    }
    if only.as_deref() != Some("judge") {
        generation(workloads, rounds);
    }
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
