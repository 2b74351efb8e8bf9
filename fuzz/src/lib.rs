//! What the fuzz targets share: a scan of one file with every rule and the run rules,
//! and its report in every format.

use std::collections::BTreeSet;
use std::sync::Arc;

use rampart_core::config::Config;
use rampart_core::pss::LevelVersion;
use rampart_core::rules::catalogue;
use rampart_core::scan::{
    FileScan, LocatedFinding, RunOutcome, ScanOptions, run_checks, scan_file,
};
use rampart_report::{FileReport, ScanReport, write_json, write_junit, write_sarif, write_text};

/// Scans `bytes` as the file `name` with every rule (and Pod Security restricted), then
/// runs the run rules over what the scan collected.
pub fn scan_run(name: &str, bytes: &[u8]) -> (FileScan, RunOutcome) {
    let mut options = ScanOptions::from_config(Config::default());
    options.pss = "restricted:latest".parse::<LevelVersion>().ok();
    let mut scan = scan_file(name, bytes, &options);
    let collected = std::mem::take(&mut scan.collected);
    let run = run_checks(&collected, &options);
    for (index, finding) in &run.findings {
        let object = &collected[*index];
        scan.findings.push(LocatedFinding {
            pos: Some(object.locate(&finding.path)),
            stable_path: finding.path.to_string(),
            finding: finding.clone(),
            object: Arc::new(object.id.clone()),
            document: object.document,
        });
    }
    (scan, run)
}

/// Writes the report of one scanned file in every format (to nowhere).
pub fn report(name: &str, scan: FileScan, bytes: &[u8]) {
    let report = ScanReport {
        files: vec![FileReport::new(name.to_owned(), scan, bytes)],
        baseline: None,
    };
    let mut sink = std::io::sink();
    // The SARIF run describes the rules that have findings: describing the whole
    // catalogue (the same text for every input) took three quarters of each run.
    let found: BTreeSet<&str> = report.findings().map(|(_, f)| f.finding.rule).collect();
    let rules: Vec<_> = catalogue()
        .filter(|rule| found.contains(rule.id))
        .copied()
        .collect();
    let _ = write_text(&report, &mut sink, true);
    let _ = write_json(&report, &mut sink);
    let _ = write_sarif(&report, &rules, "0.0.0", &mut sink);
    let _ = write_junit(&report, &mut sink);
}
