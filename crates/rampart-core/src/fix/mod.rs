//! `rampart fix`: repairs findings in place with the smallest text edits, keeping every
//! comment, blank line, key order, anchor, document separator and line end of the file.
//!
//! Each rule that can be fixed declares a [`Fix`] next to its checks (see
//! [`crate::rules::fix_of`]): for one finding it answers with a [`Patch`] (operations
//! on the object's value, marked [`Safety::Safe`] or [`Safety::Unsafe`]) or with why the
//! finding has no automatic fix. A file is fixed in rounds:
//!
//! 1. parse it (with byte spans, `source::edit`) and find what to fix: the
//!    fixable rules' findings (suppressed ones are not reported, so not fixed), the
//!    run rules' findings the caller passes in, or the Pod Security violations with
//!    `--pss`;
//! 2. plan: each finding's fix sees the value as the fixes before it left it, and its
//!    patch is applied to that planned value; the planned value is then compared with
//!    the parsed one field by field, and each difference becomes one text edit at the
//!    field's position (two fixes creating the same `securityContext` make one insertion);
//! 3. apply the edits back to front, parse the result and check it reads as exactly the
//!    planned value; then look again, until nothing is left to fix.
//!
//! A file that does not parse is never changed, and neither is one whose edited text
//! would not read as planned.

mod dockerfile;
mod patch;
mod plan;
mod pss;
mod site;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

pub use patch::{Conflict, Op, Patch, Proposal, Safety, apply, pointer, value_at};
pub use pss::pss_rule;
pub use site::{
    DockerfileFix, Fix, Site, ValueFix, flag_like, remove_in_container, remove_in_service,
    remove_setting, set_flag, set_text,
};

use crate::artefact::FileKind;
use crate::field_path::FieldPath;
use crate::finding::Finding;
use crate::object::ObjectRef;
use crate::pss::LevelVersion;
use crate::rules::{Collected, catalogue, fix_of};
use crate::scan::ScanOptions;
use crate::source::edit::TextEdit;
use crate::source::{InputError, LineIndex, Pos, decode};

/// Rounds of fixing a file before giving up on reaching a state with nothing left to
/// fix (each round only runs when the one before changed the text).
const MAX_ROUNDS: usize = 6;

/// What a fix run repairs, and how far it may go.
#[derive(Debug, Clone)]
pub struct FixOptions {
    /// Parser limits, workload kinds and the rule selection (`--rule`, the
    /// configuration) of the run.
    pub scan: ScanOptions,
    /// Apply fixes marked unsafe too (`--unsafe`).
    pub unsafe_fixes: bool,
    /// Fix what blocks this Pod Security level instead of the rules' findings (`--pss`).
    pub pss: Option<LevelVersion>,
    /// The scan that finds what to fix: the selected rules that have a fix (or
    /// `pod-security` with `--pss`).
    checks: ScanOptions,
    /// Rounds of fixing at most ([`MAX_ROUNDS`]; 1 for SARIF suggestions, which only
    /// offer the first round's edits).
    rounds: usize,
}

impl FixOptions {
    /// Options fixing the findings of the rules `scan` selects that have a fix (or, with
    /// `pss`, what blocks that Pod Security level).
    pub fn new(scan: ScanOptions, unsafe_fixes: bool, pss: Option<LevelVersion>) -> Self {
        let mut checks = scan.clone();
        let ids: Vec<&str> = match pss {
            Some(_) => vec![pss::POD_SECURITY],
            None => fixable_rules()
                .filter(|id| scan.config.is_enabled(id))
                .collect(),
        };
        checks.config = checks.config.clone().only(&ids);
        checks.pss = pss;
        Self {
            scan,
            unsafe_fixes,
            pss,
            checks,
            rounds: MAX_ROUNDS,
        }
    }

    /// Whether the run needs the run rules' findings (a run rule with a fix is selected):
    /// the caller then scans every file first and passes each file its run findings.
    pub fn needs_run_rules(&self) -> bool {
        crate::rules::run_registry()
            .iter()
            .any(|rule| rule.fix.is_some() && self.checks.config.is_enabled(rule.meta.id))
    }

    /// The options of the scan that finds what to fix.
    pub fn checks(&self) -> &ScanOptions {
        &self.checks
    }
}

/// The ids of the rules that have a fix, in catalogue order.
pub fn fixable_rules() -> impl Iterator<Item = &'static str> {
    catalogue()
        .map(|meta| meta.id)
        .filter(|id| fix_of(id).is_some())
}

