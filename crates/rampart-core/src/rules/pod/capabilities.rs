//! Linux capabilities.

use std::borrow::Cow;

use serde_json::Value;

use super::quoted;
use crate::docker::ContainerSpec;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::fix::{Fix, Op, Patch, Proposal, Safety, Site, remove_in_container, remove_in_service};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const CAPABILITIES_NOT_DROPPED: Rule = Rule {
    meta: RuleMeta {
        id: "capabilities-not-dropped",
        severity: Severity::Medium,
        title: "Container does not drop all capabilities",
        why: "The runtime's default capability set (NET_RAW, CHOWN, SETUID...) is more than most \
              processes need; NET_RAW alone allows spoofing on the pod network.",
        fix: "Set `securityContext.capabilities.drop: [ALL]` and add back only what is needed. \
              Compose: `cap_drop: [ALL]` (`--cap-drop=ALL`).",
        references: &[
            "CIS 5.2.9",
            "PSS restricted: capabilities",
            "Docker Bench 5.4",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        // Windows has no Linux capabilities (Pod Security restricted lets Windows pods pass).
        if pod.spec.os.as_ref().is_some_and(|os| os.name == "windows") {
            return;
        }
        for c in pod.containers() {
            let c = &c;
            let caps = c
                .container
                .security_context
                .as_ref()
                .and_then(|s| s.capabilities.as_ref());
            let drop = caps
                .and_then(|caps| caps.drop.as_deref())
                .unwrap_or_default();
            // Pod Security (restricted) compares `ALL` exactly, as the kubelet passes the
            // list on: `all` or `CAP_ALL` is not dropping everything to it.
            if drop.iter().any(|cap| cap == ALL) {
                continue;
            }
            let path = c.security_path("capabilities").child("drop");
            let message = match drop.iter().find(|cap| normalise(cap) == ALL) {
                Some(spelling) => format!(
                    "{} drops {spelling:?}, which Kubernetes does not read as \"ALL\" (Pod \
                     Security compares it exactly)",
                    quoted(c)
                ),
                None => format!("{} does not drop ALL capabilities", quoted(c)),
            };
            out.report_container(c, path, message);
        }
    })
    .and_container(container_not_dropped)
    .fixed_by(&DROP_ALL_FIX),
};

const DROP_ALL_FIX: Fix = Fix {
    summary: "Adds `ALL` to `capabilities.drop` (Compose: `cap_drop`), creating the list (and \
              `capabilities`, `securityContext`) where absent, or spells a lower-case `all` as \
              `ALL`: safe when the container adds no capability back, unsafe when it does.",
    kubernetes: Some(|site| {
        if site.windows_pod() {
            return Err(Cow::Borrowed("Windows pods have no Linux capabilities"));
        }
        let Some(caps) = site.path.parent().filter(|_| site.field() == Some("drop")) else {
            return Err(Cow::Borrowed("the finding is not about capabilities.drop"));
        };
        drop_all(site, &caps.child("add"))
    }),
    compose: Some(|site| {
        let Some(service) = site.service() else {
            return Err(Cow::Borrowed("the finding is not about a service"));
        };
        drop_all(site, &service.child("cap_add"))
    }),
    dockerfile: None,
};

/// `ALL` in the drop list at the finding's path: safe unless `add` (at `add`) adds
/// capabilities back.
fn drop_all(site: &Site<'_>, add: &FieldPath) -> Proposal {
    let adds = site
        .get(add)
        .and_then(Value::as_array)
        .is_some_and(|items| !items.is_empty());
    let safety = if adds { Safety::Unsafe } else { Safety::Safe };
    let all = Value::String(ALL.to_owned());
    let op = match site.value() {
        Some(Value::Array(items)) => match items
            .iter()
            .position(|cap| cap.as_str().is_some_and(|c| normalise(c) == ALL))
        {
            Some(i) => Op::Set {
                path: site.path.index(i),
                value: all,
            },
            None => Op::Append {
                path: site.path.clone(),
                value: all,
            },
        },
        None | Some(Value::Null) => Op::Append {
            path: site.path.clone(),
            value: all,
        },
        Some(_) => return Err(Cow::Borrowed("the drop list is not a list")),
    };
    Ok(Patch {
        safety,
        ops: vec![op],
    })
}

