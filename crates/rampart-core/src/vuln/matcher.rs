//! Matching an inventory against the index: each vulnerability once per package, with
//! the records that describe it merged by their aliases.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::finding::Severity;
use crate::inventory::{Inventory, Kind, Package};

use super::ecosystem::scheme;
use super::index::{self, Index};

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// Index of the package in the inventory.
    pub package: usize,
    /// The vulnerability's id: its CVE when the merged records name exactly one, else
    /// the first record id.
    pub id: String,
    /// Every other id of the merged records (record ids, aliases, upstream ids).
    pub aliases: Vec<String>,
    /// Advisories that bundle several vulnerabilities and cover this one (a DSA or DLA
    /// whose `upstream` names this CVE among others).
    pub advisories: Vec<String>,
    /// The OSV ecosystem matched (`Debian:12`, `PyPI`).
    pub ecosystem: String,
    /// The package name looked up (the source package for OS packages).
    pub name: String,
    /// The version compared (the source version for OS packages).
    pub version: String,
    /// The version that fixes every merged record, or `None`: no fix yet.
    pub fixed: Option<String>,
    /// The highest severity of the merged records, `None` when none is rated.
    pub severity: Option<Severity>,
    /// A summary from the records.
    pub summary: Option<String>,
    /// RustSec's informational kind (`unmaintained`, `unsound`, `notice`): not a
    /// vulnerability in the strict sense; rated `info` unless a record scores it.
    pub informational: Option<String>,
}

/// A package that could not be matched, or a distribution the data does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchProblem {
    /// Index of the package, or `None` for the whole inventory.
    pub package: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// What matching found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Matches {
    /// The vulnerabilities, by package and then id.
    pub matches: Vec<Match>,
    /// Packages not matched, and why.
    pub problems: Vec<MatchProblem>,
}

/// One record that affects a package.
struct Hit {
    advisory: usize,
    ecosystem: String,
    fixed: Option<String>,
    severity: Option<Severity>,
    informational: Option<String>,
}

/// Matches every package of `inventory` against `index`.
pub fn matches(inventory: &Inventory, index: &Index) -> Matches {
    let mut out = Matches::default();
    let os_ecosystems: Vec<String> = inventory
        .os
        .as_ref()
        .map(|os| {
            os.ecosystems()
                .into_iter()
                .filter(|e| index.has_ecosystem(e))
                .collect()
        })
        .unwrap_or_default();
    let has_os_packages = inventory
        .packages
        .iter()
        .any(|p| p.kind.language_ecosystem().is_none());
    if has_os_packages && os_ecosystems.is_empty() {
        let release = inventory.os.as_ref().map_or_else(
            || "an unknown distribution".to_owned(),
            |os| {
                os.pretty_name.clone().unwrap_or_else(|| {
                    format!("{} {}", os.id, os.version_id.as_deref().unwrap_or(""))
                })
            },
        );
        out.problems.push(MatchProblem {
            package: None,
            message: format!("the vulnerability data has no records for {release}: its OS packages were not matched"),
        });
    }
    for (number, package) in inventory.packages.iter().enumerate() {
        let ecosystems: Vec<String> = match package.kind.language_ecosystem() {
            Some(ecosystem) => vec![ecosystem.to_owned()],
            None => os_ecosystems.clone(),
        };
        let (name, version) = looked_up(package);
        let mut hits = Vec::new();
        for ecosystem in &ecosystems {
            let Some(listed) = scheme(ecosystem) else {
                continue;
            };
            for entry in index.entries(ecosystem, name) {
                match index::affects(entry, version, listed) {
                    Ok(true) => hits.push(Hit {
                        advisory: entry.advisory as usize,
                        ecosystem: ecosystem.clone(),
                        fixed: index::fixed_above(entry, version),
                        severity: entry.severity,
                        informational: entry.informational.clone(),
                    }),
                    Ok(false) => {}
                    Err(e) => {
                        out.problems.push(MatchProblem {
                            package: Some(number),
                            message: format!("{} {version}: {e}", package.name),
                        });
                        break;
                    }
                }
            }
        }
        out.matches
            .extend(merge(number, name, version, hits, index));
    }
    out
}

/// The name and version that vulnerability data uses for a package: the source
/// package's for dpkg and apk packages (falling back to the binary's), else its own.
/// RPM distributions' advisories name binary packages (`openssl-libs`), as Trivy and
/// osv-scanner match them.
pub(crate) fn looked_up(package: &Package) -> (&str, &str) {
    match &package.source {
        Some(source) if !source.name.is_empty() && package.kind != Kind::Rpm => {
            (&source.name, &source.version)
        }
        _ => (&package.name, &package.version),
    }
}

