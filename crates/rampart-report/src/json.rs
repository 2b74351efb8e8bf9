//! JSON output: the stable shape documented in the README.

use std::io::{self, Write};

use serde::Serialize;

use rampart_core::baseline::Fingerprint;
use rampart_core::scan::LocatedFinding;
use rampart_core::source::InputError;

use crate::model::{BaselineReport, FileReport, ScanReport, Summary};
use crate::stream::Streamed;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    document: usize,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    path: String,
    message: &'a str,
    /// The finding's fingerprint (the one baselines and SARIF use).
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

/// The report, its findings and errors serialized as they are made.
#[derive(Serialize)]
struct JsonReport<'a, F, E, W> {
    findings: F,
    errors: E,
    warnings: W,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineReport>,
}

impl<'a> JsonFinding<'a> {
    fn new(file: &'a FileReport, f: &'a LocatedFinding) -> Self {
        Self {
            rule: f.finding.rule,
            severity: f.finding.severity.as_str(),
            file: &file.file,
            line: f.pos.map(|pos| pos.line),
            column: f.pos.map(|pos| pos.column),
            document: f.document,
            api_version: &f.object.api_version,
            kind: &f.object.kind,
            namespace: f.object.namespace.as_deref(),
            name: f.object.name.as_deref(),
            path: f.finding.path.to_string(),
            message: &f.finding.message,
            fingerprint: Fingerprint::of(f).hash(),
        }
    }
}

/// Writes `{"findings": [...], "errors": [...], "warnings": [...], "summary": {...}}`.
/// Findings, errors and warnings of live objects have `line` and `column` null.
pub fn write_json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let findings = Streamed(|| report.findings().map(|(file, f)| JsonFinding::new(file, f)));
    let problems = |list: fn(&FileReport) -> &[InputError]| {
        Streamed(move || {
            report.files.iter().flat_map(move |file| {
                let located = file.has_positions();
                list(file).iter().map(move |e| JsonError {
                    file: &file.file,
                    line: located.then_some(e.pos.line),
                    column: located.then_some(e.pos.column),
                    message: &e.message,
                })
            })
        })
    };
    let json = JsonReport {
        findings,
        errors: problems(|file| &file.errors),
        warnings: problems(|file| &file.warnings),
        summary: report.summary(),
        baseline: report.baseline.as_ref(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
