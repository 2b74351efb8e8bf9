//! Human output: findings grouped by file, `file:line:col`, a source snippet with a
//! caret, and a summary line. Live objects, which have no text, are grouped under a
//! header naming the object, each finding with the field it is about. The compact form
//! is one line per finding, as grep and editors read it; the per-rule table sums up.

use std::collections::HashMap;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use rampart_core::Severity;

use rampart_core::object::label;

use crate::model::{BaselineReport, FileReport, ScanReport, Source};

/// Styles of the text printer; all plain when colour is off.
struct Palette {
    location: Style,
    rule: Style,
    gutter: Style,
    caret: Style,
    error: Style,
    warning: Style,
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
            warning: style(AnsiColor::Yellow.on_default().bold()),
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
    write_summary_line(report, out)?;
    match &report.baseline {
        Some(baseline) => write_baseline(baseline, out),
        None => Ok(()),
    }
}

/// Writes one line per error, warning and finding, as compilers print them and editors
/// jump to them: `file:line:col: severity rule: message [object]` (errors and warnings:
/// `file:line:col: error: message`). A live object has no position:
/// `docker://host/containers/web: severity rule: message (path)`. No summary line.
pub fn write_compact(report: &ScanReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Palette::new(color);
    let loc = p.location;
    for file in &report.files {
        let at = |line: u32, column: u32| match file.source {
            Source::Text => format!("{}:{line}:{column}", file.file),
            Source::Live => file.file.clone(),
        };
        let problems = [
            (&file.errors, "error", p.error),
            (&file.warnings, "warning", p.warning),
        ];
        for (list, word, style) in problems {
            for problem in list {
                let at = at(problem.pos.line, problem.pos.column);
                writeln!(
                    out,
                    "{loc}{at}{loc:#}: {style}{word}{style:#}: {}",
                    problem.message
                )?;
            }
        }
        for f in &file.findings {
            let (sev, rule) = (p.severity(f.finding.severity), p.rule);
            let pos = f.pos.unwrap_or_default();
            let (severity, id, message) = (f.finding.severity, f.finding.rule, &f.finding.message);
            write!(
                out,
                "{loc}{}{loc:#}: {sev}{severity}{sev:#} {rule}{id}{rule:#}: {message}",
                at(pos.line, pos.column)
            )?;
            match file.source {
                Source::Text => writeln!(out, " [{}]", f.object.label())?,
                Source::Live => writeln!(out, " ({})", f.finding.path)?,
            }
        }
    }
    Ok(())
}

/// Writes the per-rule table: each rule with findings, its severity, how many findings
/// and in how many objects, most severe first. Nothing when there are no findings.
pub fn write_rule_table(report: &ScanReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let rows = report.per_rule();
    if rows.is_empty() {
        return Ok(());
    }
    let p = Palette::new(color);
    let width = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0).max(4);
    let header = p.location;
    writeln!(
        out,
        "{header}{:<width$}  {:<8}  {:>8}  {:>7}{header:#}",
        "rule", "severity", "findings", "objects"
    )?;
    for row in rows {
        let (sev, rule) = (p.severity(row.severity), p.rule);
        writeln!(
            out,
            "{rule}{:<width$}{rule:#}  {sev}{:<8}{sev:#}  {:>8}  {:>7}",
            row.rule,
            row.severity.as_str(),
            row.findings,
            row.objects
        )?;
    }
    Ok(())
}

fn write_file(file: &FileReport, out: &mut dyn Write, p: &Palette) -> io::Result<()> {
    let mut snippets = Snippets::new(file);
    let problems = [
        (&file.errors, "error", p.error),
        (&file.warnings, "warning", p.warning),
    ];
    for (list, word, style) in problems {
        for problem in list {
            let loc = p.location;
            writeln!(
                out,
                "{loc}{}:{}:{}{loc:#}: {style}{word}{style:#}: {}",
                file.file, problem.pos.line, problem.pos.column, problem.message
            )?;
            snippets.write(problem.pos.line, problem.pos.column, out, p)?;
        }
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
        snippets.write(pos.line, pos.column, out, p)?;
    }
    Ok(())
}

