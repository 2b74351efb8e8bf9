//! The annotation-driven seccomp strategy (§3.16), reading pod fields as well.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::SeccompProfile;

use crate::field_path::FieldPath;
use crate::object::ProfileSetting;
use crate::psp::field_error::FieldError;
use crate::psp::types::PodSecurityPolicy;

/// PSP annotation holding the comma-separated allowed profiles.
pub(crate) const ALLOWED_PROFILES_ANNOTATION: &str =
    "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
/// PSP annotation holding the default profile.
pub(crate) const DEFAULT_PROFILE_ANNOTATION: &str =
    "seccomp.security.alpha.kubernetes.io/defaultProfileName";
/// Pod annotation holding the pod-level profile.
pub(crate) const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the per-container pod annotation.
pub(crate) const CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";

const RUNTIME_DEFAULT: &str = "runtime/default";
const DOCKER_DEFAULT: &str = "docker/default";
const UNCONFINED: &str = "unconfined";
const LOCALHOST_PREFIX: &str = "localhost/";

/// The seccomp profiles a policy allows and defaults to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SeccompStrategy {
    default_profile: String,
    allowed: Option<AllowedProfiles>,
    allowed_raw: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AllowedProfiles {
    any: bool,
    names: BTreeSet<String>,
}

impl AllowedProfiles {
    fn parse(raw: &str) -> Self {
        let mut allowed = Self::default();
        for name in raw.split(',') {
            if name == "*" {
                allowed.any = true;
            } else {
                allowed.names.insert(name.to_string());
            }
        }
        if allowed.names.contains(RUNTIME_DEFAULT) || allowed.names.contains(DOCKER_DEFAULT) {
            allowed.names.insert(RUNTIME_DEFAULT.to_string());
            allowed.names.insert(DOCKER_DEFAULT.to_string());
        }
        allowed
    }

    fn allows(&self, profile: &str) -> bool {
        self.any || self.names.contains(profile)
    }
}

impl SeccompStrategy {
    /// Builds the strategy from the policy annotations.
    pub fn new(policy: &PodSecurityPolicy) -> Self {
        let allowed_raw = policy.annotation(ALLOWED_PROFILES_ANNOTATION);
        Self {
            default_profile: policy
                .annotation(DEFAULT_PROFILE_ANNOTATION)
                .unwrap_or_default()
                .to_string(),
            allowed: allowed_raw.map(AllowedProfiles::parse),
            allowed_raw: allowed_raw.unwrap_or_default().to_string(),
        }
    }

    /// The pod-level profile to write into the pod annotation, if any: the pod's own
    /// annotation, else its translated field, else the policy default.
    pub fn generate(
        &self,
        annotations: Option<&BTreeMap<String, String>>,
        pod_field: Option<&SeccompProfile>,
    ) -> Option<String> {
        let profile = annotation(annotations, POD_ANNOTATION)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .or_else(|| pod_field.map(profile_from_field))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| self.default_profile.clone());
        (!profile.is_empty()).then_some(profile)
    }

    /// Validates the pod-level profile.
    pub fn validate_pod(
        &self,
        annotations: Option<&BTreeMap<String, String>>,
        pod_field: Option<&SeccompProfile>,
    ) -> Vec<FieldError> {
        let profile = annotation(annotations, POD_ANNOTATION)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .or_else(|| pod_field.map(profile_from_field))
            .unwrap_or_default();
        self.validate_profile(annotation_path(POD_ANNOTATION.to_string()), &profile)
    }

    /// Validates one container's profile: the one in force for it (its field, its
    /// annotation, the pod field, the pod annotation: first present wins; see
    /// [`SecurityContexts::seccomp_with_annotations`](crate::object::SecurityContexts::seccomp_with_annotations)).
    pub fn validate_container(
        &self,
        container_name: &str,
        profile: Option<ProfileSetting<'_, SeccompProfile>>,
    ) -> Vec<FieldError> {
        let key = format!("{CONTAINER_ANNOTATION_PREFIX}{container_name}");
        let profile = match profile {
            Some(ProfileSetting::Field(field)) => profile_from_field(field.value),
            Some(ProfileSetting::Annotation { value, .. }) => value.to_string(),
            None => String::new(),
        };
        self.validate_profile(annotation_path(key), &profile)
    }

    fn validate_profile(&self, path: FieldPath, profile: &str) -> Vec<FieldError> {
        let detail = match &self.allowed {
            None if profile.is_empty() => return Vec::new(),
            None => "seccomp may not be set".to_string(),
            Some(allowed) if allowed.allows(profile) => return Vec::new(),
            Some(_) => format!(
                "{profile} is not an allowed seccomp profile. Valid values are {}",
                self.allowed_raw
            ),
        };
        vec![FieldError::forbidden(path, detail)]
    }
}

