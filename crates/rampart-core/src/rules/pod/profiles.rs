//! Seccomp, AppArmor and SELinux profiles.

use std::borrow::Cow;

use k8s_openapi::api::core::v1::SELinuxOptions;
use serde_json::json;

use super::quoted;
use crate::docker::{ContainerSpec, DaemonConfig};
use crate::field_path::{FieldPath, Segment};
use crate::finding::Severity;
use crate::fix::{Fix, Op, Patch, Proposal, Safety, Site, remove_in_service, set_text};
use crate::object::{EffectiveSecurity, Profile, Sourced};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const SECCOMP_UNCONFINED: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-unconfined",
        severity: Severity::High,
        title: "Container runs without a seccomp filter",
        why: "`Unconfined` turns the system-call filter off: every kernel system call, including the \
              rarely used ones behind most container escapes, is open to the process.",
        fix: "Use `seccompProfile: {type: RuntimeDefault}` (or a Localhost profile). \
              Docker: remove `seccomp=unconfined` from `security_opt`; daemon.json: never set `seccomp-profile` to `unconfined`.",
        references: &[
            "CIS 5.6.2",
            "PSS baseline: seccompProfile",
            "NSA/CISA Kubernetes Hardening",
            "Docker Bench 5.22",
            "Docker Bench 2.17",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        report_unconfined(ctx, out, "seccomp", |e| e.seccomp_profile)
    })
    .and_container(container_seccomp)
    .and_daemon(daemon_seccomp)
    .fixed_by(&SECCOMP_DEFAULT_FIX),
};

const SECCOMP_DEFAULT_FIX: Fix = Fix {
    summary: "Unsafe (the profile was turned off on purpose): sets the profile's `type` to \
              `RuntimeDefault` (a deprecated annotation to `runtime/default`). Compose: removes \
              `seccomp=unconfined` from `security_opt`.",
    kubernetes: Some(runtime_default_instead),
    compose: Some(|site| remove_in_service(site, Safety::Unsafe)),
    dockerfile: None,
};

/// The runtime's default profile instead of an `Unconfined` one (seccomp or AppArmor),
/// in the field or the deprecated annotation that set it.
fn runtime_default_instead(site: &Site<'_>) -> Proposal {
    if matches!(site.path.segments().last(), Some(Segment::Key(_))) {
        return set_text(site, "runtime/default", Safety::Unsafe);
    }
    let path = match site.field() {
        Some("type") => site.path.clone(),
        _ => site.path.child("type"),
    };
    Ok(Patch::risky(vec![Op::Set {
        path,
        value: json!("RuntimeDefault"),
    }]))
}

pub(super) const SECCOMP_PROFILE_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-profile-missing",
        severity: Severity::Medium,
        title: "Container has no seccomp profile",
        why: "Without a profile the kubelet runs containers Unconfined unless its SeccompDefault \
              setting is on, so the system-call filter depends on node configuration.",
        fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
        references: &["CIS 5.6.2", "PSS restricted: seccompProfile"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            if pod.effective(c).seccomp_profile.is_none() {
                let path = c.security_path("seccompProfile");
                out.report_container(c, path, format!("{} has no seccomp profile", quoted(c)));
            }
        }
    })
    .fixed_by(&SECCOMP_PROFILE_FIX),
};

const SECCOMP_PROFILE_FIX: Fix = Fix {
    summary: "Safe: sets `seccompProfile: {type: RuntimeDefault}` in the pod's \
              `securityContext` (one edit covers every container), or in the container's when \
              the pod already sets a profile.",
    kubernetes: Some(|site| {
        if site.windows_pod() {
            return Err(Cow::Borrowed("Windows pods have no seccomp profiles"));
        }
        let profile = json!({"type": "RuntimeDefault"});
        // The pod's profile covers every container: set it there, unless the pod has a
        // profile of its own (then the container gets one). A pod profile an earlier
        // fix set is set again (one edit for all).
        let at_pod = site
            .pod_spec
            .map(|spec| spec.child("securityContext").child("seccompProfile"))
            .filter(|path| site.get(path).is_none_or(|set| *set == profile));
        let path = match at_pod {
            Some(path) => path,
            None => match site.container() {
                Some(container) => container.child("securityContext").child("seccompProfile"),
                None => return Err(Cow::Borrowed("the finding is not about a container")),
            },
        };
        Ok(Patch::safe(vec![Op::Set {
            path,
            value: profile,
        }]))
    }),
    compose: None,
    dockerfile: None,
};

