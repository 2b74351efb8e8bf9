//! The scan pipeline for one file: bytes -> documents -> objects -> findings with
//! positions. Pure: the caller reads the file and prints the report.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::artefact::{DocumentKind, FileKind};
use crate::cluster::{Component, kubelet_flags_document, may_be_flags_file, started_components};
use crate::config::Config;
use crate::docker::{
    ContainerSpec, DaemonConfig, DockerfileView, EngineDaemon, ImageSpec, compose_services,
    inspect_containers, inspect_images, parse_dockerfile,
};
use crate::field_path::FieldPath;
use crate::finding::{Finding, Severity};
use crate::object::{NotAnObject, Object, ObjectRef, PodView, WorkloadKinds, objects};
use crate::pss::LevelVersion;
use crate::rules::{
    CheckContext, Checks, Collected, Findings, RunCache, RunContext, RunFindings, collects,
    dockerfile_collected, registry, run_registry,
};
use crate::source::{Document, InputError, Limits, Pos, PosNode, decode, read_documents};

/// Annotation listing rules to ignore for an object: `"rule-a,rule-b"`, optionally
/// followed by `=reason`.
pub const IGNORE_ANNOTATION: &str = "rampart.dev/ignore";

/// Everything a scan needs besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Parser limits.
    pub limits: Limits,
    /// Kinds that hold pods.
    pub workloads: WorkloadKinds,
    /// Rule selection and severity overrides.
    pub config: Config,
    /// Pod Security Standards policy for the `pod-security` rule (`scan --pss`).
    pub pss: Option<LevelVersion>,
}

impl ScanOptions {
    /// Options from a configuration (its custom workload kinds included).
    pub fn from_config(config: Config) -> Self {
        let mut workloads = WorkloadKinds::default();
        workloads.extend(&config.workloads);
        Self {
            limits: Limits::default(),
            workloads,
            config,
            pss: None,
        }
    }
}

/// A finding with the object it is about and where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocatedFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The object it is about, shared by all the findings about it.
    #[serde(flatten)]
    pub object: Arc<ObjectRef>,
    /// 0-based index of the document in the file.
    pub document: usize,
    /// Position of the offending field (or of its nearest existing ancestor) in the
    /// file's text; `None` for a live object (a container read from the Docker Engine, a
    /// host file's owner and mode), which has no text: its report names it by a URI or a
    /// path, and `path` alone locates the field.
    #[serde(flatten)]
    pub pos: Option<Pos>,
}

/// The outcome of scanning one file.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Findings, in document order then position order.
    pub findings: Vec<LocatedFinding>,
    /// Input problems: unreadable documents, wrong types, malformed objects.
    pub errors: Vec<InputError>,
    /// Findings silenced by an ignore annotation.
    pub suppressed: usize,
    /// Documents read.
    pub documents: usize,
    /// Kubernetes objects checked.
    pub objects: usize,
    /// Objects kept for the run rules (see [`run_checks`]).
    pub collected: Vec<Collected>,
}

/// Scans one file's bytes, telling Kubernetes manifests, Compose files, `docker
/// inspect` output and daemon configurations apart by content (see [`scan_file`] to
/// use the file name too, which Dockerfiles need).
pub fn scan_bytes(bytes: &[u8], options: &ScanOptions) -> FileScan {
    scan_file("", bytes, options)
}

/// Scans one file named `name` (a path or a bare file name; only the last component
/// is used): a Dockerfile by its name, any other file by the content of each document
/// (see [`crate::artefact`]).
pub fn scan_file(name: &str, bytes: &[u8], options: &ScanOptions) -> FileScan {
    let mut scan = scan_file_contents(name, bytes, options);
    let file_name: Arc<str> = Arc::from(name);
    for collected in &mut scan.collected {
        collected.file_name = Arc::clone(&file_name);
    }
    scan
}

fn scan_file_contents(name: &str, bytes: &[u8], options: &ScanOptions) -> FileScan {
    let kind = FileKind::of(name, bytes);
    if kind == FileKind::Dockerfile {
        return scan_dockerfile(name, bytes, options);
    }
    let flags = may_be_flags_file(bytes)
        .then(|| {
            std::str::from_utf8(bytes)
                .ok()
                .and_then(kubelet_flags_document)
        })
        .flatten();
    if let Some(flags) = flags {
        let mut scan = FileScan {
            documents: 1,
            ..FileScan::default()
        };
        scan_document(&flags, options, &mut scan);
        return scan;
    }
    let mut scan = FileScan::default();
    // One document at a time: a large file's trees are never all held at once.
    for read in read_documents(bytes, &options.limits) {
        match read {
            Ok(document) => {
                scan.documents += 1;
                scan_any_document(kind, &document, options, &mut scan);
            }
            Err(error) => scan.errors.push(error),
        }
    }
    scan.errors.sort_by_key(|e| e.pos);
    scan
}

