//! Fixing YAML and JSON files: rounds of finding, planning and editing, each checked by
//! parsing the result.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::patch::{Op, apply, value_at};
use super::site::Site;
use super::{FileFix, FixOptions, Fixed, Reason, RunFinding, Target, Unfixed, pss};
use crate::artefact::FileKind;
use crate::field_path::{FieldPath, Segment};
use crate::object::{ObjectRef, objects};
use crate::rules::{Collected, fix_of, registry};
use crate::scan::{FileScan, scan_any_document};
use crate::source::edit::{
    DocumentEditor, FileText, Lookup, Refusal, TextEdit, apply_edits, disjoint,
};
use crate::source::{Document, InputError, Pos, parse_text};

/// Fixes the documents of a YAML or JSON file.
pub(super) fn fix_documents(
    name: &str,
    kind: FileKind,
    text: &str,
    options: &FixOptions,
    run: &[RunFinding],
) -> FileFix {
    let mut out = FileFix::default();
    let mut current: Cow<'_, str> = Cow::Borrowed(text);
    let mut expected: Option<Vec<Value>> = None;
    for round in 0..=options.rounds {
        let parsed = parse_text(&current, &options.scan.limits);
        if !parsed.errors.is_empty() {
            if round > 0 {
                return broken(name, "the fixed text does not parse");
            }
            out.errors = parsed.errors;
            return out;
        }
        let documents = parsed.documents;
        if let Some(expected) = &expected {
            let values: Vec<&Value> = documents.iter().map(|d| &d.value).collect();
            if values.len() != expected.len() || values.iter().zip(expected).any(|(a, b)| *a != b) {
                if std::env::var_os("RAMPART_FIX_DEBUG").is_some() {
                    eprintln!("{current}\n--- got {values:#?}\n--- expected {expected:#?}");
                }
                return broken(name, "the fixed text does not read as the planned objects");
            }
        }
        // The run rules' findings stay to fix until a round fixes them.
        let pending: Vec<RunFinding> = run
            .iter()
            .filter(|f| !out.applied.iter().any(|a| is_run_finding(a, f)))
            .cloned()
            .collect();
        let found = if round < options.rounds {
            round_plan(kind, &current, &documents, options, &pending, round)
        } else {
            RoundPlan::default()
        };
        out.unfixed = found.unfixed;
        if found.edits.is_empty() {
            out.collected = found.collected;
            break;
        }
        out.applied.extend(found.applied);
        current = Cow::Owned(apply_edits(&current, &found.edits));
        expected = Some(found.values);
        out.rounds = round + 1;
    }
    if let Cow::Owned(fixed) = current {
        out.fixed = Some(fixed.into_bytes());
    }
    out
}

fn is_run_finding(applied: &Fixed, finding: &RunFinding) -> bool {
    applied.target.rule == finding.finding.rule
        && applied.target.document == finding.document
        && *applied.target.object == finding.object
        && applied.target.path == finding.finding.path
}

/// A file whose edits went wrong: nothing is written, and the problem is reported.
fn broken(name: &str, what: &str) -> FileFix {
    FileFix {
        errors: vec![InputError::new(
            Pos::new(1, 1),
            format!("{what}: {name} was left unchanged (please report this as a bug)"),
        )],
        ..FileFix::default()
    }
}

/// One round over a file's text.
#[derive(Debug, Default)]
struct RoundPlan {
    edits: Vec<TextEdit>,
    applied: Vec<Fixed>,
    unfixed: Vec<Unfixed>,
    /// Every document's value as the edits will leave it.
    values: Vec<Value>,
    collected: Vec<Collected>,
}

fn round_plan(
    kind: FileKind,
    text: &str,
    documents: &[Document],
    options: &FixOptions,
    run: &[RunFinding],
    round: usize,
) -> RoundPlan {
    let file = FileText::new(text);
    let mut plan = RoundPlan::default();
    for document in documents {
        let mut scan = FileScan::default();
        scan_any_document(kind, document, options.checks(), &mut scan);
        plan.collected.append(&mut scan.collected);
        let mut targets = targets_of(document, &scan, run, options);
        if options.pss.is_some() {
            let (mut violations, unfixable) = pss::targets(document, &scan, options);
            targets.append(&mut violations);
            plan.unfixed.extend(unfixable);
        }
        if targets.is_empty() {
            plan.values.push(document.value.clone());
            continue;
        }
        let editor = file.document(&document.positions);
        let mut planned = plan_document(document, &editor, &targets, options);
        for fixed in &mut planned.applied {
            fixed.round = round;
        }
        plan.edits.append(&mut planned.edits);
        plan.applied.append(&mut planned.applied);
        plan.unfixed.append(&mut planned.unfixed);
        plan.values.push(planned.value);
    }
    plan
}

