//! `rampart netpol`: NetworkPolicy reachability, explanations and isolation; observed
//! flows judged and turned into policies (`flows.rs`).

mod flowlog;
mod flows;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::{Result, bail};
use rampart_core::netpol::load::{NetworkObject, network_object};
use rampart_core::netpol::ports::resolve_named;
use rampart_core::netpol::{
    Cluster, Isolation, Matrix, Note, Options, Peer, PortSpec, Protocol, Severity, Verdict,
};
use rampart_core::object::{ContainerKind, LoadedObject, PodView, WorkloadKinds, pod_containers};
use rampart_core::source::{InputError, Pos};
use serde::Serialize;

use super::{Problems, load_inputs};
use crate::cli::{ConnectionArgs, Exit, InputArgs, NetpolArgs, NetpolCommand, NetpolFormat};

/// The cluster built from the inputs, and every problem met on the way.
struct Model {
    cluster: Cluster,
    /// Every container port the endpoints' pods declare.
    declared: BTreeSet<(Protocol, u16)>,
    errors: Problems,
    warnings: Problems,
}

/// Reads the manifests into a cluster. `assume_cluster_dns` adds an endpoint for the
/// cluster DNS when the input has none (for observed flows).
fn build(
    input: &InputArgs,
    cluster: Option<&ConnectionArgs>,
    ipblock_pod_ips: bool,
    assume_cluster_dns: bool,
) -> Model {
    let kinds = WorkloadKinds::default();
    let (files, mut errors) = match cluster {
        Some(connection) => load_cluster(connection, input, &kinds),
        None => load_inputs(&input.paths, input),
    };
    let mut builder = Cluster::builder()
        .options(Options {
            ipblock_matches_pod_ips: ipblock_pod_ips,
            ..Options::default()
        })
        .assume_cluster_dns(assume_cluster_dns);
    let mut policies = Vec::new();
    let mut declared = BTreeSet::new();
    for (file, loaded) in &files {
        for object in &loaded.objects {
            match network_object(&object.id, &object.value, &kinds) {
                Ok(Some(network)) => {
                    if matches!(network, NetworkObject::Endpoint(_)) {
                        declared.extend(declared_ports(object, &kinds));
                    }
                    builder = builder.object(network);
                }
                Ok(None) => {}
                Err(e) => errors.push(
                    file,
                    InputError::new(
                        loaded.locate(object, &e.path),
                        format!("{}: {}", e.path, e.message),
                    ),
                ),
            }
            if object.id.kind == "NetworkPolicy" {
                policies.push((file, loaded, object));
            }
        }
    }
    let (cluster, problems) = builder.build();
    let mut warnings = Problems::default();
    for problem in problems {
        let found = policies.iter().find(|(_, _, o)| {
            o.id.name.as_deref() == Some(problem.name.as_str())
                && o.id.namespace.as_deref().unwrap_or("default") == problem.namespace
        });
        let (file, pos) = found.map_or(("-", Pos::new(1, 1)), |(file, loaded, object)| {
            (file.as_str(), loaded.locate(object, &problem.path))
        });
        let message = format!(
            "NetworkPolicy {}/{}: {}: {}",
            problem.namespace, problem.name, problem.path, problem.message
        );
        match problem.severity {
            Severity::Error => errors.push(
                file,
                InputError::new(pos, format!("{message} (policy left out)")),
            ),
            Severity::Warning => warnings.push(file, InputError::new(pos, message)),
        }
    }
    Model {
        cluster,
        declared,
        errors,
        warnings,
    }
}

/// The objects of the live cluster, read as `rampart cluster` reads them (one input
/// named `kubernetes://<context>`), and what could not be read as errors.
fn load_cluster(
    connection: &ConnectionArgs,
    input: &InputArgs,
    kinds: &WorkloadKinds,
) -> (Vec<(String, rampart_core::object::Loaded)>, Problems) {
    let mut problems = Problems::default();
    let flags = super::cluster::flags(connection, &[]);
    let snapshot = match super::cluster::read_cluster(&flags, kinds, false) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            problems.push(
                "kubernetes",
                InputError::new(Pos::new(1, 1), format!("{error:#}")),
            );
            return (Vec::new(), problems);
        }
    };
    let name = format!("kubernetes://{}", snapshot.context);
    for gap in snapshot.gaps() {
        problems.push(&name, InputError::new(Pos::new(1, 1), gap.to_string()));
    }
    let mut stream = Vec::new();
    // Writing into memory cannot fail.
    let _ = super::cluster::write_stream(&snapshot, &mut stream);
    let limits =
        rampart_core::source::Limits::for_file_size(input.max_file_size.max(stream.len() as u64));
    let loaded = rampart_core::object::load(&stream, &limits);
    for error in &loaded.errors {
        problems.push(&name, error.clone());
    }
    (vec![(name, loaded)], problems)
}