/// A live object: `docker://localhost/containers/web [Container web]`, then one indented
/// line per error, warning and finding, `severity rule: message (path)`.
fn write_live(file: &FileReport, out: &mut dyn Write, p: &Palette) -> io::Result<()> {
    if file.findings.is_empty() && file.errors.is_empty() && file.warnings.is_empty() {
        return Ok(());
    }
    let loc = p.location;
    match file.findings.first() {
        Some(f) => writeln!(out, "{loc}{}{loc:#} [{}]", file.file, f.object.label())?,
        None => writeln!(out, "{loc}{}{loc:#}", file.file)?,
    }
    let problems = [
        (&file.errors, "error", p.error),
        (&file.warnings, "warning", p.warning),
    ];
    for (list, word, style) in problems {
        for problem in list {
            writeln!(out, "  {style}{word}{style:#}: {}", problem.message)?;
        }
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

/// The most characters of a source line a snippet shows: a longer line (a one-line JSON
/// dump) is shown as a window around the column, so the report stays proportional to
/// the number of findings, not to findings times the line's length.
const SNIPPET_WIDTH: usize = 120;

/// Characters between the byte offsets an [`IndexedLine`] keeps.
const MARK_EVERY: usize = 64;

/// A source line with the byte offset of every [`MARK_EVERY`]-th character: the window
/// around any column is cut without walking the line from its start, so a line with
/// thousands of findings is walked once, not once per finding.
struct IndexedLine<'a> {
    text: &'a str,
    /// How many characters the line has.
    chars: usize,
    /// Where characters 0, `MARK_EVERY`, 2 × `MARK_EVERY`... start; empty for an ASCII
    /// line, whose characters are its bytes.
    marks: Vec<usize>,
}

impl<'a> IndexedLine<'a> {
    fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return Self {
                text,
                chars: text.len(),
                marks: Vec::new(),
            };
        }
        let mut marks = Vec::new();
        let mut chars = 0;
        for (offset, _) in text.char_indices() {
            if chars % MARK_EVERY == 0 {
                marks.push(offset);
            }
            chars += 1;
        }
        Self { text, chars, marks }
    }

    /// The byte offset where character `index` starts (the line's length past its end).
    fn offset(&self, index: usize) -> usize {
        if index >= self.chars {
            return self.text.len();
        }
        if self.marks.is_empty() {
            return index;
        }
        let mark = self.marks.get(index / MARK_EVERY).copied().unwrap_or(0);
        self.text
            .get(mark..)
            .and_then(|rest| rest.char_indices().nth(index % MARK_EVERY))
            .map_or(self.text.len(), |(offset, _)| mark + offset)
    }

    /// The part of the line a snippet shows around the 1-based `column`, and the column
    /// in it: the whole line when it is short, else [`SNIPPET_WIDTH`] characters around
    /// the column with an ellipsis where the line goes on.
    fn window(&self, column: u32) -> (String, usize) {
        let column = (column.max(1) - 1) as usize;
        if self.chars <= SNIPPET_WIDTH {
            return (self.text.to_owned(), column);
        }
        let start = column
            .saturating_sub(SNIPPET_WIDTH / 2)
            .min(self.chars - SNIPPET_WIDTH);
        let end = start + SNIPPET_WIDTH;
        let shown = self
            .text
            .get(self.offset(start)..self.offset(end))
            .unwrap_or_default();
        let mut window = String::with_capacity(shown.len() + 6);
        let mut caret = column - start.min(column);
        if start > 0 {
            window.push('…');
            caret += 1;
        }
        window.push_str(shown);
        if end < self.chars {
            window.push('…');
        }
        (window, caret)
    }
}

/// The snippets of one file's report, each source line indexed once.
struct Snippets<'a> {
    file: &'a FileReport,
    lines: HashMap<u32, IndexedLine<'a>>,
}

impl<'a> Snippets<'a> {
    fn new(file: &'a FileReport) -> Self {
        Self {
            file,
            lines: HashMap::new(),
        }
    }

