//! Pod Security Standards as a catalogue rule, for `rampart scan --pss LEVEL[:VERSION]`.

use crate::finding::Severity;
use crate::pss::evaluate_pod;
use crate::rules::{Checks, Rule, RuleMeta};

pub(super) const POD_SECURITY: Rule = Rule {
    meta: RuleMeta {
        id: "pod-security",
        severity: Severity::High,
        title: "Pod violates the Pod Security Standards level given with --pss",
        why: "Pod Security Admission rejects pods that violate the level a namespace enforces; the \
              violation is reported with the API server's own words so it can be fixed before \
              deployment. Only runs when `--pss LEVEL[:VERSION]` is given.",
        fix: "Change the field the message names, or run the workload in a namespace whose \
              `pod-security.kubernetes.io/enforce` level allows it.",
        references: &[
            "Kubernetes Pod Security Standards",
            "Pod Security Admission",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let (Some(pod), Some(policy)) = (ctx.pod, ctx.pss) else {
            return;
        };
        let result = evaluate_pod(pod, policy);
        for violation in result.evaluation.violations() {
            let Some(path) = result.object_paths(violation).next() else {
                continue;
            };
            let detail = if violation.detail.is_empty() {
                violation.reason.clone()
            } else {
                format!("{} ({})", violation.reason, violation.detail)
            };
            out.report(
                path,
                format!(
                    "violates PodSecurity \"{policy}\" [{}]: {detail}",
                    violation.check
                ),
            );
        }
    }),
};
