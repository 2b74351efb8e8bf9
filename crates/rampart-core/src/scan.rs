//! The scan pipeline for one file: bytes -> documents -> objects -> findings with
//! positions. Pure: the caller reads the file and prints the report.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::artefact::{DocumentKind, FileKind};
use crate::baseline::stable_path;
use crate::cluster::{Component, kubelet_flags_document, may_be_flags_file, started_components};
use crate::config::Config;
use crate::docker::{
    ContainerSpec, DaemonConfig, DockerfileView, EngineDaemon, ImageSpec, compose_services,
    inspect_containers, inspect_images, parse_dockerfile,
};
use crate::field_path::FieldPath;
use crate::finding::{Finding, Severity};
use crate::netpol::Severity as PolicySeverity;
use crate::object::{
    NotAnObject, Object, ObjectRef, PodView, TemplatePod, WorkloadKinds, objects, typed_at,
    validate,
};
use crate::pss::LevelVersion;
use crate::rules::{
    self, CheckContext, Checks, Collected, Findings, Rule, RunCache, RunContext, RunFindings,
    collects, dockerfile_collected, registry, run_registry,
};
use crate::source::{Document, InputError, Limits, Pos, PosNode, decode, read_documents};
use k8s_openapi::api::networking::v1::NetworkPolicy;

/// Annotation listing rules to ignore for an object: `"rule-a,rule-b"`, optionally
/// followed by `=reason`.
pub(crate) const IGNORE_ANNOTATION: &str = "rampart.dev/ignore";

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
    /// The field path with named list elements named ([`crate::baseline::stable_path`]):
    /// part of the finding's fingerprint.
    #[serde(skip)]
    pub stable_path: String,
}

/// The outcome of scanning one file.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Findings, in document order then position order.
    pub findings: Vec<LocatedFinding>,
    /// Input problems: unreadable documents, wrong types, malformed objects.
    pub errors: Vec<InputError>,
    /// Input that is read but looks wrong: an unknown rule id in an ignore annotation, a
    /// NetworkPolicy the API server accepts with a warning.
    pub warnings: Vec<InputError>,
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
    scan.warnings.sort_by_key(|e| e.pos);
    scan
}

/// Checks one document of a file of `kind`, as what its content shows it to be.
pub(crate) fn scan_any_document(
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
                    value: Some(&document.value),
                    ignores: Ignores::of_labels(&image.labels),
                    origin: image.path.clone(),
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
                value: Some(&document.value),
                ignores: Ignores::default(),
                origin: FieldPath::root(),
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

/// What the catalogue found on one object.
#[derive(Debug, Default)]
pub struct Judged {
    /// The findings to report, severity overrides applied.
    pub findings: Vec<Finding>,
    /// The findings an ignore annotation (or label) silenced.
    pub silenced: Vec<Finding>,
}

/// The one loop over the catalogue's object rules, for `rampart scan`, the live sources
/// and the webhook: runs `check` (which picks each rule's check for the artefact at
/// hand) for each of `rules`, applies `config`'s severity overrides and sets aside what
/// `ignores` silences (`settle`, as the run rules do).
pub fn judge<'r>(
    rules: impl IntoIterator<Item = &'r Rule>,
    config: &Config,
    ignores: &Ignores,
    mut check: impl FnMut(&Checks, &mut Findings),
) -> Judged {
    let mut judged = Judged::default();
    for rule in rules {
        let mut findings = Findings::new(rule.meta);
        check(&rule.checks, &mut findings);
        for finding in findings.into_vec() {
            match settle(finding, config, ignores) {
                Ok(finding) => judged.findings.push(finding),
                Err(silenced) => judged.silenced.push(silenced),
            }
        }
    }
    judged
}

