//! Text edits at the positions of a document's fields: the smallest change that sets,
//! adds, appends to or removes a field, written in the document's own style (block or
//! flow YAML, JSON; its indentation, sequence style, quoting and line ends), every other
//! byte left as it was.
//!
//! The edits work on the byte spans of the position tree ([`PosNode::span`]). They refuse
//! (with a [`Refusal`]) what would be ambiguous: a field that comes from a YAML alias or
//! a `<<` merge key, a node anchored for aliases elsewhere, a Helm template expression
//! next to the field, or a layout they cannot keep (tabs for indentation, block scalars).

mod render;

use serde_json::Value;

use super::LineIndex;
use super::position::{Pos, PosNode};
use super::tree::PosChildren;
use crate::field_path::{FieldPath, Segment};

use render::{Quote, Style};

/// One replacement of a byte range of a file's text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct TextEdit {
    /// First byte replaced.
    pub start: usize,
    /// One past the last byte replaced (`start` for an insertion).
    pub end: usize,
    /// The new text.
    #[serde(rename = "replacement")]
    pub text: String,
}

impl TextEdit {
    fn new(start: usize, end: usize, text: String) -> Self {
        Self { start, end, text }
    }
}

/// Applies non-overlapping `edits` (in any order) to `text`, back to front.
pub(crate) fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for edit in sorted {
        let start = edit.start.clamp(at, text.len());
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(&edit.text);
        at = edit.end.clamp(start, text.len());
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Whether `edits` can be applied together: no two overlap (an insertion may touch a
/// replaced range's end, not its inside; two insertions may not share an offset).
pub fn disjoint(edits: &[TextEdit]) -> bool {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    sorted.windows(2).all(|pair| {
        let (a, b) = (pair[0], pair[1]);
        a.end <= b.start && !(a.start == b.start && a.end == a.start && b.end == b.start)
    })
}

/// Why a field is not edited in place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The field (or a mapping on its path) comes from an alias or a merge key.
    #[error(
        "the field comes from a YAML alias or a `<<` merge key: an edit here would not \
         change it, or would change every place that uses the anchor"
    )]
    Alias,
    /// The field is inside a node that aliases elsewhere in the document repeat.
    #[error(
        "the field is inside an anchored node (`&name`) that aliases elsewhere in the \
         document repeat: an edit would change them all"
    )]
    Anchored,
    /// A Helm template expression is next to the field.
    #[error(
        "a Helm template expression (`{{{{ }}}}`) is next to the field: edit the template instead"
    )]
    Template,
    /// The text around the field is laid out in a way the edit cannot keep.
    #[error("{0}")]
    Layout(&'static str),
}

/// A file's text with what edits need to know about its lines.
#[derive(Debug)]
pub struct FileText<'a> {
    text: &'a str,
    lines: LineIndex<'a>,
    eol: &'static str,
}

impl<'a> FileText<'a> {
    /// Indexes the lines of `text` (a whole file: positions are offsets in it).
    pub fn new(text: &'a str) -> Self {
        let crlf = text
            .find('\n')
            .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r');
        Self {
            text,
            lines: LineIndex::new(text),
            eol: if crlf { "\r\n" } else { "\n" },
        }
    }

    /// An editor for the document whose position tree is `root`.
    pub fn document<'t>(&'t self, root: &'t PosNode) -> DocumentEditor<'t> {
        let mut shared = Vec::new();
        collect_anchors(root, &mut shared);
        shared.sort_unstable();
        shared.dedup();
        let style = Style {
            eol: self.eol,
            unit: self.detect_unit(root).unwrap_or(2),
            seq_indent: self.detect_seq_indent(root).unwrap_or(2),
            json: self.is_json(root),
        };
        DocumentEditor {
            file: self,
            root,
            style,
            shared,
        }
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }

    fn line_start(&self, line: usize) -> usize {
        self.lines.line_start(line)
    }

    /// The offset just past the line end of the line holding `offset`.
    fn after_line(&self, offset: usize) -> usize {
        self.line_start(self.line_of(offset) + 1)
    }

    /// Byte offset of a 1-based line and character column.
    fn offset_of(&self, pos: Pos) -> usize {
        self.lines.offset(pos)
    }

