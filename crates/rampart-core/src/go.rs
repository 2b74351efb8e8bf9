//! Go's formatting, where upstream's messages are matched byte for byte: `%q`.

use std::fmt::Write as _;

/// Go's `strconv.Quote`, what `%q` prints for a string.
///
/// Rust strings are valid UTF-8, so Go's `\xHH` escapes for invalid bytes cannot occur.
/// Printability follows Go's `unicode.IsPrint` except that unassigned code points are
/// treated as printable (Go escapes them, per its Unicode tables).
pub fn quote(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quote_matches_strconv_quote() {
        assert_eq!(quote("unconfined"), r#""unconfined""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("\u{7}\u{8}\u{c}\n\r\t\u{b}"), r#""\a\b\f\n\r\t\v""#);
        assert_eq!(quote("\u{0}\u{1b}\u{7f}"), r#""\x00\x1b\x7f""#);
        assert_eq!(quote("\u{85}\u{a0}\u{ad}"), r#""\u0085\u00a0\u00ad""#);
        assert_eq!(quote("\u{feff}\u{200b}"), r#""\ufeff\u200b""#);
        assert_eq!(quote("\u{e000}\u{f0000}"), r#""\ue000\U000f0000""#);
        assert_eq!(quote("héllo 世界 😀"), "\"héllo 世界 😀\"");
        assert_eq!(quote(""), r#""""#);
    }
}
