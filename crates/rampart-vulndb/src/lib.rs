//! The edge of rampart's vulnerability data: a directory of OSV records (JSON or YAML
//! files in any layout, and the per-ecosystem `all.zip` archives OSV publishes), and
//! the index built from them, kept in a file and rebuilt when the files change.
//!
//! [`load`] is the entry point: given a directory, it returns the index, building it on
//! first use and whenever a file was added, removed or changed (by path, size and
//! modification time). The matching itself is pure and lives in `rampart_core::vuln`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rampart_core::vuln::{Index, IndexBuilder, osv};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The index file's name inside the database directory.
pub const INDEX_FILE: &str = ".rampart-index";

/// The age past which data counts as stale (reports warn).
pub const STALE_AFTER_DAYS: i64 = 7;

/// Where the database is when `--db` is not given: `$RAMPART_DB`, else `rampart/db` in
/// the user's cache directory (`~/.cache/rampart/db` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RAMPART_DB").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("dev", "rampart", "rampart")
        .map(|dirs| dirs.cache_dir().join("db"))
}

/// A database that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is missing or unreadable.
    #[error("{}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The directory holds no OSV record.
    #[error("{}: no OSV records (.json, .yaml or all.zip files)", .0.display())]
    Empty(PathBuf),
}

/// A file of the database that could not be read, or a record in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// The file (and, inside an archive, `!entry`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// One data file as last seen: what decides whether the index is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    path: String,
    size: u64,
    modified_ns: u128,
}

/// What the index file holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    manifest: Vec<Seen>,
    errors: Vec<FileError>,
    index: Index,
}

/// A loaded database.
#[derive(Debug)]
pub struct Database {
    /// The directory.
    pub dir: PathBuf,
    /// The index of its records.
    pub index: Index,
    /// Whether the index was (re)built now rather than read from its file.
    pub rebuilt: bool,
    /// Where the index is kept, or why it could not be written.
    pub index_file: Result<PathBuf, String>,
    /// Files and records that could not be read (the rest were indexed).
    pub errors: Vec<FileError>,
    /// How many data files the directory holds.
    pub files: usize,
}

impl Database {
    /// How old the data is at `now`: the time since the newest `modified` date of its
    /// records (`None` when no record has one).
    pub fn age(&self, now: jiff::Timestamp) -> Option<jiff::SignedDuration> {
        let newest: jiff::Timestamp = self.index.stats.newest_modified.as_deref()?.parse().ok()?;
        Some(now.duration_since(newest))
    }

    /// Whether the data is older than [`STALE_AFTER_DAYS`] at `now`.
    pub fn is_stale(&self, now: jiff::Timestamp) -> bool {
        self.age(now)
            .is_some_and(|age| age.as_hours() > STALE_AFTER_DAYS * 24)
    }
}

/// Loads the database in `dir`: the index from its file when no data file changed,
/// else built from the records (in parallel) and written back. A directory that cannot
/// be written keeps the index in memory only (`index_file` says why).
pub fn load(dir: &Path) -> Result<Database, Error> {
    let manifest = scan(dir)?;
    if manifest.is_empty() {
        return Err(Error::Empty(dir.to_owned()));
    }
    let index_path = dir.join(INDEX_FILE);
    if let Some(stored) = read_stored(&index_path).filter(|stored| stored.manifest == manifest) {
        return Ok(Database {
            dir: dir.to_owned(),
            index: stored.index,
            rebuilt: false,
            index_file: Ok(index_path),
            errors: stored.errors,
            files: manifest.len(),
        });
    }
    let (index, errors) = build(dir, &manifest);
    let stored = Stored {
        manifest,
        errors,
        index,
    };
    let index_file = write_stored(&index_path, &stored).map(|()| index_path);
    Ok(Database {
        dir: dir.to_owned(),
        files: stored.manifest.len(),
        index: stored.index,
        rebuilt: true,
        index_file,
        errors: stored.errors,
    })
}

