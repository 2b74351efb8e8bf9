//! Pruning collected objects to the fields the run rules read, value and positions
//! alike, so that what a scan keeps across files does not grow with pod-spec sizes.

use serde_json::{Map, Value};

use crate::field_path::{FieldPath, Segment};
use crate::source::{PosChildren, PosNode};

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

    /// The kept part of `value`.
    pub fn value(&self, value: &Value) -> Value {
        match (self, value) {
            (Keep::All, v) => v.clone(),
            (Keep::Fields(fields), Value::Object(map)) => Value::Object(
                fields
                    .iter()
                    .filter_map(|(name, keep)| Some((name.clone(), keep.value(map.get(name)?))))
                    .collect::<Map<String, Value>>(),
            ),
            (Keep::Items(inner), Value::Array(items)) => {
                Value::Array(items.iter().map(|v| inner.value(v)).collect())
            }
            (_, v) => {
                if v.is_object() || v.is_array() {
                    Value::Null
                } else {
                    v.clone()
                }
            }
        }
    }

    /// The kept part of a position tree, matching [`Keep::value`].
    pub fn positions(&self, node: &PosNode) -> PosNode {
        let children = match (self, &node.children) {
            (Keep::All, children) => children.clone(),
            (Keep::Fields(fields), PosChildren::Map(entries)) => PosChildren::Map(
                entries
                    .iter()
                    .filter_map(|(name, pos, child)| {
                        let (_, keep) = fields.iter().find(|(n, _)| n == name)?;
                        Some((name.clone(), *pos, keep.positions(child)))
                    })
                    .collect(),
            ),
            (Keep::Items(inner), PosChildren::Seq(items)) => {
                PosChildren::Seq(items.iter().map(|n| inner.positions(n)).collect())
            }
            _ => PosChildren::Leaf,
        };
        PosNode {
            pos: node.pos,
            children,
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
        let value = keep.value(&doc.value);
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
}
