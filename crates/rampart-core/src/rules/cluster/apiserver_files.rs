//! The API server's other configuration files (spec §4.3, §4.4): AdmissionConfiguration
//! (and PodSecurityConfiguration), AuthenticationConfiguration, AuthorizationConfiguration.

use serde_json::Value;

use crate::cluster::ConfigFile;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::cis::report_cis;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// Runs `check` when the object is a `file` configuration.
fn on_file(
    ctx: &CheckContext<'_>,
    out: &mut Findings,
    file: ConfigFile,
    check: fn(&Value, &mut Findings),
) {
    if ConfigFile::of(&ctx.object.id) == Some(file) {
        check(ctx.object.value, out);
    }
}

pub(super) const ADMISSION_POD_SECURITY_DEFAULT: Rule = Rule {
    meta: RuleMeta {
        id: "admission-pod-security-default",
        severity: Severity::Medium,
        title: "Pod Security admission enforces nothing by default",
        why: "The PodSecurity plugin's `defaults.enforce` applies to every namespace without \
              its own label. Absent or `privileged`, a new namespace admits privileged pods, \
              host namespaces and hostPath mounts.",
        fix: "Set `defaults.enforce: baseline` (or `restricted`) in the PodSecurity plugin's \
              configuration, and label the few namespaces that need more.",
        references: &["CIS 5.2.1", "Pod Security Admission configuration"],
    },
    checks: Checks::kubernetes(check_pod_security_defaults),
};

fn check_pod_security_defaults(ctx: &CheckContext<'_>, out: &mut Findings) {
    let value = ctx.object.value;
    if crate::kinds::POD_SECURITY_CONFIGURATION.is(&ctx.object.id) {
        judge_enforce_default(value, FieldPath::root(), out);
        return;
    }
    if ConfigFile::of(&ctx.object.id) != Some(ConfigFile::Admission) {
        return;
    }
    let Some(plugins) = value["plugins"].as_array() else {
        return;
    };
    for (i, plugin) in plugins.iter().enumerate() {
        if plugin["name"] == "PodSecurity" && plugin["configuration"].is_object() {
            let base = FieldPath::fields(&["plugins"])
                .index(i)
                .child("configuration");
            judge_enforce_default(&plugin["configuration"], base, out);
        }
    }
}

fn judge_enforce_default(config: &Value, base: FieldPath, out: &mut Findings) {
    let path = base.child("defaults").child("enforce");
    match config["defaults"]["enforce"].as_str() {
        None => report_cis(
            out,
            path,
            "defaults.enforce is not set, so it is privileged",
        ),
        Some("privileged") => report_cis(out, path, "defaults.enforce is privileged"),
        Some(_) => {}
    }
}

pub(super) const ADMISSION_IMAGE_POLICY_FAIL_OPEN: Rule = Rule {
    meta: RuleMeta {
        id: "admission-image-policy-fail-open",
        severity: Severity::Medium,
        title: "ImagePolicyWebhook admits images when its backend is down",
        why: "With `defaultAllow: true` the ImagePolicyWebhook plugin admits every image while \
              its backend is unreachable, so an attacker who can disrupt the backend bypasses \
              image provenance checks.",
        fix: "Set `imagePolicy.defaultAllow: false` in the plugin's configuration.",
        references: &["CIS 5.5.1", "kubescape C-0289"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        on_file(ctx, out, ConfigFile::Admission, check_image_policy)
    }),
};

fn check_image_policy(config: &Value, out: &mut Findings) {
    let Some(plugins) = config["plugins"].as_array() else {
        return;
    };
    for (i, plugin) in plugins.iter().enumerate() {
        if plugin["name"] == "ImagePolicyWebhook"
            && plugin["configuration"]["imagePolicy"]["defaultAllow"] == true
        {
            let path = FieldPath::fields(&["plugins"])
                .index(i)
                .child("configuration")
                .child("imagePolicy")
                .child("defaultAllow");
            report_cis(
                out,
                path,
                "ImagePolicyWebhook fails open (defaultAllow: true)",
            );
        }
    }
}

/// Request paths that are fine to serve anonymously (health checks).
const HEALTH_PATHS: &[&str] = &["/healthz", "/livez", "/readyz"];

pub(super) const AUTHENTICATION_CONFIG_ANONYMOUS: Rule = Rule {
    meta: RuleMeta {
        id: "authentication-config-anonymous",
        severity: Severity::High,
        title: "AuthenticationConfiguration enables anonymous requests",
        why: "With `anonymous.enabled: true` and no conditions, every request without \
              credentials is served as `system:anonymous`. Conditions limiting anonymous access \
              to `/healthz`, `/livez` and `/readyz` are fine.",
        fix: "Set `anonymous.enabled: false`, or restrict it with `conditions` to the health \
              endpoints.",
        references: &["CIS 1.2.1", "kubescape C-0113"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        on_file(ctx, out, ConfigFile::Authentication, check_anonymous)
    }),
};

fn check_anonymous(config: &Value, out: &mut Findings) {
    let anonymous = &config["anonymous"];
    if anonymous["enabled"] != true {
        return;
    }
    let health_only = anonymous["conditions"]
        .as_array()
        .is_some_and(|conditions| {
            !conditions.is_empty()
                && conditions.iter().all(|c| {
                    c["path"]
                        .as_str()
                        .is_some_and(|p| HEALTH_PATHS.contains(&p))
                })
        });
    if !health_only {
        report_cis(
            out,
            FieldPath::fields(&["anonymous", "enabled"]),
            "anonymous requests are accepted beyond the health endpoints",
        );
    }
}

pub(super) const AUTHORIZATION_CONFIG_WEAK: Rule = Rule {
    meta: RuleMeta {
        id: "authorization-config-weak",
        severity: Severity::High,
        title: "AuthorizationConfiguration allows everything or lacks Node and RBAC",
        why: "The structured authorization chain replaces `--authorization-mode`: an \
              `AlwaysAllow` authorizer grants every request that reaches it, and without the \
              Node and RBAC authorizers kubelets are unrestricted and Roles mean nothing.",
        fix: "List `Node` and `RBAC` authorizers (webhooks with `failurePolicy: Deny`) and no \
              `AlwaysAllow`.",
        references: &["CIS 1.2.6", "CIS 1.2.7", "CIS 1.2.8"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        on_file(ctx, out, ConfigFile::Authorization, check_authorizers)
    }),
};

fn check_authorizers(config: &Value, out: &mut Findings) {
    let authorizers = FieldPath::fields(&["authorizers"]);
    let types: Vec<&str> = config["authorizers"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| a["type"].as_str().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    for (i, kind) in types.iter().enumerate() {
        if *kind == "AlwaysAllow" {
            report_cis(
                out,
                authorizers.index(i).child("type"),
                "AlwaysAllow authorizes every request that reaches it",
            );
        }
    }
    for wanted in ["Node", "RBAC"] {
        if !types.contains(&wanted) {
            report_cis(
                out,
                authorizers.clone(),
                format!("no {wanted} authorizer in the chain"),
            );
        }
    }
}
