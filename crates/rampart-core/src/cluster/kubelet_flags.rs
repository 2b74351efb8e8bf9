//! Kubelet flags from the files that hold them on a node, recognised by content:
//! kubeadm's `/var/lib/kubelet/kubeadm-flags.env` (`KUBELET_KUBEADM_ARGS="..."`),
//! `/etc/default/kubelet` or `/etc/sysconfig/kubelet` (`KUBELET_EXTRA_ARGS=...`) and
//! systemd units or drop-ins such as `10-kubeadm.conf` (`Environment="KUBELET_...=..."`,
//! `ExecStart=/usr/bin/kubelet ...`).
//!
//! Such a file becomes one synthetic document, kind [`KUBELET_FLAGS_KIND`], whose `args`
//! list holds every word with its own line and column, so findings point into the file.

use serde_json::{Value, json};

use crate::source::{Document, Pos, PosChildren, PosNode};

/// API version of the synthetic kubelet-flags document.
pub const KUBELET_FLAGS_API_VERSION: &str = "rampart.dev/v1alpha1";
/// Kind of the synthetic kubelet-flags document.
pub const KUBELET_FLAGS_KIND: &str = "KubeletFlags";

/// One assignment or unit line that carries kubelet words.
struct FlagLine<'t> {
    /// The variable name (`KUBELET_KUBEADM_ARGS`) or `ExecStart`.
    name: &'t str,
    /// Each word with its 1-based column.
    words: Vec<(&'t str, u32)>,
}

/// Reads `text` as a kubelet flags file. `None` unless every meaningful line is an
/// assignment (`NAME=...`), a systemd section header or a comment, and at least one
/// assignment gives kubelet flags.
pub fn kubelet_flags_document(text: &str) -> Option<Document> {
    let mut names = Vec::new();
    let mut args = Vec::new();
    let mut nodes = Vec::new();
    let mut first: Option<Pos> = None;
    for (number, line) in text.lines().enumerate() {
        let line_number = u32::try_from(number + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with(';')
            || (trimmed.starts_with('[') && trimmed.ends_with(']'))
        {
            continue;
        }
        // A line that is not an assignment means this is not a flags file.
        let Some(flag_line) = assignment(line)? else {
            continue;
        };
        first.get_or_insert(Pos::new(line_number, 1));
        names.push(flag_line.name.to_owned());
        for (word, column) in flag_line.words {
            args.push(Value::String(word.to_owned()));
            nodes.push(PosNode {
                pos: Pos::new(line_number, column),
                children: PosChildren::Leaf,
            });
        }
    }
    let start = first?;
    if args.is_empty() {
        return None;
    }
    let value = json!({
        "apiVersion": KUBELET_FLAGS_API_VERSION,
        "kind": KUBELET_FLAGS_KIND,
        "metadata": {"name": names.join(",")},
        "args": args,
    });
    let leaf = |pos| PosNode {
        pos,
        children: PosChildren::Leaf,
    };
    let root = Pos::new(1, 1);
    let positions = PosNode {
        pos: root,
        children: PosChildren::Map(vec![
            ("apiVersion".to_owned(), root, leaf(root)),
            ("kind".to_owned(), root, leaf(root)),
            ("metadata".to_owned(), start, leaf(start)),
            (
                "args".to_owned(),
                start,
                PosNode {
                    pos: start,
                    children: PosChildren::Seq(nodes),
                },
            ),
        ]),
    };
    Some(Document {
        index: 0,
        value,
        positions,
    })
}

/// `None`: not an assignment line (so not a flags file). `Some(None)`: an assignment
/// without kubelet words. `Some(Some(line))`: kubelet words.
fn assignment(line: &str) -> Option<Option<FlagLine<'_>>> {
    let (key, rest) = line.split_once('=')?;
    let key = key.trim();
    let valid_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if !valid_key {
        return None;
    }
    let offset = line.len() - rest.len();
    let (name, value, value_offset) = match key {
        // systemd: Environment="NAME=value" (quotes optional)
        "Environment" => {
            let (inner, inner_offset) = unquote(rest, offset);
            let Some((name, value)) = inner.split_once('=') else {
                return Some(None);
            };
            (name.trim(), value, inner_offset + name.len() + 1)
        }
        "ExecStart" => {
            let words = rest.trim_start();
            let program = words.split_whitespace().next().unwrap_or_default();
            if !program.ends_with("kubelet") {
                return Some(None);
            }
            let skip = line.len() - words.len() + program.len();
            ("ExecStart", &line[skip..], skip)
        }
        name => (name, rest, offset),
    };
    if !(name.starts_with("KUBELET") || name == "ExecStart") {
        return Some(None);
    }
    let (value, value_offset) = unquote(value, value_offset);
    let words = words_with_columns(line, value, value_offset);
    if !words.iter().any(|(w, _)| w.starts_with('-')) {
        return Some(None);
    }
    Some(Some(FlagLine { name, words }))
}

/// Strips one pair of surrounding quotes, keeping track of the byte offset in the line.
fn unquote(text: &str, offset: usize) -> (&str, usize) {
    let leading = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = trimmed
            .strip_prefix(quote)
            .and_then(|t| t.strip_suffix(quote))
        {
            return (inner, offset + leading + 1);
        }
    }
    (trimmed, offset + leading)
}

/// The whitespace-separated words of `value` (which starts at byte `offset` of `line`)
/// with 1-based character columns; `$VARIABLE` references are skipped.
fn words_with_columns<'t>(line: &str, value: &'t str, offset: usize) -> Vec<(&'t str, u32)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in value.char_indices().chain([(value.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let word = &value[s..i];
                if !word.starts_with('$') {
                    let column = line
                        .get(..offset + s)
                        .map_or(0, |prefix| prefix.chars().count());
                    words.push((word, u32::try_from(column + 1).unwrap_or(u32::MAX)));
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_path::FieldPath;

    #[test]
    fn kubeadm_flags_env() {
        let text = "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --anonymous-auth=true\"\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(doc.value["args"][1], "--anonymous-auth=true");
        let at = doc
            .positions
            .locate(&FieldPath::fields(&["args"]).index(1))
            .pos;
        assert_eq!(at, Pos::new(1, 91));
    }

    #[test]
    fn systemd_drop_in() {
        let text = "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS --read-only-port=10255\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(
            doc.value["args"],
            json!([
                "--config=/var/lib/kubelet/config.yaml",
                "--read-only-port=10255"
            ])
        );
        let at = doc
            .positions
            .locate(&FieldPath::fields(&["args"]).index(0))
            .pos;
        assert_eq!(at, Pos::new(2, 34));
    }

    #[test]
    fn other_text_is_not_flags() {
        assert!(kubelet_flags_document("apiVersion: v1\nkind: Pod\n").is_none());
        assert!(kubelet_flags_document("FOO=bar\n").is_none());
        assert!(kubelet_flags_document("").is_none());
        assert!(kubelet_flags_document("- --flag=1\n").is_none());
    }
}