pub(super) const APPARMOR_UNCONFINED: Rule = Rule {
    meta: RuleMeta {
        id: "apparmor-unconfined",
        severity: Severity::High,
        title: "Container runs without AppArmor confinement",
        why: "An `Unconfined` AppArmor profile removes the mandatory access control that blocks \
              writes to /proc, mounts and other escape paths.",
        fix: "Use `appArmorProfile: {type: RuntimeDefault}` or a Localhost profile. \
              Docker: remove `apparmor=unconfined` from `security_opt` (the default is `docker-default`).",
        references: &["PSS baseline: appArmorProfile", "Docker Bench 5.2"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        report_unconfined(ctx, out, "AppArmor", |e| e.app_armor_profile)
    })
    .and_container(container_apparmor)
    .fixed_by(&APPARMOR_DEFAULT_FIX),
};

const APPARMOR_DEFAULT_FIX: Fix = Fix {
    summary: "Unsafe (the profile was turned off on purpose): sets the profile's `type` to \
              `RuntimeDefault` (the deprecated annotation to `runtime/default`). Compose: removes \
              `apparmor=unconfined` from `security_opt`.",
    kubernetes: Some(runtime_default_instead),
    compose: Some(|site| remove_in_service(site, Safety::Unsafe)),
    dockerfile: None,
};

pub(super) const SELINUX_CUSTOM_OPTIONS: Rule = Rule {
    meta: RuleMeta {
        id: "selinux-custom-options",
        severity: Severity::Medium,
        title: "Custom SELinux user, role or type",
        why: "Setting the SELinux user or role, or a type other than the container types, can give \
              the container a domain with access to the host (e.g. `spc_t`, unconfined).",
        fix: "Leave `seLinuxOptions.user` and `role` unset and use a container type \
              (`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t`). \
              Docker: remove `label=disable` and custom `label=type:` / `user:` / `role:` options from `security_opt`.",
        references: &["PSS baseline: seLinuxOptions", "Docker Bench 5.3"],
    },
    checks: Checks::kubernetes(check_selinux).and_container(container_selinux),
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

fn container_seccomp(spec: &ContainerSpec, out: &mut Findings) {
    for option in spec.security_option("seccomp") {
        if option.value.eq_ignore_ascii_case("unconfined") {
            out.report(
                option.path,
                format!("{} runs with seccomp=unconfined", spec.describe()),
            );
        }
    }
}

/// Docker Bench 2.17: the daemon's default profile must not be `unconfined`.
fn daemon_seccomp(config: &DaemonConfig<'_>, out: &mut Findings) {
    if config.decides("seccomp-profile")
        && config
            .text("seccomp-profile")
            .is_some_and(|p| p.eq_ignore_ascii_case("unconfined"))
    {
        out.report(
            config.path("seccomp-profile"),
            "the daemon runs containers without seccomp by default (seccomp-profile: unconfined)",
        );
    }
}

fn container_apparmor(spec: &ContainerSpec, out: &mut Findings) {
    let mut options = spec.security_option("apparmor");
    options.extend(
        spec.apparmor_profile
            .iter()
            .map(|p| crate::docker::Setting::new(p.value.as_str(), p.path.clone())),
    );
    for option in options {
        if option.value.eq_ignore_ascii_case("unconfined") {
            out.report(
                option.path,
                format!("{} runs with AppArmor profile unconfined", spec.describe()),
            );
        }
    }
}

/// `label=disable` turns SELinux separation off; `label=type:spc_t` (or another
/// non-container type), `label=user:`, `label=role:` are the Docker forms of custom
/// SELinux options.
fn container_selinux(spec: &ContainerSpec, out: &mut Findings) {
    for option in spec.security_option("label") {
        let (key, value) = option.value.split_once(':').unwrap_or((option.value, ""));
        let problem = match key {
            "disable" => "disables SELinux separation (label=disable)".to_owned(),
            "user" | "role" => format!("sets SELinux {key} {value}"),
            "type" if !ALLOWED_SELINUX_TYPES.contains(&value) => {
                format!("sets SELinux type {value}")
            }
            _ => continue,
        };
        out.report(option.path, format!("{} {problem}", spec.describe()));
    }
}

/// Reports every container whose effective `profile` (seccomp or AppArmor) is
/// `Unconfined`, at the field that sets it.
fn report_unconfined(
    ctx: &CheckContext<'_>,
    out: &mut Findings,
    what: &str,
    profile: fn(EffectiveSecurity) -> Option<Sourced<Profile>>,
) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        if let Some(setting) = profile(pod.effective(&c)).filter(|p| p.value.kind == "Unconfined") {
            let message = format!("{} runs with {what} profile Unconfined", quoted(&c));
            out.report_container(&c, setting.path, message);
        }
    }
}
