//! Helm charts and Kustomize directories among the inputs, rendered by the tools their
//! users already have (`helm template`; `kustomize build` or `kubectl kustomize`), so
//! that what is checked is what would be applied. Templates are never read as YAML.
//!
//! Helm marks each rendered document with the template it came from (`# Source:
//! chart/templates/web.yaml`): the documents of one template become one input named
//! after that template's file in the chart, and positions are lines of that rendered
//! text. A Kustomize build is one input named after its `kustomization.yaml`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The files that make a directory a Kustomize directory, as kustomize looks for them.
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A tool that renders a directory into manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// A Helm chart (`Chart.yaml`).
    Helm,
    /// A Kustomize directory (`kustomization.yaml`).
    Kustomize,
}

impl Renderer {
    /// What renders `dir`, from the files it holds (a chart, when it is both).
    pub fn of_dir(dir: &Path) -> Option<Self> {
        if dir.join("Chart.yaml").is_file() {
            Some(Self::Helm)
        } else if kustomization_file(dir).is_some() {
            Some(Self::Kustomize)
        } else {
            None
        }
    }
}

/// Whether `file` is the file that makes its directory what `renderer` renders
/// (`Chart.yaml`, `kustomization.yaml`).
pub fn is_root_file(file: &Path, renderer: Renderer) -> bool {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match renderer {
        Renderer::Helm => name == "Chart.yaml",
        Renderer::Kustomize => KUSTOMIZATION_FILES.contains(&name),
    }
}

fn kustomization_file(dir: &Path) -> Option<&'static str> {
    KUSTOMIZATION_FILES
        .iter()
        .copied()
        .find(|name| dir.join(name).is_file())
}

/// What the user passes on to the renderers.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `helm template --values FILE`, in order.
    pub values: Vec<PathBuf>,
    /// `helm template --set K=V`, in order.
    pub set: Vec<String>,
    /// The most bytes a rendering may produce (`--max-file-size`).
    pub limit: u64,
}

/// A rendered text, named after the file that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The template (Helm) or the kustomization file (Kustomize), under the directory.
    pub name: String,
    /// The rendered documents.
    pub text: Vec<u8>,
}

/// Renders `dir` with `renderer`. The error is one sentence saying what went wrong and
/// what to do (install the tool, or render by hand and pipe the result).
pub fn render(
    dir: &Path,
    renderer: Renderer,
    options: &RenderOptions,
) -> Result<Vec<Rendered>, String> {
    match renderer {
        Renderer::Helm => {
            let mut args = vec!["template".into(), dir.as_os_str().to_owned()];
            for file in &options.values {
                args.extend(["--values".into(), file.as_os_str().to_owned()]);
            }
            for value in &options.set {
                args.extend(["--set".into(), value.into()]);
            }
            let text = run("helm", &args, options.limit).map_err(|e| {
                e.explain(
                    "a Helm chart",
                    "Helm 3 (https://helm.sh/docs/intro/install/)",
                    &format!("helm template {}", dir.display()),
                )
            })?;
            Ok(split_by_source(dir, &text))
        }
        Renderer::Kustomize => {
            let text = kustomize(dir, options.limit).map_err(|e| {
                e.explain(
                    "a Kustomize directory",
                    "kubectl or kustomize",
                    &format!("kubectl kustomize {}", dir.display()),
                )
            })?;
            let file = kustomization_file(dir).unwrap_or(KUSTOMIZATION_FILES[0]);
            Ok(vec![Rendered {
                name: dir.join(file).display().to_string(),
                text,
            }])
        }
    }
}

/// `kustomize build DIR` when kustomize is installed (it is newer than the copy inside
/// kubectl), else `kubectl kustomize DIR`.
fn kustomize(dir: &Path, limit: u64) -> Result<Vec<u8>, RunError> {
    let dir = dir.as_os_str().to_owned();
    match run("kustomize", &["build".into(), dir.clone()], limit) {
        Err(RunError::Missing) => run("kubectl", &["kustomize".into(), dir], limit),
        other => other,
    }
}

/// Why a renderer produced nothing.
#[derive(Debug)]
enum RunError {
    /// The tool is not on the PATH.
    Missing,
    /// It ran and failed, or could not be run or read.
    Failed(String),
}

