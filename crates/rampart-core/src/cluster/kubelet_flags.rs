//! Kubelet flags from the files that hold them on a node, recognised by content:
//! kubeadm's `/var/lib/kubelet/kubeadm-flags.env` (`KUBELET_KUBEADM_ARGS="..."`),
//! `/etc/default/kubelet` or `/etc/sysconfig/kubelet` (`KUBELET_EXTRA_ARGS=...`), the
//! `kubelet.service` unit and its drop-ins such as `10-kubeadm.conf`
//! (`Environment="KUBELET_...=..."`, `EnvironmentFile=`, `ExecStart=/usr/bin/kubelet ...`).
//! Lines continued with a trailing backslash are joined, as systemd does.
//!
//! Such a file becomes one synthetic document, kind [`KUBELET_FLAGS_KIND`]:
//!
//! ```yaml
//! args: [--config=/var/lib/kubelet/config.yaml, --read-only-port=0]  # every word, located
//! variables: [{name: KUBELET_CONFIG_ARGS, args: [0]}]   # assignments, in order
//! execStart: {kubelet: true, words: ["$KUBELET_CONFIG_ARGS", 1]}   # the last ExecStart=
//! environmentFiles: [-/var/lib/kubelet/kubeadm-flags.env]
//! unit: true                                              # a systemd unit or drop-in
//! ```
//!
//! `args` holds every word with its own line and column, so findings point into the
//! file; the rest lets the run phase put a node's files together into the kubelet's
//! command line (see [`super::node`]).

use serde_json::{Map, Value, json};

use crate::source::{Document, Pos, PosChildren, PosNode};

/// API version of the synthetic kubelet-flags document.
pub const KUBELET_FLAGS_API_VERSION: &str = "rampart.dev/v1alpha1";
/// Kind of the synthetic kubelet-flags document.
pub const KUBELET_FLAGS_KIND: &str = "KubeletFlags";

/// Whether `bytes` may hold a kubelet flags file: its first line that is not blank or a
/// comment is a systemd section header or a `NAME=` assignment. Looks at that one line
/// only, so other files are ruled out at once.
pub fn may_be_flags_file(bytes: &[u8]) -> bool {
    let meaningful = bytes
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.is_empty() && !line.starts_with(b"#") && !line.starts_with(b";"));
    meaningful.is_some_and(|line| {
        line.starts_with(b"[") || line.split(|b| *b == b'=').next().is_some_and(is_key)
    })
}

/// A valid assignment name: letters, digits, `_` and `-`, not starting with a digit or `-`.
fn is_key(key: &[u8]) -> bool {
    let key = key.trim_ascii();
    !key.is_empty()
        && key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        && !(key[0].is_ascii_digit() || key[0] == b'-')
}

/// Reads `text` as a kubelet flags file. `None` unless every meaningful line is an
/// assignment (`NAME=...`), a systemd section header or a comment, and the file gives
/// kubelet flags (a `KUBELET*` variable with flags) or starts the kubelet (`ExecStart=`).
pub fn kubelet_flags_document(text: &str) -> Option<Document> {
    if !may_be_flags_file(text.as_bytes()) {
        return None;
    }
    let mut file = FlagsFile::default();
    for line in logical_lines(text) {
        let trimmed = line.text.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            file.unit = true;
            continue;
        }
        file.read_assignment(&line)?;
    }
    file.into_document()
}

/// One line of the file after joining backslash continuations, with a map from its
/// byte offsets back to positions in the file.
struct LogicalLine<'t> {
    text: std::borrow::Cow<'t, str>,
    /// Where each physical piece starts in `text`: (offset, line, column of its first
    /// character, the piece).
    pieces: Vec<(usize, u32, u32, &'t str)>,
}

impl LogicalLine<'_> {
    /// Positions of byte offsets, asked for in increasing order: each piece is walked
    /// once, so a line of any length costs time linear in its length.
    fn locator(&self) -> Locator<'_> {
        Locator {
            line: self,
            piece: 0,
            byte: 0,
            column: 0,
        }
    }
}

/// A cursor turning increasing byte offsets of a [`LogicalLine`] into positions.
struct Locator<'l> {
    line: &'l LogicalLine<'l>,
    piece: usize,
    /// Byte offset reached inside the current piece, and its column count.
    byte: usize,
    column: u32,
}

