//! A component's command line: `--flag=value`, `--flag value` and bare `--flag`
//! (meaning `true`), each flag with where it was written, read from a container (see
//! [`Launch`](super::Launch)) or put together from a node's files (see [`super::node`]).

use crate::field_path::FieldPath;
use crate::object::ContainerView;

use super::Launch;

/// Where a value was written: an object (the caller's index; 0 inside one object) and
/// a field path in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The object (in the run phase, an index into the run's objects).
    pub object: usize,
    /// The field, from the object's root.
    pub path: FieldPath,
}

impl Location {
    /// A location in object `object`.
    pub fn new(object: usize, path: FieldPath) -> Self {
        Self { object, path }
    }
}

/// One flag occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagWord {
    /// The flag's name without dashes, e.g. `anonymous-auth`.
    pub name: String,
    /// Its value (`true` for a bare flag).
    pub value: String,
    /// The word that names the flag, e.g. `spec.containers[0].command[3]`.
    pub at: Location,
}

/// The flags of one command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// Every flag, in command-line order.
    pub flags: Vec<FlagWord>,
    /// Where to point when a flag is absent: the container's `command` (or `args`, or
    /// the container), or the unit's `ExecStart=`.
    pub anchor: Location,
}

/// A flag's occurrences and the value they give together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagValue<'l> {
    /// The value: the last occurrence's, or every occurrence's joined with commas for a
    /// list flag.
    pub value: String,
    /// The occurrences that make it up (one for a scalar flag), in order.
    pub words: Vec<&'l FlagWord>,
}

impl CommandLine {
    /// The command line of a component started by a container: the words after the
    /// component's program, then (etcd) its `ETCD_*` environment variables, which the
    /// flags override.
    pub fn of_launch(launch: &Launch<'_>, container: &ContainerView<'_>) -> Self {
        let single_dash = launch.component.accepts_single_dash();
        let words = launch
            .words
            .iter()
            .map(|(word, path)| (word.as_ref(), Location::new(0, path.clone())));
        let mut line = Self::parse(words, single_dash, Location::new(0, launch.anchor.clone()));
        if single_dash {
            line.prepend_environment(container);
        }
        line
    }

    /// The command line of a kubelet flags document on its own: every word of its
    /// `args` (see [`kubelet_flags_document`](super::kubelet_flags_document)).
    pub fn of_flags_document(document: &serde_json::Value) -> Self {
        let base = FieldPath::fields(&["args"]);
        let words = document["args"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, word)| Some((word.as_str()?, Location::new(0, base.index(i)))));
        Self::parse(words, false, Location::new(0, base.clone()))
    }

    /// Parses words with their locations.
    pub fn parse<'w>(
        words: impl IntoIterator<Item = (&'w str, Location)>,
        single_dash: bool,
        anchor: Location,
    ) -> Self {
        let mut flags = Vec::new();
        let mut words = words.into_iter().peekable();
        while let Some((word, at)) = words.next() {
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
                at,
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
                at: Location::new(0, container.path.child("env").index(i).child("value")),
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

    /// The value of `--name` as the binary sees it: for a list flag (`list`: pflag's
    /// string slices, feature-gate maps), every occurrence joined in order, since each
    /// one appends; otherwise the last occurrence's.
    pub fn value(&self, name: &str, list: bool) -> Option<FlagValue<'_>> {
        if !list {
            let word = self.get(name)?;
            return Some(FlagValue {
                value: word.value.clone(),
                words: vec![word],
            });
        }
        let words: Vec<&FlagWord> = self.flags.iter().filter(|f| f.name == name).collect();
        let value = words
            .iter()
            .map(|w| w.value.as_str())
            .collect::<Vec<_>>()
            .join(",");
        (!words.is_empty()).then_some(FlagValue { value, words })
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

/// The value of `name` in a `Name=bool,Name=bool` feature-gate (or runtime-config) list:
/// the last entry for it wins, as the binaries read such lists.
pub fn map_item<'v>(value: &'v str, name: &str) -> Option<&'v str> {
    list_items(value)
        .filter_map(|item| {
            let (key, v) = item.split_once('=')?;
            (key.trim() == name).then(|| v.trim())
        })
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str], single_dash: bool) -> CommandLine {
        let base = FieldPath::fields(&["command"]);
        CommandLine::parse(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (*w, Location::new(0, base.index(i)))),
            single_dash,
            Location::new(0, base.clone()),
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
            line.get("a").map(|f| f.at.path.to_string()).as_deref(),
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
        assert_eq!(map_item("B=true,A=true,B=false", "B"), Some("false"));
        assert_eq!(
            list_items("Node, RBAC,").collect::<Vec<_>>(),
            ["Node", "RBAC"]
        );
    }

    #[test]
    fn list_flags_accumulate_and_scalars_take_the_last() {
        let line = parse(
            &[
                "kube-apiserver",
                "--authorization-mode=Node,RBAC",
                "--authorization-mode",
                "AlwaysAllow",
                "--profiling=false",
                "--profiling=true",
            ],
            false,
        );
        let modes = line.value("authorization-mode", true).expect("set");
        assert_eq!(modes.value, "Node,RBAC,AlwaysAllow");
        assert_eq!(modes.words.len(), 2);
        let scalar = line.value("authorization-mode", false).expect("set");
        assert_eq!(scalar.value, "AlwaysAllow");
        assert_eq!(line.value("profiling", false).expect("set").value, "true");
        assert!(line.value("absent", true).is_none());
    }
}
