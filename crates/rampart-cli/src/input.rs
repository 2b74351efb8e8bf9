//! Finding and reading input files: paths, directories (honouring .gitignore) and stdin.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use anyhow::Result;
use rampart_core::artefact::FileKind;

use crate::render::{RenderOptions, Rendered, Renderer};

/// One input to read: a file on disk, standard input, or what a Helm chart or a
/// Kustomize directory rendered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file, named as the user gave it or as found under a directory.
    File(PathBuf),
    /// Rendered manifests, named after the template or kustomization that produced them.
    Rendered(Arc<Rendered>),
}

impl Input {
    /// What makes two inputs the same: the file itself, however it was named.
    fn identity(&self) -> Option<PathBuf> {
        match self {
            Self::Stdin => None,
            Self::File(path) => Some(canonical(path)),
            Self::Rendered(rendered) => Some(PathBuf::from(&rendered.name)),
        }
    }

    /// The name reports use.
    pub fn display_name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(path) => path.display().to_string(),
            Self::Rendered(rendered) => rendered.name.clone(),
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A path given on the command line that could not be used (it does not exist, a chart
/// that does not render...): an error, not a file read.
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
/// sometimes (`admin.conf`, `kubeadm-flags.env`, `10-kubeadm.conf`, `x.kubeconfig`,
/// `kubelet.service`, kops' static pods `kube-apiserver.manifest`).
const CLUSTER_EXTENSIONS: &[&str] = &["conf", "env", "kubeconfig", "service", "manifest"];
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
    /// Manifests and Dockerfiles (`rampart explain` reads the `USER` of the images the
    /// input builds).
    ManifestsAndDockerfiles,
    /// Everything `rampart scan` reads: manifests, node configuration files and
    /// Dockerfiles.
    Scannable,
    /// Every file (flow logs).
    Everything,
}

impl Walk {
    fn accepts(self, path: &Path) -> bool {
        match self {
            Walk::Manifests => is_manifest(path),
            Walk::ManifestsAndDockerfiles => is_manifest(path) || is_dockerfile(path),
            Walk::Scannable => {
                is_manifest(path) || is_dockerfile(path) || is_cluster_config_file(path)
            }
            Walk::Everything => true,
        }
    }
}

/// Expands command-line paths into inputs: files as given, directories walked
/// recursively (hidden files and .gitignore'd paths skipped) for the files `kind`
/// accepts, sorted per directory. `excluded` filters what a directory walk finds. A Helm
/// chart or a Kustomize directory (given, met on a walk, or named by one of its files:
/// see [`rendering_root`]) is rendered with `render` instead of read. A file named twice,
/// or found again under a directory also given, is read once, where it first appears; so
/// is standard input.
pub fn collect(
    paths: &[PathBuf],
    kind: Walk,
    excluded: &dyn Fn(&Path) -> bool,
    render: &RenderOptions,
) -> (Vec<Input>, Vec<MissingInput>) {
    let mut inputs = Vec::new();
    let mut missing = Vec::new();
    let mut rendered = std::collections::HashSet::new();
    for path in paths {
        let path = if path.as_os_str() == STDIN_OR_CWD {
            Path::new(if stdin_has_data() { "-" } else { "." })
        } else {
            path
        };
        let found = if path.as_os_str() == "-" {
            vec![Found::Stdin]
        } else if path.is_dir() {
            walk(path, kind, excluded, &mut missing)
        } else if path.exists() {
            vec![rendering_root(path).unwrap_or_else(|| Found::File(path.to_path_buf()))]
        } else {
            missing.push(MissingInput {
                name: path.display().to_string(),
                message: "no such file or directory".to_owned(),
            });
            continue;
        };
        for found in found {
            match found {
                Found::Stdin => inputs.push(Input::Stdin),
                Found::File(path) => inputs.push(Input::File(path)),
                // Each directory is rendered once, however often it is named.
                Found::Render(dir, renderer) if rendered.insert(canonical(&dir)) => {
                    match crate::render::render(&dir, renderer, render) {
                        Ok(texts) => {
                            inputs.extend(texts.into_iter().map(|r| Input::Rendered(Arc::new(r))))
                        }
                        Err(message) => missing.push(MissingInput {
                            name: dir.display().to_string(),
                            message,
                        }),
                    }
                }
                Found::Render(..) => {}
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|input| seen.insert(input.identity()));
    let mut seen = std::collections::HashSet::new();
    missing.retain(|m| seen.insert(m.name.clone()));
    (inputs, missing)
}

/// What a path stands for.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    Stdin,
    File(PathBuf),
    /// A directory to render.
    Render(PathBuf, Renderer),
}

impl Found {
    fn path(&self) -> &Path {
        match self {
            Self::Stdin => Path::new("-"),
            Self::File(path) | Self::Render(path, _) => path,
        }
    }
}

/// For a file given on the command line: the directory rendered in its place. A file
/// of a Helm chart (a template, `values.yaml`, `Chart.yaml`) is no manifest until Helm
/// renders it: its chart is rendered (the outermost one, whose values reach its
/// subcharts; `pre-commit` passes the files that changed). A `kustomization.yaml` stands
/// for its directory; the other files of a Kustomize directory are manifests of their own
/// and read as given.
fn rendering_root(file: &Path) -> Option<Found> {
    if let Some(chart) = file
        .ancestors()
        .skip(1)
        .map(or_current)
        .filter(|dir| Renderer::of_dir(dir) == Some(Renderer::Helm))
        .last()
    {
        return Some(Found::Render(chart.to_path_buf(), Renderer::Helm));
    }
    let dir = or_current(file.parent()?);
    (Renderer::of_dir(dir) == Some(Renderer::Kustomize)
        && crate::render::is_root_file(file, Renderer::Kustomize))
    .then(|| Found::Render(dir.to_path_buf(), Renderer::Kustomize))
}

/// A directory as a relative path's parent names it: `""` is the current directory.
fn or_current(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// The PATH commands get when none is given (no real path holds a NUL): standard input
/// when it holds data, else the current directory.
pub const STDIN_OR_CWD: &str = "\0stdin-or-cwd";

/// Whether standard input holds data to read: a pipe or a redirected file (not a
/// terminal, not `/dev/null` as CI runners and `docker run` without `-i` give) that is not
/// empty (test harnesses and some runners give a pipe they close at once). Commands
/// read it when no PATH is given, as `kubectl apply -f -` users expect. Waits for the
/// first bytes, which stay buffered for [`read`].
fn stdin_has_data() -> bool {
    use io::BufRead;
    #[cfg(unix)]
    let readable = {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| File::from(fd).metadata())
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_file())
    };
    #[cfg(not(unix))]
    let readable = false;
    readable && io::stdin().lock().fill_buf().is_ok_and(|b| !b.is_empty())
}

/// The files under `root` that `kind` accepts, and the charts and Kustomize directories
/// (the outermost ones: a chart's subcharts are rendered with it), in path order.
fn walk(
    root: &Path,
    kind: Walk,
    excluded: &dyn Fn(&Path) -> bool,
    problems: &mut Vec<MissingInput>,
) -> Vec<Found> {
    let mut files = Vec::new();
    let mut roots: Vec<(PathBuf, Renderer)> = Vec::new();
    let walker = ignore::WalkBuilder::new(root).require_git(false).build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                if excluded(path) {
                    continue;
                }
                if file_type.is_dir() {
                    if let Some(renderer) = Renderer::of_dir(path) {
                        roots.push((path.to_path_buf(), renderer));
                    }
                } else if file_type.is_file() && kind.accepts(path) {
                    files.push(path.to_path_buf());
                }
            }
            Err(error) => problems.push(MissingInput {
                name: root.display().to_string(),
                message: error.to_string(),
            }),
        }
    }
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    let mut outermost: Vec<(PathBuf, Renderer)> = Vec::new();
    for (dir, renderer) in roots {
        if !outermost.iter().any(|(o, _)| dir.starts_with(o)) {
            outermost.push((dir, renderer));
        }
    }
    files.retain(|file| !outermost.iter().any(|(dir, _)| file.starts_with(dir)));
    let mut found: Vec<Found> = files
        .into_iter()
        .map(Found::File)
        .chain(outermost.into_iter().map(|(dir, r)| Found::Render(dir, r)))
        .collect();
    found.sort_by(|a, b| a.path().cmp(b.path()));
    found
}

/// Whether the configuration's `exclude` globs drop `path`: they match paths relative to
/// the current directory, however the paths were given (see [`exclude_key`]).
pub fn excluded_by(config: &rampart_core::config::Config) -> impl Fn(&Path) -> bool + '_ {
    let cwd = std::env::current_dir().unwrap_or_default();
    move |path| config.is_excluded(&exclude_key(&cwd, path))
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
        Input::Rendered(rendered) => return Ok(rendered.text.clone()),
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
