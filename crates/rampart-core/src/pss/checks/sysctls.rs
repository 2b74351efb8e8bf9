//! `sysctls` (baseline; v1.0, v1.27, v1.29, v1.32, v1.37): only namespaced sysctls known
//! to be safe, an allow-list that grows by version.

use super::{AllowList, Forbidden, Outcome};
use crate::pss::pod::{PodView, pod_security_context_field};

pub(crate) const ALLOWED_V1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
pub(crate) const ADDED_V1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
pub(crate) const ADDED_V1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
pub(crate) const ADDED_V1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
pub(crate) const ADDED_V1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// Every sysctl baseline allows at the latest version.
pub(crate) fn allowed_at_latest() -> impl Iterator<Item = &'static str> {
    [
        ALLOWED_V1_0,
        ADDED_V1_27,
        ADDED_V1_29,
        ADDED_V1_32,
        ADDED_V1_37,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// v1.0: the five original safe sysctls.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    check(pod, &[ALLOWED_V1_0])
}

/// v1.27: adds `net.ipv4.ip_local_reserved_ports`.
pub(crate) fn v1_27(pod: &PodView<'_>) -> Outcome {
    check(pod, &[ALLOWED_V1_0, ADDED_V1_27])
}

/// v1.29: adds the TCP keepalive and FIN timeout sysctls.
pub(crate) fn v1_29(pod: &PodView<'_>) -> Outcome {
    check(pod, &[ALLOWED_V1_0, ADDED_V1_27, ADDED_V1_29])
}

/// v1.32: adds `net.ipv4.tcp_rmem` and `net.ipv4.tcp_wmem`.
pub(crate) fn v1_32(pod: &PodView<'_>) -> Outcome {
    check(pod, &[ALLOWED_V1_0, ADDED_V1_27, ADDED_V1_29, ADDED_V1_32])
}

/// v1.37: adds `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`.
pub(crate) fn v1_37(pod: &PodView<'_>) -> Outcome {
    check(
        pod,
        &[
            ALLOWED_V1_0,
            ADDED_V1_27,
            ADDED_V1_29,
            ADDED_V1_32,
            ADDED_V1_37,
        ],
    )
}

fn check(pod: &PodView<'_>, allowed: &[&[&str]]) -> Outcome {
    let allowed = AllowList(allowed);
    let sysctls = pod.security_context().and_then(|sc| sc.sysctls.as_deref());
    let (names, paths): (Vec<&str>, Vec<_>) = sysctls
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, sysctl)| !allowed.allows(&sysctl.name))
        .map(|(index, sysctl)| {
            let path = pod_security_context_field("sysctls")
                .index(index)
                .child("name");
            (sysctl.name.as_str(), path)
        })
        .unzip();
    if names.is_empty() {
        return None;
    }
    Some(Forbidden::new("forbidden sysctls", names.join(", "), paths))
}
