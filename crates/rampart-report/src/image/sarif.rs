//! SARIF 2.1.0 for `rampart image`: one result per vulnerable package and vulnerability
//! (its rule is the vulnerability), one per image finding (its rule is the catalogue's).
//! An image has no source lines: results are located by the target's URI and a logical
//! location (the package, or the configuration field or file).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{ImageReport, counted_severity};
use crate::sarif::{
    ArtifactLocation, INFORMATION_URI, SCHEMA, fingerprint, level, percent_encode, rule_descriptor,
    security_severity,
};

/// The target as a URI reference: spaces and other characters a URI cannot hold are
/// percent-encoded.
fn target_uri(target: &str) -> String {
    percent_encode(target, b"-._~:/?#[]@!$&'()*+,;=%")
}

/// True when `target` names its transport (`docker-archive:...`, `docker://...`,
/// `oci:...`): a URI of its own. A drive letter (`C:\...`) is not a scheme.
fn has_scheme(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Where a target is: its transport URI as given, or a path as every SARIF file location
/// is (relative under `%SRCROOT%`, absolute as a `file://` URI).
fn artifact_location(target: &str) -> Value {
    if has_scheme(target) {
        json!({"uri": target_uri(target)})
    } else {
        serde_json::to_value(ArtifactLocation::new(target)).unwrap_or_default()
    }
}

fn location(target: &str, name: &str, qualified: String, kind: &str) -> Value {
    json!({
        "physicalLocation": {"artifactLocation": artifact_location(target)},
        "logicalLocations": [{"name": name, "fullyQualifiedName": qualified, "kind": kind}],
    })
}

/// Writes one SARIF run with a rule per vulnerability and per image rule that fired.
pub fn write_sarif(report: &ImageReport, version: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for t in &report.targets {
        for v in &t.vulnerabilities {
            let Some(p) = t.package_of(v) else { continue };
            let m = &v.found;
            let severity = counted_severity(m);
            rules.entry(m.id.clone()).or_insert_with(|| {
                json!({
                    "id": m.id,
                    "name": m.id,
                    "shortDescription": {"text": m.summary.clone().unwrap_or_else(|| m.id.clone())},
                    "helpUri": format!("https://osv.dev/vulnerability/{}", m.id),
                    "properties": {
                        "tags": ["security", "vulnerability", m.ecosystem],
                        "security-severity": security_severity(severity),
                    },
                })
            });
            let fixed = m
                .fixed
                .as_deref()
                .map_or_else(|| "no fix yet".to_owned(), |f| format!("fixed in {f}"));
            let package = format!("{}@{}", p.name, p.version);
            results.push(json!({
                "ruleId": m.id,
                "level": level(severity),
                "message": {"text": format!("{} {} in {} {} ({}): {fixed}", m.id, m.severity.map_or("unknown", |s| s.as_str()), p.name, p.version, p.path)},
                "locations": [location(&t.target, &package, format!("{}!{}!{package}", t.target, p.path), "module")],
                "partialFingerprints": {"rampartVulnerability/v1": fingerprint(&[&m.id, &t.target, &p.path, &p.name, &p.version])},
                "properties": {"severity": m.severity.map_or("unknown", |s| s.as_str()), "purl": p.purl, "fixed": m.fixed},
            }));
        }
        for f in &t.findings {
            if let Some(meta) = rampart_core::rules::find(f.rule) {
                rules
                    .entry(f.rule.to_owned())
                    .or_insert_with(|| rule_descriptor(meta));
            }
            results.push(json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} [{}]", f.message, f.path)},
                "locations": [location(&t.target, &f.path, format!("{}!{}", t.target, f.path), "object")],
                "partialFingerprints": {"rampartFinding/v1": fingerprint(&[f.rule, &t.target, &f.path])},
                "properties": {"severity": f.severity.as_str()},
            }));
        }
    }
    let index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    for result in &mut results {
        let id = result["ruleId"].as_str().unwrap_or_default().to_owned();
        if let Some(i) = index.get(id.as_str()) {
            result["ruleIndex"] = json!(i);
        }
    }
    let notifications: Vec<Value> = report
        .targets
        .iter()
        .flat_map(|t| {
            t.errors.iter().map(move |e| {
                json!({
                    "level": "error",
                    "message": {"text": format!("{}: {e}", t.target)},
                    "locations": [{"physicalLocation": {"artifactLocation": artifact_location(&t.target)}}],
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
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {"vulnerabilityData": report.data},
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_with_a_transport_is_its_own_uri_and_a_path_is_a_file_location() {
        assert_eq!(
            artifact_location("docker-archive:/tmp/app image.tar"),
            json!({"uri": "docker-archive:/tmp/app%20image.tar"})
        );
        assert_eq!(
            artifact_location("docker://localhost:5000/app:1"),
            json!({"uri": "docker://localhost:5000/app:1"})
        );
        assert_eq!(
            artifact_location("/tmp/app.tar"),
            json!({"uri": "file:///tmp/app.tar"})
        );
        assert_eq!(
            artifact_location("C:\\images\\app.tar"),
            json!({"uri": "file:///C:/images/app.tar"})
        );
        assert_eq!(
            artifact_location("images/app.tar"),
            json!({"uri": "images/app.tar", "uriBaseId": "%SRCROOT%"})
        );
    }
}
