//! Level and version parsing (spec §1.1), clamping to the newest version, and the
//! registry's check sets per version (spec §4).

use crate::pss::registry::{CHECKS, CheckLevel, MAX_MINOR, checks_for};
use crate::pss::{Level, LevelVersion, ParseLevelVersionError, Version};

#[test]
fn levels_parse_exactly() {
    assert_eq!("privileged".parse(), Ok(Level::Privileged));
    assert_eq!("baseline".parse(), Ok(Level::Baseline));
    assert_eq!("restricted".parse(), Ok(Level::Restricted));
    for bad in ["Restricted", "", "restricted ", "root"] {
        let err = bad.parse::<Level>().expect_err(bad);
        assert_eq!(
            err.to_string(),
            "must be one of privileged, baseline, restricted"
        );
    }
    assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
}

#[test]
fn versions_parse_exactly() {
    assert_eq!("latest".parse(), Ok(Version::Latest));
    assert_eq!("v1.0".parse(), Ok(Version::Minor(0)));
    assert_eq!("v1.22".parse(), Ok(Version::Minor(22)));
    assert_eq!("v1.99".parse(), Ok(Version::Minor(99)));
    assert_eq!(
        "v1.9223372036854775807".parse(),
        Ok(Version::Minor(9_223_372_036_854_775_807))
    );
    for bad in [
        "v1.022",
        "1.22",
        "v2.0",
        "V1.2",
        "Latest",
        "v1.2.3",
        "v1.",
        "v1.-1",
        "v1.+1",
        "",
        "v1.9223372036854775808",
    ] {
        let err = bad.parse::<Version>().expect_err(bad);
        assert_eq!(err.to_string(), r#"must be "latest" or "v1.x""#, "{bad}");
    }
}

#[test]
fn level_versions_round_trip() {
    for text in [
        "restricted:latest",
        "baseline:v1.30",
        "privileged:v1.0",
        "baseline:v1.99",
    ] {
        let parsed: LevelVersion = text.parse().expect(text);
        assert_eq!(parsed.to_string(), text);
    }
    assert_eq!(
        LevelVersion::latest(Level::Baseline),
        LevelVersion::new(Level::Baseline, Version::Latest)
    );
    assert_eq!(
        "restricted".parse::<LevelVersion>(),
        Err(ParseLevelVersionError::MissingSeparator)
    );
    let level_error = "strict:latest".parse::<LevelVersion>().expect_err("level");
    assert_eq!(
        level_error.to_string(),
        "must be one of privileged, baseline, restricted"
    );
    let version_error = "baseline:1.2".parse::<LevelVersion>().expect_err("version");
    assert_eq!(version_error.to_string(), r#"must be "latest" or "v1.x""#);
}

#[test]
fn latest_and_future_versions_clamp_to_the_newest() {
    assert_eq!(MAX_MINOR, 37);
    assert_eq!(Version::MAX, Version::Minor(37));
    assert_eq!(Version::Latest.effective_minor(), 37);
    assert_eq!(Version::Minor(99).effective_minor(), 37);
    assert_eq!(Version::Minor(30).effective_minor(), 30);
    assert!(Version::Latest > Version::Minor(u64::MAX));
}

fn ids(level: Level, minor: u64) -> Vec<&'static str> {
    checks_for(level, minor).map(|(id, _)| id).collect()
}

#[test]
fn registry_is_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for check in CHECKS {
        assert!(seen.insert(check.id), "duplicate {}", check.id);
        assert!(!check.implementations.is_empty(), "{}", check.id);
        let minors: Vec<u64> = check.implementations.iter().map(|i| i.min_minor).collect();
        assert!(
            minors.windows(2).all(|w| w[0] < w[1]),
            "{} not increasing",
            check.id
        );
        for implementation in check.implementations {
            for overridden in implementation.overrides {
                assert_eq!(
                    check.level,
                    CheckLevel::Restricted,
                    "{} overrides",
                    check.id
                );
                let target = CHECKS.iter().find(|c| c.id == *overridden);
                assert!(
                    target.is_some_and(|t| t.level == CheckLevel::Baseline),
                    "{} overrides non-baseline {overridden}",
                    check.id
                );
            }
        }
    }
    assert_eq!(CHECKS.len(), 19);
}

#[test]
fn registry_is_in_message_order() {
    let key =
        |c: &&crate::pss::registry::CheckDefinition| (c.level == CheckLevel::Restricted, c.id);
    let mut sorted: Vec<_> = CHECKS.iter().collect();
    sorted.sort_by_key(key);
    let sorted_ids: Vec<_> = sorted.iter().map(|c| c.id).collect();
    let table_ids: Vec<_> = CHECKS.iter().map(|c| c.id).collect();
    assert_eq!(table_ids, sorted_ids);
}

#[test]
fn privileged_runs_no_check() {
    assert!(ids(Level::Privileged, 37).is_empty());
}

#[test]
fn check_sets_per_version_match_the_spec() {
    let baseline_v1_0 = [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    ];
    assert_eq!(ids(Level::Baseline, 0), baseline_v1_0);
    assert_eq!(ids(Level::Baseline, 33), baseline_v1_0);
    assert_eq!(
        ids(Level::Restricted, 0),
        [
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
            "restrictedVolumes",
            "runAsNonRoot",
        ]
    );
    assert!(ids(Level::Restricted, 8).contains(&"allowPrivilegeEscalation"));
    assert!(!ids(Level::Restricted, 7).contains(&"allowPrivilegeEscalation"));
    let v1_19 = ids(Level::Restricted, 19);
    assert!(v1_19.contains(&"seccompProfile_restricted"));
    assert!(!v1_19.contains(&"seccompProfile_baseline"));
    let v1_22 = ids(Level::Restricted, 22);
    assert!(v1_22.contains(&"capabilities_restricted"));
    assert!(!v1_22.contains(&"capabilities_baseline"));
    assert!(ids(Level::Restricted, 23).contains(&"runAsUser"));
    assert!(!ids(Level::Restricted, 22).contains(&"runAsUser"));
    assert!(ids(Level::Baseline, 34).contains(&"hostProbesAndHostLifecycle"));
    assert_eq!(
        ids(Level::Restricted, 37),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    assert!(ids(Level::Restricted, 34).contains(&"procMount"));
    assert!(!ids(Level::Restricted, 35).contains(&"procMount"));
}
