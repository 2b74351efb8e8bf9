//! `seLinuxOptions` (baseline, v1.0 and v1.31): only container SELinux types, and no
//! custom user or role.

use k8s_openapi::api::core::v1::SELinuxOptions;

use super::{AllowList, Forbidden, Outcome};
use crate::field_path::FieldPath;
use crate::pss::message::{Setters, SortedSet, pluralize, quote_list};
use crate::pss::pod::{PodView, pod_security_context_field};

/// SELinux types allowed at v1.0 (`""` means unset).
pub(crate) const TYPES_V1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];

/// SELinux types added in v1.31.
pub(crate) const TYPES_ADDED_V1_31: &[&str] = &["container_engine_t"];

/// v1.0: type among the four container types, user and role empty.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    check(pod, &[TYPES_V1_0])
}

/// v1.31: as v1.0, and `container_engine_t` is allowed too.
pub(crate) fn v1_31(pod: &PodView<'_>) -> Outcome {
    check(pod, &[TYPES_V1_0, TYPES_ADDED_V1_31])
}

/// What was found wrong across the pod's and the containers' options.
struct Findings<'t> {
    allowed_types: AllowList<'t>,
    bad_types: SortedSet,
    user_set: bool,
    role_set: bool,
    paths: Vec<FieldPath>,
}

impl Findings<'_> {
    /// Records the problems of one `seLinuxOptions` object found at `at`; true if any.
    fn inspect(&mut self, options: &SELinuxOptions, at: &FieldPath) -> bool {
        let mut bad = false;
        let selinux_type = options.type_.as_deref().unwrap_or_default();
        if !self.allowed_types.allows(selinux_type) {
            self.bad_types.insert(selinux_type.to_owned());
            self.paths.push(at.child("type"));
            bad = true;
        }
        if !options.user.as_deref().unwrap_or_default().is_empty() {
            self.user_set = true;
            self.paths.push(at.child("user"));
            bad = true;
        }
        if !options.role.as_deref().unwrap_or_default().is_empty() {
            self.role_set = true;
            self.paths.push(at.child("role"));
            bad = true;
        }
        bad
    }

    fn problems(&self) -> String {
        let mut parts = Vec::new();
        if !self.bad_types.is_empty() {
            parts.push(format!(
                "{} {}",
                pluralize(self.bad_types.len(), "type", "types"),
                quote_list(&self.bad_types)
            ));
        }
        if self.user_set {
            parts.push("user may not be set".to_owned());
        }
        if self.role_set {
            parts.push("role may not be set".to_owned());
        }
        parts.join("; ")
    }
}

fn check(pod: &PodView<'_>, allowed_types: &[&[&str]]) -> Outcome {
    let mut findings = Findings {
        allowed_types: AllowList(allowed_types),
        bad_types: SortedSet::new(),
        user_set: false,
        role_set: false,
        paths: Vec::new(),
    };
    let pod_is_bad = pod
        .security_context()
        .and_then(|sc| sc.se_linux_options.as_ref())
        .is_some_and(|options| {
            findings.inspect(options, &pod_security_context_field("seLinuxOptions"))
        });
    let mut bad_containers = Vec::new();
    for container in pod.containers() {
        let Some(options) = container
            .security_context
            .and_then(|sc| sc.se_linux_options.as_ref())
        else {
            continue;
        };
        if findings.inspect(options, &container.security_path("seLinuxOptions")) {
            bad_containers.push(container.name);
        }
    }
    let setters = Setters::pod(pod_is_bad).containers(&bad_containers);
    if setters.is_empty() {
        return None;
    }
    let detail = format!(
        "{} set forbidden securityContext.seLinuxOptions: {}",
        setters.joined(),
        findings.problems()
    );
    Some(Forbidden::new("seLinuxOptions", detail, findings.paths))
}