    fn byte(&self, offset: usize) -> Option<u8> {
        self.text.as_bytes().get(offset).copied()
    }

    fn is_flow(&self, node: &PosNode) -> bool {
        !node.span.is_alias()
            && !matches!(node.children, PosChildren::Leaf)
            && matches!(self.byte(node.span.start as usize), Some(b'{' | b'['))
    }

    /// The leading text of the line of `offset`, up to it.
    fn line_prefix(&self, offset: usize) -> &str {
        let start = self.line_start(self.line_of(offset));
        self.text.get(start..offset).unwrap_or_default()
    }

    /// Whether `node`'s document is JSON: a flow mapping whose keys are double-quoted.
    fn is_json(&self, root: &PosNode) -> bool {
        match &root.children {
            PosChildren::Map(entries) if self.is_flow(root) => entries
                .first()
                .is_none_or(|(_, key, _)| self.byte(self.offset_of(*key)) == Some(b'"')),
            PosChildren::Seq(_) => self.is_flow(root),
            _ => false,
        }
    }

    /// Spaces from a block mapping's keys to those of a block mapping under them.
    fn detect_unit(&self, root: &PosNode) -> Option<usize> {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match &node.children {
                PosChildren::Map(entries) if !self.is_flow(node) => {
                    for (_, key, child) in entries {
                        if let PosChildren::Map(inner) = &child.children
                            && !self.is_flow(child)
                            && let Some((_, inner_key, _)) = inner.first()
                            && inner_key.line > key.line
                            && inner_key.column > key.column
                        {
                            return Some((inner_key.column - key.column) as usize);
                        }
                        stack.push(child);
                    }
                }
                PosChildren::Seq(items) if !self.is_flow(node) => stack.extend(items.iter().rev()),
                _ => {}
            }
        }
        None
    }

    /// Spaces from a key to the dashes of the block sequence under it.
    fn detect_seq_indent(&self, root: &PosNode) -> Option<usize> {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match &node.children {
                PosChildren::Map(entries) if !self.is_flow(node) => {
                    for (_, key, child) in entries {
                        if let PosChildren::Seq(items) = &child.children
                            && !self.is_flow(child)
                            && let Some(dash) = items.first().and_then(|i| self.dash_of(i))
                        {
                            let dash_column = self.line_prefix(dash).chars().count() + 1;
                            return dash_column.checked_sub(key.column as usize);
                        }
                        stack.push(child);
                    }
                }
                PosChildren::Seq(items) if !self.is_flow(node) => stack.extend(items.iter().rev()),
                _ => {}
            }
        }
        None
    }

    /// The dash of a block sequence item: the `-` before its start on its line, with only
    /// spaces before it on the line.
    fn dash_of(&self, item: &PosNode) -> Option<usize> {
        let start = item.span.start as usize;
        let before = self.text.get(..start)?;
        let trimmed = before.trim_end_matches(' ');
        let dash = trimmed.len().checked_sub(1)?;
        (self.byte(dash) == Some(b'-') && self.line_prefix(dash).bytes().all(|b| b == b' '))
            .then_some(dash)
    }

    /// The offset just past `node`'s text: its token, the closing bracket of a flow
    /// collection, or the end of a block collection's last child.
    fn end_of(&self, node: &PosNode) -> Result<usize, Refusal> {
        if node.span.is_alias() {
            return Ok(node.span.token_end());
        }
        let children_end = match &node.children {
            PosChildren::Leaf => return Ok(self.leaf_end(node)),
            PosChildren::Seq(items) => items
                .iter()
                .map(|item| self.end_of(item))
                .try_fold(None, |max: Option<usize>, end| {
                    end.map(|e| Some(max.map_or(e, |m| m.max(e))))
                })?,
            PosChildren::Map(entries) => entries
                .iter()
                .map(|(_, key, child)| {
                    self.end_of(child)
                        .map(|end| end.max(self.offset_of(*key) + 1))
                })
                .try_fold(None, |max: Option<usize>, end| {
                    end.map(|e| Some(max.map_or(e, |m| m.max(e))))
                })?,
        };
        if self.is_flow(node) {
            let from = children_end.unwrap_or(node.span.start as usize + 1);
            self.closing_bracket(from)
        } else {
            Ok(children_end.unwrap_or_else(|| node.span.token_end()))
        }
    }

    /// The end of a scalar's text. A block scalar's span runs on to the indentation of
    /// the line after it, which is not its text.
    fn leaf_end(&self, node: &PosNode) -> usize {
        let start = node.span.start as usize;
        let end = node.span.token_end();
        self.text.get(start..end).map_or(end, |token| {
            start + token.trim_end_matches([' ', '\t']).len()
        })
    }

    /// The offset past the `]` or `}` that closes a flow collection, looking from `from`
    /// (the end of its last item) over white space, commas and comments.
    fn closing_bracket(&self, from: usize) -> Result<usize, Refusal> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => at += 1,
                b'#' if at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n') => {
                    at = self.after_line(at);
                }
                b']' | b'}' => return Ok(at + 1),
                _ => break,
            }
        }
        Err(Refusal::Layout(
            "a flow collection's end could not be found",
        ))
    }
}

