//! Every upstream fixture under `tests/conformance/pss/<level>/<version>/<pass|fail>/`
//! must get upstream's verdict, and fail fixtures must carry the expected substring.

use std::fs;
use std::path::{Path, PathBuf};

use super::parse_pod;
use crate::pss::registry::CHECKS;
use crate::pss::{LevelVersion, apply_defaults, evaluate};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/pss");
const EXPECTED_FIXTURES: usize = 4537;

/// What upstream's integration test asserts a denial contains, by file-name prefix.
fn expected_substring(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "privileged" => "privileged",
        "hostnamespaces" => "host namespaces",
        "hostports" => "hostPort",
        "capabilities_baseline" => "capabilities",
        "capabilities_restricted" => "unrestricted capabilities",
        "hostpathvolumes" => "hostPath",
        "restrictedvolumes" => "restricted volume types",
        "apparmorprofile" => "forbidden AppArmor profile",
        "selinuxoptions" => "seLinuxOptions",
        "procmount" | "procmount_restricted" => "procMount",
        "seccompprofile_baseline" | "seccompprofile_restricted" => "seccompProfile",
        "sysctls" => "forbidden sysctl",
        "windowshostprocess" => "hostProcess",
        "hostprobesandhostlifecycle" => "probe or lifecycle host",
        "allowprivilegeescalation" => "allowPrivilegeEscalation",
        "runasnonroot" => "runAsNonRoot",
        "runasuser" => "runAsUser",
        _ => return None,
    })
}

/// The check IDs that may catch a fixture for `prefix` at `minor`: the check itself and
/// any restricted check overriding it there.
fn catching_checks(prefix: &str, minor: u64) -> Vec<&'static str> {
    let Some(own) = CHECKS.iter().find(|c| c.id.eq_ignore_ascii_case(prefix)) else {
        return Vec::new();
    };
    let overriders = CHECKS.iter().filter(|c| {
        c.at(minor)
            .is_some_and(|implementation| implementation.overrides.contains(&own.id))
    });
    std::iter::once(own.id)
        .chain(overriders.map(|c| c.id))
        .collect()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

/// Checks one fixture; returns a description of the mismatch, if any.
fn check_fixture(level: &str, version: &str, outcome: &str, file: &Path) -> Option<String> {
    let name = file.file_stem()?.to_str()?;
    let text = fs::read_to_string(file).ok()?;
    let pod = match parse_pod(&text) {
        Ok(pod) => pod,
        Err(e) => return Some(format!("{}: parse error: {e}", file.display())),
    };
    let policy: LevelVersion = format!("{level}:{version}").parse().ok()?;
    let mut spec = pod.spec.unwrap_or_default();
    apply_defaults(&mut spec);
    let evaluation = evaluate(&policy, &pod.metadata, &spec);
    let where_ = format!("{level}/{version}/{outcome}/{name}");
    if outcome == "pass" {
        return (!evaluation.allowed()).then(|| {
            format!(
                "{where_}: denied: {}",
                evaluation.forbidden_message().unwrap_or_default()
            )
        });
    }
    let Some(message) = evaluation.forbidden_message() else {
        return Some(format!("{where_}: allowed"));
    };
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let Some(substring) = expected_substring(prefix) else {
        return Some(format!("{where_}: unknown fixture prefix {prefix:?}"));
    };
    if !message.contains(substring) {
        return Some(format!("{where_}: {message:?} lacks {substring:?}"));
    }
    if message.contains("unknown forbidden reason") {
        return Some(format!("{where_}: {message:?} has an unknown reason"));
    }
    let minor = policy.version.effective_minor();
    let catching = catching_checks(prefix, minor);
    let caught = evaluation
        .violations()
        .iter()
        .any(|v| catching.contains(&v.check));
    (!caught).then(|| format!("{where_}: no violation of {catching:?} in {message:?}"))
}

#[test]
fn every_upstream_fixture_gets_upstream_verdict() {
    let mut checked = 0;
    let mut per_outcome = [0usize; 2];
    let mut mismatches = Vec::new();
    for level_dir in sorted_entries(Path::new(DATA))
        .iter()
        .filter(|p| p.is_dir())
    {
        let level = level_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for version_dir in sorted_entries(level_dir) {
            let version = version_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            for (slot, outcome) in ["pass", "fail"].into_iter().enumerate() {
                let dir = version_dir.join(outcome);
                if !dir.is_dir() {
                    continue;
                }
                for file in sorted_entries(&dir) {
                    checked += 1;
                    per_outcome[slot] += 1;
                    mismatches.extend(check_fixture(level, version, outcome, &file));
                }
            }
        }
    }
    eprintln!(
        "conformance: {checked} fixtures checked ({} pass, {} fail), {} mismatches",
        per_outcome[0],
        per_outcome[1],
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );
    assert_eq!(checked, EXPECTED_FIXTURES);
}

#[test]
fn latest_and_future_versions_behave_like_the_newest_directory() {
    let newest = format!("v1.{}", crate::pss::registry::MAX_MINOR);
    let mut compared = 0;
    for level in ["baseline", "restricted"] {
        for outcome in ["pass", "fail"] {
            let dir = Path::new(DATA).join(level).join(&newest).join(outcome);
            for file in sorted_entries(&dir) {
                let text = fs::read_to_string(&file).expect("fixture readable");
                let pod = parse_pod(&text).expect("fixture parses");
                let mut spec = pod.spec.unwrap_or_default();
                apply_defaults(&mut spec);
                let at = |version: &str| {
                    let policy: LevelVersion =
                        format!("{level}:{version}").parse().expect("policy");
                    evaluate(&policy, &pod.metadata, &spec)
                        .violations()
                        .to_vec()
                };
                let reference = at(&newest);
                assert_eq!(at("latest"), reference, "{}", file.display());
                assert_eq!(at("v1.99"), reference, "{}", file.display());
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 15 + 34 + 23 + 76);
}
