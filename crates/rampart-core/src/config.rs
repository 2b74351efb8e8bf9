//! `.rampart.yaml`: rule selection, severity overrides, excluded paths, `fail-on`,
//! and custom workload kinds.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::object::workload::CustomWorkload;
use crate::rules;
use crate::source::{InputError, Limits, parse_text};

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
        let at = |path: &FieldPath, message: String| {
            InputError::new(document.positions.locate(path).pos, message)
        };
        let raw: RawConfig = serde_path_to_error::deserialize(&document.value).map_err(|e| {
            let path = field_path(e.path());
            let shown = e.path().to_string();
            at(
                &path,
                format!("invalid configuration at {shown}: {}", e.into_inner()),
            )
        })?;
        let mentioned = (raw.rules.enable.iter().flatten().enumerate())
            .map(|(i, id)| (FieldPath::fields(&["rules", "enable"]).index(i), id))
            .chain(
                (raw.rules.disable.iter().enumerate())
                    .map(|(i, id)| (FieldPath::fields(&["rules", "disable"]).index(i), id)),
            )
            .chain(
                raw.severity
                    .keys()
                    .map(|id| (FieldPath::fields(&["severity"]).child_owned(id.clone()), id)),
            );
        for (path, id) in mentioned {
            if rules::find(id).is_none() {
                return Err(at(
                    &path,
                    format!(
                        "unknown rule id {id:?} in configuration{}",
                        crate::suggest::rule_hint(id)
                    ),
                ));
            }
        }
        let exclude = build_globs(&raw.exclude).map_err(|(index, message)| {
            at(&FieldPath::fields(&["exclude"]).index(index), message)
        })?;
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

    /// Whether a path is excluded: `path` is relative to the directory the globs are
    /// relative to (the current one for the command line; see the CLI), `/`-separated.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| set.is_match(path.trim_start_matches("./")))
    }
}

/// The globs of `exclude`; a bad one is its index and the message.
fn build_globs(patterns: &[String]) -> Result<Option<GlobSet>, (usize, String)> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for (index, pattern) in patterns.iter().enumerate() {
        let glob = |text: &str| {
            Glob::new(text)
                .map_err(|e| (index, format!("invalid exclude pattern {pattern:?}: {e}")))
        };
        builder.add(glob(pattern)?);
        if !pattern.contains('/') {
            builder.add(glob(&format!("**/{pattern}"))?);
        }
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| (0, format!("invalid exclude patterns: {e}")))
}

/// The configuration path serde names, as a [`FieldPath`] to locate.
fn field_path(path: &serde_path_to_error::Path) -> FieldPath {
    path.iter()
        .fold(FieldPath::root(), |path, segment| match segment {
            serde_path_to_error::Segment::Seq { index } => path.index(*index),
            serde_path_to_error::Segment::Map { key } => path.child_owned(key.clone()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                path
            }
        })
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

    /// `(line, column)` of the error of a configuration.
    fn error_at(text: &str) -> (u32, u32) {
        let error = Config::parse(text).expect_err("invalid");
        (error.pos.line, error.pos.column)
    }

    #[test]
    fn errors_carry_their_real_line_and_column() {
        let text = "fail-on: high\nrules:\n  disable:\n  - host-pid\n  - typo-rule\n";
        assert_eq!(error_at(text), (5, 5));
        assert_eq!(
            error_at("severity:\n  host-pid: low\n  nope: high\n"),
            (3, 9)
        );
        assert_eq!(error_at("exclude:\n- ok/**\n- 'a/['\n"), (3, 3));
        assert_eq!(
            error_at("fail-on: high\nrules:\n  enabel: [host-pid]\n"),
            (3, 3)
        );
        assert_eq!(
            error_at("fail-on: high\nseverity:\n  host-pid: severe\n"),
            (3, 13)
        );
    }

    #[test]
    fn only_restricts_the_run() {
        let config = Config::default().only(&["host-pid"]);
        assert!(config.is_enabled("host-pid"));
        assert!(!config.is_enabled("host-ipc"));
    }
}
