//! `rampart fix --pss LEVEL`: what blocks a Pod Security level, from the Pod Security
//! engine's violations, each repaired by the fix of the catalogue rule that covers the
//! same field, or reported as having no automatic fix.

use std::sync::Arc;

use super::patch::value_at;
use super::plan::{Located, rule_rank};
use super::{FixOptions, Reason, Target, Unfixed};
use crate::field_path::{FieldPath, Segment};
use crate::object::{PodView, objects};
use crate::pss::evaluate_pod;
use crate::scan::FileScan;
use crate::source::Document;

/// The catalogue rule that reports Pod Security violations (`scan --pss`).
pub(super) const POD_SECURITY: &str = "pod-security";

fn last_field(path: &FieldPath) -> Option<&str> {
    path.segments()
        .iter()
        .rev()
        .find_map(|segment| match segment {
            Segment::Field(name) => Some(name.as_ref()),
            _ => None,
        })
}

fn is_annotation(path: &FieldPath) -> bool {
    path.segments()
        .iter()
        .any(|s| matches!(s, Segment::Field(f) if f == "annotations"))
}

/// The catalogue rule whose fix repairs the Pod Security `check` violated at `path`
/// (`present`: whether the field is set), if one does.
pub fn pss_rule(check: &str, path: &FieldPath, present: bool) -> Option<&'static str> {
    let field = last_field(path);
    match check {
        "privileged" => Some("privileged-container"),
        "windowsHostProcess" => Some("windows-host-process"),
        "allowPrivilegeEscalation" => Some("privilege-escalation-allowed"),
        "capabilities_restricted" if field == Some("drop") => Some("capabilities-not-dropped"),
        "hostNamespaces" => match field {
            Some("hostNetwork") => Some("host-network"),
            Some("hostPID") => Some("host-pid"),
            Some("hostIPC") => Some("host-ipc"),
            _ => None,
        },
        "seccompProfile_baseline" | "seccompProfile_restricted" => {
            Some(if present || is_annotation(path) {
                "seccomp-unconfined"
            } else {
                "seccomp-profile-missing"
            })
        }
        "appArmorProfile" => Some("apparmor-unconfined"),
        "runAsNonRoot" => Some("run-as-root"),
        "procMount" => Some("unmasked-proc-mount"),
        _ => None,
    }
}

/// Why a Pod Security check has no automatic fix.
fn why_not(check: &str) -> &'static str {
    match check {
        "hostPorts" => "a host port is part of how the workload is reached",
        "hostPathVolumes" | "restrictedVolumes" => {
            "the volume's data has to move to a volume type the level allows"
        }
        "sysctls" => "the workload asked for that kernel setting; set it on the node instead",
        "seLinuxOptions" => "the SELinux labels are the workload's choice",
        "runAsUser" => "the pod runs as UID 0 by its own runAsUser: choose a non-root UID",
        "capabilities_baseline" | "capabilities_restricted" => {
            "the added capabilities are what the workload asked for"
        }
        "hostProbesAndhostLifecycle" => "the probe's host is part of how the workload is checked",
        _ => "the catalogue has no fix for this check",
    }
}

/// The violations of the level in `document`'s pods (those the scan did not find
/// suppressed), as fix targets, and those no fix covers.
pub(super) fn targets(
    document: &Document,
    scan: &FileScan,
    options: &FixOptions,
) -> (Vec<Target>, Vec<Unfixed>) {
    let (mut targets, mut unfixed) = (Vec::new(), Vec::new());
    let Some(policy) = options.pss.as_ref() else {
        return (targets, unfixed);
    };
    let Ok(found) = objects(&document.value) else {
        return (targets, unfixed);
    };
    let located = Located::of(document);
    for object in found {
        if !scan.findings.iter().any(|f| *f.object == object.id) {
            continue;
        }
        let Some(location) = options.scan.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(pod)) = PodView::read(object.value, location) else {
            continue;
        };
        let result = evaluate_pod(&pod, policy);
        let id = Arc::new(object.id.clone());
        for violation in result.evaluation.violations() {
            let detail = if violation.detail.is_empty() {
                violation.reason.clone()
            } else {
                format!("{} ({})", violation.reason, violation.detail)
            };
            let message = format!(
                "violates PodSecurity \"{policy}\" [{}]: {detail}",
                violation.check
            );
            for path in result.object_paths(violation) {
                let present = value_at(object.value, &path).is_some();
                let rule = pss_rule(violation.check, &path, present);
                let mut target =
                    located.target(rule.unwrap_or(POD_SECURITY), &id, &path, message.clone());
                target.check = Some(violation.check);
                match rule {
                    Some(_) => targets.push(target),
                    None => unfixed.push(Unfixed {
                        target,
                        reason: Reason::NoFix(why_not(violation.check).to_owned()),
                    }),
                }
            }
        }
    }
    targets.sort_by_key(|t| rule_rank(t.rule));
    (targets, unfixed)
}
