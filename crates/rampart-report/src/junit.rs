//! JUnit XML for CI systems that display test reports: one suite per file, one test
//! case per object, failing with its findings.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use rampart_core::source::Pos;

use crate::model::{FileReport, ScanReport};

fn object_label(
    kind: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    document: usize,
) -> String {
    match (namespace, name) {
        (Some(ns), Some(name)) => format!("{kind} {ns}/{name}"),
        (None, Some(name)) => format!("{kind} {name}"),
        _ => format!("{kind} (document {document})"),
    }
}

/// `file:line:col`, or the file (a live object's URI) alone when there is no position.
fn location(file: &str, pos: Option<Pos>) -> String {
    match pos {
        Some(pos) => format!("{file}:{}:{}", pos.line, pos.column),
        None => file.to_owned(),
    }
}

fn suite(file: &FileReport) -> TestSuite {
    let mut suite = TestSuite::new(file.file.as_str());
    let mut by_object: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for f in &file.findings {
        let label = object_label(
            &f.object.kind,
            f.object.namespace.as_deref(),
            f.object.name.as_deref(),
            f.document,
        );
        by_object
            .entry((f.document, label))
            .or_default()
            .push(format!(
                "{}: {} {}: {} ({})",
                location(&file.file, f.pos),
                f.finding.severity,
                f.finding.rule,
                f.finding.message,
                f.finding.path
            ));
    }
    for ((_, label), lines) in by_object {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{} finding(s)", lines.len()));
        status.set_description(lines.join("\n"));
        suite.add_test_case(TestCase::new(label, status));
    }
    for error in &file.errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(error.message.as_str());
        let name = location(&file.file, file.has_positions().then_some(error.pos));
        suite.add_test_case(TestCase::new(name, status));
    }
    if file.findings.is_empty() && file.errors.is_empty() {
        suite.add_test_case(TestCase::new(
            format!("{} object(s) checked", file.objects),
            TestCaseStatus::success(),
        ));
    }
    suite
}

/// Writes a JUnit XML report, straight to `out` (not through one string of it all).
pub fn write_junit(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = Report::new("rampart");
    junit.add_test_suites(report.files.iter().map(suite));
    junit.serialize(&mut *out).map_err(into_io_error)?;
    writeln!(out)
}

/// quick-junit wraps a failed write twice (in quick-xml's error, then its own); the io
/// error's kind is kept, so that a reader that closed the pipe is still told apart.
pub(crate) fn into_io_error(error: quick_junit::SerializeError) -> io::Error {
    let mut causes = std::iter::successors(std::error::Error::source(&error), |e| e.source());
    let kind = causes
        .find_map(|cause| cause.downcast_ref::<Arc<io::Error>>())
        .map_or(io::ErrorKind::Other, |io| io.kind());
    io::Error::new(kind, error)
}