/// The anchors aliases use: `defined` offsets of the nodes that come from an alias.
fn collect_anchors(root: &PosNode, out: &mut Vec<u32>) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.span.is_alias() {
            out.push(node.span.defined);
            continue;
        }
        match &node.children {
            PosChildren::Leaf => {}
            PosChildren::Seq(items) => stack.extend(items),
            PosChildren::Map(entries) => stack.extend(entries.iter().map(|(_, _, n)| n)),
        }
    }
}

/// One step of a path through the tree: the node and how it was reached.
#[derive(Debug, Clone, Copy)]
struct Step<'t> {
    node: &'t PosNode,
    /// The mapping key's position, for an entry.
    key: Option<Pos>,
}

/// Where a path leads in a document.
#[derive(Debug)]
pub enum Lookup {
    /// Every segment exists.
    Found,
    /// The first `existing` segments exist; the next one does not.
    Missing {
        /// How many leading segments exist.
        existing: usize,
    },
}

/// Edits one document of a [`FileText`].
#[derive(Debug)]
pub(crate) struct DocumentEditor<'t> {
    file: &'t FileText<'t>,
    root: &'t PosNode,
    style: Style,
    /// Sorted `start` offsets of nodes that aliases repeat.
    shared: Vec<u32>,
}

impl<'t> DocumentEditor<'t> {
    /// How much of `path` exists in the document.
    pub fn lookup(&self, path: &FieldPath) -> Lookup {
        let steps = self.walk(path);
        if steps.len() == path.segments().len() + 1 {
            Lookup::Found
        } else {
            Lookup::Missing {
                existing: steps.len() - 1,
            }
        }
    }

