//! The JSON report of `rampart image`, as the README documents it.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{ImageReport, TargetReport, counted_severity};
use crate::stream::Streamed;

fn layer_json(layer: Option<&rampart_core::inventory::Layer>) -> Value {
    layer.map_or(
        Value::Null,
        |l| json!({"index": l.index, "digest": l.digest}),
    )
}

fn source_json(package: &rampart_core::inventory::Package) -> Value {
    package.source.as_ref().map_or(
        Value::Null,
        |s| json!({"name": s.name, "version": s.version}),
    )
}

fn target_json(t: &TargetReport) -> Value {
    json!({
        "target": t.target,
        "digest": t.digest,
        "os": t.os.as_ref().map(|os| json!({
            "id": os.id,
            "version_id": os.version_id,
            "codename": os.codename,
            "pretty_name": os.pretty_name,
            "ecosystems": os.ecosystems(),
        })),
        "layers": t.layers,
        "packages": t.packages.len(),
        "vulnerabilities": t.vulnerabilities.len(),
        "findings": t.findings.len(),
        "errors": t.errors.len(),
    })
}

fn packages(report: &ImageReport) -> impl Iterator<Item = Value> + '_ {
    report.targets.iter().flat_map(|t| {
        t.packages.iter().map(move |p| {
            json!({
                "target": t.target,
                "kind": p.kind,
                "name": p.name,
                "version": p.version,
                "source_package": source_json(p),
                "arch": p.arch,
                "purl": p.purl,
                "path": p.path,
                "layer": layer_json(p.layer.as_ref()),
            })
        })
    })
}

fn vulnerabilities(report: &ImageReport) -> impl Iterator<Item = Value> + '_ {
    report.targets.iter().flat_map(|t| {
        t.vulnerabilities.iter().filter_map(move |v| {
            let p = t.package_of(v)?;
            let m = &v.found;
            Some(json!({
                "target": t.target,
                "id": m.id,
                "aliases": m.aliases,
                "advisories": m.advisories,
                "ecosystem": m.ecosystem,
                "package": p.name,
                "source_package": source_json(p),
                "installed": p.version,
                "fixed": m.fixed,
                "severity": m.severity.map(|s| s.as_str()),
                "counted_severity": counted_severity(m).as_str(),
                "informational": m.informational,
                "summary": m.summary,
                "purl": p.purl,
                "layer": layer_json(p.layer.as_ref()),
                "path": p.path,
            }))
        })
    })
}

fn findings(report: &ImageReport) -> impl Iterator<Item = Value> + '_ {
    report.targets.iter().flat_map(|t| {
        t.findings.iter().map(move |f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "file": t.target,
                "line": null,
                "column": null,
                "kind": "Image",
                "namespace": null,
                "name": t.target,
                "path": f.path,
                "message": f.message,
                "layer": layer_json(f.layer.as_ref()),
            })
        })
    })
}

fn errors(report: &ImageReport) -> impl Iterator<Item = Value> + '_ {
    report.targets.iter().flat_map(|t| {
        t.errors.iter().map(move |message| {
            json!({"target": t.target, "file": t.target, "line": null, "column": null, "message": message})
        })
    })
}

/// Writes `{"targets", "packages", "vulnerabilities", "findings", "errors",
/// "warnings", "database", "summary"}`.
pub fn write_json(report: &ImageReport, out: &mut dyn Write) -> io::Result<()> {
    let warnings: Vec<Value> = report
        .targets
        .iter()
        .flat_map(|t| {
            t.warnings
                .iter()
                .map(move |message| json!({"target": t.target, "message": message}))
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Report<T, P, V, F, E> {
        targets: T,
        packages: P,
        vulnerabilities: V,
        findings: F,
        errors: E,
        warnings: Vec<Value>,
        database: super::DataAge,
        summary: super::ImageSummary,
    }
    let json = Report {
        targets: Streamed(|| report.targets.iter().map(target_json)),
        packages: Streamed(|| packages(report)),
        vulnerabilities: Streamed(|| vulnerabilities(report)),
        findings: Streamed(|| findings(report)),
        errors: Streamed(|| errors(report)),
        warnings,
        database: report.data.clone(),
        summary: report.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
