//! Dockerfile variable substitution, as BuildKit does it in `FROM`, `USER`, `ENV`...:
//! `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alternative}`,
//! `${NAME+alternative}`, and `\$` for a literal dollar.

use std::collections::HashMap;

/// The variables in scope at one instruction: `ARG`s and `ENV`s, each set (with a
/// value, possibly empty) or declared without a value (`ARG NAME` with no default:
/// unset unless a build argument is given, which rampart cannot know).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    values: HashMap<String, Option<String>>,
}

impl Variables {
    /// Sets `name` to `value` (`None`: declared without a value).
    pub fn set(&mut self, name: &str, value: Option<String>) {
        self.values.insert(name.to_owned(), value);
    }

    /// The value of `name`: `Some(Some(v))` set, `Some(None)` declared without a value,
    /// `None` never declared.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.values.get(name).map(Option::as_deref)
    }

    /// Every variable with its value.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Option<String>)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Where variables are looked up: one set, or several layered.
pub trait Lookup {
    /// The value of `name`, as [`Variables::get`].
    fn lookup(&self, name: &str) -> Option<Option<&str>>;
}

impl Lookup for Variables {
    fn lookup(&self, name: &str) -> Option<Option<&str>> {
        self.get(name)
    }
}

/// `text` with its variables substituted, or `None` when the result depends on a
/// variable whose value is not known (declared without a value, or never declared):
/// a default (`${X:-root}`) stands in for such a variable, as it does at build time
/// without build arguments.
pub fn expand(text: &str, variables: &(impl Lookup + ?Sized)) -> Option<String> {
    expand_nested(text, variables, 0)
}

/// How deep `${X:-${Y:-...}}` may nest before the value counts as unknown (it bounds
/// the recursion whatever the input).
const MAX_NESTING: usize = 16;

fn expand_nested(text: &str, variables: &(impl Lookup + ?Sized), depth: usize) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['$', '\\']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(escaped) = tail.strip_prefix("\\$") {
            out.push('$');
            rest = escaped;
            continue;
        }
        if let Some(other) = tail.strip_prefix('\\') {
            out.push('\\');
            rest = other;
            continue;
        }
        let after = &tail[1..];
        if let Some(braced) = after.strip_prefix('{') {
            let end = closing_brace(braced)?;
            out.push_str(&substitute(&braced[..end], variables, depth)?);
            rest = &braced[end + 1..];
        } else {
            let len = name_length(after);
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(variables.lookup(&after[..len]).flatten()?);
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Where the `}` that closes a `${` is in `text` (the text after the `{`), nested
/// `${...}` skipped.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        match byte {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The length of the variable name at the start of `text`.
fn name_length(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(i, _)| i)
}

/// The value of one `${...}` expression.
fn substitute(
    expression: &str,
    variables: &(impl Lookup + ?Sized),
    depth: usize,
) -> Option<String> {
    let len = name_length(expression);
    let (name, operator) = expression.split_at(len);
    if name.is_empty() {
        return None;
    }
    let value = variables.lookup(name);
    let (colon, operator) = match operator.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, operator),
    };
    // Set for `:-`/`:+` means set and not empty; for `-`/`+`, set at all.
    let is_set = |v: Option<Option<&str>>| match v {
        Some(Some(v)) => !colon || !v.is_empty(),
        _ => false,
    };
    match operator.chars().next() {
        None if !colon => value.flatten().map(str::to_owned),
        Some('-') if is_set(value) => value.flatten().map(str::to_owned),
        Some('-') => expand_nested(&operator[1..], variables, depth + 1),
        Some('+') => {
            if is_set(value) {
                expand_nested(&operator[1..], variables, depth + 1)
            } else {
                Some(String::new())
            }
        }
        // Pattern operators (`#`, `%`, `/`) and anything else: not resolved.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Variables {
        let mut v = Variables::default();
        for (name, value) in pairs {
            v.set(name, value.map(str::to_owned));
        }
        v
    }

    #[test]
    fn forms() {
        let v = vars(&[
            ("BASE", Some("alpine:latest")),
            ("EMPTY", Some("")),
            ("UID", None),
        ]);
        let e = |t: &str| expand(t, &v);
        assert_eq!(e("$BASE").as_deref(), Some("alpine:latest"));
        assert_eq!(e("${BASE}").as_deref(), Some("alpine:latest"));
        assert_eq!(
            e("registry/${BASE}-x").as_deref(),
            Some("registry/alpine:latest-x")
        );
        assert_eq!(e("${UID:-root}").as_deref(), Some("root"));
        assert_eq!(e("${NEVER:-root}").as_deref(), Some("root"));
        assert_eq!(e("${EMPTY:-root}").as_deref(), Some("root"));
        assert_eq!(e("${EMPTY-root}").as_deref(), Some(""));
        assert_eq!(e("${BASE:+set}").as_deref(), Some("set"));
        assert_eq!(e("${UID:+set}").as_deref(), Some(""));
        assert_eq!(e("${UID:-${BASE}}").as_deref(), Some("alpine:latest"));
        assert_eq!(e("\\$BASE").as_deref(), Some("$BASE"));
        assert_eq!(e("cost: 5$").as_deref(), Some("cost: 5$"));
        // Unknown values make the result unknown.
        assert_eq!(e("$UID"), None);
        assert_eq!(e("${NEVER}"), None);
        assert_eq!(e("${BASE#alpine}"), None);
        assert_eq!(e("${BASE"), None);
        let deep = format!("{}root{}", "${X:-".repeat(10_000), "}".repeat(10_000));
        assert_eq!(e(&deep), None);
    }
}