/// The ports the pod of an endpoint's object declares: its containers' and its sidecars'
/// (init containers that keep running), as the pod serves them.
fn declared_ports(object: &LoadedObject, kinds: &WorkloadKinds) -> Vec<(Protocol, u16)> {
    let Some(location) = kinds.template_of(&object.id) else {
        return Vec::new();
    };
    let Ok(Some(pod)) = PodView::read(&object.value, location) else {
        return Vec::new();
    };
    pod_containers(&pod.spec)
        .filter(|c| c.kind == ContainerKind::Regular || c.restart_policy == Some("Always"))
        .flat_map(|c| c.ports)
        .filter_map(|p| {
            let protocol = Protocol::parse(p.protocol.as_deref().unwrap_or("TCP"))?;
            Some((protocol, u16::try_from(p.container_port).ok()?))
        })
        .collect()
}

fn report_problems(model: &Model) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    model.errors.write_text(&mut err, "error")?;
    model.warnings.write_text(&mut err, "warning")
}

fn peer(text: Option<&str>, flag: &str) -> Result<Peer> {
    let Some(text) = text else {
        bail!("{flag} is required: namespace/pod or an IP address");
    };
    text.parse().map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

fn port_spec(text: &str) -> PortSpec {
    text.parse::<u16>()
        .map_or_else(|_| PortSpec::Name(text.to_owned()), PortSpec::Number)
}

/// The questions asked of the manifests alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Question {
    Matrix,
    Query,
    Explain,
    Isolation,
}

pub fn run(command: &NetpolCommand) -> Result<Exit> {
    match command {
        NetpolCommand::Matrix(args) => answer(Question::Matrix, args),
        NetpolCommand::Query(args) => answer(Question::Query, args),
        NetpolCommand::Explain(args) => answer(Question::Explain, args),
        NetpolCommand::Isolation(args) => answer(Question::Isolation, args),
        NetpolCommand::Flows(args) => flows::run_flows(args),
        NetpolCommand::Generate(args) => flows::run_generate(args),
    }
}

fn answer(question: Question, args: &NetpolArgs) -> Result<Exit> {
    if args.format == NetpolFormat::Dot && question != Question::Matrix {
        bail!("--format dot is only for `netpol matrix`");
    }
    let cluster = args.cluster.then_some(&args.connection);
    let model = build(&args.input, cluster, args.ipblock_pod_ips, false);
    report_problems(&model)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (denied, written) = match question {
        Question::Matrix => {
            let matrices = matrices(&model, args)?;
            let written = matrices.iter().enumerate().try_for_each(|(i, matrix)| {
                if i > 0 && args.format != NetpolFormat::Json {
                    writeln!(out)?;
                }
                match args.format {
                    NetpolFormat::Text => write_matrix(matrix, &mut out),
                    NetpolFormat::Json => json(matrix, &mut out),
                    NetpolFormat::Dot => write_dot(matrix, &mut out),
                }
            });
            (false, written)
        }
        Question::Query | Question::Explain => {
            let (from, to) = (
                peer(args.from.as_deref(), "--from")?,
                peer(args.to.as_deref(), "--to")?,
            );
            let port = port_spec(args.query_port());
            let verdict = model.cluster.query(&from, &to, &port, args.protocol())?;
            let explain = question == Question::Explain;
            let written = match args.format {
                NetpolFormat::Json => json(&verdict, &mut out),
                _ if explain => write_explanation(&from, &to, args, &verdict, &mut out),
                _ => writeln!(
                    out,
                    "{from} -> {to} on {}/{}: {}",
                    args.query_port(),
                    args.protocol(),
                    if verdict.allowed { "allowed" } else { "denied" }
                )
                .map_err(Into::into),
            };
            (!verdict.allowed, written)
        }
        Question::Isolation => {
            let isolation = model.cluster.isolation();
            let written = match args.format {
                NetpolFormat::Json => json(&isolation, &mut out),
                _ => write_isolation(&isolation, &model.cluster, &mut out),
            };
            (false, written)
        }
    };
    super::report_written(written.and_then(|()| Ok(out.flush()?)))?;
    Ok(exit(&model.errors, denied))
}

