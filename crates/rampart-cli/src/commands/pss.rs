//! `rampart pss`: Pod Security Standards verdicts per pod and workload pod template.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use rampart_core::object::{Loaded, LoadedObject, PodView, WorkloadKinds};
use rampart_core::pss::{
    Level, LevelVersion, NamespacePolicy, PodEvaluation, Version, evaluate_pod,
};
use rampart_core::source::InputError;
use serde::Serialize;

use super::{Problems, load_inputs};
use crate::cli::{Exit, PssArgs, ReportFormat};

fn labels_of(object: &LoadedObject) -> BTreeMap<String, String> {
    object.value["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The labels of every Namespace object in the inputs.
fn namespaces(files: &[(String, Loaded)]) -> BTreeMap<String, BTreeMap<String, String>> {
    files
        .iter()
        .flat_map(|(_, loaded)| &loaded.objects)
        .filter(|o| o.id.kind == "Namespace" && o.id.group().is_empty())
        .map(|o| (o.id.name.clone().unwrap_or_default(), labels_of(o)))
        .collect()
}

/// Which policies apply to a pod, and why.
struct Policies {
    enforce: LevelVersion,
    audit: Option<LevelVersion>,
    warn: Option<LevelVersion>,
    source: &'static str,
    /// Whether anything chose the enforced level (`--level` or an enforce label), rather
    /// than the `privileged` default.
    chosen: bool,
}

fn policies_for(
    namespace: Option<&str>,
    args: &PssArgs,
    namespaces: &BTreeMap<String, BTreeMap<String, String>>,
) -> Policies {
    if let Some(level) = args.level {
        let version = args.version.unwrap_or(Version::Latest);
        return Policies {
            enforce: LevelVersion::new(level, version),
            audit: None,
            warn: None,
            source: "flag",
            chosen: true,
        };
    }
    match namespace.and_then(|ns| namespaces.get(ns)) {
        Some(labels) => {
            let p = NamespacePolicy::from_labels(labels, &NamespacePolicy::default());
            Policies {
                enforce: p.enforce,
                audit: Some(p.audit),
                warn: Some(p.warn),
                source: "namespace",
                chosen: labels.contains_key(ENFORCE_LABEL),
            }
        }
        None => Policies {
            enforce: LevelVersion::new(Level::Privileged, args.version.unwrap_or(Version::Latest)),
            audit: None,
            warn: None,
            source: "default",
            chosen: false,
        },
    }
}

#[derive(Serialize)]
struct JsonViolation {
    check: &'static str,
    reason: String,
    detail: String,
    paths: Vec<String>,
}

#[derive(Serialize)]
struct ModeResult {
    level: &'static str,
    version: String,
    allowed: bool,
    message: Option<String>,
}

impl ModeResult {
    fn of(pod: &PodView, policy: LevelVersion) -> Self {
        let result = evaluate_pod(pod, &policy);
        Self {
            level: policy.level.as_str(),
            version: policy.version.to_string(),
            allowed: result.evaluation.allowed(),
            message: result.evaluation.forbidden_message(),
        }
    }
}

#[derive(Serialize)]
struct PssResult {
    file: String,
    document: usize,
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: Option<String>,
    level: &'static str,
    version: String,
    /// Where the enforced policy came from: `flag`, `namespace` labels or the `default`.
    source: &'static str,
    allowed: bool,
    violations: Vec<JsonViolation>,
    message: Option<String>,
    defaults_applied: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<ModeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warn: Option<ModeResult>,
    #[serde(skip)]
    level_chosen: bool,
}

fn judge(file: &str, object: &LoadedObject, pod: &PodView, policies: &Policies) -> PssResult {
    let result: PodEvaluation = evaluate_pod(pod, &policies.enforce);
    let violations = result
        .evaluation
        .violations()
        .iter()
        .map(|v| JsonViolation {
            check: v.check,
            reason: v.reason.clone(),
            detail: v.detail.clone(),
            paths: result.object_paths(v).map(|p| p.to_string()).collect(),
        })
        .collect();
    PssResult {
        file: file.to_owned(),
        document: object.document,
        api_version: object.id.api_version.clone(),
        kind: object.id.kind.clone(),
        namespace: object.id.namespace.clone(),
        name: object.id.name.clone(),
        level: policies.enforce.level.as_str(),
        version: policies.enforce.version.to_string(),
        source: policies.source,
        allowed: result.evaluation.allowed(),
        violations,
        message: result.evaluation.forbidden_message(),
        defaults_applied: result.defaults_applied.clone(),
        audit: policies.audit.map(|p| ModeResult::of(pod, p)),
        warn: policies.warn.map(|p| ModeResult::of(pod, p)),
        level_chosen: policies.chosen,
    }
}

/// The label of a Namespace that sets the level Pod Security Admission enforces.
const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// What a run without any level means, and how to choose one.
fn privileged_note(unchosen: usize, total: usize) -> String {
    let which = if unchosen == total {
        "every pod and pod template".to_owned()
    } else {
        format!("{unchosen} of {total} pods and pod templates")
    };
    format!(
        "rampart: note: nothing set a Pod Security level for {which} (no --level, and their \
         Namespace is not in the input or has no {ENFORCE_LABEL} label), so they were checked against \
         \"privileged\", which allows everything. Choose a level with --level baseline (or \
         restricted), or add the Namespace objects with their {ENFORCE_LABEL} labels to the input."
    )
}

fn write_text(
    results: &[PssResult],
    errors: &Problems,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    errors.write_text(out, "error")?;
    for r in results {
        let object =
            rampart_core::object::label(&r.kind, r.namespace.as_deref(), r.name.as_deref());
        let policy = format!("{}:{}", r.level, r.version);
        match &r.message {
            None => writeln!(
                out,
                "{}: {object}: allowed by \"{policy}\" ({})",
                r.file, r.source
            )?,
            Some(message) => writeln!(out, "{}: {object}: {message}", r.file)?,
        }
        for (mode, result) in [("audit", &r.audit), ("warn", &r.warn)] {
            if let Some(ModeResult {
                message: Some(message),
                ..
            }) = result
            {
                writeln!(out, "    {mode}: {message}")?;
            }
        }
        if !r.defaults_applied.is_empty() {
            writeln!(
                out,
                "    after API defaulting: {}",
                r.defaults_applied.join("; ")
            )?;
        }
    }
    let denied = results.iter().filter(|r| !r.allowed).count();
    writeln!(
        out,
        "{} pods and pod templates checked: {} allowed, {denied} rejected, {} errors",
        results.len(),
        results.len() - denied,
        errors.0.len()
    )
}

pub fn run(args: &PssArgs) -> Result<Exit> {
    let kinds = WorkloadKinds::default();
    let (files, mut errors) = load_inputs(&args.input.paths, &args.input);
    let namespaces = namespaces(&files);
    let mut results = Vec::new();
    for (file, loaded) in &files {
        for object in &loaded.objects {
            let Some(location) = kinds.template_of(&object.id) else {
                continue;
            };
            match PodView::read(&object.value, location) {
                Ok(Some(pod)) => {
                    let policies = policies_for(object.id.namespace.as_deref(), args, &namespaces);
                    results.push(judge(file, object, &pod, &policies));
                }
                Ok(None) => {}
                Err(e) => errors.push(
                    file,
                    InputError::new(
                        loaded.locate(object, &e.path),
                        format!("{}: {}", e.path, e.message),
                    ),
                ),
            }
        }
    }
    let (mut out, _color) = super::output(args.output.as_deref())?;
    let written = match args.format {
        ReportFormat::Text => write_text(&results, &errors, &mut out),
        ReportFormat::Json => {
            let report = serde_json::json!({"results": results, "errors": errors.to_json()});
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    let unchosen = results.iter().filter(|r| !r.level_chosen).count();
    if unchosen > 0 {
        eprintln!("{}", privileged_note(unchosen, results.len()));
    }
    Ok(if !errors.is_empty() {
        Exit::Usage
    } else if results.iter().any(|r| !r.allowed) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