/// Merges the hits of one package into one match per vulnerability.
fn merge(package: usize, name: &str, version: &str, hits: Vec<Hit>, index: &Index) -> Vec<Match> {
    // Records whose ids, aliases or single upstream id meet are one vulnerability.
    // Records naming several upstream ids bundle vulnerabilities (a DSA fixing many
    // CVEs): they join the vulnerabilities they name instead.
    let mut groups = UnionFind::new(hits.len());
    let mut owner: HashMap<&str, usize> = HashMap::new();
    let mut bundles = Vec::new();
    for (i, hit) in hits.iter().enumerate() {
        let advisory = &index.advisories[hit.advisory];
        if advisory.upstream.len() > 1 {
            bundles.push(i);
            continue;
        }
        for key in keys(advisory) {
            match owner.get(key) {
                Some(&j) => groups.join(i, j),
                None => {
                    owner.insert(key, i);
                }
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..hits.len() {
        if !bundles.contains(&i) {
            members.entry(groups.find(i)).or_default().push(i);
        }
    }
    let mut covering: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &b in &bundles {
        let advisory = &index.advisories[hits[b].advisory];
        let covered: BTreeSet<usize> = advisory
            .upstream
            .iter()
            .filter_map(|id| owner.get(id.as_str()))
            .map(|&i| groups.find(i))
            .collect();
        if covered.is_empty() {
            members.insert(usize::MAX - b, vec![b]);
        }
        for group in covered {
            covering.entry(group).or_default().push(advisory.id.clone());
        }
    }
    let mut out: Vec<Match> = members
        .into_iter()
        .map(|(root, group)| {
            let mut ids: BTreeSet<String> = BTreeSet::new();
            let mut record_ids: Vec<&str> = Vec::new();
            for &i in &group {
                let advisory = &index.advisories[hits[i].advisory];
                record_ids.push(&advisory.id);
                ids.extend(keys(advisory).map(str::to_owned));
            }
            record_ids.sort_unstable();
            let cves: Vec<&String> = ids.iter().filter(|id| id.starts_with("CVE-")).collect();
            let id = match cves.as_slice() {
                [only] => (*only).clone(),
                _ => record_ids[0].to_owned(),
            };
            ids.remove(&id);
            let first = &hits[group[0]];
            let informational = group.iter().find_map(|&i| hits[i].informational.clone());
            let severity = group.iter().filter_map(|&i| hits[i].severity).max();
            let severity = severity.or(informational.as_ref().map(|_| Severity::Info));
            let mut advisories = covering.remove(&root).unwrap_or_default();
            advisories.sort();
            advisories.dedup();
            Match {
                package,
                id,
                aliases: ids.into_iter().collect(),
                advisories,
                ecosystem: first.ecosystem.clone(),
                name: name.to_owned(),
                version: version.to_owned(),
                fixed: highest_fix(&group, &hits),
                severity,
                summary: group
                    .iter()
                    .find_map(|&i| index.advisories[hits[i].advisory].summary.clone()),
                informational,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// A record's identifying ids: its own, its aliases, and its upstream id when it names
/// exactly one.
fn keys(advisory: &index::Advisory) -> impl Iterator<Item = &str> {
    let upstream = if advisory.upstream.len() == 1 {
        advisory.upstream.as_slice()
    } else {
        &[]
    };
    std::iter::once(advisory.id.as_str())
        .chain(advisory.aliases.iter().map(String::as_str))
        .chain(upstream.iter().map(String::as_str))
}

/// The fix of a merged vulnerability: the highest of its records' fixes (the version
/// that fixes them all), or none when no record names one.
fn highest_fix(group: &[usize], hits: &[Hit]) -> Option<String> {
    let mut best: Option<&Hit> = None;
    for hit in group
        .iter()
        .map(|&i| &hits[i])
        .filter(|h| h.fixed.is_some())
    {
        let higher = best.is_none_or(|b| {
            let ordering = scheme(&hit.ecosystem)
                .and_then(|s| s.compare(hit.fixed.as_deref()?, b.fixed.as_deref()?).ok());
            ordering.is_some_and(std::cmp::Ordering::is_gt)
        });
        if higher {
            best = Some(hit);
        }
    }
    best.and_then(|h| h.fixed.clone())
}

/// A small union-find over hit numbers.
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        Self((0..n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        self.0[a.max(b)] = a.min(b);
    }
}
