//! Label selectors (`metav1.LabelSelector`) compiled into a canonical, hashable form.
//!
//! `matchLabels` entries become `In` requirements with a single value, so two selectors
//! that select the same way compare equal and can be interned by the engine.

use std::collections::{BTreeMap, BTreeSet};

/// Labels of a pod, a namespace or an endpoint.
pub type Labels = BTreeMap<String, String>;

/// A selector operator (`matchExpressions[].operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Operator {
    /// Key present and value in the set.
    In,
    /// Key absent, or value not in the set.
    NotIn,
    /// Key present.
    Exists,
    /// Key absent.
    DoesNotExist,
}

impl Operator {
    /// Parses the API spelling (`In`, `NotIn`, `Exists`, `DoesNotExist`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "In" => Some(Self::In),
            "NotIn" => Some(Self::NotIn),
            "Exists" => Some(Self::Exists),
            "DoesNotExist" => Some(Self::DoesNotExist),
            _ => None,
        }
    }
}

/// One requirement of a selector: `key operator values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

impl Requirement {
    /// A requirement; `values` is ignored by `Exists` and `DoesNotExist`.
    pub fn new(
        key: impl Into<String>,
        operator: Operator,
        values: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            key: key.into(),
            operator,
            values: values.into_iter().collect(),
        }
    }

    /// True when `labels` satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A compiled label selector: the AND of its requirements. The empty selector matches
/// everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// A selector from `matchLabels` pairs and `matchExpressions` requirements.
    pub fn new(
        match_labels: impl IntoIterator<Item = (String, String)>,
        expressions: impl IntoIterator<Item = Requirement>,
    ) -> Self {
        let mut requirements: Vec<Requirement> = match_labels
            .into_iter()
            .map(|(key, value)| Requirement::new(key, Operator::In, [value]))
            .chain(expressions)
            .collect();
        requirements.sort();
        requirements.dedup();
        Self { requirements }
    }

    /// True for `{}`: the selector matches everything.
    pub fn selects_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key, op, values.iter().map(|v| v.to_string()))
    }

    #[test]
    fn empty_selector_matches_everything() {
        assert!(Selector::default().matches(&labels(&[])));
        assert!(Selector::new([], []).selects_everything());
    }

    #[test]
    fn operators() {
        let with = labels(&[("app", "web")]);
        let other = labels(&[("app", "db")]);
        let without = labels(&[("tier", "x")]);
        let cases = [
            (
                req("app", Operator::In, &["web", "api"]),
                [true, false, false],
            ),
            (req("app", Operator::NotIn, &["web"]), [false, true, true]),
            (req("app", Operator::Exists, &[]), [true, true, false]),
            (
                req("app", Operator::DoesNotExist, &[]),
                [false, false, true],
            ),
        ];
        for (requirement, expected) in cases {
            let got = [&with, &other, &without].map(|l| requirement.matches(l));
            assert_eq!(got, expected, "{requirement:?}");
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let selector = Selector::new(
            [("app".to_string(), "web".to_string())],
            [req("tier", Operator::Exists, &[])],
        );
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(!selector.matches(&labels(&[("app", "web")])));
        assert!(!selector.matches(&labels(&[("tier", "a")])));
    }

    #[test]
    fn match_labels_equals_single_value_in() {
        let a = Selector::new([("k".to_string(), "v".to_string())], []);
        let b = Selector::new([], [req("k", Operator::In, &["v"])]);
        assert_eq!(a, b);
    }
}
