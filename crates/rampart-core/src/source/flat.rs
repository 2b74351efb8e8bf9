//! A position tree flattened into two allocations, for the positions a scan keeps across
//! files: a [`PosNode`] tree spends a vector per mapping or sequence and a string per key,
//! several times the size of the positions themselves.

use super::position::{Located, Pos, PosNode};
use super::tree::PosChildren;
use crate::field_path::{FieldPath, Segment};

/// A [`PosNode`] tree (or a pruned copy of one) in pre-order in one vector, its mapping
/// keys in one string. [`locate`](Self::locate) answers exactly as [`PosNode::locate`]
/// does on the tree it was built from.
#[derive(Debug, Clone)]
pub struct FlatPositions {
    nodes: Vec<FlatNode>,
    keys: String,
    /// For each long sequence (sorted by node index), where its items' node indices
    /// start in `items` and how many there are: item `i` is then found at once, not by
    /// walking `i` siblings (a finding per container of a pod with thousands would walk
    /// them for each).
    long_seqs: Vec<(u32, u32, u32)>,
    items: Vec<u32>,
}

/// Sequences with more items than this are indexed (see `FlatPositions::long_seqs`).
const LONG_SEQ: usize = 32;

/// One node: where its value starts, and where its key is when it is a mapping entry.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    pos: Pos,
    /// The key's position for a mapping entry; `pos` for a sequence item or the root.
    key_pos: Pos,
    /// The key's byte range in `keys` (empty unless a mapping entry).
    key_start: u32,
    key_len: u32,
    /// Nodes in the subtree, this one included: the next sibling is `size` nodes on.
    size: u32,
    shape: Shape,
}

/// What a node holds, as far as locating paths is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A scalar, or a collection whose children were not kept.
    Leaf,
    /// A sequence: children are its items.
    Seq,
    /// A mapping: children are its entries.
    Map,
}

impl Shape {
    fn of(children: &PosChildren) -> Self {
        match children {
            PosChildren::Leaf => Self::Leaf,
            PosChildren::Seq(_) => Self::Seq,
            PosChildren::Map(_) => Self::Map,
        }
    }
}

