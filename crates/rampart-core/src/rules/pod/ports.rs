//! Ports: host ports and SSH servers.

use super::quoted;
use crate::finding::Severity;
use crate::object::ContainerView;
use crate::rules::{CheckContext, Findings, Rule, RuleMeta};

pub(super) const HOST_PORT: Rule = Rule {
    meta: RuleMeta {
        id: "host-port",
        severity: Severity::Medium,
        title: "Container binds a host port",
        why: "A hostPort opens the port on the node's own address, outside Services and often outside \
              NetworkPolicies, and ties the pod to nodes where the port is free.",
        fix: "Remove `hostPort`; expose the port through a Service.",
        references: &[
            "PSS baseline: hostPorts",
            "NSA/CISA Kubernetes Hardening: network separation",
        ],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            for (i, port) in c.container.ports.iter().enumerate() {
                if let Some(host_port) = port.host_port.filter(|p| *p != 0) {
                    let path = c.path.child("ports").index(i).child("hostPort");
                    out.report_container(
                        c,
                        path,
                        format!("{} binds host port {host_port}", quoted(c)),
                    );
                }
            }
        }
    },
};

pub(super) const SSH_EXPOSED: Rule = Rule {
    meta: RuleMeta {
        id: "ssh-exposed",
        severity: Severity::High,
        title: "Container runs or exposes an SSH server",
        why: "An SSH server in a container is a second, unmanaged way in: keys and passwords to \
              manage, and a shell that bypasses `kubectl exec` auditing.",
        fix: "Remove the SSH server and port 22; use `kubectl exec` or ephemeral debug containers.",
        references: &["NIST SP 800-190 4.4.4", "Docker Bench 5.7"],
    },
    check: check_ssh,
};

const SSH_IMAGE_MARKERS: &[&str] = &["sshd", "openssh-server", "openssh"];

fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

fn runs_sshd(c: &ContainerView<'_>) -> Option<crate::field_path::FieldPath> {
    let image = c.container.image.unwrap_or_default();
    let name = image_name(image);
    if SSH_IMAGE_MARKERS.iter().any(|m| name.contains(m)) {
        return Some(c.path.child("image"));
    }
    let mentions_sshd = |args: &[String]| {
        args.iter()
            .position(|a| a.split(['/', ' ']).any(|word| word == "sshd"))
    };
    for (field, list) in [("command", c.container.command), ("args", c.container.args)] {
        if let Some(i) = mentions_sshd(list) {
            return Some(c.path.child(field).index(i));
        }
    }
    None
}

fn check_ssh(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        let c = &c;
        if let Some(path) = runs_sshd(c) {
            out.report_container(c, path, format!("{} runs an SSH server", quoted(c)));
            continue;
        }
        for (i, port) in c.container.ports.iter().enumerate() {
            let named_ssh = port.name.as_deref() == Some("ssh");
            if port.container_port == 22 || port.host_port == Some(22) || named_ssh {
                let path = c.path.child("ports").index(i).child("containerPort");
                out.report_container(
                    c,
                    path,
                    format!("{} exposes SSH on port {}", quoted(c), port.container_port),
                );
            }
        }
    }
}
