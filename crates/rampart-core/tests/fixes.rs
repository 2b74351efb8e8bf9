//! Every rule with a fix has before/after fixture pairs under `tests/fixes/<rule>/`
//! (`all-rules/`: every fixable rule at once): `<case>.before.<name>` is fixed, as a file
//! called `<name>` with that rule and `--unsafe`, into exactly `<case>.after.<name>`, and
//! the diff is an insta snapshot. Each case also checks the guarantees of `rampart fix`:
//! a fresh scan reports none of the fixed findings; the fixed file reads as the original
//! objects with each fix's JSON Patch applied; fixing again changes nothing.
//!
//! `RAMPART_BLESS=1 cargo test -p rampart-core --test fixes` rewrites the `after` files
//! (review them!), `INSTA_UPDATE=always` the snapshots.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_core::config::Config;
use rampart_core::fix::{FileFix, FixOptions, RunFinding, fix_file, fixable_rules};
use rampart_core::object::objects;
use rampart_core::scan::{ScanOptions, run_checks, scan_file};
use rampart_core::source::{Limits, parse};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixes")
}

/// The rules a fixture directory is about.
fn rules_of(dir: &str) -> Vec<&'static str> {
    if dir == "all-rules" {
        return fixable_rules().collect();
    }
    let rule = fixable_rules()
        .find(|id| *id == dir)
        .unwrap_or_else(|| panic!("tests/fixes/{dir}: not a rule with a fix"));
    vec![rule]
}

fn options(rules: &[&str]) -> FixOptions {
    FixOptions::new(
        ScanOptions::from_config(Config::default().only(rules)),
        true,
        None,
    )
}

/// The run rules' findings about the file, as `rampart fix` gathers them.
fn run_findings(name: &str, bytes: &[u8], options: &FixOptions) -> Vec<RunFinding> {
    let collected = scan_file(name, bytes, options.checks()).collected;
    run_checks(&collected, options.checks())
        .into_iter()
        .map(|(index, finding)| RunFinding {
            document: collected[index].document,
            object: collected[index].id.clone(),
            finding,
        })
        .collect()
}

fn fix(name: &str, bytes: &[u8], options: &FixOptions) -> FileFix {
    let run = run_findings(name, bytes, options);
    fix_file(name, bytes, options, &run)
}

/// What a scan of `bytes` finds for the fixture's rules: (rule, object, path).
fn findings(name: &str, bytes: &[u8], options: &FixOptions) -> BTreeSet<(String, String, String)> {
    let scan = scan_file(name, bytes, options.checks());
    let object = |o: &rampart_core::object::ObjectRef| o.label();
    scan.findings
        .iter()
        .map(|f| {
            (
                f.finding.rule.to_owned(),
                object(&f.object),
                f.finding.path.to_string(),
            )
        })
        .chain(run_findings(name, bytes, options).into_iter().map(|f| {
            (
                f.finding.rule.to_owned(),
                f.object.label(),
                f.finding.path.to_string(),
            )
        }))
        .collect()
}

fn documents(bytes: &[u8]) -> Vec<Value> {
    let parsed = parse(bytes, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.documents.into_iter().map(|d| d.value).collect()
}

/// The original documents with every fix's JSON Patch applied to its object, in order.
fn patched(before: &[u8], fixed: &FileFix) -> Vec<Value> {
    let mut docs = documents(before);
    for applied in &fixed.applied {
        let ops = applied.patch.clone().expect("a JSON Patch");
        let document = &mut docs[applied.target.document];
        let base = if applied.target.object.kind == "ComposeService" {
            String::new()
        } else {
            let found = objects(document).expect("objects");
            let object = found
                .iter()
                .find(|o| o.id == *applied.target.object)
                .expect("the object is in its document");
            rampart_core::fix::pointer(&object.base)
        };
        let target = document.pointer_mut(&base).expect("the object");
        let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops)).expect("RFC 6902");
        json_patch::patch(target, &patch)
            .unwrap_or_else(|e| panic!("{}: {e}", applied.target.rule));
    }
    docs
}

fn diff(name: &str, old: &[u8], new: &[u8]) -> String {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string()
        .replace('\r', "\\r")
}

