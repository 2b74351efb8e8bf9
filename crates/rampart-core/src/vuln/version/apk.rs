//! Alpine version ordering: apk-tools' token comparison (`src/version.c` of the
//! apk-tools 2 series that Alpine v3.x releases ship).
//!
//! `digit{.digit}...{letter}{_suffix{number}}...{-r#}`: numbers compare as numbers, a
//! number with leading zeros after a dot compares below any number without them, the
//! suffixes `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` <
//! `_hg` < `_p`. One deliberate difference: apk-tools 2 accumulates numbers in a C `int`
//! and wraps past 2³¹ (so `_pre20191002222144` sorted after `_pre20210530193627`);
//! numbers here compare exactly, as apk-tools 3 does with 64 bits.

use std::cmp::Ordering;

/// The kinds of token, in apk-tools' order (the order matters to the comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

/// A token's value. apk-tools keeps it in an `int`; numbers here keep their digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Small(i64),
    /// A number of more than 18 digits, without leading zeros.
    Big(&'a [u8]),
}

impl Ord for Value<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Small(a), Value::Small(b)) => a.cmp(b),
            (Value::Small(_), Value::Big(_)) => Ordering::Less,
            (Value::Big(_), Value::Small(_)) => Ordering::Greater,
            (Value::Big(a), Value::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Value<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

const PRE_SUFFIXES: [&[u8]; 4] = [b"alpha", b"beta", b"pre", b"rc"];
const POST_SUFFIXES: [&[u8]; 5] = [b"cvs", b"svn", b"git", b"hg", b"p"];

/// The rest of a version being read, and the kind of the token that starts it.
struct Reader<'a> {
    rest: &'a [u8],
    token: Token,
}

impl<'a> Reader<'a> {
    fn new(version: &'a str) -> Self {
        Self {
            rest: version.as_bytes(),
            token: Token::Digit,
        }
    }

    /// apk-tools' `next_token`: the kind of the next token, from its first character
    /// and the kind of the previous one.
    fn next_token(&mut self) {
        let previous = self.token;
        let mut next = Token::Invalid;
        match self.rest.first() {
            None | Some(0) => next = Token::End,
            Some(c)
                if matches!(previous, Token::Digit | Token::DigitOrZero)
                    && c.is_ascii_lowercase() =>
            {
                next = Token::Letter;
            }
            Some(c) if previous == Token::Letter && c.is_ascii_digit() => next = Token::Digit,
            Some(c) if previous == Token::Suffix && c.is_ascii_digit() => next = Token::SuffixNo,
            Some(c) => {
                match c {
                    b'.' => next = Token::DigitOrZero,
                    b'_' => next = Token::Suffix,
                    b'-' if self.rest.get(1) == Some(&b'r') => {
                        next = Token::RevisionNo;
                        self.rest = &self.rest[1..];
                    }
                    _ => {}
                }
                self.rest = &self.rest[1..];
            }
        }
        let allowed_backwards = matches!(
            (next, previous),
            (Token::DigitOrZero, Token::Digit)
                | (Token::Suffix, Token::SuffixNo)
                | (Token::Digit, Token::Letter)
        );
        if next < previous && !allowed_backwards {
            next = Token::Invalid;
        }
        self.token = next;
    }

    /// apk-tools' `get_token`: the value of the current token, then moves to the next.
    fn get_token(&mut self) -> Value<'a> {
        if self.rest.is_empty() {
            self.token = Token::End;
            return Value::Small(0);
        }
        let mut then = None;
        let (value, taken) = match self.token {
            Token::DigitOrZero if self.rest[0] == b'0' => {
                let zeros = self.rest.iter().take_while(|&&c| c == b'0').count();
                then = Some(Token::Digit);
                (Value::Small(-(zeros as i64)), zeros)
            }
            Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
                let digits = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
                (number(&self.rest[..digits]), digits)
            }
            Token::Letter => (Value::Small(i64::from(self.rest[0])), 1),
            Token::Suffix => match suffix(self.rest) {
                Some(found) => found,
                None => {
                    self.token = Token::Invalid;
                    return Value::Small(-1);
                }
            },
            Token::Invalid | Token::End => {
                self.token = Token::Invalid;
                return Value::Small(-1);
            }
        };
        self.rest = &self.rest[taken..];
        if self.rest.is_empty() {
            self.token = Token::End;
        } else if let Some(token) = then {
            self.token = token;
        } else {
            self.next_token();
        }
        value
    }
}

