//! A failing and a fixed example for each rule, taken from the rule's test fixtures
//! (`tests/rules/<id>/fail*` and `pass*`, embedded at build time), so the documentation
//! shows exactly what the tests prove.
//!
//! Long fixtures are cut to what matters: around the lines the rule reports in the failing
//! example (its `# expect:` lines), and around the lines of the fixed example that the
//! failing one does not have.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One fixture file, as embedded.
#[derive(Debug)]
pub(crate) struct FixtureFile {
    /// Path from the crate's root (`tests/rules/<id>/fail.yaml`).
    path: &'static str,
    text: &'static str,
}

/// One failing or passing case: a file, or a directory of files scanned together.
#[derive(Debug)]
pub(crate) struct Fixture {
    /// `fail.yaml`, `pass.compose.yaml`, `fail` (a directory)...
    name: &'static str,
    failing: bool,
    files: &'static [FixtureFile],
}

/// The fixtures of one rule.
#[derive(Debug)]
pub(crate) struct RuleFixtures {
    rule: &'static str,
    cases: &'static [Fixture],
}

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// Fixtures up to this many lines (without the `# expect:` lines) are shown whole.
const WHOLE: usize = 30;
/// Lines shown around each line that matters in a longer fixture.
const CONTEXT: u32 = 3;
/// Where the fixtures live, from the repository's root.
const CRATE_DIR: &str = "crates/rampart-core";

/// A failing and a fixed example of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examples {
    /// The fixture the rule reports.
    pub failing: Example,
    /// A fixture of the same kind of file that the rule passes.
    pub passing: Example,
}

/// One example: its files, each cut to an excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The files of the example (one, or a directory's scanned together).
    pub files: Vec<ExampleFile>,
}

/// One file of an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFile {
    /// The file's path from the repository's root.
    pub path: String,
    /// What is shown of it, in order.
    pub lines: Vec<ExcerptLine>,
}

/// A line of an excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExcerptLine {
    /// A line of the file, numbered as in the file.
    Text {
        /// 1-based line number in the fixture.
        number: u32,
        /// The line, without its end.
        text: String,
        /// The rule reports this line (failing examples only).
        flagged: bool,
    },
    /// Lines left out.
    Gap,
}

/// The examples of rule `id`, or `None` when it has no failing or no passing fixture.
pub fn examples(id: &str) -> Option<Examples> {
    let cases = FIXTURES.iter().find(|f| f.rule == id)?.cases;
    let failing = cases
        .iter()
        .filter(|c| c.failing && !c.files.is_empty())
        .min_by_key(|c| (preference(c.name), c.name))?;
    let passing = cases
        .iter()
        .filter(|c| !c.failing && !c.files.is_empty())
        .min_by_key(|c| {
            (
                preference(c.name) != preference(failing.name),
                preference(c.name),
                c.name,
            )
        })?;
    let failing_lines: BTreeSet<&str> = failing
        .files
        .iter()
        .flat_map(|f| f.text.lines())
        .map(str::trim)
        .collect();
    Some(Examples {
        failing: Example {
            files: failing
                .files
                .iter()
                .map(|f| example_file(f, &expected_lines(f.text), true))
                .collect(),
        },
        passing: Example {
            files: passing
                .files
                .iter()
                .map(|f| {
                    let new: BTreeSet<u32> = numbered(f.text)
                        .filter(|(_, line)| !failing_lines.contains(line.trim()))
                        .map(|(number, _)| number)
                        .collect();
                    example_file(f, &new, false)
                })
                .collect(),
        },
    })
}

/// Which fixture shows a rule best, by the kind of file its name says (lower first):
/// Kubernetes manifests, Compose, Dockerfile, daemon.json, `docker inspect`, `docker
/// image inspect`, the Engine's daemon document, a host's file facts, directories.
fn preference(name: &str) -> u8 {
    let rest = name
        .trim_start_matches("fail")
        .trim_start_matches("pass")
        .to_ascii_lowercase();
    if rest.is_empty() {
        8
    } else if rest.ends_with("host.json") {
        7
    } else if rest.ends_with("engine.json") {
        6
    } else if rest.ends_with("image.json") {
        5
    } else if rest.ends_with("inspect.json") {
        4
    } else if rest.ends_with("daemon.json") {
        3
    } else if rest.ends_with("dockerfile") {
        2
    } else if rest.contains("compose") {
        1
    } else {
        0
    }
}