pub(super) const DANGEROUS_CAPABILITIES: Rule = Rule {
    meta: RuleMeta {
        id: "dangerous-capabilities",
        severity: Severity::High,
        title: "Container adds a dangerous capability",
        why: "Capabilities such as SYS_ADMIN, SYS_MODULE (kernel module loading), SYS_PTRACE, \
              NET_ADMIN or NET_RAW give a container powers over the node or its network that make \
              escape or lateral movement easy.",
        fix: "Remove the capability from `capabilities.add`; find the narrower capability or the \
              non-privileged design the workload needs. \
              Compose: remove it from `cap_add` (`--cap-add`).",
        references: &[
            "CIS 5.2.8",
            "PSS baseline: capabilities",
            "NSA/CISA Kubernetes Hardening",
            "Docker Bench 5.4",
        ],
    },
    checks: Checks::kubernetes(check_dangerous)
        .and_container(container_dangerous)
        .fixed_by(&REMOVE_CAPABILITY_FIX),
};

const REMOVE_CAPABILITY_FIX: Fix = Fix {
    summary: "Unsafe (the workload asked for the capability): removes it from \
              `capabilities.add` (Compose: `cap_add`), and the list when it empties.",
    kubernetes: Some(|site| remove_dangerous(site, remove_in_container)),
    compose: Some(|site| remove_dangerous(site, remove_in_service)),
    dockerfile: None,
};

fn remove_dangerous(site: &Site<'_>, remove: fn(&Site<'_>, Safety) -> Proposal) -> Proposal {
    let dangerous = site
        .value()
        .and_then(Value::as_str)
        .is_some_and(|cap| danger(cap).is_some());
    if !dangerous {
        return Err(Cow::Borrowed(
            "another capability of the same list was removed first: run fix again",
        ));
    }
    remove(site, Safety::Unsafe)
}

/// Every capability, in `drop` (and `add`).
const ALL: &str = "ALL";

/// Capabilities that amount to control of the node.
const CRITICAL: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "BPF",
    "SYS_BOOT",
];

/// Capabilities that weaken isolation seriously.
const HIGH: &[&str] = &[
    "NET_ADMIN",
    "NET_RAW",
    "SYS_TIME",
    "SYS_CHROOT",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "PERFMON",
    "DAC_OVERRIDE",
    "SETFCAP",
    "SYS_RESOURCE",
    "SYSLOG",
    "LINUX_IMMUTABLE",
    "IPC_LOCK",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_CONTROL",
    "SYS_NICE",
    "CHECKPOINT_RESTORE",
];

/// Upper case without the optional `CAP_` prefix, as runtimes accept both spellings.
fn normalise(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

/// How dangerous adding `cap` is, `None` for the harmless ones.
fn danger(cap: &str) -> Option<Severity> {
    let name = normalise(cap);
    if CRITICAL.contains(&name.as_str()) {
        Some(Severity::Critical)
    } else if HIGH.contains(&name.as_str()) {
        Some(Severity::High)
    } else {
        None
    }
}

fn container_dangerous(spec: &ContainerSpec, out: &mut Findings) {
    for cap in &spec.cap_add {
        if let Some(severity) = danger(&cap.value) {
            out.report_as(
                severity,
                cap.path.clone(),
                format!("{} adds capability {}", spec.describe(), cap.value),
            );
        }
    }
}

fn container_not_dropped(spec: &ContainerSpec, out: &mut Findings) {
    if !spec.cap_drop.iter().any(|cap| normalise(&cap.value) == ALL) {
        out.report(
            spec.field("cap_drop", &["HostConfig", "CapDrop"]),
            format!(
                "{} does not drop ALL capabilities (cap_drop: [ALL])",
                spec.describe()
            ),
        );
    }
}

fn check_dangerous(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        let c = &c;
        let caps = c
            .container
            .security_context
            .as_ref()
            .and_then(|s| s.capabilities.as_ref());
        for (i, cap) in caps
            .and_then(|caps| caps.add.as_ref())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(severity) = danger(cap) else {
                continue;
            };
            let path = c.security_path("capabilities").child("add").index(i);
            out.report_container_as(
                severity,
                c,
                path,
                format!("{} adds capability {cap}", quoted(c)),
            );
        }
    }
}
