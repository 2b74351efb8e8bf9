//! `rampart scan`: the hardening catalogue over manifests, in parallel over files.

use std::io::Write;

use anyhow::{Context, Result};
use rampart_core::Severity;
use rampart_core::baseline::stable_path;
use rampart_core::baseline::{Baseline, Outcome};
use rampart_core::config::Config;
use rampart_core::rules::catalogue;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rampart_core::fix::{FixOptions, suggestions};
use rampart_core::rules::Collected;
use rampart_core::scan::{LocatedFinding, ScanOptions, run_checks, scan_file};
use rampart_core::source::{InputError, Limits, Pos};
use rampart_report::{
    BaselineReport, FileReport, ScanReport, write_compact, write_json, write_junit,
    write_rule_table, write_sarif, write_summary_line, write_text,
};

use crate::cli::{Exit, ReportArgs, ScanArgs, ScanFormat};
use crate::input::{self, Input};

/// Loads the configuration (explicit, or `.rampart.yaml` when present).
pub(crate) fn load_config(explicit: Option<&std::path::Path>) -> Result<Config> {
    match input::read_config(explicit)? {
        Some((name, text)) => Config::parse(&text)
            .map_err(|e| anyhow::anyhow!("{name}:{}:{}: {}", e.pos.line, e.pos.column, e.message)),
        None => Ok(Config::default()),
    }
}

/// Reads and scans every input (one report per input, in input order), then runs the
/// rules that look across all of them. With `fixes`, each file's report carries the safe
/// fixes of its findings (for SARIF; not for rendered manifests, whose text is no file
/// to edit).
pub(crate) fn scan_inputs(
    inputs: &[Input],
    options: &ScanOptions,
    limit: u64,
    fixes: Option<&FixOptions>,
) -> Vec<FileReport> {
    let rendered = |name: &str| {
        inputs
            .iter()
            .any(|i| matches!(i, Input::Rendered(r) if r.name == name))
    };
    let scanned = input::map_inputs(inputs, limit, |name, bytes| match bytes {
        Ok(bytes) => {
            let mut scan = scan_file(&name, &bytes, options);
            let collected = std::mem::take(&mut scan.collected);
            let suggestions = match fixes {
                Some(fixes) if !scan.findings.is_empty() && !rendered(&name) => {
                    suggestions(&name, &bytes, fixes)
                }
                _ => Vec::new(),
            };
            let mut report = FileReport::new(name, scan, &bytes);
            report.fixes = suggestions;
            (report, collected)
        }
        Err(error) => (unreadable(name, &error), Vec::new()),
    });
    let mut reports = Vec::with_capacity(scanned.len());
    let mut collected = Vec::new();
    for (file, (report, objects)) in scanned.into_iter().enumerate() {
        reports.push(report);
        collected.extend(objects.into_iter().map(|mut object| {
            object.file = file;
            object
        }));
    }
    add_run_findings(&mut reports, inputs, &collected, options, limit);
    reports
}

/// Adds the run rules' findings to the reports of the files they are about.
fn add_run_findings(
    reports: &mut [FileReport],
    inputs: &[Input],
    collected: &[Collected],
    options: &ScanOptions,
    limit: u64,
) {
    let mut per_file: BTreeMap<usize, Vec<LocatedFinding>> = BTreeMap::new();
    let mut values: BTreeMap<usize, serde_json::Value> = BTreeMap::new();
    let outcome = run_checks(collected, options);
    for index in &outcome.suppressed {
        reports[collected[*index].file].suppressed += 1;
    }
    for (index, finding) in outcome {
        let object = &collected[index];
        let value = values.entry(index).or_insert_with(|| object.value());
        per_file
            .entry(object.file)
            .or_default()
            .push(LocatedFinding {
                pos: Some(object.locate(&finding.path)),
                stable_path: stable_path(Some(value), &finding.path),
                finding,
                object: Arc::new(object.id.clone()),
                document: object.document,
            });
    }
    for (file, findings) in per_file {
        let text = match &inputs[file] {
            Input::Stdin => None,
            input => input::read(input, limit).ok(),
        };
        reports[file].add_findings(findings, text.as_deref());
    }
}

/// The report of a file that could not be read.
pub(crate) fn unreadable(file: String, error: &std::io::Error) -> FileReport {
    FileReport {
        file,
        errors: vec![InputError::new(
            Pos::new(1, 1),
            format!("cannot read: {error}"),
        )],
        ..FileReport::default()
    }
}

