//! Helpers for rampart's tests.
//!
//! Other projects' data (upstream conformance fixtures, the corpus, vulnerability data,
//! flow logs) lives beside the repository in `../shared/` and is never copied into it.
//! Tests find it with [`shared`]. Where it is absent (a fresh clone on its own) a test
//! says so in one line and is skipped; in CI (`CI` set to anything but `false` or `0`)
//! an absent data set or service is a failure, so a partial environment cannot pass.

pub mod image;
pub mod kube_api;

use std::path::PathBuf;

/// Whether this run is CI (`CI` is set and not `false`/`0`): missing data fails there.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// The shared data directory: `$RAMPART_SHARED`, else `../shared` beside the workspace.
pub fn shared_root() -> PathBuf {
    match std::env::var_os("RAMPART_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// `relative` under the shared data directory, or `None` after one line on stderr saying
/// that `test` is skipped. Panics instead in CI, where the data is always present.
pub fn shared(relative: &str, test: &str) -> Option<PathBuf> {
    let path = shared_root().join(relative);
    if path.exists() {
        return Some(path);
    }
    skip_or_fail(test, &format!("{} is absent", path.display()))
}

/// Reports a missing prerequisite: `None` and one line on stderr outside CI, a panic in
/// CI. For services a test needs (a Docker Engine, a registry) as well as data.
pub fn skip_or_fail<T>(test: &str, why: &str) -> Option<T> {
    if in_ci() {
        panic!("{test}: {why}, and CI must have it");
    }
    eprintln!("skipped {test}: {why}");
    None
}

/// The files under `root` (recursively, sorted by path) whose path ends with one of
/// `suffixes`, as (path relative to `root`, bytes). For tests and benches that run
/// over a whole shared data set such as the corpus.
pub fn files_under(root: &std::path::Path, suffixes: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|entry| entry.path()) {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if suffixes.iter().any(|s| name.ends_with(s))
                && let Ok(bytes) = std::fs::read(&path)
            {
                files.push((name, bytes));
            }
        }
    }
    files.sort();
    files
}

/// The shared lockfile expectations (`vulndata/lang/expected.json` and
/// `expected-go.json`): per lockfile (relative to `lang/lockfiles`), its package count
/// and the `(record id, package, version)` triples expected to be found.
pub fn lockfile_expectations(lang: &std::path::Path) -> Vec<LockfileCase> {
    let mut cases = Vec::new();
    for file in ["expected.json", "expected-go.json"] {
        let text = std::fs::read(lang.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", lang.join(file).display()));
        let json: serde_json::Value =
            serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let text_of = |v: &serde_json::Value, key: &str| {
            v[key]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: no {key} in {v}"))
                .to_owned()
        };
        for case in json.as_array().into_iter().flatten() {
            cases.push(LockfileCase {
                lockfile: text_of(case, "lockfile"),
                packages: case["packages"].as_u64().unwrap_or_default(),
                vulnerable: case["vulnerable"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        (
                            text_of(v, "id"),
                            text_of(v, "package"),
                            text_of(v, "version"),
                        )
                    })
                    .collect(),
            });
        }
    }
    cases
}

/// One lockfile's expectations.
#[derive(Debug, Clone)]
pub struct LockfileCase {
    /// The lockfile, relative to `vulndata/lang/lockfiles`.
    pub lockfile: String,
    /// How many packages it pins.
    pub packages: u64,
    /// `(record id, package, version)` expected to be found.
    pub vulnerable: std::collections::BTreeSet<(String, String, String)>,
}