fn annotation<'a>(annotations: Option<&'a BTreeMap<String, String>>, key: &str) -> Option<&'a str> {
    annotations.and_then(|a| a.get(key)).map(String::as_str)
}

fn annotation_path(key: String) -> FieldPath {
    FieldPath::fields(&["pod", "metadata", "annotations"]).key(key)
}

/// Translates a seccomp field into the annotation string (`""` when untranslatable).
pub(crate) fn profile_from_field(profile: &SeccompProfile) -> String {
    match (profile.type_.as_str(), profile.localhost_profile.as_deref()) {
        ("RuntimeDefault", _) => RUNTIME_DEFAULT.to_string(),
        ("Unconfined", _) => UNCONFINED.to_string(),
        ("Localhost", Some(path)) if !path.is_empty() => format!("{LOCALHOST_PREFIX}{path}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::policy_with_annotations;
    use super::*;
    use crate::object::SecurityContexts;
    use k8s_openapi::api::core::v1::{PodSecurityContext, SecurityContext};

    fn strategy(allowed: Option<&str>, default: Option<&str>) -> SeccompStrategy {
        SeccompStrategy::new(&policy_with_annotations(&[
            (ALLOWED_PROFILES_ANNOTATION, allowed),
            (DEFAULT_PROFILE_ANNOTATION, default),
        ]))
    }

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field(type_: &str, path: Option<&str>) -> SeccompProfile {
        SeccompProfile {
            type_: type_.into(),
            localhost_profile: path.map(str::to_string),
        }
    }

    #[test]
    fn field_translation() {
        assert_eq!(
            profile_from_field(&field("RuntimeDefault", None)),
            "runtime/default"
        );
        assert_eq!(profile_from_field(&field("Unconfined", None)), "unconfined");
        assert_eq!(
            profile_from_field(&field("Localhost", Some("p.json"))),
            "localhost/p.json"
        );
        assert_eq!(profile_from_field(&field("Localhost", None)), "");
    }

    #[test]
    fn generation() {
        let with_default = strategy(None, Some("runtime/default"));
        type Case<'a> = (
            &'a SeccompStrategy,
            BTreeMap<String, String>,
            Option<SeccompProfile>,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                &with_default,
                annotations(&[]),
                None,
                Some("runtime/default"),
            ),
            (
                &with_default,
                annotations(&[(POD_ANNOTATION, "unconfined")]),
                None,
                Some("unconfined"),
            ),
            (
                &with_default,
                annotations(&[(POD_ANNOTATION, "")]),
                None,
                Some("runtime/default"),
            ),
            (
                &with_default,
                annotations(&[]),
                Some(field("Localhost", Some("x"))),
                Some("localhost/x"),
            ),
        ];
        for (s, ann, pod_field, expected) in cases {
            assert_eq!(
                s.generate(Some(&ann), pod_field.as_ref()).as_deref(),
                expected
            );
        }
        assert_eq!(strategy(None, None).generate(None, None), None);
    }

    #[test]
    fn pod_validation() {
        let p = "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]";
        type Case = (
            SeccompStrategy,
            BTreeMap<String, String>,
            Option<SeccompProfile>,
            Vec<String>,
        );
        let cases: Vec<Case> = vec![
            (strategy(None, None), annotations(&[]), None, vec![]),
            (
                strategy(None, None),
                annotations(&[(POD_ANNOTATION, "foo")]),
                None,
                vec![format!("{p}: Forbidden: seccomp may not be set")],
            ),
            (
                strategy(None, None),
                annotations(&[]),
                Some(field("RuntimeDefault", None)),
                vec![format!("{p}: Forbidden: seccomp may not be set")],
            ),
            (
                strategy(Some("*"), None),
                annotations(&[(POD_ANNOTATION, "foo")]),
                None,
                vec![],
            ),
            (
                strategy(Some("foo,bar"), None),
                annotations(&[(POD_ANNOTATION, "bar")]),
                None,
                vec![],
            ),
            (
                strategy(Some("foo"), None),
                annotations(&[(POD_ANNOTATION, "bar")]),
                None,
                vec![format!(
                    "{p}: Forbidden: bar is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
            (
                strategy(Some("foo"), None),
                annotations(&[]),
                None,
                vec![format!(
                    "{p}: Forbidden:  is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
            (
                strategy(Some("docker/default"), None),
                annotations(&[(POD_ANNOTATION, "runtime/default")]),
                None,
                vec![],
            ),
            (
                strategy(Some("runtime/default"), None),
                annotations(&[(POD_ANNOTATION, "docker/default")]),
                None,
                vec![],
            ),
            (
                strategy(Some("localhost/*"), None),
                annotations(&[(POD_ANNOTATION, "localhost/foo")]),
                None,
                vec![format!(
                    "{p}: Forbidden: localhost/foo is not an allowed seccomp profile. Valid values are localhost/*"
                )],
            ),
            (strategy(Some(""), None), annotations(&[]), None, vec![]),
            (
                strategy(Some("runtime/default"), None),
                annotations(&[]),
                Some(field("RuntimeDefault", None)),
                vec![],
            ),
        ];
        for (i, (s, ann, pod_field, expected)) in cases.into_iter().enumerate() {
            let got: Vec<String> = s
                .validate_pod(Some(&ann), pod_field.as_ref())
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected, "case {i}");
        }
    }

    #[test]
    fn container_validation() {
        let p = "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]";
        let key = format!("{CONTAINER_ANNOTATION_PREFIX}app");
        let s = strategy(Some("foo"), None);
        type Case = (
            BTreeMap<String, String>,
            Option<SeccompProfile>,
            Option<SeccompProfile>,
            Vec<String>,
        );
        let cases: Vec<Case> = vec![
            (annotations(&[(&key, "foo")]), None, None, vec![]),
            (
                annotations(&[(&key, "bar")]),
                None,
                None,
                vec![format!(
                    "{p}: Forbidden: bar is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
            (annotations(&[(POD_ANNOTATION, "foo")]), None, None, vec![]),
            (
                annotations(&[(POD_ANNOTATION, "foo"), (&key, "")]),
                None,
                None,
                vec![format!(
                    "{p}: Forbidden:  is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
            (
                annotations(&[(&key, "foo")]),
                Some(field("Unconfined", None)),
                None,
                vec![format!(
                    "{p}: Forbidden: unconfined is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
            (
                annotations(&[(POD_ANNOTATION, "foo")]),
                None,
                Some(field("Unconfined", None)),
                vec![format!(
                    "{p}: Forbidden: unconfined is not an allowed seccomp profile. Valid values are foo"
                )],
            ),
        ];
        for (i, (ann, container_field, pod_field, expected)) in cases.into_iter().enumerate() {
            let pod_sc = pod_field.map(|profile| PodSecurityContext {
                seccomp_profile: Some(profile),
                ..PodSecurityContext::default()
            });
            let sc = container_field.map(|profile| SecurityContext {
                seccomp_profile: Some(profile),
                ..SecurityContext::default()
            });
            let contexts = SecurityContexts::new(pod_sc.as_ref(), sc.as_ref());
            let got: Vec<String> = s
                .validate_container("app", contexts.seccomp_with_annotations(Some(&ann), "app"))
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected, "case {i}");
        }
    }
}