impl Locator<'_> {
    fn pos(&mut self, offset: usize) -> Pos {
        let pieces = &self.line.pieces;
        let piece = pieces
            .partition_point(|(start, ..)| *start <= offset)
            .max(1)
            - 1;
        if piece != self.piece || offset < pieces[piece].0 + self.byte {
            self.piece = piece;
            self.byte = 0;
            self.column = 0;
        }
        let (start, line, first_column, text) = pieces[piece];
        let target = (offset - start).min(text.len());
        let skipped = text.get(self.byte..target).map_or(0, |s| s.chars().count());
        self.column = self
            .column
            .saturating_add(u32::try_from(skipped).unwrap_or(u32::MAX));
        self.byte = target;
        Pos::new(line, first_column.saturating_add(self.column))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The meaningful lines of `text`: comments and blank lines dropped, a line ending in
/// `\` joined with the next (comment lines inside a continuation are skipped, as
/// systemd does).
fn logical_lines(text: &str) -> impl Iterator<Item = LogicalLine<'_>> {
    let mut lines = text.lines().enumerate().peekable();
    std::iter::from_fn(move || {
        loop {
            let (number, line) = lines.next()?;
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let mut pieces = Vec::new();
            let mut joined: Option<String> = None;
            let mut current = (number, line);
            loop {
                let (number, raw) = current;
                let continued = raw.trim_end().ends_with('\\');
                let piece = if continued {
                    raw.trim_end().strip_suffix('\\').unwrap_or(raw)
                } else {
                    raw
                };
                let start = joined.as_ref().map_or(0, String::len);
                pieces.push((start, to_u32(number + 1), 1, piece));
                if !continued {
                    if let Some(text) = joined.as_mut() {
                        text.push_str(piece);
                    }
                    break;
                }
                joined.get_or_insert_with(String::new).push_str(piece);
                if let Some(text) = joined.as_mut() {
                    text.push(' ');
                }
                // The next physical line that is not a comment continues this one.
                let next = loop {
                    match lines.next() {
                        Some((_, l)) if is_comment(l) => continue,
                        other => break other,
                    }
                };
                match next {
                    Some(next) => current = next,
                    None => break,
                }
            }
            let text = match joined {
                Some(text) => std::borrow::Cow::Owned(text),
                None => std::borrow::Cow::Borrowed(line),
            };
            return Some(LogicalLine { text, pieces });
        }
    })
}

fn is_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with('#') || trimmed.starts_with(';')
}

/// The last `ExecStart=` of a file.
enum ExecStart {
    /// It runs the kubelet: literal words (indices into `args`) and `$VARIABLE`s.
    Kubelet { words: Vec<Value>, pos: Pos },
    /// `ExecStart=` with no value: a drop-in resetting the unit's command.
    Reset { pos: Pos },
    /// Another program (a wrapper script...): the kubelet's command line is unknown.
    Other { pos: Pos },
}

/// What a flags file says, as it is read.
#[derive(Default)]
struct FlagsFile {
    unit: bool,
    args: Vec<Value>,
    arg_positions: Vec<PosNode>,
    variables: Vec<Value>,
    variable_positions: Vec<PosNode>,
    exec_start: Option<ExecStart>,
    environment_files: Vec<Value>,
    environment_file_positions: Vec<PosNode>,
    /// A `KUBELET*` variable gives flags, or `ExecStart` runs the kubelet.
    kubelet: bool,
    first: Option<Pos>,
}

fn leaf(pos: Pos) -> PosNode {
    PosNode::new(pos, PosChildren::Leaf)
}

impl FlagsFile {
    /// Reads one logical line. `None` when it is not an assignment (so the file is not
    /// a flags file).
    fn read_assignment(&mut self, line: &LogicalLine<'_>) -> Option<()> {
        let text: &str = &line.text;
        let (key, rest) = text.split_once('=')?;
        if !is_key(key.as_bytes()) {
            return None;
        }
        let key = key.trim();
        let value_start = key_end(text, rest);
        let mut at = line.locator();
        let line_pos = at.pos(text.len() - text.trim_start().len());
        match key {
            "Environment" if self.unit => {
                for (token, offset) in tokens(rest, value_start) {
                    if let Some((name, value)) = token.split_once('=') {
                        let value_offset = offset + name.len() + 1;
                        self.variable(name.trim(), value, value_offset, line_pos, &mut at);
                    }
                }
            }
            "EnvironmentFile" if self.unit => {
                let (path, offset) = unquote(rest, value_start);
                if path.is_empty() {
                    self.environment_files.clear();
                    self.environment_file_positions.clear();
                } else {
                    self.environment_files.push(Value::String(path.to_owned()));
                    self.environment_file_positions.push(leaf(at.pos(offset)));
                }
            }
            "ExecStart" => self.exec_start(rest, value_start, line_pos, &mut at),
            _ if self.unit => {} // another systemd directive
            name => {
                let (value, offset) = unquote(rest, value_start);
                self.variable(name, value, offset, line_pos, &mut at);
            }
        }
        Some(())
    }

