//! `rampart rules [ID]`: the catalogue, generated from the registry.

use std::io::Write;

use anyhow::{Result, bail};
use rampart_core::rules::{find, registry, rule_markdown, rules_markdown, squash};

use crate::cli::{Exit, RulesArgs};

pub fn run(args: &RulesArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    match (&args.id, args.markdown) {
        (Some(id), _) => {
            let Some(rule) = find(id) else {
                bail!("unknown rule {id:?}; `rampart rules` lists them");
            };
            if args.markdown {
                write!(out, "{}", rule_markdown(&rule.meta))?;
            } else {
                let m = &rule.meta;
                writeln!(out, "{} ({})\n\n{}\n", m.id, m.severity, m.title)?;
                writeln!(out, "Why it matters:\n  {}\n", squash(m.why))?;
                writeln!(out, "How to fix:\n  {}\n", squash(m.fix))?;
                writeln!(out, "References:\n  {}", m.references.join("\n  "))?;
            }
        }
        (None, true) => write!(out, "{}", rules_markdown())?,
        (None, false) => {
            let width = registry()
                .iter()
                .map(|r| r.meta.id.len())
                .max()
                .unwrap_or(0);
            for rule in registry() {
                let m = &rule.meta;
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {}",
                    m.id,
                    m.severity.as_str(),
                    m.title
                )?;
            }
        }
    }
    Ok(Exit::Clean)
}
