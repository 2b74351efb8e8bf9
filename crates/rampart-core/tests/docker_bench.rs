//! docs/docker-bench.md, held to the catalogue: every Docker Bench check of sections 1-5
//! is in the table; the rules a row names exist and list the check in their references,
//! and every `Docker Bench X.Y` reference of the catalogue is in the table; each covered
//! check's rules fire on a failing fixture of the artefact the check is about.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rampart_core::config::Config;
use rampart_core::host::HostFacts;
use rampart_core::live::judge_host;
use rampart_core::rules::catalogue;
use rampart_core::scan::{ScanOptions, scan_file};
use rampart_core::source::{Limits, parse};

/// The checks of Docker Bench for Security v1.6.0, sections 1 to 5, by section.
fn docker_bench_checks() -> Vec<String> {
    let mut ids: Vec<String> = (1..=18).map(|i| format!("1.1.{i}")).collect();
    ids.extend((1..=2).map(|i| format!("1.2.{i}")));
    for (section, last) in [(2, 18), (3, 24), (4, 11), (5, 32)] {
        ids.extend((1..=last).map(|i| format!("{section}.{i}")));
    }
    ids
}

/// The table: check -> the rules that cover it (empty: none does).
fn table() -> BTreeMap<String, Vec<String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/docker-bench.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(id) = cells
            .get(1)
            .filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit()))
        else {
            continue;
        };
        let rules = cells[3]
            .split(',')
            .map(|r| r.trim().trim_matches('`'))
            .filter(|r| !r.is_empty() && *r != "—")
            .map(str::to_owned)
            .collect();
        assert!(rows.insert((*id).to_owned(), rules).is_none(), "{id} twice");
        assert!(!cells[4].is_empty(), "{id}: say how, or why not");
    }
    rows
}

/// A reference that names one Docker Bench check exactly (`Docker Bench 5.27`).
fn docker_bench_reference(reference: &str) -> Option<&str> {
    let id = reference.strip_prefix("Docker Bench ")?;
    id.split('.')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
        .then_some(id)
}

#[test]
fn every_check_of_sections_1_to_5_is_in_the_table() {
    let rows: BTreeSet<String> = table().into_keys().collect();
    let checks: BTreeSet<String> = docker_bench_checks().into_iter().collect();
    assert_eq!(rows, checks);
}

#[test]
fn the_table_and_the_rules_references_agree() {
    let rows = table();
    let metas: BTreeMap<&str, _> = catalogue().map(|m| (m.id, m)).collect();
    for (check, rules) in &rows {
        for rule in rules {
            let meta = metas
                .get(rule.as_str())
                .unwrap_or_else(|| panic!("{check}: no rule {rule}"));
            let claims = meta
                .references
                .iter()
                .filter_map(|r| docker_bench_reference(r))
                .any(|id| id == check);
            assert!(claims, "{check}: {rule} does not list Docker Bench {check}");
        }
    }
    for meta in catalogue() {
        for id in meta
            .references
            .iter()
            .filter_map(|r| docker_bench_reference(r))
        {
            let listed = rows
                .get(id)
                .is_some_and(|rules| rules.iter().any(|r| r == meta.id));
            assert!(
                listed,
                "{} lists Docker Bench {id}, which the table does not give it",
                meta.id
            );
        }
    }
}

/// The fixture kinds that stand for what a check of `check`'s section is about.
fn artefacts(check: &str) -> &'static [&'static str] {
    match check.split('.').next() {
        Some("1" | "3") => &["host.json"],
        Some("2") => &["engine.json", "daemon.json"],
        Some("4") => &["image.json"],
        _ => &["inspect.json", "engine.json", "compose.yaml"],
    }
}

/// The rules with a finding on the failing fixture `file` of `rule`.
fn fired(rule: &'static str, file: &std::path::Path) -> bool {
    let options = ScanOptions::from_config(Config::default().only(&[rule]));
    let bytes = std::fs::read(file).unwrap();
    let name = file.file_name().unwrap().to_string_lossy();
    let name = name.strip_prefix("fail.").unwrap();
    if name.ends_with("host.json") {
        let value = parse(&bytes, &Limits::default()).documents.remove(0).value;
        let facts: HostFacts = serde_json::from_value(value).unwrap();
        return judge_host(&facts, &options)
            .iter()
            .any(|(_, scan)| scan.findings.iter().any(|f| f.finding.rule == rule));
    }
    let scan = scan_file(name, &bytes, &options);
    scan.findings.iter().any(|f| f.finding.rule == rule)
}

#[test]
fn every_covered_check_has_a_failing_fixture_of_its_artefact() {
    let rules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let ids: BTreeMap<&str, &'static str> = catalogue().map(|m| (m.id, m.id)).collect();
    let mut missing = Vec::new();
    for (check, rules) in table() {
        for rule in rules {
            let id = ids[rule.as_str()];
            let fixtures: Vec<PathBuf> = std::fs::read_dir(rules_dir.join(id))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    name.starts_with("fail") && artefacts(&check).iter().any(|a| name.ends_with(a))
                })
                .collect();
            if !fixtures.iter().any(|f| fired(id, f)) {
                missing.push(format!(
                    "{check}: {rule} ({})",
                    artefacts(&check).join(" or ")
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no failing fixture that fires:\n{}",
        missing.join("\n")
    );
}
