//! The index: OSV records reduced to what matching needs, keyed by ecosystem and
//! normalised package name, serialisable (postcard) so the edge can keep it in a file.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

use super::ecosystem::{normalise_name, scheme};
use super::osv::{self, Record};
use super::severity;
use super::version::Scheme;

/// What identifies an index file and its format; bumped when the layout changes.
const MAGIC: &[u8; 8] = b"RMPVDB01";

/// One record's identity and description, shared by its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record id.
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// Upstream ids the record addresses.
    pub upstream: Vec<String>,
    /// The one-line summary.
    pub summary: Option<String>,
    /// When the record last changed (RFC 3339, as written).
    pub modified: Option<String>,
}

/// One `affected[]` entry of a record, for one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Index of the record in [`Index::advisories`].
    pub advisory: u32,
    /// The affected ranges whose type rampart evaluates.
    pub ranges: Vec<Range>,
    /// Affected versions, listed.
    pub versions: Vec<String>,
    /// The severity for this package.
    pub severity: Option<Severity>,
    /// RustSec's informational kind (`unmaintained`, `unsound`, `notice`).
    pub informational: Option<String>,
}

/// One range, its events sorted by version as the OSV evaluation requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// How the range's versions are ordered.
    pub scheme: Scheme,
    /// `introduced`, `fixed` and `last_affected` events, sorted.
    pub events: Vec<Event>,
    /// `limit` events (none: no limit).
    pub limits: Vec<String>,
}

/// A range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// Affected from this version on (`0`: from the first version).
    Introduced(String),
    /// Fixed in this version.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
}

impl Event {
    /// The event's version.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) => v,
        }
    }
}

/// What the index was built from, for `rampart db info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Records read (withdrawn ones included).
    pub records: u64,
    /// Records per ecosystem named in `affected[]` (a record counts once per ecosystem).
    pub ecosystems: BTreeMap<String, u64>,
    /// Withdrawn records (ignored).
    pub withdrawn: u64,
    /// Records or parts of records left out, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// The newest `modified` date of the records read (RFC 3339, UTC).
    pub newest_modified: Option<String>,
}

/// The index of a set of OSV records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Every record's identity, in the order added.
    pub advisories: Vec<Advisory>,
    /// Entries by ecosystem (as records name it) and normalised package name.
    pub packages: HashMap<String, HashMap<String, Vec<Entry>>>,
    /// What went in.
    pub stats: Stats,
}

/// An index file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Not an index file, or one of another format version.
    #[error("not a rampart vulnerability index of this version")]
    Format,
    /// Damaged.
    #[error("damaged vulnerability index: {0}")]
    Decode(#[from] postcard::Error),
}

impl Index {
    /// The entries for a package, by ecosystem and name as the package spells it.
    pub fn entries(&self, ecosystem: &str, name: &str) -> &[Entry] {
        self.packages
            .get(ecosystem)
            .and_then(|names| names.get(&normalise_name(base(ecosystem), name)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the index holds records for an ecosystem.
    pub fn has_ecosystem(&self, ecosystem: &str) -> bool {
        self.packages.contains_key(ecosystem)
    }

    /// The index as bytes (a magic, then postcard).
    pub fn to_bytes(&self) -> Result<Vec<u8>, IndexError> {
        Ok(postcard::to_extend(self, MAGIC.to_vec())?)
    }

    /// Reads an index written by [`Index::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IndexError> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(IndexError::Format)?;
        Ok(postcard::from_bytes(body)?)
    }
}

/// The ecosystem without its release (`Debian:12` → `Debian`).
fn base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// Builds an [`Index`] one record at a time.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    index: Index,
    newest: Option<jiff::Timestamp>,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a record or file that could not be read at all.
    pub fn skip(&mut self, reason: &str) {
        *self
            .index
            .stats
            .skipped
            .entry(reason.to_owned())
            .or_default() += 1;
    }

    /// Adds one record: withdrawn records are counted and ignored; `affected[]` entries
    /// of ecosystems rampart does not inventory are counted, not indexed; `GIT` ranges
    /// are left out (they need the repository's history), and an entry with nothing
    /// else is counted as skipped.
    pub fn add(&mut self, record: Record) {
        let stats = &mut self.index.stats;
        stats.records += 1;
        let modified = record
            .modified
            .as_deref()
            .and_then(|m| jiff::Timestamp::from_str(m).ok());
        if let Some(modified) = modified
            && self.newest.is_none_or(|newest| modified > newest)
        {
            self.newest = Some(modified);
        }
        let mut named: Vec<&str> = record
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref().map(|p| p.ecosystem.as_str()))
            .collect();
        named.sort_unstable();
        named.dedup();
        for ecosystem in named {
            *stats.ecosystems.entry(ecosystem.to_owned()).or_default() += 1;
        }
        if record.withdrawn.is_some() {
            stats.withdrawn += 1;
            return;
        }
        let number = u32::try_from(self.index.advisories.len()).unwrap_or(u32::MAX);
        let mut indexed = false;
        for affected in &record.affected {
            let Some(package) = &affected.package else {
                self.skip("affected entry without a package");
                continue;
            };
            let Some(ecosystem_scheme) = scheme(&package.ecosystem) else {
                self.skip(&format!(
                    "ecosystem {} not inventoried",
                    base(&package.ecosystem)
                ));
                continue;
            };
            let mut ranges = Vec::new();
            for range in &affected.ranges {
                match range.kind.as_str() {
                    "ECOSYSTEM" => {
                        ranges.push(build_range(ecosystem_scheme, range, &mut self.index.stats))
                    }
                    "SEMVER" => {
                        ranges.push(build_range(Scheme::SemVer, range, &mut self.index.stats))
                    }
                    "GIT" => {}
                    other => self.skip(&format!("range type {other}")),
                }
            }
            if ranges.is_empty() && affected.versions.is_empty() {
                self.skip("affected entry with only GIT ranges");
                continue;
            }
            let entry = Entry {
                advisory: number,
                ranges,
                versions: affected.versions.clone(),
                severity: severity::of(&record, Some(affected)),
                informational: affected
                    .database_specific
                    .as_ref()
                    .and_then(|d| d.informational.clone()),
            };
            let name = normalise_name(base(&package.ecosystem), &package.name);
            self.index
                .packages
                .entry(package.ecosystem.clone())
                .or_default()
                .entry(name)
                .or_default()
                .push(entry);
            indexed = true;
        }
        if indexed {
            self.index.advisories.push(Advisory {
                id: record.id,
                aliases: record.aliases,
                upstream: record.upstream,
                summary: record.summary,
                modified: record.modified,
            });
        }
    }

