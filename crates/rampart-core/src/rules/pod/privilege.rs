//! Privileged containers (Linux and Windows HostProcess) and privilege escalation.

use std::borrow::Cow;

use serde_json::Value;

use super::quoted;
use crate::docker::{ContainerSpec, DaemonConfig};
use crate::field_path::Segment;
use crate::finding::Severity;
use crate::fix::{Fix, Op, Patch, Proposal, Safety, Site, set_flag, set_text};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const PRIVILEGED_CONTAINER: Rule = Rule {
    meta: RuleMeta {
        id: "privileged-container",
        severity: Severity::Critical,
        title: "Container runs privileged",
        why: "A privileged container has every Linux capability and access to all host devices; \
              escaping to the node is trivial.",
        fix: "Remove `securityContext.privileged: true`; grant only the capabilities the process needs. \
              Compose: remove `privileged: true` (`docker run --privileged`).",
        references: &[
            "CIS 5.2.2",
            "NSA/CISA Kubernetes Hardening: non-root containers",
            "PSS baseline: privileged",
            "Docker Bench 5.5",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            if let Some(privileged) = pod.effective(&c).privileged.filter(|p| p.value) {
                out.report_container(
                    &c,
                    privileged.path,
                    format!("{} runs privileged", quoted(&c)),
                );
            }
        }
    })
    .and_container(container_privileged)
    .fixed_by(&PRIVILEGED_FIX),
};

const PRIVILEGED_FIX: Fix = Fix {
    summary: "Safe: sets `privileged: false` (Kubernetes `securityContext`, Compose service).",
    kubernetes: Some(unprivileged),
    compose: Some(unprivileged),
    dockerfile: None,
};

fn unprivileged(site: &Site<'_>) -> Proposal {
    set_flag(site, false, Safety::Safe)
}

pub(super) const WINDOWS_HOST_PROCESS: Rule = Rule {
    meta: RuleMeta {
        id: "windows-host-process",
        severity: Severity::Critical,
        title: "Windows HostProcess pod or container",
        why: "A HostProcess container runs as a process on the Windows node, in the host's \
              network and file system, as a node account: the Windows counterpart of a \
              privileged container. Set at the pod level, every container of the pod is one.",
        fix: "Remove `windowsOptions.hostProcess: true` (pod and container `securityContext`); \
              keep HostProcess pods for node agents in a dedicated, privileged namespace.",
        references: &[
            "PSS baseline: HostProcess",
            "Kubernetes docs: Windows HostProcess pods",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        let host_process = |sc: Option<
            &k8s_openapi::api::core::v1::WindowsSecurityContextOptions,
        >| { sc.and_then(|options| options.host_process) == Some(true) };
        let pod_level = pod.spec.security_context.as_ref();
        if host_process(pod_level.and_then(|sc| sc.windows_options.as_ref())) {
            out.report(
                pod.security_path("windowsOptions").child("hostProcess"),
                "the pod is a Windows HostProcess pod: every container runs on the host",
            );
        }
        for c in pod.containers() {
            let c = &c;
            let options = c.container.security_context.as_ref();
            if host_process(options.and_then(|sc| sc.windows_options.as_ref())) {
                out.report_container(
                    c,
                    c.security_path("windowsOptions").child("hostProcess"),
                    format!("{} is a Windows HostProcess container", quoted(c)),
                );
            }
        }
    })
    .fixed_by(&HOST_PROCESS_FIX),
};

const HOST_PROCESS_FIX: Fix = Fix {
    summary: "Unsafe (a HostProcess container is built to run on the node): sets \
              `windowsOptions.hostProcess: false`.",
    kubernetes: Some(|site| set_flag(site, false, Safety::Unsafe)),
    compose: None,
    dockerfile: None,
};

pub(super) const PRIVILEGE_ESCALATION_ALLOWED: Rule = Rule {
    meta: RuleMeta {
        id: "privilege-escalation-allowed",
        severity: Severity::High,
        title: "Container allows privilege escalation",
        why: "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its \
              parent (setuid binaries, file capabilities).",
        fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container. \
              Compose: `security_opt: [\"no-new-privileges:true\"]`; daemon.json: `\"no-new-privileges\": true`.",
        references: &[
            "CIS 5.2.6",
            "PSS restricted: allowPrivilegeEscalation",
            "Docker Bench 5.26",
            "Docker Bench 2.14",
        ],
    },
    checks: Checks::kubernetes(check_privilege_escalation)
        .and_container(container_no_new_privileges)
        .and_daemon(daemon_no_new_privileges)
        .fixed_by(&NO_ESCALATION_FIX),
};

