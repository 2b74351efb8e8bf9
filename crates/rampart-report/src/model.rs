//! The data every printer formats.

use std::collections::BTreeMap;

use rampart_core::Severity;
use rampart_core::fix::Suggestion;
use rampart_core::scan::{FileScan, LocatedFinding};
use rampart_core::source::InputError;

/// What a report is about, which decides how its findings are located.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Source {
    /// A text file: findings and errors have a line and a column.
    #[default]
    Text,
    /// A live object, which has no text: a container read from the Docker Engine (`file`
    /// is a URI such as `docker://localhost/containers/web`), or a host file judged by its
    /// owner and mode (`file` is its path). Findings and errors have no line or column;
    /// a finding's `path` alone locates the field (`HostConfig.Privileged`, `mode`).
    Live,
}

/// The results for one input file, or for one live object.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file as given on the command line (or found under a directory); `-` for stdin.
    /// For a live object, its URI (or a host file's path).
    pub file: String,
    /// A text file or a live object.
    pub source: Source,
    /// Findings, sorted by position.
    pub findings: Vec<LocatedFinding>,
    /// Input problems, sorted by position.
    pub errors: Vec<InputError>,
    /// Input that is read but looks wrong, sorted by position.
    pub warnings: Vec<InputError>,
    /// The source lines that findings and errors point at, for snippets.
    pub source_lines: BTreeMap<u32, String>,
    /// Documents read.
    pub documents: usize,
    /// Objects checked.
    pub objects: usize,
    /// Findings silenced by annotations.
    pub suppressed: usize,
    /// The path does not exist: its error is reported, and it is not counted as a file.
    pub missing: bool,
    /// Findings left out of the report by a severity filter (`--severity`).
    pub hidden: usize,
    /// Safe fixes for findings of this file (SARIF `fixes`), when they were asked for.
    pub fixes: Vec<Suggestion>,
}

impl FileReport {
    /// Builds the report of `file` from its scan, keeping only the source lines the
    /// findings and errors need (so memory does not grow with file sizes).
    pub fn new(file: String, scan: FileScan, text: &[u8]) -> Self {
        let mut report = Self::of(file, Source::Text, scan);
        let wanted: Vec<u32> = report
            .findings
            .iter()
            .filter_map(|f| f.pos.map(|pos| pos.line))
            .chain(report.errors.iter().map(|e| e.pos.line))
            .chain(report.warnings.iter().map(|e| e.pos.line))
            .collect();
        report.source_lines = pick_lines(text, &wanted);
        report
    }

    /// The report of a live object named `file` (a URI, or a host file's path): its
    /// findings have no position and there is no text to quote.
    pub fn live(file: String, scan: FileScan) -> Self {
        Self::of(file, Source::Live, scan)
    }

    /// A scan's results, findings in report order.
    fn of(file: String, source: Source, scan: FileScan) -> Self {
        let mut report = Self {
            file,
            source,
            findings: scan.findings,
            errors: scan.errors,
            warnings: scan.warnings,
            documents: scan.documents,
            objects: scan.objects,
            suppressed: scan.suppressed,
            source_lines: BTreeMap::new(),
            missing: false,
            hidden: 0,
            fixes: Vec::new(),
        };
        report.findings.sort_by(order);
        report
    }

    /// The safe fix suggested for `finding`, if any.
    pub fn fix_for(&self, finding: &LocatedFinding) -> Option<&Suggestion> {
        self.fixes.iter().find(|fix| {
            fix.document == finding.document
                && fix.rule == finding.finding.rule
                && fix.path == finding.finding.path
                && *fix.object == *finding.object
        })
    }

    /// The report of a live object that could not be read: `message` says why.
    pub fn live_error(file: String, message: impl Into<String>) -> Self {
        let mut report = Self {
            file,
            source: Source::Live,
            ..Self::default()
        };
        report.add_error(message);
        report
    }

    /// Adds an error about the whole file or object (at line 1, column 1 in a file).
    pub fn add_error(&mut self, message: impl Into<String>) {
        let start = rampart_core::source::Pos::new(1, 1);
        self.errors.push(InputError::new(start, message));
    }

