//! Kubeconfigs (`kind: Config`, spec §4.5): how clients reach and prove themselves to
//! the API server.

use serde_json::Value;

use crate::cluster::ConfigFile;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::cis::report_cis;
use crate::rules::{CheckContext, Checks, Rule, RuleMeta};

/// Each entry of a kubeconfig list (`clusters`, `users`): its inner object's path, its
/// name and the inner object.
fn entries<'v>(
    config: &'v Value,
    list: &'static str,
    inner: &'static str,
) -> impl Iterator<Item = (FieldPath, &'v str, &'v Value)> {
    config[list]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(move |(i, entry)| {
            (
                FieldPath::fields(&[list]).index(i).child(inner),
                entry["name"].as_str().unwrap_or("<unnamed>"),
                &entry[inner],
            )
        })
}

fn is_kubeconfig(ctx: &CheckContext<'_>) -> bool {
    ConfigFile::of(&ctx.object.id) == Some(ConfigFile::Kubeconfig)
}

pub(super) const KUBECONFIG_INSECURE_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "kubeconfig-insecure-tls",
        severity: Severity::High,
        title: "Kubeconfig talks to the API server without verified TLS",
        why: "`insecure-skip-tls-verify: true` or an `http://` server lets anyone on the path \
              impersonate the API server and capture the credentials the client sends.",
        fix: "Use an `https://` server and `certificate-authority-data` (or \
              `certificate-authority`); remove `insecure-skip-tls-verify`.",
        references: &["Kubernetes docs: Organizing Cluster Access"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        if !is_kubeconfig(ctx) {
            return;
        }
        let config = ctx.object.value;
        for (path, name, cluster) in entries(config, "clusters", "cluster") {
            if cluster["insecure-skip-tls-verify"] == true {
                report_cis(
                    out,
                    path.child("insecure-skip-tls-verify"),
                    format!("cluster {name:?} skips TLS verification"),
                );
            }
            if cluster["server"]
                .as_str()
                .is_some_and(|s| s.starts_with("http://"))
            {
                report_cis(
                    out,
                    path.child("server"),
                    format!("cluster {name:?} is reached over plain http"),
                );
            }
        }
    }),
};

pub(super) const KUBECONFIG_STATIC_CREDENTIALS: Rule = Rule {
    meta: RuleMeta {
        id: "kubeconfig-static-credentials",
        severity: Severity::Medium,
        title: "Kubeconfig holds a bearer token or password",
        why: "A token or basic-auth password in a kubeconfig is a long-lived secret that works \
              from anywhere until revoked; service account tokens handed to people also hide \
              who acted in the audit log.",
        fix: "Use short-lived credentials: an `exec` plugin (OIDC, cloud IAM) or client \
              certificates with rotation; never a service account token for a person.",
        references: &["CIS 3.1.2", "CIS 3.1.1"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        if !is_kubeconfig(ctx) {
            return;
        }
        let config = ctx.object.value;
        for (path, name, user) in entries(config, "users", "user") {
            for (field, what) in [("token", "a bearer token"), ("password", "a password")] {
                if user[field].as_str().is_some_and(|v| !v.is_empty()) {
                    report_cis(
                        out,
                        path.child(field),
                        format!("user {name:?} carries {what}"),
                    );
                }
            }
        }
    }),
};
