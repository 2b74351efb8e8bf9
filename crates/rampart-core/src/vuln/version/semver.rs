//! SemVer 2.0 precedence (section 11) for crates.io, npm, Go and OSV `SEMVER` ranges,
//! read leniently as OSV tooling reads versions: a leading `v`, missing minor or patch
//! (0), numbers of any size, numeric parts past the third ignored like build metadata.
//!
//! Build metadata never affects precedence (`1.2.3+a` = `1.2.3+b`; Go's
//! `+incompatible`). Pre-releases sort before their release; their dot-separated
//! identifiers compare numerically when all digits (numbers below words), else by
//! ASCII, and a shorter list of equal identifiers first.

use std::cmp::Ordering;

/// A version read for SemVer precedence, borrowing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemVer<'a> {
    core: [&'a str; 3],
    pre: Option<&'a str>,
}

impl<'a> SemVer<'a> {
    /// Reads `text`; `None` when it does not start with a number (after an optional `v`).
    pub fn parse(text: &'a str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut core = ["0"; 3];
        let mut rest = text;
        let mut count = 0;
        loop {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                break;
            }
            if count < 3 {
                core[count] = &rest[..digits];
            }
            count += 1;
            rest = &rest[digits..];
            match rest.strip_prefix('.') {
                Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                _ => break,
            }
        }
        if count == 0 {
            return None;
        }
        let rest = rest.split_once('+').map_or(rest, |(before, _build)| before);
        let pre = match rest.strip_prefix('-') {
            Some(pre) => Some(pre),
            None if rest.is_empty() => None,
            None => Some(rest.trim_start_matches('.')),
        };
        Some(Self { core, pre })
    }
}

impl Ord for SemVer<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        let core = self
            .core
            .iter()
            .zip(other.core)
            .map(|(a, b)| numeric(a, b))
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal);
        core.then_with(|| match (self.pre, other.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => prerelease(a, b),
        })
    }
}

impl PartialOrd for SemVer<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Two runs of digits as numbers of any size.
pub(crate) fn numeric(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Pre-release identifiers, SemVer 2.0 section 11.4.
fn prerelease(a: &str, b: &str) -> Ordering {
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let (mut a, mut b) = (a.split('.'), b.split('.'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (is_number(x), is_number(y)) {
                    (true, true) => numeric(x, y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if order.is_ne() {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        SemVer::parse(a).unwrap().cmp(&SemVer::parse(b).unwrap())
    }

    #[test]
    fn go_pseudo_versions_and_incompatible() {
        assert_eq!(
            cmp(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
            Ordering::Greater
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(cmp("v20.10.11+incompatible", "20.10.11"), Ordering::Equal);
        assert_eq!(cmp("v20.10.11+incompatible", "20.10.12"), Ordering::Less);
        assert!(SemVer::parse("(devel)").is_none());
    }

    fn semver_text() -> impl Strategy<Value = String> {
        let ident = prop_oneof!["[0-9]{1,3}", "[a-zA-Z][a-zA-Z0-9-]{0,4}"];
        (
            0u64..30,
            0u64..30,
            0u64..30,
            proptest::collection::vec(ident, 0..3),
            proptest::option::of("[a-z0-9]{1,4}"),
        )
            .prop_map(|(major, minor, patch, pre, build)| {
                let mut text = format!("{major}.{minor}.{patch}");
                if !pre.is_empty() {
                    text.push('-');
                    text.push_str(&pre.join("."));
                }
                if let Some(build) = build {
                    text.push('+');
                    text.push_str(&build);
                }
                text
            })
    }

    proptest! {
        /// On strict SemVer the lenient reading orders exactly as the semver crate's
        /// precedence.
        #[test]
        fn agrees_with_the_semver_crate(a in semver_text(), b in semver_text()) {
            let (Ok(x), Ok(y)) = (semver::Version::parse(&a), semver::Version::parse(&b)) else {
                return Ok(());
            };
            prop_assert_eq!(cmp(&a, &b), x.cmp_precedence(&y));
        }
    }
}
