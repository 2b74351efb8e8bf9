//! `appArmorProfile` (baseline, v1.0): no unconfined or unknown AppArmor profile, whether
//! set by field (pod or container) or by the beta annotation.

use k8s_openapi::api::core::v1::AppArmorProfile;

use super::{Forbidden, Outcome};
use crate::pss::message::{Setters, SortedSet, go_quote, pluralize, quote_list};
use crate::pss::pod::{PodView, annotation_path, pod_security_context_field};

/// Prefix of the per-container AppArmor annotations; any key with it is inspected.
const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(profile: &AppArmorProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

fn allowed_annotation_value(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// v1.0 (with the 1.30 field checks): profile types must be `RuntimeDefault` or
/// `Localhost`; annotation values empty, `runtime/default` or `localhost/*`.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let mut bad_types = SortedSet::new();
    let mut paths = Vec::new();

    let pod_profile = pod
        .security_context()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    let pod_is_bad = pod_profile.is_some_and(|profile| !allowed_type(profile));
    if let Some(profile) = pod_profile.filter(|_| pod_is_bad) {
        bad_types.insert(profile.type_.clone());
        paths.push(pod_security_context_field("appArmorProfile").child("type"));
    }

    let mut bad_containers = Vec::new();
    for container in pod.containers() {
        let profile = container
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref());
        if let Some(profile) = profile.filter(|p| !allowed_type(p)) {
            bad_types.insert(profile.type_.clone());
            bad_containers.push(container.name);
            paths.push(container.security_path("appArmorProfile").child("type"));
        }
    }

    let mut bad_annotations = SortedSet::new();
    for (key, value) in pod.annotations() {
        if key.starts_with(ANNOTATION_PREFIX) && !allowed_annotation_value(value) {
            bad_annotations.insert(format!("{key}={}", go_quote(value)));
            paths.push(annotation_path(key));
        }
    }

    let mut setters = Setters::pod(pod_is_bad).containers(&bad_containers);
    if !bad_annotations.is_empty() {
        setters = setters.phrase(pluralize(
            bad_annotations.len(),
            "annotation",
            "annotations",
        ));
    }
    if setters.is_empty() {
        return None;
    }
    let values: Vec<String> = bad_types.into_iter().chain(bad_annotations).collect();
    let reason = pluralize(
        values.len(),
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
    );
    let detail = format!(
        "{} must not set AppArmor profile type to {}",
        setters.joined(),
        quote_list(&values)
    );
    Some(Forbidden::new(reason, detail, paths))
}