/// What happens to every finding of every rule: the configured severity, then `Err` when
/// an ignore annotation silences it.
fn settle(mut finding: Finding, config: &Config, ignores: &Ignores) -> Result<Finding, Finding> {
    finding.severity = config.severity_of(finding.rule, finding.severity);
    if ignores.silences(&finding) {
        Err(finding)
    } else {
        Ok(finding)
    }
}

/// The rules a scan runs.
fn enabled(options: &ScanOptions) -> impl Iterator<Item = &'static Rule> + '_ {
    registry()
        .iter()
        .filter(|r| options.config.is_enabled(r.meta.id))
}

/// Every enabled rule through `check` on an artefact without ignore annotations.
pub(crate) fn run_rules(
    options: &ScanOptions,
    check: impl FnMut(&Checks, &mut Findings),
) -> Vec<Finding> {
    judge(
        enabled(options),
        &options.config,
        &Ignores::default(),
        check,
    )
    .findings
}

/// Where the findings of a Docker artefact go: paths are from the document's root.
pub(crate) struct Target<'a> {
    pub(crate) object: Arc<ObjectRef>,
    pub(crate) document: usize,
    /// The document's positions; `None` for a live object, which has no text.
    pub(crate) positions: Option<&'a PosNode>,
    /// The document the paths start from, when it is a tree of values.
    pub(crate) value: Option<&'a serde_json::Value>,
    pub(crate) ignores: Ignores,
    /// Where the artefact starts (for warnings about its ignore labels).
    pub(crate) origin: FieldPath,
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
        let judged = judge(enabled(options), &options.config, &self.ignores, check);
        self.emit(judged, scan);
    }

    pub(crate) fn emit(&self, judged: Judged, scan: &mut FileScan) {
        let pos = self
            .positions
            .map_or(Pos::new(1, 1), |p| p.locate(&self.origin).pos);
        scan.warnings.extend(
            self.ignores
                .unknown
                .iter()
                .map(|(_, warning)| InputError::new(pos, warning.clone())),
        );
        scan.suppressed += judged.silenced.len();
        for finding in judged.findings {
            scan.findings.push(LocatedFinding {
                pos: self.positions.map(|p| p.locate(&finding.path).pos),
                stable_path: stable_path(self.value, &finding.path),
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
            value: Some(&document.value),
            ignores: Ignores::of_labels(&container.labels),
            origin: container.path.clone(),
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
        value: Some(&document.value),
        ignores: Ignores::default(),
        origin: FieldPath::root(),
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
    // Fingerprints name instructions by keyword and rank, not by index.
    let identity = serde_json::json!({ "instructions": parsed.ranks });
    let target = Target {
        object: Arc::new(docker_object("Dockerfile", None)),
        document: 0,
        positions: Some(&parsed.positions),
        value: Some(&identity),
        ignores: Ignores::of_labels(&view.labels()),
        origin: FieldPath::root(),
    };
    let judged = judge(
        enabled(options),
        &options.config,
        &target.ignores,
        |checks, out| {
            if let Some(check) = checks.dockerfile {
                check(&view, out);
            }
        },
    );
    target.emit(judged, &mut scan);
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
pub(crate) fn scan_document(document: &Document, options: &ScanOptions, scan: &mut FileScan) {
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
        let Checked {
            findings,
            warnings,
            suppressed,
        } = match check_object(object, options) {
            Ok(checked) => checked,
            Err(problems) => {
                scan.errors
                    .extend(problems.into_iter().map(|(path, message)| {
                        InputError::new(error_at(&object.base.join(&path)), message)
                    }));
                continue;
            }
        };
        for (path, warning) in warnings {
            scan.warnings
                .push(InputError::new(error_at(&object.base.join(&path)), warning));
        }
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
        scan.suppressed += suppressed;
        let id = Arc::new(object.id.clone());
        for finding in findings {
            scan.findings.push(LocatedFinding {
                pos: locate(&object.base.join(&finding.path)),
                stable_path: stable_path(Some(object.value), &finding.path),
                finding,
                object: Arc::clone(&id),
                document: index,
            });
        }
    }
}

/// The problems of a NetworkPolicy the API server would report: errors (the policy is
/// refused, and left out of the cloud-metadata judgement as `rampart netpol` leaves it
/// out) and warnings, each with its path. Other objects have none.
#[derive(Default)]
struct PolicyProblems {
    errors: Vec<(FieldPath, String)>,
    warnings: Vec<(FieldPath, String)>,
}

fn network_policy_problems(object: &Object<'_>) -> PolicyProblems {
    let mut problems = PolicyProblems::default();
    if !crate::kinds::NETWORK_POLICY.is(&object.id) {
        return problems;
    }
    let Ok(Some(policy)) = typed_at::<NetworkPolicy>(object.value, &FieldPath::root()) else {
        return problems;
    };
    for problem in crate::netpol::validate(&policy) {
        let message = format!(
            "NetworkPolicy {}/{}: {}: {}",
            problem.namespace, problem.name, problem.path, problem.message
        );
        match problem.severity {
            PolicySeverity::Error => problems
                .errors
                .push((problem.path, format!("{message} (policy left out)"))),
            PolicySeverity::Warning => problems.warnings.push((problem.path, message)),
        }
    }
    problems
}

/// Runs every enabled rule on one object. An object the API server would refuse is one
/// or more errors with their paths, and is not checked: a kind its group does not serve
/// under the object's version, a field of the wrong type (its typed view cannot be
/// built), an invalid NetworkPolicy.
pub(crate) fn check_object(
    object: &Object<'_>,
    options: &ScanOptions,
) -> Result<Checked, Vec<(FieldPath, String)>> {
    let decoded = validate(&object.id, object.value).map_err(|e| vec![(e.path, e.message)])?;
    let policy = network_policy_problems(object);
    if !policy.errors.is_empty() {
        return Err(policy.errors);
    }
    let pod = match (options.workloads.template_of(&object.id), decoded) {
        (None, _) | (Some(_), TemplatePod::Absent) => None,
        (Some(location), TemplatePod::Read(pod)) => {
            let (meta, spec) = *pod;
            Some(PodView::of_parts(object.value, location, meta, spec))
        }
        (Some(location), TemplatePod::Unread) => PodView::read(object.value, location)
            .map_err(|e| vec![(e.path.clone(), e.to_string())])?,
    };
    let ctx = CheckContext {
        object,
        pod: pod.as_ref(),
        pss: options.pss.as_ref(),
    };
    let ignores = Ignores::of(object.value);
    let judged = judge(
        enabled(options),
        &options.config,
        &ignores,
        |checks, out| {
            if let Some(check) = checks.kubernetes {
                check(&ctx, out);
            }
        },
    );
    let mut warnings = policy.warnings;
    warnings.extend(ignores.unknown.into_iter().map(|(key, warning)| {
        (
            FieldPath::fields(&["metadata", "annotations"]).key(key),
            warning,
        )
    }));
    Ok(Checked {
        findings: judged.findings,
        warnings,
        suppressed: judged.silenced.len(),
    })
}

/// The outcome of checking one object the API server would take.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The enabled rules' findings that no ignore annotation silenced, paths from the
    /// object's root.
    pub findings: Vec<Finding>,
    /// Warnings the API server would give about the object, then those about its ignore
    /// annotations, with their paths.
    pub warnings: Vec<(FieldPath, String)>,
    /// How many findings an ignore annotation silenced.
    pub suppressed: usize,
}

/// What the run rules found: each finding with the index of its object in the collected
/// objects, and the objects of the findings that an ignore annotation silenced.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// Findings with the index of their object, suppression and severity overrides applied.
    pub findings: Vec<(usize, Finding)>,
    /// For each silenced finding, the index of its object (to count it in its file).
    pub suppressed: Vec<usize>,
}

impl IntoIterator for RunOutcome {
    type Item = (usize, Finding);
    type IntoIter = std::vec::IntoIter<(usize, Finding)>;

    fn into_iter(self) -> Self::IntoIter {
        self.findings.into_iter()
    }
}

/// Runs the enabled run rules over the objects collected from every file of a run.
/// Returns each finding with the index of its object in `collected`, suppression and
/// severity overrides applied, and the objects of silenced findings.
pub fn run_checks(collected: &[Collected], options: &ScanOptions) -> RunOutcome {
    let cache = RunCache::default();
    let ctx = RunContext {
        objects: collected,
        workloads: &options.workloads,
        cache: &cache,
    };
    let mut outcome = RunOutcome::default();
    let mut ignores: HashMap<usize, Ignores> = HashMap::new();
    for rule in run_registry()
        .iter()
        .filter(|r| options.config.is_enabled(r.meta.id))
    {
        let mut findings = RunFindings::new(rule.meta);
        (rule.check)(&ctx, &mut findings);
        for (index, finding) in findings.into_vec() {
            let Some(object) = collected.get(index) else {
                continue;
            };
            let ignores = ignores
                .entry(index)
                .or_insert_with(|| Ignores::of(&object.value()));
            match settle(finding, &options.config, ignores) {
                Ok(finding) => outcome.findings.push((index, finding)),
                Err(_) => outcome.suppressed.push(index),
            }
        }
    }
    outcome
}

/// The ignore annotations (or labels) of one object: `rampart.dev/ignore` for the object,
/// `rampart.dev/ignore.<container>` for one container.
#[derive(Debug, Default)]
pub struct Ignores {
    object: Vec<String>,
    /// Per container name (a pod may have thousands, each with its annotation).
    per_container: HashMap<String, Vec<String>>,
    /// Ids that name no rule, with the annotation they are in and the warning to give.
    unknown: Vec<(String, String)>,
}

/// The rule ids of an ignore annotation: `a=reason,b` is `a` (with a reason) and `b`.
/// A comma always starts the next id, so a reason cannot contain one.
fn rule_ids(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|entry| {
            entry
                .split_once('=')
                .map_or(entry, |(id, _reason)| id)
                .trim()
        })
        .filter(|id| !id.is_empty())
}

