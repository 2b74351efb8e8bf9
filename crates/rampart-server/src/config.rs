//! The webhook's configuration file (see `deploy/config.yaml` for a commented example):
//! Pod Security defaults and exemptions in the shape of PSA's `PodSecurityConfiguration`,
//! namespace labels for running outside a cluster, PodSecurityPolicies with the RBAC
//! objects that grant their `use`, and catalogue rules in enforce or warn mode.

use std::collections::{BTreeMap, BTreeSet};

use rampart_core::psp::{PodSecurityPolicy, Rbac, validate_policy};
use rampart_core::pss::{Level, LevelVersion, NamespacePolicy, Version};
use rampart_core::rbac::RbacKind;
use rampart_core::rules::{self, Rule};
use rampart_core::source::{Limits, parse_text};
use serde::Deserialize;
use serde_json::Value;

/// A configuration problem, with the field at fault when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Where namespace labels and `use` authorization come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterMode {
    /// From the API server when running in a pod (`KUBERNETES_SERVICE_HOST` set), else
    /// from this file.
    #[default]
    Auto,
    /// Always from the API server (in-cluster config or kubeconfig).
    Enabled,
    /// Always from this file.
    Disabled,
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    pod_security: RawPodSecurity,
    #[serde(default)]
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    pod_security_policy: Option<RawPsp>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    cluster: ClusterMode,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPodSecurity {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    exemptions: RawExemptions,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawDefaults {
    enforce: Option<String>,
    enforce_version: Option<String>,
    audit: Option<String>,
    audit_version: Option<String>,
    warn: Option<String>,
    warn_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawExemptions {
    #[serde(default)]
    usernames: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    runtime_classes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPsp {
    #[serde(default)]
    policies: Vec<Value>,
    #[serde(default)]
    rbac: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    enforce: Vec<String>,
    #[serde(default)]
    warn: Vec<String>,
}

pub use rampart_core::pss::Exemptions;

/// PodSecurityPolicy admission settings.
#[derive(Debug, Clone, Default)]
pub struct PspConfig {
    /// The policies, sorted by the engine at admission.
    pub policies: Vec<PodSecurityPolicy>,
    /// Roles and bindings granting `use` (when not asking the API server).
    pub rbac: Rbac,
}

/// What a catalogue rule does to an offending pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMode {
    /// Deny the pod (workloads only get a warning, as with PSA).
    Enforce,
    /// Allow, with a warning.
    Warn,
}

/// A checked configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Pod Security levels for namespaces without labels.
    pub defaults: NamespacePolicy,
    /// Pod Security exemptions.
    pub exemptions: Exemptions,
    /// Namespace labels by namespace name (used when not reading them from the cluster).
    pub namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// PodSecurityPolicy admission; `None` turns it off.
    pub psp: Option<PspConfig>,
    /// Catalogue rules and their mode, in catalogue order.
    pub rules: Vec<(&'static Rule, RuleMode)>,
    /// Where namespace labels and `use` answers come from.
    pub cluster: ClusterMode,
}

impl Config {
    /// Parses and checks the configuration file's text (YAML or JSON).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let parsed = parse_text(text, &Limits::default());
        if let Some(error) = parsed.errors.into_iter().next() {
            return Err(ConfigError(format!(
                "{}:{}: {}",
                error.pos.line, error.pos.column, error.message
            )));
        }
        let raw: RawConfig = match parsed.documents.into_iter().next() {
            Some(document) => serde_json::from_value(document.value)
                .map_err(|e| ConfigError(format!("invalid configuration: {e}")))?,
            None => RawConfig::default(),
        };
        Ok(Self {
            defaults: defaults(&raw.pod_security.defaults)?,
            exemptions: exemptions(raw.pod_security.exemptions)?,
            namespaces: raw.namespaces,
            psp: raw.pod_security_policy.map(psp).transpose()?,
            rules: rule_modes(&raw.rules)?,
            cluster: raw.cluster,
        })
    }
}

fn field<T: std::str::FromStr>(
    value: Option<&String>,
    name: &str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value.map(String::as_str) {
        None | Some("") => Ok(default),
        Some(text) => text.parse().map_err(|e| {
            ConfigError(format!(
                "podSecurity.defaults.{name}: Invalid value: {text:?}: {e}"
            ))
        }),
    }
}

/// Empty or missing levels are `privileged`, versions `latest` (as in PSA).
fn defaults(raw: &RawDefaults) -> Result<NamespacePolicy, ConfigError> {
    let mode = |level: &Option<String>, version: &Option<String>, name: &str| {
        Ok::<_, ConfigError>(LevelVersion::new(
            field(level.as_ref(), name, Level::Privileged)?,
            field(
                version.as_ref(),
                &format!("{name}-version"),
                Version::Latest,
            )?,
        ))
    };
    Ok(NamespacePolicy {
        enforce: mode(&raw.enforce, &raw.enforce_version, "enforce")?,
        audit: mode(&raw.audit, &raw.audit_version, "audit")?,
        warn: mode(&raw.warn, &raw.warn_version, "warn")?,
        errors: Vec::new(),
    })
}

fn unique(list: Vec<String>, name: &str) -> Result<BTreeSet<String>, ConfigError> {
    let mut set = BTreeSet::new();
    for (i, item) in list.into_iter().enumerate() {
        if item.is_empty() {
            return Err(ConfigError(format!(
                "podSecurity.exemptions.{name}[{i}]: Required value"
            )));
        }
        if !set.insert(item.clone()) {
            return Err(ConfigError(format!(
                "podSecurity.exemptions.{name}[{i}]: Duplicate value: {item:?}"
            )));
        }
    }
    Ok(set)
}

fn exemptions(raw: RawExemptions) -> Result<Exemptions, ConfigError> {
    Ok(Exemptions {
        usernames: unique(raw.usernames, "usernames")?,
        namespaces: unique(raw.namespaces, "namespaces")?,
        runtime_classes: unique(raw.runtime_classes, "runtimeClasses")?,
    })
}

fn psp(raw: RawPsp) -> Result<PspConfig, ConfigError> {
    let mut policies = Vec::new();
    for (i, value) in raw.policies.into_iter().enumerate() {
        let policy: PodSecurityPolicy = serde_json::from_value(value)
            .map_err(|e| ConfigError(format!("podSecurityPolicy.policies[{i}]: {e}")))?;
        let errors = validate_policy(&policy);
        if let Some(error) = errors.first() {
            return Err(ConfigError(format!(
                "podSecurityPolicy.policies[{i}] ({}): {error}",
                policy.name()
            )));
        }
        policies.push(policy);
    }
    let mut rbac = Rbac::default();
    for (i, value) in raw.rbac.iter().enumerate() {
        let kind = value.get("kind").and_then(Value::as_str);
        let Some(kind) = kind.and_then(RbacKind::named) else {
            return Err(ConfigError(format!(
                "podSecurityPolicy.rbac[{i}]: kind {kind:?} is not Role, ClusterRole, RoleBinding or ClusterRoleBinding"
            )));
        };
        rbac.insert(kind, value).map_err(|e| {
            let at = if e.path.is_root() {
                String::new()
            } else {
                format!(".{}", e.path)
            };
            ConfigError(format!("podSecurityPolicy.rbac[{i}]{at}: {}", e.message))
        })?;
    }
    Ok(PspConfig { policies, rbac })
}

fn rule_modes(raw: &RawRules) -> Result<Vec<(&'static Rule, RuleMode)>, ConfigError> {
    let mut modes: Vec<(&'static Rule, RuleMode)> = Vec::new();
    for (list, mode, name) in [
        (&raw.enforce, RuleMode::Enforce, "enforce"),
        (&raw.warn, RuleMode::Warn, "warn"),
    ] {
        for (i, id) in list.iter().enumerate() {
            if rules::run_registry().iter().any(|r| r.meta.id == id) {
                return Err(ConfigError(format!(
                    "rules.{name}[{i}]: rule {id:?} cannot fire in admission: it looks across \
                     the objects of a scan or a cluster (a namespace and its pods, policies \
                     and bindings), and a review carries one object"
                )));
            }
            let rule = rules::registry()
                .iter()
                .find(|r| r.meta.id == id && r.checks.kubernetes.is_some())
                .ok_or_else(|| {
                    ConfigError(format!(
                        "rules.{name}[{i}]: unknown rule id {id:?}{} (or not a Kubernetes object rule)",
                        rampart_core::suggest::rule_hint(id)
                    ))
                })?;
            if rules::OUTSIDE_SCHEMA.contains(&rule.meta.id) {
                return Err(ConfigError(format!(
                    "rules.{name}[{i}]: rule {id:?} cannot fire in admission: the API server \
                     drops fields outside the schema before webhooks see the object"
                )));
            }
            if rules::STATUS_ONLY.contains(&rule.meta.id) {
                return Err(ConfigError(format!(
                    "rules.{name}[{i}]: rule {id:?} cannot fire in admission: it judges what \
                     the API server reports of a running object, which a review does not carry"
                )));
            }
            if modes.iter().any(|(r, _)| r.meta.id == rule.meta.id) {
                return Err(ConfigError(format!(
                    "rules.{name}[{i}]: rule {id:?} is listed twice"
                )));
            }
            modes.push((rule, mode));
        }
    }
    let order = |id: &str| rules::registry().iter().position(|r| r.meta.id == id);
    modes.sort_by_key(|(rule, _)| order(rule.meta.id));
    Ok(modes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_means_privileged_everywhere_and_no_psp() {
        let config = Config::parse("").expect("empty config");
        assert_eq!(config.defaults, NamespacePolicy::default());
        assert!(config.psp.is_none());
        assert!(config.rules.is_empty());
        assert_eq!(config.cluster, ClusterMode::Auto);
    }

    #[test]
    fn defaults_exemptions_and_rules_are_read() {
        let config = Config::parse(
            "podSecurity:\n  defaults:\n    enforce: baseline\n    warn: restricted\n    warn-version: v1.30\n  exemptions:\n    namespaces: [kube-system]\nrules:\n  warn: [privileged-container]\ncluster: disabled\n",
        )
        .expect("config");
        assert_eq!(config.defaults.enforce.to_string(), "baseline:latest");
        assert_eq!(config.defaults.audit.to_string(), "privileged:latest");
        assert_eq!(config.defaults.warn.to_string(), "restricted:v1.30");
        assert!(config.exemptions.namespaces.contains("kube-system"));
        assert_eq!(config.rules.len(), 1);
        assert_eq!(config.cluster, ClusterMode::Disabled);
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let config =
            Config::parse(include_str!("../../../deploy/config.yaml")).expect("deploy/config.yaml");
        assert_eq!(config.defaults.enforce.to_string(), "baseline:latest");
        assert!(config.psp.is_none());
        assert_eq!(config.rules.len(), 7);
        // Uncomment the PodSecurityPolicy section (from its key to the next blank line).
        let mut inside = false;
        let commented = include_str!("../../../deploy/config.yaml")
            .lines()
            .map(|line| {
                inside = (inside || line == "# podSecurityPolicy:") && !line.is_empty();
                if inside { &line[2..] } else { line }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let with_psp = Config::parse(&commented).expect("the commented PSP section");
        let psp = with_psp.psp.expect("psp on");
        assert_eq!(psp.policies.len(), 1);
        assert_eq!(psp.rbac.cluster_role_bindings.len(), 1);
    }

    #[test]
    fn mistakes_are_named() {
        let error = |text: &str| Config::parse(text).expect_err(text).0;
        assert!(
            error("podSecurity:\n  defaults:\n    enforce: strict\n").contains(
                "podSecurity.defaults.enforce: Invalid value: \"strict\": must be one of"
            )
        );
        assert!(error("rules:\n  enforce: [no-such-rule]\n").contains("unknown rule id"));
        assert!(
            error("rules:\n  enforce: [host-pdi]\n")
                .contains("unknown rule id \"host-pdi\" (did you mean \"host-pid\"?)")
        );
        assert!(error("rules:\n  warn: [ignored-field]\n").contains("cannot fire in admission"));
        let across = error("rules:\n  enforce: [pss-enforce-raise-blocked]\n");
        assert!(
            across.contains("cannot fire in admission: it looks across"),
            "{across}"
        );
        assert!(
            error("podSecurity:\n  exemptions:\n    namespaces: [a, a]\n").contains("Duplicate")
        );
        assert!(error("unknown: 1\n").contains("unknown field"));
        assert!(error("podSecurityPolicy:\n  rbac: [{kind: Pod}]\n").contains("rbac[0]"));
        // RBAC objects are read as everywhere else: the offending field is named.
        let wrong = error("podSecurityPolicy:\n  rbac: [{kind: Role, rules: [{verbs: 5}]}]\n");
        assert!(
            wrong.contains("podSecurityPolicy.rbac[0].rules[0].verbs: invalid type"),
            "{wrong}"
        );
    }
}
