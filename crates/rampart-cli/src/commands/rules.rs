//! `rampart rules [ID]`: the catalogue, generated from the registry.

use std::io::{self, Write};

use anyhow::{Result, bail};
use rampart_core::rules::{
    RuleMeta, applies_to, catalogue, examples, find, fix_text, rule_markdown, rules_markdown,
    settings_doc, squash,
};

use crate::cli::{Exit, RulesArgs};

pub fn run(args: &RulesArgs) -> Result<Exit> {
    let rule = match &args.id {
        Some(id) => match find(id) {
            Some(meta) => Some(meta),
            None => bail!(
                "unknown rule {id:?}{}; `rampart rules` lists them",
                rampart_core::suggest::rule_hint(id)
            ),
        },
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let written = write_rules(rule, args.markdown, &mut out).and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    Ok(Exit::Clean)
}

/// One rule in full, or the catalogue as a table; either as Markdown.
fn write_rules(rule: Option<&RuleMeta>, markdown: bool, out: &mut dyn Write) -> io::Result<()> {
    match (rule, markdown) {
        (Some(meta), true) => write!(out, "{}", rule_markdown(meta)),
        (Some(m), false) => {
            writeln!(out, "{} ({})\n\n{}\n", m.id, m.severity, m.title)?;
            writeln!(out, "Applies to:\n  {}\n", applies_to(m.id))?;
            writeln!(out, "Why it matters:\n  {}\n", squash(m.why))?;
            writeln!(out, "How to fix:\n  {}\n", squash(m.fix))?;
            writeln!(out, "Automatic fix:\n  {}\n", fix_text(m.id))?;
            if let Some(settings) = settings_doc(m.id) {
                writeln!(out, "Settings:\n  {settings}\n")?;
            }
            if let Some(examples) = examples(m.id) {
                writeln!(out, "Fails (> marks what the rule reports):")?;
                writeln!(out, "{}", examples.failing.to_text("  "))?;
                writeln!(out, "Passes:")?;
                writeln!(out, "{}", examples.passing.to_text("  "))?;
            }
            writeln!(out, "References:\n  {}", m.references.join("\n  "))
        }
        (None, true) => write!(out, "{}", rules_markdown()),
        (None, false) => {
            let width = catalogue().map(|m| m.id.len()).max().unwrap_or(0);
            for m in catalogue() {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {}",
                    m.id,
                    m.severity.as_str(),
                    m.title
                )?;
            }
            Ok(())
        }
    }
}
