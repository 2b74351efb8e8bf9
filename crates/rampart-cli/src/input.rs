//! Finding and reading input files: paths, directories (honouring .gitignore) and stdin.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::Result;
use rampart_core::artefact::FileKind;

/// One input to read: a file on disk or standard input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file, named as the user gave it or as found under a directory.
    File(PathBuf),
}

impl Input {
    /// The name reports use.
    pub fn display_name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// A path given on the command line that could not be used.
#[derive(Debug)]
pub struct MissingInput {
    pub name: String,
    pub message: String,
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// YAML and JSON files (Compose files, `docker inspect` output and daemon.json among
/// them).
fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Dockerfiles by name (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`...).
fn is_dockerfile(path: &Path) -> bool {
    FileKind::of_name(&path.to_string_lossy()) == FileKind::Dockerfile
}

/// Extensions of node and control-plane files that hold cluster configuration only
/// sometimes (`admin.conf`, `kubeadm-flags.env`, `10-kubeadm.conf`, `x.kubeconfig`).
const CLUSTER_EXTENSIONS: &[&str] = &["conf", "env", "kubeconfig"];
/// File names of kubelet flag files without an extension (`/etc/default/kubelet`).
const CLUSTER_FILE_NAMES: &[&str] = &["kubelet", "kubeconfig"];
/// The most a directory walk reads to decide whether such a file is cluster configuration.
const SNIFF_LIMIT: u64 = 1 << 20;

/// True for a file a directory walk should scan although it has no manifest extension:
/// its name suggests cluster configuration and its content is (see
/// [`rampart_core::cluster::is_cluster_config`]).
fn is_cluster_config_file(path: &Path) -> bool {
    let by_extension = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CLUSTER_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
    let by_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CLUSTER_FILE_NAMES.contains(&n));
    (by_extension || by_name)
        && read(&Input::File(path.to_path_buf()), SNIFF_LIMIT).is_ok_and(|bytes| {
            rampart_core::cluster::is_cluster_config(&bytes, &Default::default())
        })
}

/// Which files a directory walk picks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Kubernetes manifests only (`.yaml`, `.yml`, `.json`).
    Manifests,
    /// Everything `rampart scan` reads: manifests, node configuration files and
    /// Dockerfiles.
    Scannable,
}

impl Walk {
    fn accepts(self, path: &Path) -> bool {
        match self {
            Walk::Manifests => is_manifest(path),
            Walk::Scannable => {
                is_manifest(path) || is_dockerfile(path) || is_cluster_config_file(path)
            }
        }
    }
}

/// Expands command-line paths into inputs: files as given, directories walked
/// recursively (hidden files and .gitignore'd paths skipped) for the files `kind`
/// accepts, sorted per directory. `excluded` filters what a directory walk finds.
pub fn collect(
    paths: &[PathBuf],
    kind: Walk,
    excluded: &dyn Fn(&Path) -> bool,
) -> (Vec<Input>, Vec<MissingInput>) {
    let mut inputs = Vec::new();
    let mut missing = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            let mut found = walk(path, kind, excluded, &mut missing);
            found.sort();
            inputs.extend(found.into_iter().map(Input::File));
        } else if path.exists() {
            inputs.push(Input::File(path.clone()));
        } else {
            missing.push(MissingInput {
                name: path.display().to_string(),
                message: "no such file or directory".to_owned(),
            });
        }
    }
    (inputs, missing)
}

fn walk(
    root: &Path,
    kind: Walk,
    excluded: &dyn Fn(&Path) -> bool,
    problems: &mut Vec<MissingInput>,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let walker = ignore::WalkBuilder::new(root).require_git(false).build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && !excluded(path) && kind.accepts(path) {
                    found.push(path.to_path_buf());
                }
            }
            Err(error) => problems.push(MissingInput {
                name: root.display().to_string(),
                message: error.to_string(),
            }),
        }
    }
    found
}

/// `path` as the configuration's `exclude` globs see it: relative to `base` (the current
/// directory) and `/`-separated, whether it was given relative or absolute, `./` and
/// `..` resolved; a path outside `base` stays absolute.
pub fn exclude_key(base: &Path, path: &Path) -> String {
    use std::path::Component;
    let mut absolute = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other),
        }
    }
    let shown = absolute.strip_prefix(base).unwrap_or(&absolute);
    let parts: Vec<_> = shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    let joined = parts.join("/");
    if shown.is_absolute() {
        // `RootDir` printed as "/" already starts the path.
        joined.replacen("//", "/", 1)
    } else {
        joined
    }
}

/// Reads an input, refusing more than `limit` bytes without reading them all.
pub fn read(input: &Input, limit: u64) -> io::Result<Vec<u8>> {
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "file is {size} bytes or more, more than the limit of {limit} bytes (--max-file-size)"
            ),
        )
    };
    let mut bytes = Vec::new();
    match input {
        Input::Stdin => {
            io::stdin().lock().take(limit + 1).read_to_end(&mut bytes)?;
        }
        Input::File(path) => {
            let file = File::open(path)?;
            let size = file.metadata()?.len();
            if size > limit {
                return Err(too_large(size));
            }
            file.take(limit + 1).read_to_end(&mut bytes)?;
        }
    }
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads every input in parallel and maps its bytes (or read error) with `f`; results
/// come back in input order whatever the parallelism, and each file's bytes are dropped
/// as soon as it is processed, so memory does not grow with the number of files.
pub fn map_inputs<T: Send>(
    inputs: &[Input],
    limit: u64,
    f: impl Fn(String, io::Result<Vec<u8>>) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    inputs
        .par_iter()
        .map(|input| f(input.display_name(), read(input, limit)))
        .collect()
}

/// Reads the configuration file's text, if any.
pub fn read_config(explicit: Option<&Path>) -> Result<Option<(String, String)>> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from(".rampart.yaml");
            if !default.exists() {
                return Ok(None);
            }
            default
        }
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(Some((path.display().to_string(), text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_keys_are_the_same_for_relative_and_absolute_paths() {
        let base = Path::new("/work/repo");
        for given in [
            "vendor/a.yaml",
            "./vendor/a.yaml",
            "/work/repo/vendor/a.yaml",
            "/work/repo/./x/../vendor/a.yaml",
        ] {
            assert_eq!(
                exclude_key(base, Path::new(given)),
                "vendor/a.yaml",
                "{given}"
            );
        }
        assert_eq!(
            exclude_key(base, Path::new("../other/b.yaml")),
            "/work/other/b.yaml"
        );
        assert_eq!(exclude_key(base, Path::new("/etc/c.yaml")), "/etc/c.yaml");
    }
}
