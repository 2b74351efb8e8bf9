//! `rampart netpol`: NetworkPolicy reachability, explanations and isolation; observed
//! flows judged and turned into policies (`flows.rs`).

mod flowlog;
mod flows;

use std::io::Write;

use anyhow::{Context, Result, bail};
use rampart_core::netpol::load::network_object;
use rampart_core::netpol::{
    Cluster, Isolation, Matrix, Options, Peer, PortSpec, Severity, Verdict,
};
use rampart_core::object::WorkloadKinds;
use rampart_core::source::{InputError, Pos};

use super::{Problems, load_inputs};
use crate::cli::{Exit, InputArgs, NetpolArgs, NetpolCommand, NetpolFormat};

/// The cluster built from the inputs, and every problem met on the way.
struct Model {
    cluster: Cluster,
    errors: Problems,
    warnings: Problems,
}

/// Reads the manifests into a cluster. `assume_cluster_dns` adds an endpoint for the
/// cluster DNS when the input has none (for observed flows).
fn build(input: &InputArgs, ipblock_pod_ips: bool, assume_cluster_dns: bool) -> Model {
    let kinds = WorkloadKinds::default();
    let (files, mut errors) = load_inputs(&input.paths, input.max_file_size);
    let mut builder = Cluster::builder()
        .options(Options {
            ipblock_matches_pod_ips: ipblock_pod_ips,
            ..Options::default()
        })
        .assume_cluster_dns(assume_cluster_dns);
    let mut policies = Vec::new();
    for (file, loaded) in &files {
        for object in &loaded.objects {
            match network_object(&object.id, &object.value, &kinds) {
                Ok(Some(network)) => builder = builder.object(network),
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
        errors,
        warnings,
    }
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
    let model = build(&args.input, args.ipblock_pod_ips, false);
    report_problems(&model)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (denied, written) = match question {
        Question::Matrix => {
            let port: u16 = args
                .port
                .parse()
                .context("--port: the matrix needs a port number")?;
            let matrix = model.cluster.matrix(port, args.protocol);
            let written = match args.format {
                NetpolFormat::Text => write_matrix(&matrix, &mut out),
                NetpolFormat::Json => json(&matrix, &mut out),
                NetpolFormat::Dot => write_dot(&matrix, &mut out),
            };
            (false, written)
        }
        Question::Query | Question::Explain => {
            let (from, to) = (
                peer(args.from.as_deref(), "--from")?,
                peer(args.to.as_deref(), "--to")?,
            );
            let port = port_spec(&args.port);
            let verdict = model.cluster.query(&from, &to, &port, args.protocol)?;
            let explain = question == Question::Explain;
            let written = match args.format {
                NetpolFormat::Json => json(&verdict, &mut out),
                _ if explain => write_explanation(&from, &to, &args.port, args, &verdict, &mut out),
                _ => writeln!(
                    out,
                    "{from} -> {to} on {}/{}: {}",
                    args.port,
                    args.protocol,
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

/// The truth table the upstream e2e suite prints: `.` allowed, `X` denied.
fn write_matrix(matrix: &Matrix, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "reachability on {}/{} (rows: from, columns: to; . allowed, X denied)",
        matrix.port, matrix.protocol
    )?;
    writeln!(out, "-\t{}", matrix.pods.join("\t"))?;
    for (from, row) in matrix.pods.iter().zip(&matrix.allowed) {
        let cells: Vec<&str> = row
            .iter()
            .map(|allowed| if *allowed { "." } else { "X" })
            .collect();
        writeln!(out, "{from}\t{}", cells.join("\t"))?;
    }
    Ok(())
}

fn write_dot(matrix: &Matrix, out: &mut dyn Write) -> Result<()> {
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
    port: &str,
    args: &NetpolArgs,
    verdict: &Verdict,
    out: &mut dyn Write,
) -> Result<()> {
    let outcome = if verdict.allowed { "ALLOWED" } else { "DENIED" };
    writeln!(out, "{from} -> {to} on {port}/{}: {outcome}", args.protocol)?;
    for sentence in verdict.sentences(&from.to_string(), &to.to_string()) {
        writeln!(out, "  {sentence}")?;
    }
    for note in &verdict.notes {
        writeln!(out, "  note: {}", serde_json::to_string(note)?)?;
    }
    Ok(())
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
