//! The annotation-driven AppArmor strategy (§3.17).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::AppArmorProfile;

use crate::field_path::FieldPath;
use crate::psp::field_error::{FieldError, go_quote};
use crate::psp::types::PodSecurityPolicy;

/// PSP annotation holding the comma-separated allowed profiles.
pub(crate) const ALLOWED_PROFILES_ANNOTATION: &str =
    "apparmor.security.beta.kubernetes.io/allowedProfileNames";
/// PSP annotation holding the default profile.
pub(crate) const DEFAULT_PROFILE_ANNOTATION: &str =
    "apparmor.security.beta.kubernetes.io/defaultProfileName";
/// Prefix of the per-container pod annotation.
pub(crate) const CONTAINER_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

/// The AppArmor profiles a policy allows and defaults to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AppArmorStrategy {
    default_profile: String,
    allowed: Option<BTreeSet<String>>,
    allowed_raw: String,
}

impl AppArmorStrategy {
    /// Builds the strategy from the policy annotations.
    pub fn new(policy: &PodSecurityPolicy) -> Self {
        let allowed_raw = policy.annotation(ALLOWED_PROFILES_ANNOTATION);
        Self {
            default_profile: policy
                .annotation(DEFAULT_PROFILE_ANNOTATION)
                .unwrap_or_default()
                .to_string(),
            allowed: allowed_raw.map(|raw| raw.split(',').map(str::to_string).collect()),
            allowed_raw: allowed_raw.unwrap_or_default().to_string(),
        }
    }

    /// The annotation `(key, profile)` to add for `container`, when it has no profile and
    /// the policy has a default. `field` is the container's effective `appArmorProfile`.
    pub fn generate(
        &self,
        annotations: Option<&BTreeMap<String, String>>,
        container: &str,
        field: Option<&AppArmorProfile>,
    ) -> Option<(String, String)> {
        let key = container_key(container);
        let current = current_profile(annotations, &key, field);
        (current.is_empty() && !self.default_profile.is_empty())
            .then(|| (key, self.default_profile.clone()))
    }

    /// Validates `container`'s profile: its annotation, else (extension, §10.3) its
    /// effective `appArmorProfile` field.
    pub fn validate(
        &self,
        annotations: Option<&BTreeMap<String, String>>,
        container: &str,
        field: Option<&AppArmorProfile>,
    ) -> Vec<FieldError> {
        let Some(allowed) = &self.allowed else {
            return Vec::new();
        };
        let key = container_key(container);
        let profile = current_profile(annotations, &key, field);
        let profile = profile.as_str();
        let path = FieldPath::fields(&["pod", "metadata", "annotations"]).key(key.clone());
        if profile.is_empty() {
            return vec![FieldError::forbidden(path, "AppArmor profile must be set")];
        }
        if allowed.contains(profile) {
            return Vec::new();
        }
        let detail = format!(
            "{profile} is not an allowed profile. Allowed values: {}",
            go_quote(&self.allowed_raw)
        );
        vec![FieldError::forbidden(path, detail)]
    }
}

fn container_key(container: &str) -> String {
    format!("{CONTAINER_ANNOTATION_PREFIX}{container}")
}

/// The annotation value if non-empty, else the translated field (`""` when neither).
fn current_profile(
    annotations: Option<&BTreeMap<String, String>>,
    key: &str,
    field: Option<&AppArmorProfile>,
) -> String {
    annotations
        .and_then(|a| a.get(key))
        .filter(|p| !p.is_empty())
        .cloned()
        .or_else(|| field.map(profile_from_field))
        .unwrap_or_default()
}

/// Translates an `appArmorProfile` field into the annotation string (`""` when
/// untranslatable).
pub(crate) fn profile_from_field(profile: &AppArmorProfile) -> String {
    match (profile.type_.as_str(), profile.localhost_profile.as_deref()) {
        ("RuntimeDefault", _) => "runtime/default".to_string(),
        ("Unconfined", _) => "unconfined".to_string(),
        ("Localhost", Some(path)) if !path.is_empty() => format!("localhost/{path}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(type_: &str, path: Option<&str>) -> AppArmorProfile {
        AppArmorProfile {
            type_: type_.into(),
            localhost_profile: path.map(str::to_string),
        }
    }

    #[test]
    fn field_extension() {
        let p = "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]";
        let s = strategy(Some("runtime/default"), Some("runtime/default"));
        let runtime = field("RuntimeDefault", None);
        let local = field("Localhost", Some("x"));
        assert!(s.validate(None, "app", Some(&runtime)).is_empty());
        let got: Vec<String> = s
            .validate(None, "app", Some(&local))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            [format!(
                "{p}: Forbidden: localhost/x is not an allowed profile. Allowed values: \"runtime/default\""
            )]
        );
        assert_eq!(s.generate(None, "app", Some(&local)), None);
        assert_eq!(profile_from_field(&field("Unconfined", None)), "unconfined");
        assert_eq!(profile_from_field(&field("Localhost", None)), "");
    }
    use super::super::test_support::policy_with_annotations;

    fn strategy(allowed: Option<&str>, default: Option<&str>) -> AppArmorStrategy {
        AppArmorStrategy::new(&policy_with_annotations(&[
            (ALLOWED_PROFILES_ANNOTATION, allowed),
            (DEFAULT_PROFILE_ANNOTATION, default),
        ]))
    }

    fn pod_annotations(profile: Option<&str>) -> BTreeMap<String, String> {
        profile
            .map(|p| (container_key("app"), p.to_string()))
            .into_iter()
            .collect()
    }

    #[test]
    fn generation() {
        let key = container_key("app");
        let cases = [
            (strategy(None, None), None, None),
            (
                strategy(None, Some("runtime/default")),
                None,
                Some((key.clone(), "runtime/default".to_string())),
            ),
            (
                strategy(None, Some("runtime/default")),
                Some(""),
                Some((key.clone(), "runtime/default".to_string())),
            ),
            (
                strategy(None, Some("runtime/default")),
                Some("localhost/foo"),
                None,
            ),
            (strategy(Some("localhost/foo"), None), None, None),
        ];
        for (i, (s, current, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                s.generate(Some(&pod_annotations(current)), "app", None),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn validation() {
        let p = "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]";
        let cases: Vec<(AppArmorStrategy, Option<&str>, Vec<String>)> = vec![
            (strategy(None, None), None, vec![]),
            (strategy(None, None), Some("localhost/foo"), vec![]),
            (strategy(None, Some("runtime/default")), None, vec![]),
            (
                strategy(Some("runtime/default,localhost/foo"), None),
                Some("localhost/foo"),
                vec![],
            ),
            (
                strategy(Some("runtime/default"), None),
                None,
                vec![format!("{p}: Forbidden: AppArmor profile must be set")],
            ),
            (
                strategy(Some(""), None),
                None,
                vec![format!("{p}: Forbidden: AppArmor profile must be set")],
            ),
            (
                strategy(Some("runtime/default,localhost/foo"), None),
                Some("localhost/bar"),
                vec![format!(
                    "{p}: Forbidden: localhost/bar is not an allowed profile. Allowed values: \"runtime/default,localhost/foo\""
                )],
            ),
            (
                strategy(Some("runtime/default"), None),
                Some("unconfined"),
                vec![format!(
                    "{p}: Forbidden: unconfined is not an allowed profile. Allowed values: \"runtime/default\""
                )],
            ),
        ];
        for (i, (s, profile, expected)) in cases.into_iter().enumerate() {
            let got: Vec<String> = s
                .validate(Some(&pod_annotations(profile)), "app", None)
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected, "case {i}");
        }
    }
}
