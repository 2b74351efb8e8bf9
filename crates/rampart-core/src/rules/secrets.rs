//! Secrets where they do not belong: in a container's environment and in ConfigMaps.
//!
//! What looks like a secret is decided here for every rule that looks for one (the
//! Dockerfile's `ENV`/`ARG` rule too): names of variables and keys (`DB_PASSWORD`,
//! `apiKey`, `aws_secret_access_key`) and credential formats in values (private keys,
//! cloud and forge tokens, URLs with a password).

use k8s_openapi::api::core::v1::ConfigMap;

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::object::typed_at;
use crate::rules::{Checks, Findings, Rule, RuleMeta};

/// Parts of names that suggest a secret, in the normal form of [`normal_name`].
const SECRET_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// Name endings that say the value is where the secret is (`_FILE`, `_PATH`...) or a
/// setting about it (`PASSWORD_POLICY`, `TOKEN_TTL`), not the secret.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_URL",
    "_DIR",
    "_NAME",
    "_ID",
    "_POLICY",
    "_LENGTH",
    "_TTL",
    "_TIMEOUT",
    "_EXPIRY",
    "_EXPIRATION",
    "_ENABLED",
    "_HEADER",
    "_TYPE",
];

/// A name in upper snake case: `apiKey`, `api-key` and `api.key` all become `API_KEY`.
fn normal_name(name: &str) -> String {
    let mut normal = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            normal.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        normal.push(match c {
            '.' | '-' | ' ' => '_',
            other => other.to_ascii_uppercase(),
        });
    }
    normal
}

/// Whether a variable or key named `name` is meant to hold a secret, and not a reference
/// to one or a setting about one (`DB_PASSWORD` yes, `DB_PASSWORD_FILE` and
/// `PASSWORD_MIN_LENGTH` no).
pub(super) fn named_like_secret(name: &str) -> bool {
    let normal = normal_name(name);
    SECRET_NAMES.iter().any(|part| normal.contains(part))
        && !NOT_SECRET_SUFFIXES
            .iter()
            .any(|suffix| normal.ends_with(suffix))
}

/// Token prefixes of well-known services, the length of the shortest real token with
/// that prefix, and what it is.
const TOKEN_PREFIXES: &[(&str, usize, &str)] = &[
    ("AKIA", 20, "an AWS access key id"),
    ("ASIA", 20, "an AWS access key id"),
    ("ghp_", 40, "a GitHub token"),
    ("gho_", 40, "a GitHub token"),
    ("ghu_", 40, "a GitHub token"),
    ("ghs_", 40, "a GitHub token"),
    ("ghr_", 40, "a GitHub token"),
    ("github_pat_", 40, "a GitHub token"),
    ("glpat-", 26, "a GitLab token"),
    ("xoxb-", 16, "a Slack token"),
    ("xoxp-", 16, "a Slack token"),
    ("xoxa-", 16, "a Slack token"),
    ("sk_live_", 24, "a Stripe secret key"),
    ("AIza", 39, "a Google API key"),
];

/// What credential `text` holds, if any: a PEM private key anywhere in it, a word that is
/// a well-known token, or a URL with a password.
pub(super) fn credential_in(text: &str) -> Option<&'static str> {
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    let token = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .find_map(|word| {
            TOKEN_PREFIXES
                .iter()
                .find(|(prefix, length, _)| word.starts_with(prefix) && word.len() >= *length)
                .map(|(_, _, what)| *what)
        });
    token.or_else(|| has_url_password(text).then_some("a URL with a password"))
}

/// `scheme://user:password@host`, with a literal password (not `$(VAR)` or `${VAR}`).
fn has_url_password(text: &str) -> bool {
    text.match_indices("://").any(|(at, _)| {
        let rest = &text[at + 3..];
        let authority = rest
            .split(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .next()
            .unwrap_or_default();
        let Some((userinfo, _host)) = authority.rsplit_once('@') else {
            return false;
        };
        userinfo.split_once(':').is_some_and(|(_, password)| {
            !password.is_empty() && !password.starts_with("$(") && !password.starts_with("${")
        })
    })
}

/// A value that cannot be the secret itself: empty, a Kubernetes `$(VAR)` or shell
/// `${VAR}` reference, a boolean, or a file path.
pub(super) fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    let reference = |open: &str, close: char| {
        value.starts_with(open) && value.ends_with(close) && !value[open.len()..].contains(open)
    };
    value.is_empty()
        || reference("$(", ')')
        || reference("${", '}')
        || matches!(value, "true" | "false")
        || (value.starts_with('/') && !value.contains(char::is_whitespace))
}

/// Why a literal `value` of a variable or key called `name` looks like a secret.
fn why_secret(name: &str, value: &str) -> Option<String> {
    if let Some(what) = credential_in(value) {
        return Some(format!("holds what looks like {what}"));
    }
    (named_like_secret(name) && !is_placeholder(value))
        .then(|| "is named like a secret and set to a literal value".to_owned())
}

