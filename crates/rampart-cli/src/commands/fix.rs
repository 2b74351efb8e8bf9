//! `rampart fix`: repairs findings in place with minimal text edits (the engine is
//! `rampart_core::fix`); prints a unified diff per file, or writes the files atomically.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};
use rampart_core::fix::{FileFix, FixOptions, Reason, RunFinding, fix_file};
use rampart_core::rules::fix_of;
use rampart_core::scan::{ScanOptions, run_checks};
use rampart_core::source::{InputError, Limits};
use serde_json::{Value, json};

use crate::cli::{Exit, FixArgs, FixFormat};
use crate::input::{self, Input};

/// One input and what fixing it gave.
struct Outcome {
    input: Input,
    name: String,
    /// The bytes read (empty when unreadable).
    original: Vec<u8>,
    fix: FileFix,
    /// Why the input is not fixed at all, besides input errors (rendered manifests).
    skipped: Option<&'static str>,
    /// Set when the fixed text was written.
    written: bool,
}

impl Outcome {
    fn changed(&self) -> bool {
        self.fix.fixed.is_some()
    }

    /// The text the file has after fixing.
    fn current(&self) -> &[u8] {
        self.fix.fixed.as_deref().unwrap_or(&self.original)
    }
}

pub fn run(args: &FixArgs) -> Result<Exit> {
    let mut config = super::scan::load_config(args.config.as_deref())?;
    if !args.rules.is_empty() {
        let ids: Vec<&str> = args.rules.iter().map(String::as_str).collect();
        for id in &ids {
            if rampart_core::rules::find(id).is_none() {
                bail!("unknown rule {id:?}; `rampart rules` lists them");
            }
            if fix_of(id).is_none() {
                bail!("rule {id:?} has no automatic fix; `rampart rules {id}` says how to fix it");
            }
        }
        config = config.only(&ids);
    }
    let limit = args.input.max_file_size;
    let mut scan = ScanOptions::from_config(config);
    scan.limits = Limits::for_file_size(limit);
    let options = FixOptions::new(scan, args.unsafe_fixes, args.pss);
    let (inputs, missing) = input::collect(
        &args.input.paths,
        input::Walk::Scannable,
        &input::excluded_by(&options.scan.config),
        &args.input.render_options(),
    );
    let mut outcomes = fix_inputs(&inputs, &options, limit);
    if options.needs_run_rules() {
        fix_run_findings(&mut outcomes, &options);
    }
    if args.write {
        for outcome in outcomes.iter_mut().filter(|o| o.changed()) {
            if let Input::File(path) = &outcome.input {
                match write_atomically(path, &outcome.original, outcome.current()) {
                    Ok(()) => outcome.written = true,
                    Err(error) => outcome.fix.errors.push(InputError::new(
                        rampart_core::source::Pos::new(1, 1),
                        format!("cannot write the fixed file: {error}"),
                    )),
                }
            }
        }
    }
    let missing: Vec<(String, String)> = missing.into_iter().map(|m| (m.name, m.message)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        FixFormat::Text => write_text(&outcomes, &missing, args, &mut out),
        FixFormat::Json => write_json(&outcomes, &missing, &mut out),
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    let errors = !missing.is_empty() || outcomes.iter().any(|o| !o.fix.errors.is_empty());
    let pending = if args.write {
        outcomes.iter().any(|o| !o.fix.unfixed.is_empty())
    } else {
        outcomes.iter().any(Outcome::changed)
    };
    Ok(if errors {
        Exit::Usage
    } else if pending {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Fixes every input in parallel (run rules' findings come after, see
/// [`fix_run_findings`]).
fn fix_inputs(inputs: &[Input], options: &FixOptions, limit: u64) -> Vec<Outcome> {
    let fixed = input::map_inputs(inputs, limit, |name, bytes| match bytes {
        Ok(bytes) => {
            let fix = fix_file(&name, &bytes, options, &[]);
            (name, bytes, fix)
        }
        Err(error) => {
            let fix = FileFix {
                errors: vec![InputError::new(
                    rampart_core::source::Pos::new(1, 1),
                    format!("cannot read: {error}"),
                )],
                ..FileFix::default()
            };
            (name, Vec::new(), fix)
        }
    });
    inputs
        .iter()
        .zip(fixed)
        .map(|(input, (name, original, mut fix))| {
            let skipped = matches!(input, Input::Rendered(_))
                .then_some("rendered from a Helm chart or a Kustomize directory: fix its sources");
            if skipped.is_some() {
                fix = FileFix::default();
            }
            Outcome {
                input: input.clone(),
                name,
                original,
                fix,
                skipped,
                written: false,
            }
        })
        .collect()
}

/// Fixes what the run rules find across files (a pod's token, judged with its
/// ServiceAccount from another file), in the already fixed texts.
fn fix_run_findings(outcomes: &mut [Outcome], options: &FixOptions) {
    let mut collected = Vec::new();
    for (file, outcome) in outcomes.iter_mut().enumerate() {
        for mut object in std::mem::take(&mut outcome.fix.collected) {
            object.file = file;
            collected.push(object);
        }
    }
    let mut per_file: BTreeMap<usize, Vec<RunFinding>> = BTreeMap::new();
    for (index, finding) in run_checks(&collected, options.checks()) {
        let object = &collected[index];
        per_file.entry(object.file).or_default().push(RunFinding {
            document: object.document,
            object: object.id.clone(),
            finding,
        });
    }
    for (file, run) in per_file {
        let outcome = &mut outcomes[file];
        if outcome.skipped.is_some() {
            continue;
        }
        let again = fix_file(&outcome.name, outcome.current(), options, &run);
        let rounds = outcome.fix.rounds;
        outcome
            .fix
            .applied
            .extend(again.applied.into_iter().map(|mut fixed| {
                fixed.round += rounds;
                fixed
            }));
        outcome.fix.unfixed = again.unfixed;
        outcome.fix.errors.extend(again.errors);
        outcome.fix.rounds += again.rounds;
        if again.fixed.is_some() {
            outcome.fix.fixed = again.fixed;
        }
    }
}

/// Replaces `path`'s content with `bytes`: a temporary file in the same directory, then
/// a rename over the file (the one a symbolic link points at), with the file's
/// permissions. Refuses when the file changed since it was read.
fn write_atomically(path: &Path, read: &[u8], bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    if std::fs::read(&target)? != read {
        return Err(std::io::Error::other(
            "the file changed while it was being fixed",
        ));
    }
    let permissions = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.as_file().set_permissions(permissions)?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

fn write_text(
    outcomes: &[Outcome],
    missing: &[(String, String)],
    args: &FixArgs,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for (name, message) in missing {
        writeln!(err, "{name}:1:1: error: {message}")?;
    }
    let (mut fixed, mut files, mut needs_unsafe, mut left) = (0, 0, 0, 0);
    for outcome in outcomes {
        if let Some(why) = outcome.skipped {
            writeln!(err, "{}: not fixed: {why}", outcome.name)?;
            continue;
        }
        for error in &outcome.fix.errors {
            writeln!(
                err,
                "{}:{}:{}: error: {} (not fixed)",
                outcome.name, error.pos.line, error.pos.column, error.message
            )?;
        }
        if matches!(outcome.input, Input::Stdin) {
            out.write_all(outcome.current())?;
        } else if outcome.changed() && !args.write {
            write_diff(out, &outcome.name, &outcome.original, outcome.current())?;
        }
        if outcome.changed() {
            files += 1;
            fixed += outcome.fix.applied.len();
        }
        for unfixed in &outcome.fix.unfixed {
            if unfixed.reason == Reason::NeedsUnsafe {
                needs_unsafe += 1;
                continue;
            }
            left += 1;
            let t = &unfixed.target;
            let about = match t.check {
                Some(check) => format!("{} [{check}]", t.rule),
                None => t.rule.to_owned(),
            };
            writeln!(
                err,
                "{}:{}:{}: {about}: {} [{}: {}]",
                outcome.name,
                t.pos.line,
                t.pos.column,
                unfixed.reason,
                t.object.label(),
                t.path
            )?;
        }
    }
    let verb = if args.write { "fixed" } else { "would fix" };
    let mut summary = format!(
        "{verb} {fixed} finding{} in {files} file{}",
        plural(fixed),
        plural(files)
    );
    if needs_unsafe > 0 {
        summary.push_str(&format!(
            "; {needs_unsafe} more fix{} need{} --unsafe",
            if needs_unsafe == 1 { "" } else { "es" },
            if needs_unsafe == 1 { "s" } else { "" }
        ));
    }
    if left > 0 {
        summary.push_str(&format!(
            "; {left} finding{} not fixable (listed above)",
            plural(left)
        ));
    }
    writeln!(err, "{summary}")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A unified diff of one file (`--- name` / `+++ name`), 3 lines of context.
fn write_diff(out: &mut dyn Write, name: &str, old: &[u8], new: &[u8]) -> std::io::Result<()> {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(name, name)
    )
}

fn write_json(
    outcomes: &[Outcome],
    missing: &[(String, String)],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let files: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut file = json!({
                "file": o.name,
                "changed": o.changed(),
                "written": o.written,
                "fixed": o.fix.applied,
                "unfixed": o.fix.unfixed,
                "edits": o.fix.edits(&o.original),
                "errors": o.fix.errors,
            });
            if let Some(why) = o.skipped {
                file["skipped"] = json!(why);
            }
            if matches!(o.input, Input::Stdin) {
                file["text"] = json!(String::from_utf8_lossy(o.current()));
            }
            file
        })
        .collect();
    let errors: Vec<Value> = missing
        .iter()
        .map(|(file, message)| json!({"file": file, "line": 1, "column": 1, "message": message}))
        .collect();
    let count = |f: &dyn Fn(&Outcome) -> usize| outcomes.iter().map(f).sum::<usize>();
    let report = json!({
        "files": files,
        "errors": errors,
        "summary": {
            "files": outcomes.len(),
            "changed": count(&|o| usize::from(o.changed())),
            "fixed": count(&|o| o.fix.applied.len()),
            "unfixed": count(&|o| o.fix.unfixed.len()),
        },
    });
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
