//! Package inventories: what is installed in a root file system or pinned by a lockfile,
//! read from file contents the caller hands over (this module reads no files).
//!
//! An image streamer asks [`wanted`] about each tar entry (path, executable bit, size),
//! reads only the wanted ones (for [`Wanted::IfElf`], only when the first bytes pass
//! [`is_elf`]) and gives them to a [`Collector`] with the layer they came from, applying
//! each layer's whiteouts ([`Collector::remove`], [`Collector::remove_under`]) before
//! its files. [`Collector::finish`] gives the [`Inventory`] of the final file system:
//! every package with the layer that added it and the path it was read from.

mod apk;
mod cargo;
mod collector;
mod dpkg;
mod golang;
mod npm;
mod purl;
mod python;
mod rpm;
mod select;

use serde::{Deserialize, Serialize};

use crate::vuln::OsRelease;

pub use collector::{Collector, ReadFile, read, remove_paths_under};
pub use select::{Wanted, is_elf, wanted};

/// What kind of package database or lockfile a package came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A Debian or Ubuntu package (dpkg).
    Deb,
    /// An Alpine package (apk).
    Apk,
    /// An RPM package.
    Rpm,
    /// A Python distribution (PyPI).
    Python,
    /// An npm package.
    Npm,
    /// A Rust crate (crates.io).
    Cargo,
    /// A Go module.
    Go,
}

impl Kind {
    /// The OSV ecosystem of language packages; `None` for OS packages, whose ecosystem
    /// depends on the distribution release ([`OsRelease::ecosystems`]).
    pub fn language_ecosystem(self) -> Option<&'static str> {
        match self {
            Self::Python => Some("PyPI"),
            Self::Npm => Some("npm"),
            Self::Cargo => Some("crates.io"),
            Self::Go => Some("Go"),
            Self::Deb | Self::Apk | Self::Rpm => None,
        }
    }
}

/// The layer a file came from, as the caller names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layer {
    /// Position in the image (0 = the base layer).
    pub index: usize,
    /// The layer's digest (the diff id, `sha256:…`).
    pub digest: String,
}

/// The source package a binary package was built from (dpkg `Source:`, apk origin, an
/// RPM's source RPM): distributions' vulnerability data names these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePackage {
    /// The source package's name.
    pub name: String,
    /// The source package's version.
    pub version: String,
}

/// One installed or pinned package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Where it was read from.
    pub kind: Kind,
    /// The name as its ecosystem spells it.
    pub name: String,
    /// The installed version (with epoch, for OS packages).
    pub version: String,
    /// The source package, for OS packages.
    pub source: Option<SourcePackage>,
    /// The architecture, for OS packages.
    pub arch: Option<String>,
    /// The package URL, as Trivy writes it (set by [`Collector::finish`] or the lockfile
    /// readers).
    pub purl: String,
    /// The file it was read from.
    pub path: String,
    /// The layer that added it (`None` outside images).
    pub layer: Option<Layer>,
}

/// A problem with one file or record; the rest of the inventory is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryError {
    /// The file.
    pub path: String,
    /// The line (1-based) of the broken record, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// The packages of a file system or a set of lockfiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The distribution, from `/etc/os-release` (or `/usr/lib/os-release`).
    pub os: Option<OsRelease>,
    /// Every package, in path order, then in the order of its file.
    pub packages: Vec<Package>,
    /// Files and records that could not be read, and package databases rampart cannot
    /// read (Berkeley DB and NDB RPM databases).
    pub errors: Vec<InventoryError>,
}

/// What one file yielded.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileResult {
    pub packages: Vec<Package>,
    pub errors: Vec<InventoryError>,
}

impl FileResult {
    fn error(path: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            packages: Vec::new(),
            errors: vec![InventoryError {
                path: path.to_owned(),
                line,
                message: message.into(),
            }],
        }
    }
}

#[cfg(test)]
impl FileResult {
    /// `(name, version)` of every package, in order.
    pub(crate) fn names_and_versions(&self) -> Vec<(String, String)> {
        self.packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect()
    }
}

/// A package before the collector fills in its URL and layer.
pub(crate) fn package(kind: Kind, name: &str, version: &str, path: &str) -> Package {
    Package {
        kind,
        name: name.to_owned(),
        version: version.to_owned(),
        source: None,
        arch: None,
        purl: String::new(),
        path: path.to_owned(),
        layer: None,
    }
}

/// TOML lockfiles' `[[package]]` tables of `name` and `version` (`Cargo.lock`,
/// `poetry.lock`, `uv.lock`): the entries `keep` accepts, made into packages by `make`
/// (name, version, path); an entry without a name or version is an error.
pub(crate) fn toml_packages(
    path: &str,
    text: &str,
    keep: impl Fn(&toml::Table) -> bool,
    make: fn(&str, &str, &str) -> Package,
) -> FileResult {
    let table: toml::Table = match toml::from_str(text) {
        Ok(table) => table,
        Err(e) => {
            return FileResult::error(
                path,
                toml_line(text, &e),
                format!("not valid TOML: {}", e.message()),
            );
        }
    };
    let mut result = FileResult::default();
    let packages = table
        .get("package")
        .and_then(toml::Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, entry) in packages.iter().enumerate() {
        let Some(entry) = entry.as_table() else {
            continue;
        };
        let name = entry.get("name").and_then(toml::Value::as_str);
        let version = entry.get("version").and_then(toml::Value::as_str);
        match (name, version) {
            (Some(name), Some(version)) if keep(entry) => {
                result.packages.push(make(name, version, path));
            }
            (Some(_), Some(_)) => {}
            _ => result.errors.push(InventoryError {
                path: path.to_owned(),
                line: None,
                message: format!("[[package]] number {} has no name or version", i + 1),
            }),
        }
    }
    result
}

/// The line of a TOML error.
fn toml_line(text: &str, error: &toml::de::Error) -> Option<usize> {
    error
        .span()
        .map(|span| text[..span.start.min(text.len())].lines().count().max(1))
}

/// Reads one lockfile or package database outside an image (`Cargo.lock`,
/// `requirements.txt`, `go.mod`, a binary...): its packages and errors. `path` decides
/// the format; `None` when it names no format rampart reads.
pub fn read_file(path: &str, contents: &[u8]) -> Option<(Vec<Package>, Vec<InventoryError>)> {
    let mut collector = Collector::new();
    if !collector.add(path, None, contents) {
        return None;
    }
    let inventory = collector.finish();
    Some((inventory.packages, inventory.errors))
}