/// Checks one document of a file of `kind`, as what its content shows it to be.
fn scan_any_document(
    kind: FileKind,
    document: &Document,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    match DocumentKind::of(kind, &document.value) {
        DocumentKind::Kubernetes => scan_document(document, options, scan),
        DocumentKind::Compose => {
            let services = compose_services(&document.value);
            scan_containers(document, &services, "ComposeService", options, scan);
        }
        DocumentKind::Inspect => {
            let containers = inspect_containers(&document.value);
            scan_containers(document, &containers, "Container", options, scan);
        }
        DocumentKind::Image => {
            for image in inspect_images(&document.value) {
                let target = Target {
                    object: Arc::new(docker_object("Image", Some(image.name.clone()))),
                    document: document.index,
                    positions: Some(&document.positions),
                    ignores: Ignores::of_labels(&image.labels),
                };
                check_image(&image, &target, options, scan);
            }
        }
        DocumentKind::DaemonConfig => scan_daemon(document, options, scan),
        DocumentKind::EngineDaemon => {
            let daemon = EngineDaemon::read(&document.value);
            let target = Target {
                object: Arc::new(daemon_object(&document.value)),
                document: document.index,
                positions: Some(&document.positions),
                ignores: Ignores::default(),
            };
            check_daemon(&DaemonConfig::engine(&daemon), &target, options, scan);
        }
    }
}

/// A running daemon's identity in reports: kind `Daemon`, named after its host
/// (`Info.Name`).
pub(crate) fn daemon_object(document: &serde_json::Value) -> ObjectRef {
    let name = document["Info"]["Name"].as_str().map(str::to_owned);
    docker_object("Daemon", name)
}

/// Runs the daemon rules on one configuration and emits the findings to `target`.
pub(crate) fn check_daemon(
    config: &DaemonConfig<'_>,
    target: &Target<'_>,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    target.judge(options, scan, |checks, out| {
        if let Some(check) = checks.daemon {
            check(config, out);
        }
    });
}

/// Runs the image rules on one image and emits the findings to `target`.
pub(crate) fn check_image(
    image: &ImageSpec,
    target: &Target<'_>,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    target.judge(options, scan, |checks, out| {
        if let Some(check) = checks.image {
            check(image, out);
        }
    });
}

/// Runs every enabled rule through `check` (which picks the rule's check for the
/// artefact at hand), with severity overrides applied.
pub(crate) fn run_rules(
    options: &ScanOptions,
    mut check: impl FnMut(&Checks, &mut Findings),
) -> Vec<Finding> {
    let mut all = Vec::new();
    for rule in registry()
        .iter()
        .filter(|r| options.config.is_enabled(r.meta.id))
    {
        let mut findings = Findings::new(rule.meta);
        check(&rule.checks, &mut findings);
        for mut finding in findings.into_vec() {
            finding.severity = options.config.severity_of(rule.meta.id, finding.severity);
            all.push(finding);
        }
    }
    all
}

/// Where the findings of a Docker artefact go: paths are from the document's root.
pub(crate) struct Target<'a> {
    pub(crate) object: Arc<ObjectRef>,
    pub(crate) document: usize,
    /// The document's positions; `None` for a live object, which has no text.
    pub(crate) positions: Option<&'a PosNode>,
    pub(crate) ignores: Ignores,
}

impl Target<'_> {
    /// Counts one object, runs the rules through `check` (which picks the rule's check
    /// for the artefact at hand) and emits their findings.
    pub(crate) fn judge(
        &self,
        options: &ScanOptions,
        scan: &mut FileScan,
        check: impl FnMut(&Checks, &mut Findings),
    ) {
        scan.objects += 1;
        let findings = run_rules(options, check);
        self.emit(findings, scan);
    }

    pub(crate) fn emit(&self, findings: Vec<Finding>, scan: &mut FileScan) {
        for finding in findings {
            if self.ignores.silences(&finding) {
                scan.suppressed += 1;
                continue;
            }
            scan.findings.push(LocatedFinding {
                pos: self.positions.map(|p| p.locate(&finding.path).pos),
                finding,
                object: Arc::clone(&self.object),
                document: self.document,
            });
        }
    }
}

/// A Docker artefact's identity in reports: `kind` and `name`, no API version.
pub(crate) fn docker_object(kind: &str, name: Option<String>) -> ObjectRef {
    ObjectRef {
        kind: kind.to_owned(),
        name,
        ..ObjectRef::default()
    }
}