/// What to fix in `document`: the scan's findings and the run rules' findings about it.
fn targets_of(
    document: &Document,
    scan: &FileScan,
    run: &[RunFinding],
    options: &FixOptions,
) -> Vec<Target> {
    let mut targets = Vec::new();
    if options.pss.is_some() {
        return targets;
    }
    let located = Located::of(document);
    for finding in &scan.findings {
        targets.push(located.target(
            finding.finding.rule,
            &finding.object,
            &finding.finding.path,
            finding.finding.message.clone(),
        ));
    }
    for finding in run.iter().filter(|f| f.document == document.index) {
        targets.push(located.target(
            finding.finding.rule,
            &Arc::new(finding.object.clone()),
            &finding.finding.path,
            finding.finding.message.clone(),
        ));
    }
    targets
}

/// Where the objects of a document are, to place findings.
pub(super) struct Located<'d> {
    document: &'d Document,
    bases: Vec<(ObjectRef, FieldPath)>,
}

impl<'d> Located<'d> {
    pub(super) fn of(document: &'d Document) -> Self {
        let bases = objects(&document.value)
            .map(|found| found.into_iter().map(|o| (o.id, o.base)).collect())
            .unwrap_or_default();
        Self { document, bases }
    }

    /// The base of the object `id` (the document's root for Docker artefacts).
    fn base(&self, id: &ObjectRef) -> FieldPath {
        self.bases
            .iter()
            .find(|(object, _)| object == id)
            .map(|(_, base)| base.clone())
            .unwrap_or_default()
    }

    pub(super) fn target(
        &self,
        rule: &'static str,
        object: &Arc<ObjectRef>,
        path: &FieldPath,
        message: String,
    ) -> Target {
        let pos = self
            .document
            .positions
            .locate(&self.base(object).join(path))
            .pos;
        Target {
            rule,
            check: None,
            document: self.document.index,
            object: Arc::clone(object),
            path: path.clone(),
            pos,
            message,
        }
    }
}

/// The kinds under which Docker artefacts are reported.
const COMPOSE_SERVICE: &str = "ComposeService";
const INSPECT_CONTAINER: &str = "Container";
const DAEMON_CONFIG: &str = "DaemonConfig";

/// One finding whose fix was accepted into the plan.
struct Accepted {
    target: usize,
    safety: super::Safety,
    /// Operations with paths from the document's root.
    ops: Vec<Op>,
    patch: Vec<Value>,
}

/// A document's plan: its edits, and what became of each target.
struct DocumentPlan {
    edits: Vec<TextEdit>,
    applied: Vec<Fixed>,
    unfixed: Vec<Unfixed>,
    value: Value,
}

fn plan_document(
    document: &Document,
    editor: &DocumentEditor<'_>,
    targets: &[Target],
    options: &FixOptions,
) -> DocumentPlan {
    let mut refused: BTreeMap<usize, Reason> = BTreeMap::new();
    loop {
        let mut planned = document.value.clone();
        let mut accepted = Vec::new();
        let mut unfixed = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            if let Some(reason) = refused.get(&index) {
                unfixed.push(Unfixed {
                    target: target.clone(),
                    reason: reason.clone(),
                });
                continue;
            }
            match propose(target, &mut planned, options) {
                Ok((safety, ops, patch)) => accepted.push(Accepted {
                    target: index,
                    safety,
                    ops,
                    patch,
                }),
                Err(reason) => unfixed.push(Unfixed {
                    target: target.clone(),
                    reason,
                }),
            }
        }
        match render(editor, &document.value, &planned, &accepted) {
            Ok((edits, per_target)) => {
                let applied = accepted
                    .into_iter()
                    .map(|a| Fixed {
                        target: targets[a.target].clone(),
                        safety: a.safety,
                        patch: Some(a.patch),
                        edits: per_target.get(&a.target).cloned().unwrap_or_default(),
                        round: 0,
                    })
                    .collect();
                return DocumentPlan {
                    edits,
                    applied,
                    unfixed,
                    value: planned,
                };
            }
            Err((contributors, refusal)) => {
                for target in contributors {
                    refused.insert(target, Reason::NotEdited(refusal.to_string()));
                }
            }
        }
    }
}

