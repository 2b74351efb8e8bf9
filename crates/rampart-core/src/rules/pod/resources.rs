//! CPU and memory requests and limits.

use super::quoted;
use crate::docker::{ContainerSpec, Setting};
use crate::finding::Severity;
use crate::object::{ContainerKind, ContainerView};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

fn has(c: &ContainerView<'_>, which: &str, resource: &str) -> bool {
    let Some(resources) = c.container.resources else {
        return false;
    };
    let map = if which == "limits" {
        &resources.limits
    } else {
        &resources.requests
    };
    map.as_ref().is_some_and(|m| m.contains_key(resource))
}

/// Containers that can carry resources (ephemeral containers cannot).
fn sized<'a>(ctx: &CheckContext<'a>) -> impl Iterator<Item = ContainerView<'a>> {
    ctx.pod
        .into_iter()
        .flat_map(|p| p.containers())
        .filter(|c| c.kind() != ContainerKind::Ephemeral)
}

fn check_limit(ctx: &CheckContext<'_>, out: &mut Findings, resource: &'static str) {
    for c in sized(ctx) {
        let c = &c;
        if !has(c, "limits", resource) {
            let path = c.path.child("resources").child("limits").child(resource);
            out.report_container(c, path, format!("{} has no {resource} limit", quoted(c)));
        }
    }
}

pub(super) const MEMORY_LIMIT_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "memory-limit-missing",
        severity: Severity::Medium,
        title: "Container has no memory limit",
        why: "Without a memory limit one container can exhaust the node's memory and get its \
              neighbours (or the kubelet) killed: a denial of service.",
        fix: "Set `resources.limits.memory`. \
              Compose: `mem_limit` or `deploy.resources.limits.memory` (`--memory`).",
        references: &[
            "NSA/CISA Kubernetes Hardening: resource policies",
            "Docker Bench 5.11",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| check_limit(ctx, out, "memory")).and_container(
        |spec, out| {
            container_limit(
                spec,
                out,
                &spec.memory_limit,
                "memory",
                "mem_limit",
                "Memory",
            )
        },
    ),
};

pub(super) const CPU_LIMIT_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "cpu-limit-missing",
        severity: Severity::Low,
        title: "Container has no CPU limit",
        why: "Without a CPU limit a runaway or hijacked container (a crypto miner) can starve the \
              other pods of the node.",
        fix: "Set `resources.limits.cpu` (or at least a CPU request and a LimitRange). \
              Compose: `cpus` or `deploy.resources.limits.cpus` (`--cpus`).",
        references: &[
            "NSA/CISA Kubernetes Hardening: resource policies",
            "Docker Bench 5.12",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| check_limit(ctx, out, "cpu")).and_container(
        |spec, out| container_limit(spec, out, &spec.cpu_limit, "CPU", "cpus", "NanoCpus"),
    ),
};

pub(super) const RESOURCE_REQUESTS_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "resource-requests-missing",
        severity: Severity::Low,
        title: "Container has no CPU or memory request",
        why: "Without requests the scheduler cannot place the pod sensibly and the pod is the first \
              to be evicted under pressure.",
        fix: "Set `resources.requests.cpu` and `resources.requests.memory`.",
        references: &["Kubernetes docs: Resource Management for Pods and Containers"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        for c in sized(ctx) {
            let c = &c;
            for resource in ["cpu", "memory"] {
                if !has(c, "requests", resource) && !has(c, "limits", resource) {
                    let path = c
                        .path
                        .child("resources")
                        .child("requests")
                        .child_owned(resource);
                    out.report_container(
                        c,
                        path,
                        format!("{} has no {resource} request", quoted(c)),
                    );
                }
            }
        }
    }),
};

/// A missing (or zero) limit on a container: `mem_limit` / `cpus` (or their
/// `deploy.resources.limits` forms) in Compose, `HostConfig.Memory` / `NanoCpus` in
/// `docker inspect`.
fn container_limit(
    spec: &ContainerSpec,
    out: &mut Findings,
    limit: &Option<Setting<String>>,
    resource: &str,
    compose: &'static str,
    inspect: &'static str,
) {
    if limit.is_none() {
        out.report(
            spec.field(compose, &["HostConfig", inspect]),
            format!("{} has no {resource} limit", spec.describe()),
        );
    }
}
