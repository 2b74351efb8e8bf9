//! One strategy per PodSecurityPolicy concern. Each strategy is built from the policy
//! (failing like upstream's factory for unusable options), generates defaults and
//! validates values into [`FieldError`](crate::psp::FieldError)s.

pub(crate) mod apparmor;
pub(crate) mod capabilities;
pub(crate) mod group;
pub(crate) mod seccomp;
pub(crate) mod selinux;
pub(crate) mod sysctl;
pub(crate) mod user;
pub(crate) mod volumes;

#[cfg(test)]
mod test_support;

use crate::psp::types::IdRange;

/// Why a strategy (and so the policy's provider) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// runAsUser `MustRunAs` without ranges.
    #[error("MustRunAs requires at least one range")]
    UserRangesMissing,
    /// A group strategy (`MustRunAs`/`MayRunAs`) without ranges.
    #[error("ranges must be supplied for {rule}")]
    GroupRangesMissing {
        /// The rule lacking ranges.
        rule: &'static str,
    },
    /// SELinux `MustRunAs` without options.
    #[error("MustRunAs requires SELinuxOptions")]
    SeLinuxOptionsMissing,
    /// An unknown strategy rule.
    #[error("Unrecognized {strategy} strategy type {rule}")]
    UnknownRule {
        /// Which strategy (`RunAsUser`, `RunAsGroup`, `SELinuxContext`, ...).
        strategy: &'static str,
        /// The rule found in the policy.
        rule: String,
    },
}

/// Renders ranges like Go's `%v` of `[]policy.IDRange`: `[{1 10} {20 30}]`.
pub(crate) fn render_ranges(ranges: &[IdRange]) -> String {
    let rendered: Vec<String> = ranges
        .iter()
        .map(|r| format!("{{{} {}}}", r.min, r.max))
        .collect();
    format!("[{}]", rendered.join(" "))
}

/// True when `id` lies in at least one inclusive range.
pub(crate) fn in_ranges(id: i64, ranges: &[IdRange]) -> bool {
    ranges.iter().any(|r| r.min <= id && id <= r.max)
}