impl Ignores {
    /// From an object's `metadata.annotations`.
    pub fn of(object: &serde_json::Value) -> Self {
        let Some(annotations) = object["metadata"]["annotations"].as_object() else {
            return Self::default();
        };
        Self::of_entries(
            annotations
                .iter()
                .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?))),
        )
    }

    /// From a typed object's annotations.
    pub fn of_annotations(annotations: &std::collections::BTreeMap<String, String>) -> Self {
        Self::of_entries(annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
            let container = key
                .strip_prefix(IGNORE_ANNOTATION)
                .and_then(|k| k.strip_prefix('.'));
            if key != IGNORE_ANNOTATION && container.is_none() {
                continue;
            }
            let mut ids = Vec::new();
            for id in rule_ids(value) {
                if id != "all" && rules::find(id).is_none() {
                    ignores.unknown.push((
                        key.to_owned(),
                        format!(
                            "{key}: unknown rule id {id:?}{} (`rampart rules` lists them)",
                            crate::suggest::rule_hint(id)
                        ),
                    ));
                }
                ids.push(id.to_owned());
            }
            match container {
                Some(container) => {
                    ignores.per_container.insert(container.to_owned(), ids);
                }
                None => ignores.object = ids,
            }
        }
        ignores
    }

    fn silences(&self, finding: &Finding) -> bool {
        let listed = |rules: &[String]| rules.iter().any(|r| r == finding.rule || r == "all");
        listed(&self.object)
            || finding
                .container
                .as_ref()
                .and_then(|name| self.per_container.get(name))
                .is_some_and(|rules| listed(rules))
    }
}

/// Whether any finding is at or above `threshold`.
pub fn fails(findings: &[LocatedFinding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.finding.severity >= threshold)
}
