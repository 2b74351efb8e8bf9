//! `rampart explain`: every security setting in force for each container, where it comes
//! from and the line that set it.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;
use rampart_core::artefact::FileKind;
use rampart_core::docker::BuiltImage;
use rampart_core::explain::{
    ContainerSettings, Context, Dockerfile, ServiceAccount, SetAt, Setting, explain_pod,
};
use rampart_core::object::{
    ContainerKind, Loaded, LoadedObject, PodView, RUNTIME_DEFAULT_CAPABILITIES, WorkloadKinds, load,
};
use rampart_core::source::{InputError, Limits, Pos, PosNode};
use serde::Serialize;
use serde_json::{Value, json};

use super::Problems;
use crate::cli::{Exit, ExplainArgs, ReportFormat};
use crate::input::{self, Walk};

/// One input, read.
enum Read {
    Manifests(Loaded),
    /// A Dockerfile: what it builds and where its instructions are.
    Dockerfile(BuiltImage, PosNode),
}

/// Everything read, with the handles the engine's [`Context`] refers to.
struct World {
    files: Vec<(String, Read)>,
    /// ServiceAccount handles: (file, object) indices.
    accounts: Vec<(usize, usize)>,
    problems: Problems,
}

fn read_inputs(args: &ExplainArgs) -> World {
    let limit = args.input.max_file_size;
    let limits = Limits::for_file_size(limit);
    let (inputs, missing) = input::collect(
        &args.input.paths,
        Walk::ManifestsAndDockerfiles,
        &|_| false,
        &args.input.render_options(),
    );
    let mut problems = Problems::default();
    for m in missing {
        problems.push(&m.name, InputError::new(Pos::new(1, 1), m.message));
    }
    let read = input::map_inputs(&inputs, limit, |name, bytes| {
        let read = match bytes {
            Err(error) => Err(InputError::new(
                Pos::new(1, 1),
                format!("cannot read: {error}"),
            )),
            Ok(bytes) if FileKind::of(&name, &bytes) == FileKind::Dockerfile => {
                BuiltImage::read(&name, &bytes, &limits)
                    .map(|(image, positions)| Read::Dockerfile(image, positions))
            }
            Ok(bytes) => Ok(Read::Manifests(load(&bytes, &limits))),
        };
        (name, read)
    });
    let mut files: Vec<(String, Read)> = Vec::new();
    for (name, read) in read {
        match read {
            Ok(read) => files.push((name, read)),
            Err(error) => problems.push(&name, error),
        }
    }
    for (name, read) in &files {
        if let Read::Manifests(loaded) = read {
            for error in &loaded.errors {
                problems.push(name, error.clone());
            }
        }
    }
    World {
        files,
        accounts: Vec::new(),
        problems,
    }
}

impl World {
    fn manifests(&self) -> impl Iterator<Item = (usize, &str, &Loaded)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, (name, read))| match read {
                Read::Manifests(loaded) => Some((i, name.as_str(), loaded)),
                Read::Dockerfile(..) => None,
            })
    }

    /// The engine's context: the ServiceAccounts and Dockerfiles of the input.
    fn context(&mut self) -> Context {
        let mut ctx = Context::default();
        let mut accounts = Vec::new();
        for (file, _, loaded) in self.manifests() {
            for (index, object) in loaded.objects.iter().enumerate() {
                let id = &object.id;
                if id.kind != "ServiceAccount" || !id.group().is_empty() {
                    continue;
                }
                let Some(name) = id.name.as_deref() else {
                    continue;
                };
                let account = ServiceAccount {
                    object: accounts.len(),
                    automount: object.value["automountServiceAccountToken"].as_bool(),
                };
                accounts.push((file, index));
                ctx.add_service_account(
                    id.namespace.as_deref().unwrap_or("default"),
                    name,
                    account,
                );
            }
        }
        self.accounts = accounts;
        for (handle, (_, read)) in self.files.iter().enumerate() {
            if let Read::Dockerfile(image, _) = read {
                ctx.dockerfiles.push(Dockerfile {
                    handle,
                    image: image.clone(),
                });
            }
        }
        ctx
    }

    /// The file and position a setting was set at (`None` for a default).
    fn locate(&self, object: (&str, &Loaded, &LoadedObject), at: &SetAt) -> Option<(String, Pos)> {
        let (file, loaded, pod_object) = object;
        match at {
            SetAt::Nowhere => None,
            SetAt::Object(path) => Some((file.to_owned(), loaded.locate(pod_object, path))),
            SetAt::ServiceAccount { object, path } => {
                let &(file, index) = self.accounts.get(*object)?;
                let (name, Read::Manifests(loaded)) = self.files.get(file)? else {
                    return None;
                };
                let account = loaded.objects.get(index)?;
                Some((name.clone(), loaded.locate(account, path)))
            }
            SetAt::Dockerfile { handle, path } => {
                let (name, Read::Dockerfile(_, positions)) = self.files.get(*handle)? else {
                    return None;
                };
                Some((name.clone(), positions.locate(path).pos))
            }
        }
    }
}