impl RunError {
    /// One sentence for a directory holding `what` that `by_hand` renders.
    fn explain(self, what: &str, install: &str, by_hand: &str) -> String {
        match self {
            Self::Missing => format!(
                "{what}: rendering it needs {install} on the PATH; or render it yourself: \
                 {by_hand} | rampart scan -"
            ),
            Self::Failed(why) => format!("{what} that does not render: {why}; try: {by_hand}"),
        }
    }
}

/// Runs `program args`, returning its standard output (at most `limit` bytes).
fn run(program: &str, args: &[std::ffi::OsString], limit: u64) -> Result<Vec<u8>, RunError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RunError::Missing,
            _ => RunError::Failed(format!("{program}: {e}")),
        })?;
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let mut text = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout
            .take(limit.saturating_add(1))
            .read_to_end(&mut text)
            .map_err(|e| RunError::Failed(format!("reading {program}'s output: {e}")))?;
    }
    if text.len() as u64 > limit {
        let _ = child.kill();
        let _ = child.wait();
        return Err(RunError::Failed(format!(
            "{program} wrote more than the limit of {limit} bytes (--max-file-size)"
        )));
    }
    let status = child
        .wait()
        .map_err(|e| RunError::Failed(format!("{program}: {e}")))?;
    let stderr = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    if status.success() {
        Ok(text)
    } else {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        Err(RunError::Failed(format!(
            "{program} {}: {}",
            status,
            last.unwrap_or("no message").trim()
        )))
    }
}

/// Splits `helm template` output into one text per template, in the order the templates
/// first appear; documents of a template that Helm printed apart (it sorts by kind) are
/// joined with `---`. A template named `chart/templates/web.yaml` (or
/// `chart/charts/sub/templates/web.yaml`) is named `DIR/templates/web.yaml`. Documents
/// without a `# Source:` comment are named after the chart directory; documents holding
/// only comments are left out.
fn split_by_source(dir: &Path, text: &[u8]) -> Vec<Rendered> {
    let text = String::from_utf8_lossy(text);
    let mut out: Vec<(String, String)> = Vec::new();
    for document in documents(&text) {
        let content = document
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if !content {
            continue;
        }
        let source = document
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::trim);
        let name = match source.and_then(|s| s.split_once('/')) {
            Some((_chart, inside)) => dir.join(inside).display().to_string(),
            None => dir.display().to_string(),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push_str("---\n");
                joined.push_str(document);
            }
            None => out.push((name, document.to_owned())),
        }
    }
    out.into_iter()
        .map(|(name, text)| Rendered {
            name,
            text: text.into_bytes(),
        })
        .collect()
}

/// The documents of a YAML stream, split at `---` lines, each with its line ends.
fn documents(text: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            documents.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    documents.push(&text[start..]);
    documents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_texts(rendered: &[Rendered]) -> Vec<(String, String)> {
        rendered
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    String::from_utf8_lossy(&r.text).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn helm_output_is_split_per_template() {
        let output = "# generated\n---\n# Source: app/templates/svc.yaml\nkind: Service\n---\n\
                      # Source: app/charts/db/templates/db.yaml\nkind: StatefulSet\n---\n\
                      # Source: app/templates/svc.yaml\nkind: Deployment\n---\nkind: Pod\n";
        let rendered = split_by_source(Path::new("charts/app"), output.as_bytes());
        assert_eq!(
            names_and_texts(&rendered),
            [
                (
                    "charts/app/templates/svc.yaml".to_owned(),
                    "# Source: app/templates/svc.yaml\nkind: Service\n---\n\
                     # Source: app/templates/svc.yaml\nkind: Deployment\n"
                        .to_owned()
                ),
                (
                    "charts/app/charts/db/templates/db.yaml".to_owned(),
                    "# Source: app/charts/db/templates/db.yaml\nkind: StatefulSet\n".to_owned()
                ),
                ("charts/app".to_owned(), "kind: Pod\n".to_owned()),
            ]
        );
    }

    #[test]
    fn documents_split_at_separator_lines_only() {
        assert_eq!(
            documents("a: 1\n---\nb: '---'\n--- \nc: 3"),
            ["a: 1\n", "b: '---'\n", "c: 3"]
        );
    }
}
