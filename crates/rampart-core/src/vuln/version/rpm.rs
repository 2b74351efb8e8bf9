//! RPM version ordering: `rpmvercmp` (rpm's `rpmio/rpmvercmp.c`) over epoch, version
//! and release, as RPM-based distributions' vulnerability data is evaluated.
//!
//! `[epoch:]version[-release]`. Runs of digits compare as numbers, runs of letters as
//! strings, a number is newer than letters; `~` sorts before everything (even the
//! end), `^` after the end but before anything else. Other characters only separate.
//! A version without a release is older than the same version with one (as osv-scalibr
//! orders them: vulnerability data always names a release, installed packages always
//! have one).

use std::cmp::Ordering;

/// An RPM version split into epoch, version and release, borrowing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RpmVersion<'a> {
    /// The epoch's digits ("0" when absent).
    pub epoch: &'a str,
    /// The version.
    pub version: &'a str,
    /// The release, after the last `-`.
    pub release: Option<&'a str>,
}

impl<'a> RpmVersion<'a> {
    /// Splits `text` as rpm's `parseEVR`: an epoch is the digits before a `:`.
    pub fn parse(text: &'a str) -> Self {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match text.as_bytes().get(digits) {
            Some(b':') if digits == 0 => ("0", &text[1..]),
            Some(b':') => (&text[..digits], &text[digits + 1..]),
            _ => ("0", text),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((version, release)) => (version, Some(release)),
            None => (rest, None),
        };
        Self {
            epoch,
            version,
            release,
        }
    }
}

impl Ord for RpmVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(self.epoch, other.epoch)
            .then_with(|| rpmvercmp(self.version, other.version))
            .then_with(|| match (self.release, other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for RpmVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders two RPM versions (`[epoch:]version[-release]`).
pub fn compare(a: &str, b: &str) -> Ordering {
    RpmVersion::parse(a).cmp(&RpmVersion::parse(b))
}

/// rpm's `rpmvercmp` on one part (epoch, version or release).
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut one, mut two) = (a.as_bytes(), b.as_bytes());
    let separator = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    while !one.is_empty() || !two.is_empty() {
        one = &one[one.iter().take_while(|c| separator(c)).count()..];
        two = &two[two.iter().take_while(|c| separator(c)).count()..];
        // `~` sorts before everything else, even the end of the string.
        if one.first() == Some(&b'~') || two.first() == Some(&b'~') {
            if one.first() != Some(&b'~') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'~') {
                return Ordering::Less;
            }
            (one, two) = (&one[1..], &two[1..]);
            continue;
        }
        // `^` sorts after the end of the string but before anything else.
        if one.first() == Some(&b'^') || two.first() == Some(&b'^') {
            if one.is_empty() {
                return Ordering::Less;
            }
            if two.is_empty() {
                return Ordering::Greater;
            }
            if one.first() != Some(&b'^') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'^') {
                return Ordering::Less;
            }
            (one, two) = (&one[1..], &two[1..]);
            continue;
        }
        if one.is_empty() || two.is_empty() {
            break;
        }
        let numeric = one[0].is_ascii_digit();
        let in_run = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (run1, rest1) = one.split_at(one.iter().take_while(|c| in_run(c)).count());
        let (run2, rest2) = two.split_at(two.iter().take_while(|c| in_run(c)).count());
        if run2.is_empty() {
            // Different kinds of run: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let order = if numeric {
            let trim = |run: &'_ [u8]| -> usize { run.iter().take_while(|&&c| c == b'0').count() };
            let (n1, n2) = (&run1[trim(run1)..], &run2[trim(run2)..]);
            n1.len().cmp(&n2.len()).then_with(|| n1.cmp(n2))
        } else {
            run1.cmp(run2)
        };
        if order != Ordering::Equal {
            return order;
        }
        (one, two) = (rest1, rest2);
    }
    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, _) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_versions_and_releases() {
        assert_eq!(compare("1:1.0-1", "2.0-1"), Ordering::Greater);
        assert_eq!(compare("1.0~rc1-1", "1.0-1"), Ordering::Less);
        assert_eq!(compare("1.0^git1-1", "1.0-1"), Ordering::Greater);
        assert_eq!(compare("5.1.8-6.el9", "5.1.8-6.el9_1"), Ordering::Less);
        assert_eq!(compare("1.0", "1.0-1"), Ordering::Less);
    }
}
