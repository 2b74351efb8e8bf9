//! A component's command line read from a container: `command` then `args`, with
//! `--flag=value`, `--flag value` and bare `--flag` (meaning `true`), each flag with the
//! path of its list item.

use crate::field_path::FieldPath;
use crate::object::ContainerView;

/// One flag occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagWord {
    /// The flag's name without dashes, e.g. `anonymous-auth`.
    pub name: String,
    /// Its value (`true` for a bare flag).
    pub value: String,
    /// The list item that names the flag, e.g. `spec.containers[0].command[3]`.
    pub path: FieldPath,
}

/// The flags of one container's command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// Every flag, in command-line order (a later occurrence wins).
    pub flags: Vec<FlagWord>,
    /// Where to point when a flag is absent: the container's `command`, else its
    /// `args`, else the container.
    pub anchor: FieldPath,
}

impl CommandLine {
    /// Reads `command` then `args` of a container. `single_dash` also accepts `-flag`
    /// (Go's standard flag package, used by etcd).
    pub fn of_container(container: &ContainerView<'_>, single_dash: bool) -> Self {
        let c = &container.container;
        let words = [("command", c.command), ("args", c.args)]
            .into_iter()
            .flat_map(|(field, list)| {
                let base = container.path.child(field);
                list.iter()
                    .enumerate()
                    .map(move |(i, word)| (word.as_str(), base.index(i)))
            });
        let anchor = if !c.command.is_empty() {
            container.path.child("command")
        } else if !c.args.is_empty() {
            container.path.child("args")
        } else {
            container.path.clone()
        };
        let mut line = Self::parse(words, single_dash, anchor);
        if single_dash {
            line.prepend_environment(container);
        }
        line
    }

    /// The command line of a kubelet flags document (its `args`, see
    /// [`kubelet_flags_document`](super::kubelet_flags_document)).
    pub fn of_flags_document(document: &serde_json::Value) -> Self {
        let base = crate::field_path::FieldPath::fields(&["args"]);
        let words = document["args"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, word)| Some((word.as_str()?, base.index(i))));
        Self::parse(words, false, base.clone())
    }

    /// Parses words with their paths.
    pub fn parse<'w>(
        words: impl IntoIterator<Item = (&'w str, FieldPath)>,
        single_dash: bool,
        anchor: FieldPath,
    ) -> Self {
        let mut flags = Vec::new();
        let mut words = words.into_iter().peekable();
        while let Some((word, path)) = words.next() {
            let Some(body) = flag_body(word, single_dash) else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, value.to_owned()),
                None => match words.next_if(|(next, _)| flag_body(next, single_dash).is_none()) {
                    Some((value, _)) => (body, value.to_owned()),
                    None => (body, "true".to_owned()),
                },
            };
            flags.push(FlagWord {
                name: name.to_owned(),
                value,
                path,
            });
        }
        Self { flags, anchor }
    }

    /// etcd reads `ETCD_<FLAG>` environment variables; flags win over them, so they go
    /// first (the last occurrence wins).
    fn prepend_environment(&mut self, container: &ContainerView) {
        let env = container.container.env;
        let from_env = env.iter().enumerate().filter_map(|(i, var)| {
            let flag = var.name.strip_prefix("ETCD_")?;
            Some(FlagWord {
                name: flag.to_ascii_lowercase().replace('_', "-"),
                value: var.value.clone().unwrap_or_default(),
                path: container.path.child("env").index(i).child("value"),
            })
        });
        let mut flags: Vec<FlagWord> = from_env.collect();
        flags.append(&mut self.flags);
        self.flags = flags;
    }

    /// The last occurrence of `--name`.
    pub fn get(&self, name: &str) -> Option<&FlagWord> {
        self.flags.iter().rev().find(|f| f.name == name)
    }
}

/// The text after the dashes when `word` is a flag.
fn flag_body(word: &str, single_dash: bool) -> Option<&str> {
    let body = word
        .strip_prefix("--")
        .or_else(|| word.strip_prefix('-').filter(|_| single_dash))?;
    (!body.is_empty() && !body.starts_with('-')).then_some(body)
}

/// Splits a comma-separated list flag value, trimming blanks.
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The value of `name` in a `Name=bool,Name=bool` feature-gate (or runtime-config) list.
pub fn map_item<'v>(value: &'v str, name: &str) -> Option<&'v str> {
    list_items(value).find_map(|item| {
        let (key, v) = item.split_once('=')?;
        (key.trim() == name).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str], single_dash: bool) -> CommandLine {
        let base = FieldPath::fields(&["command"]);
        CommandLine::parse(
            words.iter().enumerate().map(|(i, w)| (*w, base.index(i))),
            single_dash,
            base.clone(),
        )
    }

    #[test]
    fn spellings() {
        let line = parse(
            &[
                "kube-apiserver",
                "--a=1",
                "--b",
                "2",
                "--c",
                "--d=x=y",
                "-e=3",
                "--a=last",
            ],
            false,
        );
        let value = |n: &str| line.get(n).map(|f| f.value.as_str());
        assert_eq!(value("a"), Some("last"));
        assert_eq!(
            line.get("a").map(|f| f.path.to_string()).as_deref(),
            Some("command[7]")
        );
        assert_eq!(value("b"), Some("2"));
        assert_eq!(value("c"), Some("true"));
        assert_eq!(value("d"), Some("x=y"));
        assert_eq!(value("e"), None);
        let etcd = parse(&["etcd", "-cert-file=/c", "--key-file", "/k"], true);
        assert_eq!(etcd.get("cert-file").map(|f| f.value.as_str()), Some("/c"));
        assert_eq!(etcd.get("key-file").map(|f| f.value.as_str()), Some("/k"));
        assert_eq!(map_item("A=true, B=false", "B"), Some("false"));
        assert_eq!(
            list_items("Node, RBAC,").collect::<Vec<_>>(),
            ["Node", "RBAC"]
        );
    }
}
