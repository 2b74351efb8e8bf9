//! Baselines: the findings a team accepted when it turned rampart on, so that a scan
//! reports (and fails on) only new ones.
//!
//! A finding is identified by its [`Fingerprint`]: the rule, the object (API group,
//! kind, namespace, name) and the field path with list elements that have a `name`
//! (containers, volumes, env...) named rather than indexed, and short strings of a list
//! (capabilities, flags) given by their value. File, line, document order
//! and container order are left out, so the fingerprint survives reformatting, moved
//! lines, reordered documents and containers, and files moved within the scanned tree.
//! The baseline file is YAML, sorted, one entry per fingerprint (with a `count` when the
//! same fingerprint was found more than once).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::field_path::{FieldPath, Segment};
use crate::object::typed_at;
use crate::scan::LocatedFinding;
use crate::source::{InputError, Limits, parse_text};

/// The version of the baseline file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// `path` read against `value` (the object the path starts from), with list elements
/// identified by what they are rather than where they are: an object with a string
/// `name` as `[name=NAME]` (`spec.containers[name=web].image`), a short one-line string
/// as `[=VALUE]` (`capabilities.add[=SYS_ADMIN]`). Other elements keep their index; so
/// does every element when `value` is unknown.
pub fn stable_path(value: Option<&Value>, path: &FieldPath) -> String {
    let mut out = String::new();
    let mut at = value;
    for (i, segment) in path.segments().iter().enumerate() {
        let next = match segment {
            Segment::Field(name) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(name);
                at.and_then(|v| v.get(name.as_ref()))
            }
            Segment::Key(key) => {
                let _ = write!(out, "[{key}]");
                at.and_then(|v| v.get(key))
            }
            Segment::Index(index) => {
                let element = at.and_then(|v| v.get(*index));
                let _ = match element {
                    Some(Value::Object(fields)) => match fields.get("name") {
                        Some(Value::String(name)) => write!(out, "[name={name}]"),
                        _ => write!(out, "[{index}]"),
                    },
                    Some(Value::String(text)) if is_short_line(text) => write!(out, "[={text}]"),
                    _ => write!(out, "[{index}]"),
                };
                element
            }
        };
        at = next;
    }
    out
}

/// Whether a string list element is short enough, and on one line, to stand for itself
/// in a path (a capability, a flag; not a script).
fn is_short_line(text: &str) -> bool {
    text.len() <= MAX_NAMED_VALUE && !text.contains(['\n', '\r'])
}

/// The longest string list element a path names by its value.
const MAX_NAMED_VALUE: usize = 100;

/// What identifies a finding across edits of the scanned tree.
/// Ordered by namespace, kind, name, group, rule and path: the order of a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint {
    /// The namespace of the object, when it has one.
    pub namespace: Option<String>,
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: Option<String>,
    /// The object's API group (empty for the core group; the version is left out, so
    /// `apps/v1beta2` and `apps/v1` are one object).
    pub group: String,
    /// The rule id.
    pub rule: String,
    /// The field path, list elements named where they have a name ([`stable_path`]).
    pub path: String,
}

impl Fingerprint {
    /// The fingerprint of a finding.
    pub fn of(finding: &LocatedFinding) -> Self {
        Self {
            namespace: finding.object.namespace.clone(),
            kind: finding.object.kind.clone(),
            name: finding.object.name.clone(),
            group: finding.object.group().to_owned(),
            rule: finding.finding.rule.to_owned(),
            path: finding.stable_path.clone(),
        }
    }

    /// A short stable hash of the fingerprint (FNV-1a, 64 bits, hexadecimal), for SARIF
    /// `partialFingerprints` and the JSON report. The same across runs, platforms and
    /// versions of rampart that keep [`FORMAT_VERSION`].
    pub fn hash(&self) -> String {
        hash_parts(&[
            &self.rule,
            &self.group,
            &self.kind,
            self.namespace.as_deref().unwrap_or_default(),
            self.name.as_deref().unwrap_or_default(),
            &self.path,
        ])
    }
}

/// FNV-1a (64 bits, hexadecimal) of `parts`, each followed by a NUL byte: a stable,
/// dependency-free hash for fingerprints.
pub fn hash_parts(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|part| part.bytes().chain([0])) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// One entry of the baseline file: a fingerprint and how many findings carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule id.
    pub rule: String,
    /// The object's API group (omitted for the core group).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The object's kind.
    pub kind: String,
    /// The object's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The field path.
    pub path: String,
    /// How many findings carry this fingerprint (omitted when one).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_one(count: &usize) -> bool {
    *count == 1
}

