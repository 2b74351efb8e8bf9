//! The OSV record format (<https://ossf.github.io/osv-schema/>): the fields rampart
//! reads. Unknown fields are ignored; `details`, `references` and `credits` are not kept.

use serde::Deserialize;

/// One OSV record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Record {
    /// The record's id (`DSA-3029-1`, `RUSTSEC-2019-0033`, `DEBIAN-CVE-2024-1234`...).
    pub id: String,
    /// When the record last changed (RFC 3339).
    #[serde(default)]
    pub modified: Option<String>,
    /// When the record was published (RFC 3339).
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the record was withdrawn: such records are ignored.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Ids of upstream vulnerabilities this record addresses (a DSA's CVEs).
    #[serde(default)]
    pub upstream: Vec<String>,
    /// A one-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Scores (CVSS vectors, Ubuntu priorities).
    #[serde(default)]
    pub severity: Vec<SeverityScore>,
    /// What is affected.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Database-specific fields (GitHub's `severity`).
    #[serde(default)]
    pub database_specific: Option<DatabaseSpecific>,
}

/// One `severity[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`...
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or priority.
    pub score: String,
}

/// The database-specific fields rampart reads (at record or affected level).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DatabaseSpecific {
    /// GitHub's severity (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub severity: Option<String>,
    /// RustSec's CVSS vector.
    #[serde(default, deserialize_with = "lenient_string")]
    pub cvss: Option<String>,
    /// RustSec's informational kind (`unmaintained`, `unsound`, `notice`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub informational: Option<String>,
}

/// The ecosystem-specific fields rampart reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EcosystemSpecific {
    /// Debian's urgency (`unimportant`, `low`, `medium`, `high`...).
    #[serde(default, deserialize_with = "lenient_string")]
    pub urgency: Option<String>,
    /// A severity word some databases put here.
    #[serde(default, deserialize_with = "lenient_string")]
    pub severity: Option<String>,
}

/// One `affected[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Affected {
    /// The package (absent in some records about non-package software).
    #[serde(default)]
    pub package: Option<Package>,
    /// Scores for this package only.
    #[serde(default)]
    pub severity: Vec<SeverityScore>,
    /// Affected ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Affected versions, listed.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Ecosystem-specific fields.
    #[serde(default)]
    pub ecosystem_specific: Option<EcosystemSpecific>,
    /// Database-specific fields.
    #[serde(default)]
    pub database_specific: Option<DatabaseSpecific>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Package {
    /// `Debian:12`, `PyPI`, `crates.io`...
    pub ecosystem: String,
    /// The package name as the ecosystem spells it.
    pub name: String,
    /// A package URL without version.
    #[serde(default)]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The events, in any order.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event: exactly one field is set in a valid record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Event {
    /// The version that introduced the vulnerability (`0`: before every version).
    #[serde(default, deserialize_with = "lenient_string")]
    pub introduced: Option<String>,
    /// The version that fixed it.
    #[serde(default, deserialize_with = "lenient_string")]
    pub fixed: Option<String>,
    /// The last affected version.
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_affected: Option<String>,
    /// An upper limit (`*`: none).
    #[serde(default, deserialize_with = "lenient_string")]
    pub limit: Option<String>,
}

/// A string field that YAML records may spell as a number (`fixed: 1.2`) or null.
fn lenient_string<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
        Flag(bool),
    }
    Ok(match Option::<Scalar>::deserialize(deserializer)? {
        None => None,
        Some(Scalar::Text(text)) => Some(text),
        Some(Scalar::Integer(n)) => Some(n.to_string()),
        Some(Scalar::Float(x)) => Some(x.to_string()),
        Some(Scalar::Flag(b)) => Some(b.to_string()),
    })
}

/// Reads one OSV record from JSON.
pub fn from_json(bytes: &[u8]) -> Result<Record, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Reads one OSV record from YAML (as pypa/advisory-database publishes them).
pub fn from_yaml(text: &str) -> Result<Record, serde_saphyr::Error> {
    serde_saphyr::from_str(text)
}
