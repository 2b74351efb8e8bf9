//! RPM: the sqlite database (`rpmdb.sqlite`, rpm 4.16 and later): each row of its
//! `Packages` table is one installed package's header, in rpm's header blob format.
//!
//! The database is opened from the bytes handed over (SQLite's in-memory
//! deserialisation: no file is touched); the headers are read by [`Header::parse`], a
//! bounds-checked reader of the format rpm's `headerImport` accepts.

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::{FileResult, InventoryError, Kind, SourcePackage, package};

/// The installed packages of an `rpmdb.sqlite` file.
pub(crate) fn parse_sqlite(path: &str, contents: &[u8]) -> FileResult {
    let rows = match header_rows(contents) {
        Ok(rows) => rows,
        Err(e) => return FileResult::error(path, None, format!("rpmdb.sqlite: {e}")),
    };
    let mut result = FileResult::default();
    for (hnum, blob) in rows {
        match Header::parse(&blob).and_then(|header| installed(&header, path)) {
            Ok(Some(package)) => result.packages.push(package),
            Ok(None) => {}
            Err(e) => result.errors.push(InventoryError {
                path: path.to_owned(),
                line: None,
                message: format!("package header {hnum}: {e}"),
            }),
        }
    }
    result
}

/// Every `(hnum, blob)` row of the `Packages` table, in `hnum` order.
fn header_rows(contents: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, String> {
    if !contents.starts_with(b"SQLite format 3\0") {
        return Err("not an SQLite database".into());
    }
    // rpm keeps its database in WAL mode (file format bytes 18 and 19 are 2). The
    // in-memory copy has no WAL file beside it: read it as a rollback-journal database.
    let mut bytes = contents.to_vec();
    bytes[18] = 1;
    bytes[19] = 1;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut connection = Connection::open_in_memory_with_flags(flags).map_err(|e| e.to_string())?;
    connection
        .deserialize_read_exact(MAIN_DB, &bytes[..], bytes.len(), true)
        .map_err(|e| e.to_string())?;
    let mut statement = connection
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| e.to_string())?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

/// The package a header describes; `None` for rpm's pseudo-packages of imported keys
/// (`gpg-pubkey`), which are no software.
fn installed(header: &Header<'_>, path: &str) -> Result<Option<super::Package>, String> {
    let name = header.string(tag::NAME)?.ok_or("no name")?;
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let version = header.string(tag::VERSION)?.ok_or("no version")?;
    let release = header.string(tag::RELEASE)?.ok_or("no release")?;
    let epoch = header.int32(tag::EPOCH)?;
    let evr = |version: &str, release: &str| match epoch {
        Some(epoch) if epoch > 0 => format!("{epoch}:{version}-{release}"),
        _ => format!("{version}-{release}"),
    };
    let mut package = package(Kind::Rpm, name, &evr(version, release), path);
    package.arch = header.string(tag::ARCH)?.map(str::to_owned);
    package.source =
        header
            .string(tag::SOURCERPM)?
            .and_then(source_rpm)
            .map(|(name, version, release)| SourcePackage {
                name: name.to_owned(),
                version: evr(version, release),
            });
    Ok(Some(package))
}

/// `name-version-release.src.rpm` split as rpm names them (the release and the version
/// are the last two `-` separated parts); `None` for `(none)` or another shape.
fn source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then_some((name, version, release))
}

/// Header tags rampart reads (rpm's `rpmtag.h`).
mod tag {
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const ARCH: u32 = 1022;
    pub const SOURCERPM: u32 = 1044;
}

/// Data types of header entries (rpm's `rpmTagType`).
mod kind {
    pub const INT32: u32 = 4;
    pub const STRING: u32 = 6;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// rpm's own sanity limits on a header (`hdrchkTags`, `hdrchkData`).
const MAX_ENTRIES: usize = 0x00ff_ffff;
const MAX_DATA: usize = 256 << 20;

/// One entry of a header's index.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: usize,
    count: u32,
}

/// An RPM header blob: `il` and `dl` (big-endian), `il` index entries of 16 bytes,
/// then `dl` bytes of data.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

