//! Which user a container runs as.

use super::quoted;
use crate::finding::Severity;
use crate::rules::{CheckContext, Findings, Rule, RuleMeta};

pub(super) const RUN_AS_ROOT: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-root",
        severity: Severity::High,
        title: "Container may run as root",
        why: "A process running as UID 0 is root on the node once it escapes the container, and owns \
              every file the container can reach.",
        fix: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod or container \
              securityContext, and build the image with a numeric non-root USER.",
        references: &[
            "CIS 5.2.6",
            "NSA/CISA Kubernetes Hardening: non-root containers",
            "PSS restricted: runAsNonRoot",
        ],
    },
    check: check_run_as_root,
};

fn is_windows(ctx: &CheckContext<'_>) -> bool {
    ctx.pod
        .and_then(|p| p.spec.os.as_ref())
        .is_some_and(|os| os.name == "windows")
}

fn check_run_as_root(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    if is_windows(ctx) {
        return;
    }
    for c in pod.containers() {
        let c = &c;
        let effective = pod.effective(c);
        match (&effective.run_as_user, &effective.run_as_non_root) {
            (Some(user), _) if user.value == 0 => {
                out.report_container(c, user.path.clone(), format!("{} runs as root (runAsUser: 0)", quoted(c)));
            }
            (Some(_), _) => {}
            (None, Some(non_root)) if non_root.value => {}
            (None, Some(non_root)) => out.report_container(
                c,
                non_root.path.clone(),
                format!("{} may run as root (runAsNonRoot: false and no runAsUser)", quoted(c)),
            ),
            (None, None) => out.report_container(
                c,
                c.security_path("runAsNonRoot"),
                format!("{} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set", quoted(c)),
            ),
        }
    }
}