fn cases() -> Vec<(String, String, String, PathBuf)> {
    let mut found = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            if let Some((case, name)) = file_name.split_once(".before.") {
                found.push((rule.clone(), case.to_owned(), name.to_owned(), file));
            }
        }
    }
    found
}

fn after_path(before: &Path) -> PathBuf {
    let name = before
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replacen(".before.", ".after.", 1);
    before.with_file_name(name)
}

/// The guarantees of a fix of `before` into `after` (`context` names the case): a fresh
/// scan reports nothing the fix repaired (what is left was reported as left); the fixed
/// file reads as the original objects with the fixes' JSON Patches applied (a
/// Dockerfile only grows at its end); fixing again changes nothing.
fn assert_guarantees(
    context: &str,
    name: &str,
    before: &[u8],
    after: &[u8],
    fixed: &FileFix,
    options: &FixOptions,
) {
    let unfixed: BTreeSet<(String, String, String)> = fixed
        .unfixed
        .iter()
        .map(|u| {
            (
                u.target.rule.to_owned(),
                u.target.object.label(),
                u.target.path.to_string(),
            )
        })
        .collect();
    for finding in findings(name, after, options) {
        assert!(
            unfixed.contains(&finding),
            "{context}: still reported and not said to be left: {finding:?}"
        );
    }
    if name.ends_with("Dockerfile") {
        assert!(
            after.starts_with(before),
            "{context}: a Dockerfile fix only appends"
        );
    } else {
        assert_eq!(documents(after), patched(before, fixed), "{context}");
    }
    let again = fix(name, after, options);
    assert!(
        again.fixed.is_none(),
        "{context}: a second fix changed {}",
        diff(name, after, again.fixed.as_deref().unwrap_or_default())
    );
}

#[test]
fn every_fixture_is_fixed_into_its_pair_with_every_guarantee() {
    let bless = std::env::var_os("RAMPART_BLESS").is_some();
    let cases = cases();
    let mut covered = BTreeSet::new();
    for (dir, case, name, path) in &cases {
        let rules = rules_of(dir);
        let options = options(&rules);
        let before = std::fs::read(path).unwrap();
        let fixed = fix(name, &before, &options);
        let context = format!("{dir}/{case}");
        assert!(fixed.errors.is_empty(), "{context}: {:?}", fixed.errors);
        let after = fixed.fixed.clone().unwrap_or_else(|| before.clone());
        let after_file = after_path(path);
        if bless {
            std::fs::write(&after_file, &after).unwrap();
        }
        let expected = std::fs::read(&after_file).unwrap_or_else(|e| {
            panic!("{}: {e} (RAMPART_BLESS=1 writes it)", after_file.display())
        });
        assert!(
            after == expected,
            "{context}: fixed text differs from {}:\n{}",
            after_file.display(),
            diff(name, &expected, &after)
        );
        let shown = format!("{dir}/{case}.{name}");
        insta::assert_snapshot!(format!("{dir}__{case}"), diff(&shown, &before, &after));
        for applied in &fixed.applied {
            covered.insert(applied.target.rule);
        }
        assert!(
            dir == "all-rules" || fixed.applied.iter().any(|f| f.target.rule == dir.as_str()),
            "{context}: the fixture fixes nothing of its rule"
        );
        assert_guarantees(&context, name, &before, &after, &fixed, &options);
    }
    let missing: Vec<&str> = fixable_rules().filter(|id| !covered.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "rules with a fix but no fixture fixed by it: {missing:?}"
    );
}

#[test]
fn every_artefact_a_fix_edits_has_a_fixture() {
    let cases = cases();
    for rule in fixable_rules() {
        let fix = rampart_core::rules::fix_of(rule).expect("a fix");
        let has = |suffix: &dyn Fn(&str) -> bool| {
            cases
                .iter()
                .any(|(dir, _, name, _)| dir == rule && suffix(name))
        };
        if fix.kubernetes.is_some() {
            assert!(
                has(&|n| n.ends_with("yaml") && !n.contains("compose") || n.ends_with("json")),
                "{rule}: no Kubernetes fixture"
            );
        }
        if fix.compose.is_some() {
            assert!(
                has(&|n| n.contains("compose")),
                "{rule}: no Compose fixture"
            );
        }
        if fix.dockerfile.is_some() {
            assert!(
                has(&|n| n.ends_with("Dockerfile")),
                "{rule}: no Dockerfile fixture"
            );
        }
    }
}

