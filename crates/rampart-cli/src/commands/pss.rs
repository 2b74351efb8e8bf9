//! `rampart pss`: Pod Security Standards verdicts per pod and workload pod template.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use rampart_core::object::{LoadedObject, PodView, WorkloadKinds, load};
use rampart_core::pss::{
    Level, LevelVersion, NamespacePolicy, PodEvaluation, Version, evaluate_pod,
};
use rampart_core::source::{InputError, Limits, Pos};
use serde::Serialize;

use crate::cli::{Exit, PssArgs, ReportFormat};
use crate::input;

/// One file's pods, namespaces and errors.
#[derive(Default)]
struct FileInventory {
    file: String,
    pods: Vec<(LoadedObject, PodView)>,
    namespaces: Vec<(String, BTreeMap<String, String>)>,
    errors: Vec<InputError>,
}

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

fn inventory(file: String, bytes: &[u8], limits: &Limits, kinds: &WorkloadKinds) -> FileInventory {
    let mut loaded = load(bytes, limits);
    let mut inv = FileInventory {
        file,
        errors: std::mem::take(&mut loaded.errors),
        ..FileInventory::default()
    };
    for object in std::mem::take(&mut loaded.objects) {
        if object.id.kind == "Namespace" && object.id.group().is_empty() {
            inv.namespaces.push((
                object.id.name.clone().unwrap_or_default(),
                labels_of(&object),
            ));
            continue;
        }
        let Some(location) = kinds.template_of(&object.id) else {
            continue;
        };
        match PodView::read(&object.value, location) {
            Ok(Some(pod)) => inv.pods.push((object, pod)),
            Ok(None) => {}
            Err(error) => {
                let pos = loaded.locate(&object, &error.path);
                inv.errors.push(InputError::new(
                    pos,
                    format!("{}: {}", error.path, error.message),
                ));
            }
        }
    }
    inv
}

/// Which policies apply to a pod, and why.
struct Policies {
    enforce: LevelVersion,
    audit: Option<LevelVersion>,
    warn: Option<LevelVersion>,
    source: &'static str,
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
            }
        }
        None => Policies {
            enforce: LevelVersion::new(Level::Privileged, args.version.unwrap_or(Version::Latest)),
            audit: None,
            warn: None,
            source: "default",
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
    }
}

fn write_text(
    results: &[PssResult],
    errors: &[(String, InputError)],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (file, error) in errors {
        writeln!(
            out,
            "{file}:{}:{}: error: {}",
            error.pos.line, error.pos.column, error.message
        )?;
    }
    for r in results {
        let object = match (&r.namespace, &r.name) {
            (Some(ns), Some(name)) => format!("{} {ns}/{name}", r.kind),
            (None, Some(name)) => format!("{} {name}", r.kind),
            _ => r.kind.clone(),
        };
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
        errors.len()
    )
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    results: &'a [PssResult],
    errors: Vec<JsonError<'a>>,
}

pub fn run(args: &PssArgs) -> Result<Exit> {
    let limits = Limits {
        max_file_bytes: args.input.max_file_size,
        ..Limits::default()
    };
    let kinds = WorkloadKinds::default();
    let (inputs, missing) = input::collect(&args.input.paths, &|_| false);
    let files = input::map_inputs(&inputs, limits.max_file_bytes, |name, bytes| match bytes {
        Ok(bytes) => inventory(name, &bytes, &limits, &kinds),
        Err(error) => FileInventory {
            errors: vec![InputError::new(
                Pos::new(1, 1),
                format!("cannot read: {error}"),
            )],
            file: name,
            ..FileInventory::default()
        },
    });
    let namespaces: BTreeMap<String, BTreeMap<String, String>> = files
        .iter()
        .flat_map(|f| f.namespaces.iter().cloned())
        .collect();
    let mut errors: Vec<(String, InputError)> = missing
        .into_iter()
        .map(|m| (m.name, InputError::new(Pos::new(1, 1), m.message)))
        .collect();
    let mut results = Vec::new();
    for file in &files {
        errors.extend(file.errors.iter().map(|e| (file.file.clone(), e.clone())));
        for (object, pod) in &file.pods {
            let policies = policies_for(object.id.namespace.as_deref(), args, &namespaces);
            results.push(judge(&file.file, object, pod, &policies));
        }
    }
    let (mut out, _color) = super::output(args.output.as_deref())?;
    match args.format {
        ReportFormat::Text => write_text(&results, &errors, &mut out),
        ReportFormat::Json => {
            let report = JsonReport {
                results: &results,
                errors: errors
                    .iter()
                    .map(|(file, e)| JsonError {
                        file,
                        line: e.pos.line,
                        column: e.pos.column,
                        message: &e.message,
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
    }
    .and_then(|()| out.flush())
    .context("writing the report")?;
    Ok(if !errors.is_empty() {
        Exit::Usage
    } else if results.iter().any(|r| !r.allowed) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
