//! Every catalogue rule has a failing and a passing fixture under `tests/rules/<id>/`.
//!
//! `fail.yaml` lists the exact findings it must produce in header comments,
//! `# expect: <line> <field path>`, and `pass.yaml` must produce none for that rule.
//! The `pod-security` rule runs at `baseline:latest` (what `--pss baseline` gives).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::PathBuf;

use rampart_core::config::Config;
use rampart_core::rules::catalogue;
use rampart_core::scan::{ScanOptions, run_checks, scan_bytes};

fn fixture(rule: &str, name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules")
        .join(rule)
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (every rule needs this fixture)", path.display()));
    (path, text)
}

fn findings_of(rule: &'static str, text: &str) -> BTreeSet<(u32, String)> {
    let mut options = ScanOptions::from_config(Config::default().only(&[rule]));
    options.pss = Some("baseline:latest".parse().expect("policy"));
    let scan = scan_bytes(text.as_bytes(), &options);
    assert!(
        scan.errors.is_empty(),
        "{rule}: fixture has input errors: {:?}",
        scan.errors
    );
    assert!(scan.objects > 0, "{rule}: fixture has no object");
    let object_findings = scan.findings.iter().map(|f| (&f.finding, f.pos));
    let run_findings: Vec<_> = run_checks(&scan.collected, &options)
        .into_iter()
        .map(|(index, finding)| {
            let pos = scan.collected[index].locate(&finding.path);
            (finding, pos)
        })
        .collect();
    object_findings
        .chain(run_findings.iter().map(|(f, pos)| (f, *pos)))
        .map(|(finding, pos)| {
            assert_eq!(finding.rule, rule);
            (pos.line, finding.path.to_string())
        })
        .collect()
}

fn expectations(text: &str) -> BTreeSet<(u32, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(|spec| {
            let (line, path) = spec.split_once(' ').expect("`# expect: <line> <path>`");
            (line.parse().expect("line number"), path.trim().to_owned())
        })
        .collect()
}

#[test]
fn every_rule_fails_its_failing_fixture_exactly() {
    let mut mismatches = Vec::new();
    for meta in catalogue() {
        let id = meta.id;
        let (path, text) = fixture(id, "fail.yaml");
        let expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let actual = findings_of(id, &text);
        if actual != expected {
            let lines: Vec<&str> = text.lines().collect();
            let shown: Vec<String> = actual
                .iter()
                .map(|(line, field)| {
                    let source = lines.get(*line as usize - 1).copied().unwrap_or_default();
                    format!("  # expect: {line} {field}    <- {source:?}")
                })
                .collect();
            mismatches.push(format!("{}: found\n{}", path.display(), shown.join("\n")));
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

#[test]
fn every_rule_passes_its_passing_fixture() {
    for meta in catalogue() {
        let id = meta.id;
        let (path, text) = fixture(id, "pass.yaml");
        assert_eq!(
            findings_of(id, &text),
            BTreeSet::new(),
            "{}",
            path.display()
        );
    }
}