    /// Whether findings and errors of this report have a line and column.
    pub fn has_positions(&self) -> bool {
        self.source == Source::Text
    }

    /// Adds findings found after the file was scanned (by the run rules), with the file's
    /// text when it can be read again (for snippets).
    pub fn add_findings(&mut self, findings: Vec<LocatedFinding>, text: Option<&[u8]>) {
        let wanted: Vec<u32> = findings
            .iter()
            .filter_map(|f| f.pos.map(|pos| pos.line))
            .collect();
        if let Some(text) = text {
            self.source_lines.extend(pick_lines(text, &wanted));
        }
        self.findings.extend(findings);
        self.findings.sort_by(order);
    }
}

/// Report order: document, position, rule, path.
fn order(a: &LocatedFinding, b: &LocatedFinding) -> std::cmp::Ordering {
    (a.document, a.pos, a.finding.rule, &a.finding.path).cmp(&(
        b.document,
        b.pos,
        b.finding.rule,
        &b.finding.path,
    ))
}

/// Whether `bytes` may be echoed as text: UTF-8 without NUL bytes. A binary file given
/// by mistake (or UTF-16) gets its errors without snippets.
fn is_text(bytes: &[u8]) -> bool {
    !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// A source line as it may be echoed: control characters (but tabs) replaced, so that
/// no escape sequence from the input reaches a terminal; one character for one, so
/// columns still line up.
fn printable(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// The lines of `text` numbered in `wanted` (1-based, any order, repeats allowed), without
/// their line ends; none when `text` is not text. One pass over the text, up to the last
/// line wanted.
fn pick_lines(text: &[u8], wanted: &[u32]) -> BTreeMap<u32, String> {
    if !is_text(text) {
        return BTreeMap::new();
    }
    let mut wanted = wanted.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut wanted = wanted.into_iter().peekable();
    let mut lines = BTreeMap::new();
    for (number, line) in (1..).zip(text.split(|b| *b == b'\n')) {
        // Numbers no line has (0) are passed over.
        while wanted.next_if(|&w| w < number).is_some() {}
        let Some(&next) = wanted.peek() else {
            break;
        };
        if number == next {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            lines.insert(number, printable(line));
            wanted.next();
        }
    }
    lines
}

/// A whole run: one report per file, in a deterministic order.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Per-file results, sorted by file name.
    pub files: Vec<FileReport>,
    /// What `--baseline` left out, when a baseline was given.
    pub baseline: Option<BaselineReport>,
}

/// The effect of a baseline on a run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BaselineReport {
    /// The baseline file as given on the command line.
    pub file: String,
    /// Findings the baseline accepted: not reported.
    pub baselined: usize,
    /// Entries that matched no finding (fixed, or their object renamed or removed).
    pub stale: Vec<rampart_core::baseline::Entry>,
}

