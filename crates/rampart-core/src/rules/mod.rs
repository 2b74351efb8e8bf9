//! The hardening catalogue: one unit per rule, listed once in [`registry`].
//!
//! A rule is metadata ([`RuleMeta`]: id, severity, title, why, fix, references) and a
//! check over an object ([`CheckContext`]). Documentation (`rampart rules`,
//! `docs/rules.md`) is generated from the metadata.

mod context;
mod docs;
mod pod;

pub use context::{CheckContext, Findings};
pub use docs::{rule_markdown, rules_markdown, squash};

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

/// Every rule, in documentation order.
pub fn registry() -> &'static [Rule] {
    pod::RULES
}

/// The rule with id `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    registry().iter().find(|rule| rule.meta.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in registry() {
            let id = rule.meta.id;
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{id} is not kebab-case"
            );
            assert!(
                !rule.meta.title.is_empty()
                    && !rule.meta.why.is_empty()
                    && !rule.meta.fix.is_empty(),
                "{id}"
            );
            assert!(!rule.meta.references.is_empty(), "{id} has no reference");
        }
        assert!(find("privileged-container").is_some());
        assert!(find("no-such-rule").is_none());
    }
}
