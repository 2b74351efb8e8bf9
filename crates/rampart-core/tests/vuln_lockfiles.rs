//! The shared lockfiles (from Trivy's and osv-scanner's test data) against the shared
//! crates.io, PyPI and Go records give exactly the expected findings; against the whole
//! offline databases (`full-db`) too, with no new false positive.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::Path;

use rampart_core::inventory::{Inventory, read_file};
use rampart_core::vuln::{Index, IndexBuilder, matches, osv};

fn add_dir(builder: &mut IndexBuilder, dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            add_dir(builder, &path);
        } else if path.extension().is_some_and(|e| e == "json") {
            builder.add(
                osv::from_json(&std::fs::read(&path).expect("record"))
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            );
        }
    }
}

/// Every OSV record (JSON or YAML) of a tar.gz database snapshot.
fn add_tarball(builder: &mut IndexBuilder, path: &Path) {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(path).expect("tarball"),
    ));
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        if name.ends_with(".json") {
            builder.add(osv::from_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")));
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            builder.add(
                osv::from_yaml(&String::from_utf8_lossy(&bytes))
                    .unwrap_or_else(|e| panic!("{name}: {e}")),
            );
        }
    }
}

/// (record id, package, version) for every record behind every finding.
fn findings(inventory: &Inventory, index: &Index) -> BTreeSet<(String, String, String)> {
    let records: HashSet<&str> = index.advisories.iter().map(|a| a.id.as_str()).collect();
    let found = matches(inventory, index);
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let mut out = BTreeSet::new();
    for m in &found.matches {
        let package = &inventory.packages[m.package];
        for id in std::iter::once(&m.id)
            .chain(&m.aliases)
            .filter(|id| records.contains(id.as_str()))
        {
            out.insert((id.clone(), package.name.clone(), package.version.clone()));
        }
    }
    out
}

fn lockfile_inventory(path: &Path) -> Inventory {
    let name = path.to_string_lossy();
    let (packages, errors) =
        read_file(&name, &std::fs::read(path).expect("lockfile")).expect("a lockfile format");
    assert!(errors.is_empty(), "{name}: {errors:?}");
    Inventory {
        os: None,
        packages,
        errors,
    }
}

fn check(lang: &Path, index: &Index) -> usize {
    let cases = rampart_test_support::lockfile_expectations(lang);
    for case in &cases {
        let file = lang.join("lockfiles").join(&case.lockfile);
        let inventory = lockfile_inventory(&file);
        assert_eq!(
            inventory.packages.len() as u64,
            case.packages,
            "{}",
            file.display()
        );
        assert_eq!(
            findings(&inventory, index),
            case.vulnerable,
            "{}",
            file.display()
        );
    }
    cases.len()
}

fn lang_index(lang: &Path) -> Index {
    let mut builder = IndexBuilder::new();
    add_dir(&mut builder, &lang.join("osv"));
    builder.finish()
}

#[test]
fn lockfiles_match_exactly_the_expected_findings() {
    let Some(lang) = rampart_test_support::shared("vulndata/lang", "lockfile matches") else {
        return;
    };
    let index = lang_index(&lang);
    assert_eq!(check(&lang, &index), 16);
}

/// The held-out check: the same lockfiles against every record of the RustSec, PyPA
/// and Go databases (8,158 records) give the same findings.
#[test]
fn lockfiles_against_the_full_databases_give_the_same_findings() {
    let Some(full) =
        rampart_test_support::shared("vulndata/full-db", "full-database lockfile matches")
    else {
        return;
    };
    let Some(lang) =
        rampart_test_support::shared("vulndata/lang", "full-database lockfile matches")
    else {
        return;
    };
    let mut builder = IndexBuilder::new();
    for tarball in [
        "rustsec-osv-branch.tar.gz",
        "pypa-advisory-database.tar.gz",
        "golang-vulndb-osv.tar.gz",
    ] {
        add_tarball(&mut builder, &full.join(tarball));
    }
    let index = builder.finish();
    assert_eq!(index.stats.records, 8158, "{:?}", index.stats);
    assert_eq!(check(&lang, &index), 16);
}