    /// `name=value`: the words of the value, kept when the name is the kubelet's or
    /// the value has flags.
    fn variable(&mut self, name: &str, value: &str, offset: usize, pos: Pos, at: &mut Locator) {
        let words = split_words(value, offset);
        let has_flags = words.iter().any(|(w, _)| w.starts_with('-'));
        let kubelet_name = name.starts_with("KUBELET");
        if !(has_flags || kubelet_name && !words.is_empty()) {
            return;
        }
        self.kubelet |= kubelet_name && has_flags;
        self.first.get_or_insert(pos);
        let indices: Vec<Value> = words
            .into_iter()
            .map(|(word, offset)| Value::from(self.push_arg(word, at.pos(offset))))
            .collect();
        self.variables.push(json!({"name": name, "args": indices}));
        self.variable_positions.push(leaf(pos));
    }

    fn push_arg(&mut self, word: &str, pos: Pos) -> usize {
        self.args.push(Value::String(word.to_owned()));
        self.arg_positions.push(leaf(pos));
        self.args.len() - 1
    }

    fn exec_start(&mut self, rest: &str, offset: usize, pos: Pos, at: &mut Locator) {
        let mut words = tokens(rest, offset).into_iter();
        let Some((program, _)) = words.next() else {
            self.exec_start = Some(ExecStart::Reset { pos });
            return;
        };
        // systemd's prefixes: `-` (ignore failure), `@`, `:`, `+`, `!`, `!!`.
        let program = program.trim_start_matches(['-', '@', ':', '+', '!']);
        let mut words = words.peekable();
        let kubelet = match basename(program) {
            "kubelet" => true,
            "hyperkube" => words.next_if(|(w, _)| basename(w) == "kubelet").is_some(),
            _ => false,
        };
        if !kubelet {
            self.exec_start = Some(ExecStart::Other { pos });
            return;
        }
        self.kubelet = true;
        self.first.get_or_insert(pos);
        let words = words
            .map(|(word, offset)| {
                if word.starts_with('$') {
                    Value::String(word.to_owned())
                } else {
                    Value::from(self.push_arg(word, at.pos(offset)))
                }
            })
            .collect();
        self.exec_start = Some(ExecStart::Kubelet { words, pos });
    }

    fn into_document(self) -> Option<Document> {
        if !self.kubelet {
            return None;
        }
        let start = self.first?;
        let names: Vec<&str> = self
            .variables
            .iter()
            .filter_map(|v| v["name"].as_str())
            .chain(
                matches!(self.exec_start, Some(ExecStart::Kubelet { .. })).then_some("ExecStart"),
            )
            .collect();
        let root = Pos::new(1, 1);
        let mut value = Map::new();
        let mut positions = Vec::new();
        let mut field = |name: &str, v: Value, pos: Pos, node: PosNode| {
            value.insert(name.to_owned(), v);
            positions.push((name.to_owned(), pos, node));
        };
        field(
            "apiVersion",
            KUBELET_FLAGS_API_VERSION.into(),
            root,
            leaf(root),
        );
        field("kind", KUBELET_FLAGS_KIND.into(), root, leaf(root));
        field(
            "metadata",
            json!({"name": names.join(",")}),
            start,
            leaf(start),
        );
        let seq = |pos, items| PosNode::new(pos, PosChildren::Seq(items));
        field(
            "args",
            Value::Array(self.args),
            start,
            seq(start, self.arg_positions),
        );
        field(
            "variables",
            Value::Array(self.variables),
            start,
            seq(start, self.variable_positions),
        );
        if let Some(exec) = self.exec_start {
            let (v, pos) = match exec {
                ExecStart::Kubelet { words, pos } => {
                    (json!({"kubelet": true, "words": words}), pos)
                }
                ExecStart::Reset { pos } => (json!({"reset": true}), pos),
                ExecStart::Other { pos } => (json!({"kubelet": false}), pos),
            };
            field("execStart", v, pos, leaf(pos));
        }
        field(
            "environmentFiles",
            Value::Array(self.environment_files),
            start,
            seq(start, self.environment_file_positions),
        );
        field("unit", Value::Bool(self.unit), root, leaf(root));
        Some(Document {
            index: 0,
            value: Value::Object(value),
            positions: PosNode::new(root, PosChildren::Map(positions)),
        })
    }
}

/// Byte offset in `line` where `rest` (the text after `=`) starts.
fn key_end(line: &str, rest: &str) -> usize {
    line.len() - rest.len()
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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

/// systemd's words: separated by white space, a word wholly in quotes keeps its spaces
/// (`Environment="A=1 2" B=3`). Each with the byte offset of its text in the line.
fn tokens(text: &str, offset: usize) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return out;
        }
        let start = offset + (text.len() - trimmed.len());
        let quote = trimmed.chars().next().filter(|c| matches!(c, '"' | '\''));
        let (word, word_offset, after) = match quote {
            Some(q) => match trimmed[1..].find(q) {
                Some(end) => (&trimmed[1..=end], start + 1, &trimmed[end + 2..]),
                None => (&trimmed[1..], start + 1, ""),
            },
            None => {
                let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
                (&trimmed[..end], start, &trimmed[end..])
            }
        };
        out.push((word, word_offset));
        rest = after;
    }
}

