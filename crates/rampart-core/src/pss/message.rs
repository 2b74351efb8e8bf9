//! Message building blocks (spec §3) and the aggregation of failed checks (spec §8).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Violation;
use super::level::LevelVersion;

/// `Q(xs)`: each item in double quotes (no escaping), joined with `", "`.
pub(crate) fn quote_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `P(n, one, many)`.
pub(crate) fn pluralize(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// `C(names)`: `container "a"` or `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize(names.len(), "container", "containers"),
        quote_list(names)
    )
}

/// De-duplicated and sorted in byte order (Go `sort.Strings`).
pub(crate) type SortedSet = BTreeSet<String>;

/// Who set a forbidden value: `pod`, then `C(containers)`, then any extra phrase, joined
/// with `" and "`. Empty parts are left out.
#[derive(Default)]
pub(crate) struct Setters {
    parts: Vec<String>,
}

impl Setters {
    /// Starts with `pod` if `pod_is_bad`.
    pub fn pod(pod_is_bad: bool) -> Self {
        let mut setters = Self::default();
        if pod_is_bad {
            setters.parts.push("pod".to_owned());
        }
        setters
    }

    /// Adds `C(names)` unless `names` is empty.
    pub fn containers<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        if !names.is_empty() {
            self.parts.push(containers_phrase(names));
        }
        self
    }

    /// Adds a fixed phrase.
    pub fn phrase(mut self, phrase: &str) -> Self {
        self.parts.push(phrase.to_owned());
        self
    }

    /// True when nobody set a forbidden value.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The setters joined with `" and "`.
    pub fn joined(&self) -> String {
        self.parts.join(" and ")
    }
}

/// `GOQ(s)`: Go's `strconv.Quote`.
pub(crate) use crate::go::quote as go_quote;

/// The reason printed for a failure without one; upstream's marker of a bug.
const UNKNOWN_REASON: &str = "unknown forbidden reason";

fn reason_of(violation: &Violation) -> &str {
    if violation.reason.is_empty() {
        UNKNOWN_REASON
    } else {
        &violation.reason
    }
}

/// Short form (§8.1): the reasons joined with `", "`.
pub(crate) fn short_form(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(reason_of)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Detailed form (§8.1): `reason (detail)` items joined with `", "`.
pub(crate) fn detailed_form(violations: &[Violation]) -> String {
    let mut out = String::new();
    for (i, violation) in violations.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reason_of(violation));
        if !violation.detail.is_empty() {
            let _ = write!(out, " ({})", violation.detail);
        }
    }
    out
}

/// `violates PodSecurity "<level>:<version>": <detailed form>` (§8.2).
pub(crate) fn forbidden_message(policy: &LevelVersion, violations: &[Violation]) -> String {
    format!(
        "violates PodSecurity \"{policy}\": {}",
        detailed_form(violations)
    )
}

/// `would violate PodSecurity "<level>:<version>": <detailed form>` (§8.3).
pub(crate) fn warning_message(policy: &LevelVersion, violations: &[Violation]) -> String {
    format!(
        "would violate PodSecurity \"{policy}\": {}",
        detailed_form(violations)
    )
}
