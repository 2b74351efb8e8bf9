//! The position index of a document: field path -> `line:column`.

use serde::Serialize;

use super::tree::{PosChildren, find_key};
use crate::field_path::{FieldPath, Segment};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl Pos {
    /// A position from a 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }

    pub(crate) fn from_location(location: &serde_saphyr::Location) -> Self {
        Self {
            line: u32::try_from(location.line()).unwrap_or(u32::MAX),
            column: u32::try_from(location.column()).unwrap_or(u32::MAX),
        }
    }

    /// The same position `lines` lines further down.
    pub(crate) fn shifted(self, lines: u32) -> Self {
        Self {
            line: self.line.saturating_add(lines),
            column: self.column,
        }
    }
}

/// Where a value's text is in its file, in bytes: what the fix engine edits at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the value's first character: a scalar's first character (its
    /// opening quote for a quoted one, its first content line for a block scalar), a
    /// flow collection's bracket, a block collection's first key or item.
    pub start: u32,
    /// Length in bytes: a scalar's token (quotes included), 1 for a flow collection's
    /// opening bracket, 0 for a block collection and for an empty (null) value.
    pub len: u32,
    /// Where the value is defined: `start` for a value written in place, the anchored
    /// node's `start` for a value that comes from an alias (`*name`, or a `<<` merge).
    pub defined: u32,
}

impl Span {
    /// Whether the value comes from an alias rather than being written where it is used.
    pub fn is_alias(&self) -> bool {
        self.defined != self.start
    }

    /// The offset just past the token (`start + len`).
    pub fn token_end(&self) -> usize {
        self.start as usize + self.len as usize
    }
}

/// A node of the position tree: where a value starts and where its children are.
#[derive(Debug, Clone, Default)]
pub struct PosNode {
    /// Where the value starts.
    pub pos: Pos,
    /// Where the value is in bytes (all zero for trees not built from YAML or JSON text).
    pub span: Span,
    pub(crate) children: PosChildren,
}

/// The result of looking a path up in a position tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The position of the field, or of its nearest existing ancestor.
    pub pos: Pos,
    /// False when the field itself is absent and `pos` is an ancestor's.
    pub exact: bool,
}

impl PosNode {
    /// A node at `pos` without a byte span (positions built from other text than YAML).
    pub(crate) fn new(pos: Pos, children: PosChildren) -> Self {
        Self {
            pos,
            span: Span::default(),
            children,
        }
    }

    /// The children of the node: entries of a mapping, items of a sequence, or none.
    pub fn children(&self) -> &PosChildren {
        &self.children
    }

    /// Finds `path` below this node. A present field is located at its value for a
    /// scalar and at its key for a mapping or sequence (the line that names it); an
    /// absent field at its nearest existing ancestor.
    pub fn locate(&self, path: &FieldPath) -> Located {
        let mut node = self;
        let mut pos = self.pos;
        for segment in path.segments() {
            let next = match (segment, &node.children) {
                (Segment::Field(name), PosChildren::Map(entries)) => find_key(entries, name),
                (Segment::Key(name), PosChildren::Map(entries)) => find_key(entries, name),
                (Segment::Index(i), PosChildren::Seq(items)) => items.get(*i).map(|n| (n.pos, n)),
                _ => None,
            };
            match next {
                Some((key_pos, child)) => {
                    pos = match child.children {
                        PosChildren::Leaf => child.pos,
                        _ => key_pos,
                    };
                    node = child;
                }
                None => return Located { pos, exact: false },
            }
        }
        Located { pos, exact: true }
    }

    /// The node at `path` below this one, if the field exists.
    pub fn subtree(&self, path: &FieldPath) -> Option<&PosNode> {
        path.segments()
            .iter()
            .try_fold(self, |node, segment| match (segment, &node.children) {
                (Segment::Field(name), PosChildren::Map(entries)) => {
                    find_key(entries, name).map(|(_, n)| n)
                }
                (Segment::Key(name), PosChildren::Map(entries)) => {
                    find_key(entries, name).map(|(_, n)| n)
                }
                (Segment::Index(i), PosChildren::Seq(items)) => items.get(*i),
                _ => None,
            })
    }

    /// Adds `lines` to every position and `bytes` to every byte offset of the tree (the
    /// document's offset in its file).
    pub(crate) fn shift(&mut self, lines: u32, bytes: u32) {
        if lines == 0 && bytes == 0 {
            return;
        }
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            node.pos = node.pos.shifted(lines);
            node.span.start = node.span.start.saturating_add(bytes);
            node.span.defined = node.span.defined.saturating_add(bytes);
            match &mut node.children {
                PosChildren::Leaf => {}
                PosChildren::Seq(items) => stack.extend(items.iter_mut()),
                PosChildren::Map(entries) => {
                    for (_, key_pos, child) in entries.iter_mut() {
                        *key_pos = key_pos.shifted(lines);
                        stack.push(child);
                    }
                }
            }
        }
    }
}
