//! The hardening catalogue: one unit per rule, listed once in [`registry`].
//!
//! A rule is metadata ([`RuleMeta`]: id, severity, title, why, fix, references) and a
//! check over an object ([`CheckContext`]). Documentation (`rampart rules`,
//! `docs/rules.md`) is generated from the metadata.

mod cis;
mod cluster;
mod context;
mod docs;
mod keep;
mod network;
mod pod;
mod rbac;
mod run;

pub use context::{CheckContext, Findings};
pub use docs::{rule_markdown, rules_markdown, squash};
pub use keep::Keep;
pub use run::{Collected, RunContext, RunFindings, RunRule, collects, kept_part};

use std::sync::LazyLock;

use crate::finding::Severity;

/// Everything a user needs to know about a rule, without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case id, e.g. `privileged-container`.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule flags.
    pub title: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Standards that ask for it (CIS, NSA/CISA, PSS control...).
    pub references: &'static [&'static str],
}

/// A catalogue rule: metadata plus a check.
#[derive(Clone, Copy)]
pub struct Rule {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// The check: pushes findings about the object in `ctx`.
    pub check: fn(&CheckContext<'_>, &mut Findings),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.meta.id).finish()
    }
}

/// Object rules: pods, then cluster configuration, then RBAC roles.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    pod::RULES
        .iter()
        .copied()
        .chain(cluster::rules())
        .chain(rbac::rules())
        .collect()
});

/// Run rules: network, then RBAC bindings.
static RUN_RULES: LazyLock<Vec<RunRule>> = LazyLock::new(|| {
    network::RULES
        .iter()
        .chain(rbac::RUN_RULES)
        .copied()
        .collect()
});

/// The rules that check one object at a time, in documentation order.
pub fn registry() -> &'static [Rule] {
    &RULES
}

/// The rules that look across every object of a run (NetworkPolicies and pods, RBAC...).
pub fn run_registry() -> &'static [RunRule] {
    &RUN_RULES
}

/// The metadata of every rule, object and run rules alike, in documentation order.
pub fn catalogue() -> impl Iterator<Item = &'static RuleMeta> {
    registry()
        .iter()
        .map(|r| &r.meta)
        .chain(run_registry().iter().map(|r| &r.meta))
}

/// For rules judging component settings: the flags and config-file fields they read, with
/// the binary defaults assumed when a setting is absent.
pub fn settings_doc(id: &str) -> Option<String> {
    cluster::settings_doc(id)
}

/// The metadata of the rule with id `id`.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    catalogue().find(|meta| meta.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for meta in catalogue() {
            let id = meta.id;
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{id} is not kebab-case"
            );
            assert!(
                !meta.title.is_empty() && !meta.why.is_empty() && !meta.fix.is_empty(),
                "{id}"
            );
            assert!(!meta.references.is_empty(), "{id} has no reference");
        }
        assert!(find("privileged-container").is_some());
        assert!(find("no-such-rule").is_none());
    }
}