/// The names of the files `fix` reads.
const CORPUS_FILES: &[&str] = &[".yaml", ".yml", ".json", "Dockerfile"];

/// The corpus files `fix` reads (YAML, JSON, Dockerfiles), sorted; read once.
fn corpus_files(test: &str) -> &'static [(String, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    if let Some(files) = FILES.get() {
        return files;
    }
    let Some(root) = rampart_test_support::shared("corpus", test) else {
        return &[];
    };
    FILES.get_or_init(|| rampart_test_support::files_under(&root, CORPUS_FILES))
}

/// Every guarantee of `fix --write --unsafe` on one file, with every rule: a file that
/// does not parse is not changed; the fixed file parses to the original objects with
/// the fixes' JSON Patches applied; a rescan reports only what the fix said it left;
/// fixing again changes nothing. Returns the number of findings fixed.
fn round_trip(
    name: &str,
    before: &[u8],
    refusals: &mut std::collections::BTreeMap<String, usize>,
) -> usize {
    let options = FixOptions::new(ScanOptions::default(), true, None);
    let fixed = fix(name, before, &options);
    for unfixed in &fixed.unfixed {
        if let rampart_core::fix::Reason::NotEdited(why) = &unfixed.reason {
            *refusals.entry(why.clone()).or_default() += 1;
        }
    }
    let Some(after) = fixed.fixed.as_deref() else {
        return 0;
    };
    assert!(
        fixed.errors.is_empty(),
        "{name}: changed with errors {:?}",
        fixed.errors
    );
    assert_guarantees(name, name, before, after, &fixed, &options);
    fixed.applied.len()
}

#[test]
fn the_whole_corpus_round_trips() {
    let files = corpus_files("the_whole_corpus_round_trips");
    let mut fixed = 0;
    let mut changed = 0;
    let mut refusals = std::collections::BTreeMap::new();
    for (name, bytes) in files {
        let count = round_trip(name, bytes, &mut refusals);
        fixed += count;
        changed += usize::from(count > 0);
    }
    eprintln!(
        "corpus: {} files, {changed} changed, {fixed} findings fixed",
        files.len()
    );
    assert!(
        files.is_empty() || fixed > 1000,
        "only {fixed} findings fixed in the corpus"
    );
}

/// The full-line comments of a text, in order.
fn comment_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| line.trim_start().starts_with('#'))
        .collect()
}

/// Whether `wanted` appear in `lines` in order.
fn in_order(wanted: &[&str], lines: &[&str]) -> bool {
    let mut rest = lines.iter();
    wanted.iter().all(|w| rest.any(|l| l == w))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Fixing a random corpus file with a random selection of rules keeps every comment
    /// line (in order) and gives text that parses.
    #[test]
    fn fixing_keeps_every_comment_line(
        pick in proptest::prelude::any::<proptest::sample::Index>(),
        rules in proptest::sample::subsequence(fixable_rules().collect::<Vec<_>>(), 1..=8),
        unsafe_fixes in proptest::prelude::any::<bool>(),
    ) {
        let files = corpus_files("fixing_keeps_every_comment_line");
        if files.is_empty() {
            return Ok(());
        }
        let (name, before) = &files[pick.index(files.len())];
        let options = FixOptions::new(ScanOptions::from_config(Config::default().only(&rules)), unsafe_fixes, None);
        let fixed = fix(name, before, &options);
        if let Some(after) = fixed.fixed.as_deref() {
            let (old, new) = (String::from_utf8_lossy(before), String::from_utf8_lossy(after));
            proptest::prop_assert!(
                in_order(&comment_lines(&old), &comment_lines(&new)),
                "{name} lost a comment line:\n{}", diff(name, before, after)
            );
            if !name.ends_with("Dockerfile") {
                let parsed = parse(after, &Limits::default());
                proptest::prop_assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
            }
        }
    }
}