const NO_ESCALATION_FIX: Fix = Fix {
    summary: "Safe where the field is absent: sets `allowPrivilegeEscalation: false` (unsafe \
              where the container sets `true`; no fix for a privileged container or one adding \
              `SYS_ADMIN`, which the API server only accepts with escalation allowed). Compose: \
              adds `no-new-privileges:true` to `security_opt` (safe; unsafe where it replaces \
              `no-new-privileges:false`).",
    kubernetes: Some(no_escalation),
    compose: Some(no_new_privileges),
    dockerfile: None,
};

fn no_escalation(site: &Site<'_>) -> Proposal {
    let container = site.container().and_then(|path| site.get(&path));
    let context = container.and_then(|c| c.get("securityContext"));
    if context
        .and_then(|sc| sc.get("privileged"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Err(Cow::Borrowed(
            "the container runs privileged, which implies privilege escalation (fix \
             privileged-container first)",
        ));
    }
    let adds = context
        .and_then(|sc| sc.pointer("/capabilities/add"))
        .and_then(Value::as_array);
    let sys_admin = adds.into_iter().flatten().any(|cap| {
        cap.as_str().is_some_and(|c| {
            c.trim()
                .trim_start_matches("CAP_")
                .eq_ignore_ascii_case("SYS_ADMIN")
        })
    });
    if sys_admin {
        return Err(Cow::Borrowed(
            "the container adds SYS_ADMIN, which the API server only accepts with privilege \
             escalation allowed",
        ));
    }
    let safety = match site.value() {
        None | Some(Value::Null) => Safety::Safe,
        Some(_) => Safety::Unsafe,
    };
    set_flag(site, false, safety)
}

/// The `security_opt` entry that forbids privilege escalation.
const NO_NEW_PRIVILEGES: &str = "no-new-privileges:true";

fn no_new_privileges(site: &Site<'_>) -> Proposal {
    if matches!(site.path.segments().last(), Some(Segment::Index(_))) {
        return set_text(site, NO_NEW_PRIVILEGES, Safety::Unsafe);
    }
    match site.value() {
        None | Some(Value::Null | Value::Array(_)) => Ok(Patch::safe(vec![Op::Append {
            path: site.path.clone(),
            value: Value::String(NO_NEW_PRIVILEGES.to_owned()),
        }])),
        Some(_) => Err(Cow::Borrowed("security_opt is not a list")),
    }
}

fn check_privilege_escalation(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        let c = &c;
        let effective = pod.effective(c);
        let message = match effective
            .allow_privilege_escalation
            .as_ref()
            .map(|s| s.value)
        {
            Some(false) => continue,
            Some(true) => format!("{} sets allowPrivilegeEscalation: true", quoted(c)),
            None => format!("{} does not set allowPrivilegeEscalation: false", quoted(c)),
        };
        out.report_container(c, effective.field_path("allowPrivilegeEscalation"), message);
    }
}

fn container_privileged(spec: &ContainerSpec, out: &mut Findings) {
    if let Some(privileged) = spec.privileged.as_ref().filter(|p| p.value) {
        out.report(
            privileged.path.clone(),
            format!("{} runs privileged", spec.describe()),
        );
    }
}

/// `security_opt: [no-new-privileges:true]` (also `=true`, or bare).
fn container_no_new_privileges(spec: &ContainerSpec, out: &mut Findings) {
    let options = spec.security_option("no-new-privileges");
    let Some(last) = options.last() else {
        out.report(
            spec.field("security_opt", &["HostConfig", "SecurityOpt"]),
            format!(
                "{} does not set security_opt no-new-privileges:true (unless the daemon sets \
                 no-new-privileges)",
                spec.describe()
            ),
        );
        return;
    };
    if !(last.value.is_empty() || last.value.eq_ignore_ascii_case("true")) {
        out.report(
            last.path.clone(),
            format!("{} sets no-new-privileges:{}", spec.describe(), last.value),
        );
    }
}

/// Docker Bench 2.14: `"no-new-privileges": true` as the daemon-wide default.
fn daemon_no_new_privileges(config: &DaemonConfig<'_>, out: &mut Findings) {
    if !config.decides("no-new-privileges") {
        return;
    }
    match config.flag("no-new-privileges") {
        Some(true) => {}
        Some(false) => out.report(
            config.path("no-new-privileges"),
            "the daemon sets no-new-privileges: false",
        ),
        None => out.report(
            config.path("no-new-privileges"),
            "the daemon does not set no-new-privileges: true as the default for containers",
        ),
    }
}
