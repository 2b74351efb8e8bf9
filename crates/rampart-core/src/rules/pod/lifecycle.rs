//! Restart policy and placement.

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const RESTART_POLICY_NEVER: Rule = Rule {
    meta: RuleMeta {
        id: "restart-policy-never",
        severity: Severity::Low,
        title: "Long-running Pod never restarts",
        why: "A bare Pod that serves traffic (it declares ports or probes) with `restartPolicy: Never` \
              stays down after a crash or an OOM kill: an easy denial of service.",
        fix: "Run it from a Deployment or StatefulSet, or set `restartPolicy: Always` (or `OnFailure`).",
        references: &["Kubernetes docs: Pod Lifecycle"],
    },
    checks: Checks::kubernetes(check_restart_policy),
};

fn check_restart_policy(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    let bare_pod = ctx.object.id.kind == "Pod" && ctx.object.id.group().is_empty();
    if !bare_pod || pod.spec.restart_policy.as_deref() != Some("Never") {
        return;
    }
    let serves = pod.containers().any(|c| {
        let container = &c.container;
        !container.ports.is_empty()
            || container.readiness_probe.is_some()
            || container.liveness_probe.is_some()
    });
    if serves {
        out.report(
            pod.spec_path("restartPolicy"),
            "pod serves traffic but has restartPolicy: Never, so it stays down after a failure",
        );
    }
}

pub(super) const DEFAULT_NAMESPACE: Rule = Rule {
    meta: RuleMeta {
        id: "default-namespace",
        severity: Severity::Low,
        title: "Workload in the default namespace",
        why: "The `default` namespace rarely has its own RBAC, quotas, NetworkPolicies or Pod Security \
              labels, so workloads there get none of the isolation namespaces provide.",
        fix: "Deploy into a dedicated namespace.",
        references: &["CIS 5.6.4"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        if ctx.pod.is_some() && ctx.object.id.namespace.as_deref() == Some("default") {
            out.report(
                FieldPath::fields(&["metadata", "namespace"]),
                format!("{} runs in the default namespace", ctx.object.id.kind),
            );
        }
    }),
};

pub(super) const POD_WITHOUT_CONTROLLER: Rule = Rule {
    meta: RuleMeta {
        id: "pod-without-controller",
        severity: Severity::Low,
        title: "Running Pod owned by no controller",
        why: "A Pod the API server reports running or pending that no controller owns (no \
              `ownerReferences` entry with `controller: true`) was created by hand: nothing \
              recreates it after an eviction or a node failure, no rollout updates its image, \
              and it often outlives the debugging session it was started for. Judged on pods \
              read from a cluster (`rampart cluster`, or its `--save` file): a manifest's Pod \
              has no status.",
        fix: "Run it from a Deployment, StatefulSet, DaemonSet or Job, or delete it.",
        references: &["kubescape C-0073", "Kubernetes docs: Pods"],
    },
    checks: Checks::kubernetes(check_pod_without_controller),
};

fn check_pod_without_controller(ctx: &CheckContext<'_>, out: &mut Findings) {
    let value = ctx.object.value;
    let is_pod = ctx.object.id.kind == "Pod" && ctx.object.id.group().is_empty();
    let running = matches!(
        value["status"]["phase"].as_str(),
        Some("Running" | "Pending")
    );
    if !is_pod || !running {
        return;
    }
    let owned = value["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|owners| owners.iter().any(|o| o["controller"] == true));
    if !owned {
        out.report(
            FieldPath::fields(&["metadata", "ownerReferences"]),
            "running pod has no controller owner: nothing recreates it if it is evicted or its node fails",
        );
    }
}