    /// The nodes along `path` from the root, as far as they exist.
    fn walk(&self, path: &FieldPath) -> Vec<Step<'t>> {
        let mut steps = vec![Step {
            node: self.root,
            key: None,
        }];
        let mut node = self.root;
        for segment in path.segments() {
            let next = match (segment, &node.children) {
                (Segment::Field(name), PosChildren::Map(entries)) => entries
                    .iter()
                    .find(|(key, _, _)| key == name)
                    .map(|(_, pos, child)| (child, Some(*pos))),
                (Segment::Key(name), PosChildren::Map(entries)) => entries
                    .iter()
                    .find(|(key, _, _)| key == name)
                    .map(|(_, pos, child)| (child, Some(*pos))),
                (Segment::Index(i), PosChildren::Seq(items)) => items.get(*i).map(|n| (n, None)),
                _ => None,
            };
            let Some((child, key)) = next else { break };
            steps.push(Step { node: child, key });
            node = child;
        }
        steps
    }

    /// The steps of a path that must exist whole, each checked for aliases and anchors.
    fn existing(&self, path: &FieldPath) -> Result<Vec<Step<'t>>, Refusal> {
        let steps = self.walk(path);
        if steps.len() != path.segments().len() + 1 {
            return Err(Refusal::Layout("the field to edit is not in the document"));
        }
        for step in &steps {
            if step.node.span.is_alias() {
                return Err(Refusal::Alias);
            }
            if self.shared.binary_search(&step.node.span.start).is_ok() {
                return Err(Refusal::Anchored);
            }
        }
        Ok(steps)
    }

    /// Refuses when a Helm template expression is on the lines from `start` to `end`
    /// (the lines an edit changes, or those around the point where lines go in).
    fn no_template(&self, start: usize, end: usize) -> Result<(), Refusal> {
        let from = self.file.line_start(self.file.line_of(start));
        let to = self.file.after_line(end.saturating_sub(1).max(start));
        match self.file.text.get(from..to) {
            Some(text) if text.contains("{{") => Err(Refusal::Template),
            _ => Ok(()),
        }
    }

    /// [`no_template`](Self::no_template) for lines inserted after the line holding
    /// `last`: that line and the next one.
    fn no_template_around(&self, last: usize) -> Result<(), Refusal> {
        let next = self.file.after_line(last);
        self.no_template(last, self.file.after_line(next).max(next))
    }

    /// Whether the collection holding the last step is in flow style (or the document
    /// is JSON).
    fn in_flow(&self, steps: &[Step<'t>]) -> bool {
        self.style.json
            || steps
                .len()
                .checked_sub(2)
                .is_some_and(|i| self.file.is_flow(steps[i].node))
    }

    /// Replaces the scalar at `path` with `value`, keeping its quoting when the new value
    /// is a string. An empty (null) value is filled instead.
    pub fn replace(&self, path: &FieldPath, value: &Value) -> Result<TextEdit, Refusal> {
        let steps = self.existing(path)?;
        let Some(last) = steps.last() else {
            return Err(Refusal::Layout("the document itself cannot be replaced"));
        };
        let node = last.node;
        if !matches!(node.children, PosChildren::Leaf) {
            return Err(Refusal::Layout(
                "a mapping or sequence is not replaced by a scalar",
            ));
        }
        if node.span.len == 0 || (self.is_null(node) && (value.is_object() || value.is_array())) {
            return self.fill_empty(&steps, value);
        }
        let start = node.span.start as usize;
        let end = node.span.token_end();
        self.no_template(start, end)?;
        let token = self.file.text.get(start..end).unwrap_or_default();
        if self.is_block_scalar(start) {
            return Err(Refusal::Layout(
                "block scalars (`|`, `>`) are not rewritten",
            ));
        }
        let flow = self.in_flow(&steps);
        let text = render::scalar(value, Quote::of(token), &self.style, flow);
        Ok(TextEdit::new(start, end, text))
    }

    fn is_block_scalar(&self, start: usize) -> bool {
        let before = self.file.text.get(..start).unwrap_or_default();
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n']);
        let indicator =
            trimmed.trim_end_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
        indicator.ends_with('|') || indicator.ends_with('>')
    }

    /// Whether `node` is a null scalar: nothing written (`key:`), `~` or `null`.
    fn is_null(&self, node: &PosNode) -> bool {
        matches!(node.children, PosChildren::Leaf)
            && (node.span.len == 0
                || matches!(
                    self.file
                        .text
                        .get(node.span.start as usize..node.span.token_end()),
                    Some("~" | "null" | "Null" | "NULL")
                ))
    }

    /// Fills an empty value (`key:` with nothing after it, or `~`/`null`, which goes)
    /// with a collection, written in block style on the lines after the key.
    fn fill_empty(&self, steps: &[Step<'t>], value: &Value) -> Result<TextEdit, Refusal> {
        let Some(Step {
            key: Some(key),
            node,
        }) = steps.last()
        else {
            return Err(Refusal::Layout("an empty sequence item is not filled"));
        };
        if self.in_flow(steps) {
            return Err(Refusal::Layout(
                "an empty value in a flow mapping is not filled",
            ));
        }
        let key_at = self.file.offset_of(*key);
        let prefix = self.file.line_prefix(key_at);
        if !prefix.bytes().all(|b| b == b' ' || b == b'-') {
            return Err(Refusal::Layout("the key is not indented with spaces"));
        }
        self.no_template_around(key_at)?;
        let indent = prefix.chars().count();
        let mut text = String::new();
        match value {
            Value::Object(entries) if !entries.is_empty() => {
                for (name, item) in entries {
                    render::block_entry(
                        &mut text,
                        name,
                        item,
                        indent + self.style.unit,
                        &self.style,
                    );
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for item in items {
                    render::block_item(
                        &mut text,
                        item,
                        indent + self.style.seq_indent,
                        &self.style,
                    );
                }
            }
            _ => {
                return Err(Refusal::Layout(
                    "an empty value is only filled with a collection",
                ));
            }
        }
        if node.span.len == 0 {
            return Ok(self.insert_after_line(key_at, text));
        }
        // `key: ~`: the token goes with the spaces before it; the rest of its line (a
        // comment) stays, and the new lines follow.
        let token = node.span.start as usize;
        let start = self
            .file
            .text
            .get(..token)
            .map_or(token, |before| before.trim_end_matches([' ', '\t']).len());
        let end = self.file.after_line(token);
        let mut rest = self
            .file
            .text
            .get(node.span.token_end()..end)
            .unwrap_or_default()
            .to_owned();
        if !rest.ends_with('\n') {
            rest.push_str(self.style.eol);
            if let Some(body) = text.strip_suffix(self.style.eol) {
                text = body.to_owned();
            }
        }
        Ok(TextEdit::new(start, end, rest + &text))
    }

    /// An insertion of whole lines after the line holding `offset`.
    fn insert_after_line(&self, offset: usize, mut text: String) -> TextEdit {
        let at = self.file.after_line(offset);
        if at == self.file.text.len() && !self.file.text.ends_with('\n') {
            let body = text
                .strip_suffix(self.style.eol)
                .map(str::to_owned)
                .unwrap_or(text);
            text = format!("{}{body}", self.style.eol);
        }
        TextEdit::new(at, at, text)
    }

    /// Adds the `entries` (absent keys with their values) to the mapping at `path`, after
    /// its last entry; an empty (null) value becomes a mapping holding them.
    pub fn insert(
        &self,
        path: &FieldPath,
        entries: &[(String, Value)],
    ) -> Result<TextEdit, Refusal> {
        let steps = self.existing(path)?;
        let Some(last) = steps.last() else {
            return Err(Refusal::Layout("nothing to insert into"));
        };
        let node = last.node;
        match &node.children {
            PosChildren::Leaf if self.is_null(node) => {
                let value = Value::Object(entries.iter().cloned().collect());
                self.fill_empty(&steps, &value)
            }
            PosChildren::Map(existing) if self.file.is_flow(node) => {
                self.insert_flow(node, existing, entries)
            }
            PosChildren::Map(existing) => self.insert_block(existing, entries),
            _ => Err(Refusal::Layout("the parent of a new key is not a mapping")),
        }
    }

    fn insert_block(
        &self,
        existing: &[(String, Pos, PosNode)],
        entries: &[(String, Value)],
    ) -> Result<TextEdit, Refusal> {
        let Some((_, first_key, _)) = existing.iter().find(|(_, _, n)| !n.span.is_alias()) else {
            return Err(Refusal::Alias);
        };
        let first = self.file.offset_of(*first_key);
        let prefix = self.file.line_prefix(first);
        if !prefix.bytes().all(|b| b == b' ' || b == b'-') {
            return Err(Refusal::Layout(
                "the mapping's keys are not indented with spaces",
            ));
        }
        let mut end = first + 1;
        for (_, key, child) in existing {
            end = end
                .max(self.file.end_of(child)?)
                .max(self.file.offset_of(*key) + 1);
        }
        self.no_template_around(end - 1)?;
        let indent = prefix.chars().count();
        let mut text = String::new();
        for (name, value) in entries {
            render::block_entry(&mut text, name, value, indent, &self.style);
        }
        Ok(self.insert_after_line(end - 1, text))
    }

    /// The layout of the flow collection from `open` to `close`: new items after its
    /// last item, on the same line (compact when the author wrote `a,b` and `"k":v`) or
    /// each on its own line.
    fn flow_layout(&self, open: usize, close: usize, first_item: Option<usize>) -> FlowLayout {
        let inner = self.file.text.get(open..close).unwrap_or_default();
        let inline = FlowLayout::Inline {
            compact: !inner.contains(", ")
                && !inner.contains(": ")
                && (inner.contains(',') || inner.contains("\":")),
        };
        let Some(first) = first_item else {
            return inline;
        };
        if self.file.line_of(first) == self.file.line_of(open) {
            return inline;
        }
        let indent = self.file.line_prefix(first);
        if !indent.bytes().all(|b| b == b' ' || b == b'\t') {
            return inline;
        }
        let outer = self.file.line_prefix(open);
        let outer_indent = &outer[..outer.len() - outer.trim_start_matches([' ', '\t']).len()];
        let unit = indent
            .strip_prefix(outer_indent)
            .filter(|u| !u.is_empty())
            .unwrap_or("  ");
        FlowLayout::Lines {
            indent: indent.to_owned(),
            unit: unit.to_owned(),
        }
    }

    /// A new value of a flow collection; `quoted`: the collection's keys or items are
    /// double-quoted, so the new ones are written the JSON way too.
    fn flow_value(&self, value: &Value, layout: &FlowLayout, quoted: bool) -> String {
        match layout {
            FlowLayout::Lines { indent, unit } if self.style.json => {
                let mut out = String::new();
                render::json_pretty(&mut out, value, indent, unit, self.style.eol);
                out
            }
            FlowLayout::Inline { compact: true } => {
                render::flow_with(value, quoted || self.style.json, true)
            }
            _ if quoted => render::flow(value, true),
            _ => render::scalar(value, Quote::Plain, &self.style, true),
        }
    }

    /// The separator before a new item of a flow collection.
    fn flow_separator(&self, layout: &FlowLayout, first: bool) -> String {
        match layout {
            FlowLayout::Inline { .. } if first => String::new(),
            FlowLayout::Inline { compact: true } => ",".to_owned(),
            FlowLayout::Inline { compact: false } => ", ".to_owned(),
            FlowLayout::Lines { indent, .. } => {
                format!("{}{}{indent}", if first { "" } else { "," }, self.style.eol)
            }
        }
    }

    fn insert_flow(
        &self,
        node: &PosNode,
        existing: &[(String, Pos, PosNode)],
        entries: &[(String, Value)],
    ) -> Result<TextEdit, Refusal> {
        let open = node.span.start as usize;
        let first_key = existing
            .first()
            .map(|(_, key, _)| self.file.offset_of(*key));
        let quoted = first_key.is_some_and(|k| self.file.byte(k) == Some(b'"'));
        let mut at = open + 1;
        for (_, key, child) in existing {
            at = at
                .max(self.file.end_of(child)?)
                .max(self.file.offset_of(*key) + 1);
        }
        let close = self.file.end_of(node)?;
        self.no_template(open, close)?;
        let layout = self.flow_layout(open, close, first_key);
        let colon = match layout {
            FlowLayout::Inline { compact: true } if quoted || self.style.json => ":",
            _ => ": ",
        };
        let mut text = String::new();
        for (i, (name, value)) in entries.iter().enumerate() {
            text.push_str(&self.flow_separator(&layout, existing.is_empty() && i == 0));
            text.push_str(&render::key(name, self.style.json, quoted));
            text.push_str(colon);
            text.push_str(&self.flow_value(value, &layout, quoted));
        }
        Ok(TextEdit::new(at, at, text))
    }

    /// Appends `items` to the sequence at `path`, after its last item.
    pub fn append(&self, path: &FieldPath, items: &[Value]) -> Result<TextEdit, Refusal> {
        let steps = self.existing(path)?;
        let Some(last) = steps.last() else {
            return Err(Refusal::Layout("nothing to append to"));
        };
        let node = last.node;
        let PosChildren::Seq(existing) = &node.children else {
            if self.is_null(node) {
                return self.fill_empty(&steps, &Value::Array(items.to_vec()));
            }
            return Err(Refusal::Layout("the field to append to is not a sequence"));
        };
        if self.file.is_flow(node) {
            let open = node.span.start as usize;
            let first = existing.first().map(|i| i.span.start as usize);
            let quoted = first.is_some_and(|at| self.file.byte(at) == Some(b'"'));
            let mut at = open + 1;
            for item in existing {
                at = at.max(self.file.end_of(item)?);
            }
            let close = self.file.end_of(node)?;
            self.no_template(open, close)?;
            let layout = self.flow_layout(open, close, first);
            let mut text = String::new();
            for (i, item) in items.iter().enumerate() {
                text.push_str(&self.flow_separator(&layout, existing.is_empty() && i == 0));
                text.push_str(&self.flow_value(item, &layout, quoted));
            }
            return Ok(TextEdit::new(at, at, text));
        }
        let Some(dash) = existing.first().and_then(|item| self.file.dash_of(item)) else {
            return Err(Refusal::Layout(
                "the sequence's dashes are not at the start of their lines",
            ));
        };
        let mut end = dash + 1;
        for item in existing {
            end = end.max(self.file.end_of(item)?);
        }
        self.no_template_around(end - 1)?;
        let indent = self.file.line_prefix(dash).len();
        let mut text = String::new();
        for item in items {
            render::block_item(&mut text, item, indent, &self.style);
        }
        Ok(self.insert_after_line(end - 1, text))
    }

    /// Removes the mapping entry or sequence item at `path`, with the rest of its line(s)
    /// in block style (a comment at the end of its line goes with it).
    pub fn remove(&self, path: &FieldPath) -> Result<TextEdit, Refusal> {
        let steps = self.existing(path)?;
        let Some((last, parents)) = steps.split_last() else {
            return Err(Refusal::Layout("the document itself is not removed"));
        };
        let Some(parent) = parents.last() else {
            return Err(Refusal::Layout("the document itself is not removed"));
        };
        // Each item of the parent: where it starts (its key or its first character) and
        // its node.
        let items: Vec<(usize, &PosNode)> = match &parent.node.children {
            PosChildren::Map(entries) => entries
                .iter()
                .map(|(_, key, child)| (self.file.offset_of(*key), child))
                .collect(),
            PosChildren::Seq(items) => items.iter().map(|i| (i.span.start as usize, i)).collect(),
            PosChildren::Leaf => return Err(Refusal::Layout("the parent is not a collection")),
        };
        let Some(index) = items.iter().position(|(_, n)| std::ptr::eq(*n, last.node)) else {
            return Err(Refusal::Layout(
                "the field to remove is not in the document",
            ));
        };
        if items.len() < 2 {
            return Err(Refusal::Layout(
                "removing the only entry would leave an empty collection",
            ));
        }
        let (start, node) = items[index];
        let end = self.file.end_of(node)?.max(start + 1);
        if self.file.is_flow(parent.node) {
            self.no_template(start, end)?;
            let range = match (items.get(index + 1), index.checked_sub(1)) {
                (Some((next, _)), _) => (start, *next),
                (None, Some(previous)) => (self.file.end_of(items[previous].1)?, end),
                (None, None) => (start, end),
            };
            return Ok(TextEdit::new(range.0, range.1, String::new()));
        }
        let line_start = match &parent.node.children {
            PosChildren::Seq(_) => self.file.dash_of(node),
            _ => Some(start),
        }
        .filter(|at| self.file.line_prefix(*at).bytes().all(|b| b == b' '))
        .map(|at| at - self.file.line_prefix(at).len());
        let Some(line_start) = line_start else {
            return self.remove_after_dash(&items, start, end);
        };
        self.no_template(line_start, end)?;
        Ok(TextEdit::new(
            line_start,
            self.file.after_line(end - 1),
            String::new(),
        ))
    }
}

impl DocumentEditor<'_> {
    /// Removes the first entry of a sequence item's mapping (`- name: x`, the key after
    /// the dash): from its key to the next entry's key, which moves up to the dash.
    fn remove_after_dash(
        &self,
        entries: &[(usize, &PosNode)],
        start: usize,
        end: usize,
    ) -> Result<TextEdit, Refusal> {
        let refused =
            Refusal::Layout("the entry shares its line with a sequence dash or another entry");
        let Some(next) = entries
            .iter()
            .map(|(at, _)| *at)
            .filter(|at| *at > start)
            .min()
        else {
            return Err(refused);
        };
        let after = self.file.after_line(end - 1);
        let between = self.file.text.get(after..next).unwrap_or_default();
        if next < after || !between.bytes().all(|b| b == b' ') {
            return Err(refused);
        }
        self.no_template(start, end)?;
        Ok(TextEdit::new(start, next, String::new()))
    }
}

/// How the items of a flow collection are laid out.
#[derive(Debug)]
enum FlowLayout {
    /// On one line (or as the author wrapped them): new items follow `, ` (`,` and
    /// `"key":value` when `compact`).
    Inline { compact: bool },
    /// One per line at `indent`; nested JSON one more `unit` per level.
    Lines { indent: String, unit: String },
}

#[cfg(test)]
mod tests;