/// The empty tree: one root leaf at no position, as [`PosNode::default`].
impl Default for FlatPositions {
    fn default() -> Self {
        Self::of(&PosNode::default())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl FlatPositions {
    /// The whole of `root`'s tree.
    pub fn of(root: &PosNode) -> Self {
        let mut flat = Self::empty();
        flat.push_tree(root, None);
        flat.shrink_to_fit();
        flat
    }

    /// Ends a build: gives back the room the vectors grew beyond what they hold (a scan
    /// keeps thousands of these) and orders the index of long sequences.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.keys.shrink_to_fit();
        self.long_seqs.sort_unstable();
        self.long_seqs.shrink_to_fit();
        self.items.shrink_to_fit();
    }

    /// No node at all: the start of a tree built with [`open`](Self::open).
    pub(crate) fn empty() -> Self {
        Self {
            nodes: Vec::new(),
            keys: String::new(),
            long_seqs: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Adds a node (the root, the next child of the innermost open node, or its entry
    /// `key` at its position) and returns its index for [`close`](Self::close), which
    /// must come after its children are added.
    pub(crate) fn open(&mut self, key: Option<(&str, Pos)>, pos: Pos, shape: Shape) -> usize {
        let key_start = to_u32(self.keys.len());
        let key_pos = match key {
            Some((name, key_pos)) => {
                self.keys.push_str(name);
                key_pos
            }
            None => pos,
        };
        self.nodes.push(FlatNode {
            pos,
            key_pos,
            key_start,
            key_len: to_u32(self.keys.len()) - key_start,
            size: 1,
            shape,
        });
        self.nodes.len() - 1
    }

    /// Ends the node `index` opened: everything added since is its subtree.
    pub(crate) fn close(&mut self, index: usize) {
        self.nodes[index].size = to_u32(self.nodes.len() - index);
        if self.nodes[index].shape == Shape::Seq && self.children(index).nth(LONG_SEQ).is_some() {
            let start = to_u32(self.items.len());
            let items: Vec<u32> = self.children(index).map(to_u32).collect();
            self.long_seqs
                .push((to_u32(index), start, to_u32(items.len())));
            self.items.extend(items);
        }
    }

    /// Item `i` of the sequence node `seq`.
    fn item(&self, seq: usize, i: usize) -> Option<usize> {
        let indexed = self
            .long_seqs
            .binary_search_by_key(&to_u32(seq), |(node, _, _)| *node)
            .ok()
            .map(|found| self.long_seqs[found]);
        match indexed {
            Some((_, start, len)) => {
                let items = self.items.get(start as usize..(start + len) as usize)?;
                items.get(i).map(|n| *n as usize)
            }
            None => self.children(seq).nth(i),
        }
    }

    /// Adds `node` with all its descendants, as the entry `key` when given.
    pub(crate) fn push_tree(&mut self, node: &PosNode, key: Option<(&str, Pos)>) {
        let index = self.open(key, node.pos, Shape::of(&node.children));
        match &node.children {
            PosChildren::Leaf => {}
            PosChildren::Seq(items) => {
                for item in items {
                    self.push_tree(item, None);
                }
            }
            PosChildren::Map(entries) => {
                for (name, key_pos, child) in entries {
                    self.push_tree(child, Some((name, *key_pos)));
                }
            }
        }
        self.close(index);
    }

    /// Finds `path`, with the same answer as [`PosNode::locate`] on the tree flattened.
    pub fn locate(&self, path: &FieldPath) -> Located {
        let Some(root) = self.nodes.first() else {
            return PosNode::default().locate(path);
        };
        let mut at = 0;
        let mut pos = root.pos;
        for segment in path.segments() {
            let shape = self.nodes[at].shape;
            let next = match (segment, shape) {
                (Segment::Field(name), Shape::Map) => self.entry(at, name),
                (Segment::Key(name), Shape::Map) => self.entry(at, name),
                (Segment::Index(i), Shape::Seq) => self.item(at, *i),
                _ => None,
            };
            let Some(child) = next else {
                return Located { pos, exact: false };
            };
            let node = &self.nodes[child];
            pos = match node.shape {
                Shape::Leaf => node.pos,
                _ => node.key_pos,
            };
            at = child;
        }
        Located { pos, exact: true }
    }

    /// Indices of the children of node `parent`.
    fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        let end = parent + self.nodes[parent].size as usize;
        let mut next = parent + 1;
        std::iter::from_fn(move || {
            let child = next;
            if child >= end {
                return None;
            }
            next += self.nodes[child].size as usize;
            Some(child)
        })
    }

    /// The child of mapping node `parent` under `name`.
    fn entry(&self, parent: usize, name: &str) -> Option<usize> {
        self.children(parent).find(|&child| self.key(child) == name)
    }

    fn key(&self, index: usize) -> &str {
        let node = &self.nodes[index];
        let start = node.key_start as usize;
        self.keys
            .get(start..start + node.key_len as usize)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Limits, parse_text};

    /// Every path of a tree (fields, keys and indices), and paths just past its leaves.
    fn paths(node: &PosNode, at: FieldPath, out: &mut Vec<FieldPath>) {
        out.push(at.child("absent"));
        out.push(at.index(7));
        match &node.children {
            PosChildren::Leaf => {}
            PosChildren::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    paths(item, at.index(i), out);
                }
            }
            PosChildren::Map(entries) => {
                for (name, _, child) in entries {
                    paths(child, at.child_owned(name.clone()), out);
                    paths(child, at.key(name.clone()), out);
                }
            }
        }
        out.push(at);
    }

    #[test]
    fn locates_every_path_as_the_tree_does() {
        let text = "kind: Deployment\nmetadata:\n  name: a\n  labels: {x: z}\n  annotations: {}\n\
                    spec:\n  template:\n    spec:\n      containers:\n      - name: c\n        \
                    ports: [{containerPort: 80}, {containerPort: 81}]\n        env: []\n      \
                    - name: d\n        image: nginx\n      volumes:\n      - name: v\n";
        let document = &parse_text(text, &Limits::default()).documents[0];
        let flat = FlatPositions::of(&document.positions);
        let mut all = Vec::new();
        paths(&document.positions, FieldPath::root(), &mut all);
        assert!(all.len() > 50);
        for path in &all {
            assert_eq!(flat.locate(path), document.positions.locate(path), "{path}");
        }
        let port = FieldPath::fields(&["spec", "template", "spec", "containers"])
            .index(0)
            .child("ports")
            .index(1);
        assert_eq!(
            flat.locate(&port),
            Located {
                pos: Pos::new(11, 38),
                exact: true
            }
        );
    }

    #[test]
    fn long_sequences_and_large_mappings_locate_as_the_tree_does() {
        let mut text = String::from("metadata:\n  annotations:\n");
        for i in (0..60).rev() {
            text.push_str(&format!("    k{i}: v\n"));
        }
        text.push_str("spec:\n  containers:\n");
        for i in 0..70 {
            text.push_str(&format!(
                "  - name: c{i}\n    args: [{}]\n",
                "a, ".repeat(i % 40)
            ));
        }
        let document = &parse_text(&text, &Limits::default()).documents[0];
        let flat = FlatPositions::of(&document.positions);
        let mut all = Vec::new();
        paths(&document.positions, FieldPath::root(), &mut all);
        assert!(all.len() > 3_000);
        for path in &all {
            assert_eq!(flat.locate(path), document.positions.locate(path), "{path}");
        }
        // Keys of a large mapping are found wherever they are written.
        let key = FieldPath::fields(&["metadata", "annotations"]).key("k0");
        assert_eq!(document.positions.locate(&key).pos, Pos::new(62, 9));
        let item = FieldPath::fields(&["spec", "containers"])
            .index(69)
            .child("name");
        assert_eq!(flat.locate(&item).pos.line, 65 + 2 * 69);
    }

    #[test]
    fn the_empty_tree_is_the_default_node() {
        let path = FieldPath::fields(&["spec"]);
        let empty = FlatPositions::empty();
        assert_eq!(empty.locate(&path), PosNode::default().locate(&path));
        assert_eq!(
            FlatPositions::default().locate(&FieldPath::root()),
            PosNode::default().locate(&FieldPath::root())
        );
    }
}
