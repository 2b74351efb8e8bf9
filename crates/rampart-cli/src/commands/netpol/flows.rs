//! `rampart netpol flows` and `rampart netpol generate`: flow logs read line by line
//! (files in parallel), judged by the policies or turned into policies.

use std::io::{self, Write};

use anyhow::{Result, bail};
use rampart_core::flows::Format;
use rampart_core::netpol::{
    Cluster, FlowsReport, GenerateOptions, Generated, Observed, PeerKind, Proof,
};
use rampart_core::source::{InputError, Pos};
use serde::Serialize;

use super::flowlog::{self, FileRead};
use super::{Model, build, exit, json, report_problems};
use crate::cli::{Exit, FlowInputArgs, FlowsArgs, FlowsFormat, GenerateArgs, GenerateFormat};
use crate::commands::Problems;
use crate::input::{self, Input, Walk};
use crate::render::RenderOptions;

/// Every flow log read into observations of the cluster.
struct Reading {
    observed: Observed,
    files: Vec<FileRead>,
}

/// Reads every flow log (in parallel, merged in input order).
fn read_flows(args: &FlowInputArgs, cluster: &Cluster, errors: &mut Problems) -> Result<Reading> {
    use rayon::prelude::*;
    let (inputs, missing) = input::collect(
        &args.flows,
        Walk::Everything,
        &|_| false,
        &RenderOptions::default(),
    );
    let stdin_twice = inputs.iter().filter(|i| **i == Input::Stdin).count()
        + args
            .input
            .paths
            .iter()
            .filter(|p| p.as_os_str() == "-")
            .count();
    if stdin_twice > 1 {
        bail!("standard input (-) can be read once: give the manifests or the flows as files");
    }
    for m in missing {
        errors.push(&m.name, InputError::new(Pos::new(1, 1), m.message));
    }
    let results: Vec<_> = inputs
        .par_iter()
        .map(|i| flowlog::read(cluster, i))
        .collect();
    let mut observer = cluster.observer();
    let mut files = Vec::with_capacity(results.len());
    for file in results {
        observer.merge(file.observer);
        for error in file.errors {
            errors.push(&file.read.file, error);
        }
        files.push(file.read);
    }
    Ok(Reading {
        observed: observer.finish(),
        files,
    })
}

/// Builds the cluster and reads the flows.
fn load(args: &FlowInputArgs) -> Result<(Model, Reading)> {
    let mut model = build(&args.input, None, args.ipblock_pod_ips, true);
    let reading = read_flows(args, &model.cluster, &mut model.errors)?;
    Ok((model, reading))
}

pub fn run_flows(args: &FlowsArgs) -> Result<Exit> {
    let (model, reading) = load(&args.common)?;
    let report = model.cluster.judge_flows(&reading.observed);
    report_problems(&model)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = match args.format {
        FlowsFormat::Json => json(
            &FlowsJson {
                report: &report,
                files: &reading.files,
                errors: model.errors.to_json(),
            },
            &mut out,
        ),
        FlowsFormat::Text => write_report(&report, &reading.files, &mut out),
    };
    crate::commands::report_written(written.and_then(|()| Ok(out.flush()?)))?;
    Ok(exit(&model.errors, report.has_denied()))
}

/// How many open destinations the text report names.
const OPEN_LISTED: usize = 10;