/// The fixture's lines with their 1-based numbers, without the `# expect:` lines (test
/// metadata, not part of the example).
fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    (1..)
        .zip(text.lines())
        .filter(|(_, line)| !line.starts_with("# expect: "))
}

/// The lines a failing fixture's `# expect: <line> <path>` comments name.
fn expected_lines(text: &str) -> BTreeSet<u32> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .filter_map(|spec| spec.split_whitespace().next()?.parse().ok())
        .collect()
}

fn example_file(file: &FixtureFile, wanted: &BTreeSet<u32>, failing: bool) -> ExampleFile {
    let flagged = if failing { wanted } else { &BTreeSet::new() };
    ExampleFile {
        path: format!("{CRATE_DIR}/{}", file.path),
        lines: excerpt(file.text, wanted, flagged),
    }
}

/// The whole fixture when it is short, else the lines within [`CONTEXT`] of a wanted
/// line and the first lines of its document (what object it is), or the first [`WHOLE`]
/// lines when none is wanted; gaps marked.
fn excerpt(text: &str, wanted: &BTreeSet<u32>, flagged: &BTreeSet<u32>) -> Vec<ExcerptLine> {
    let lines: Vec<(u32, &str)> = numbered(text).collect();
    let whole = lines.len() <= WHOLE;
    let first = lines.get(WHOLE).map_or(u32::MAX, |(n, _)| *n);
    // The first line of each document: the file's first, and each after a `---`.
    let starts: Vec<u32> = lines
        .first()
        .map(|(n, _)| *n)
        .into_iter()
        .chain(
            lines
                .iter()
                .filter(|(_, line)| line.trim_end() == "---")
                .map(|(n, _)| n + 1),
        )
        .collect();
    let heads: Vec<u32> = wanted
        .iter()
        .filter_map(|w| starts.iter().rev().find(|start| *start <= w).copied())
        .collect();
    let shown = |number: u32| {
        whole
            || if wanted.is_empty() {
                number < first
            } else {
                wanted.iter().any(|w| w.abs_diff(number) <= CONTEXT)
                    || heads.iter().any(|h| (*h..=h + CONTEXT).contains(&number))
            }
    };
    let mut out = Vec::new();
    let mut skipped = false;
    for (number, text) in lines {
        if shown(number) {
            if skipped {
                out.push(ExcerptLine::Gap);
            }
            skipped = false;
            out.push(ExcerptLine::Text {
                number,
                text: text.to_owned(),
                flagged: flagged.contains(&number),
            });
        } else {
            skipped = true;
        }
    }
    if skipped {
        out.push(ExcerptLine::Gap);
    }
    out
}

impl Example {
    /// The example as plain text, each line under `indent`: each file's path, then its
    /// lines numbered as in the file, `>` marking the lines the rule reports.
    pub fn to_text(&self, indent: &str) -> String {
        let mut out = String::new();
        for (i, file) in self.files.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let width = file
                .lines
                .iter()
                .filter_map(|line| match line {
                    ExcerptLine::Text { number, .. } => Some(number.to_string().len()),
                    ExcerptLine::Gap => None,
                })
                .max()
                .unwrap_or(1);
            let _ = writeln!(out, "{indent}{}", file.path);
            for line in &file.lines {
                let _ = match line {
                    ExcerptLine::Text {
                        number,
                        text,
                        flagged,
                    } => {
                        let mark = if *flagged { '>' } else { '|' };
                        writeln!(out, "{indent}{number:>width$} {mark} {text}")
                    }
                    ExcerptLine::Gap => writeln!(out, "{indent}{:>width$} ...", ""),
                };
            }
        }
        out
    }
}

impl Examples {
    /// The section of the rule's documentation (Markdown).
    pub fn to_markdown(&self) -> String {
        format!(
            "**Fails** (`>` marks what the rule reports):\n\n```text\n{}```\n\n**Passes:**\n\n```text\n{}```\n",
            self.failing.to_text(""),
            self.passing.to_text("")
        )
    }
}