fn scan_containers(
    document: &Document,
    containers: &[ContainerSpec],
    kind: &str,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    // The Compose project (`name:`) plays the part of a namespace.
    let project = document.value["name"].as_str();
    for container in containers {
        let target = Target {
            object: Arc::new(container_object(container, kind, project)),
            document: document.index,
            positions: Some(&document.positions),
            ignores: Ignores::of_labels(&container.labels),
        };
        check_container(container, &target, options, scan);
    }
}

/// A container's identity in reports: `kind` and name, and as its namespace the Compose
/// project (`project`, or the label Compose puts on the containers it runs).
pub(crate) fn container_object(
    container: &ContainerSpec,
    kind: &str,
    project: Option<&str>,
) -> ObjectRef {
    let project = project.map(str::to_owned).or_else(|| {
        container
            .labels
            .iter()
            .find(|(key, _)| key == "com.docker.compose.project")
            .map(|(_, project)| project.clone())
    });
    ObjectRef {
        namespace: project,
        ..docker_object(kind, Some(container.name.clone()))
    }
}

/// Runs the container rules on one container and emits the findings to `target`.
pub(crate) fn check_container(
    container: &ContainerSpec,
    target: &Target<'_>,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    target.judge(options, scan, |checks, out| {
        if let Some(check) = checks.container {
            check(container, out);
        }
    });
}

fn scan_daemon(document: &Document, options: &ScanOptions, scan: &mut FileScan) {
    if !document.value.is_object() {
        scan.errors.push(InputError::new(
            document.positions.pos,
            "a Docker daemon configuration must be a JSON object",
        ));
        return;
    }
    let config = DaemonConfig::file(&document.value);
    let target = Target {
        object: Arc::new(docker_object("DaemonConfig", None)),
        document: document.index,
        positions: Some(&document.positions),
        ignores: Ignores::default(),
    };
    check_daemon(&config, &target, options, scan);
}

fn scan_dockerfile(name: &str, bytes: &[u8], options: &ScanOptions) -> FileScan {
    let mut scan = FileScan::default();
    let parsed = decode(bytes, &options.limits).and_then(parse_dockerfile);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            scan.errors.push(error);
            return scan;
        }
    };
    scan.documents = 1;
    scan.objects = 1;
    let view = DockerfileView::new(&parsed.dockerfile);
    let target = Target {
        object: Arc::new(docker_object("Dockerfile", None)),
        document: 0,
        positions: Some(&parsed.positions),
        ignores: Ignores::of_labels(&view.labels()),
    };
    let findings = run_rules(options, |checks, out| {
        if let Some(check) = checks.dockerfile {
            check(&view, out);
        }
    });
    target.emit(findings, &mut scan);
    let collecting = run_registry()
        .iter()
        .any(|r| options.config.is_enabled(r.meta.id));
    if collecting {
        scan.collected
            .push(dockerfile_collected(name, &view, &parsed.positions));
    }
    scan
}

/// Scans one parsed document into `scan`.
pub fn scan_document(document: &Document, options: &ScanOptions, scan: &mut FileScan) {
    scan_value(
        document.index,
        &document.value,
        Some(&document.positions),
        options,
        scan,
    );
}

/// Scans the objects of one value (a document's, or a live object's), locating findings
/// and errors through `positions` when the value has text; without (a live object),
/// findings have no position and errors are at line 1, column 1.
pub(crate) fn scan_value(
    index: usize,
    value: &serde_json::Value,
    positions: Option<&PosNode>,
    options: &ScanOptions,
    scan: &mut FileScan,
) {
    let locate = |path: &FieldPath| positions.map(|p| p.locate(path).pos);
    let error_at = |path: &FieldPath| locate(path).unwrap_or(Pos::new(1, 1));
    let found = match objects(value) {
        Ok(found) => found,
        Err(NotAnObject::Foreign) => return,
        Err(NotAnObject::Malformed { path, message }) => {
            scan.errors.push(InputError::new(error_at(&path), message));
            return;
        }
    };
    let collecting = run_registry()
        .iter()
        .any(|r| options.config.is_enabled(r.meta.id));
    for object in &found {
        scan.objects += 1;
        if collecting && collects(&object.id, &options.workloads) {
            let subtree = positions.and_then(|p| p.subtree(&object.base));
            let id = object.id.clone();
            // The kubelet rules read the command line of a pod that runs the kubelet.
            let kubelet = started_components(object.value, &object.id, &options.workloads)
                .contains(&Component::Kubelet);
            scan.collected.push(if kubelet {
                Collected::whole(index, id, object.value, subtree)
            } else {
                Collected::new(index, id, object.value, subtree, &options.workloads)
            });
        }
        match check_object(object, options) {
            Ok(findings) => {
                let ignores = Ignores::of(object.value);
                let id = Arc::new(object.id.clone());
                for finding in findings {
                    if ignores.silences(&finding) {
                        scan.suppressed += 1;
                        continue;
                    }
                    scan.findings.push(LocatedFinding {
                        pos: locate(&object.base.join(&finding.path)),
                        finding,
                        object: Arc::clone(&id),
                        document: index,
                    });
                }
            }
            Err((path, message)) => {
                let pos = error_at(&object.base.join(&path));
                scan.errors.push(InputError::new(pos, message));
            }
        }
    }
}

