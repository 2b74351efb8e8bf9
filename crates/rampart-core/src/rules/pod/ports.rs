//! Ports: host ports and SSH servers.

use super::quoted;
use crate::finding::Severity;
use crate::fix::{Fix, Safety, remove_in_container};
use crate::object::ContainerView;
use parse_dockerfile::Instruction;

use crate::docker::{ContainerSpec, DockerfileView, ImageSpec};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const HOST_PORT: Rule = Rule {
    meta: RuleMeta {
        id: "host-port",
        severity: Severity::Medium,
        title: "Container binds a host port",
        why: "A hostPort opens the port on the node's own address, outside Services and often outside \
              NetworkPolicies, and ties the pod to nodes where the port is free.",
        fix: "Remove `hostPort`; expose the port through a Service.",
        references: &[
            "CIS 5.2.12",
            "PSS baseline: hostPorts",
            "NSA/CISA Kubernetes Hardening: network separation",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
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
    })
    .fixed_by(&NO_HOST_PORT_FIX),
};

const NO_HOST_PORT_FIX: Fix = Fix {
    summary: "Unsafe (clients may reach the workload on the node's port): removes `hostPort`.",
    kubernetes: Some(|site| remove_in_container(site, Safety::Unsafe)),
    compose: None,
    dockerfile: None,
};

pub(super) const SSH_EXPOSED: Rule = Rule {
    meta: RuleMeta {
        id: "ssh-exposed",
        severity: Severity::High,
        title: "Container runs or exposes an SSH server",
        why: "An SSH server in a container is a second, unmanaged way in: keys and passwords to \
              manage, and a shell that bypasses `kubectl exec` auditing.",
        fix: "Remove the SSH server and port 22; use `kubectl exec` or ephemeral debug containers. \
              Docker: do not publish or `EXPOSE` port 22, do not install openssh-server or dropbear; use `docker exec`.",
        references: &[
            "NIST SP 800-190 4.4.4",
            "Docker Bench 5.7",
            "checkov CKV_DOCKER_1",
            "Trivy AVD-DS-0004",
            "kubescape C-0042",
        ],
    },
    checks: Checks::kubernetes(check_ssh)
        .and_container(container_ssh)
        .and_dockerfile(dockerfile_ssh)
        .and_image(image_ssh),
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

/// Whether a port (`22`, `22/tcp`, `2222-2230`) is or includes 22.
fn is_ssh_port(port: &str) -> bool {
    let port = port.split('/').next().unwrap_or(port).trim();
    match port.split_once('-') {
        Some((low, high)) => match (low.parse::<u32>(), high.parse::<u32>()) {
            (Ok(low), Ok(high)) => (low..=high).contains(&22),
            _ => false,
        },
        None => port == "22",
    }
}

fn mentions_sshd(words: &str) -> bool {
    words
        .split(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == ',')
        .any(|word| word == "sshd")
}

fn container_ssh(spec: &ContainerSpec, out: &mut Findings) {
    let image = spec.image.as_ref().filter(|i| {
        let name = image_name(&i.value);
        SSH_IMAGE_MARKERS.iter().any(|m| name.contains(m))
    });
    let command = spec.command.iter().find(|word| mentions_sshd(&word.value));
    if let Some(path) = image.map(|i| &i.path).or(command.map(|c| &c.path)) {
        out.report(
            path.clone(),
            format!("{} runs an SSH server", spec.describe()),
        );
        return;
    }
    // Docker Bench 5.7 looks at the processes of running containers.
    if let Some(process) = spec.processes.iter().find(|p| mentions_sshd(&p.value)) {
        out.report(
            process.path.clone(),
            format!(
                "{} is running an SSH server ({})",
                spec.describe(),
                process.value
            ),
        );
        return;
    }
    for port in &spec.ports {
        if is_ssh_port(&port.container_port) {
            out.report(
                port.path.clone(),
                format!(
                    "{} publishes SSH port {}",
                    spec.describe(),
                    port.container_port
                ),
            );
        }
    }
    for port in spec.exposed.iter().filter(|p| is_ssh_port(&p.value)) {
        out.report(
            port.path.clone(),
            format!("{} exposes SSH port {}", spec.describe(), port.value),
        );
    }
}

/// Packages that install an SSH server.
const SSH_PACKAGES: &[&str] = &["openssh-server", "dropbear", "openssh"];

/// Whether a shell script installs an SSH server package.
fn installs_ssh(script: &str) -> bool {
    script
        .split_whitespace()
        .any(|w| SSH_PACKAGES.contains(&w.split('=').next().unwrap_or(w)))
}

/// An image that exposes port 22, starts sshd, or was built installing an SSH server.
fn image_ssh(image: &ImageSpec, out: &mut Findings) {
    for port in image.exposed.iter().filter(|p| is_ssh_port(&p.value)) {
        out.report(
            port.path.clone(),
            format!("{} exposes SSH port {}", image.describe(), port.value),
        );
    }
    if let Some(word) = image.command.iter().find(|w| mentions_sshd(&w.value)) {
        out.report(
            word.path.clone(),
            format!("{} starts an SSH server", image.describe()),
        );
    }
    for step in image.steps("RUN").filter(|s| installs_ssh(&s.text)) {
        out.report(
            step.path.clone(),
            format!("{} was built installing an SSH server", image.describe()),
        );
    }
}

/// What the image that runs has: the final stage and the stages it builds on (an SSH
/// server installed in a build stage only is not in the image).
fn dockerfile_ssh(view: &DockerfileView<'_, '_>, out: &mut Findings) {
    for (i, instruction) in view.final_image_instructions() {
        let problem = match instruction {
            Instruction::Expose(expose) => expose
                .arguments
                .iter()
                .any(|port| is_ssh_port(&port.value))
                .then_some("exposes SSH port 22"),
            Instruction::Run(_) => DockerfileView::command_text(instruction)
                .filter(|text| installs_ssh(text))
                .map(|_| "installs an SSH server"),
            Instruction::Cmd(_) | Instruction::Entrypoint(_) => {
                DockerfileView::command_text(instruction)
                    .filter(|text| mentions_sshd(text))
                    .map(|_| "starts an SSH server")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            out.report(DockerfileView::path(i), format!("the image {problem}"));
        }
    }
}
