//! Python version ordering: PEP 440 through `pep440_rs`, with pre-PEP 440 ("legacy")
//! versions ordered as `packaging` (before 22) ordered them: below every PEP 440
//! version, by `packaging`'s legacy key. PyPI still serves such versions and the
//! advisory data names some of them.

use std::cmp::Ordering;
use std::str::FromStr;

/// A Python version: PEP 440, or legacy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PythonVersion {
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
    /// A version PEP 440 cannot read, as `packaging.version.LegacyVersion`'s key.
    Legacy(Vec<String>),
}

impl PythonVersion {
    /// Reads `text`; never fails (what PEP 440 refuses is a legacy version).
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match pep440_rs::Version::from_str(text) {
            Ok(version) => Self::Pep440(version),
            Err(_) => Self::Legacy(legacy_key(text)),
        }
    }
}

impl Ord for PythonVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Pep440(a), Self::Pep440(b)) => a.cmp(b),
            (Self::Legacy(_), Self::Pep440(_)) => Ordering::Less,
            (Self::Pep440(_), Self::Legacy(_)) => Ordering::Greater,
            (Self::Legacy(a), Self::Legacy(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for PythonVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders two Python versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    PythonVersion::parse(a).cmp(&PythonVersion::parse(b))
}

/// `packaging`'s `_legacy_cmpkey` (its epoch is always -1, below any PEP 440 epoch):
/// the version split into runs of digits (zero-padded to 8), runs of letters
/// (`*`-prefixed, with `pre`/`preview`/`rc` as `c` and `dev` as `@`), `-` as
/// `*final-` and any other character by itself; trailing zeros and `*final-` markers
/// before a letter part are dropped.
fn legacy_key(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for piece in legacy_pieces(&lower)
        .into_iter()
        .chain(std::iter::once("*final".to_owned()))
    {
        if piece.starts_with('*') {
            if piece.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(piece);
    }
    parts
}

/// `_parse_version_parts` without the closing `*final`.
fn legacy_pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        // Digits, letters and other characters group in runs; `.` and `-` stand alone.
        let kind = |c: char| match c {
            '0'..='9' => 1,
            'a'..='z' => 2,
            '.' | '-' => 3,
            _ => 0,
        };
        if kind(c) != 3 {
            while let Some(&(i, next)) = chars.peek() {
                if kind(next) != kind(c) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        let run = &text[start..end];
        let piece = match run {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            "." => continue,
            other => other,
        };
        if piece.starts_with(|c: char| c.is_ascii_digit()) {
            pieces.push(format!("{piece:0>8}"));
        } else {
            pieces.push(format!("*{piece}"));
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_versions_sort_below_pep_440_ones() {
        assert_eq!(compare("0.9-doduo", "0.1"), Ordering::Less);
        assert_eq!(compare("0.1-bulbasaur", "0.1-charmander"), Ordering::Less);
        assert_eq!(compare("1.0.post1", "1.0"), Ordering::Greater);
        assert_eq!(compare("1.0.0+local", "1.0.0"), Ordering::Greater);
    }
}
