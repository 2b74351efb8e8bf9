//! The human report of `rampart image`: per target, its vulnerabilities grouped by
//! package, its findings and errors; then a summary with the data's age.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use rampart_core::Severity;

use super::{ImageReport, TargetReport, describe_layer, describe_package};

fn severity_style(severity: Option<Severity>, color: bool) -> Style {
    if !color {
        return Style::new();
    }
    match severity {
        Some(Severity::Critical) => AnsiColor::Magenta.on_default().bold(),
        Some(Severity::High) => AnsiColor::Red.on_default().bold(),
        Some(Severity::Medium) => AnsiColor::Yellow.on_default().bold(),
        Some(Severity::Low) => AnsiColor::Green.on_default(),
        Some(Severity::Info) | None => AnsiColor::BrightBlack.on_default(),
    }
}

fn bold(color: bool) -> Style {
    if color {
        Style::new().bold()
    } else {
        Style::new()
    }
}

/// `, layer 1 0123456789ab` for something a layer wrote; nothing otherwise.
fn layer_suffix(layer: Option<&rampart_core::inventory::Layer>) -> String {
    layer
        .map(|l| format!(", {}", describe_layer(l)))
        .unwrap_or_default()
}

fn write_target(t: &TargetReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let b = bold(color);
    let os =
        t.os.as_ref()
            .map(|os| os.pretty_name.clone().unwrap_or_else(|| os.distro()))
            .unwrap_or_else(|| "no known distribution".into());
    let digest = t.digest.as_deref().unwrap_or("no digest");
    writeln!(
        out,
        "{b}{}{b:#} ({digest}): {os}, {} layer{}, {} packages",
        t.target,
        t.layers.len(),
        if t.layers.len() == 1 { "" } else { "s" },
        t.packages.len()
    )?;
    let mut current = None;
    for v in &t.vulnerabilities {
        let Some(package) = t.package_of(v) else {
            continue;
        };
        if current != Some(v.found.package) {
            current = Some(v.found.package);
            let layer = layer_suffix(package.layer.as_ref());
            writeln!(
                out,
                "  {} [{}{layer}]",
                describe_package(package),
                package.path
            )?;
        }
        let m = &v.found;
        let style = severity_style(m.severity, color);
        let severity = m.severity.map_or("unknown", Severity::as_str);
        let fixed = m
            .fixed
            .as_deref()
            .map_or_else(|| "no fix yet".to_owned(), |f| format!("fixed in {f}"));
        let mut also: Vec<&str> = m.aliases.iter().map(String::as_str).collect();
        also.extend(m.advisories.iter().map(String::as_str));
        let also = if also.is_empty() {
            String::new()
        } else {
            format!(" ({})", also.join(", "))
        };
        let note = m
            .informational
            .as_deref()
            .map(|kind| format!(" [informational: {kind}]"))
            .unwrap_or_default();
        let summary = m
            .summary
            .as_deref()
            .and_then(|s| s.lines().next())
            .map(|s| match s.char_indices().nth(100) {
                Some((end, _)) => format!(": {}…", &s[..end]),
                None => format!(": {s}"),
            })
            .unwrap_or_default();
        writeln!(
            out,
            "    {style}{severity:<8}{style:#} {}{also}, {fixed}{note}{summary}",
            m.id
        )?;
    }
    for f in &t.findings {
        let style = severity_style(Some(f.severity), color);
        let layer = layer_suffix(f.layer.as_ref());
        writeln!(
            out,
            "  {style}{}{style:#} {}: {} [{}{layer}]",
            f.severity, f.rule, f.message, f.path
        )?;
    }
    let e = if color {
        AnsiColor::Red.on_default().bold()
    } else {
        Style::new()
    };
    for error in &t.errors {
        writeln!(out, "  {e}error{e:#}: {error}")?;
    }
    for warning in &t.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}

/// Writes the human report. `color` adds ANSI styles (only for a terminal).
pub fn write_text(report: &ImageReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    for (i, target) in report.targets.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_target(target, out, color)?;
    }
    writeln!(out)?;
    write_summary_line(report, out)?;
    let data = &report.data;
    match (&data.newest_modified, data.age_days) {
        (Some(newest), Some(days)) => writeln!(
            out,
            "vulnerability data: {}, newest record {newest} ({days} day{} old){}",
            data.dir,
            if days == 1 { "" } else { "s" },
            if data.stale { ", STALE: update it" } else { "" }
        ),
        _ => writeln!(
            out,
            "vulnerability data: {}, age unknown (no record has a modified date)",
            data.dir
        ),
    }
}

/// Writes the run's one-line summary: vulnerabilities by severity, fixable, packages,
/// findings, targets, errors, and what a severity filter hid.
pub fn write_summary_line(report: &ImageReport, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let by = s.by_severity;
    let counts: Vec<String> = [
        (by.critical, "critical"),
        (by.high, "high"),
        (by.medium, "medium"),
        (by.low, "low"),
        (by.info, "info"),
        (by.unknown, "unknown"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, name)| format!("{n} {name}"))
    .collect();
    write!(
        out,
        "{} vulnerabilit{} ({}; {} fixable) in {} of {} packages, {} finding{}, {} target{}, {} error{}",
        s.vulnerabilities,
        if s.vulnerabilities == 1 { "y" } else { "ies" },
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        s.fixable,
        s.vulnerable_packages,
        s.packages,
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        s.targets,
        if s.targets == 1 { "" } else { "s" },
        s.errors,
        if s.errors == 1 { "" } else { "s" },
    )?;
    if s.hidden > 0 {
        write!(out, ", {} hidden by severity", s.hidden)?;
    }
    writeln!(out)
}