/// The fix of `target`, applied to `planned`: its safety, operations (from the
/// document's root) and JSON Patch (from the object's root).
fn propose(
    target: &Target,
    planned: &mut Value,
    options: &FixOptions,
) -> Result<(super::Safety, Vec<Op>, Vec<Value>), Reason> {
    let Some(fix) = fix_of(target.rule) else {
        return Err(Reason::NoFix(format!(
            "the rule {} has no automatic fix",
            target.rule
        )));
    };
    let kind = target.object.kind.as_str();
    let (function, base, pod_spec) = match kind {
        COMPOSE_SERVICE => (fix.compose, FieldPath::root(), None),
        INSPECT_CONTAINER => {
            return Err(Reason::NoFix(
                "`docker inspect` output records a container as it runs: change how it is started"
                    .to_owned(),
            ));
        }
        DAEMON_CONFIG => {
            return Err(Reason::NoFix(
                "daemon.json settings apply to every container of the host: change them by hand"
                    .to_owned(),
            ));
        }
        _ => {
            let found = objects(planned).ok().and_then(|found| {
                let mut matching = found.into_iter().filter(|o| o.id == *target.object);
                let first = matching.next()?;
                matching.next().is_none().then_some(first.base)
            });
            let Some(base) = found else {
                return Err(Reason::NotEdited(
                    "the object is not the only one of its kind, namespace and name in its document".to_owned(),
                ));
            };
            let pod_spec = options
                .scan
                .workloads
                .template_of(&target.object)
                .map(|location| location.spec);
            (fix.kubernetes, base, pod_spec)
        }
    };
    let Some(function) = function else {
        return Err(Reason::NoFix(format!(
            "{} has an automatic fix for {} only",
            target.rule,
            fix.artefacts().join(", ")
        )));
    };
    let Some(root) = value_at(planned, &base) else {
        return Err(Reason::NotEdited(
            "the object is not in the document".to_owned(),
        ));
    };
    let site = Site {
        root,
        path: &target.path,
        pod_spec: pod_spec.as_ref(),
    };
    let patch = function(&site).map_err(|why| Reason::NoFix(why.into_owned()))?;
    if patch.safety == super::Safety::Unsafe && !options.unsafe_fixes {
        return Err(Reason::NeedsUnsafe);
    }
    // One operation applies whole or not at all; several are tried on a copy first.
    let mut scratch = (patch.ops.len() > 1).then(|| planned.clone());
    let target = scratch.as_mut().unwrap_or(planned);
    let mut json_patch = Vec::new();
    let mut ops = Vec::new();
    for op in &patch.ops {
        let op_patch = apply(target, &base, op).map_err(|conflict| {
            Reason::NotEdited(format!("{} (another fix changed it first)", conflict.0))
        })?;
        json_patch.extend(op_patch);
        ops.push(absolute(op, &base));
    }
    if let Some(scratch) = scratch {
        *planned = scratch;
    }
    Ok((patch.safety, ops, json_patch))
}

fn absolute(op: &Op, base: &FieldPath) -> Op {
    match op {
        Op::Set { path, value } => Op::Set {
            path: base.join(path),
            value: value.clone(),
        },
        Op::Append { path, value } => Op::Append {
            path: base.join(path),
            value: value.clone(),
        },
        Op::Remove { path } => Op::Remove {
            path: base.join(path),
        },
        Op::Line { text } => Op::Line { text: text.clone() },
    }
}

