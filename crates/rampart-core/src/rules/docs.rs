//! Rule documentation generated from the registry's metadata.

use std::fmt::Write;

use super::{RuleMeta, catalogue, registry};

/// The Markdown of `docs/rules.md`: an index, then one section per rule.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# rampart rules\n\n<!-- Generated from the rule registry by `rampart rules --markdown`; do not edit. -->\n\n\
         | id | severity | title |\n| --- | --- | --- |\n",
    );
    for m in catalogue() {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            m.id, m.id, m.severity, m.title
        );
    }
    for meta in catalogue() {
        out.push('\n');
        out.push_str(&rule_markdown(meta));
    }
    out
}

/// One rule's section.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {}\n\n**{}** · severity `{}`\n",
        m.id, m.title, m.severity
    );
    let _ = writeln!(out, "**Applies to.** {}\n", applies_to(m.id));
    let _ = writeln!(out, "**Why it matters.** {}\n", squash(m.why));
    let _ = writeln!(out, "**How to fix.** {}\n", squash(m.fix));
    if let Some(settings) = super::settings_doc(m.id) {
        let _ = writeln!(out, "**Settings.** {settings}\n");
    }
    if let Some(files) = super::files_doc(m.id) {
        let _ = writeln!(out, "**Files.** {files}\n");
    }
    if let Some(examples) = super::examples(m.id) {
        let _ = writeln!(out, "{}", examples.to_markdown());
    }
    let _ = writeln!(out, "**References.** {}", m.references.join("; "));
    out
}

/// The artefacts the rule `id` checks, in words (`Kubernetes, Compose, docker inspect`).
pub fn applies_to(id: &str) -> String {
    if let Some(artefacts) = super::cluster::run_artefacts(id) {
        return artefacts.to_owned();
    }
    if super::FILE_RULES.iter().any(|rule| rule.meta.id == id) {
        return "container images' files (`rampart image`)".to_owned();
    }
    registry()
        .iter()
        .find(|rule| rule.meta.id == id)
        .map_or_else(
            || "the objects of a whole scan, across files".to_owned(),
            |rule| rule.checks.artefacts().join(", "),
        )
}

/// Joins the continuation lines of a string literal into single spaces.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
