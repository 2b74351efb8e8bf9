//! Seccomp, AppArmor and SELinux profiles.

use k8s_openapi::api::core::v1::SELinuxOptions;

use super::quoted;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::{CheckContext, Findings, Rule, RuleMeta};

pub(super) const SECCOMP_UNCONFINED: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-unconfined",
        severity: Severity::High,
        title: "Container runs without a seccomp filter",
        why: "`Unconfined` turns the system-call filter off: every kernel system call, including the \
              rarely used ones behind most container escapes, is open to the process.",
        fix: "Use `seccompProfile: {type: RuntimeDefault}` (or a Localhost profile).",
        references: &[
            "CIS 5.7.2",
            "PSS baseline: seccompProfile",
            "NSA/CISA Kubernetes Hardening",
        ],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            if let Some(profile) = pod
                .effective(c)
                .seccomp_profile
                .filter(|p| p.value == "Unconfined")
            {
                out.report_container(
                    c,
                    profile.path,
                    format!("{} runs with seccomp profile Unconfined", quoted(c)),
                );
            }
        }
    },
};

pub(super) const SECCOMP_PROFILE_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-profile-missing",
        severity: Severity::Medium,
        title: "Container has no seccomp profile",
        why: "Without a profile the kubelet runs containers Unconfined unless its SeccompDefault \
              setting is on, so the system-call filter depends on node configuration.",
        fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
        references: &["CIS 5.7.2", "PSS restricted: seccompProfile"],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            if pod.effective(c).seccomp_profile.is_none() {
                let path = c.security_path("seccompProfile");
                out.report_container(c, path, format!("{} has no seccomp profile", quoted(c)));
            }
        }
    },
};

pub(super) const APPARMOR_UNCONFINED: Rule = Rule {
    meta: RuleMeta {
        id: "apparmor-unconfined",
        severity: Severity::High,
        title: "Container runs without AppArmor confinement",
        why: "An `Unconfined` AppArmor profile removes the mandatory access control that blocks \
              writes to /proc, mounts and other escape paths.",
        fix: "Use `appArmorProfile: {type: RuntimeDefault}` or a Localhost profile.",
        references: &["CIS 5.7.x", "PSS baseline: appArmorProfile"],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            if let Some(profile) = pod
                .effective(c)
                .app_armor_profile
                .filter(|p| p.value == "Unconfined")
            {
                out.report_container(
                    c,
                    profile.path,
                    format!("{} runs with AppArmor profile Unconfined", quoted(c)),
                );
            }
        }
    },
};

pub(super) const SELINUX_CUSTOM_OPTIONS: Rule = Rule {
    meta: RuleMeta {
        id: "selinux-custom-options",
        severity: Severity::Medium,
        title: "Custom SELinux user, role or type",
        why: "Setting the SELinux user or role, or a type other than the container types, can give \
              the container a domain with access to the host (e.g. `spc_t`, unconfined).",
        fix: "Leave `seLinuxOptions.user` and `role` unset and use a container type \
              (`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t`).",
        references: &["PSS baseline: seLinuxOptions"],
    },
    check: check_selinux,
};

const ALLOWED_SELINUX_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn selinux_problems(options: &SELinuxOptions, base: &FieldPath) -> Vec<(FieldPath, String)> {
    let mut problems = Vec::new();
    if let Some(user) = options.user.as_deref().filter(|u| !u.is_empty()) {
        problems.push((base.child("user"), format!("SELinux user {user:?}")));
    }
    if let Some(role) = options.role.as_deref().filter(|r| !r.is_empty()) {
        problems.push((base.child("role"), format!("SELinux role {role:?}")));
    }
    if let Some(type_) = options
        .type_
        .as_deref()
        .filter(|t| !ALLOWED_SELINUX_TYPES.contains(t))
    {
        problems.push((base.child("type"), format!("SELinux type {type_:?}")));
    }
    problems
}

fn check_selinux(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    let pod_options = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|s| s.se_linux_options.as_ref());
    if let Some(options) = pod_options {
        for (path, what) in selinux_problems(options, &pod.security_path("seLinuxOptions")) {
            out.report(path, format!("pod sets {what}"));
        }
    }
    for c in pod.containers() {
        let c = &c;
        let options = c
            .container
            .security_context
            .as_ref()
            .and_then(|s| s.se_linux_options.as_ref());
        if let Some(options) = options {
            for (path, what) in selinux_problems(options, &c.security_path("seLinuxOptions")) {
                out.report_container(c, path, format!("{} sets {what}", quoted(c)));
            }
        }
    }
}
