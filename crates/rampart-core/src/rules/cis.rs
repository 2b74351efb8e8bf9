//! Messages that carry the rule's CIS Benchmark id, so text reports show it.

use super::{Findings, RuleMeta, RunFindings};
use crate::field_path::FieldPath;
use crate::finding::Severity;

/// The CIS id among a rule's references (`CIS 1.2.1`).
pub(crate) fn cis_id(meta: &RuleMeta) -> Option<&'static str> {
    meta.references
        .iter()
        .copied()
        .find(|r| r.starts_with("CIS "))
}

/// `CIS 1.2.1: message`, or the message alone when the rule has no CIS id.
pub(crate) fn with_cis(meta: &RuleMeta, message: String) -> String {
    match cis_id(meta) {
        Some(cis) => format!("{cis}: {message}"),
        None => message,
    }
}

/// Reports `message` at `path`, prefixed with the rule's CIS id.
pub(crate) fn report_cis(out: &mut Findings, path: FieldPath, message: impl Into<String>) {
    let severity = out.rule().severity;
    report_cis_as(out, severity, path, message);
}

/// Like [`report_cis`] with another severity than the rule's default.
pub(crate) fn report_cis_as(
    out: &mut Findings,
    severity: Severity,
    path: FieldPath,
    message: impl Into<String>,
) {
    let message = with_cis(out.rule(), message.into());
    out.report_as(severity, path, message);
}

/// [`report_cis_as`] for run rules: a finding about `ctx.objects[object]`.
pub(crate) fn report_run_cis_as(
    out: &mut RunFindings,
    severity: Severity,
    object: usize,
    path: FieldPath,
    message: impl Into<String>,
) {
    let message = with_cis(out.rule(), message.into());
    out.report_as(severity, object, path, message);
}