/// 2 for input errors, else 1 for a `no` answer, else 0.
fn exit(errors: &Problems, no: bool) -> Exit {
    if !errors.is_empty() {
        Exit::Usage
    } else if no {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

fn json<T: serde::Serialize>(value: &T, out: &mut dyn Write) -> Result<()> {
    // As an io error: serde_json's own error does not list the io error among its causes.
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// A reachability matrix for one port: a number, or a container port name that each
/// destination resolves to its own number. The JSON is `Matrix`'s, with the numbers per
/// destination added for a named port.
#[derive(Debug, Serialize)]
struct PortMatrix {
    port: PortLabel,
    protocol: Protocol,
    pods: Vec<String>,
    allowed: Vec<Vec<bool>>,
    /// For a named port: the number it is on each destination (column), `null` where the
    /// destination has no port of that name (nothing can connect there).
    #[serde(skip_serializing_if = "Option::is_none")]
    ports: Option<Vec<Option<u16>>>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PortLabel {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for PortLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

impl From<Matrix> for PortMatrix {
    fn from(m: Matrix) -> Self {
        Self {
            port: PortLabel::Number(m.port),
            protocol: m.protocol,
            pods: m.pods,
            allowed: m.allowed,
            ports: None,
        }
    }
}

/// The matrices `netpol matrix` prints: for `--port`, or for every port the pods declare
/// (of `--protocol` when given), in port order.
fn matrices(model: &Model, args: &NetpolArgs) -> Result<Vec<PortMatrix>> {
    let cluster = &model.cluster;
    match args.port.as_deref().map(port_spec) {
        Some(PortSpec::Number(port)) => Ok(vec![cluster.matrix(port, args.protocol()).into()]),
        Some(PortSpec::Name(name)) => Ok(vec![named_matrix(cluster, &name, args.protocol())?]),
        None => {
            let mut ports: Vec<(u16, Protocol)> = model
                .declared
                .iter()
                .filter(|(protocol, _)| args.protocol.is_none_or(|p| p == *protocol))
                .map(|(protocol, port)| (*port, *protocol))
                .collect();
            ports.sort();
            if ports.is_empty() {
                let protocol = args.protocol.map(|p| format!(" {p}")).unwrap_or_default();
                bail!(
                    "no pod in the input declares a{protocol} container port: give --port N|NAME"
                );
            }
            Ok(ports
                .into_iter()
                .map(|(port, protocol)| cluster.matrix(port, protocol).into())
                .collect())
        }
    }
}

/// The matrix for a named port: each destination column is evaluated on the number the
/// name has on that destination (as the API server resolves a named targetPort).
fn named_matrix(cluster: &Cluster, name: &str, protocol: Protocol) -> Result<PortMatrix> {
    let numbers: Vec<Option<u16>> = cluster
        .endpoints()
        .iter()
        .map(|e| resolve_named(&e.ports, name, protocol))
        .collect();
    if numbers.iter().all(Option::is_none) {
        bail!("no pod in the input has a {protocol} container port named {name:?}");
    }
    let by_number: BTreeMap<u16, Matrix> = numbers
        .iter()
        .flatten()
        .map(|&n| (n, cluster.matrix(n, protocol)))
        .collect();
    let pods: Vec<String> = cluster.endpoints().iter().map(|e| e.id()).collect();
    let allowed = (0..pods.len())
        .map(|from| {
            numbers
                .iter()
                .enumerate()
                .map(|(to, number)| {
                    number
                        .and_then(|n| by_number.get(&n))
                        .and_then(|m| m.allowed.get(from)?.get(to).copied())
                        .unwrap_or(false)
                })
                .collect()
        })
        .collect();
    Ok(PortMatrix {
        port: PortLabel::Name(name.to_owned()),
        protocol,
        pods,
        allowed,
        ports: Some(numbers),
    })
}

/// The truth table the upstream e2e suite prints (`.` allowed, `X` denied; `-` where a
/// named port does not exist), in aligned columns.
fn write_matrix(matrix: &PortMatrix, out: &mut dyn Write) -> Result<()> {
    let absent = if matrix.ports.is_some() {
        "; - no such port"
    } else {
        ""
    };
    writeln!(
        out,
        "reachability on {}/{} (rows: from, columns: to; . allowed, X denied{absent})",
        matrix.port, matrix.protocol
    )?;
    let first = matrix.pods.iter().map(String::len).max().unwrap_or(0);
    let mut header = format!("{:first$}", "");
    for pod in &matrix.pods {
        header.push_str("  ");
        header.push_str(pod);
    }
    writeln!(out, "{}", header.trim_end())?;
    for (from, row) in matrix.pods.iter().zip(&matrix.allowed) {
        let mut line = format!("{from:first$}");
        for (to, (pod, allowed)) in matrix.pods.iter().zip(row).enumerate() {
            let exists = matrix
                .ports
                .as_ref()
                .is_none_or(|p| p.get(to).is_some_and(Option::is_some));
            let cell = match (exists, allowed) {
                (false, _) => "-",
                (true, true) => ".",
                (true, false) => "X",
            };
            line.push_str(&format!("  {cell:width$}", width = pod.len()));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_dot(matrix: &PortMatrix, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "digraph reachability {{\n  label=\"{}/{}\";",
        matrix.port, matrix.protocol
    )?;
    for pod in &matrix.pods {
        writeln!(out, "  \"{pod}\";")?;
    }
    for (from, row) in matrix.pods.iter().zip(&matrix.allowed) {
        for (to, allowed) in matrix.pods.iter().zip(row) {
            if *allowed && from != to {
                writeln!(out, "  \"{from}\" -> \"{to}\";")?;
            }
        }
    }
    writeln!(out, "}}")?;
    Ok(())
}

fn write_explanation(
    from: &Peer,
    to: &Peer,
    args: &NetpolArgs,
    verdict: &Verdict,
    out: &mut dyn Write,
) -> Result<()> {
    let outcome = if verdict.allowed { "ALLOWED" } else { "DENIED" };
    writeln!(
        out,
        "{from} -> {to} on {}/{}: {outcome}",
        args.query_port(),
        args.protocol()
    )?;
    for sentence in verdict.sentences(&from.to_string(), &to.to_string()) {
        writeln!(out, "  {sentence}")?;
    }
    for note in &verdict.notes {
        writeln!(out, "  Note: {}", note_sentence(note))?;
    }
    Ok(())
}

/// A note of the verdict in words.
fn note_sentence(note: &Note) -> String {
    match note {
        Note::Hairpin => "source and destination are the same pod; NetworkPolicy v1 leaves \
             this case open and network plugins differ, so this is what the policies say."
            .to_owned(),
        Note::NodeLocalIngress { node } => format!(
            "ingress is allowed because the connection comes from node {node}, where the \
             destination runs: a pod's own node may always reach it."
        ),
        Note::IpblockMatchedPodIp { rule } => format!(
            "{rule} matched a pod's IP with an ipBlock; plugins differ on that \
             (--ipblock-pod-ips false evaluates as Cilium does)."
        ),
        Note::HostNetworkAsNode { endpoint } => {
            format!("{endpoint} uses the host's network, so it was treated as its node.")
        }
        Note::NamedPortResolved {
            name,
            port,
            protocol,
        } => format!("port {name:?} is {port}/{protocol} on the destination."),
        Note::NonPodDestination => "the destination is not a pod, so only the source's \
             egress applies (address translation on the way is not modelled)."
            .to_owned(),
    }
}

fn write_isolation(isolation: &Isolation, cluster: &Cluster, out: &mut dyn Write) -> Result<()> {
    let all: Vec<String> = cluster.endpoints().iter().map(|e| e.id()).collect();
    for (direction, isolated, without_deny) in [
        (
            "ingress",
            &isolation.ingress,
            &isolation.namespaces_without_default_deny.ingress,
        ),
        (
            "egress",
            &isolation.egress,
            &isolation.namespaces_without_default_deny.egress,
        ),
    ] {
        let open: Vec<&String> = all.iter().filter(|p| !isolated.contains(p)).collect();
        writeln!(
            out,
            "{direction}: {} isolated, {} open",
            isolated.len(),
            open.len()
        )?;
        for pod in isolated {
            writeln!(out, "  isolated  {pod}")?;
        }
        for pod in open {
            writeln!(out, "  OPEN      {pod}")?;
        }
        if !without_deny.is_empty() {
            writeln!(
                out,
                "  namespaces without a default deny for {direction}: {}",
                without_deny.join(", ")
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_is_a_sentence() {
        let notes = [
            Note::Hairpin,
            Note::NodeLocalIngress { node: "n1".into() },
            Note::IpblockMatchedPodIp {
                rule: "ns/p#ingress[0]".into(),
            },
            Note::HostNetworkAsNode {
                endpoint: "ns/p".into(),
            },
            Note::NamedPortResolved {
                name: "pg".into(),
                port: 5432,
                protocol: Protocol::Tcp,
            },
            Note::NonPodDestination,
        ];
        for note in &notes {
            let sentence = note_sentence(note);
            assert!(
                sentence.ends_with('.') && !sentence.contains('{'),
                "{sentence}"
            );
        }
    }
}
