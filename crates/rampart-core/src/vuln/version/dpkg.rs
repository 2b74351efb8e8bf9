//! Debian version ordering, exactly as dpkg's `verrevcmp` (lib/dpkg/version.c).
//!
//! `[epoch:]upstream[-revision]`: epochs compare as numbers; upstream and revision are
//! compared in alternating runs of non-digits (letters before other characters, `~`
//! before everything, even the end of the string) and digits (as numbers).

use std::cmp::Ordering;

use super::VersionError;

/// A Debian version split into its parts, borrowing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DebianVersion<'a> {
    /// The epoch (0 when absent).
    pub epoch: u64,
    /// The upstream version.
    pub upstream: &'a str,
    /// The Debian revision ("" when absent, which dpkg orders like "0").
    pub revision: &'a str,
}

impl<'a> DebianVersion<'a> {
    /// Parses `text` as dpkg's `parseversion` does, refusing what dpkg refuses: a
    /// non-numeric epoch, an empty version or revision, characters outside the allowed set.
    pub fn parse(text: &'a str) -> Result<Self, VersionError> {
        let text = text.trim();
        let fail = |why: &str| Err(VersionError::new("dpkg", text, why));
        if text.is_empty() {
            return fail("the version is empty");
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) => {
                if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                    return fail("the epoch is not a number");
                }
                let Ok(epoch) = epoch.parse::<u64>() else {
                    return fail("the epoch is too large");
                };
                (epoch, rest)
            }
            None => (0, text),
        };
        if rest.is_empty() {
            return fail("nothing follows the epoch");
        }
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return fail("the upstream version is empty");
        }
        if rest.contains('-') && revision.is_empty() {
            return fail("the revision is empty");
        }
        let allowed = |b: u8, extra: &[u8]| {
            b.is_ascii_alphanumeric() || b".+~".contains(&b) || extra.contains(&b)
        };
        if !upstream.bytes().all(|b| allowed(b, b"-:")) {
            return fail("invalid character in the upstream version");
        }
        if !revision.bytes().all(|b| allowed(b, b"")) {
            return fail("invalid character in the revision");
        }
        Ok(Self {
            epoch,
            upstream,
            revision,
        })
    }
}

impl Ord for DebianVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream, other.upstream))
            .then_with(|| verrevcmp(self.revision, other.revision))
    }
}

impl PartialOrd for DebianVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders two Debian versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(DebianVersion::parse(a)?.cmp(&DebianVersion::parse(b)?))
}

/// dpkg's weight of one character of a non-digit run; `None` is the end of the string.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_sorts_before_the_end_and_revisions_default_to_zero() {
        assert_eq!(compare("1.0~rc1", "1.0"), Ok(Ordering::Less));
        assert_eq!(compare("1.0", "1.0-0"), Ok(Ordering::Equal));
        assert_eq!(compare("1:0.1", "2.0"), Ok(Ordering::Greater));
        assert_eq!(compare("5.2.15-2+b13", "5.2.15-2"), Ok(Ordering::Greater));
    }

    #[test]
    fn malformed_versions_are_refused_with_a_reason() {
        for bad in [
            "",
            "a:1",
            ":1",
            "1:",
            "1.0-",
            "1.2.3-not-a-debian:version!@#$",
            "1 2",
        ] {
            assert!(DebianVersion::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
