//! The collector: parsed files by path, with the layers each path was written in, so
//! the final file system's packages come out with the layer that added them.

use std::collections::{BTreeMap, HashMap};

use crate::vuln::OsRelease;

use super::select::{Format, normalise};
use super::{FileResult, Inventory, InventoryError, Kind, Layer, Package, purl};

/// What one file yielded.
#[derive(Debug, Clone)]
enum Parsed {
    OsRelease { release: OsRelease, primary: bool },
    DebianVersion(String),
    Packages(FileResult),
}

/// One version of a path: the layer that wrote it and what it held.
#[derive(Debug)]
struct Written {
    layer: Option<Layer>,
    parsed: Parsed,
}

/// Collects the wanted files of a file system, layer by layer.
#[derive(Debug, Default)]
pub struct Collector {
    /// Every path's versions, oldest first, since it was last removed.
    files: BTreeMap<String, Vec<Written>>,
    /// Problems not tied to a kept file (too large, unreadable).
    errors: Vec<InventoryError>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the contents of the file at `path`, written by `layer`. Returns whether
    /// the path names a format rampart reads (or the contents are an ELF binary);
    /// otherwise nothing is kept. The same as [`read`] then [`Collector::insert`].
    pub fn add(&mut self, path: &str, layer: Option<&Layer>, contents: &[u8]) -> bool {
        match read(path, contents) {
            Some(file) => {
                self.insert(file, layer);
                true
            }
            None => false,
        }
    }

    /// Places a file read with [`read`] in the file system, written by `layer`. Layers
    /// may be read in any order (in parallel, or as an archive lists them) and their
    /// files inserted in layer order afterwards.
    pub fn insert(&mut self, file: ReadFile, layer: Option<&Layer>) {
        self.files.entry(file.path).or_default().push(Written {
            layer: layer.cloned(),
            parsed: file.parsed,
        });
    }

    /// A whiteout: `path`, and everything under it, no longer exists.
    pub fn remove(&mut self, path: &str) {
        let path = normalise(path).trim_end_matches('/');
        self.files.remove(path);
        self.remove_under(path);
    }

    /// An opaque directory: everything under `dir` from earlier layers is hidden.
    pub fn remove_under(&mut self, dir: &str) {
        remove_paths_under(&mut self.files, normalise(dir));
    }

    /// A wanted file larger than its limit: reported, not read.
    pub fn too_large(&mut self, path: &str, size: u64, limit: u64) {
        self.errors.push(InventoryError {
            path: normalise(path).to_owned(),
            line: None,
            message: format!(
                "{size} bytes, more than the {limit} bytes read for this kind of file; not read"
            ),
        });
    }

    /// The inventory of the final file system.
    pub fn finish(self) -> Inventory {
        let mut os: Option<(OsRelease, bool)> = None;
        let mut point_release = None;
        let mut packages = Vec::new();
        let mut errors = self.errors;
        for (path, versions) in &self.files {
            let Some(last) = versions.last() else {
                continue;
            };
            match &last.parsed {
                Parsed::OsRelease { release, primary } => {
                    if os
                        .as_ref()
                        .is_none_or(|(_, had_primary)| *primary && !had_primary)
                    {
                        os = Some((release.clone(), *primary));
                    }
                }
                Parsed::DebianVersion(version) => point_release = Some(version.clone()),
                Parsed::Packages(result) => {
                    errors.extend(result.errors.iter().cloned());
                    let added = first_layers(versions);
                    packages.extend(result.packages.iter().map(|package| {
                        let mut package = package.clone();
                        package.layer = added
                            .get(&identity(&package))
                            .cloned()
                            .flatten()
                            .or_else(|| last.layer.clone());
                        package.path = path.clone();
                        package
                    }));
                }
            }
        }
        let mut os = os.map(|(release, _)| release);
        if let Some(release) = os.as_mut().filter(|r| r.id == "debian") {
            release.point_release =
                point_release.filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
        }
        for package in &mut packages {
            if package.purl.is_empty() {
                package.purl = purl::os_package(package, os.as_ref());
            }
        }
        Inventory {
            os,
            packages,
            errors,
        }
    }
}