/// Whether a file name is OSV data rampart reads.
fn is_data(name: &str) -> bool {
    name.ends_with(".json")
        || name.ends_with(".yaml")
        || name.ends_with(".yml")
        || name.ends_with(".zip")
}

/// Every data file under `dir`, sorted, with size and modification time.
fn scan(dir: &Path) -> Result<Vec<Seen>, Error> {
    std::fs::read_dir(dir).map_err(|source| Error::Dir {
        path: dir.to_owned(),
        source,
    })?;
    let mut seen = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() || name.starts_with('.') || !is_data(&name) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let path = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .into_owned();
        seen.push(Seen {
            path,
            size: meta.len(),
            modified_ns,
        });
    }
    Ok(seen)
}

fn read_stored(path: &Path) -> Option<Stored> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(STORED_MAGIC.as_slice())?;
    postcard::from_bytes(body).ok()
}

/// Identifies the index file's layout; bumped when `Stored` or the index changes.
const STORED_MAGIC: &[u8; 8] = b"RMPIDX02";

fn write_stored(path: &Path, stored: &Stored) -> Result<(), String> {
    let bytes = postcard::to_extend(stored, STORED_MAGIC.to_vec()).map_err(|e| e.to_string())?;
    // Written beside and renamed, so a reader never sees half a file.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!("{}: {e}", path.display())
        })
}

/// The records of one data file, parsed.
type FileRecords = (Vec<osv::Record>, Vec<FileError>);

/// Reads every data file (in parallel) and indexes the records in path order.
fn build(dir: &Path, manifest: &[Seen]) -> (Index, Vec<FileError>) {
    let parsed: Vec<FileRecords> = manifest
        .par_iter()
        .map(|seen| read_data_file(dir, &seen.path))
        .collect();
    let mut builder = IndexBuilder::new();
    let mut errors = Vec::new();
    for (records, file_errors) in parsed {
        for record in records {
            builder.add(record);
        }
        for _ in &file_errors {
            builder.skip("unreadable record or file");
        }
        errors.extend(file_errors);
    }
    (builder.finish(), errors)
}

fn read_data_file(dir: &Path, relative: &str) -> FileRecords {
    let path = dir.join(relative);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return (
                Vec::new(),
                vec![FileError {
                    path: relative.to_owned(),
                    message: e.to_string(),
                }],
            );
        }
    };
    if relative.ends_with(".zip") {
        return read_zip(relative, &bytes);
    }
    match parse_record(relative, &bytes) {
        Ok(Some(record)) => (vec![record], Vec::new()),
        Ok(None) => (Vec::new(), Vec::new()),
        Err(message) => (
            Vec::new(),
            vec![FileError {
                path: relative.to_owned(),
                message,
            }],
        ),
    }
}

/// One record from JSON or YAML text. `Ok(None)` for JSON or YAML that is not an OSV
/// record (no `id`): data directories hold other files too.
fn parse_record(name: &str, bytes: &[u8]) -> Result<Option<osv::Record>, String> {
    let record = if name.ends_with(".json") {
        osv::from_json(bytes).map_err(|e| e.to_string())
    } else {
        osv::from_yaml(&String::from_utf8_lossy(bytes)).map_err(|e| e.to_string())
    };
    match record {
        Ok(record) if record.id.is_empty() => Ok(None),
        Ok(record) => Ok(Some(record)),
        Err(message) if message.contains("missing field `id`") => Ok(None),
        Err(message) => Err(message),
    }
}

