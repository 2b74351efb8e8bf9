//! The policies a namespace's `pod-security.kubernetes.io/*` labels select, resolved the
//! way Pod Security Admission does (spec §9.1): a bad enforce label fails closed
//! (restricted), bad audit and warn labels fail open (privileged), and warn follows a
//! stricter enforce level when it is not set.

use std::collections::BTreeMap;

use super::message::go_quote;
use super::{Level, LevelVersion, Version};

/// Prefix of the Pod Security Admission labels.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// The three modes and the policy each applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// Pods that violate this are rejected.
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log.
    pub audit: LevelVersion,
    /// Violations are returned as warnings.
    pub warn: LevelVersion,
    /// Labels that did not parse, in upstream's field-error words.
    pub errors: Vec<String>,
}

impl Default for NamespacePolicy {
    fn default() -> Self {
        let privileged = LevelVersion::new(Level::Privileged, Version::Latest);
        Self {
            enforce: privileged,
            audit: privileged,
            warn: privileged,
            errors: Vec::new(),
        }
    }
}

/// The label that sets each mode's level or version, e.g. `label!("enforce")`.
macro_rules! label {
    ($mode:literal) => {
        concat!("pod-security.kubernetes.io/", $mode)
    };
}

/// Reads the label `key` into `target`, recording a field error and using `fallback` when
/// it does not parse. Returns whether the label was present and valid.
fn read_label<T: std::str::FromStr>(
    labels: &BTreeMap<String, String>,
    key: &str,
    target: &mut T,
    fallback: T,
    errors: &mut Vec<String>,
) -> bool
where
    T::Err: std::fmt::Display,
{
    let Some(value) = labels.get(key) else {
        return false;
    };
    match value.parse::<T>() {
        Ok(parsed) => {
            *target = parsed;
            true
        }
        Err(error) => {
            *target = fallback;
            errors.push(format!(
                "metadata.labels[{key}]: Invalid value: {}: {error}",
                go_quote(value)
            ));
            false
        }
    }
}

impl NamespacePolicy {
    /// Resolves a namespace's labels over `defaults` ([`NamespacePolicy::default`] is
    /// privileged:latest for every mode, as in a cluster without a PodSecurityConfiguration).
    pub fn from_labels(labels: &BTreeMap<String, String>, defaults: &NamespacePolicy) -> Self {
        let mut p = defaults.clone();
        p.errors.clear();
        let errors = &mut p.errors;
        let enforce_valid = read_label(
            labels,
            label!("enforce"),
            &mut p.enforce.level,
            Level::Restricted,
            errors,
        );
        read_label(
            labels,
            label!("enforce-version"),
            &mut p.enforce.version,
            Version::Latest,
            errors,
        );
        read_label(
            labels,
            label!("audit"),
            &mut p.audit.level,
            Level::Privileged,
            errors,
        );
        read_label(
            labels,
            label!("audit-version"),
            &mut p.audit.version,
            Version::Latest,
            errors,
        );
        let warn_set = labels.contains_key(label!("warn"));
        let warn_version_set = labels.contains_key(label!("warn-version"));
        read_label(
            labels,
            label!("warn"),
            &mut p.warn.level,
            Level::Privileged,
            errors,
        );
        read_label(
            labels,
            label!("warn-version"),
            &mut p.warn.version,
            Version::Latest,
            errors,
        );
        if !warn_set && enforce_valid && p.enforce.level > p.warn.level {
            p.warn.level = p.enforce.level;
            if !warn_version_set {
                p.warn.version = p.enforce.version;
            }
        }
        p
    }
}

impl NamespacePolicy {
    /// Whether all three modes are `privileged` (nothing to evaluate).
    pub fn fully_privileged(&self) -> bool {
        [&self.enforce, &self.audit, &self.warn]
            .iter()
            .all(|lv| lv.level == Level::Privileged)
    }

    /// Whether the two policies judge every pod alike: per mode, both privileged or the
    /// same level and version.
    pub fn equivalent(&self, other: &Self) -> bool {
        let same = |a: &LevelVersion, b: &LevelVersion| {
            (a.level == Level::Privileged && b.level == Level::Privileged) || a == b
        };
        same(&self.enforce, &other.enforce)
            && same(&self.audit, &other.audit)
            && same(&self.warn, &other.warn)
    }

