//! Every catalogue rule has failing and passing fixtures under `tests/rules/<id>/`.
//!
//! A fixture is a file named `fail.<name>` or `pass.<name>`, scanned as a file called
//! `<name>` (so `fail.Dockerfile` is a Dockerfile, `fail.compose.yaml` a Compose file,
//! `fail.daemon.json` a daemon configuration, `fail.yaml` Kubernetes manifests), or a
//! directory `fail*/` / `pass*/` whose files are scanned together as one run (for the
//! rules that join files, e.g. a Dockerfile and the Deployment running its image).
//!
//! Failing fixtures list the exact findings in header comments,
//! `# expect: <line> <field path>` (the YAML parser reads JSON files, so JSON fixtures
//! carry them too); passing fixtures must produce none for their rule. The
//! `pod-security` rule runs at `baseline:latest` (what `--pss baseline` gives).
//!
//! Host file rules have no text to point at: their fixtures are host facts
//! (`fail.host.json`, what `rampart docker --host-root` reads), judged live, with
//! `# expect: 0 [<file>].<field>` (line 0: no position). Image file rules likewise:
//! their fixtures are the files of an image's final file system
//! (`fail.image-files.json`: `[{"path", "mode": "<octal>", "directory"}]`), with
//! `# expect: 0 <path>`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_core::config::Config;
use rampart_core::host::HostFacts;
use rampart_core::live::judge_host;
use rampart_core::rules::{Collected, ImageFile, catalogue, judge_image_files};
use rampart_core::scan::{ScanOptions, run_checks, scan_file};
use rampart_core::source::{Limits, parse};

/// A finding or an expectation: file, line, field path.
type Expected = BTreeSet<(String, u32, String)>;

/// One fixture: its files, as (name given to the scanner, path on disk).
struct Case {
    path: PathBuf,
    files: Vec<(String, PathBuf)>,
}

fn files_below(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_below(root, &path, out);
        } else {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((name, path));
        }
    }
}

/// The fixtures of `rule` whose names start with `prefix` (`fail` or `pass`).
fn cases(rule: &str, prefix: &str) -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules")
        .join(rule);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (every rule needs fixtures)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    entries.sort();
    let found: Vec<Case> = entries
        .into_iter()
        .map(|path| {
            let mut files = Vec::new();
            if path.is_dir() {
                files_below(&path, &path, &mut files);
            } else {
                let file = path.file_name().unwrap().to_string_lossy();
                let name = file
                    .strip_prefix(prefix)
                    .unwrap()
                    .trim_start_matches('.')
                    .to_owned();
                files.push((name, path.clone()));
            }
            Case { path, files }
        })
        .collect();
    assert!(!found.is_empty(), "{rule}: no {prefix} fixture");
    found
}

fn findings_of(rule: &'static str, case: &Case) -> Expected {
    let mut options = ScanOptions::from_config(Config::default().only(&[rule]));
    options.pss = Some("baseline:latest".parse().expect("policy"));
    let mut actual = Expected::new();
    let mut collected: Vec<Collected> = Vec::new();
    let mut objects = 0;
    for (file, (name, path)) in case.files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        if name.ends_with("host.json") {
            objects += judge_host_fixture(name, &bytes, &options, &mut actual);
            continue;
        }
        if name.ends_with("image-files.json") {
            objects += judge_image_files_fixture(name, &bytes, &options, &mut actual);
            continue;
        }
        let mut scan = scan_file(name, &bytes, &options);
        assert!(
            scan.errors.is_empty(),
            "{rule}: fixture {} has input errors: {:?}",
            path.display(),
            scan.errors
        );
        objects += scan.objects;
        for f in &scan.findings {
            assert_eq!(f.finding.rule, rule);
            let line = f.pos.expect("a file finding has a position").line;
            actual.insert((name.clone(), line, f.finding.path.to_string()));
        }
        collected.extend(
            std::mem::take(&mut scan.collected)
                .into_iter()
                .map(|mut c| {
                    c.file = file;
                    c
                }),
        );
    }
    assert!(
        objects > 0,
        "{rule}: fixture {} has no object",
        case.path.display()
    );
    for (index, finding) in run_checks(&collected, &options) {
        assert_eq!(finding.rule, rule);
        let object = &collected[index];
        let pos = object.locate(&finding.path);
        let name = case.files[object.file].0.clone();
        actual.insert((name, pos.line, finding.path.to_string()));
    }
    actual
}