/// The records of an OSV `all.zip` archive (one JSON record per entry). Entries are
/// read to at most 64 MiB each, so a hostile archive cannot exhaust memory.
fn read_zip(relative: &str, bytes: &[u8]) -> FileRecords {
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => {
            return (
                Vec::new(),
                vec![FileError {
                    path: relative.to_owned(),
                    message: e.to_string(),
                }],
            );
        }
    };
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(FileError {
                    path: format!("{relative}!{i}"),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                errors.push(FileError {
                    path: format!("{relative}!{i}"),
                    message: e.to_string(),
                });
                continue;
            }
        };
        if !entry.is_file() || !(name.ends_with(".json") || name.ends_with(".yaml")) {
            continue;
        }
        let mut data = Vec::new();
        let read = (&mut entry).take(64 << 20).read_to_end(&mut data);
        let parsed = read
            .map_err(|e| e.to_string())
            .and_then(|_| parse_record(&name, &data));
        match parsed {
            Ok(Some(record)) => records.push(record),
            Ok(None) => {}
            Err(message) => errors.push(FileError {
                path: format!("{relative}!{name}"),
                message,
            }),
        }
    }
    (records, errors)
}

/// Records per ecosystem, for reports.
pub fn ecosystems(index: &Index) -> &BTreeMap<String, u64> {
    &index.stats.ecosystems
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id":"RUSTSEC-2099-0001","modified":"2099-01-02T00:00:00Z","aliases":["CVE-2099-1"],"affected":[{"package":{"ecosystem":"crates.io","name":"demo"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;
    const YAML: &str = "id: PYSEC-2099-1\nmodified: '2098-01-01T00:00:00Z'\naffected:\n- package:\n    ecosystem: PyPI\n    name: Demo_Pkg\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 2.0\n";

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, text) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            std::io::Write::write_all(&mut writer, text.as_bytes()).expect("write");
        }
        writer.finish().expect("zip");
        out.into_inner()
    }

    #[test]
    fn json_yaml_and_zip_in_any_layout_and_the_index_is_kept_until_files_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("dirs");
        std::fs::write(dir.path().join("a/b/RUSTSEC-2099-0001.json"), RECORD).expect("write");
        std::fs::write(dir.path().join("PYSEC-2099-1.yaml"), YAML).expect("write");
        std::fs::write(dir.path().join("broken.json"), "{\"id\": 1").expect("write");
        let other = RECORD
            .replace("RUSTSEC-2099-0001", "RUSTSEC-2099-0002")
            .replace("demo", "other");
        std::fs::write(
            dir.path().join("all.zip"),
            zip_of(&[("RUSTSEC-2099-0002.json", &other)]),
        )
        .expect("write");

        let first = load(dir.path()).expect("load");
        assert!(first.rebuilt);
        assert_eq!(first.index.stats.records, 3);
        assert_eq!(first.errors.len(), 1, "{:?}", first.errors);
        assert_eq!(first.errors[0].path, "broken.json");
        assert_eq!(first.index.entries("PyPI", "demo-pkg").len(), 1);
        assert_eq!(
            first.index.stats.newest_modified.as_deref(),
            Some("2099-01-02T00:00:00Z")
        );
        assert!(first.index_file.is_ok());

        let second = load(dir.path()).expect("load");
        assert!(!second.rebuilt);
        assert_eq!(second.index, first.index);
        assert_eq!(second.errors, first.errors);

        std::fs::remove_file(dir.path().join("broken.json")).expect("remove");
        let third = load(dir.path()).expect("load");
        assert!(third.rebuilt);
        assert!(third.errors.is_empty());
    }

    #[test]
    fn age_and_staleness_are_measured_from_the_newest_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("r.json"), RECORD).expect("write");
        let db = load(dir.path()).expect("load");
        let now: jiff::Timestamp = "2099-01-05T00:00:00Z".parse().expect("time");
        assert_eq!(db.age(now).map(|a| a.as_hours()), Some(72));
        assert!(!db.is_stale(now));
        assert!(db.is_stale("2099-01-10T00:00:01Z".parse().expect("time")));
    }

    #[test]
    fn missing_and_empty_directories_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            load(&dir.path().join("nope")),
            Err(Error::Dir { .. })
        ));
        assert!(matches!(load(dir.path()), Err(Error::Empty(_))));
    }
}
