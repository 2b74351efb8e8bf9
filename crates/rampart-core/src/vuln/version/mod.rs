//! Version orderings, exactly as each ecosystem's own tools order versions.
//!
//! | scheme | ecosystems | algorithm |
//! |---|---|---|
//! | [`Scheme::Dpkg`] | Debian, Ubuntu | dpkg's `verrevcmp` over epoch, upstream, revision |
//! | [`Scheme::Apk`] | Alpine, Wolfi, Chainguard | apk-tools' token comparison |
//! | [`Scheme::Rpm`] | Rocky Linux, AlmaLinux, openSUSE, SUSE, Photon OS, Azure Linux, openEuler, Mageia | rpm's `rpmvercmp` over epoch, version, release |
//! | [`Scheme::SemVer`] | crates.io, npm, Go, OSV `SEMVER` ranges | SemVer 2.0 precedence, read leniently |
//! | [`Scheme::Pep440`] | PyPI | PEP 440 (`pep440_rs`), legacy versions as `packaging` < 22 |
//!
//! Each is tested against the osv-scalibr comparison vectors in
//! `../shared/vulndata/version-vectors` (`tests/version_vectors.rs`).

pub mod apk;
pub(crate) mod dpkg;
pub(crate) mod pep440;
pub(crate) mod rpm;
pub(crate) mod semver;

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// Debian and Ubuntu (dpkg).
    Dpkg,
    /// Alpine and other apk distributions.
    Apk,
    /// RPM distributions.
    Rpm,
    /// SemVer 2.0 precedence (crates.io, npm, Go, OSV `SEMVER` ranges).
    SemVer,
    /// PEP 440 (PyPI).
    Pep440,
}

impl Scheme {
    /// Orders `a` and `b`. Fails when either is not a version of this scheme (dpkg
    /// refuses malformed versions; SemVer needs a leading number).
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        match self {
            Self::Dpkg => dpkg::compare(a, b),
            Self::Apk => Ok(apk::compare(a, b)),
            Self::Rpm => Ok(rpm::compare(a, b)),
            Self::Pep440 => Ok(pep440::compare(a, b)),
            Self::SemVer => {
                let read = |text| {
                    semver::SemVer::parse(text).ok_or_else(|| {
                        VersionError::new("SemVer", text, "it does not start with a number")
                    })
                };
                Ok(read(a)?.cmp(&read(b)?))
            }
        }
    }

    /// Whether `version` can be ordered by this scheme.
    pub fn check(self, version: &str) -> Result<(), VersionError> {
        self.compare(version, version).map(drop)
    }

    /// The scheme's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Dpkg => "dpkg",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::SemVer => "SemVer",
            Self::Pep440 => "PEP 440",
        }
    }
}

/// A version that its scheme cannot order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{version:?} is not a {scheme} version: {reason}")]
pub struct VersionError {
    /// The scheme's name.
    pub scheme: &'static str,
    /// The text given.
    pub version: String,
    /// What is wrong with it.
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, reason: &str) -> Self {
        Self {
            scheme,
            version: version.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
