//! The scan pipeline for one file: bytes -> documents -> objects -> findings with
//! positions. Pure: the caller reads the file and prints the report.

use serde::Serialize;

use crate::cluster::kubelet_flags_document;
use crate::config::Config;
use crate::field_path::FieldPath;
use crate::finding::{Finding, Severity};
use crate::object::{NotAnObject, Object, ObjectRef, PodView, WorkloadKinds, objects};
use crate::pss::LevelVersion;
use crate::rules::{
    CheckContext, Collected, Findings, RunContext, RunFindings, collects, kept_part, registry,
    run_registry,
};
use crate::source::{Document, InputError, Limits, Pos, parse};

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
    /// The object it is about.
    #[serde(flatten)]
    pub object: ObjectRef,
    /// 0-based index of the document in the file.
    pub document: usize,
    /// Position of the offending field (or of its nearest existing ancestor).
    #[serde(flatten)]
    pub pos: Pos,
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

/// Scans one file's bytes.
pub fn scan_bytes(bytes: &[u8], options: &ScanOptions) -> FileScan {
    if let Some(flags) = std::str::from_utf8(bytes)
        .ok()
        .and_then(kubelet_flags_document)
    {
        let mut scan = FileScan {
            documents: 1,
            ..FileScan::default()
        };
        scan_document(&flags, options, &mut scan);
        return scan;
    }
    let parsed = parse(bytes, &options.limits);
    let mut scan = FileScan {
        errors: parsed.errors,
        documents: parsed.documents.len(),
        ..FileScan::default()
    };
    for document in &parsed.documents {
        scan_document(document, options, &mut scan);
    }
    scan.errors.sort_by_key(|e| e.pos);
    scan
}

/// Scans one parsed document into `scan`.
pub fn scan_document(document: &Document, options: &ScanOptions, scan: &mut FileScan) {
    let found = match objects(&document.value) {
        Ok(found) => found,
        Err(NotAnObject::Foreign) => return,
        Err(NotAnObject::Malformed { path, message }) => {
            let pos = document.positions.locate(&path).pos;
            scan.errors.push(InputError::new(pos, message));
            return;
        }
    };
    let collecting = run_registry()
        .iter()
        .any(|r| options.config.is_enabled(r.meta.id));
    for object in &found {
        scan.objects += 1;
        if collecting && collects(&object.id, &options.workloads) {
            let keep = kept_part(&object.id, &options.workloads);
            let positions = document
                .positions
                .subtree(&object.base)
                .map(|p| keep.positions(p));
            scan.collected.push(Collected {
                file: 0,
                document: document.index,
                id: object.id.clone(),
                value: keep.value(object.value),
                positions: positions.unwrap_or_default(),
            });
        }
        match check_object(object, options) {
            Ok(findings) => {
                let ignores = Ignores::of(object.value);
                for finding in findings {
                    if ignores.silences(&finding) {
                        scan.suppressed += 1;
                        continue;
                    }
                    let pos = document
                        .positions
                        .locate(&object.base.join(&finding.path))
                        .pos;
                    scan.findings.push(LocatedFinding {
                        finding,
                        object: object.id.clone(),
                        document: document.index,
                        pos,
                    });
                }
            }
            Err((path, message)) => {
                let pos = document.positions.locate(&object.base.join(&path)).pos;
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
    let mut all = Vec::new();
    for rule in registry()
        .iter()
        .filter(|r| options.config.is_enabled(r.meta.id))
    {
        let mut findings = Findings::new(rule.meta);
        (rule.check)(&ctx, &mut findings);
        for mut finding in findings.into_vec() {
            finding.severity = options.config.severity_of(rule.meta.id, finding.severity);
            all.push(finding);
        }
    }
    Ok(all)
}

/// Runs the enabled run rules over the objects collected from every file of a run.
/// Returns each finding with the index of its object in `collected`, suppression and
/// severity overrides applied.
pub fn run_checks(collected: &[Collected], options: &ScanOptions) -> Vec<(usize, Finding)> {
    let ctx = RunContext {
        objects: collected,
        workloads: &options.workloads,
    };
    let mut all = Vec::new();
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
            if Ignores::of(&object.value).silences(&finding) {
                continue;
            }
            finding.severity = options.config.severity_of(rule.meta.id, finding.severity);
            all.push((index, finding));
        }
    }
    all
}

/// The ignore annotations of one object.
struct Ignores {
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
        let mut ignores = Self {
            object: Vec::new(),
            per_container: Vec::new(),
        };
        let Some(annotations) = object["metadata"]["annotations"].as_object() else {
            return ignores;
        };
        for (key, value) in annotations {
            let Some(value) = value.as_str() else {
                continue;
            };
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
