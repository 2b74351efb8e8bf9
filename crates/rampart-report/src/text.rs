//! Human output: findings grouped by file, `file:line:col`, a source snippet with a
//! caret, and a summary line.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use rampart_core::Severity;

use rampart_core::object::label;

use crate::model::{BaselineReport, FileReport, ScanReport};

/// Styles of the text printer; all plain when colour is off.
struct Palette {
    location: Style,
    rule: Style,
    gutter: Style,
    caret: Style,
    error: Style,
    color: bool,
}

impl Palette {
    fn new(color: bool) -> Self {
        let style = |s: Style| if color { s } else { Style::new() };
        Self {
            location: style(Style::new().bold()),
            rule: style(AnsiColor::Cyan.on_default()),
            gutter: style(AnsiColor::Blue.on_default().bold()),
            caret: style(AnsiColor::Red.on_default().bold()),
            error: style(AnsiColor::Red.on_default().bold()),
            color,
        }
    }

    fn severity(&self, severity: Severity) -> Style {
        if !self.color {
            return Style::new();
        }
        match severity {
            Severity::Critical => AnsiColor::Magenta.on_default().bold(),
            Severity::High => AnsiColor::Red.on_default().bold(),
            Severity::Medium => AnsiColor::Yellow.on_default().bold(),
            Severity::Low => AnsiColor::Green.on_default(),
            Severity::Info => AnsiColor::BrightBlack.on_default(),
        }
    }
}

/// Writes the human report. `color` adds ANSI styles (only for a terminal).
pub fn write_text(report: &ScanReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let palette = Palette::new(color);
    for file in &report.files {
        write_file(file, out, &palette)?;
    }
    write_summary(report, out)
}

fn write_file(file: &FileReport, out: &mut dyn Write, p: &Palette) -> io::Result<()> {
    for error in &file.errors {
        let (loc, err) = (p.location, p.error);
        writeln!(
            out,
            "{loc}{}:{}:{}{loc:#}: {err}error{err:#}: {}",
            file.file, error.pos.line, error.pos.column, error.message
        )?;
        write_snippet(file, error.pos.line, error.pos.column, out, p)?;
    }
    for f in &file.findings {
        let (loc, sev, rule) = (p.location, p.severity(f.finding.severity), p.rule);
        let object = f.object.label();
        writeln!(
            out,
            "{loc}{}:{}:{}{loc:#}: {sev}{}{sev:#} {rule}{}{rule:#}: {} [{object}]",
            file.file,
            f.pos.line,
            f.pos.column,
            f.finding.severity,
            f.finding.rule,
            f.finding.message
        )?;
        write_snippet(file, f.pos.line, f.pos.column, out, p)?;
    }
    Ok(())
}

fn write_snippet(
    file: &FileReport,
    line: u32,
    column: u32,
    out: &mut dyn Write,
    p: &Palette,
) -> io::Result<()> {
    let Some(source) = file.source_lines.get(&line) else {
        return Ok(());
    };
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    let indent: String = source
        .chars()
        .take(column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let (g, c) = (p.gutter, p.caret);
    writeln!(out, "{g}{pad} |{g:#}")?;
    writeln!(out, "{g}{number} |{g:#} {source}")?;
    writeln!(out, "{g}{pad} |{g:#} {indent}{c}^{c:#}")?;
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn write_summary(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let mut counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter(|sev| s.by_severity[**sev as usize] > 0)
        .map(|sev| format!("{} {sev}", s.by_severity[*sev as usize]))
        .collect();
    if counts.is_empty() {
        counts.push("none".to_owned());
    }
    write!(
        out,
        "{} ({}) in {} from {}, {}",
        plural(s.findings, "finding"),
        counts.join(", "),
        plural(s.objects, "object"),
        plural(s.files, "file"),
        plural(s.errors, "error")
    )?;
    if s.suppressed > 0 {
        write!(out, ", {} suppressed", s.suppressed)?;
    }
    writeln!(out)?;
    if let Some(baseline) = &report.baseline {
        write_baseline(baseline, out)?;
    }
    Ok(())
}

/// How many findings the baseline accepted, and its entries that match nothing any more.
fn write_baseline(baseline: &BaselineReport, out: &mut dyn Write) -> io::Result<()> {
    let stale = baseline.stale_findings();
    write!(
        out,
        "baseline {}: {} not reported",
        baseline.file,
        plural(baseline.baselined, "finding")
    )?;
    if stale == 0 {
        return writeln!(out);
    }
    writeln!(
        out,
        ", {stale} {} no longer found (fixed, or the object renamed or removed; \
         `--write-baseline` drops {}):",
        if stale == 1 { "entry" } else { "entries" },
        if stale == 1 { "it" } else { "them" },
    )?;
    for entry in &baseline.stale {
        let object = label(
            &entry.kind,
            entry.namespace.as_deref(),
            entry.name.as_deref(),
        );
        let times = if entry.count > 1 {
            format!(" (x{})", entry.count)
        } else {
            String::new()
        };
        writeln!(out, "  {} [{object}] {}{times}", entry.rule, entry.path)?;
    }
    Ok(())
}
