//! The sysctl strategy: forbidden patterns, the safe set and allowed unsafe patterns.

use k8s_openapi::api::core::v1::Sysctl;

use crate::field_path::FieldPath;
use crate::psp::field_error::{FieldError, go_quote};
use crate::psp::types::PodSecurityPolicySpec;

/// Sysctls the kubelet of v1.22–v1.24 considers safe (namespaced, isolated).
pub(crate) const SAFE_SYSCTLS: [&str; 5] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

/// The sysctl patterns of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SysctlStrategy {
    allowed_unsafe: Vec<String>,
    forbidden: Vec<String>,
}

impl SysctlStrategy {
    /// Builds the strategy from the policy's sysctl lists.
    pub fn new(spec: &PodSecurityPolicySpec) -> Self {
        Self {
            allowed_unsafe: spec.allowed_unsafe_sysctls.clone(),
            forbidden: spec.forbidden_sysctls.clone(),
        }
    }

    /// Validates the pod's sysctls, in list order.
    pub fn validate(&self, sysctls: &[Sysctl]) -> Vec<FieldError> {
        let base = FieldPath::fields(&["pod", "spec", "securityContext", "sysctls"]);
        sysctls
            .iter()
            .enumerate()
            .filter_map(|(i, sysctl)| {
                self.rejection(&sysctl.name)
                    .map(|detail| FieldError::forbidden(base.index(i), detail))
            })
            .collect()
    }

    fn rejection(&self, name: &str) -> Option<String> {
        if matches_any(&self.forbidden, name) {
            Some(format!("sysctl {} is not allowed", go_quote(name)))
        } else if SAFE_SYSCTLS.contains(&name) || matches_any(&self.allowed_unsafe, name) {
            None
        } else {
            Some(format!("unsafe sysctl {} is not allowed", go_quote(name)))
        }
    }
}

/// True when `name` matches a pattern: exact, or prefix match for a trailing `*`.
pub(crate) fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| pattern_matches(pattern, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(allowed: &[&str], forbidden: &[&str]) -> SysctlStrategy {
        SysctlStrategy {
            allowed_unsafe: allowed.iter().map(|s| s.to_string()).collect(),
            forbidden: forbidden.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn pattern_matching() {
        let cases = [
            ("*", "kernel.msgmax", true),
            ("net.*", "net.core.somaxconn", true),
            ("a*", "ab", true),
            ("net.*", "kernel.sem", false),
            ("kernel.msgmax", "kernel.msgmax", true),
            ("kernel.msgmax", "kernel.msgmaxx", false),
            ("kernel/msgmax", "kernel.msgmax", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(pattern_matches(pattern, name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn validation() {
        let p = "pod.spec.securityContext.sysctls[0]";
        let cases: Vec<(SysctlStrategy, &str, Option<String>)> = vec![
            (strategy(&[], &[]), "kernel.shm_rmid_forced", None),
            (
                strategy(&[], &[]),
                "net.ipv4.ip_unprivileged_port_start",
                None,
            ),
            (
                strategy(&[], &[]),
                "kernel.msgmax",
                Some(format!(
                    "{p}: Forbidden: unsafe sysctl \"kernel.msgmax\" is not allowed"
                )),
            ),
            (strategy(&["kernel.msg*"], &[]), "kernel.msgmax", None),
            (strategy(&["*"], &[]), "net.core.somaxconn", None),
            (
                strategy(&["*"], &["kernel.msgmax"]),
                "kernel.msgmax",
                Some(format!(
                    "{p}: Forbidden: sysctl \"kernel.msgmax\" is not allowed"
                )),
            ),
            (
                strategy(&[], &["kernel.shm_rmid_forced"]),
                "kernel.shm_rmid_forced",
                Some(format!(
                    "{p}: Forbidden: sysctl \"kernel.shm_rmid_forced\" is not allowed"
                )),
            ),
            (
                strategy(&[], &["net.*"]),
                "net.ipv4.tcp_syncookies",
                Some(format!(
                    "{p}: Forbidden: sysctl \"net.ipv4.tcp_syncookies\" is not allowed"
                )),
            ),
            (
                strategy(&["kernel.msgmax"], &[]),
                "kernel/msgmax",
                Some(format!(
                    "{p}: Forbidden: unsafe sysctl \"kernel/msgmax\" is not allowed"
                )),
            ),
        ];
        for (s, name, expected) in cases {
            let sysctl = Sysctl {
                name: name.to_string(),
                value: "1".into(),
            };
            let got: Vec<String> = s
                .validate(&[sysctl])
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected.into_iter().collect::<Vec<_>>(), "{name}");
        }
    }

    #[test]
    fn reports_each_index() {
        let s = strategy(&[], &[]);
        let sysctls: Vec<Sysctl> = ["kernel.shm_rmid_forced", "a.b", "c.d"]
            .iter()
            .map(|n| Sysctl {
                name: n.to_string(),
                value: "1".into(),
            })
            .collect();
        let got: Vec<String> = s
            .validate(&sysctls)
            .iter()
            .map(|e| e.field.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "pod.spec.securityContext.sysctls[1]",
                "pod.spec.securityContext.sysctls[2]"
            ]
        );
    }
}
