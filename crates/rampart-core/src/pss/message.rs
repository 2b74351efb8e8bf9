//! Message building blocks (spec §3) and the aggregation of failed checks (spec §8).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Violation;
use super::level::LevelVersion;

/// `Q(xs)`: each item in double quotes (no escaping), joined with `", "`.
pub(crate) fn quote_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `P(n, one, many)`.
pub(crate) fn pluralize(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// `C(names)`: `container "a"` or `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize(names.len(), "container", "containers"),
        quote_list(names)
    )
}

/// De-duplicated and sorted in byte order (Go `sort.Strings`).
pub(crate) type SortedSet = BTreeSet<String>;

/// Who set a forbidden value: `pod`, then `C(containers)`, then any extra phrase, joined
/// with `" and "`. Empty parts are left out.
#[derive(Default)]
pub(crate) struct Setters {
    parts: Vec<String>,
}

impl Setters {
    /// Starts with `pod` if `pod_is_bad`.
    pub fn pod(pod_is_bad: bool) -> Self {
        let mut setters = Self::default();
        if pod_is_bad {
            setters.parts.push("pod".to_owned());
        }
        setters
    }

    /// Adds `C(names)` unless `names` is empty.
    pub fn containers<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        if !names.is_empty() {
            self.parts.push(containers_phrase(names));
        }
        self
    }

    /// Adds a fixed phrase.
    pub fn phrase(mut self, phrase: &str) -> Self {
        self.parts.push(phrase.to_owned());
        self
    }

    /// True when nobody set a forbidden value.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The setters joined with `" and "`.
    pub fn joined(&self) -> String {
        self.parts.join(" and ")
    }
}

/// `GOQ(s)`: Go's `strconv.Quote`.
///
/// Rust strings are valid UTF-8, so Go's `\xHH` escapes for invalid bytes cannot occur.
/// Printability follows Go's `unicode.IsPrint` except that unassigned code points are
/// treated as printable (Go escapes them, per its Unicode tables).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_go_escaped(&mut out, c);
    }
    out.push('"');
    out
}

fn push_go_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{07}' => out.push_str("\\a"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0C}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0B}' => out.push_str("\\v"),
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Go's `unicode.IsPrint`: graphic characters and the ASCII space, but no other space,
/// control, format, private-use or surrogate character.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control() || c.is_whitespace() || is_format(c) || is_private_use(c))
}

/// Unicode general category Cf (format characters).
fn is_format(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let code = c as u32;
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&code))
}

/// Unicode general category Co (private use).
fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0x000F_0000..=0x000F_FFFD | 0x0010_0000..=0x0010_FFFD)
}

/// The reason printed for a failure without one; upstream's marker of a bug.
const UNKNOWN_REASON: &str = "unknown forbidden reason";

fn reason_of(violation: &Violation) -> &str {
    if violation.reason.is_empty() {
        UNKNOWN_REASON
    } else {
        &violation.reason
    }
}

/// Short form (§8.1): the reasons joined with `", "`.
pub(crate) fn short_form(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(reason_of)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Detailed form (§8.1): `reason (detail)` items joined with `", "`.
pub(crate) fn detailed_form(violations: &[Violation]) -> String {
    let mut out = String::new();
    for (i, violation) in violations.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reason_of(violation));
        if !violation.detail.is_empty() {
            let _ = write!(out, " ({})", violation.detail);
        }
    }
    out
}

/// `violates PodSecurity "<level>:<version>": <detailed form>` (§8.2).
pub(crate) fn forbidden_message(policy: &LevelVersion, violations: &[Violation]) -> String {
    format!(
        "violates PodSecurity \"{policy}\": {}",
        detailed_form(violations)
    )
}

/// `would violate PodSecurity "<level>:<version>": <detailed form>` (§8.3).
pub(crate) fn warning_message(policy: &LevelVersion, violations: &[Violation]) -> String {
    format!(
        "would violate PodSecurity \"{policy}\": {}",
        detailed_form(violations)
    )
}
