//! Privileged containers and privilege escalation.

use super::quoted;
use crate::finding::Severity;
use crate::rules::{CheckContext, Findings, Rule, RuleMeta};

pub(super) const PRIVILEGED_CONTAINER: Rule = Rule {
    meta: RuleMeta {
        id: "privileged-container",
        severity: Severity::Critical,
        title: "Container runs privileged",
        why: "A privileged container has every Linux capability and access to all host devices; \
              escaping to the node is trivial.",
        fix: "Remove `securityContext.privileged: true`; grant only the capabilities the process needs.",
        references: &[
            "CIS 5.2.2",
            "NSA/CISA Kubernetes Hardening: non-root containers",
            "PSS baseline: privileged",
        ],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            let privileged = c
                .container
                .security_context
                .as_ref()
                .and_then(|s| s.privileged);
            if privileged == Some(true) {
                out.report_container(
                    c,
                    c.security_path("privileged"),
                    format!("{} runs privileged", quoted(c)),
                );
            }
        }
    },
};

pub(super) const PRIVILEGE_ESCALATION_ALLOWED: Rule = Rule {
    meta: RuleMeta {
        id: "privilege-escalation-allowed",
        severity: Severity::High,
        title: "Container allows privilege escalation",
        why: "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its \
              parent (setuid binaries, file capabilities).",
        fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        references: &["CIS 5.2.5", "PSS restricted: allowPrivilegeEscalation"],
    },
    check: check_privilege_escalation,
};

fn check_privilege_escalation(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        let c = &c;
        let setting = c
            .container
            .security_context
            .as_ref()
            .and_then(|s| s.allow_privilege_escalation);
        let message = match setting {
            Some(false) => continue,
            Some(true) => format!("{} sets allowPrivilegeEscalation: true", quoted(c)),
            None => format!("{} does not set allowPrivilegeEscalation: false", quoted(c)),
        };
        out.report_container(c, c.security_path("allowPrivilegeEscalation"), message);
    }
}