pub(super) const SECRET_IN_CONTAINER_ENV: Rule = Rule {
    meta: RuleMeta {
        id: "secret-in-container-env",
        severity: Severity::High,
        title: "Secret written into a container's environment",
        why: "A literal `env` value is part of the manifest: it is in the repository, in every \
              copy of the object (`kubectl get -o yaml`, backups, audit logs) and readable by \
              anyone who may read the workload, while Secrets have their own RBAC, encryption \
              at rest and audit. Flagged: literal values of variables named like secrets \
              (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*API_KEY*`...; not references or \
              settings such as `*_FILE`, `*_PATH`, `*_URL`, `*_TTL`, `*_POLICY`, nor values \
              such as `$(VAR)`, booleans or file paths), and any \
              value holding a private key, a well-known token (AWS, GitHub, GitLab, Slack, \
              Stripe, Google) or a URL with a password. `valueFrom` is the fix, not a finding.",
        fix: "Put the value in a Secret and read it with `valueFrom.secretKeyRef` (or mount \
              the Secret as a file); rotate the credential, since it has been exposed.",
        references: &[
            "kube-linter env-var-secret",
            "Polaris sensitiveContainerEnvVar",
            "kubescape C-0012",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            for (i, var) in c.container.env.iter().enumerate() {
                let Some(value) = var.value.as_deref().filter(|_| var.value_from.is_none()) else {
                    continue;
                };
                if let Some(why) = why_secret(&var.name, value) {
                    out.report_container(
                        &c,
                        c.path.child("env").index(i).child("value"),
                        format!("container {:?} env {} {why}", c.name(), var.name),
                    );
                }
            }
        }
    }),
};

pub(super) const SECRET_IN_CONFIG_MAP: Rule = Rule {
    meta: RuleMeta {
        id: "secret-in-config-map",
        severity: Severity::High,
        title: "Secret stored in a ConfigMap",
        why: "ConfigMaps are for configuration: RBAC grants read access to them widely \
              (`view` includes them), they are never encrypted at rest and their content is \
              printed by `kubectl describe`. Flagged: `data` and `binaryData` keys named like \
              secrets (`password`, `aws_secret_access_key`, `apiKey`...) with a literal \
              value, and any value holding a private key (a `*.pem` or `*.key` with a \
              `PRIVATE KEY` block), a well-known token or a URL with a password. \
              Certificates and public keys are fine.",
        fix: "Move the entry into a Secret (mounted or read through `secretKeyRef`) and \
              rotate the credential.",
        references: &["kubescape C-0012", "CIS 5.4.1"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let id = &ctx.object.id;
        if !crate::kinds::CONFIG_MAP.is(id) {
            return;
        }
        // A ConfigMap with fields of the wrong type is reported by its type check.
        let Ok(Some(config_map)) = typed_at::<ConfigMap>(ctx.object.value, &FieldPath::root())
        else {
            return;
        };
        for (key, value) in config_map.data.iter().flatten() {
            if let Some(why) = why_secret(key, value) {
                report_entry(out, "data", key, &why);
            }
        }
        for (key, bytes) in config_map.binary_data.iter().flatten() {
            let why = match credential_in(&String::from_utf8_lossy(&bytes.0)) {
                Some(what) => format!("holds what looks like {what}"),
                None if named_like_secret(key) && !bytes.0.is_empty() => {
                    "is named like a secret".to_owned()
                }
                None => continue,
            };
            report_entry(out, "binaryData", key, &why);
        }
    }),
};

fn report_entry(out: &mut Findings, field: &'static str, key: &str, why: &str) {
    out.report(
        FieldPath::fields(&[field]).key(key),
        format!("ConfigMap {field} key {key:?} {why}: it belongs in a Secret"),
    );
}

/// The secret rules about Kubernetes objects, in documentation order.
pub(super) static RULES: &[Rule] = &[SECRET_IN_CONTAINER_ENV, SECRET_IN_CONFIG_MAP];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in [
            "DB_PASSWORD",
            "apiKey",
            "client-secret",
            "aws_secret_access_key",
            "GITHUB_TOKEN",
            "db.password",
            "GOOGLE_CREDENTIALS",
        ] {
            assert!(named_like_secret(name), "{name}");
        }
        for name in [
            "DB_PASSWORD_FILE",
            "TOKEN_PATH",
            "PASSWORD_MIN_LENGTH",
            "AWS_ACCESS_KEY_ID",
            "SECRET_DIR",
            "VAULT_URL",
            "LOG_LEVEL",
            "keycloak",
            "tls.crt",
        ] {
            assert!(!named_like_secret(name), "{name}");
        }
    }

    #[test]
    fn credentials() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(credential_in(key), Some("a private key"));
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(credential_in(certificate), None);
        assert_eq!(
            credential_in("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(credential_in("AKIA-not-a-key"), None);
        assert_eq!(
            credential_in("ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
            Some("a GitHub token")
        );
        assert_eq!(
            credential_in("postgres://app:hunter2@db:5432/app"),
            Some("a URL with a password")
        );
        assert_eq!(credential_in("postgres://app:$(DB_PASSWORD)@db/app"), None);
        assert_eq!(credential_in("postgres://app@db/app"), None);
        assert_eq!(credential_in("https://example.com/a:b@c"), None);
    }

    #[test]
    fn placeholders() {
        for value in [
            "",
            "$(DB_PASSWORD)",
            "${TOKEN}",
            "true",
            "/var/run/secrets/token",
        ] {
            assert!(is_placeholder(value), "{value:?}");
        }
        for value in ["hunter2", "$(A)$(B)x", "/not a path", "s3cr3t"] {
            assert!(!is_placeholder(value), "{value:?}");
        }
    }
}
