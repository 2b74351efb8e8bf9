//! The versioned check registry (spec §4.2, §4.3).
//!
//! Each check has one or more implementations, each with the minimum policy version from
//! which it applies; an implementation may override (replace) baseline checks. The check
//! list for a level and version is derived from this table alone.

use super::checks::{
    CheckFn, app_armor, capabilities, host_namespaces, host_ports, host_probes,
    privilege_escalation, privileged, proc_mount, run_as_non_root, run_as_user, se_linux, seccomp,
    sysctls, volumes, windows_host_process,
};
use super::level::Level;

/// Which level a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckLevel {
    Baseline,
    Restricted,
}

/// One implementation of a check, used from `min_minor` until the next one.
pub(crate) struct Implementation {
    pub min_minor: u64,
    pub run: CheckFn,
    /// IDs of the baseline checks this implementation replaces (restricted only).
    pub overrides: &'static [&'static str],
}

/// A check with all its implementations, in increasing version order.
pub(crate) struct CheckDefinition {
    pub id: &'static str,
    pub level: CheckLevel,
    pub implementations: &'static [Implementation],
}

impl CheckDefinition {
    /// The implementation in force at `minor`, if the check exists there.
    pub fn at(&self, minor: u64) -> Option<&Implementation> {
        self.implementations
            .iter()
            .rev()
            .find(|implementation| implementation.min_minor <= minor)
    }
}

const fn since(min_minor: u64, run: CheckFn) -> Implementation {
    Implementation {
        min_minor,
        run,
        overrides: &[],
    }
}

const fn since_overriding(
    min_minor: u64,
    run: CheckFn,
    overrides: &'static [&'static str],
) -> Implementation {
    Implementation {
        min_minor,
        run,
        overrides,
    }
}

const fn baseline(id: &'static str, implementations: &'static [Implementation]) -> CheckDefinition {
    CheckDefinition {
        id,
        level: CheckLevel::Baseline,
        implementations,
    }
}

const fn restricted(
    id: &'static str,
    implementations: &'static [Implementation],
) -> CheckDefinition {
    CheckDefinition {
        id,
        level: CheckLevel::Restricted,
        implementations,
    }
}

/// Every check, in evaluation (and message) order: baseline IDs in byte order, then
/// restricted IDs in byte order. A test keeps this order honest.
pub(crate) const CHECKS: &[CheckDefinition] = &[
    baseline("appArmorProfile", &[since(0, app_armor::v1_0)]),
    baseline(
        "capabilities_baseline",
        &[since(0, capabilities::baseline_v1_0)],
    ),
    baseline("hostNamespaces", &[since(0, host_namespaces::v1_0)]),
    baseline("hostPathVolumes", &[since(0, volumes::host_path_v1_0)]),
    baseline("hostPorts", &[since(0, host_ports::v1_0)]),
    baseline(
        "hostProbesAndHostLifecycle",
        &[since(34, host_probes::v1_34)],
    ),
    baseline("privileged", &[since(0, privileged::v1_0)]),
    baseline(
        "procMount",
        &[since(0, proc_mount::v1_0), since(35, proc_mount::v1_35)],
    ),
    baseline(
        "seLinuxOptions",
        &[since(0, se_linux::v1_0), since(31, se_linux::v1_31)],
    ),
    baseline(
        "seccompProfile_baseline",
        &[
            since(0, seccomp::baseline_v1_0),
            since(19, seccomp::baseline_v1_19),
        ],
    ),
    baseline(
        "sysctls",
        &[
            since(0, sysctls::v1_0),
            since(27, sysctls::v1_27),
            since(29, sysctls::v1_29),
            since(32, sysctls::v1_32),
            since(37, sysctls::v1_37),
        ],
    ),
    baseline(
        "windowsHostProcess",
        &[since(0, windows_host_process::v1_0)],
    ),
    restricted(
        "allowPrivilegeEscalation",
        &[
            since(8, privilege_escalation::v1_8),
            since(25, privilege_escalation::v1_25),
        ],
    ),
    restricted(
        "capabilities_restricted",
        &[
            since_overriding(
                22,
                capabilities::restricted_v1_22,
                &["capabilities_baseline"],
            ),
            since_overriding(
                25,
                capabilities::restricted_v1_25,
                &["capabilities_baseline"],
            ),
        ],
    ),
    restricted(
        "procMount_restricted",
        &[since_overriding(35, proc_mount::v1_0, &["procMount"])],
    ),
    restricted(
        "restrictedVolumes",
        &[since_overriding(
            0,
            volumes::restricted_v1_0,
            &["hostPathVolumes"],
        )],
    ),
    restricted(
        "runAsNonRoot",
        &[
            since(0, run_as_non_root::v1_0),
            since(35, run_as_non_root::v1_35),
        ],
    ),
    restricted(
        "runAsUser",
        &[since(23, run_as_user::v1_23), since(35, run_as_user::v1_35)],
    ),
    restricted(
        "seccompProfile_restricted",
        &[
            since_overriding(19, seccomp::restricted_v1_19, &["seccompProfile_baseline"]),
            since_overriding(25, seccomp::restricted_v1_25, &["seccompProfile_baseline"]),
        ],
    ),
];

/// The newest policy minor: the greatest minimum version over all implementations.
pub(crate) const MAX_MINOR: u64 = max_minor(CHECKS);

const fn max_minor(checks: &[CheckDefinition]) -> u64 {
    let mut max = 0;
    let mut i = 0;
    while i < checks.len() {
        let implementations = checks[i].implementations;
        let mut j = 0;
        while j < implementations.len() {
            if implementations[j].min_minor > max {
                max = implementations[j].min_minor;
            }
            j += 1;
        }
        i += 1;
    }
    max
}

/// True if a restricted check in force at `minor` overrides the check `id`.
fn is_overridden(id: &str, minor: u64) -> bool {
    CHECKS
        .iter()
        .filter(|check| check.level == CheckLevel::Restricted)
        .filter_map(|check| check.at(minor))
        .any(|implementation| implementation.overrides.contains(&id))
}

/// The checks to run for `level` at the (already clamped) `minor`, in message order,
/// each with its ID and the implementation in force.
pub(crate) fn checks_for(
    level: Level,
    minor: u64,
) -> impl Iterator<Item = (&'static str, CheckFn)> {
    CHECKS.iter().filter_map(move |check| {
        let implementation = check.at(minor)?;
        let included = match (level, check.level) {
            (Level::Privileged, _) => false,
            (Level::Baseline, CheckLevel::Baseline) => true,
            (Level::Baseline, CheckLevel::Restricted) => false,
            (Level::Restricted, CheckLevel::Baseline) => !is_overridden(check.id, minor),
            (Level::Restricted, CheckLevel::Restricted) => true,
        };
        included.then_some((check.id, implementation.run))
    })
}