    /// The index.
    pub fn finish(mut self) -> Index {
        self.index.stats.newest_modified = self.newest.map(|t| t.to_string());
        self.index
    }
}

/// A range with its events sorted by `scheme` (`introduced: 0` first); events whose
/// version the scheme cannot order are left out and counted.
fn build_range(scheme: Scheme, range: &osv::Range, stats: &mut Stats) -> Range {
    let mut events = Vec::new();
    let mut limits = Vec::new();
    for event in &range.events {
        let built = if let Some(v) = &event.introduced {
            Event::Introduced(v.clone())
        } else if let Some(v) = &event.fixed {
            Event::Fixed(v.clone())
        } else if let Some(v) = &event.last_affected {
            Event::LastAffected(v.clone())
        } else if let Some(v) = &event.limit {
            limits.push(v.clone());
            continue;
        } else {
            continue;
        };
        let zero = matches!(&built, Event::Introduced(v) if v == "0");
        if !zero && scheme.check(built.version()).is_err() {
            *stats
                .skipped
                .entry(format!("event version not {scheme}"))
                .or_default() += 1;
            continue;
        }
        events.push(built);
    }
    // A stable sort: events at the same version keep the record's order.
    events.sort_by(|a, b| event_order(scheme, a, b));
    Range {
        scheme,
        events,
        limits,
    }
}

fn event_order(scheme: Scheme, a: &Event, b: &Event) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let zero = |e: &Event| matches!(e, Event::Introduced(v) if v == "0");
    match (zero(a), zero(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => scheme
            .compare(a.version(), b.version())
            .unwrap_or(Ordering::Equal),
    }
}

/// Whether `version` is affected by `entry`, by the OSV evaluation: listed in
/// `versions`, or inside a range (`BeforeLimits` and the sorted event walk). Errors
/// when the version cannot be ordered by the range's scheme.
pub fn affects(
    entry: &Entry,
    version: &str,
    listed_scheme: Scheme,
) -> Result<bool, super::version::VersionError> {
    for listed in &entry.versions {
        let same = listed == version
            || listed_scheme
                .compare(listed, version)
                .is_ok_and(|o| o.is_eq());
        if same {
            return Ok(true);
        }
    }
    for range in &entry.ranges {
        if in_range(range, version)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `IncludedInRanges` for one range.
pub(crate) fn in_range(range: &Range, version: &str) -> Result<bool, super::version::VersionError> {
    let scheme = range.scheme;
    scheme.check(version)?;
    let before_limits = range.limits.is_empty()
        || range.limits.iter().any(|limit| {
            limit.contains('*')
                || scheme
                    .compare(version, limit)
                    .is_ok_and(std::cmp::Ordering::is_lt)
        });
    if !before_limits {
        return Ok(false);
    }
    let mut vulnerable = false;
    for event in &range.events {
        let order = || scheme.compare(version, event.version());
        match event {
            Event::Introduced(v) if v == "0" => vulnerable = true,
            Event::Introduced(_) if order()?.is_ge() => vulnerable = true,
            Event::Fixed(_) if order()?.is_ge() => vulnerable = false,
            Event::LastAffected(_) if order()?.is_gt() => vulnerable = false,
            _ => {}
        }
    }
    Ok(vulnerable)
}

/// The smallest `fixed` version above `version` in the ranges of `entry`.
pub(crate) fn fixed_above(entry: &Entry, version: &str) -> Option<String> {
    let mut best: Option<(&str, Scheme)> = None;
    for range in &entry.ranges {
        for event in &range.events {
            let Event::Fixed(fixed) = event else { continue };
            if !range
                .scheme
                .compare(fixed, version)
                .is_ok_and(std::cmp::Ordering::is_gt)
            {
                continue;
            }
            if best.is_none_or(|(b, s)| s.compare(fixed, b).is_ok_and(std::cmp::Ordering::is_lt)) {
                best = Some((fixed, range.scheme));
            }
        }
    }
    best.map(|(fixed, _)| fixed.to_owned())
}