/// A setting as reports show it.
#[derive(Serialize)]
struct SettingRow {
    setting: &'static str,
    value: Value,
    origin: rampart_core::object::Origin,
    /// Where it was set (`null` for a default).
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    /// The field (or instruction) that set it.
    path: Option<String>,
    /// The field that sets it for this container.
    field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// One container's explanation.
#[derive(Serialize)]
struct ContainerRow {
    file: String,
    document: usize,
    line: u32,
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: Option<String>,
    container: String,
    #[serde(rename = "containerType")]
    container_type: &'static str,
    path: String,
    settings: Vec<SettingRow>,
}

fn container_type(kind: ContainerKind) -> &'static str {
    match kind {
        ContainerKind::Init => "initContainer",
        ContainerKind::Regular => "container",
        ContainerKind::Ephemeral => "ephemeralContainer",
    }
}

fn setting_row(
    world: &World,
    object: (&str, &Loaded, &LoadedObject),
    setting: Setting,
) -> SettingRow {
    let located = world.locate(object, &setting.at);
    let path = match &setting.at {
        SetAt::Nowhere => None,
        SetAt::Object(path)
        | SetAt::ServiceAccount { path, .. }
        | SetAt::Dockerfile { path, .. } => Some(path.to_string()),
    };
    SettingRow {
        setting: setting.setting,
        value: setting.value,
        origin: setting.origin,
        line: located.as_ref().map(|(_, pos)| pos.line),
        column: located.as_ref().map(|(_, pos)| pos.column),
        file: located.map(|(file, _)| file),
        path,
        field: setting.field.to_string(),
        note: setting.note,
    }
}

fn explain_all(world: &mut World, only: Option<&str>) -> Vec<ContainerRow> {
    let ctx = world.context();
    let kinds = WorkloadKinds::default();
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    for (_, file, loaded) in world.manifests() {
        for object in &loaded.objects {
            let Some(location) = kinds.template_of(&object.id) else {
                continue;
            };
            let pod = match PodView::read(&object.value, location) {
                Ok(Some(pod)) => pod,
                Ok(None) => continue,
                Err(e) => {
                    let pos = loaded.locate(object, &e.path);
                    problems.push(
                        file,
                        InputError::new(pos, format!("{}: {}", e.path, e.message)),
                    );
                    continue;
                }
            };
            let namespace = object.id.namespace.as_deref().unwrap_or("default");
            let here = (file, loaded, object);
            for ContainerSettings {
                name,
                kind,
                path,
                settings,
            } in explain_pod(&pod, namespace, &ctx)
            {
                if only.is_some_and(|only| only != name) {
                    continue;
                }
                rows.push(ContainerRow {
                    file: file.to_owned(),
                    document: object.document,
                    line: loaded.locate(object, &path).line,
                    api_version: object.id.api_version.clone(),
                    kind: object.id.kind.clone(),
                    namespace: object.id.namespace.clone(),
                    name: object.id.name.clone(),
                    container: name,
                    container_type: container_type(kind),
                    path: path.to_string(),
                    settings: settings
                        .into_iter()
                        .map(|s| setting_row(world, here, s))
                        .collect(),
                });
            }
        }
    }
    world.problems.0.extend(problems.0);
    rows
}