    /// The warning for a namespace exempt from Pod Security whose labels set a policy
    /// (spec §9.6): the non-privileged modes whose level or version label is present.
    /// `None` when the policy is fully privileged or equivalent to `defaults`.
    pub fn exempt_warning(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        defaults: &NamespacePolicy,
    ) -> Option<String> {
        if self.fully_privileged() || self.equivalent(defaults) {
            return None;
        }
        let labelled = |mode: &str| {
            labels.contains_key(&format!("{LABEL_PREFIX}{mode}"))
                || labels.contains_key(&format!("{LABEL_PREFIX}{mode}-version"))
        };
        let modes: Vec<String> = [
            ("enforce", &self.enforce),
            ("audit", &self.audit),
            ("warn", &self.warn),
        ]
        .into_iter()
        .filter(|(mode, lv)| lv.level != Level::Privileged && labelled(mode))
        .map(|(mode, lv)| format!("{mode}={lv}"))
        .collect();
        Some(format!(
            "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
            go_quote(namespace),
            modes.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{LABEL_PREFIX}{k}"), (*v).to_owned()))
            .collect()
    }

    fn resolve(pairs: &[(&str, &str)]) -> NamespacePolicy {
        NamespacePolicy::from_labels(&labels(pairs), &NamespacePolicy::default())
    }

    #[test]
    fn no_labels_mean_the_defaults() {
        assert_eq!(resolve(&[]), NamespacePolicy::default());
    }

    #[test]
    fn labels_select_each_mode_and_warn_follows_enforce() {
        let p = resolve(&[
            ("enforce", "baseline"),
            ("enforce-version", "v1.30"),
            ("audit", "restricted"),
        ]);
        assert_eq!(p.enforce.to_string(), "baseline:v1.30");
        assert_eq!(p.audit.to_string(), "restricted:latest");
        assert_eq!(p.warn.to_string(), "baseline:v1.30");
        let explicit = resolve(&[("enforce", "restricted"), ("warn", "privileged")]);
        assert_eq!(explicit.warn.to_string(), "privileged:latest");
        let own_version = resolve(&[
            ("enforce", "restricted"),
            ("enforce-version", "v1.25"),
            ("warn-version", "v1.29"),
        ]);
        assert_eq!(own_version.warn.to_string(), "restricted:v1.29");
    }

    #[test]
    fn bad_enforce_fails_closed_and_bad_audit_or_warn_fail_open() {
        let p = resolve(&[
            ("enforce", "strict"),
            ("audit", "loud"),
            ("warn-version", "2"),
        ]);
        assert_eq!(p.enforce.to_string(), "restricted:latest");
        assert_eq!(p.audit.to_string(), "privileged:latest");
        assert_eq!(p.warn.to_string(), "privileged:latest");
        assert_eq!(
            p.errors,
            vec![
                "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
                "metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"loud\": must be one of privileged, baseline, restricted",
                "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"2\": must be \"latest\" or \"v1.x\"",
            ]
        );
    }

    #[test]
    fn label_values_are_quoted_as_go_quotes_them() {
        let p = resolve(&[("enforce", "strict\u{a0}")]);
        assert_eq!(
            p.errors,
            [
                "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\\u00a0\": must be one of privileged, baseline, restricted"
            ]
        );
    }

    #[test]
    fn exempt_namespaces_with_a_policy_get_a_warning() {
        let defaults = NamespacePolicy::default();
        let set = labels(&[("enforce", "baseline"), ("warn-version", "v1.30")]);
        let policy = NamespacePolicy::from_labels(&set, &defaults);
        assert_eq!(
            policy
                .exempt_warning("kube-system", &set, &defaults)
                .as_deref(),
            Some(
                "namespace \"kube-system\" is exempt from Pod Security, and the policy \
                 (enforce=baseline:latest, warn=baseline:v1.30) will be ignored"
            )
        );
        let privileged = labels(&[("enforce", "privileged")]);
        let policy = NamespacePolicy::from_labels(&privileged, &defaults);
        assert_eq!(policy.exempt_warning("x", &privileged, &defaults), None);
        // Equivalent to the defaults: nothing to say.
        let restricted = resolve(&[("enforce", "restricted")]);
        let same = labels(&[("enforce", "restricted")]);
        assert_eq!(restricted.exempt_warning("x", &same, &restricted), None);
    }
}
