//! `rampart image` reports: per target, the image (digest, distribution, layers), its
//! packages, the known vulnerabilities of those packages, the findings of the image
//! rules, and the errors; how old the vulnerability data is. Printed as text, JSON,
//! SARIF, JUnit and a CycloneDX 1.5 SBOM.

mod cyclonedx;
mod json;
mod junit;
mod sarif;
mod text;

use rampart_core::Severity;
use rampart_core::inventory::{Layer, Package};
use rampart_core::vuln::{Match, OsRelease};

pub use cyclonedx::write_cyclonedx;
pub use json::write_json;
pub use junit::write_junit;
pub use sarif::write_sarif;
pub use text::{write_summary_line, write_text};

/// How old the vulnerability data is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataAge {
    /// The database directory.
    pub dir: String,
    /// The newest `modified` date of its records.
    pub newest_modified: Option<String>,
    /// Whole days since then.
    pub age_days: Option<i64>,
    /// Whether that is more than the staleness limit.
    pub stale: bool,
}

/// One layer of a target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerReport {
    /// Position, base first.
    pub index: usize,
    /// The diff id.
    pub digest: String,
    /// The stored blob's digest.
    pub blob: String,
    /// Stored size in bytes.
    pub size: u64,
    /// The history step that made it.
    pub created_by: Option<String>,
}

/// One vulnerability of one package of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vulnerability {
    /// The match (its `package` indexes the target's packages).
    pub found: Match,
}

/// A finding of an image rule: about the configuration (a field path such as
/// `config.User`) or about a file of the final file system (its path and layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFinding {
    /// The rule id.
    pub rule: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What it is about: a field path or a file path.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// For a file, the layer that wrote it.
    pub layer: Option<Layer>,
}

/// Everything found in one target.
#[derive(Debug, Clone, Default)]
pub struct TargetReport {
    /// The target as given on the command line.
    pub target: String,
    /// The manifest digest (or the image id for archives).
    pub digest: Option<String>,
    /// The distribution.
    pub os: Option<OsRelease>,
    /// The layers, base first.
    pub layers: Vec<LayerReport>,
    /// The packages.
    pub packages: Vec<Package>,
    /// The vulnerabilities, by package then id.
    pub vulnerabilities: Vec<Vulnerability>,
    /// The findings of the image rules.
    pub findings: Vec<ImageFinding>,
    /// What could not be read (the target, a layer, a package database record).
    pub errors: Vec<String>,
    /// What is worth saying but read fine (a distribution the data does not cover).
    pub warnings: Vec<String>,
    /// Vulnerabilities and findings left out by a severity filter (`--severity`).
    pub hidden: usize,
}

impl TargetReport {
    /// The package a vulnerability is about.
    pub fn package_of(&self, vulnerability: &Vulnerability) -> Option<&Package> {
        self.packages.get(vulnerability.found.package)
    }
}

/// A whole `rampart image` run.
#[derive(Debug, Clone, Default)]
pub struct ImageReport {
    /// One report per target, in command-line order.
    pub targets: Vec<TargetReport>,
    /// How old the vulnerability data is.
    pub data: DataAge,
}

/// The severity a vulnerability counts as for `--fail-on`: its own, or `low` when the
/// data rates it nowhere (an unrated vulnerability is not nothing).
pub fn counted_severity(found: &Match) -> Severity {
    found.severity.unwrap_or(Severity::Low)
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImageSummary {
    /// Targets read.
    pub targets: usize,
    /// Packages found.
    pub packages: usize,
    /// Vulnerabilities (one per package and id).
    pub vulnerabilities: usize,
    /// Of those, the ones with a fixed version.
    pub fixable: usize,
    /// Packages with at least one vulnerability.
    pub vulnerable_packages: usize,
    /// Findings of the image rules.
    pub findings: usize,
    /// Errors.
    pub errors: usize,
    /// Vulnerabilities by severity.
    pub by_severity: BySeverity,
    /// Vulnerabilities and findings left out by a severity filter (only in the JSON of
    /// a filtered run).
    #[serde(skip_serializing_if = "is_zero")]
    pub hidden: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Vulnerability counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BySeverity {
    /// Critical.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// Informational (RustSec notices).
    pub info: usize,
    /// Not rated by the data.
    pub unknown: usize,
}

impl BySeverity {
    fn add(&mut self, severity: Option<Severity>) {
        let slot = match severity {
            Some(Severity::Critical) => &mut self.critical,
            Some(Severity::High) => &mut self.high,
            Some(Severity::Medium) => &mut self.medium,
            Some(Severity::Low) => &mut self.low,
            Some(Severity::Info) => &mut self.info,
            None => &mut self.unknown,
        };
        *slot += 1;
    }
}

impl ImageReport {
    /// Totals over every target.
    pub fn summary(&self) -> ImageSummary {
        let mut summary = ImageSummary {
            targets: self.targets.len(),
            ..ImageSummary::default()
        };
        for target in &self.targets {
            summary.packages += target.packages.len();
            summary.vulnerabilities += target.vulnerabilities.len();
            summary.findings += target.findings.len();
            summary.errors += target.errors.len();
            summary.hidden += target.hidden;
            let mut packages: Vec<usize> = target
                .vulnerabilities
                .iter()
                .map(|v| v.found.package)
                .collect();
            packages.dedup();
            summary.vulnerable_packages += packages.len();
            for vulnerability in &target.vulnerabilities {
                summary.by_severity.add(vulnerability.found.severity);
                if vulnerability.found.fixed.is_some() {
                    summary.fixable += 1;
                }
            }
        }
        summary
    }

    /// Keeps only the vulnerabilities (by [`counted_severity`]) and findings whose
    /// severity is in `shown` (everything when it is empty), counting the others as
    /// hidden. Packages, layers and errors are always kept.
    pub fn keep_severities(&mut self, shown: &[Severity]) {
        if shown.is_empty() {
            return;
        }
        for target in &mut self.targets {
            let before = target.vulnerabilities.len() + target.findings.len();
            target
                .vulnerabilities
                .retain(|v| shown.contains(&counted_severity(&v.found)));
            target.findings.retain(|f| shown.contains(&f.severity));
            target.hidden += before - target.vulnerabilities.len() - target.findings.len();
        }
    }

    /// The most severe vulnerability or finding, counted as `--fail-on` counts it.
    pub fn worst(&self) -> Option<Severity> {
        self.targets
            .iter()
            .flat_map(|t| {
                t.vulnerabilities
                    .iter()
                    .map(|v| counted_severity(&v.found))
                    .chain(t.findings.iter().map(|f| f.severity))
            })
            .max()
    }
}

/// `name version` of a package, with its source when it differs.
pub(crate) fn describe_package(package: &Package) -> String {
    let mut out = format!("{} {}", package.name, package.version);
    if let Some(source) = &package.source
        && (source.name != package.name || source.version != package.version)
    {
        out.push_str(&format!(" (source {} {})", source.name, source.version));
    }
    out
}

/// `layer 2 sha256:0123456789ab`.
pub(crate) fn describe_layer(layer: &Layer) -> String {
    let short = layer
        .digest
        .strip_prefix("sha256:")
        .map_or(layer.digest.as_str(), |hex| &hex[..hex.len().min(12)]);
    format!("layer {} {short}", layer.index)
}