/// A value as the text report shows it: scalars bare, profiles by type, lists joined.
fn text_value(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Object(map) if map.contains_key("type") => {
            let kind = map["type"].as_str().unwrap_or_default();
            match map.get("localhostProfile").and_then(Value::as_str) {
                Some(profile) => format!("{kind} ({profile})"),
                None => kind.to_owned(),
            }
        }
        Value::Object(map) if map.contains_key("mounted") => {
            let mounted = if map["mounted"] == true {
                "mounted"
            } else {
                "not mounted"
            };
            format!(
                "{mounted} ({})",
                map["serviceAccount"].as_str().unwrap_or_default()
            )
        }
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Value::Array(items) => items
            .iter()
            .map(|item| match (item.get("hostPort"), item.get("path")) {
                (Some(host), _) => format!(
                    "{host}->{}/{}",
                    item["containerPort"],
                    item["protocol"].as_str().unwrap_or("TCP")
                ),
                (None, Some(path)) => format!(
                    "{}:{}{}",
                    path.as_str().unwrap_or_default(),
                    item["mountPath"].as_str().unwrap_or_default(),
                    if item["readOnly"] == true { ":ro" } else { "" }
                ),
                _ => item.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Capabilities as the runtime's default set with what was added and dropped, when that
/// is shorter than the list.
fn capabilities_text(value: &Value) -> String {
    let Some(held) = value.as_array() else {
        return text_value(value);
    };
    let held: BTreeSet<&str> = held.iter().filter_map(Value::as_str).collect();
    let defaults: BTreeSet<&str> = RUNTIME_DEFAULT_CAPABILITIES.iter().copied().collect();
    let added: Vec<String> = held
        .difference(&defaults)
        .map(|c| format!("+{c}"))
        .collect();
    let dropped: Vec<String> = defaults
        .difference(&held)
        .map(|c| format!("-{c}"))
        .collect();
    if added.len() + dropped.len() >= held.len() {
        return text_value(value);
    }
    let changes: Vec<String> = added.into_iter().chain(dropped).collect();
    match changes.is_empty() {
        true => "default set".to_owned(),
        false => format!("default set {}", changes.join(" ")),
    }
}

fn write_text(
    rows: &[ContainerRow],
    problems: &Problems,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    problems.write_text(out, "error")?;
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let object =
            rampart_core::object::label(&row.kind, row.namespace.as_deref(), row.name.as_deref());
        writeln!(
            out,
            "{}:{}: {object}, {} {:?} ({})",
            row.file, row.line, row.container_type, row.container, row.path
        )?;
        for s in &row.settings {
            let at = match (&s.file, s.line) {
                (Some(file), Some(line)) => format!("{file}:{line}"),
                _ => "-".to_owned(),
            };
            let value = match s.setting {
                "capabilities" => capabilities_text(&s.value),
                _ => text_value(&s.value),
            };
            writeln!(
                out,
                "  {:<25} {value:<30} {:<21} {at}",
                s.setting,
                s.origin.describe(),
            )?;
            if let Some(note) = &s.note {
                writeln!(out, "  {:<25} note: {note}", "")?;
            }
        }
    }
    writeln!(
        out,
        "{} containers explained, {} errors",
        rows.len(),
        problems.0.len()
    )
}

pub fn run(args: &ExplainArgs) -> Result<Exit> {
    let mut world = read_inputs(args);
    let rows = explain_all(&mut world, args.container.as_deref());
    let (mut out, _color) = super::output(None)?;
    let written = match args.format {
        ReportFormat::Text => write_text(&rows, &world.problems, &mut out),
        ReportFormat::Json => {
            let report = json!({"containers": rows, "errors": world.problems.to_json()});
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    if let (Some(name), true) = (&args.container, rows.is_empty()) {
        eprintln!("rampart: error: no container named {name:?} in the input");
        return Ok(Exit::Usage);
    }
    Ok(if world.problems.is_empty() {
        Exit::Clean
    } else {
        Exit::Usage
    })
}