/// Host facts judged live: each finding as `(fixture, 0, [<file>].<field>)`.
fn judge_host_fixture(
    name: &str,
    bytes: &[u8],
    options: &ScanOptions,
    actual: &mut Expected,
) -> usize {
    let parsed = parse(bytes, &Limits::default());
    assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
    let value = parsed.documents.into_iter().next().unwrap().value;
    let facts: HostFacts = serde_json::from_value(value).unwrap();
    let mut objects = 0;
    for (file, scan) in judge_host(&facts, options) {
        objects += scan.objects;
        for f in scan.findings {
            assert_eq!(f.pos, None, "{name}: a host finding has no position");
            actual.insert((name.to_owned(), 0, format!("[{file}].{}", f.finding.path)));
        }
    }
    objects
}

/// Image files judged by the image file rules: each finding as `(fixture, 0, <path>)`.
fn judge_image_files_fixture(
    name: &str,
    bytes: &[u8],
    options: &ScanOptions,
    actual: &mut Expected,
) -> usize {
    let parsed = parse(bytes, &Limits::default());
    assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
    let value = parsed.documents.into_iter().next().unwrap().value;
    let files: Vec<ImageFile> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|f| ImageFile {
            path: f["path"].as_str().unwrap().to_owned(),
            mode: u32::from_str_radix(f["mode"].as_str().unwrap(), 8).unwrap(),
            directory: f["directory"].as_bool().unwrap_or(false),
            layer: None,
        })
        .collect();
    for finding in judge_image_files(&files, &options.config) {
        actual.insert((name.to_owned(), 0, finding.file.path.clone()));
    }
    files.len()
}

fn expectations(case: &Case) -> Expected {
    let mut expected = Expected::new();
    for (name, path) in &case.files {
        let text = std::fs::read_to_string(path).unwrap();
        for spec in text
            .lines()
            .filter_map(|line| line.strip_prefix("# expect: "))
        {
            let (line, field) = spec.split_once(' ').expect("`# expect: <line> <path>`");
            expected.insert((
                name.clone(),
                line.parse().expect("line number"),
                field.trim().to_owned(),
            ));
        }
    }
    expected
}

fn show(case: &Case, actual: &Expected) -> String {
    actual
        .iter()
        .map(|(name, line, field)| {
            let path = &case.files.iter().find(|(n, _)| n == name).unwrap().1;
            let text = std::fs::read_to_string(path).unwrap();
            let source = (*line as usize)
                .checked_sub(1)
                .and_then(|i| text.lines().nth(i))
                .unwrap_or_default();
            format!("  {name}: # expect: {line} {field}    <- {source:?}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_rule_fails_its_failing_fixtures_exactly() {
    let mut mismatches = Vec::new();
    for meta in catalogue() {
        for case in cases(meta.id, "fail") {
            let expected = expectations(&case);
            assert!(
                !expected.is_empty(),
                "{}: no `# expect:` line",
                case.path.display()
            );
            let actual = findings_of(meta.id, &case);
            if actual != expected {
                mismatches.push(format!(
                    "{}: found\n{}",
                    case.path.display(),
                    show(&case, &actual)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

#[test]
fn every_rule_passes_its_passing_fixtures() {
    let mut failures = Vec::new();
    for meta in catalogue() {
        for case in cases(meta.id, "pass") {
            let actual = findings_of(meta.id, &case);
            if !actual.is_empty() {
                failures.push(format!(
                    "{}: found\n{}",
                    case.path.display(),
                    show(&case, &actual)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