#[derive(Serialize)]
struct FlowsJson<'a> {
    #[serde(flatten)]
    report: &'a FlowsReport,
    files: &'a [FileRead],
    errors: serde_json::Value,
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_report(report: &FlowsReport, files: &[FileRead], out: &mut dyn Write) -> Result<()> {
    let summary = &report.summary;
    let read = &summary.read;
    let formats: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{} ({})",
                f.file,
                f.format.map_or("not recognised", Format::name)
            )
        })
        .collect();
    writeln!(
        out,
        "read {}: {}",
        plural(files.len() as u64, "flow log", "flow logs"),
        formats.join(", ")
    )?;
    let mut notes = vec![plural(read.records, "flow record", "flow records")];
    for (reason, count) in &read.skipped {
        let what = match reason {
            rampart_core::flows::Skipped::Header => continue,
            rampart_core::flows::Skipped::Reply => "replies skipped",
            rampart_core::flows::Skipped::NoData => "records without data",
            rampart_core::flows::Skipped::OtherEvent => "other events",
            rampart_core::flows::Skipped::Incomplete => "incomplete events",
        };
        notes.push(format!("{count} {what}"));
    }
    for (protocol, count) in &read.other_protocols {
        notes.push(format!(
            "{count} {protocol} records not judged (NetworkPolicy covers TCP, UDP and SCTP)"
        ));
    }
    if read.without_port > 0 {
        notes.push(format!("{} records without a port", read.without_port));
    }
    if read.not_pod_traffic > 0 {
        notes.push(format!(
            "{} records with no pod on either side",
            read.not_pod_traffic
        ));
    }
    writeln!(out, "  {}", notes.join("; "))?;
    writeln!(
        out,
        "{}: {} allowed, {} denied, {} not judged",
        plural(summary.flows as u64, "distinct flow", "distinct flows"),
        summary.allowed,
        summary.denied,
        summary.not_judged
    )?;
    if !report.denied.is_empty() {
        writeln!(
            out,
            "\nDENIED: observed, but the policies deny them (a violation if they are enforced, a breakage if they are about to be)"
        )?;
        for pair in &report.denied {
            writeln!(out, "  {} -> {}", pair.source, pair.destination)?;
            for flow in &pair.flows {
                let dropped = if flow.counts.dropped > 0 {
                    format!(", {} dropped by the network", flow.counts.dropped)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "    {} -> {} on {}/{} ({}{dropped})",
                    flow.from,
                    flow.to,
                    flow.port,
                    flow.protocol,
                    plural(flow.counts.records, "record", "records")
                )?;
                for sentence in &flow.explanation {
                    writeln!(out, "      {sentence}")?;
                }
            }
        }
    }
    if !report.egress.is_empty() {
        writeln!(out, "\nEGRESS leaving the cluster")?;
        for workload in &report.egress {
            writeln!(out, "  {}", workload.workload)?;
            for d in &workload.destinations {
                let mut tags = vec![if d.allowed { "allowed" } else { "DENIED" }];
                if d.metadata {
                    tags.push("cloud metadata");
                } else if d.private {
                    tags.push("private address: a pod, Service or node missing from the input?");
                }
                writeln!(
                    out,
                    "    {}:{}/{}  {}  {}",
                    d.address,
                    d.port,
                    d.protocol,
                    plural(d.counts.records, "record", "records"),
                    tags.join(", ")
                )?;
            }
        }
    }
    if !report.metadata.is_empty() {
        writeln!(out, "\nCLOUD METADATA access")?;
        for access in &report.metadata {
            writeln!(
                out,
                "  {} -> {}:{}/{} ({}): {}",
                access.source,
                access.address,
                access.port,
                access.protocol,
                plural(access.counts.records, "record", "records"),
                if access.allowed { "allowed" } else { "denied" }
            )?;
            for sentence in &access.explanation {
                writeln!(out, "    {sentence}")?;
            }
        }
    }
    if !report.unobserved.is_empty() {
        writeln!(
            out,
            "\nALLOWED, NEVER OBSERVED (sources the policies let connect, never seen doing so)"
        )?;
        let (open, isolated): (Vec<_>, Vec<_>) = report.unobserved.iter().partition(|p| p.open);
        for path in isolated {
            let more = path.count.saturating_sub(path.sources.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {} {}/{}: {}: {}{more}",
                path.destination,
                path.port,
                path.protocol,
                plural(path.count as u64, "source", "sources"),
                path.sources.join(", ")
            )?;
        }
        if !open.is_empty() {
            let listed: Vec<String> = open
                .iter()
                .take(OPEN_LISTED)
                .map(|p| format!("{} {}/{}", p.destination, p.port, p.protocol))
                .collect();
            let more = open.len().saturating_sub(OPEN_LISTED);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  not isolated for ingress, so any workload may connect: {}{more}",
                listed.join(", ")
            )?;
        }
    }
    let not_judged: Vec<_> = report
        .flows
        .iter()
        .filter(|f| f.not_judged.is_some())
        .collect();
    if !not_judged.is_empty() {
        writeln!(out, "\nNOT JUDGED")?;
        for flow in not_judged {
            writeln!(
                out,
                "  {} -> {} on {}/{} ({}): {}",
                flow.source.name,
                flow.destination.name,
                flow.port,
                flow.protocol,
                plural(flow.counts.records, "record", "records"),
                flow.not_judged.as_deref().unwrap_or_default()
            )?;
        }
    }
    if !summary.missing_pods.is_empty() {
        writeln!(
            out,
            "\npods named by the logs but missing from the input (add them: kubectl get pods -A -o yaml): {}",
            summary.missing_pods.join(", ")
        )?;
    }
    if let Some(dns) = &summary.assumed_cluster_dns {
        let used = report
            .flows
            .iter()
            .any(|f| f.destination.kind == PeerKind::ClusterDns);
        if used {
            writeln!(
                out,
                "\nDNS went to the cluster DNS, which the input lacks: judged as {dns} (pods labelled k8s-app: kube-dns in kube-system)"
            )?;
        }
    }
    Ok(())
}

