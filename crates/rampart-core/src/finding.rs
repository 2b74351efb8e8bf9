//! Findings: what a check reports, as data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field_path::FieldPath;

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Info,
    /// Hardening that is good practice.
    Low,
    /// A weakness an attacker can use together with others.
    Medium,
    /// A direct path to privilege or data.
    High,
    /// Host or cluster takeover.
    Critical,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// The lower-case name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity {s:?}: expected info, low, medium, high or critical")
            })
    }
}

/// One problem found by a check, located by a field path inside its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id, e.g. `privileged-container`.
    pub rule: &'static str,
    /// The severity (the rule's, unless a configuration overrides it).
    pub severity: Severity,
    /// The offending field, from the object's root.
    pub path: FieldPath,
    /// What is wrong, naming the container or volume at fault.
    pub message: String,
    /// The container the finding is about, if any (for per-container suppression).
    #[serde(skip)]
    pub container: Option<String>,
}