/// Removes every path below `dir` (all of them for the root, `""`) from a map keyed by
/// paths relative to the root.
pub fn remove_paths_under<V>(paths: &mut BTreeMap<String, V>, dir: &str) {
    let dir = dir.trim_end_matches('/');
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let under: Vec<String> = paths
        .range(prefix.clone()..)
        .map(|(path, _)| path)
        .take_while(|path| path.starts_with(&prefix))
        .cloned()
        .collect();
    for path in under {
        paths.remove(&path);
    }
}

/// A wanted file, parsed, not yet placed in a file system (see [`Collector::insert`]).
#[derive(Debug, Clone)]
pub struct ReadFile {
    path: String,
    parsed: Parsed,
}

impl ReadFile {
    /// The file's path, relative to the root.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Parses the contents of the file at `path`: `None` when the path names no format
/// rampart reads and the contents are not an ELF binary.
pub fn read(path: &str, contents: &[u8]) -> Option<ReadFile> {
    let path = normalise(path);
    let format = match Format::of(path) {
        Some(format) => format,
        None if super::is_elf(contents) => Format::Binary,
        None => return None,
    };
    let parsed = match format {
        Format::OsRelease { primary } => Parsed::OsRelease {
            release: OsRelease::parse(&String::from_utf8_lossy(contents)),
            primary,
        },
        Format::DebianVersion => {
            Parsed::DebianVersion(String::from_utf8_lossy(contents).trim().to_owned())
        }
        _ => Parsed::Packages(parse(format, path, contents)),
    };
    Some(ReadFile {
        path: path.to_owned(),
        parsed,
    })
}

/// What identifies a package across versions of its database file.
fn identity(package: &Package) -> (Kind, String, String, Option<String>) {
    (
        package.kind,
        package.name.clone(),
        package.version.clone(),
        package.arch.clone(),
    )
}

/// For each package of the newest version of a file, the oldest layer since which every
/// version of the file has listed it (the layer that installed it).
fn first_layers(
    versions: &[Written],
) -> HashMap<(Kind, String, String, Option<String>), Option<Layer>> {
    let mut since: HashMap<_, Option<Layer>> = HashMap::new();
    for written in versions {
        let Parsed::Packages(result) = &written.parsed else {
            continue;
        };
        let present: HashMap<_, ()> = result.packages.iter().map(|p| (identity(p), ())).collect();
        since.retain(|key, _| present.contains_key(key));
        for key in present.into_keys() {
            since.entry(key).or_insert_with(|| written.layer.clone());
        }
    }
    since
}

/// Parses a package database or lockfile.
fn parse(format: Format, path: &str, contents: &[u8]) -> FileResult {
    let text = || String::from_utf8_lossy(contents);
    match format {
        Format::DpkgStatus | Format::DpkgStatusD => super::dpkg::parse(path, &text()),
        Format::ApkInstalled => super::apk::parse(path, &text()),
        Format::RpmSqlite => super::rpm::parse_sqlite(path, contents),
        Format::RpmBerkeleyDb => FileResult::error(
            path,
            None,
            "a Berkeley DB RPM database: not supported (only rpmdb.sqlite is read)",
        ),
        Format::RpmNdb => FileResult::error(
            path,
            None,
            "an NDB RPM database: not supported (only rpmdb.sqlite is read)",
        ),
        Format::PythonMetadata => super::python::metadata(path, &text()),
        Format::Requirements => super::python::requirements(path, &text()),
        Format::PoetryLock => super::python::poetry_lock(path, &text()),
        Format::PipfileLock => super::python::pipfile_lock(path, contents),
        Format::UvLock => super::python::uv_lock(path, &text()),
        Format::NpmPackageJson => super::npm::package_json(path, contents),
        Format::PackageLock => super::npm::package_lock(path, contents),
        Format::CargoLock => super::cargo::cargo_lock(path, &text()),
        Format::GoMod => super::golang::go_mod(path, &text()),
        Format::Binary => {
            super::golang::binary(path, contents).merge(super::cargo::auditable(path, contents))
        }
        Format::OsRelease { .. } | Format::DebianVersion => FileResult::default(),
    }
}

impl FileResult {
    fn merge(mut self, other: FileResult) -> FileResult {
        self.packages.extend(other.packages);
        self.errors.extend(other.errors);
        self
    }
}
