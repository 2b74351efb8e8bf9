//! Sharing the host's network, PID and IPC namespaces.

use crate::docker::{ContainerSpec, Setting};
use crate::finding::Severity;
use crate::fix::{Fix, Safety, remove_in_service, set_flag};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

fn check_host_flag(
    ctx: &CheckContext<'_>,
    out: &mut Findings,
    field: &'static str,
    read: fn(&k8s_openapi::api::core::v1::PodSpec) -> Option<bool>,
    what: &str,
) {
    let Some(pod) = ctx.pod else { return };
    if read(&pod.spec) == Some(true) {
        out.report(
            pod.spec_path(field),
            format!("pod shares the host's {what} ({field}: true)"),
        );
    }
}

pub(super) const HOST_NETWORK: Rule = Rule {
    meta: RuleMeta {
        id: "host-network",
        severity: Severity::High,
        title: "Pod uses the host network",
        why: "With the host's network namespace a pod sees every interface of the node, can bind \
              any port and sniff or spoof node traffic, and bypasses NetworkPolicies.",
        fix: "Remove `hostNetwork: true`; expose the workload through a Service. \
              Compose: remove `network_mode: host` (`--network=host`).",
        references: &[
            "CIS 5.2.5",
            "PSS baseline: hostNamespaces",
            "Docker Bench 5.10",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        check_host_flag(
            ctx,
            out,
            "hostNetwork",
            |s| s.host_network,
            "network namespace",
        )
    })
    .and_container(|spec, out| {
        container_host_mode(
            spec,
            out,
            &spec.network_mode,
            "network_mode",
            "network namespace",
        )
    })
    .fixed_by(&HOST_NETWORK_FIX),
};

const HOST_NETWORK_FIX: Fix = Fix {
    summary: "Unsafe (the workload may serve or reach the node's network directly): sets \
              `hostNetwork: false`. Compose: removes `network_mode: host`.",
    kubernetes: Some(host_namespace_off),
    compose: Some(host_mode_removed),
    dockerfile: None,
};

fn host_namespace_off(site: &crate::fix::Site<'_>) -> crate::fix::Proposal {
    set_flag(site, false, Safety::Unsafe)
}

fn host_mode_removed(site: &crate::fix::Site<'_>) -> crate::fix::Proposal {
    remove_in_service(site, Safety::Unsafe)
}

pub(super) const HOST_PID: Rule = Rule {
    meta: RuleMeta {
        id: "host-pid",
        severity: Severity::High,
        title: "Pod uses the host PID namespace",
        why: "With the host's PID namespace a pod sees and can signal or trace every process of the \
              node, and read their environment.",
        fix: "Remove `hostPID: true`. \
              Compose: remove `pid: host` (`--pid=host`).",
        references: &[
            "CIS 5.2.3",
            "PSS baseline: hostNamespaces",
            "Docker Bench 5.16",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        check_host_flag(ctx, out, "hostPID", |s| s.host_pid, "PID namespace")
    })
    .and_container(|spec, out| {
        container_host_mode(spec, out, &spec.pid_mode, "pid", "PID namespace")
    })
    .fixed_by(&HOST_PID_FIX),
};

const HOST_PID_FIX: Fix = Fix {
    summary: "Unsafe (the workload may watch the node's processes on purpose): sets \
              `hostPID: false`. Compose: removes `pid: host`.",
    kubernetes: Some(host_namespace_off),
    compose: Some(host_mode_removed),
    dockerfile: None,
};

pub(super) const HOST_IPC: Rule = Rule {
    meta: RuleMeta {
        id: "host-ipc",
        severity: Severity::High,
        title: "Pod uses the host IPC namespace",
        why: "With the host's IPC namespace a pod can read and write the shared memory of every \
              process on the node.",
        fix: "Remove `hostIPC: true`. \
              Compose: remove `ipc: host` (`--ipc=host`).",
        references: &[
            "CIS 5.2.4",
            "PSS baseline: hostNamespaces",
            "Docker Bench 5.17",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        check_host_flag(ctx, out, "hostIPC", |s| s.host_ipc, "IPC namespace")
    })
    .and_container(|spec, out| {
        container_host_mode(spec, out, &spec.ipc_mode, "ipc", "IPC namespace")
    })
    .fixed_by(&HOST_IPC_FIX),
};

const HOST_IPC_FIX: Fix = Fix {
    summary: "Unsafe (the workload may share memory with the node's processes): sets \
              `hostIPC: false`. Compose: removes `ipc: host`.",
    kubernetes: Some(host_namespace_off),
    compose: Some(host_mode_removed),
    dockerfile: None,
};

/// `network_mode: host`, `pid: host`... (`HostConfig.NetworkMode`, `PidMode`...).
pub(crate) fn container_host_mode(
    spec: &ContainerSpec,
    out: &mut Findings,
    mode: &Option<Setting<String>>,
    field: &str,
    what: &str,
) {
    if let Some(mode) = mode
        .as_ref()
        .filter(|m| m.value.eq_ignore_ascii_case("host"))
    {
        out.report(
            mode.path.clone(),
            format!(
                "{} shares the host's {what} ({field}: host)",
                spec.describe()
            ),
        );
    }
}
