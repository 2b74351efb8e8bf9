//! Security fields written where Kubernetes ignores them.
//!
//! The API server drops unknown fields silently (or with a mere warning), so a setting
//! in the wrong place protects nothing while the manifest looks hardened.

use serde_json::Value;

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::object::typed::value_at;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const IGNORED_FIELD: Rule = Rule {
    meta: RuleMeta {
        id: "ignored-field",
        severity: Severity::High,
        title: "Security setting in a place where Kubernetes ignores it",
        why: "A field written at the wrong level (e.g. `allowPrivilegeEscalation` in the pod's \
              securityContext, `runAsNonRoot` directly under a container) is dropped by the API \
              server: the manifest looks hardened but the setting never applies.",
        fix: "Move the field to where it belongs (the message says where).",
        references: &["Kubernetes API reference: PodSecurityContext, SecurityContext"],
    },
    checks: Checks::kubernetes(check_ignored),
};

/// Fields that exist only in a container's securityContext.
const CONTAINER_SECURITY_ONLY: &[&str] = &[
    "privileged",
    "allowPrivilegeEscalation",
    "capabilities",
    "readOnlyRootFilesystem",
    "procMount",
];

/// Fields that exist only in the pod's securityContext.
const POD_SECURITY_ONLY: &[&str] = &[
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "seLinuxChangePolicy",
];

/// securityContext fields people write one level too high.
const SECURITY_FIELDS: &[&str] = &[
    "privileged",
    "allowPrivilegeEscalation",
    "capabilities",
    "readOnlyRootFilesystem",
    "procMount",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "seccompProfile",
    "appArmorProfile",
    "seLinuxOptions",
];

/// Pod-spec fields people write inside a container.
const POD_SPEC_ONLY: &[&str] = &[
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "serviceAccountName",
    "automountServiceAccountToken",
    "runtimeClassName",
    "nodeSelector",
    "tolerations",
    "shareProcessNamespace",
];

fn keys(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys().map(String::as_str))
}

fn check_ignored(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    let object = ctx.object.value;
    let spec_path = &pod.location.spec;
    let spec = value_at(object, spec_path);
    let mut report = |path: FieldPath, field: &str, hint: &str| {
        out.report(path, format!("{field} is ignored here: {hint}"));
    };
    for key in keys(spec) {
        if SECURITY_FIELDS.contains(&key) {
            report(
                spec_path.child_owned(key),
                key,
                "it belongs in a securityContext",
            );
        }
    }
    let pod_sc_path = spec_path.child("securityContext");
    for key in keys(value_at(object, &pod_sc_path)) {
        if CONTAINER_SECURITY_ONLY.contains(&key) {
            report(
                pod_sc_path.child_owned(key),
                key,
                "it only exists in each container's securityContext",
            );
        }
    }
    for c in pod.containers() {
        let c = &c;
        let container = value_at(object, &c.path);
        for key in keys(container) {
            if SECURITY_FIELDS.contains(&key) {
                report(
                    c.path.child_owned(key),
                    key,
                    "it belongs in the container's securityContext",
                );
            } else if POD_SPEC_ONLY.contains(&key) {
                report(c.path.child_owned(key), key, "it belongs in the pod spec");
            }
        }
        let sc_path = c.path.child("securityContext");
        for key in keys(value_at(object, &sc_path)) {
            if POD_SECURITY_ONLY.contains(&key) {
                report(
                    sc_path.child_owned(key),
                    key,
                    "it only exists in the pod's securityContext",
                );
            }
        }
    }
}
