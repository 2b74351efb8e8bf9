//! `.rampart.yaml`: rule selection, severity overrides, excluded paths, `fail-on`,
//! and custom workload kinds.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::finding::Severity;
use crate::object::workload::CustomWorkload;
use crate::rules;
use crate::source::{InputError, Limits, Pos, parse_text};

/// The configuration file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<Severity>,
    #[serde(default)]
    workloads: Vec<CustomWorkload>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    /// When set, only these rules run.
    enable: Option<Vec<String>>,
    #[serde(default)]
    disable: Vec<String>,
}

/// A checked configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    enabled: Option<Vec<String>>,
    disabled: Vec<String>,
    severity: BTreeMap<String, Severity>,
    exclude: Option<GlobSet>,
    /// The `fail-on` threshold, when the file sets one.
    pub fail_on: Option<Severity>,
    /// Custom kinds that hold pod templates.
    pub workloads: Vec<CustomWorkload>,
}

impl Config {
    /// Parses and checks a configuration file's text: unknown keys, unknown rule ids and
    /// bad globs are errors with a position.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let parsed = parse_text(text, &Limits::default());
        if let Some(error) = parsed.errors.into_iter().next() {
            return Err(error);
        }
        let Some(document) = parsed.documents.into_iter().next() else {
            return Ok(Self::default());
        };
        let raw: RawConfig = serde_path_to_error::deserialize(&document.value).map_err(|e| {
            let path = e.path().to_string();
            InputError::new(
                document.positions.pos,
                format!("invalid configuration at {path}: {}", e.into_inner()),
            )
        })?;
        let unknown = |id: &String| rules::find(id).is_none();
        let mentioned = raw
            .rules
            .enable
            .iter()
            .flatten()
            .chain(&raw.rules.disable)
            .chain(raw.severity.keys());
        if let Some(id) = mentioned.into_iter().find(|id| unknown(id)) {
            return Err(InputError::new(
                document.positions.pos,
                format!("unknown rule id {id:?} in configuration"),
            ));
        }
        let exclude = build_globs(&raw.exclude)
            .map_err(|message| InputError::new(Pos::new(1, 1), message))?;
        Ok(Self {
            enabled: raw.rules.enable,
            disabled: raw.rules.disable,
            severity: raw.severity,
            exclude,
            fail_on: raw.fail_on,
            workloads: raw.workloads,
        })
    }

    /// Whether the rule `id` runs.
    pub fn is_enabled(&self, id: &str) -> bool {
        let selected = self
            .enabled
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|e| e == id));
        selected && !self.disabled.iter().any(|d| d == id)
    }

    /// Restricts the run to the given rules (used by tests and `--rule`).
    pub fn only(mut self, ids: &[&str]) -> Self {
        self.enabled = Some(ids.iter().map(|s| (*s).to_owned()).collect());
        self
    }

    /// The severity of the rule `id` after overrides, given its default.
    pub fn severity_of(&self, id: &str, default: Severity) -> Severity {
        self.severity.get(id).copied().unwrap_or(default)
    }

    /// Whether a path (as given or found on disk, `/`-separated) is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| set.is_match(path.trim_start_matches("./")))
    }
}

fn build_globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob =
            Glob::new(pattern).map_err(|e| format!("invalid exclude pattern {pattern:?}: {e}"))?;
        builder.add(glob);
        if !pattern.contains('/') {
            let nested = Glob::new(&format!("**/{pattern}"))
                .map_err(|e| format!("invalid exclude pattern {pattern:?}: {e}"))?;
            builder.add(nested);
        }
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("invalid exclude patterns: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_configuration() {
        let config = Config::parse(
            "rules:\n  disable: [image-digest-missing]\nseverity:\n  cpu-limit-missing: info\n\
             exclude: ['vendor/**', '*.tmpl.yaml']\nfail-on: high\n\
             workloads:\n- {group: example.com, kind: Runner, templatePath: spec.pod}\n",
        )
        .expect("valid");
        assert!(!config.is_enabled("image-digest-missing"));
        assert!(config.is_enabled("privileged-container"));
        assert_eq!(
            config.severity_of("cpu-limit-missing", Severity::Low),
            Severity::Info
        );
        assert_eq!(
            config.severity_of("host-pid", Severity::High),
            Severity::High
        );
        assert!(config.is_excluded("vendor/a/b.yaml"));
        assert!(config.is_excluded("./deep/dir/x.tmpl.yaml"));
        assert!(!config.is_excluded("k8s/app.yaml"));
        assert_eq!(config.fail_on, Some(Severity::High));
        assert_eq!(config.workloads.len(), 1);
    }

    #[test]
    fn rejects_mistakes_with_a_message() {
        let unknown_key = Config::parse("rulez: {}\n").expect_err("unknown key");
        assert!(
            unknown_key.message.contains("rulez"),
            "{}",
            unknown_key.message
        );
        let unknown_rule =
            Config::parse("rules: {disable: [no-such-rule]}\n").expect_err("unknown rule");
        assert!(unknown_rule.message.contains("no-such-rule"));
        let bad_severity = Config::parse("fail-on: severe\n").expect_err("bad severity");
        assert!(
            bad_severity.message.contains("fail-on"),
            "{}",
            bad_severity.message
        );
        assert!(Config::parse("exclude: ['a/[']\n").is_err());
    }

    #[test]
    fn only_restricts_the_run() {
        let config = Config::default().only(&["host-pid"]);
        assert!(config.is_enabled("host-pid"));
        assert!(!config.is_enabled("host-ipc"));
    }
}
