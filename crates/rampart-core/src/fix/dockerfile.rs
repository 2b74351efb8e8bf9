//! Fixing Dockerfiles: instructions appended to the final stage (the end of the file).

use std::borrow::Cow;
use std::sync::Arc;

use super::patch::Op;
use super::{FileFix, FixOptions, Fixed, Reason, Safety, Target, Unfixed};
use crate::docker::{DockerfileView, parse_dockerfile};
use crate::rules::fix_of;
use crate::scan::scan_file;
use crate::source::InputError;
use crate::source::Pos;
use crate::source::edit::{TextEdit, apply_edits};

/// Fixes a Dockerfile named `name`.
pub(super) fn fix(name: &str, text: &str, options: &FixOptions) -> FileFix {
    let mut out = FileFix::default();
    let mut current: Cow<'_, str> = Cow::Borrowed(text);
    let mut expected: Option<usize> = None;
    for round in 0..=options.rounds {
        let parsed = match parse_dockerfile(&current) {
            Ok(parsed) => parsed,
            Err(error) if round == 0 => {
                out.errors = vec![error];
                return out;
            }
            Err(_) => return broken(name),
        };
        if expected.is_some_and(|n| n != parsed.dockerfile.instructions.len()) {
            return broken(name);
        }
        let mut scan = scan_file(name, current.as_bytes(), options.checks());
        let view = DockerfileView::new(&parsed.dockerfile);
        let mut lines: Vec<String> = Vec::new();
        let mut applied = Vec::new();
        out.unfixed.clear();
        for finding in &scan.findings {
            let target = Target {
                rule: finding.finding.rule,
                check: None,
                document: 0,
                object: Arc::clone(&finding.object),
                path: finding.finding.path.clone(),
                pos: parsed.positions.locate(&finding.finding.path).pos,
                message: finding.finding.message.clone(),
            };
            let proposal = match fix_of(target.rule).and_then(|fix| fix.dockerfile) {
                Some(function) => {
                    function(&view, &target.path).map_err(|why| Reason::NoFix(why.into_owned()))
                }
                None => Err(Reason::NoFix(format!(
                    "{} has no automatic fix for Dockerfiles",
                    target.rule
                ))),
            };
            let patch = match proposal {
                Ok(patch) if patch.safety == Safety::Unsafe && !options.unsafe_fixes => {
                    Err(Reason::NeedsUnsafe)
                }
                other => other,
            };
            match patch {
                Ok(patch) => {
                    for op in &patch.ops {
                        if let Op::Line { text } = op
                            && !lines.contains(text)
                        {
                            lines.push(text.clone());
                        }
                    }
                    applied.push((target, patch.safety));
                }
                Err(reason) => out.unfixed.push(Unfixed { target, reason }),
            }
        }
        if lines.is_empty() || round == options.rounds {
            out.collected = std::mem::take(&mut scan.collected);
            break;
        }
        let edit = append_lines(&current, &lines);
        out.applied
            .extend(applied.into_iter().map(|(target, safety)| Fixed {
                target,
                safety,
                patch: None,
                edits: vec![edit.clone()],
                round,
            }));
        expected = Some(parsed.dockerfile.instructions.len() + lines.len());
        drop(view);
        drop(parsed);
        current = Cow::Owned(apply_edits(&current, &[edit]));
        out.rounds = round + 1;
    }
    if let Cow::Owned(fixed) = current {
        out.fixed = Some(fixed.into_bytes());
    }
    out
}

/// An insertion of `lines` at the end of `text`, in its line ends.
fn append_lines(text: &str, lines: &[String]) -> TextEdit {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut inserted = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        inserted.push_str(eol);
    }
    for line in lines {
        inserted.push_str(line);
        inserted.push_str(eol);
    }
    TextEdit {
        start: text.len(),
        end: text.len(),
        text: inserted,
    }
}

fn broken(name: &str) -> FileFix {
    FileFix {
        errors: vec![InputError::new(
            Pos::new(1, 1),
            format!(
                "the fixed Dockerfile does not read as planned: {name} was left unchanged (please report this as a bug)"
            ),
        )],
        ..FileFix::default()
    }
}
