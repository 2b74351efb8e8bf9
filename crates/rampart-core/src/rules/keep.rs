//! Pruning collected objects to the fields the run rules read, value and positions
//! alike, so that what a scan keeps across files does not grow with pod-spec sizes.

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::field_path::{FieldPath, Segment};
use crate::source::{FlatPositions, Pos, PosChildren, PosNode, Shape};

/// Which parts of a value to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// The whole subtree.
    All,
    /// Only these fields of a mapping, each pruned by its own `Keep`.
    Fields(Vec<(String, Keep)>),
    /// Every item of a list, each pruned by the inner `Keep`.
    Items(Box<Keep>),
}

impl Keep {
    /// Only the named fields, whole.
    pub fn fields(names: &[&str]) -> Self {
        Self::Fields(names.iter().map(|n| ((*n).to_owned(), Keep::All)).collect())
    }

    /// This `Keep` placed at `path` (object fields only), keeping nothing else.
    pub fn at(path: &FieldPath, inner: Keep) -> Self {
        path.segments()
            .iter()
            .rev()
            .fold(inner, |keep, segment| match segment {
                Segment::Field(name) => Keep::Fields(vec![(name.to_string(), keep)]),
                Segment::Key(key) => Keep::Fields(vec![(key.clone(), keep)]),
                Segment::Index(_) => Keep::Items(Box::new(keep)),
            })
    }

    /// Both trees' kept parts together.
    pub fn merge(self, other: Keep) -> Keep {
        match (self, other) {
            (Keep::All, _) | (_, Keep::All) => Keep::All,
            (Keep::Items(a), Keep::Items(b)) => Keep::Items(Box::new(a.merge(*b))),
            (Keep::Fields(mut a), Keep::Fields(b)) => {
                for (name, keep) in b {
                    match a.iter().position(|(n, _)| *n == name) {
                        Some(i) => {
                            let (_, old) = a.remove(i);
                            a.push((name, old.merge(keep)));
                        }
                        None => a.push((name, keep)),
                    }
                }
                Keep::Fields(a)
            }
            (a, _) => a,
        }
    }

    /// The kept part of `value`, to serialize (see `Kept`).
    pub fn part<'a>(&'a self, value: &'a Value) -> Kept<'a> {
        Kept { keep: self, value }
    }

    /// The kept part of a position tree, matching [`Keep::part`], flattened.
    pub fn positions(&self, node: &PosNode) -> FlatPositions {
        let mut flat = FlatPositions::empty();
        self.flatten(node, None, &mut flat);
        flat.shrink_to_fit();
        flat
    }

    /// Adds the kept part of `node` (the entry `key` of its parent, if given) to `out`.
    fn flatten(&self, node: &PosNode, key: Option<(&str, Pos)>, out: &mut FlatPositions) {
        match (self, &node.children) {
            (Keep::All, _) => out.push_tree(node, key),
            (Keep::Fields(fields), PosChildren::Map(entries)) => {
                let index = out.open(key, node.pos, Shape::Map);
                for (name, pos, child) in entries {
                    if let Some((_, keep)) = fields.iter().find(|(n, _)| n == name) {
                        keep.flatten(child, Some((name, *pos)), out);
                    }
                }
                out.close(index);
            }
            (Keep::Items(inner), PosChildren::Seq(items)) => {
                let index = out.open(key, node.pos, Shape::Seq);
                for item in items {
                    inner.flatten(item, None, out);
                }
                out.close(index);
            }
            _ => {
                let index = out.open(key, node.pos, Shape::Leaf);
                out.close(index);
            }
        }
    }
}

/// The part of a value a [`Keep`] keeps, serialized straight from the value without
/// copying it first: a mapping with the kept fields (in the `Keep`'s order), a list of
/// kept items, the whole of an [`Keep::All`] subtree, and `null` for a mapping or list
/// where the `Keep` expected the other.
#[derive(Debug, Clone, Copy)]
pub struct Kept<'a> {
    keep: &'a Keep,
    value: &'a Value,
}

impl Serialize for Kept<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.keep, self.value) {
            (Keep::All, value) => value.serialize(serializer),
            (Keep::Fields(fields), Value::Object(map)) => serializer.collect_map(
                fields
                    .iter()
                    .filter_map(|(name, keep)| Some((name, keep.part(map.get(name)?)))),
            ),
            (Keep::Items(inner), Value::Array(items)) => {
                serializer.collect_seq(items.iter().map(|item| inner.part(item)))
            }
            (_, Value::Object(_) | Value::Array(_)) => serializer.serialize_unit(),
            (_, value) => value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Limits, parse_text};

    #[test]
    fn prunes_value_and_positions_alike() {
        let doc = &parse_text(
            "kind: Deployment\nmetadata: {name: a, labels: {x: z}}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: c\n        env: [{name: A, value: b}]\n        ports: [{containerPort: 80}]\n",
            &Limits::default(),
        )
        .documents[0];
        let keep = Keep::fields(&["kind", "metadata"]).merge(Keep::at(
            &FieldPath::fields(&["spec", "template", "spec"]),
            Keep::Fields(vec![
                ("hostNetwork".to_owned(), Keep::All),
                (
                    "containers".to_owned(),
                    Keep::Items(Box::new(Keep::fields(&["name", "ports"]))),
                ),
            ]),
        ));
        let value = serde_json::to_value(keep.part(&doc.value)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"kind": "Deployment", "metadata": {"name": "a", "labels": {"x": "z"}},
                "spec": {"template": {"spec": {"hostNetwork": true,
                    "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}}}})
        );
        let positions = keep.positions(&doc.positions);
        let port = FieldPath::fields(&["spec", "template", "spec", "containers"])
            .index(0)
            .child("ports");
        assert_eq!(positions.locate(&port), doc.positions.locate(&port));
        let env = FieldPath::fields(&["spec", "template", "spec", "containers"])
            .index(0)
            .child("env");
        assert!(!positions.locate(&env).exact);
    }

    #[test]
    fn a_shape_other_than_expected_keeps_null_and_the_field_position() {
        let doc = &parse_text(
            "spec:\n  containers:\n    name: c\n  volumes: v\n",
            &Limits::default(),
        )
        .documents[0];
        let keep = Keep::at(
            &FieldPath::fields(&["spec"]),
            Keep::Fields(vec![
                (
                    "containers".to_owned(),
                    Keep::Items(Box::new(Keep::fields(&["name"]))),
                ),
                (
                    "volumes".to_owned(),
                    Keep::Items(Box::new(Keep::fields(&["name"]))),
                ),
            ]),
        );
        assert_eq!(
            serde_json::to_value(keep.part(&doc.value)).unwrap(),
            serde_json::json!({"spec": {"containers": null, "volumes": "v"}})
        );
        let positions = keep.positions(&doc.positions);
        let containers = FieldPath::fields(&["spec", "containers"]);
        // Pruned to a leaf: located at its value, no longer at its key.
        assert_eq!(positions.locate(&containers).pos, Pos::new(3, 5));
        assert_eq!(doc.positions.locate(&containers).pos, Pos::new(2, 3));
        assert!(!positions.locate(&containers.child("name")).exact);
    }
}