/// One edit to make, found by comparing the planned value with the parsed one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Change {
    /// New keys in the mapping at the path.
    Insert(FieldPath),
    /// New items at the end of the sequence at the path.
    Append(FieldPath),
    /// A new value for the scalar at the path.
    Replace(FieldPath),
    /// The entry or item at the path goes.
    Remove(FieldPath),
    /// A change the editor does not make (a list reordered...).
    Unsupported(FieldPath),
}

type Rendered = (Vec<TextEdit>, BTreeMap<usize, Vec<TextEdit>>);

/// An insertion for one change: the depth of its mapping, the edit, and the fixes that
/// need it.
type Insertion<'a> = (usize, TextEdit, &'a Vec<usize>);

/// The text edits that turn `original` into `planned`, for the paths the accepted fixes
/// touch, with the edits each fix took.
fn render(
    editor: &DocumentEditor<'_>,
    original: &Value,
    planned: &Value,
    accepted: &[Accepted],
) -> Result<Rendered, (Vec<usize>, Refusal)> {
    let mut changes: BTreeMap<Change, Vec<usize>> = BTreeMap::new();
    let mut order: Vec<Change> = Vec::new();
    for fix in accepted {
        for op in &fix.ops {
            // A removal is compared at its parent: the items after a removed one move up.
            let removed_from;
            let path = match op {
                Op::Set { path, .. } | Op::Append { path, .. } => path,
                Op::Remove { path } => {
                    removed_from = path.parent().unwrap_or_default();
                    &removed_from
                }
                Op::Line { .. } => continue,
            };
            let mut found = Vec::new();
            match editor.lookup(path) {
                Lookup::Found => diff(original, planned, path.clone(), &mut found),
                Lookup::Missing { existing } => {
                    let parent = truncate(path, existing);
                    match path.segments().get(existing) {
                        Some(Segment::Index(_)) => found.push(Change::Append(parent)),
                        _ => found.push(Change::Insert(parent)),
                    }
                }
            }
            for change in found {
                let contributors = changes.entry(change.clone()).or_insert_with(|| {
                    order.push(change);
                    Vec::new()
                });
                if !contributors.contains(&fix.target) {
                    contributors.push(fix.target);
                }
            }
        }
    }
    let mut edits: Vec<(TextEdit, Vec<usize>)> = Vec::new();
    let mut insertions: BTreeMap<usize, Vec<Insertion<'_>>> = BTreeMap::new();
    for change in &order {
        let contributors = &changes[change];
        let edit = make_edit(editor, original, planned, change)
            .map_err(|refusal| (contributors.clone(), refusal))?;
        match edit {
            Some(edit) if edit.start == edit.end => insertions
                .entry(edit.start)
                .or_default()
                .push((change.depth(), edit, contributors)),
            Some(edit) => edits.push((edit, contributors.clone())),
            None => {}
        }
    }
    // Lines inserted at one point for several mappings (a container's last line is its
    // pod spec's last line too) go deepest first, so that each lands in its mapping.
    for (at, mut pieces) in insertions {
        pieces.sort_by_key(|(depth, _, _)| std::cmp::Reverse(*depth));
        let mut contributors: Vec<usize> = Vec::new();
        let mut text = String::new();
        for (_, edit, who) in pieces {
            text.push_str(&edit.text);
            contributors.extend(
                who.iter()
                    .filter(|t| !contributors.contains(t))
                    .collect::<Vec<_>>(),
            );
        }
        edits.push((
            TextEdit {
                start: at,
                end: at,
                text,
            },
            contributors,
        ));
    }
    for i in 0..edits.len() {
        for j in 0..i {
            if !disjoint(&[edits[i].0.clone(), edits[j].0.clone()]) {
                return Err((
                    edits[i].1.clone(),
                    Refusal::Layout("its edit overlaps another fix's edit"),
                ));
            }
        }
    }
    let mut per_target: BTreeMap<usize, Vec<TextEdit>> = BTreeMap::new();
    for (edit, contributors) in &edits {
        for target in contributors {
            per_target.entry(*target).or_default().push(edit.clone());
        }
    }
    Ok((edits.into_iter().map(|(e, _)| e).collect(), per_target))
}

impl Change {
    /// How deep in the document the change is.
    fn depth(&self) -> usize {
        match self {
            Self::Insert(path)
            | Self::Append(path)
            | Self::Replace(path)
            | Self::Remove(path)
            | Self::Unsupported(path) => path.segments().len(),
        }
    }
}

