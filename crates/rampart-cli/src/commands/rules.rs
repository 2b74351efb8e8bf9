//! `rampart rules [ID]`: the catalogue, generated from the registry.

use std::io::Write;

use anyhow::{Result, bail};
use rampart_core::rules::{
    applies_to, catalogue, find, rule_markdown, rules_markdown, settings_doc, squash,
};

use crate::cli::{Exit, RulesArgs};

pub fn run(args: &RulesArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    match (&args.id, args.markdown) {
        (Some(id), _) => {
            let Some(meta) = find(id) else {
                bail!("unknown rule {id:?}; `rampart rules` lists them");
            };
            if args.markdown {
                write!(out, "{}", rule_markdown(meta))?;
            } else {
                let m = meta;
                writeln!(out, "{} ({})\n\n{}\n", m.id, m.severity, m.title)?;
                writeln!(out, "Applies to:\n  {}\n", applies_to(m.id))?;
                writeln!(out, "Why it matters:\n  {}\n", squash(m.why))?;
                writeln!(out, "How to fix:\n  {}\n", squash(m.fix))?;
                if let Some(settings) = settings_doc(m.id) {
                    writeln!(out, "Settings:\n  {settings}\n")?;
                }
                writeln!(out, "References:\n  {}", m.references.join("\n  "))?;
            }
        }
        (None, true) => write!(out, "{}", rules_markdown())?,
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
        }
    }
    Ok(Exit::Clean)
}