/// Writes the baseline accepting every finding of `files` to `path`.
fn write_baseline(path: &Path, files: &[FileReport]) -> Result<()> {
    let baseline = Baseline::of(files.iter().flat_map(|f| &f.findings));
    std::fs::write(path, baseline.to_yaml())
        .with_context(|| format!("cannot write the baseline {}", path.display()))?;
    eprintln!(
        "rampart: wrote {} accepting {} finding{}",
        path.display(),
        baseline.len(),
        if baseline.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Drops the findings the baseline at `path` accepts from `files`.
fn apply_baseline(path: &Path, files: &mut [FileReport]) -> Result<BaselineReport> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline {name}"))?;
    let baseline = Baseline::parse(&text)
        .map_err(|e| anyhow::anyhow!("{name}:{}:{}: {}", e.pos.line, e.pos.column, e.message))?;
    let mut outcome = Outcome::default();
    for file in files {
        file.findings = baseline.filter(std::mem::take(&mut file.findings), &mut outcome);
    }
    Ok(BaselineReport {
        stale: baseline.stale(&outcome),
        baselined: outcome.baselined,
        file: name,
    })
}

/// The options and the failing severity the report flags ask for: the configuration
/// file, `--rule`, `--fail-on`.
pub(crate) fn scan_options(args: &ReportArgs) -> Result<(ScanOptions, Severity)> {
    let mut config = load_config(args.config.as_deref())?;
    if !args.rules.is_empty() {
        let ids: Vec<&str> = args.rules.iter().map(String::as_str).collect();
        if let Some(unknown) = ids
            .iter()
            .find(|id| rampart_core::rules::find(id).is_none())
        {
            anyhow::bail!(
                "unknown rule {unknown:?}{}; `rampart rules` lists them",
                rampart_core::suggest::rule_hint(unknown)
            );
        }
        config = config.only(&ids);
    }
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::Low);
    Ok((ScanOptions::from_config(config), fail_on))
}

/// Applies the baseline flags to `files` (a written baseline records every finding), then
/// writes the report (only the findings `--severity` shows) to every output asked for,
/// and says how the run ends: 2 with input errors, 0 when a baseline was written, 1 with
/// a shown finding at or above `fail_on`, else 0. When no output is standard output, the
/// summary line goes to standard error.
pub(crate) fn finish(
    mut files: Vec<FileReport>,
    args: &ReportArgs,
    fail_on: Severity,
) -> Result<Exit> {
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &files)?;
    }
    let baseline = match &args.baseline {
        Some(path) => Some(apply_baseline(path, &mut files)?),
        None => None,
    };
    let mut report = ScanReport { files, baseline };
    report.keep_severities(&args.severity);
    let targets =
        crate::cli::output_targets(&args.output, args.format).map_err(anyhow::Error::msg)?;
    for (format, path) in &targets {
        write_output(&report, *format, path.as_deref(), args.summary)?;
    }
    super::summary_when_only_files(&targets, |line| write_summary_line(&report, line))?;
    let summary = report.summary();
    Ok(if summary.errors > 0 {
        Exit::Usage
    } else if args.write_baseline.is_some() {
        Exit::Clean
    } else if report.worst().is_some_and(|worst| worst >= fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Writes one output; a reader of standard output that went away ends it quietly.
fn write_output(
    report: &ScanReport,
    format: ScanFormat,
    path: Option<&std::path::Path>,
    rule_table: bool,
) -> Result<()> {
    let (mut out, color) = super::output(path)?;
    let written = match format {
        ScanFormat::Text => write_text(report, &mut out, color),
        ScanFormat::Compact => write_compact(report, &mut out, color),
        ScanFormat::Json => write_json(report, &mut out),
        ScanFormat::Sarif => {
            let rules: Vec<_> = catalogue().copied().collect();
            write_sarif(report, &rules, env!("CARGO_PKG_VERSION"), &mut out)
        }
        ScanFormat::Junit => write_junit(report, &mut out),
    }
    .and_then(|()| match format {
        ScanFormat::Text | ScanFormat::Compact if rule_table => {
            write_rule_table(report, &mut out, color)
        }
        _ => Ok(()),
    })
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))
}

pub fn run(args: &ScanArgs) -> Result<Exit> {
    let (mut options, fail_on) = scan_options(&args.report)?;
    options.pss = args.pss;
    options.limits = Limits::for_file_size(args.input.max_file_size);
    let (inputs, missing) = input::collect(
        &args.input.paths,
        input::Walk::Scannable,
        &input::excluded_by(&options.config),
        &args.input.render_options(),
    );
    let fixes = (args.report.format == ScanFormat::Sarif)
        .then(|| FixOptions::new(options.clone(), false, None));
    let mut files = scan_inputs(&inputs, &options, args.input.max_file_size, fixes.as_ref());
    files.extend(missing.into_iter().map(|m| FileReport {
        file: m.name,
        errors: vec![InputError::new(Pos::new(1, 1), m.message)],
        missing: true,
        ..FileReport::default()
    }));
    finish(files, &args.report, fail_on)
}
