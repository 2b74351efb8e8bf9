//! Which files of a file system hold packages, decided from the path (and, for
//! binaries, the executable bit and the first bytes), so an image streamer keeps only
//! those in memory.

/// The formats rampart reads, recognised by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    OsRelease { primary: bool },
    DebianVersion,
    DpkgStatus,
    DpkgStatusD,
    ApkInstalled,
    RpmSqlite,
    RpmBerkeleyDb,
    RpmNdb,
    PythonMetadata,
    Requirements,
    PoetryLock,
    PipfileLock,
    UvLock,
    NpmPackageJson,
    PackageLock,
    CargoLock,
    GoMod,
    Binary,
}

/// Package databases of large images reach tens of MiB; an RPM database hundreds.
const DATABASE_LIMIT: u64 = 512 << 20;
/// Lockfiles and metadata files.
const TEXT_LIMIT: u64 = 64 << 20;
/// Executables scanned for Go build information and cargo-auditable data.
const BINARY_LIMIT: u64 = 512 << 20;

impl Format {
    /// The largest file of this format that is read.
    pub(crate) fn limit(self) -> u64 {
        match self {
            Self::DpkgStatus | Self::ApkInstalled | Self::RpmSqlite => DATABASE_LIMIT,
            Self::Binary => BINARY_LIMIT,
            _ => TEXT_LIMIT,
        }
    }

    /// The format of the file at `path` (relative to the root, no leading `/`).
    pub(crate) fn of(path: &str) -> Option<Self> {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let under =
            |dir: &str| path.contains(&format!("/{dir}/")) || path.starts_with(&format!("{dir}/"));
        Some(match path {
            "etc/os-release" => Self::OsRelease { primary: true },
            "usr/lib/os-release" => Self::OsRelease { primary: false },
            "etc/debian_version" => Self::DebianVersion,
            "var/lib/dpkg/status" => Self::DpkgStatus,
            "lib/apk/db/installed" => Self::ApkInstalled,
            "var/lib/rpm/rpmdb.sqlite" | "usr/lib/sysimage/rpm/rpmdb.sqlite" => Self::RpmSqlite,
            "var/lib/rpm/Packages" => Self::RpmBerkeleyDb,
            "var/lib/rpm/Packages.db" | "usr/lib/sysimage/rpm/Packages.db" => Self::RpmNdb,
            _ if parent == "var/lib/dpkg/status.d" && !name.ends_with(".md5sums") => {
                Self::DpkgStatusD
            }
            _ if name == "METADATA" && parent.ends_with(".dist-info") => Self::PythonMetadata,
            _ if name == "PKG-INFO" && parent.ends_with(".egg-info") => Self::PythonMetadata,
            // Published packages ship their own lockfiles; only a project's count.
            _ if under("node_modules") && name != "package.json" => return None,
            _ if under("site-packages")
                || under("dist-packages")
                || under("pkg/mod")
                || under(".cargo/registry") =>
            {
                return None;
            }
            _ if name.starts_with("requirements") && name.ends_with(".txt") => Self::Requirements,
            _ if name == "poetry.lock" => Self::PoetryLock,
            _ if name == "Pipfile.lock" => Self::PipfileLock,
            _ if name == "uv.lock" => Self::UvLock,
            _ if name == "package-lock.json" => Self::PackageLock,
            _ if name == "package.json" && is_installed_npm_package(parent) => Self::NpmPackageJson,
            _ if name == "Cargo.lock" => Self::CargoLock,
            _ if name == "go.mod" => Self::GoMod,
            _ => return None,
        })
    }
}

/// `…/node_modules/NAME` or `…/node_modules/@SCOPE/NAME`.
fn is_installed_npm_package(dir: &str) -> bool {
    let mut parts = dir.rsplit('/');
    let (Some(name), Some(up)) = (parts.next(), parts.next()) else {
        return false;
    };
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    up == "node_modules" || (up.starts_with('@') && parts.next() == Some("node_modules"))
}

/// Whether a caller should hand a file's contents to the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Not a file rampart reads.
    No,
    /// Read it whole.
    Yes,
    /// An executable: read it whole if its first bytes pass [`is_elf`].
    IfElf,
    /// A file rampart reads, larger than this limit: report it with
    /// [`Collector::too_large`](super::Collector::too_large) instead.
    TooLarge(u64),
}

/// Whether the file at `path` (relative to the root; a leading `/` or `./` is ignored),
/// executable or not, of `size` bytes, is wanted. Cheap: looks at the path only.
pub fn wanted(path: &str, executable: bool, size: u64) -> Wanted {
    let format = match Format::of(normalise(path)) {
        Some(format) => format,
        None if executable && size > 0 => Format::Binary,
        None => return Wanted::No,
    };
    if size > format.limit() {
        return Wanted::TooLarge(format.limit());
    }
    if format == Format::Binary {
        Wanted::IfElf
    } else {
        Wanted::Yes
    }
}

/// Whether `head` (at least the first 4 bytes of a file) starts an ELF file.
pub fn is_elf(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
}

/// `path` relative to the root: without a leading `/` or `./`.
pub(crate) fn normalise(path: &str) -> &str {
    let mut path = path;
    loop {
        if let Some(rest) = path.strip_prefix("./") {
            path = rest;
        } else if let Some(rest) = path.strip_prefix('/') {
            path = rest;
        } else {
            return path;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_databases_and_lockfiles_are_wanted() {
        for path in [
            "/etc/os-release",
            "./var/lib/dpkg/status",
            "var/lib/dpkg/status.d/base-files",
            "lib/apk/db/installed",
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
            "usr/lib/python3/dist-packages/../x/y.dist-info/METADATA",
            "app/requirements-dev.txt",
            "app/node_modules/@babel/core/package.json",
            "app/node_modules/a/node_modules/b/package.json",
            "src/Cargo.lock",
            "srv/go.mod",
        ] {
            assert_eq!(wanted(path, false, 100), Wanted::Yes, "{path}");
        }
    }

    #[test]
    fn other_files_are_not_wanted() {
        for path in [
            "var/lib/dpkg/status.d/base-files.md5sums",
            "app/node_modules/a/lib/package.json",
            "app/node_modules/a/package-lock.json",
            "root/go/pkg/mod/golang.org/x/text@v0.3.0/go.mod",
            "root/.cargo/registry/src/index/serde-1.0.0/Cargo.lock",
            "usr/lib/python3/site-packages/pkg/requirements.txt",
            "etc/passwd",
        ] {
            assert_eq!(wanted(path, false, 100), Wanted::No, "{path}");
        }
    }

    #[test]
    fn executables_are_wanted_if_elf_and_sizes_are_capped() {
        assert_eq!(wanted("usr/bin/app", true, 10 << 20), Wanted::IfElf);
        assert_eq!(wanted("usr/bin/app", false, 10 << 20), Wanted::No);
        assert_eq!(
            wanted("usr/bin/app", true, 1 << 40),
            Wanted::TooLarge(BINARY_LIMIT)
        );
        assert_eq!(
            wanted("var/lib/dpkg/status", false, 1 << 40),
            Wanted::TooLarge(DATABASE_LIMIT)
        );
        assert!(is_elf(b"\x7fELF\x02\x01"));
        assert!(!is_elf(b"#!/bin/sh"));
    }
}
