//! The capabilities strategy: default adds, required drops and the allow-list.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Capabilities;

use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::types::{ALLOW_ALL, PodSecurityPolicySpec};

/// The capability lists of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CapabilitiesStrategy {
    default_add: Vec<String>,
    required_drop: Vec<String>,
    allowed: Vec<String>,
}

impl CapabilitiesStrategy {
    /// Builds the strategy from the policy's three capability lists.
    pub fn new(spec: &PodSecurityPolicySpec) -> Self {
        Self {
            default_add: spec.default_add_capabilities.clone(),
            required_drop: spec.required_drop_capabilities.clone(),
            allowed: spec.allowed_capabilities.clone(),
        }
    }

    /// The capabilities to write for a container that has `current`, or `None` when
    /// nothing new would be added or dropped (the container keeps its own object).
    pub fn generate(&self, current: Option<&Capabilities>) -> Option<Capabilities> {
        let container_add = as_set(current.and_then(|c| c.add.as_deref()));
        let container_drop = as_set(current.and_then(|c| c.drop.as_deref()));
        let mut add: BTreeSet<&str> = self
            .default_add
            .iter()
            .map(String::as_str)
            .filter(|cap| !container_drop.contains(cap))
            .collect();
        add.extend(&container_add);
        let mut drop: BTreeSet<&str> = self.required_drop.iter().map(String::as_str).collect();
        drop.extend(&container_drop);
        if add.len() == container_add.len() && drop.len() == container_drop.len() {
            return None;
        }
        Some(Capabilities {
            add: non_empty(add),
            drop: non_empty(drop),
        })
    }

    /// Validates a container's capabilities (after defaulting) under `path`
    /// (`…securityContext.capabilities`).
    pub fn validate(
        &self,
        path: &FieldPath,
        capabilities: Option<&Capabilities>,
    ) -> Vec<FieldError> {
        let Some(capabilities) = capabilities else {
            if self.default_add.is_empty() && self.required_drop.is_empty() {
                return Vec::new();
            }
            return vec![FieldError::invalid(
                path.clone(),
                BadValue::Null,
                "required capabilities are not set on the securityContext",
            )];
        };
        if self.allowed.iter().any(|cap| cap == ALLOW_ALL) {
            return Vec::new();
        }
        let mut errors = Vec::new();
        for cap in capabilities.add.iter().flatten() {
            if !self.default_add.contains(cap) && !self.allowed.contains(cap) {
                errors.push(FieldError::invalid(
                    path.child("add"),
                    BadValue::str(cap.as_str()),
                    "capability may not be added",
                ));
            }
        }
        let drops = as_set(capabilities.drop.as_deref());
        for cap in &self.required_drop {
            if !drops.contains(cap.as_str()) {
                errors.push(FieldError::invalid(
                    path.child("drop"),
                    BadValue::CapabilityList(capabilities.drop.clone()),
                    format!("{cap} is required to be dropped but was not found"),
                ));
            }
        }
        errors
    }
}

fn as_set(list: Option<&[String]>) -> BTreeSet<&str> {
    list.unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect()
}

