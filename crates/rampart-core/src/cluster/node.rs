//! One kubelet per node: the files of a scan that configure the same kubelet, put
//! together the way systemd and the kubelet do.
//!
//! Files belong to one node when they sit under one node root: the directory above
//! `etc/`, `var/`, `usr/`, `lib/` or `run/` (scanning `/` or a copy of it such as
//! `node-1/`), or, for files outside such a tree, their directory. A configuration file
//! also belongs to the kubelet whose `--config` names it (resolved under the node root).
//!
//! The kubelet's command line is the last `ExecStart=` of `kubelet.service` and its
//! drop-ins (in file-name order), with `$VARIABLE`s expanded from their `Environment=`
//! lines and the `EnvironmentFile=`s they name (kubeadm-flags.env, /etc/default/kubelet;
//! a file's values override `Environment=`). Without a known `ExecStart=` the variables
//! are taken in order, `KUBELET_EXTRA_ARGS` last (kubeadm's order), and the command line
//! is incomplete: what it leaves out is not judged.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::command_line::{CommandLine, Location};
use crate::field_path::FieldPath;

/// A kubelet input of a run, as the run phase keeps it.
#[derive(Debug, Clone, Copy)]
pub struct NodeFile<'a> {
    /// The caller's index for the object (findings point at it).
    pub object: usize,
    /// The file's name as given on the command line.
    pub file: &'a str,
    /// What it is.
    pub kind: NodeFileKind,
    /// The document (a `KubeletFlags` document or a `KubeletConfiguration`).
    pub value: &'a Value,
}

/// The kinds of [`NodeFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeFileKind {
    /// A flags file (see [`super::kubelet_flags_document`]).
    Flags,
    /// A `KubeletConfiguration`.
    Config,
}

/// What is known of one kubelet's configuration.
#[derive(Debug, Clone, Default)]
pub struct Kubelet {
    /// The effective command line, in order (a later flag wins; list flags accumulate).
    pub line: CommandLine,
    /// The whole command line is known (a unit's `ExecStart=`, or a pod's command), so
    /// absent flags take the kubelet's flag defaults when no configuration file is read.
    pub complete: bool,
    /// `--config` names a file that is not part of the scan: what the flags leave out
    /// is that file's business, and unknown.
    pub config_unknown: bool,
    /// The configuration files read, lowest first: the `--config` file, then the
    /// `--config-dir` drop-ins in file-name order (a later one wins field by field).
    pub configs: Vec<usize>,
}

impl Kubelet {
    /// A kubelet whose whole command line is `line` (a container's command): a
    /// `--config` there names a file inside the container, which is unknown.
    pub fn of_command_line(line: CommandLine) -> Self {
        let config_unknown = line.get("config").is_some();
        Self {
            line,
            complete: true,
            config_unknown,
            configs: Vec::new(),
        }
    }
}

/// A normalised file path: absolute or not, and its components (`.` and `..` applied).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct FsPath {
    absolute: bool,
    parts: Vec<String>,
}

impl FsPath {
    fn of(path: &str) -> Self {
        let mut parts: Vec<String> = Vec::new();
        for part in path.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                part => parts.push(part.to_owned()),
            }
        }
        Self {
            absolute: path.starts_with(['/', '\\']),
            parts,
        }
    }

    /// `self` joined with `path` (absolute or not: a kubelet's paths start at its root).
    fn join(&self, path: &str) -> Self {
        let mut joined = self.clone();
        joined.parts.extend(Self::of(path).parts);
        joined
    }

    fn file_name(&self) -> &str {
        self.parts.last().map_or("", String::as_str)
    }

    fn parent(&self) -> Self {
        let mut parent = self.clone();
        parent.parts.pop();
        parent
    }

    /// The node root of a file: the directory above its top-level system directory, or
    /// its own directory outside such a tree.
    fn node_root(&self) -> Self {
        const TOP: &[&str] = &["etc", "var", "usr", "lib", "run"];
        const NESTING: &[&str] = &["var", "usr", "local"];
        let dirs = &self.parts[..self.parts.len().saturating_sub(1)];
        let top = (0..dirs.len()).rev().find(|&i| {
            TOP.contains(&dirs[i].as_str()) && (i == 0 || !NESTING.contains(&dirs[i - 1].as_str()))
        });
        match top {
            Some(i) => Self {
                absolute: self.absolute,
                parts: self.parts[..i].to_vec(),
            },
            None => self.parent(),
        }
    }
}

