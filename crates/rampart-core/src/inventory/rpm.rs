//! RPM: the sqlite database (`rpmdb.sqlite`): each row of `Packages` is an RPM header.

use super::FileResult;

/// The installed packages of an `rpmdb.sqlite` file.
pub(crate) fn parse_sqlite(path: &str, contents: &[u8]) -> FileResult {
    let _ = contents;
    FileResult::error(path, None, "rpmdb.sqlite: not read yet")
}
