//! Every upstream fixture under `../shared/conformance/pss/<level>/<version>/<pass|fail>/`
//! must get upstream's verdict, and fail fixtures must carry the expected substring. The
//! fixtures are Kubernetes' (Apache-2.0) and are not copied into the repository: the
//! tests say so in one line and are skipped where they are absent, and fail in CI.

use std::fs;
use std::path::{Path, PathBuf};

use super::parse_pod;
use crate::pss::registry::CHECKS;
use crate::pss::{LevelVersion, apply_defaults, evaluate};

const DATA: &str = "conformance/pss";
const EXPECTED_FIXTURES: usize = 4537;

/// The fixtures' directory, or `None` (after saying so) where the shared data is absent.
fn data(test: &str) -> Option<PathBuf> {
    rampart_test_support::shared(DATA, test)
}

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

/// Checks one fixture; returns a description of the mismatch, if any. A fixture that
/// cannot be read, parsed or placed under a policy is a mismatch, never a pass.
fn check_fixture(level: &str, version: &str, outcome: &str, file: &Path) -> Option<String> {
    let shown = file.display();
    let Some(name) = file.file_stem().and_then(|n| n.to_str()) else {
        return Some(format!("{shown}: file name is not UTF-8"));
    };
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => return Some(format!("{shown}: cannot read: {e}")),
    };
    let pod = match parse_pod(&text) {
        Ok(pod) => pod,
        Err(e) => return Some(format!("{shown}: parse error: {e}")),
    };
    let policy: LevelVersion = match format!("{level}:{version}").parse() {
        Ok(policy) => policy,
        Err(e) => return Some(format!("{shown}: no policy {level}:{version}: {e}")),
    };
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
    let Some(data) = data("every_upstream_fixture_gets_upstream_verdict") else {
        return;
    };
    let mut checked = 0;
    let mut per_outcome = [0usize; 2];
    let mut mismatches = Vec::new();
    for level_dir in sorted_entries(&data).iter().filter(|p| p.is_dir()) {
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
    let Some(data) = data("latest_and_future_versions_behave_like_the_newest_directory") else {
        return;
    };
    let newest = format!("v1.{}", crate::pss::registry::MAX_MINOR);
    let mut compared = 0;
    for level in ["baseline", "restricted"] {
        for outcome in ["pass", "fail"] {
            let dir = data.join(level).join(&newest).join(outcome);
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

#[test]
fn an_unreadable_or_unparsable_fixture_is_a_mismatch() {
    let dir = std::env::temp_dir().join(format!("rampart-conformance-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temporary directory");
    let broken = dir.join("privileged0.yaml");
    fs::write(&broken, "kind: Pod\nspec: [unclosed\n").expect("written");
    let missing = dir.join("privileged1.yaml");
    let pod = dir.join("privileged2.yaml");
    fs::write(&pod, "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n").expect("written");
    let verdicts = [
        check_fixture("baseline", "v1.0", "fail", &broken),
        check_fixture("baseline", "v1.0", "fail", &missing),
        check_fixture("baseline", "v1.x", "pass", &pod),
    ];
    let _ = fs::remove_dir_all(&dir);
    for verdict in verdicts {
        assert!(verdict.is_some(), "a broken fixture must not pass");
    }
}