/// A finding a run rule reported about an object of the file (see
/// [`crate::scan::run_checks`]).
#[derive(Debug, Clone)]
pub struct RunFinding {
    /// 0-based index of the object's document in the file.
    pub document: usize,
    /// The object.
    pub object: ObjectRef,
    /// The finding, its path from the object's root.
    pub finding: Finding,
}

/// A finding a fix was asked to repair.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The rule whose fix repairs it.
    pub rule: &'static str,
    /// The Pod Security check it breaks (`--pss`), if that is why it is fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<&'static str>,
    /// 0-based index of its document in the file.
    pub document: usize,
    /// The object it is about.
    #[serde(flatten)]
    pub object: Arc<ObjectRef>,
    /// The offending field, from the object's root (the document's for Compose files).
    pub path: FieldPath,
    /// Where the field (or its nearest ancestor) is in the text the round read.
    #[serde(flatten)]
    pub pos: Pos,
    /// The finding's message.
    pub message: String,
}

/// A finding repaired.
#[derive(Debug, Clone, Serialize)]
pub struct Fixed {
    /// The finding.
    #[serde(flatten)]
    pub target: Target,
    /// Whether the fix could change what the workload does.
    pub safety: Safety,
    /// The change as RFC 6902 JSON Patch operations on the object (the Compose document);
    /// `None` for a Dockerfile.
    pub patch: Option<Vec<Value>>,
    /// The text edits it took, as byte ranges of the text its round read (the original
    /// file for round 0). An edit two fixes share is listed under both.
    pub edits: Vec<TextEdit>,
    /// 0 when fixed in the first pass over the file; later rounds fix what earlier fixes
    /// made fixable, in the text the previous round wrote.
    pub round: usize,
}

/// Why a finding was not repaired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Reason {
    /// Its fix is unsafe and `--unsafe` was not given.
    NeedsUnsafe,
    /// The rule has no automatic fix for this case.
    NoFix(String),
    /// The edit would be ambiguous or would not keep the text's layout.
    NotEdited(String),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NeedsUnsafe => f.write_str(
                "the fix may change what the workload does: run with --unsafe to apply it",
            ),
            Self::NoFix(why) => write!(f, "no automatic fix: {why}"),
            Self::NotEdited(why) => write!(f, "not edited: {why}"),
        }
    }
}

/// A finding left as it was.
#[derive(Debug, Clone, Serialize)]
pub struct Unfixed {
    /// The finding.
    #[serde(flatten)]
    pub target: Target,
    /// Why.
    pub reason: Reason,
}

/// The outcome of fixing one file.
#[derive(Debug, Default)]
pub struct FileFix {
    /// The fixed text (the file's bytes, byte order mark kept), when anything changed.
    pub fixed: Option<Vec<u8>>,
    /// The findings repaired, in order.
    pub applied: Vec<Fixed>,
    /// The findings left, as the last round saw them.
    pub unfixed: Vec<Unfixed>,
    /// Why the file was not fixed at all: it does not parse (then nothing is written).
    pub errors: Vec<InputError>,
    /// The fixed file's objects for the run rules (see [`FixOptions::needs_run_rules`]).
    pub collected: Vec<Collected>,
    /// Rounds that changed the text.
    pub rounds: usize,
}

impl FileFix {
    /// The edits that turn the original bytes into the fixed ones, as a list of
    /// non-overlapping line-level replacements (byte ranges of the original).
    pub fn edits(&self, original: &[u8]) -> Vec<TextEdit> {
        let Some(fixed) = &self.fixed else {
            return Vec::new();
        };
        let (Ok(old), Ok(new)) = (std::str::from_utf8(original), std::str::from_utf8(fixed)) else {
            return Vec::new();
        };
        net_edits(old, new)
    }
}

/// Line-level edits from `old` to `new`.
fn net_edits(old: &str, new: &str) -> Vec<TextEdit> {
    let starts = |text: &str| -> Vec<usize> {
        std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|i| *i <= text.len())
            .collect()
    };
    let (old_starts, new_starts) = (starts(old), starts(new));
    let offset =
        |starts: &[usize], text: &str, line: usize| starts.get(line).copied().unwrap_or(text.len());
    let diff = similar::TextDiff::from_lines(old, new);
    let mut edits: Vec<TextEdit> = Vec::new();
    for op in diff.ops() {
        if matches!(op.tag(), similar::DiffTag::Equal) {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let edit = TextEdit {
            start: offset(&old_starts, old, old_range.start),
            end: offset(&old_starts, old, old_range.end),
            text: new
                .get(
                    offset(&new_starts, new, new_range.start)
                        ..offset(&new_starts, new, new_range.end),
                )
                .unwrap_or_default()
                .to_owned(),
        };
        match edits.last_mut() {
            Some(last) if last.end == edit.start => {
                last.end = edit.end;
                last.text.push_str(&edit.text);
            }
            _ => edits.push(edit),
        }
    }
    edits
}