fn truncate(path: &FieldPath, len: usize) -> FieldPath {
    path.segments()[..len.min(path.segments().len())]
        .iter()
        .fold(FieldPath::root(), |p, segment| child(&p, segment))
}

fn child(path: &FieldPath, segment: &Segment) -> FieldPath {
    match segment {
        Segment::Field(name) => path.child_owned(name.to_string()),
        Segment::Key(name) => path.key(name.clone()),
        Segment::Index(i) => path.index(*i),
    }
}

/// The changes from `original` to `planned` at `path` (which exists in both texts'
/// documents, or was removed from the planned one).
fn diff(original: &Value, planned: &Value, path: FieldPath, out: &mut Vec<Change>) {
    let (Some(old), new) = (value_at(original, &path), value_at(planned, &path)) else {
        return;
    };
    match (old, new) {
        (_, None) => out.push(Change::Remove(path)),
        (Value::Object(a), Some(Value::Object(b))) => {
            if b.keys().any(|k| !a.contains_key(k)) {
                out.push(Change::Insert(path.clone()));
            }
            for (key, value) in a {
                match b.get(key) {
                    None => out.push(Change::Remove(path.child_owned(key.clone()))),
                    Some(other) if other != value => {
                        diff(original, planned, path.child_owned(key.clone()), out)
                    }
                    Some(_) => {}
                }
            }
        }
        (Value::Array(a), Some(Value::Array(b))) => {
            if b.len() > a.len() && b[..a.len()] == a[..] {
                out.push(Change::Append(path));
            } else if b.len() == a.len() {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    if x != y {
                        diff(original, planned, path.index(i), out);
                    }
                }
            } else if let Some(gone) = removed_items(a, b) {
                out.extend(gone.into_iter().map(|i| Change::Remove(path.index(i))));
            } else {
                out.push(Change::Unsupported(path));
            }
        }
        (a, Some(b)) if a == b => {}
        (_, Some(_)) => out.push(Change::Replace(path)),
    }
}

/// The indices of `a` missing from `b` when `b` is `a` with some items taken out.
fn removed_items(a: &[Value], b: &[Value]) -> Option<Vec<usize>> {
    let mut gone = Vec::new();
    let mut rest = b.iter().peekable();
    for (i, item) in a.iter().enumerate() {
        if rest.peek() == Some(&item) {
            rest.next();
        } else {
            gone.push(i);
        }
    }
    rest.peek().is_none().then_some(gone)
}

fn make_edit(
    editor: &DocumentEditor<'_>,
    original: &Value,
    planned: &Value,
    change: &Change,
) -> Result<Option<TextEdit>, Refusal> {
    match change {
        Change::Insert(parent) => {
            let old = value_at(original, parent).and_then(Value::as_object);
            let Some(Value::Object(new)) = value_at(planned, parent) else {
                return Err(Refusal::Layout("the new keys' mapping is not in the plan"));
            };
            let entries: Vec<(String, Value)> = new
                .iter()
                .filter(|(key, _)| old.is_none_or(|old| !old.contains_key(*key)))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            if entries.is_empty() {
                return Ok(None);
            }
            editor.insert(parent, &entries).map(Some)
        }
        Change::Append(list) => {
            let old_len = value_at(original, list)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let Some(Value::Array(new)) = value_at(planned, list) else {
                return Err(Refusal::Layout("the new items' list is not in the plan"));
            };
            editor
                .append(list, new.get(old_len..).unwrap_or_default())
                .map(Some)
        }
        Change::Replace(path) => {
            let Some(value) = value_at(planned, path) else {
                return Err(Refusal::Layout("the new value is not in the plan"));
            };
            editor.replace(path, value).map(Some)
        }
        Change::Remove(path) => editor.remove(path).map(Some),
        Change::Unsupported(_) => Err(Refusal::Layout(
            "a list would change in a way the editor does not make",
        )),
    }
}

/// The rule order fixes run in, for findings that do not come from the scan in it.
pub(super) fn rule_rank(id: &str) -> usize {
    registry()
        .iter()
        .position(|rule| rule.meta.id == id)
        .unwrap_or(usize::MAX)
}