fn non_empty(set: BTreeSet<&str>) -> Option<Vec<String>> {
    (!set.is_empty()).then(|| set.into_iter().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn strategy(
        default_add: &[&str],
        required_drop: &[&str],
        allowed: &[&str],
    ) -> CapabilitiesStrategy {
        CapabilitiesStrategy {
            default_add: strings(default_add),
            required_drop: strings(required_drop),
            allowed: strings(allowed),
        }
    }

    fn caps(add: Option<&[&str]>, drop: Option<&[&str]>) -> Capabilities {
        Capabilities {
            add: add.map(strings),
            drop: drop.map(strings),
        }
    }

    #[test]
    fn generation() {
        type Case<'a> = (
            &'a str,
            CapabilitiesStrategy,
            Option<Capabilities>,
            Option<Capabilities>,
        );
        let cases: Vec<Case> = vec![
            (
                "no policy caps, none on container",
                strategy(&[], &[], &[]),
                None,
                None,
            ),
            (
                "no policy caps keeps container caps",
                strategy(&[], &[], &[]),
                Some(caps(Some(&["Z", "A", "A"]), None)),
                None,
            ),
            (
                "default add",
                strategy(&["FOO"], &[], &[]),
                None,
                Some(caps(Some(&["FOO"]), None)),
            ),
            (
                "required drop",
                strategy(&[], &["FOO"], &[]),
                None,
                Some(caps(None, Some(&["FOO"]))),
            ),
            (
                "default add dropped by container",
                strategy(&["FOO"], &[], &[]),
                Some(caps(None, Some(&["FOO"]))),
                None,
            ),
            (
                "add already present",
                strategy(&["FOO"], &[], &[]),
                Some(caps(Some(&["FOO"]), None)),
                None,
            ),
            (
                "drop already present",
                strategy(&[], &["FOO"], &[]),
                Some(caps(None, Some(&["FOO"]))),
                None,
            ),
            (
                "merge and sort",
                strategy(&["B"], &["Y"], &[]),
                Some(caps(Some(&["C", "A"]), Some(&["Z"]))),
                Some(caps(Some(&["A", "B", "C"]), Some(&["Y", "Z"]))),
            ),
            (
                "allowed caps are not added",
                strategy(&[], &[], &["FOO"]),
                None,
                None,
            ),
        ];
        for (name, s, current, expected) in cases {
            assert_eq!(s.generate(current.as_ref()), expected, "{name}");
        }
    }

    #[test]
    fn validation() {
        let path = FieldPath::fields(&["spec", "containers"])
            .index(0)
            .child("securityContext")
            .child("capabilities");
        let p = "spec.containers[0].securityContext.capabilities";
        type Case<'a> = (
            &'a str,
            CapabilitiesStrategy,
            Option<Capabilities>,
            Vec<String>,
        );
        let cases: Vec<Case> = vec![
            (
                "nothing required, nothing set",
                strategy(&[], &[], &[]),
                None,
                vec![],
            ),
            (
                "required but unset",
                strategy(&["FOO"], &[], &[]),
                None,
                vec![format!(
                    "{p}: Invalid value: \"null\": required capabilities are not set on the securityContext"
                )],
            ),
            (
                "required drop but unset",
                strategy(&[], &["FOO"], &[]),
                None,
                vec![format!(
                    "{p}: Invalid value: \"null\": required capabilities are not set on the securityContext"
                )],
            ),
            (
                "add not allowed",
                strategy(&[], &[], &[]),
                Some(caps(Some(&["NET_ADMIN"]), None)),
                vec![format!(
                    "{p}.add: Invalid value: \"NET_ADMIN\": capability may not be added"
                )],
            ),
            (
                "add allowed",
                strategy(&[], &[], &["NET_ADMIN"]),
                Some(caps(Some(&["NET_ADMIN"]), None)),
                vec![],
            ),
            (
                "add via default",
                strategy(&["NET_ADMIN"], &[], &[]),
                Some(caps(Some(&["NET_ADMIN"]), None)),
                vec![],
            ),
            (
                "wildcard allows all",
                strategy(&[], &[], &["*"]),
                Some(caps(Some(&["ANY"]), None)),
                vec![],
            ),
            (
                "case sensitive",
                strategy(&[], &[], &["net_admin"]),
                Some(caps(Some(&["NET_ADMIN"]), None)),
                vec![format!(
                    "{p}.add: Invalid value: \"NET_ADMIN\": capability may not be added"
                )],
            ),
            (
                "required drop missing",
                strategy(&[], &["NET_RAW"], &[]),
                Some(caps(None, Some(&["FOO"]))),
                vec![format!(
                    "{p}.drop: Invalid value: []core.Capability{{\"FOO\"}}: NET_RAW is required to be dropped but was not found"
                )],
            ),
            (
                "required drop missing, nil list",
                strategy(&[], &["NET_RAW"], &[]),
                Some(caps(Some(&[]), None)),
                vec![format!(
                    "{p}.drop: Invalid value: []core.Capability(nil): NET_RAW is required to be dropped but was not found"
                )],
            ),
            (
                "required drop present",
                strategy(&[], &["NET_RAW"], &[]),
                Some(caps(None, Some(&["NET_RAW"]))),
                vec![],
            ),
        ];
        for (name, s, current, expected) in cases {
            let got: Vec<String> = s
                .validate(&path, current.as_ref())
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected, "{name}");
        }
    }
}