/// Rules of the catalogue that have no failing or no passing fixture.
pub fn rules_without_examples() -> Vec<&'static str> {
    super::catalogue()
        .map(|meta| meta.id)
        .filter(|id| examples(id).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(lines: &[ExcerptLine]) -> Vec<Option<u32>> {
        lines
            .iter()
            .map(|line| match line {
                ExcerptLine::Text { number, .. } => Some(*number),
                ExcerptLine::Gap => None,
            })
            .collect()
    }

    #[test]
    fn short_fixtures_are_shown_whole_without_their_expectations() {
        let text = "# expect: 3 spec.hostPID\nkind: Pod\nspec: {hostPID: true}\n";
        let lines = excerpt(text, &BTreeSet::from([3]), &BTreeSet::from([3]));
        assert_eq!(numbers(&lines), [Some(2), Some(3)]);
        assert_eq!(
            lines[1],
            ExcerptLine::Text {
                number: 3,
                text: "spec: {hostPID: true}".into(),
                flagged: true
            }
        );
    }

    #[test]
    fn long_fixtures_are_cut_around_the_lines_that_matter() {
        let text: String = (1..=60).map(|n| format!("line{n}\n")).collect();
        let lines = excerpt(&text, &BTreeSet::from([10, 14, 50]), &BTreeSet::new());
        // The document's first lines (it starts at line 1), then the windows.
        let mut expected: Vec<Option<u32>> = (1..=4).map(Some).collect();
        expected.push(None);
        expected.extend((7..=17).map(Some));
        expected.push(None);
        expected.extend((47..=53).map(Some));
        expected.push(None);
        assert_eq!(numbers(&lines), expected);
        let head = excerpt(&text, &BTreeSet::new(), &BTreeSet::new());
        assert_eq!(head.len(), WHOLE + 1);
        assert_eq!(head.last(), Some(&ExcerptLine::Gap));
    }

    #[test]
    fn a_cut_shows_which_object_a_line_is_in() {
        let mut text = String::from("kind: A\n");
        text.extend((2..=40).map(|n| format!("a{n}\n")));
        text.push_str("---\nkind: B\nmetadata:\n  name: b\n");
        text.extend((45..=60).map(|n| format!("b{n}\n")));
        let lines = excerpt(&text, &BTreeSet::from([55]), &BTreeSet::from([55]));
        let mut expected = vec![None];
        expected.extend((42..=45).map(Some));
        expected.push(None);
        expected.extend((52..=58).map(Some));
        expected.push(None);
        assert_eq!(numbers(&lines), expected);
    }

    #[test]
    fn the_kubernetes_fixture_is_preferred_and_paired_with_its_kind() {
        let k8s = examples("privileged-container").expect("fixtures");
        assert!(k8s.failing.files[0].path.ends_with("/fail.yaml"));
        assert!(k8s.passing.files[0].path.ends_with("/pass.yaml"));
        let text = k8s.failing.to_text("  ");
        assert!(text.contains(">           privileged: true"), "{text}");
        assert!(!text.contains("# expect"), "{text}");
        let docker = examples("add-remote-url").expect("fixtures");
        assert!(docker.failing.files[0].path.ends_with("/fail.Dockerfile"));
        assert!(docker.passing.files[0].path.ends_with("/pass.Dockerfile"));
    }

    #[test]
    fn live_fixtures_come_after_the_files_users_write() {
        // run-as-root has Kubernetes, Compose, Dockerfile, inspect and image fixtures.
        let user = examples("run-as-root").expect("fixtures");
        assert!(user.failing.files[0].path.ends_with("/fail.yaml"));
        // daemon-icc-enabled has daemon.json and the Engine's daemon document.
        let icc = examples("daemon-icc-enabled").expect("fixtures");
        assert!(icc.failing.files[0].path.ends_with("/fail.daemon.json"));
        // A host rule has only host facts, which are shown.
        let sock = examples("docker-sock-permissions").expect("fixtures");
        assert!(sock.failing.files[0].path.ends_with("/fail.host.json"));
        assert!(preference("fail.image.json") > preference("fail.inspect.json"));
        assert!(preference("fail.engine.json") > preference("fail.daemon.json"));
    }

    #[test]
    fn a_fixed_example_shows_what_the_failing_one_lacks() {
        let token = examples("workload-powerful-token").expect("fixtures");
        let shown: usize = token.passing.files[0]
            .lines
            .iter()
            .filter(|l| matches!(l, ExcerptLine::Text { .. }))
            .count();
        assert!(shown < 60, "a long fixture is cut ({shown} lines)");
    }
}
