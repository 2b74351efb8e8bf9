//! `rampart cluster`: a live cluster read through its API server (rampart-live) and
//! judged object by object by the catalogue, as `rampart scan` judges the same objects
//! saved as files; then the run rules (RBAC, NetworkPolicies, kubelets) over all of
//! them. Each object is a report of its own, named by its URI
//! `kubernetes://<context>/<apiVersion>/<kind>/<namespace>/<name>` (the namespace empty
//! for cluster-scoped kinds); each node's kubelet configuration is
//! `kubernetes://<context>/v1/Node//<node>/configz`. What could not be read is an error
//! (a gap), and the rest is still judged.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use rampart_core::cluster::{Component, started_components};
use rampart_core::live::{judge_kubernetes_object, judge_run, kubelet_configuration};
use rampart_core::object::{ObjectRef, WorkloadKinds};
use rampart_core::rules::Collected;
use rampart_core::scan::ScanOptions;
use rampart_live::kubernetes::{ApiClient, ClusterFlags, ClusterReader, Resource, Snapshot};
use rampart_report::FileReport;
use rayon::prelude::*;
use serde_json::Value;

use crate::cli::{ClusterArgs, ConnectionArgs, Exit};

pub fn run(args: &ClusterArgs) -> Result<Exit> {
    let (mut options, fail_on) = super::scan::scan_options(&args.report)?;
    options.pss = args.pss;
    let flags = flags(&args.connection, &args.namespaces);
    let snapshot = read_cluster(&flags, &options.workloads, true)?;
    if let Some(path) = &args.save {
        save(&snapshot, path).with_context(|| format!("--save {}", path.display()))?;
    }
    let judging = Instant::now();
    let files = judge(&snapshot, &options, &args.namespaces);
    let judged = judging.elapsed();
    let exit = super::scan::finish(files, &args.report, fail_on)?;
    if args.timings {
        let mut line = format!(
            "rampart: API server {:.3} s ({} objects, {} pages, {} nodes); judging {:.3} s",
            snapshot.elapsed.as_secs_f64(),
            snapshot.objects().count(),
            snapshot.lists.iter().map(|l| l.pages).sum::<usize>(),
            snapshot.nodes.len(),
            judged.as_secs_f64(),
        );
        if let Some(peak) = super::docker::peak_rss_kib() {
            line.push_str(&format!("; peak RSS {:.1} MiB", peak as f64 / 1024.0));
        }
        eprintln!("{line}");
    }
    Ok(exit)
}

/// The reader's flags from the command line's.
pub(crate) fn flags(connection: &ConnectionArgs, namespaces: &[String]) -> ClusterFlags {
    ClusterFlags {
        kubeconfig: connection.kubeconfig.clone(),
        context: connection.context.clone(),
        namespaces: namespaces.to_vec(),
        timeout: connection.timeout,
    }
}

/// Connects and reads the cluster (with the custom workload kinds of `workloads`, and the
/// kubelets' configuration when `kubelets`) on a small runtime of its own.
pub(crate) fn read_cluster(
    flags: &ClusterFlags,
    workloads: &WorkloadKinds,
    kubelets: bool,
) -> Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = ApiClient::connect(flags).await?;
        let reader = ClusterReader::new(client, flags.namespaces.clone()).with_kubelets(kubelets);
        Ok(reader.read(workloads.custom_kinds()).await)
    })
}

/// The URI of an object of `context`.
pub(crate) fn object_uri(context: &str, id: &ObjectRef) -> String {
    format!(
        "kubernetes://{context}/{}/{}/{}/{}",
        id.api_version,
        id.kind,
        id.namespace.as_deref().unwrap_or_default(),
        id.name.as_deref().unwrap_or_default()
    )
}

/// The URI of a kind of `context` (where a gap in listing it is reported).
fn kind_uri(context: &str, resource: &Resource) -> String {
    format!(
        "kubernetes://{context}/{}/{}",
        resource.api_version(),
        resource.kind
    )
}

/// The URI of node `node`'s kubelet configuration.
fn configz_uri(context: &str, node: &str) -> String {
    format!("kubernetes://{context}/v1/Node//{node}/configz")
}

/// One object of the snapshot: a listed object's JSON text (parsed only when judged, so
/// that the trees are never all held at once), or a node's kubelet configuration with its
/// URI.
enum Source<'a> {
    Listed(&'a str),
    Kubelet(String, Value),
}

/// Every object the snapshot holds: the listed objects, then each node's kubelet
/// configuration (as a KubeletConfiguration named after the node).
fn sources(snapshot: &Snapshot) -> Vec<Source<'_>> {
    let mut all: Vec<Source<'_>> = snapshot
        .objects()
        .map(|(_, json)| Source::Listed(json))
        .collect();
    all.extend(snapshot.nodes.iter().filter_map(|node| {
        let configz = node.configz.as_ref().ok()?;
        let config = kubelet_configuration(&node.node, configz)?;
        Some(Source::Kubelet(
            configz_uri(&snapshot.context, &node.node),
            config,
        ))
    }));
    all
}

/// One object judged: its report, what it keeps for the run rules, and the control-plane
/// components it runs when it is a pod of kube-system.
struct Judged {
    report: FileReport,
    collected: Vec<Collected>,
    components: Vec<Component>,
}