impl<'a> Header<'a> {
    /// Reads a header blob, checking every count and offset against the blob's size.
    pub(crate) fn parse(blob: &'a [u8]) -> Result<Self, String> {
        let truncated = || format!("truncated header ({} bytes)", blob.len());
        let il = be32(blob, 0).ok_or_else(truncated)? as usize;
        let dl = be32(blob, 4).ok_or_else(truncated)? as usize;
        if il == 0 || il > MAX_ENTRIES || dl > MAX_DATA {
            return Err(format!(
                "implausible header: {il} entries, {dl} bytes of data"
            ));
        }
        let start = il
            .checked_mul(16)
            .and_then(|n| n.checked_add(8))
            .ok_or_else(truncated)?;
        let data = blob
            .get(start..start.checked_add(dl).ok_or_else(truncated)?)
            .ok_or_else(truncated)?;
        let entries = (0..il)
            .map(|i| {
                let at = 8 + i * 16;
                let word = |n: usize| be32(blob, at + 4 * n).unwrap_or_default();
                Entry {
                    tag: word(0),
                    kind: word(1),
                    offset: word(2) as usize,
                    count: word(3),
                }
            })
            .collect();
        Ok(Self { entries, data })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// A string tag (the first string of an array or a translated string).
    pub(crate) fn string(&self, tag: u32) -> Result<Option<&'a str>, String> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(
            entry.kind,
            kind::STRING | kind::STRING_ARRAY | kind::I18NSTRING
        ) {
            return Err(format!("tag {tag} has type {}, not a string", entry.kind));
        }
        let rest = self
            .data
            .get(entry.offset..)
            .ok_or_else(|| format!("tag {tag} points past the header's data"))?;
        let end = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| format!("tag {tag}: string without its terminating NUL"))?;
        std::str::from_utf8(&rest[..end])
            .map(Some)
            .map_err(|_| format!("tag {tag}: not UTF-8"))
    }

    /// The first value of a 32-bit integer tag.
    pub(crate) fn int32(&self, tag: u32) -> Result<Option<u32>, String> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if entry.kind != kind::INT32 || entry.count == 0 {
            return Err(format!("tag {tag} is not a 32-bit integer"));
        }
        be32(self.data, entry.offset)
            .map(Some)
            .ok_or_else(|| format!("tag {tag} points past the header's data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob with these string and integer entries, as rpm lays them out.
    fn blob(strings: &[(u32, &str)], ints: &[(u32, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, value) in ints {
            index.push((*tag, kind::INT32, data.len(), 1u32));
            data.extend(value.to_be_bytes());
        }
        for (tag, value) in strings {
            index.push((*tag, kind::STRING, data.len(), 1u32));
            data.extend(value.as_bytes());
            data.push(0);
        }
        let mut out = Vec::new();
        out.extend(u32::try_from(index.len()).unwrap_or_default().to_be_bytes());
        out.extend(u32::try_from(data.len()).unwrap_or_default().to_be_bytes());
        for (tag, kind, offset, count) in index {
            for word in [tag, kind, u32::try_from(offset).unwrap_or_default(), count] {
                out.extend(word.to_be_bytes());
            }
        }
        out.extend(data);
        out
    }

    #[test]
    fn headers_give_name_epoch_version_release_and_source() {
        let bytes = blob(
            &[
                (tag::NAME, "openssl-libs"),
                (tag::VERSION, "3.0.7"),
                (tag::RELEASE, "24.el9"),
                (tag::ARCH, "x86_64"),
                (tag::SOURCERPM, "openssl-3.0.7-24.el9.src.rpm"),
            ],
            &[(tag::EPOCH, 1)],
        );
        let header = Header::parse(&bytes).expect("parses");
        let package = installed(&header, "var/lib/rpm/rpmdb.sqlite")
            .expect("reads")
            .expect("a package");
        assert_eq!(package.version, "1:3.0.7-24.el9");
        assert_eq!(package.arch.as_deref(), Some("x86_64"));
        assert_eq!(
            package.source,
            Some(SourcePackage {
                name: "openssl".into(),
                version: "1:3.0.7-24.el9".into()
            })
        );
    }

    #[test]
    fn broken_headers_are_errors_not_panics() {
        let good = blob(&[(tag::NAME, "bash"), (tag::VERSION, "5.1")], &[]);
        for cut in 0..good.len() {
            let _ = Header::parse(&good[..cut]).and_then(|h| h.string(tag::NAME));
        }
        assert!(Header::parse(&good[..good.len() - 1]).is_err());
        // An offset past the data, a string without its NUL, a wrong type.
        let mut bad = good.clone();
        bad[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        let header = Header::parse(&bad).expect("index is well formed");
        assert!(header.string(tag::NAME).is_err());
        let header = Header::parse(&good).expect("parses");
        assert!(header.int32(tag::NAME).is_err());
        let no_release = installed(&header, "p").expect_err("no release");
        assert_eq!(no_release, "no release");
        assert!(Header::parse(&[0xff; 16]).is_err());
    }

    #[test]
    fn key_pseudo_packages_are_left_out() {
        let bytes = blob(
            &[
                (tag::NAME, "gpg-pubkey"),
                (tag::VERSION, "fd431d51"),
                (tag::RELEASE, "4ae0493b"),
            ],
            &[],
        );
        let header = Header::parse(&bytes).expect("parses");
        assert_eq!(installed(&header, "p"), Ok(None));
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            source_rpm("glibc-2.34-60.el9.src.rpm"),
            Some(("glibc", "2.34", "60.el9"))
        );
        assert_eq!(
            source_rpm("python3.11-pip-22.3.1-4.el9.src.rpm"),
            Some(("python3.11-pip", "22.3.1", "4.el9"))
        );
        assert_eq!(source_rpm("(none)"), None);
    }

    #[test]
    fn not_a_database() {
        let result = parse_sqlite("var/lib/rpm/rpmdb.sqlite", b"not sqlite");
        assert_eq!(result.errors.len(), 1);
        assert!(result.errors[0].message.contains("not an SQLite database"));
        let mut truncated = b"SQLite format 3\0".to_vec();
        truncated.resize(200, 0);
        let result = parse_sqlite("var/lib/rpm/rpmdb.sqlite", &truncated);
        assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    }
}