/// Every kubelet the files describe: one per node root with flags (one per candidate
/// configuration file when several could be its own), then one per configuration file
/// no flags claim, judged alone.
pub fn kubelets(files: &[NodeFile<'_>]) -> Vec<Kubelet> {
    let paths: Vec<FsPath> = files.iter().map(|f| FsPath::of(f.file)).collect();
    let mut nodes: BTreeMap<FsPath, Vec<usize>> = BTreeMap::new();
    // Configuration files by path, by directory and by node root.
    let mut by_path: HashMap<&FsPath, usize> = HashMap::new();
    let mut by_dir: HashMap<FsPath, Vec<usize>> = HashMap::new();
    let mut by_root: HashMap<FsPath, Vec<usize>> = HashMap::new();
    let mut configs = Vec::new();
    for (i, file) in files.iter().enumerate() {
        match file.kind {
            NodeFileKind::Flags => nodes.entry(paths[i].node_root()).or_default().push(i),
            NodeFileKind::Config => {
                configs.push(i);
                by_path.entry(&paths[i]).or_insert(i);
                by_dir.entry(paths[i].parent()).or_default().push(i);
                by_root.entry(paths[i].node_root()).or_default().push(i);
            }
        }
    }
    let mut claimed = vec![false; files.len()];
    let mut found = Vec::new();
    for (root, members) in &nodes {
        let (line, complete) = command_line(files, &paths, root, members);
        let mut kubelet = Kubelet {
            line,
            complete,
            ..Kubelet::default()
        };
        if let Some(dir) = kubelet.line.get("config-dir").map(|f| root.join(&f.value)) {
            let mut drop_ins: Vec<usize> = by_dir
                .get(&dir)
                .into_iter()
                .flatten()
                .copied()
                .filter(|c| paths[*c].file_name().ends_with(".conf"))
                .collect();
            drop_ins.sort_by(|a, b| paths[*a].file_name().cmp(paths[*b].file_name()));
            kubelet.configs = drop_ins;
        }
        let named = kubelet.line.get("config").map(|f| root.join(&f.value));
        let candidates: Vec<usize> = match &named {
            Some(target) => by_path.get(target).copied().into_iter().collect(),
            // With the whole command line known and no --config, the kubelet reads no
            // file; otherwise the node's configuration files may be its own.
            None if complete => Vec::new(),
            None => by_root.get(root).cloned().unwrap_or_default(),
        };
        kubelet.config_unknown = named.is_some() && candidates.is_empty();
        for c in kubelet.configs.iter().chain(&candidates) {
            claimed[*c] = true;
        }
        if candidates.is_empty() {
            found.push(kubelet);
        } else {
            for config in candidates {
                let mut with_config = kubelet.clone();
                with_config.configs.insert(0, config);
                found.push(with_config);
            }
        }
    }
    for config in configs.into_iter().filter(|c| !claimed[*c]) {
        found.push(Kubelet {
            configs: vec![config],
            ..Kubelet::default()
        });
    }
    for kubelet in &mut found {
        for config in &mut kubelet.configs {
            *config = files[*config].object;
        }
    }
    found
}

/// A variable's words: (file, indices into that file's `args`).
type Words = (usize, Vec<usize>);

/// The command line of one node's flags files, and whether it is complete.
fn command_line(
    files: &[NodeFile<'_>],
    paths: &[FsPath],
    root: &FsPath,
    members: &[usize],
) -> (CommandLine, bool) {
    let is_unit = |i: &usize| files[*i].value["unit"] == true;
    let mut units: Vec<usize> = members.iter().copied().filter(is_unit).collect();
    // The unit first, then its drop-ins (`*.service.d/*.conf`) by file name.
    units.sort_by_key(|i| {
        let drop_in = paths[*i].parent().file_name().ends_with(".d");
        (drop_in, paths[*i].file_name().to_owned(), paths[*i].clone())
    });
    let mut env = Environment::default();
    let mut exec: Option<usize> = None;
    let mut env_files: Vec<FsPath> = Vec::new();
    for &unit in &units {
        read_variables(files, unit, &mut env);
        let value = files[unit].value;
        if value.get("execStart").is_some() {
            exec = Some(unit);
        }
        env_files.extend(
            value["environmentFiles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|p| root.join(p.trim_start_matches('-'))),
        );
    }
    let exec = exec.filter(|unit| files[*unit].value["execStart"]["kubelet"] == true);
    let plain: Vec<usize> = members.iter().copied().filter(|i| !is_unit(i)).collect();
    if exec.is_some() {
        // systemd reads the environment files the units name, in order.
        let by_path: HashMap<&FsPath, usize> =
            plain.iter().rev().map(|i| (&paths[*i], *i)).collect();
        for path in &env_files {
            if let Some(file) = by_path.get(path) {
                read_variables(files, *file, &mut env);
            }
        }
    } else {
        for &file in &plain {
            read_variables(files, file, &mut env);
        }
    }
    let mut words: Vec<(usize, usize)> = Vec::new();
    let anchor = match exec {
        Some(unit) => {
            for word in files[unit].value["execStart"]["words"]
                .as_array()
                .into_iter()
                .flatten()
            {
                match word {
                    Value::String(reference) => {
                        let name = reference
                            .trim_start_matches('$')
                            .trim_start_matches('{')
                            .trim_end_matches('}');
                        if let Some((file, indices)) = env.get(name) {
                            words.extend(indices.iter().map(|i| (*file, *i)));
                        }
                    }
                    index => {
                        if let Some(i) = index.as_u64().and_then(|i| usize::try_from(i).ok()) {
                            words.push((unit, i));
                        }
                    }
                }
            }
            Location::new(files[unit].object, FieldPath::fields(&["execStart"]))
        }
        None => {
            for (file, indices) in env.in_kubeadm_order() {
                words.extend(indices.iter().map(|i| (*file, *i)));
            }
            let first = members.first().map_or(0, |i| files[*i].object);
            Location::new(first, FieldPath::root())
        }
    };
    let located = words.into_iter().filter_map(|(file, i)| {
        let word = files[file].value["args"][i].as_str()?;
        Some((
            word,
            Location::new(files[file].object, FieldPath::fields(&["args"]).index(i)),
        ))
    });
    (CommandLine::parse(located, false, anchor), exec.is_some())
}

/// The variables of a kubelet's environment, in the order they were first set.
#[derive(Default)]
struct Environment {
    /// Name and words; a later assignment replaces an earlier one but keeps its place.
    variables: Vec<(String, Words)>,
    index: HashMap<String, usize>,
}

impl Environment {
    fn set(&mut self, name: &str, words: Words) {
        match self.index.get(name) {
            Some(at) => self.variables[*at].1 = words,
            None => {
                self.index.insert(name.to_owned(), self.variables.len());
                self.variables.push((name.to_owned(), words));
            }
        }
    }

    fn get(&self, name: &str) -> Option<&Words> {
        self.index.get(name).map(|at| &self.variables[*at].1)
    }

    /// The values in order, `KUBELET_EXTRA_ARGS` last (kubeadm's `ExecStart=` order).
    fn in_kubeadm_order(&self) -> impl Iterator<Item = &Words> {
        let extra = |name: &str| name == "KUBELET_EXTRA_ARGS";
        let others = self.variables.iter().filter(move |(n, _)| !extra(n));
        let last = self.variables.iter().filter(move |(n, _)| extra(n));
        others.chain(last).map(|(_, words)| words)
    }
}

/// Adds the variables of `file` to `env`.
fn read_variables(files: &[NodeFile<'_>], file: usize, env: &mut Environment) {
    for variable in files[file].value["variables"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(name) = variable["name"].as_str() else {
            continue;
        };
        let indices = variable["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i.as_u64().and_then(|i| usize::try_from(i).ok()))
            .collect();
        env.set(name, (file, indices));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{FlagWord, kubelet_flags_document};

    fn values<'l>(line: &'l CommandLine, flag: &str) -> Vec<&'l FlagWord> {
        line.flags.iter().filter(|f| f.name == flag).collect()
    }

    struct Files(Vec<(String, NodeFileKind, Value)>);

    impl Files {
        fn new(files: &[(&str, &str)]) -> Self {
            Self(
                files
                    .iter()
                    .map(|(name, text)| match kubelet_flags_document(text) {
                        Some(doc) => ((*name).to_owned(), NodeFileKind::Flags, doc.value),
                        None => (
                            (*name).to_owned(),
                            NodeFileKind::Config,
                            serde_json::json!({"kind": "KubeletConfiguration"}),
                        ),
                    })
                    .collect(),
            )
        }

        fn kubelets(&self) -> Vec<Kubelet> {
            let files: Vec<NodeFile<'_>> = self
                .0
                .iter()
                .enumerate()
                .map(|(object, (file, kind, value))| NodeFile {
                    object,
                    file,
                    kind: *kind,
                    value,
                })
                .collect();
            kubelets(&files)
        }
    }

    const DROP_IN: &str = "[Service]\n\
        Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n\
        EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
        EnvironmentFile=-/etc/default/kubelet\n\
        ExecStart=\n\
        ExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";

    #[test]
    fn a_kubeadm_node_in_a_copy() {
        let files = Files::new(&[
            (
                "node-1/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                DROP_IN,
            ),
            (
                "node-1/var/lib/kubelet/kubeadm-flags.env",
                "KUBELET_KUBEADM_ARGS=\"--read-only-port=10255 --anonymous-auth=true\"\n",
            ),
            (
                "node-1/etc/default/kubelet",
                "KUBELET_EXTRA_ARGS=--anonymous-auth=false\n",
            ),
            ("node-1/var/lib/kubelet/config.yaml", "apiVersion: x"),
            ("node-2/var/lib/kubelet/config.yaml", "apiVersion: x"),
        ]);
        let kubelets = files.kubelets();
        assert_eq!(kubelets.len(), 2, "{kubelets:?}");
        let node_1 = &kubelets[0];
        assert!(node_1.complete);
        assert_eq!(node_1.configs, [3]);
        assert!(!node_1.config_unknown);
        // KUBELET_EXTRA_ARGS comes last on the ExecStart line: it wins.
        let anonymous = values(&node_1.line, "anonymous-auth");
        assert_eq!(anonymous.len(), 2);
        let last = node_1.line.get("anonymous-auth").expect("set");
        assert_eq!((last.value.as_str(), last.at.object), ("false", 2));
        // The other node's file is judged alone.
        assert_eq!(kubelets[1].configs, [4]);
        assert!(kubelets[1].line.flags.is_empty());
    }

    #[test]
    fn a_config_file_named_but_not_scanned_is_unknown() {
        let files = Files::new(&[(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROP_IN,
        )]);
        let kubelets = files.kubelets();
        assert_eq!(kubelets.len(), 1);
        assert!(kubelets[0].complete && kubelets[0].config_unknown);
    }

    #[test]
    fn a_flags_only_kubelet_and_env_files_the_unit_does_not_name() {
        let files = Files::new(&[
            (
                "/lib/systemd/system/kubelet.service",
                "[Service]\nExecStart=/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf\n",
            ),
            (
                "/etc/default/kubelet",
                "KUBELET_EXTRA_ARGS=--anonymous-auth=false\n",
            ),
            ("/var/lib/kubelet/config.yaml", "apiVersion: x"),
        ]);
        let kubelets = files.kubelets();
        assert_eq!(kubelets.len(), 2, "{kubelets:?}");
        assert!(kubelets[0].complete && kubelets[0].configs.is_empty());
        assert!(kubelets[0].line.get("anonymous-auth").is_none());
        assert_eq!(kubelets[1].configs, [2]);
    }

    #[test]
    fn config_dir_drop_ins_follow_the_main_file_in_name_order() {
        let files = Files::new(&[
            (
                "/usr/lib/systemd/system/kubelet.service",
                "[Service]\nExecStart=/usr/bin/kubelet --config=/etc/kubernetes/kubelet.yaml --config-dir=/etc/kubernetes/kubelet.conf.d\n",
            ),
            ("/etc/kubernetes/kubelet.conf.d/20-b.conf", "x: 1"),
            ("/etc/kubernetes/kubelet.conf.d/10-a.conf", "x: 1"),
            ("/etc/kubernetes/kubelet.yaml", "x: 1"),
        ]);
        let kubelets = files.kubelets();
        assert_eq!(kubelets.len(), 1, "{kubelets:?}");
        assert_eq!(kubelets[0].configs, [3, 2, 1]);
    }

    #[test]
    fn node_roots() {
        let root = |p: &str| FsPath::of(p).node_root();
        assert_eq!(root("/var/lib/kubelet/config.yaml"), FsPath::of("/"));
        assert_eq!(
            root("/usr/local/lib/systemd/system/kubelet.service"),
            FsPath::of("/")
        );
        assert_eq!(
            root("backup/var/node-1/etc/default/kubelet"),
            FsPath::of("backup/var/node-1")
        );
        assert_eq!(root("./a/./b/../c/kubelet.env"), FsPath::of("a/c"));
        assert_eq!(
            root("C:\\nodes\\n1\\etc\\default\\kubelet"),
            FsPath::of("C:/nodes/n1")
        );
    }
}