impl Entry {
    fn new(fingerprint: &Fingerprint, count: usize) -> Self {
        Self {
            rule: fingerprint.rule.clone(),
            group: fingerprint.group.clone(),
            kind: fingerprint.kind.clone(),
            namespace: fingerprint.namespace.clone(),
            name: fingerprint.name.clone(),
            path: fingerprint.path.clone(),
            count,
        }
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            namespace: self.namespace.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            group: self.group.clone(),
            rule: self.rule.clone(),
            path: self.path.clone(),
        }
    }
}

/// The baseline file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    findings: Vec<Entry>,
}

/// The header of a written baseline.
const HEADER: &str = "\
# rampart baseline: findings accepted as they are. `rampart scan --baseline FILE` reports
# (and fails on) only findings not listed here. An entry matches a finding by rule, object
# and field path (containers and other named list elements by name); file and line do not
# matter. Delete an entry to report its finding again; `--write-baseline FILE` rewrites it.
";

/// Accepted findings: how many findings of each fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    accepted: BTreeMap<Fingerprint, usize>,
}

impl Baseline {
    /// The baseline accepting every finding of `findings`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a LocatedFinding>) -> Self {
        let mut accepted = BTreeMap::new();
        for finding in findings {
            *accepted.entry(Fingerprint::of(finding)).or_insert(0) += 1;
        }
        Self { accepted }
    }

    /// How many findings it accepts.
    pub fn len(&self) -> usize {
        self.accepted.values().sum()
    }

    /// Whether it accepts nothing.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }

    /// Reads a baseline file: wrong fields and versions are errors with their position.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let parsed = parse_text(text, &Limits::default());
        if let Some(error) = parsed.errors.into_iter().next() {
            return Err(error);
        }
        let mut documents = parsed.documents.into_iter();
        let Some(document) = documents.next() else {
            return Ok(Self::default());
        };
        if let Some(extra) = documents.next() {
            return Err(InputError::new(
                extra.positions.pos,
                "a baseline is one YAML document",
            ));
        }
        let file: File = match typed_at(&document.value, &FieldPath::root()) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(Self::default()),
            Err(e) => {
                let pos = document.positions.locate(&e.path).pos;
                let message = format!("invalid baseline at {}: {}", e.path, e.message);
                return Err(InputError::new(pos, message));
            }
        };
        if file.version != FORMAT_VERSION {
            let pos = document
                .positions
                .locate(&FieldPath::root().child("version"))
                .pos;
            return Err(InputError::new(
                pos,
                format!(
                    "baseline version {} is not supported (this rampart reads version {FORMAT_VERSION})",
                    file.version
                ),
            ));
        }
        let mut accepted = BTreeMap::new();
        for entry in &file.findings {
            *accepted.entry(entry.fingerprint()).or_insert(0) += entry.count;
        }
        Ok(Self { accepted })
    }

    /// The baseline file: a header, `version`, and the entries sorted by namespace,
    /// kind, name, group, rule and path.
    pub fn to_yaml(&self) -> String {
        let file = File {
            version: FORMAT_VERSION,
            findings: self
                .accepted
                .iter()
                .map(|(fingerprint, count)| Entry::new(fingerprint, *count))
                .collect(),
        };
        // Strings, numbers and lists of plain records always serialize.
        let body = serde_saphyr::to_string(&file).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Splits `findings` into those the baseline does not accept (returned, in order)
    /// and the accepted ones (counted), each entry accepting as many findings as its
    /// count.
    pub fn filter(
        &self,
        findings: Vec<LocatedFinding>,
        outcome: &mut Outcome,
    ) -> Vec<LocatedFinding> {
        findings
            .into_iter()
            .filter(|finding| {
                let fingerprint = Fingerprint::of(finding);
                let used = outcome.used.entry(fingerprint.clone()).or_insert(0);
                let accepted = self.accepted.get(&fingerprint).copied().unwrap_or(0);
                if *used < accepted {
                    *used += 1;
                    outcome.baselined += 1;
                    false
                } else {
                    true
                }
            })
            .collect()
    }

    /// The entries no finding matched after every [`filter`](Self::filter) call that
    /// recorded into `outcome` (fixed findings, or objects renamed or removed), sorted.
    pub fn stale(&self, outcome: &Outcome) -> Vec<Entry> {
        self.accepted
            .iter()
            .filter_map(|(fingerprint, count)| {
                let used = outcome.used.get(fingerprint).copied().unwrap_or(0);
                (used < *count).then(|| Entry::new(fingerprint, count - used))
            })
            .collect()
    }
}

/// What a baseline did to a run: findings accepted, and entries matched so far.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings the baseline accepted (not reported).
    pub baselined: usize,
    used: BTreeMap<Fingerprint, usize>,
}

#[cfg(test)]
mod tests;