impl BaselineReport {
    /// Findings the stale entries stood for.
    pub fn stale_findings(&self) -> usize {
        self.stale.iter().map(|e| e.count).sum()
    }
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read (text files; live objects are counted in `objects` only).
    pub files: usize,
    /// Documents read.
    pub documents: usize,
    /// Objects checked.
    pub objects: usize,
    /// Findings reported.
    pub findings: usize,
    /// Input errors.
    pub errors: usize,
    /// Warnings about the input.
    pub warnings: usize,
    /// Findings silenced by annotations.
    pub suppressed: usize,
    /// Findings left out by a severity filter (only in the JSON of a filtered run).
    #[serde(skip_serializing_if = "is_zero")]
    pub hidden: usize,
    /// Findings per severity: info, low, medium, high, critical.
    #[serde(skip)]
    pub by_severity: [usize; 5],
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ScanReport {
    /// Totals over every file.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files: self
                .files
                .iter()
                .filter(|f| f.has_positions() && !f.missing)
                .count(),
            ..Summary::default()
        };
        for file in &self.files {
            summary.documents += file.documents;
            summary.objects += file.objects;
            summary.findings += file.findings.len();
            summary.errors += file.errors.len();
            summary.warnings += file.warnings.len();
            summary.suppressed += file.suppressed;
            summary.hidden += file.hidden;
            for finding in &file.findings {
                summary.by_severity[finding.finding.severity as usize] += 1;
            }
        }
        summary
    }

    /// Every finding with its file, in report order.
    pub fn findings(&self) -> impl Iterator<Item = (&FileReport, &LocatedFinding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |finding| (f, finding)))
    }

    /// The most severe finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings().map(|(_, f)| f.finding.severity).max()
    }

    /// Keeps only the findings whose severity is in `shown` (all of them when it is
    /// empty), counting the others as hidden: what `--severity` shows is the report, its
    /// summary and its verdict. Errors and warnings are always kept.
    pub fn keep_severities(&mut self, shown: &[Severity]) {
        if shown.is_empty() {
            return;
        }
        for file in &mut self.files {
            let before = file.findings.len();
            file.findings
                .retain(|f| shown.contains(&f.finding.severity));
            file.hidden += before - file.findings.len();
        }
    }

    /// Findings per rule, most severe rule first (then most findings, then id): the
    /// rule, its severity (the worst of its findings), how many findings and in how
    /// many objects.
    pub fn per_rule(&self) -> Vec<RuleCount> {
        let mut rules: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
        let mut objects = std::collections::BTreeSet::new();
        for (index, file) in self.files.iter().enumerate() {
            for f in &file.findings {
                let count = rules.entry(f.finding.rule).or_insert(RuleCount {
                    rule: f.finding.rule,
                    severity: f.finding.severity,
                    findings: 0,
                    objects: 0,
                });
                count.severity = count.severity.max(f.finding.severity);
                count.findings += 1;
                if objects.insert((f.finding.rule, index, f.document, f.object.label())) {
                    count.objects += 1;
                }
            }
        }
        let mut counts: Vec<RuleCount> = rules.into_values().collect();
        counts.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                std::cmp::Reverse(a.findings),
                a.rule,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    std::cmp::Reverse(b.findings),
                    b.rule,
                ))
        });
        counts
    }
}

/// One row of the per-rule summary ([`ScanReport::per_rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule id.
    pub rule: &'static str,
    /// The worst severity of its findings.
    pub severity: Severity,
    /// Findings of the rule.
    pub findings: usize,
    /// Objects with at least one of them.
    pub objects: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Every wanted line that exists, without its line end; nothing else.
        #[test]
        fn picked_lines_are_the_wanted_lines_of_the_text(
            text in "(?s)[a\r\n]{0,40}",
            wanted in proptest::collection::vec(0u32..16, 0..12),
        ) {
            let expected: BTreeMap<u32, String> = text
                .split('\n')
                .enumerate()
                .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line))
                .filter(|(number, _)| wanted.contains(number))
                .map(|(number, line)| {
                    // A carriage return inside a line is a control character: not echoed.
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    (number, line.replace('\r', "\u{FFFD}"))
                })
                .collect();
            proptest::prop_assert_eq!(pick_lines(text.as_bytes(), &wanted), expected);
        }
    }

    #[test]
    fn binary_input_is_never_echoed() {
        assert!(pick_lines(b"kind: Pod\n\0\x01\x02\n", &[1, 2]).is_empty());
        assert!(pick_lines(b"kind: \xff\xfePod\n", &[1]).is_empty());
        assert!(
            pick_lines(b"\xff\xfek\0i\0n\0d\0", &[1]).is_empty(),
            "UTF-16"
        );
    }

    #[test]
    fn control_characters_are_not_echoed_and_columns_stay() {
        let lines = pick_lines(b"a: \x1b[31mred\tx\r\n", &[1]);
        assert_eq!(lines[&1], "a: \u{FFFD}[31mred\tx");
    }

    #[test]
    fn a_missing_path_is_an_error_but_not_a_file() {
        let report = ScanReport {
            files: vec![
                FileReport {
                    file: "a.yaml".into(),
                    documents: 1,
                    ..FileReport::default()
                },
                FileReport {
                    file: "nope.yaml".into(),
                    errors: vec![InputError::new(
                        rampart_core::source::Pos::new(1, 1),
                        "no such file or directory",
                    )],
                    missing: true,
                    ..FileReport::default()
                },
            ],
            baseline: None,
        };
        let summary = report.summary();
        assert_eq!((summary.files, summary.errors), (1, 1));
    }
}
