//! JUnit XML for `rampart image`: one suite per target, one failing case per vulnerable
//! package and per image finding, one error case per error, one passing case for a
//! clean target.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{DataAge, ImageReport, TargetReport, describe_package};

fn suite(t: &TargetReport, data: &DataAge) -> TestSuite {
    let mut suite = TestSuite::new(t.target.as_str());
    // How old the vulnerability data is, in every suite.
    suite.add_property(Property::new(
        "rampart.vulnerability-data.newest-modified",
        data.newest_modified.as_deref().unwrap_or("unknown"),
    ));
    suite.add_property(Property::new(
        "rampart.vulnerability-data.age-days",
        data.age_days
            .map_or_else(|| "unknown".to_owned(), |d| d.to_string()),
    ));
    suite.add_property(Property::new(
        "rampart.vulnerability-data.stale",
        data.stale.to_string(),
    ));
    let mut current: Option<(usize, Vec<String>)> = None;
    let flush = |suite: &mut TestSuite, group: Option<(usize, Vec<String>)>| {
        if let Some((package, lines)) = group
            && let Some(p) = t.packages.get(package)
        {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!(
                "{} vulnerabilit{}",
                lines.len(),
                if lines.len() == 1 { "y" } else { "ies" }
            ));
            status.set_description(lines.join("\n"));
            suite.add_test_case(TestCase::new(
                format!("{} [{}]", describe_package(p), p.path),
                status,
            ));
        }
    };
    for v in &t.vulnerabilities {
        let m = &v.found;
        let line = format!(
            "{} {}: {}",
            m.severity.map_or("unknown", |s| s.as_str()),
            m.id,
            m.fixed
                .as_deref()
                .map_or_else(|| "no fix yet".to_owned(), |f| format!("fixed in {f}"))
        );
        match &mut current {
            Some((package, lines)) if *package == m.package => lines.push(line),
            _ => {
                flush(&mut suite, current.take());
                current = Some((m.package, vec![line]));
            }
        }
    }
    flush(&mut suite, current.take());
    for f in &t.findings {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{} {}", f.severity, f.rule));
        status.set_description(f.message.as_str());
        suite.add_test_case(TestCase::new(format!("{} {}", f.rule, f.path), status));
    }
    for error in &t.errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(error.as_str());
        suite.add_test_case(TestCase::new(format!("{}: error", t.target), status));
    }
    if t.vulnerabilities.is_empty() && t.findings.is_empty() && t.errors.is_empty() {
        suite.add_test_case(TestCase::new(
            format!("{} packages checked", t.packages.len()),
            TestCaseStatus::success(),
        ));
    }
    suite
}

/// Writes the JUnit XML report.
pub fn write_junit(report: &ImageReport, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = Report::new("rampart image");
    junit.add_test_suites(report.targets.iter().map(|t| suite(t, &report.data)));
    junit
        .serialize(&mut *out)
        .map_err(crate::junit::into_io_error)?;
    writeln!(out)
}
