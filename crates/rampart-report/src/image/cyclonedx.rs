//! A CycloneDX 1.5 SBOM (JSON) of `rampart image`: each target a `container`
//! component holding its distribution (`operating-system`) and packages (`library`,
//! with Trivy's package URLs and the path and layer each was read from), and the
//! vulnerabilities found, each affecting the packages it was found in.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::ImageReport;
use crate::sarif::fingerprint;

const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.5.schema.json";

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

/// A serial number derived from what the SBOM describes, so that the same scan of the
/// same images gives the same document (RFC 4122 layout, as the schema asks).
fn serial_number(report: &ImageReport) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for t in &report.targets {
        parts.push(&t.target);
        parts.push(t.digest.as_deref().unwrap_or(""));
        parts.extend(t.packages.iter().map(|p| p.purl.as_str()));
    }
    let a = fingerprint(&parts);
    parts.push("second half");
    let b = fingerprint(&parts);
    let hex = format!("{a}{b}");
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn rating(severity: Option<rampart_core::Severity>) -> &'static str {
    severity.map_or("unknown", |s| s.as_str())
}

/// Writes the SBOM with its vulnerabilities. `version` is rampart's.
pub fn write_cyclonedx(report: &ImageReport, version: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut components = Vec::new();
    let mut vulnerabilities = Vec::new();
    for (t_index, t) in report.targets.iter().enumerate() {
        let target_ref = format!("target-{t_index}");
        let mut inner = Vec::new();
        if let Some(os) = &t.os {
            let mut component = json!({
                "type": "operating-system",
                "bom-ref": format!("{target_ref}:os"),
                "name": os.id,
            });
            if let Some(version) = os.point_release.as_ref().or(os.version_id.as_ref()) {
                component["version"] = json!(version);
            }
            inner.push(component);
        }
        for (p_index, p) in t.packages.iter().enumerate() {
            let mut properties = vec![
                property(
                    "rampart:package:kind",
                    format!("{:?}", p.kind).to_lowercase(),
                ),
                property("rampart:package:path", p.path.clone()),
            ];
            if let Some(layer) = &p.layer {
                properties.push(property("rampart:layer:index", layer.index.to_string()));
                properties.push(property("rampart:layer:digest", layer.digest.clone()));
            }
            if let Some(source) = &p.source {
                properties.push(property("rampart:source:name", source.name.clone()));
                properties.push(property("rampart:source:version", source.version.clone()));
            }
            let mut component = json!({
                "type": "library",
                "bom-ref": format!("{target_ref}:pkg-{p_index}"),
                "name": p.name,
                "version": p.version,
                "properties": properties,
            });
            if !p.purl.is_empty() {
                component["purl"] = json!(p.purl);
            }
            inner.push(component);
        }
        let mut container = json!({
            "type": "container",
            "bom-ref": target_ref,
            "name": t.target,
            "components": inner,
        });
        if let Some(digest) = &t.digest {
            container["version"] = json!(digest);
        }
        components.push(container);
        for (v_index, v) in t.vulnerabilities.iter().enumerate() {
            let m = &v.found;
            let Some(p) = t.package_of(v) else { continue };
            let mut vulnerability = json!({
                "bom-ref": format!("{target_ref}:vuln-{v_index}"),
                "id": m.id,
                "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", m.id)},
                "references": m.aliases.iter().chain(&m.advisories).map(|alias| json!({
                    "id": alias,
                    "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{alias}")},
                })).collect::<Vec<_>>(),
                "ratings": [{"severity": rating(m.severity), "method": "other"}],
                "affects": [{
                    "ref": format!("{target_ref}:pkg-{}", m.package),
                    "versions": [{"version": p.version, "status": "affected"}],
                }],
            });
            if let Some(summary) = &m.summary {
                vulnerability["description"] = json!(summary);
            }
            if let Some(fixed) = &m.fixed {
                vulnerability["recommendation"] = json!(format!("Upgrade {} to {fixed}", m.name));
            }
            vulnerabilities.push(vulnerability);
        }
    }
    let mut metadata = json!({
        "tools": {"components": [{"type": "application", "name": "rampart", "version": version}]},
        "properties": [],
    });
    if let (Some(newest), Some(days)) = (&report.data.newest_modified, report.data.age_days) {
        metadata["properties"] = json!([
            property("rampart:vulnerability-data:newest-modified", newest.clone()),
            property("rampart:vulnerability-data:age-days", days.to_string()),
        ]);
    }
    if let [only] = components.as_slice() {
        metadata["component"] = json!({
            "type": "container",
            "bom-ref": "subject",
            "name": only["name"],
        });
    }
    let bom = json!({
        "$schema": SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial_number(report),
        "version": 1,
        "metadata": metadata,
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_writer_pretty(&mut *out, &bom)?;
    writeln!(out)
}
