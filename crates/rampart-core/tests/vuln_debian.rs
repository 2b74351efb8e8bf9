//! The Debian 12 golden match: the shared minbase root file system's dpkg database
//! against the shared Debian:12 OSV records gives exactly the expected findings, with
//! the right fixed versions, and the inventory equals Trivy's SBOM.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rampart_core::inventory::Collector;
use rampart_core::vuln::{IndexBuilder, matches, osv};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn index_of(dirs: &[&Path]) -> rampart_core::vuln::Index {
    let mut builder = IndexBuilder::new();
    for dir in dirs {
        let mut files = Vec::new();
        json_files(dir, &mut files);
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("readable record");
            builder
                .add(osv::from_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
        }
    }
    builder.finish()
}

fn rootfs_inventory(root: &Path) -> rampart_core::inventory::Inventory {
    let mut collector = Collector::new();
    for path in [
        "etc/os-release",
        "etc/debian_version",
        "var/lib/dpkg/status",
    ] {
        let bytes = std::fs::read(root.join(path)).expect("rootfs file");
        assert!(collector.add(path, None, &bytes), "{path} is read");
    }
    collector.finish()
}

#[test]
fn debian_12_matches_exactly_the_expected_findings() {
    let Some(data) = rampart_test_support::shared("vulndata/debian12", "Debian 12 golden match")
    else {
        return;
    };
    let inventory = rootfs_inventory(&data.join("rootfs-min"));
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    let index = index_of(&[&data.join("osv")]);
    assert_eq!(index.stats.records, 209);
    let found = matches(&inventory, &index);
    assert!(found.problems.is_empty(), "{:?}", found.problems);

    let expected: Value = serde_json::from_slice(
        &std::fs::read(data.join("expected-findings.json")).expect("expected"),
    )
    .expect("json");
    let expected: BTreeMap<(String, String), Option<String>> = expected["expected"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            let key = (
                e["binary"].as_str().expect("binary").to_owned(),
                e["id"].as_str().expect("id").to_owned(),
            );
            (key, e["fixed"].as_str().map(str::to_owned))
        })
        .collect();
    assert_eq!(expected.len(), 53);

    let mut got = BTreeMap::new();
    for m in &found.matches {
        let binary = inventory.packages[m.package].name.clone();
        // The record id (DEBIAN-CVE-…) is the id or one of the aliases.
        let record = std::iter::once(&m.id)
            .chain(&m.aliases)
            .find(|id| id.starts_with("DEBIAN-"))
            .expect("a Debian record")
            .clone();
        assert!(
            got.insert((binary, record), m.fixed.clone()).is_none(),
            "reported twice: {m:?}"
        );
        assert!(m.id.starts_with("CVE-"), "the CVE is the id: {m:?}");
    }
    assert_eq!(got, expected);
    let ids: BTreeSet<&String> = got.keys().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 33);
}

#[test]
fn debian_inventory_equals_trivys_sbom() {
    let Some(data) = rampart_test_support::shared("vulndata/debian12", "Debian 12 inventory")
    else {
        return;
    };
    let inventory = rootfs_inventory(&data.join("rootfs-min"));
    let sbom: Value = serde_json::from_slice(
        &std::fs::read(data.join("peer/trivy-0.76.0-rootfs.cdx.json")).expect("sbom"),
    )
    .expect("json");
    let property = |c: &Value, name: &str| {
        c["properties"]
            .as_array()
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p["name"] == format!("aquasecurity:trivy:{name}"))
            })
            .and_then(|p| p["value"].as_str())
            .map(str::to_owned)
    };
    let trivy: BTreeSet<(String, String, String, String, String)> = sbom["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            let epoch = property(c, "SrcEpoch")
                .map(|e| format!("{e}:"))
                .unwrap_or_default();
            let release = property(c, "SrcRelease")
                .map(|r| format!("-{r}"))
                .unwrap_or_default();
            let source_version = format!(
                "{epoch}{}{release}",
                property(c, "SrcVersion").expect("SrcVersion")
            );
            (
                c["name"].as_str().expect("name").to_owned(),
                c["version"].as_str().expect("version").to_owned(),
                property(c, "SrcName").expect("SrcName"),
                source_version,
                c["purl"].as_str().expect("purl").to_owned(),
            )
        })
        .collect();
    let ours: BTreeSet<(String, String, String, String, String)> = inventory
        .packages
        .iter()
        .map(|p| {
            let source = p.source.as_ref().expect("source");
            (
                p.name.clone(),
                p.version.clone(),
                source.name.clone(),
                source.version.clone(),
                p.purl.clone(),
            )
        })
        .collect();
    assert_eq!(trivy.len(), 88);
    assert_eq!(ours, trivy);
}
