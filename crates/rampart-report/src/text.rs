//! Human output: findings grouped by file, `file:line:col`, a source snippet with a
//! caret, and a summary line. Live objects, which have no text, are grouped under a
//! header naming the object, each finding with the field it is about.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use rampart_core::Severity;

use crate::model::{FileReport, ScanReport, Source};

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
        match file.source {
            Source::Text => write_file(file, out, &palette)?,
            Source::Live => write_live(file, out, &palette)?,
        }
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
        let pos = f.pos.unwrap_or_default();
        writeln!(
            out,
            "{loc}{}:{}:{}{loc:#}: {sev}{}{sev:#} {rule}{}{rule:#}: {} [{object}]",
            file.file, pos.line, pos.column, f.finding.severity, f.finding.rule, f.finding.message
        )?;
        write_snippet(file, pos.line, pos.column, out, p)?;
    }
    Ok(())
}

/// A live object: `docker://localhost/containers/web [Container web]`, then one indented
/// line per error and finding, `severity rule: message (path)`.
fn write_live(file: &FileReport, out: &mut dyn Write, p: &Palette) -> io::Result<()> {
    if file.findings.is_empty() && file.errors.is_empty() {
        return Ok(());
    }
    let loc = p.location;
    match file.findings.first() {
        Some(f) => writeln!(out, "{loc}{}{loc:#} [{}]", file.file, f.object.label())?,
        None => writeln!(out, "{loc}{}{loc:#}", file.file)?,
    }
    for error in &file.errors {
        let err = p.error;
        writeln!(out, "  {err}error{err:#}: {}", error.message)?;
    }
    for f in &file.findings {
        let (sev, rule) = (p.severity(f.finding.severity), p.rule);
        writeln!(
            out,
            "  {sev}{}{sev:#} {rule}{}{rule:#}: {} ({})",
            f.finding.severity, f.finding.rule, f.finding.message, f.finding.path
        )?;
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
        "{} ({}) in {}",
        plural(s.findings, "finding"),
        counts.join(", "),
        plural(s.objects, "object"),
    )?;
    let live = report.files.iter().any(|f| !f.has_positions());
    if !live || s.files > 0 {
        write!(out, " from {}", plural(s.files, "file"))?;
    }
    write!(out, ", {}", plural(s.errors, "error"))?;
    if s.suppressed > 0 {
        write!(out, ", {} suppressed", s.suppressed)?;
    }
    writeln!(out)
}