pub fn run_generate(args: &GenerateArgs) -> Result<Exit> {
    let (model, reading) = load(&args.common)?;
    let options = GenerateOptions {
        namespaces: args.namespaces.clone(),
        aggregate: args.aggregate,
    };
    for namespace in &args.namespaces {
        if !model
            .cluster
            .endpoints()
            .iter()
            .any(|e| &e.namespace == namespace)
        {
            bail!("-n {namespace}: no pod or workload of the input is in namespace {namespace}");
        }
    }
    let generated = model.cluster.generate(&reading.observed, &options);
    report_problems(&model)?;
    write_proof(&generated, &mut io::stderr().lock())?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = match args.format {
        GenerateFormat::Json => json(
            &GenerateJson {
                generated: &generated,
                files: &reading.files,
                errors: model.errors.to_json(),
            },
            &mut out,
        ),
        GenerateFormat::Yaml => out
            .write_all(generated.yaml().as_bytes())
            .map_err(Into::into),
    };
    crate::commands::report_written(written.and_then(|()| Ok(out.flush()?)))?;
    Ok(exit(&model.errors, !generated.proof.holds))
}

#[derive(Serialize)]
struct GenerateJson<'a> {
    #[serde(flatten)]
    generated: &'a Generated,
    files: &'a [FileRead],
    errors: serde_json::Value,
}

/// The proof on standard error: the summary, and what fails.
fn write_proof(generated: &Generated, out: &mut dyn Write) -> Result<()> {
    let proof: &Proof = &generated.proof;
    writeln!(
        out,
        "{} generated for {}; proof with the input's policies:",
        plural(
            generated.policies.len() as u64,
            "NetworkPolicy",
            "NetworkPolicies"
        ),
        plural(proof.workloads as u64, "workload", "workloads")
    )?;
    for line in proof.summary() {
        writeln!(out, "  {line}")?;
    }
    for error in &proof.policy_errors {
        writeln!(out, "  generated policy {error}")?;
    }
    for flow in &proof.observed_denied {
        writeln!(
            out,
            "  denied: {} -> {} on {}/{}",
            flow.from, flow.to, flow.port, flow.protocol
        )?;
        for sentence in &flow.explanation {
            writeln!(out, "    {sentence}")?;
        }
    }
    for flow in &proof.not_covered {
        writeln!(
            out,
            "  not covered: {} -> {} on {}/{}: {}",
            flow.source, flow.destination, flow.port, flow.protocol, flow.reason
        )?;
    }
    for path in &proof.unexpected {
        let ports: Vec<String> = path
            .ports
            .iter()
            .map(|r| {
                if r.first == r.last {
                    r.first.to_string()
                } else {
                    format!("{}-{}", r.first, r.last)
                }
            })
            .collect();
        writeln!(
            out,
            "  also allowed: {} -> {} on {}/{}",
            path.source,
            path.destination,
            ports.join(","),
            path.protocol
        )?;
        for sentence in &path.explanation {
            writeln!(out, "    {sentence}")?;
        }
    }
    if proof.unexpected_count > proof.unexpected.len() {
        writeln!(
            out,
            "  ... and {} more paths",
            proof.unexpected_count - proof.unexpected.len()
        )?;
    }
    Ok(())
}
