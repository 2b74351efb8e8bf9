//! `rampart image TARGET...`: each image read (layers streamed), its packages matched
//! against the OSV index, its files judged by the image rules; one report.

use std::io::Write;

use anyhow::{Context, Result};
use rampart_core::Severity;
use rampart_core::config::Config;
use rampart_core::inventory::Inventory;
use rampart_core::rules::judge_image_files;
use rampart_core::scan::ScanOptions;
use rampart_core::vuln::{Index, matches};
use rampart_image::{Image, Options, Target};
use rampart_report::image::{
    DataAge, ImageFinding, ImageReport, LayerReport, TargetReport, Vulnerability, counted_severity,
    write_cyclonedx, write_json, write_junit, write_sarif, write_summary_line, write_text,
};

use crate::cli::{Exit, ImageArgs, ImageFormat};

/// What every target is judged with.
struct Judge<'a> {
    index: &'a Index,
    config: &'a Config,
    /// The catalogue's options, for the image configuration.
    options: ScanOptions,
    ignore_unfixed: bool,
}

pub fn run(args: &ImageArgs) -> Result<Exit> {
    let config = super::scan::load_config(args.config.as_deref())?;
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::Low);
    let dir = super::db::database_dir(args.db.as_deref())?;
    let db = rampart_vulndb::load(&dir).context("reading the vulnerability database")?;
    for error in &db.errors {
        eprintln!(
            "rampart: error: vulnerability data {}: {}",
            error.path, error.message
        );
    }
    // The only clock read: how old the data is now.
    let now = jiff::Timestamp::now();
    let options = Options {
        platform: args.platform.clone(),
        insecure_registries: args.insecure_registries.clone(),
        ..Options::default()
    };
    let judge = Judge {
        index: &db.index,
        config: &config,
        options: ScanOptions::from_config(config.clone()),
        ignore_unfixed: args.ignore_unfixed,
    };
    let targets = args
        .targets
        .iter()
        .map(|target| judge.target(target, &options))
        .collect();
    let mut report = ImageReport {
        targets,
        data: DataAge {
            dir: dir.display().to_string(),
            newest_modified: db.index.stats.newest_modified.clone(),
            age_days: super::db::age_days(&db, now),
            stale: db.is_stale(now),
        },
    };
    report.keep_severities(&args.severity);
    let outputs =
        crate::cli::output_targets(&args.output, args.format).map_err(anyhow::Error::msg)?;
    for (format, path) in &outputs {
        write_output(&report, *format, path.as_deref())?;
    }
    super::summary_when_only_files(&outputs, |line| write_summary_line(&report, line))?;
    super::db::warn_if_stale(&db, now);
    for target in &report.targets {
        for error in &target.errors {
            eprintln!("rampart: error: {}: {error}", target.target);
        }
    }
    let errors = report.summary().errors > 0 || !db.errors.is_empty();
    Ok(if errors {
        Exit::Usage
    } else if report.worst().is_some_and(|worst| worst >= fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Writes one output; a reader of standard output that went away ends it quietly.
fn write_output(
    report: &ImageReport,
    format: ImageFormat,
    path: Option<&std::path::Path>,
) -> Result<()> {
    let (mut out, color) = super::output(path)?;
    let version = env!("CARGO_PKG_VERSION");
    let written = match format {
        ImageFormat::Text => write_text(report, &mut out, color),
        ImageFormat::Json => write_json(report, &mut out),
        ImageFormat::Sarif => write_sarif(report, version, &mut out),
        ImageFormat::Junit => write_junit(report, &mut out),
        ImageFormat::Cyclonedx => write_cyclonedx(report, version, &mut out),
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))
}

impl Judge<'_> {
    /// Reads and judges one target; whatever goes wrong is an error of this target.
    fn target(&self, text: &str, options: &Options) -> TargetReport {
        let mut report = TargetReport {
            target: text.to_owned(),
            ..TargetReport::default()
        };
        let image = Target::parse(text)
            .map_err(|e| e.to_string())
            .and_then(|target| rampart_image::read(&target, options).map_err(|e| e.to_string()));
        match image {
            Ok(image) => self.judge(image, &mut report),
            Err(error) => report.errors.push(error),
        }
        report
    }

    fn judge(&self, image: Image, report: &mut TargetReport) {
        report.digest = image.digest;
        report.layers = image
            .layers
            .into_iter()
            .map(|l| LayerReport {
                index: l.index,
                digest: l.diff_id,
                blob: l.digest,
                size: l.size,
                created_by: l.created_by,
            })
            .collect();
        report.errors.extend(image.problems);
        self.vulnerabilities(&image.inventory, report);
        if let Some(config) = &image.config {
            self.configuration(config, report);
        }
        for finding in judge_image_files(&image.files, self.config) {
            report.findings.push(ImageFinding {
                rule: finding.rule,
                severity: finding.severity,
                path: finding.file.path.clone(),
                message: finding.message,
                layer: finding.file.layer.clone(),
            });
        }
        report
            .errors
            .extend(image.inventory.errors.iter().map(ToString::to_string));
        report.os = image.inventory.os;
        report.packages = image.inventory.packages;
    }

    /// The image configuration and history, judged by the rules that judge Dockerfiles
    /// and `docker image inspect` output (the same ids).
    fn configuration(&self, config: &serde_json::Value, report: &mut TargetReport) {
        let mut config = config.clone();
        // Named in messages as the Engine names an image without a tag: its short id.
        if let Some(digest) = &report.digest {
            config["Id"] = serde_json::json!(digest);
        }
        // An OCI configuration may leave out the run configuration: none is set.
        if config.get("config").is_none_or(serde_json::Value::is_null) {
            config["config"] = serde_json::json!({});
        }
        let scan = rampart_core::live::judge_image(&config, &self.options);
        report
            .findings
            .extend(scan.findings.into_iter().map(|f| ImageFinding {
                rule: f.finding.rule,
                severity: f.finding.severity,
                path: f.finding.path.to_string(),
                message: f.finding.message,
                layer: None,
            }));
        report.errors.extend(
            scan.errors
                .into_iter()
                .map(|e| format!("image configuration: {}", e.message)),
        );
    }

    fn vulnerabilities(&self, inventory: &Inventory, report: &mut TargetReport) {
        let found = matches(inventory, self.index);
        for problem in found.problems {
            match problem.package {
                // A package whose version cannot be ordered: a broken record.
                Some(_) => report.errors.push(problem.message),
                None => report.warnings.push(problem.message),
            }
        }
        report.vulnerabilities = found
            .matches
            .into_iter()
            .filter(|m| !(self.ignore_unfixed && m.fixed.is_none()))
            .map(|found| Vulnerability { found })
            .collect();
        // Stable order whatever the matcher's: package, then severity (worst first), id.
        report.vulnerabilities.sort_by(|a, b| {
            (
                a.found.package,
                std::cmp::Reverse(counted_severity(&a.found)),
                &a.found.id,
            )
                .cmp(&(
                    b.found.package,
                    std::cmp::Reverse(counted_severity(&b.found)),
                    &b.found.id,
                ))
        });
    }
}
