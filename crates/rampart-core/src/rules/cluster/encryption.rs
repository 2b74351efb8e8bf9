//! CIS 1.2.28 and spec §4.1: how the EncryptionConfiguration protects Secrets.

use serde_json::Value;

use crate::cluster::ConfigFile;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::cis::report_cis;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// The first `resources[]` entry whose `resources` covers Secrets (`secrets`, `*.` or
/// `*.*`), with its index: the API server uses the first entry that names a resource.
fn secrets_entry(config: &Value) -> Option<(usize, &Value)> {
    config["resources"]
        .as_array()?
        .iter()
        .enumerate()
        .find(|(_, entry)| {
            entry["resources"].as_array().is_some_and(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|n| matches!(n, "secrets" | "*." | "*.*"))
            })
        })
}

/// The name of a provider entry (`identity`, `aescbc`, `kms`...).
fn provider_name(provider: &Value) -> Option<&str> {
    provider.as_object()?.keys().next().map(String::as_str)
}

/// Runs `check` on EncryptionConfiguration objects only.
fn on_encryption(ctx: &CheckContext<'_>, out: &mut Findings, check: fn(&Value, &mut Findings)) {
    if ConfigFile::of(&ctx.object.id) == Some(ConfigFile::Encryption) {
        check(ctx.object.value, out);
    }
}

pub(super) const ENCRYPTION_SECRETS_PLAINTEXT: Rule = Rule {
    meta: RuleMeta {
        id: "encryption-secrets-plaintext",
        severity: Severity::High,
        title: "EncryptionConfiguration leaves Secrets in plaintext",
        why: "The API server encrypts a resource with the first provider of the first entry \
              naming it. When no entry names `secrets` (or `*.`, `*.*`), or that entry's first \
              provider is `identity`, Secrets are written to etcd unencrypted; later providers \
              are only used for reading.",
        fix: "Put a `secrets` entry first whose first provider is `kms` (apiVersion v2), \
              `secretbox` or `aesgcm`, keeping `identity` last for reading old data.",
        references: &["CIS 1.2.28", "kubescape C-0142"],
    },
    checks: Checks::kubernetes(|ctx, out| on_encryption(ctx, out, check_plaintext)),
};

fn check_plaintext(config: &Value, out: &mut Findings) {
    let Some((index, entry)) = secrets_entry(config) else {
        report_cis(
            out,
            FieldPath::fields(&["resources"]),
            "no entry covers secrets: they are stored in plaintext",
        );
        return;
    };
    let providers = FieldPath::fields(&["resources"])
        .index(index)
        .child("providers");
    match entry["providers"].as_array().and_then(|p| p.first()) {
        None => report_cis(out, providers, "the secrets entry lists no provider"),
        Some(first) if provider_name(first) == Some("identity") => report_cis(
            out,
            providers.index(0),
            "identity is the first provider for secrets: they are written unencrypted",
        ),
        Some(_) => {}
    }
}

pub(super) const ENCRYPTION_PROVIDER_WEAK: Rule = Rule {
    meta: RuleMeta {
        id: "encryption-provider-weak",
        severity: Severity::Medium,
        title: "Secrets are encrypted with a weak or deprecated provider",
        why: "`aescbc` is open to padding-oracle attacks and no longer recommended; `aesgcm` \
              is safe only when its key is rotated well before ~200k writes; KMS v1 is \
              deprecated since 1.28. Local keys also sit on the control-plane disk next to \
              etcd. KMS v2 keeps the key outside the cluster.",
        fix: "Use a `kms` provider with `apiVersion: v2` (or `secretbox`, or `aesgcm` with \
              automated key rotation).",
        references: &[
            "CIS 1.2.28",
            "Kubernetes docs: Encrypting Confidential Data at Rest",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| on_encryption(ctx, out, check_provider_strength)),
};

fn check_provider_strength(config: &Value, out: &mut Findings) {
    let Some((index, entry)) = secrets_entry(config) else {
        return;
    };
    let Some(first) = entry["providers"].as_array().and_then(|p| p.first()) else {
        return;
    };
    let problem = match provider_name(first) {
        Some("aescbc") => "aescbc is vulnerable to padding-oracle attacks",
        Some("aesgcm") => "aesgcm is only safe with a key rotated before ~200k writes",
        Some("kms") if first["kms"]["apiVersion"].as_str() != Some("v2") => {
            "kms v1 is deprecated (since 1.28); use apiVersion v2"
        }
        _ => return,
    };
    let path = FieldPath::fields(&["resources"])
        .index(index)
        .child("providers")
        .index(0);
    report_cis(out, path, format!("secrets: {problem}"));
}