/// A run of digits as a value (empty is 0).
fn number(digits: &[u8]) -> Value<'_> {
    let significant = &digits[digits.iter().take_while(|&&c| c == b'0').count()..];
    if significant.len() > 18 {
        return Value::Big(significant);
    }
    Value::Small(
        significant
            .iter()
            .fold(0, |n, &c| n * 10 + i64::from(c - b'0')),
    )
}

/// A suffix name at the start of `rest` (a prefix match, as apk-tools' `strncmp`):
/// its weight (pre-release suffixes negative) and length.
fn suffix(rest: &[u8]) -> Option<(Value<'static>, usize)> {
    if let Some(i) = PRE_SUFFIXES.iter().position(|s| rest.starts_with(s)) {
        return Some((
            Value::Small(i as i64 - PRE_SUFFIXES.len() as i64),
            PRE_SUFFIXES[i].len(),
        ));
    }
    POST_SUFFIXES
        .iter()
        .position(|s| rest.starts_with(s))
        .map(|i| (Value::Small(i as i64), POST_SUFFIXES[i].len()))
}

/// Whether apk-tools accepts `version` (`apk_version_validate`).
pub fn is_valid(version: &str) -> bool {
    let mut reader = Reader::new(version);
    while !matches!(reader.token, Token::End | Token::Invalid) {
        reader.get_token();
    }
    reader.token == Token::End
}

/// Orders two Alpine versions as `apk version -t` does. Total: malformed versions are
/// ordered by the same token rules, as apk-tools orders them.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (Reader::new(a), Reader::new(b));
    let (mut av, mut bv) = (Value::Small(0), Value::Small(0));
    while a.token == b.token && !matches!(a.token, Token::End | Token::Invalid) && av == bv {
        av = a.get_token();
        bv = b.get_token();
    }
    if av != bv {
        return av.cmp(&bv);
    }
    let (at, bt) = (a.token, b.token);
    if at == bt {
        return Ordering::Equal;
    }
    // The leading tokens are equal: the longer version is newer, unless what it has
    // more is a pre-release suffix.
    if at == Token::Suffix && a.get_token() < Value::Small(0) {
        return Ordering::Less;
    }
    if bt == Token::Suffix && b.get_token() < Value::Small(0) {
        return Ordering::Greater;
    }
    bt.cmp(&at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_release_suffixes_sort_before_the_release_and_post_ones_after() {
        assert_eq!(compare("1.2_rc1", "1.2"), Ordering::Less);
        assert_eq!(compare("1.2_p1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.1.1d-r2", "1.1.1d-r2"), Ordering::Equal);
        assert_eq!(compare("1.1.1d-r2", "1.1.1d-r3"), Ordering::Less);
        assert_eq!(compare("1.02", "1.2"), Ordering::Less);
    }

    #[test]
    fn numbers_past_the_range_of_an_int_compare_exactly() {
        assert_eq!(
            compare("1_pre20191002222144", "1_pre20210530193627"),
            Ordering::Less
        );
        assert_eq!(
            compare("1.99999999999999999999", "1.100000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn validity_follows_apk_tools() {
        assert!(is_valid("1.2.3_rc2-r10"));
        assert!(!is_valid("1.2-foo"));
        assert!(!is_valid("1.2_blah"));
    }
}
