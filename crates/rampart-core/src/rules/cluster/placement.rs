//! Pods that place themselves on control-plane nodes or pick their node directly
//! (spec §8 item 20: "restrict which nodes pods may use").

use crate::finding::Severity;
use crate::object::PodView;
use crate::rules::{Checks, Findings, Rule, RuleMeta};

/// Taint keys and node labels that mark control-plane nodes.
const CONTROL_PLANE_KEYS: &[&str] = &[
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
];

pub(super) const CONTROL_PLANE_SCHEDULING: Rule = Rule {
    meta: RuleMeta {
        id: "control-plane-scheduling",
        severity: Severity::Medium,
        title: "Pod can be scheduled on control-plane nodes",
        why: "Control-plane nodes hold etcd data, the cluster CA and admin credentials. A pod \
              that tolerates their taint (or every taint, with `operator: Exists` and no key) \
              or selects them by label lands next to those secrets, where any container \
              escape is a cluster takeover.",
        fix: "Drop the control-plane toleration, the catch-all toleration and control-plane \
              node selectors or affinities; restrict tolerations with the \
              PodTolerationRestriction admission plugin.",
        references: &["NSA/CISA Kubernetes Hardening: control plane isolation"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        if let Some(pod) = ctx.pod {
            check_tolerations(pod, out);
            check_node_selection(pod, out);
        }
    }),
};

fn check_tolerations(pod: &PodView, out: &mut Findings) {
    let tolerations = pod.spec.tolerations.as_deref().unwrap_or_default();
    for (i, toleration) in tolerations.iter().enumerate() {
        let key = toleration.key.as_deref().unwrap_or_default();
        let exists = toleration.operator.as_deref() == Some("Exists");
        let effect = toleration.effect.as_deref().unwrap_or_default();
        let message = if key.is_empty() && exists {
            "tolerates every taint (operator Exists without a key), control-plane taints included"
                .to_owned()
        } else if CONTROL_PLANE_KEYS.contains(&key) && matches!(effect, "" | "NoSchedule") {
            format!("tolerates the control-plane taint {key}")
        } else {
            continue;
        };
        out.report(pod.spec_path("tolerations").index(i), message);
    }
}

fn check_node_selection(pod: &PodView, out: &mut Findings) {
    for key in pod.spec.node_selector.iter().flat_map(|s| s.keys()) {
        if CONTROL_PLANE_KEYS.contains(&key.as_str()) {
            out.report(
                pod.spec_path("nodeSelector").key(key.clone()),
                format!("selects control-plane nodes with nodeSelector {key}"),
            );
        }
    }
    let Some(affinity) = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
    else {
        return;
    };
    let base = pod.spec_path("affinity").child("nodeAffinity");
    let required = affinity
        .required_during_scheduling_ignored_during_execution
        .as_ref()
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let required_base = base
        .child("requiredDuringSchedulingIgnoredDuringExecution")
        .child("nodeSelectorTerms");
    let preferred = affinity
        .preferred_during_scheduling_ignored_during_execution
        .as_deref()
        .unwrap_or_default();
    let preferred_base = base.child("preferredDuringSchedulingIgnoredDuringExecution");
    let terms = required
        .iter()
        .enumerate()
        .map(|(i, term)| (required_base.index(i), term))
        .chain(
            preferred
                .iter()
                .enumerate()
                .map(|(i, p)| (preferred_base.index(i).child("preference"), &p.preference)),
        );
    for (path, term) in terms {
        let expressions = term.match_expressions.as_deref().unwrap_or_default();
        for (j, expression) in expressions.iter().enumerate() {
            let selects = matches!(expression.operator.as_str(), "In" | "Exists");
            if selects && CONTROL_PLANE_KEYS.contains(&expression.key.as_str()) {
                out.report(
                    path.child("matchExpressions").index(j),
                    format!(
                        "node affinity selects control-plane nodes ({})",
                        expression.key
                    ),
                );
            }
        }
    }
}

pub(super) const NODE_NAME_PINNED: Rule = Rule {
    meta: RuleMeta {
        id: "node-name-pinned",
        severity: Severity::Low,
        title: "Pod picks its node with nodeName",
        why: "`nodeName` bypasses the scheduler: NoSchedule taints, node affinity rules and \
              scheduling policies do not apply, so a pod can be pinned to a control-plane or \
              otherwise reserved node. (Pods read back from a cluster, with a `status`, are \
              not reported: the scheduler wrote their nodeName.)",
        fix: "Remove `nodeName`; use node affinity with labels the NodeRestriction plugin \
              protects (`node-restriction.kubernetes.io/`).",
        references: &["Kubernetes docs: Assigning Pods to Nodes"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        if let Some(node) = pod.spec.node_name.as_deref().filter(|_| !pod.running) {
            out.report(
                pod.spec_path("nodeName"),
                format!("pinned to node {node:?}, bypassing the scheduler and taints"),
            );
        }
    }),
};