/// Runs every enabled rule on one object. A field of the wrong type is an error with
/// its path (the object is then not checked: its typed view cannot be built).
pub fn check_object(
    object: &Object<'_>,
    options: &ScanOptions,
) -> Result<Vec<Finding>, (FieldPath, String)> {
    crate::rbac::type_check(&object.id, object.value)
        .map_err(|e| (e.path.clone(), format!("{}: {}", e.path, e.message)))?;
    let pod = match options.workloads.template_of(&object.id) {
        Some(location) => PodView::read(object.value, location)
            .map_err(|e| (e.path.clone(), format!("{}: {}", e.path, e.message)))?,
        None => None,
    };
    let ctx = CheckContext {
        object,
        pod: pod.as_ref(),
        pss: options.pss.as_ref(),
    };
    Ok(run_rules(options, |checks, out| {
        if let Some(check) = checks.kubernetes {
            check(&ctx, out);
        }
    }))
}

/// Runs the enabled run rules over the objects collected from every file of a run.
/// Returns each finding with the index of its object in `collected`, suppression and
/// severity overrides applied.
pub fn run_checks(collected: &[Collected], options: &ScanOptions) -> Vec<(usize, Finding)> {
    let cache = RunCache::default();
    let ctx = RunContext {
        objects: collected,
        workloads: &options.workloads,
        cache: &cache,
    };
    let mut all = Vec::new();
    let mut ignores: HashMap<usize, Ignores> = HashMap::new();
    for rule in run_registry()
        .iter()
        .filter(|r| options.config.is_enabled(r.meta.id))
    {
        let mut findings = RunFindings::new(rule.meta);
        (rule.check)(&ctx, &mut findings);
        for (index, mut finding) in findings.into_vec() {
            let Some(object) = collected.get(index) else {
                continue;
            };
            let ignores = ignores
                .entry(index)
                .or_insert_with(|| Ignores::of(&object.value()));
            if ignores.silences(&finding) {
                continue;
            }
            finding.severity = options.config.severity_of(rule.meta.id, finding.severity);
            all.push((index, finding));
        }
    }
    all
}

/// The ignore annotations (or labels) of one object.
#[derive(Debug, Default)]
pub(crate) struct Ignores {
    object: Vec<String>,
    per_container: Vec<(String, Vec<String>)>,
}

fn rule_list(value: &str) -> Vec<String> {
    let rules = value
        .split_once('=')
        .map_or(value, |(rules, _reason)| rules);
    rules
        .split(',')
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect()
}

impl Ignores {
    fn of(object: &serde_json::Value) -> Self {
        let Some(annotations) = object["metadata"]["annotations"].as_object() else {
            return Self::default();
        };
        Self::of_entries(
            annotations
                .iter()
                .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?))),
        )
    }

    /// From labels (`(key, value)` pairs).
    pub(crate) fn of_labels(labels: &[(String, String)]) -> Self {
        Self::of_entries(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// From annotations or labels: `rampart.dev/ignore` for the object,
    /// `rampart.dev/ignore.<container>` for one container.
    fn of_entries<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut ignores = Self::default();
        for (key, value) in entries {
            if key == IGNORE_ANNOTATION {
                ignores.object = rule_list(value);
            } else if let Some(container) = key
                .strip_prefix(IGNORE_ANNOTATION)
                .and_then(|k| k.strip_prefix('.'))
            {
                ignores
                    .per_container
                    .push((container.to_owned(), rule_list(value)));
            }
        }
        ignores
    }

    fn silences(&self, finding: &Finding) -> bool {
        let listed = |rules: &[String]| rules.iter().any(|r| r == finding.rule || r == "all");
        listed(&self.object)
            || finding.container.as_ref().is_some_and(|name| {
                self.per_container
                    .iter()
                    .any(|(c, rules)| c == name && listed(rules))
            })
    }
}

/// Whether any finding is at or above `threshold`.
pub fn fails(findings: &[LocatedFinding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.finding.severity >= threshold)
}