/// Judges one object (its collected objects are numbered by the caller).
fn judge_one(source: &Source<'_>, context: &str, options: &ScanOptions) -> Option<Judged> {
    let parsed;
    let (uri, value) = match source {
        Source::Listed(json) => {
            parsed = serde_json::from_str::<Value>(json).ok()?;
            (object_uri(context, &ObjectRef::of(&parsed)), &parsed)
        }
        Source::Kubelet(uri, value) => (uri.clone(), value),
    };
    let id = ObjectRef::of(value);
    let components = if id.kind == "Pod"
        && id.api_version == "v1"
        && id.namespace.as_deref() == Some("kube-system")
    {
        started_components(value, &id, &options.workloads)
    } else {
        Vec::new()
    };
    let mut scan = judge_kubernetes_object(value, options);
    let name: Arc<str> = Arc::from(uri.as_str());
    let collected = std::mem::take(&mut scan.collected)
        .into_iter()
        .map(|mut object| {
            object.file_name = Arc::clone(&name);
            object
        })
        .collect();
    Some(Judged {
        report: FileReport::live(uri, scan),
        collected,
        components,
    })
}

/// Judges the snapshot: one report per object (with the run rules' findings), one per
/// gap, and one when the control plane is out of reach.
fn judge(snapshot: &Snapshot, options: &ScanOptions, namespaces: &[String]) -> Vec<FileReport> {
    let sources = sources(snapshot);
    let judged: Vec<Judged> = sources
        .par_iter()
        .filter_map(|source| judge_one(source, &snapshot.context, options))
        .collect();
    let mut files = Vec::with_capacity(judged.len());
    let mut collected = Vec::new();
    let mut components = Vec::new();
    for (index, one) in judged.into_iter().enumerate() {
        files.push(one.report);
        // Reports are numbered by their place among the judged objects.
        collected.extend(one.collected.into_iter().map(|mut object| {
            object.file = index;
            object
        }));
        components.extend(one.components);
    }
    let mut run: Vec<Vec<_>> = vec![Vec::new(); files.len()];
    let verdicts = judge_run(&collected, options);
    for file in verdicts.suppressed {
        files[file].suppressed += 1;
    }
    for (file, finding) in verdicts.findings {
        run[file].push(finding);
    }
    for (report, findings) in files.iter_mut().zip(run) {
        if !findings.is_empty() {
            report.add_findings(findings, None);
        }
    }
    files.extend(gap_reports(snapshot));
    if namespaces.is_empty() || namespaces.iter().any(|n| n == "kube-system") {
        files.extend(control_plane_reach(snapshot, &components));
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    files
}

/// One error report per gap, at the URI of what could not be read.
fn gap_reports(snapshot: &Snapshot) -> Vec<FileReport> {
    let context = &snapshot.context;
    let lists = snapshot.lists.iter().flat_map(|listed| {
        listed
            .gaps
            .iter()
            .map(|gap| FileReport::live_error(kind_uri(context, &listed.resource), gap.to_string()))
    });
    let nodes = snapshot.nodes.iter().filter_map(|node| {
        let gap = node.configz.as_ref().err()?;
        Some(FileReport::live_error(
            configz_uri(context, &node.node),
            gap.to_string(),
        ))
    });
    lists.chain(nodes).collect()
}

/// The control plane's components whose mirror pods are not in kube-system: out of
/// reach (a managed control plane, or etcd outside the cluster), said as an error so
/// that their checks are not taken as passed. Nothing is said when the pods could not be
/// listed (that gap is reported already).
fn control_plane_reach(snapshot: &Snapshot, seen: &[Component]) -> Option<FileReport> {
    let pods_listed = snapshot
        .lists
        .iter()
        .any(|l| l.resource.group.is_empty() && l.resource.kind == "Pod" && l.gaps.is_empty());
    if !pods_listed {
        return None;
    }
    let missing: Vec<&str> = [
        (Component::ApiServer, "kube-apiserver (CIS 1.2)"),
        (
            Component::ControllerManager,
            "kube-controller-manager (CIS 1.3)",
        ),
        (Component::Scheduler, "kube-scheduler (CIS 1.4)"),
        (Component::Etcd, "etcd (CIS 2)"),
    ]
    .into_iter()
    .filter(|(component, _)| !seen.contains(component))
    .map(|(_, name)| name)
    .collect();
    if missing.is_empty() {
        return None;
    }
    let managed = if missing.len() == 4 {
        " (a managed control plane?)"
    } else {
        ""
    };
    Some(FileReport::live_error(
        format!("kubernetes://{}/control-plane", snapshot.context),
        format!(
            "out of reach: no pod in kube-system runs {}{managed}; their checks were not run, not passed",
            missing.join(", ")
        ),
    ))
}

/// Writes the objects read as one multi-document YAML stream (each document in JSON,
/// which YAML reads as it is), which `rampart scan` judges with the same findings.
fn save(snapshot: &Snapshot, path: &std::path::Path) -> Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    write_stream(snapshot, &mut out)?;
    out.flush()?;
    Ok(())
}

/// The objects of `snapshot` as one multi-document YAML stream (what `--save` writes).
pub(crate) fn write_stream(snapshot: &Snapshot, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "# rampart cluster: context {}, API server {}",
        snapshot.context, snapshot.server
    )?;
    for gap in snapshot.gaps() {
        writeln!(out, "# {gap}")?;
    }
    for (_, json) in snapshot.objects() {
        writeln!(out, "---\n{json}")?;
    }
    for node in &snapshot.nodes {
        if let Some(config) = node
            .configz
            .as_ref()
            .ok()
            .and_then(|configz| kubelet_configuration(&node.node, configz))
        {
            writeln!(out, "---\n{config}")?;
        }
    }
    Ok(())
}
