//! Policy levels, policy versions and their `level:version` pair, with upstream's parse
//! rules and error texts (spec §1.1).

use std::fmt;
use std::str::FromStr;

/// A Pod Security Standards level, ordered from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// No checks at all.
    Privileged,
    /// The baseline checks.
    Baseline,
    /// The baseline checks plus the restricted checks.
    Restricted,
}

impl Level {
    /// The level as written in namespace labels: `privileged`, `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The error for a string that is not a level; displays upstream's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of privileged, baseline, restricted")]
pub struct ParseLevelError;

impl FromStr for Level {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseLevelError),
        }
    }
}

/// A policy version: `v1.<minor>` or `latest`, which is newer than every minor.
///
/// Versions newer than the newest policy version ([`Version::MAX`]) parse fine and are
/// evaluated as the newest one, but keep printing as requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// `v1.<minor>`.
    Minor(u64),
    /// `latest`.
    Latest,
}

impl Version {
    /// The newest policy version known to this engine (the greatest minimum version of
    /// all registered checks).
    pub const MAX: Version = Version::Minor(super::registry::MAX_MINOR);

    /// The minor whose policy is applied for this version: `latest` and minors above
    /// [`Version::MAX`] are clamped to it.
    pub fn effective_minor(self) -> u64 {
        match self {
            Version::Minor(minor) => minor.min(super::registry::MAX_MINOR),
            Version::Latest => super::registry::MAX_MINOR,
        }
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Minor(minor) => write!(f, "v1.{minor}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

/// The error for a string that is not a version; displays upstream's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be \"latest\" or \"v1.x\"")]
pub struct ParseVersionError;

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Accepts exactly `latest` or `v1.<minor>` where minor is `0` or has no leading zero
    /// and fits Go's `int`, as upstream does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let digits = s.strip_prefix("v1.").ok_or(ParseVersionError)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(ParseVersionError);
        }
        let minor: i64 = digits.parse().map_err(|_| ParseVersionError)?;
        u64::try_from(minor)
            .map(Version::Minor)
            .map_err(|_| ParseVersionError)
    }
}

/// A level evaluated at a version; prints as `<level>:<version>`, e.g. `restricted:latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version, as requested (not clamped).
    pub version: Version,
}

impl LevelVersion {
    /// A level at a version.
    pub fn new(level: Level, version: Version) -> Self {
        Self { level, version }
    }

    /// A level at `latest`.
    pub fn latest(level: Level) -> Self {
        Self::new(level, Version::Latest)
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// The error for a string that is not `<level>:<version>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseLevelVersionError {
    /// There is no `:` between level and version.
    #[error("must be \"<level>:<version>\"")]
    MissingSeparator,
    /// The part before `:` is not a level.
    #[error(transparent)]
    Level(#[from] ParseLevelError),
    /// The part after `:` is not a version.
    #[error(transparent)]
    Version(#[from] ParseVersionError),
}

impl FromStr for LevelVersion {
    type Err = ParseLevelVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (level, version) = s
            .split_once(':')
            .ok_or(ParseLevelVersionError::MissingSeparator)?;
        Ok(Self::new(level.parse()?, version.parse()?))
    }
}
