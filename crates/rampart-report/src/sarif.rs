//! SARIF 2.1.0 for code-scanning UIs: rule metadata, real regions, fingerprints.

use std::io::{self, Write};

use rampart_core::Severity;
use rampart_core::rules::{RuleMeta, squash};
use serde_json::{Value, json};

use crate::model::ScanReport;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/rampart-dev/rampart";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's numeric `security-severity` for a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule_descriptor(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": squash(meta.why)},
        "help": {
            "text": squash(meta.fix),
            "markdown": crate::sarif::help_markdown(meta),
        },
        "helpUri": format!("{INFORMATION_URI}/blob/main/docs/rules.md#{}", meta.id),
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {
            "tags": ["security", "kubernetes"],
            "security-severity": security_severity(meta.severity),
            "references": meta.references,
        },
    })
}

fn help_markdown(meta: &RuleMeta) -> String {
    format!(
        "{}\n\n**Fix:** {}\n\n**References:** {}",
        squash(meta.why),
        squash(meta.fix),
        meta.references.join("; ")
    )
}

/// FNV-1a: a stable, dependency-free hash for `partialFingerprints`.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn uri(file: &str) -> String {
    file.trim_start_matches("./").replace('\\', "/")
}

/// Writes one SARIF run describing every rule in `rules` and every finding.
pub fn write_sarif(
    report: &ScanReport,
    rules: &[RuleMeta],
    version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let index_of = |id: &str| rules.iter().position(|r| r.id == id);
    let results: Vec<Value> = report
        .findings()
        .map(|(file, f)| {
            let object = format!(
                "{}/{}/{}",
                f.object.kind,
                f.object.namespace.as_deref().unwrap_or_default(),
                f.object.name.as_deref().unwrap_or_default()
            );
            let path = f.finding.path.to_string();
            let mut result = json!({
                "ruleId": f.finding.rule,
                "level": level(f.finding.severity),
                "message": {"text": format!("{} [{object}: {path}]", f.finding.message)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&file.file), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.pos.line, "startColumn": f.pos.column},
                    },
                    "logicalLocations": [{"name": path, "fullyQualifiedName": format!("{object}:{path}"), "kind": "member"}],
                }],
                "partialFingerprints": {"rampartFinding/v1": fingerprint(&[f.finding.rule, &uri(&file.file), &object, &path])},
                "properties": {"severity": f.finding.severity.as_str()},
            });
            if let Some(index) = index_of(f.finding.rule) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| {
            file.errors.iter().map(|e| {
                json!({
                    "level": "error",
                    "message": {"text": e.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": uri(&file.file), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": e.pos.line, "startColumn": e.pos.column},
                    }}],
                })
            })
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rampart",
                "version": version,
                "semanticVersion": version,
                "informationUri": INFORMATION_URI,
                "rules": rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