    /// Writes the snippet of `line` with a caret under `column` (nothing when the line's
    /// text is not in the report).
    fn write(
        &mut self,
        line: u32,
        column: u32,
        out: &mut dyn Write,
        p: &Palette,
    ) -> io::Result<()> {
        let Some(text) = self.file.source_lines.get(&line) else {
            return Ok(());
        };
        let (source, caret) = self
            .lines
            .entry(line)
            .or_insert_with(|| IndexedLine::new(text))
            .window(column);
        let number = line.to_string();
        let pad = " ".repeat(number.len());
        let indent: String = source
            .chars()
            .take(caret)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let (g, c) = (p.gutter, p.caret);
        writeln!(out, "{g}{pad} |{g:#}")?;
        writeln!(out, "{g}{number} |{g:#} {source}")?;
        writeln!(out, "{g}{pad} |{g:#} {indent}{c}^{c:#}")?;
        Ok(())
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Writes the run's one-line summary: findings by severity, objects, files, errors,
/// warnings, and the findings suppressed or hidden.
pub fn write_summary_line(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
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
    if s.warnings > 0 {
        write!(out, ", {}", plural(s.warnings, "warning"))?;
    }
    if s.suppressed > 0 {
        write!(out, ", {} suppressed", s.suppressed)?;
    }
    if s.hidden > 0 {
        write!(out, ", {} hidden by severity", s.hidden)?;
    }
    writeln!(out)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_core::object::ObjectRef;
    use rampart_core::scan::{FileScan, LocatedFinding};
    use rampart_core::source::Pos;
    use rampart_core::{FieldPath, Finding, Severity};

    use super::*;

    fn snippet_window(line: &str, column: u32) -> (String, usize) {
        IndexedLine::new(line).window(column)
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        assert_eq!(
            snippet_window("  privileged: true", 15),
            ("  privileged: true".to_owned(), 14)
        );
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_column() {
        let line: String = (0..10_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let (window, caret) = snippet_window(&line, 5_001);
        assert_eq!(window.chars().count(), SNIPPET_WIDTH + 2);
        assert!(window.starts_with('…') && window.ends_with('…'));
        // The caret is under the character at the column.
        assert_eq!(window.chars().nth(caret), line.chars().nth(5_000));
        let (start, caret) = snippet_window(&line, 1);
        assert!(!start.starts_with('…') && start.ends_with('…'));
        assert_eq!(caret, 0);
        let (end, caret) = snippet_window(&line, 10_000);
        assert!(end.starts_with('…') && !end.ends_with('…'));
        assert_eq!(end.chars().nth(caret), line.chars().last());
    }

    /// A one-line JSON dump with a finding in every object: the report grows with the
    /// number of findings, not with findings times the length of the line.
    #[test]
    fn the_report_of_a_one_line_dump_is_bounded_per_finding() {
        let findings = 800;
        let line = format!("[{}]", vec!["{\"privileged\": true}"; findings].join(", "));
        let scan = FileScan {
            findings: (0..findings)
                .map(|i| LocatedFinding {
                    finding: Finding {
                        rule: "privileged-container",
                        severity: Severity::High,
                        path: FieldPath::root(),
                        message: "runs privileged".to_owned(),
                        container: None,
                    },
                    object: Arc::new(ObjectRef::default()),
                    document: 0,
                    pos: Some(Pos::new(1, u32::try_from(2 + i * 22).unwrap_or(u32::MAX))),
                    stable_path: String::new(),
                })
                .collect(),
            ..FileScan::default()
        };
        let report = ScanReport {
            files: vec![FileReport::new(
                "dump.json".to_owned(),
                scan,
                line.as_bytes(),
            )],
            baseline: None,
        };
        let mut out = Vec::new();
        write_text(&report, &mut out, false).expect("written");
        let per_finding = out.len() / findings;
        assert!(per_finding < 400, "{per_finding} bytes per finding");
        assert!(line.len() > 16_000);
    }

    proptest::proptest! {
        /// The window is never wider than the limit (and its two ellipses), and its caret
        /// is under the character at the column.
        #[test]
        fn the_window_shows_the_column(line in "[a-zé\t ]{0,400}", column in 1u32..420) {
            let (window, caret) = snippet_window(&line, column);
            proptest::prop_assert!(window.chars().count() <= SNIPPET_WIDTH + 2);
            let at = (column - 1) as usize;
            if at < line.chars().count() {
                proptest::prop_assert_eq!(window.chars().nth(caret), line.chars().nth(at));
            }
        }

        /// The indexed line cuts the same characters as walking the line from its start
        /// (which every finding did before), on lines with and without wide characters.
        #[test]
        fn the_window_is_the_characters_around_the_column(
            line in "[a-zé€\t ]{0,700}|[a-z ]{0,700}",
            column in 1u32..720,
        ) {
            let chars: Vec<char> = line.chars().collect();
            let at = (column - 1) as usize;
            let (start, end) = if chars.len() <= SNIPPET_WIDTH {
                (0, chars.len())
            } else {
                let start = at.saturating_sub(SNIPPET_WIDTH / 2).min(chars.len() - SNIPPET_WIDTH);
                (start, start + SNIPPET_WIDTH)
            };
            let body: String = chars[start..end].iter().collect();
            let (window, _) = snippet_window(&line, column);
            proptest::prop_assert_eq!(window.trim_matches('…'), body);
        }
    }
}