/// The whitespace-separated words of a variable's value, as `$VARIABLE` expansion
/// splits them, each with its byte offset in the line.
fn split_words(value: &str, offset: usize) -> Vec<(&str, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in value.char_indices().chain([(value.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((&value[s..i], offset + s));
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

    fn arg_pos(doc: &Document, i: usize) -> Pos {
        doc.positions
            .locate(&FieldPath::fields(&["args"]).index(i))
            .pos
    }

    #[test]
    fn kubeadm_flags_env() {
        let text = "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --anonymous-auth=true\"\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(doc.value["args"][1], "--anonymous-auth=true");
        assert_eq!(arg_pos(&doc, 1), Pos::new(1, 91));
        assert_eq!(
            doc.value["variables"],
            json!([{"name": "KUBELET_KUBEADM_ARGS", "args": [0, 1]}])
        );
        assert_eq!(doc.value["unit"], false);
    }

    #[test]
    fn systemd_drop_in() {
        let text = "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS --read-only-port=10255\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(
            doc.value["args"],
            json!([
                "--config=/var/lib/kubelet/config.yaml",
                "--read-only-port=10255"
            ])
        );
        assert_eq!(arg_pos(&doc, 0), Pos::new(2, 34));
        assert_eq!(
            doc.value["execStart"],
            json!({"kubelet": true, "words": ["$KUBELET_CONFIG_ARGS", 1]})
        );
        assert_eq!(
            doc.value["environmentFiles"],
            json!(["-/etc/default/kubelet"])
        );
        assert_eq!(doc.value["unit"], true);
    }

    #[test]
    fn backslash_continued_exec_start_keeps_each_word_on_its_line() {
        let text = "[Service]\nExecStart=/usr/local/bin/kubelet \\\n  --config=/etc/kubelet.yaml \\\n# a comment inside\n  --anonymous-auth=true\nRestart=always\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(
            doc.value["args"],
            json!(["--config=/etc/kubelet.yaml", "--anonymous-auth=true"])
        );
        assert_eq!(arg_pos(&doc, 0), Pos::new(3, 3));
        assert_eq!(arg_pos(&doc, 1), Pos::new(5, 3));
    }

    #[test]
    fn a_unit_that_starts_the_kubelet_without_flags() {
        let text = "[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n[Install]\nWantedBy=multi-user.target\n";
        let doc = kubelet_flags_document(text).expect("a kubelet unit");
        assert_eq!(doc.value["args"], json!([]));
        assert_eq!(
            doc.value["execStart"],
            json!({"kubelet": true, "words": []})
        );
        let unit_of_another_program = text.replace("/usr/bin/kubelet", "/usr/bin/containerd");
        assert!(kubelet_flags_document(&unit_of_another_program).is_none());
    }

    #[test]
    fn multi_byte_characters_count_as_one_column() {
        let text = "KUBELET_EXTRA_ARGS=\"--node-labels=zone=zürich --read-only-port=10255\"\n";
        let doc = kubelet_flags_document(text).expect("recognised");
        assert_eq!(arg_pos(&doc, 1), Pos::new(1, 47));
    }

    #[test]
    fn a_long_line_is_located_word_by_word() {
        // 20,000 words on one line, with multi-byte characters along the way: each
        // column is counted once from the previous word (the cost stays linear).
        let words: Vec<String> = (0..20_000).map(|i| format!("--flag-{i}=é{i}")).collect();
        let text = format!("KUBELET_KUBEADM_ARGS=\"{}\"\n", words.join(" "));
        let doc = kubelet_flags_document(&text).expect("recognised");
        let mut column = 1 + "KUBELET_KUBEADM_ARGS=\"".chars().count();
        for (i, word) in words.iter().enumerate() {
            if i % 997 == 0 || i == words.len() - 1 {
                assert_eq!(arg_pos(&doc, i), Pos::new(1, to_u32(column)), "word {i}");
            }
            column += word.chars().count() + 1;
        }
    }

    #[test]
    fn other_text_is_not_flags() {
        assert!(kubelet_flags_document("apiVersion: v1\nkind: Pod\n").is_none());
        assert!(kubelet_flags_document("FOO=bar\n").is_none());
        assert!(kubelet_flags_document("").is_none());
        assert!(kubelet_flags_document("- --flag=1\n").is_none());
        assert!(!may_be_flags_file(b"# c\n{\"KUBELET_X\": \"--a\"}\n"));
        assert!(may_be_flags_file(b"\n# c\n[Service]\n"));
        assert!(may_be_flags_file(b"KUBELET_EXTRA_ARGS=--a\n"));
    }
}
