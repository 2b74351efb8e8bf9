//! Kernel settings: sysctls and /proc masking.

use super::quoted;
use crate::docker::ContainerSpec;
use crate::finding::Severity;
use crate::fix::{Fix, Safety, remove_in_service, set_text};
use crate::rules::{Checks, Findings, Rule, RuleMeta};

pub(super) const UNSAFE_SYSCTLS: Rule = Rule {
    meta: RuleMeta {
        id: "unsafe-sysctls",
        severity: Severity::High,
        title: "Pod sets a sysctl outside the safe set",
        why: "Sysctls outside the namespaced safe set change kernel behaviour for the whole node \
              and for every other pod on it.",
        fix: "Remove the sysctl, or set it on the node for a dedicated node pool. \
              Compose: remove it from `sysctls` (`--sysctl`).",
        references: &[
            "PSS baseline: sysctls",
            "Kubernetes docs: Using sysctls in a Kubernetes Cluster",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        let sysctls = pod
            .spec
            .security_context
            .as_ref()
            .and_then(|s| s.sysctls.as_ref());
        for (i, sysctl) in sysctls.into_iter().flatten().enumerate() {
            if !SAFE_SYSCTLS.contains(&sysctl.name.as_str()) {
                let path = pod.security_path("sysctls").index(i).child("name");
                out.report(path, format!("pod sets unsafe sysctl {}", sysctl.name));
            }
        }
    })
    .and_container(container_sysctls),
};

/// The sysctls Pod Security Standards allow at the latest version.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// The only `procMount` Pod Security baseline accepts.
const DEFAULT_PROC_MOUNT: &str = "Default";

pub(super) const UNMASKED_PROC_MOUNT: Rule = Rule {
    meta: RuleMeta {
        id: "unmasked-proc-mount",
        severity: Severity::High,
        title: "Container does not keep the default /proc masking",
        why: "Any `procMount` but `Default` (`Unmasked` is the one the API knows) removes the \
              masking of sensitive /proc paths (kcore, sysrq-trigger, timer_list...) that the \
              runtime applies by default. As Pod Security baseline (latest), a pod in its own \
              user namespace (`hostUsers: false`) is exempt: there /proc belongs to the \
              pod's namespace.",
        fix: "Remove `procMount` or set it to `Default` (or run the pod with `hostUsers: \
              false`). Compose and `docker run`: remove `security_opt: \
              [systempaths=unconfined]`.",
        references: &["PSS baseline: procMount", "kube-linter unsafe-proc-mount"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        if pod.spec.host_users == Some(false) {
            return;
        }
        for c in pod.containers() {
            let c = &c;
            let proc_mount = c
                .container
                .security_context
                .as_ref()
                .and_then(|s| s.proc_mount.as_deref());
            if let Some(proc_mount) = proc_mount.filter(|p| *p != DEFAULT_PROC_MOUNT) {
                out.report_container(
                    c,
                    c.security_path("procMount"),
                    format!("{} sets procMount: {proc_mount}", quoted(c)),
                );
            }
        }
    })
    .and_container(crate::rules::docker::runtime::container_unmasked_paths)
    .fixed_by(&MASKED_PROC_FIX),
};

const MASKED_PROC_FIX: Fix = Fix {
    summary: "Unsafe (nested container builds need an unmasked /proc): sets `procMount: \
              Default`. Compose: removes `systempaths=unconfined` from `security_opt`.",
    kubernetes: Some(|site| set_text(site, DEFAULT_PROC_MOUNT, Safety::Unsafe)),
    compose: Some(|site| remove_in_service(site, Safety::Unsafe)),
    dockerfile: None,
};

fn container_sysctls(spec: &ContainerSpec, out: &mut Findings) {
    for sysctl in &spec.sysctls {
        let name = sysctl.value.split('=').next().unwrap_or(&sysctl.value);
        if !SAFE_SYSCTLS.contains(&name) {
            out.report(
                sysctl.path.clone(),
                format!("{} sets unsafe sysctl {name}", spec.describe()),
            );
        }
    }
}