/// Fixes one file named `name` (a Dockerfile by its name, any other by its documents'
/// content, as [`crate::scan::scan_file`] tells them apart). `run` are the run rules'
/// findings about its objects, when the caller has them.
pub fn fix_file(name: &str, bytes: &[u8], options: &FixOptions, run: &[RunFinding]) -> FileFix {
    let text = match decode(bytes, &options.scan.limits) {
        Ok(text) => text,
        Err(error) => {
            return FileFix {
                errors: vec![error],
                ..FileFix::default()
            };
        }
    };
    // A kubelet flags file (a systemd drop-in, an environment file) is read for the
    // cluster rules, none of which has a fix: there is nothing to edit.
    if crate::cluster::kubelet_flags_document(text).is_some() {
        return FileFix::default();
    }
    let bom = &bytes[..bytes.len() - text.len()];
    let mut fixed = match FileKind::of(name, bytes) {
        FileKind::Dockerfile => dockerfile::fix(name, text, options),
        kind => plan::fix_documents(name, kind, text, options, run),
    };
    if let Some(new) = fixed.fixed.as_mut() {
        new.splice(0..0, bom.iter().copied());
    }
    for edit in fixed.applied.iter_mut().flat_map(|f| f.edits.iter_mut()) {
        edit.start += bom.len();
        edit.end += bom.len();
    }
    let file_name: Arc<str> = Arc::from(name);
    for collected in &mut fixed.collected {
        collected.file_name = Arc::clone(&file_name);
    }
    fixed
}

/// A safe fix offered for one finding, as a code-scanning tool shows it: replacements
/// of regions of the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The rule.
    pub rule: &'static str,
    /// 0-based index of the finding's document.
    pub document: usize,
    /// The object the finding is about.
    pub object: Arc<ObjectRef>,
    /// The finding's path.
    pub path: FieldPath,
    /// What the fix does.
    pub description: &'static str,
    /// The replacements, in file order.
    pub replacements: Vec<Replacement>,
}

/// A region of a file (1-based lines, columns in characters; `end` is exclusive) and
/// the text that replaces it; an insertion when `start == end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// First character replaced.
    pub start: Pos,
    /// Just past the last character replaced.
    pub end: Pos,
    /// 0-based offset of `start` in characters from the start of the file.
    pub char_offset: usize,
    /// Characters replaced.
    pub char_length: usize,
    /// The new text.
    pub text: String,
}

/// The safe fixes of one file's findings that the first pass over the file makes (the
/// ones whose edits apply to the file as it is), for `scan --format sarif`.
pub fn suggestions(name: &str, bytes: &[u8], options: &FixOptions) -> Vec<Suggestion> {
    let safe_only = FixOptions {
        unsafe_fixes: false,
        pss: None,
        rounds: 1,
        ..options.clone()
    };
    let fixed = fix_file(name, bytes, &safe_only, &[]);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let lines = LineIndex::new(text);
    fixed
        .applied
        .into_iter()
        .filter(|f| f.round == 0)
        .map(|f| Suggestion {
            rule: f.target.rule,
            document: f.target.document,
            description: fix_of(f.target.rule).map_or("", |fix| fix.summary),
            object: f.target.object,
            path: f.target.path,
            replacements: f
                .edits
                .iter()
                .map(|edit| replacement(&lines, edit))
                .collect(),
        })
        .collect()
}

fn replacement(lines: &LineIndex<'_>, edit: &TextEdit) -> Replacement {
    let chars =
        |range: std::ops::Range<usize>| lines.text().get(range).map_or(0, |t| t.chars().count());
    Replacement {
        start: lines.pos(edit.start),
        end: lines.pos(edit.end),
        char_offset: chars(0..edit.start),
        char_length: chars(edit.start..edit.end),
        text: edit.text.clone(),
    }
}

#[cfg(test)]
mod tests;
