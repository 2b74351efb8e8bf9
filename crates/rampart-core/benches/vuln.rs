//! Benchmarks of the vulnerability engine, each with a baseline in the same run:
//!
//! * building the index from every shared OSV record (Debian 12, crates.io, PyPI, Go:
//!   550 JSON records), from those plus the full offline databases (`full-db`: RustSec,
//!   PyPA, Go; 8,708 records, JSON and YAML) and from a synthetic 20,000-record
//!   database, against parsing the same text into `serde_json::Value` / a YAML value
//!   (the cost of reading alone);
//! * matching a 500-package inventory (Debian packages plus language packages that
//!   all have records) against the shared and the full index;
//! * reading the dpkg status file of a large image (the shared 88-package status,
//!   repeated to 2,640 packages), against splitting it into lines.
//!
//! Run: `cargo bench -p rampart-core --bench vuln` (needs `../shared/vulndata`).

use std::path::Path;

use divan::Bencher;
use rampart_core::inventory::{Collector, Inventory, Kind, Package};
use rampart_core::vuln::{Index, IndexBuilder, matches, osv};

fn main() {
    divan::main();
}

fn json_records(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_records(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.extend(std::fs::read(&path).ok());
        }
    }
}

/// Every shared record, as bytes.
fn shared_records() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(dir) = rampart_test_support::shared("vulndata", "vuln benchmarks") {
        json_records(&dir.join("debian12/osv"), &mut out);
        json_records(&dir.join("lang/osv"), &mut out);
    }
    out
}

/// The shared records plus every record of the full offline databases.
fn full_records() -> Vec<Vec<u8>> {
    use std::io::Read;
    let mut out = shared_records();
    let Some(dir) = rampart_test_support::shared("vulndata/full-db", "vuln benchmarks") else {
        return out;
    };
    for tarball in [
        "rustsec-osv-branch.tar.gz",
        "pypa-advisory-database.tar.gz",
        "golang-vulndb-osv.tar.gz",
    ] {
        let Ok(file) = std::fs::File::open(dir.join(tarball)) else {
            continue;
        };
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let Ok(entries) = archive.entries() else {
            continue;
        };
        for mut entry in entries.flatten() {
            let name = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut bytes = Vec::new();
            if entry.read_to_end(&mut bytes).is_err() {
                continue;
            }
            if name.ends_with(".json") {
                out.push(bytes);
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                // YAML records are marked by a leading NUL (JSON never starts with one).
                bytes.insert(0, 0);
                out.push(bytes);
            }
        }
    }
    out
}

fn records(set: &str) -> Vec<Vec<u8>> {
    match set {
        "shared" => shared_records(),
        "full" => full_records(),
        _ => synthetic_records(),
    }
}

/// 20,000 records over 2,000 npm packages, each with two ranges.
fn synthetic_records() -> Vec<Vec<u8>> {
    (0..20_000)
        .map(|i| {
            format!(
                r#"{{"id":"GHSA-synt-{i:04}","modified":"2026-01-01T00:00:00Z","aliases":["CVE-2026-{i}"],"summary":"synthetic","severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],"affected":[{{"package":{{"ecosystem":"npm","name":"pkg-{}"}},"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.{}.0"}},{{"introduced":"2.0.0"}},{{"fixed":"2.{}.1"}}]}}]}}]}}"#,
                i % 2_000,
                i % 17,
                i % 5
            )
            .into_bytes()
        })
        .collect()
}

fn index_of(records: &[Vec<u8>]) -> Index {
    let mut builder = IndexBuilder::new();
    for bytes in records {
        let record = match bytes.split_first() {
            Some((0, yaml)) => osv::from_yaml(&String::from_utf8_lossy(yaml)).ok(),
            _ => osv::from_json(bytes).ok(),
        };
        if let Some(record) = record {
            builder.add(record);
        }
    }
    builder.finish()
}

#[divan::bench(args = ["shared", "full", "synthetic"], sample_count = 10)]
fn index_build(bencher: Bencher, set: &str) {
    let records = records(set);
    bencher.bench(|| index_of(&records));
}

#[divan::bench(args = ["shared", "full", "synthetic"], sample_count = 10)]
fn baseline_json_value_parse(bencher: Bencher, set: &str) {
    let records = records(set);
    bencher.bench(|| {
        records
            .iter()
            .filter(|b| match b.split_first() {
                Some((0, yaml)) => {
                    serde_saphyr::from_str::<serde_json::Value>(&String::from_utf8_lossy(yaml))
                        .is_ok()
                }
                _ => serde_json::from_slice::<serde_json::Value>(b).is_ok(),
            })
            .count()
    });
}

/// The Debian rootfs (88 packages) plus 412 language packages named by the index.
fn inventory_of_500(index: &Index) -> Inventory {
    let mut inventory = Collector::new();
    if let Some(root) =
        rampart_test_support::shared("vulndata/debian12/rootfs-min", "vuln benchmarks")
    {
        for path in ["etc/os-release", "var/lib/dpkg/status"] {
            if let Ok(bytes) = std::fs::read(root.join(path)) {
                inventory.add(path, None, &bytes);
            }
        }
    }
    let mut inventory = inventory.finish();
    let mut names: Vec<(&str, &String)> = ["PyPI", "crates.io", "Go"]
        .into_iter()
        .flat_map(|eco| {
            index
                .packages
                .get(eco)
                .into_iter()
                .flat_map(move |names| names.keys().map(move |n| (eco, n)))
        })
        .collect();
    names.sort();
    for (ecosystem, name) in names
        .into_iter()
        .cycle()
        .take(500usize.saturating_sub(inventory.packages.len()))
    {
        let kind = match ecosystem {
            "PyPI" => Kind::Python,
            "crates.io" => Kind::Cargo,
            _ => Kind::Go,
        };
        let version = if kind == Kind::Go { "v0.1.0" } else { "0.1.0" };
        inventory.packages.push(Package {
            kind,
            name: name.clone(),
            version: version.into(),
            source: None,
            arch: None,
            purl: String::new(),
            path: "bench".into(),
            layer: None,
        });
    }
    inventory
}

#[divan::bench(args = ["shared", "full"])]
fn match_500_packages(bencher: Bencher, set: &str) {
    let index = index_of(&records(set));
    let inventory = inventory_of_500(&index);
    bencher.bench(|| matches(&inventory, &index).matches.len());
}

#[divan::bench]
fn index_from_bytes(bencher: Bencher) {
    let bytes = index_of(&synthetic_records())
        .to_bytes()
        .unwrap_or_default();
    bencher.bench(|| {
        Index::from_bytes(&bytes)
            .map(|i| i.advisories.len())
            .unwrap_or(0)
    });
}

/// The shared status file, its packages renamed 30 times over.
fn large_status() -> String {
    let Some(root) =
        rampart_test_support::shared("vulndata/debian12/rootfs-min", "vuln benchmarks")
    else {
        return String::new();
    };
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap_or_default();
    (0..30)
        .map(|i| status.replace("Package: ", &format!("Package: copy{i}-")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[divan::bench]
fn dpkg_status_large(bencher: Bencher) {
    let status = large_status();
    bencher.bench(|| {
        let mut collector = Collector::new();
        collector.add("var/lib/dpkg/status", None, status.as_bytes());
        collector.finish().packages.len()
    });
}

#[divan::bench]
fn baseline_status_lines(bencher: Bencher) {
    let status = large_status();
    bencher.bench(|| status.lines().filter(|l| l.starts_with("Package:")).count());
}
