//! `rampart pss migrate`: the move from PodSecurityPolicy to Pod Security Admission, per
//! policy and per namespace.

use std::io::Write;

use anyhow::Result;
use rampart_core::FieldPath;
use rampart_core::migrate::{Input, Migration, PodPlan, plan};
use rampart_core::object::{Loaded, LoadedObject, PodView, WorkloadKinds, label};
use rampart_core::pss::{Level, Version};
use rampart_core::source::{InputError, Pos};
use serde_json::{Value, json};

use super::load_inputs;
use super::psp::World;
use crate::cli::{Exit, MigrateArgs, ReportFormat};

/// Where every object of the run is: the migration's handles index this list.
struct Objects<'a> {
    all: Vec<(&'a str, &'a Loaded, &'a LoadedObject)>,
}

impl Objects<'_> {
    fn position(&self, handle: usize, path: &FieldPath) -> (String, Pos) {
        let (file, loaded, object) = self.all[handle];
        (file.to_owned(), loaded.locate(object, path))
    }

    /// `{"file", "line", "document"}` and the object's identity, for JSON.
    fn located(&self, handle: usize, value: Value) -> Value {
        let (file, pos) = self.position(handle, &FieldPath::root());
        let mut located =
            json!({"file": file, "line": pos.line, "document": self.all[handle].2.document});
        if let (Value::Object(into), Value::Object(from)) = (&mut located, value) {
            into.extend(from);
        }
        located
    }

    fn describe(&self, handle: usize) -> String {
        let (file, pos) = self.position(handle, &FieldPath::root());
        let id = &self.all[handle].2.id;
        format!(
            "{file}:{}: {}",
            pos.line,
            label(&id.kind, id.namespace.as_deref(), id.name.as_deref())
        )
    }
}

/// Pods and templates whose fields have the wrong type: errors, left out of the plan.
fn type_errors(world: &mut World, kinds: &WorkloadKinds) {
    let mut found = Vec::new();
    for (file, loaded) in &world.files {
        for object in &loaded.objects {
            let Some(location) = kinds.template_of(&object.id) else {
                continue;
            };
            if let Err(e) = PodView::read(&object.value, location) {
                let pos = loaded.locate(object, &e.path);
                found.push((
                    file.clone(),
                    InputError::new(pos, format!("{}: {}", e.path, e.message)),
                ));
            }
        }
    }
    for (file, error) in found {
        world.errors.push(&file, error);
    }
}

pub fn run(args: &MigrateArgs) -> Result<Exit> {
    let (files, errors) = load_inputs(&args.input.paths, &args.input);
    let mut world = World { files, errors };
    let kinds = WorkloadKinds::default();
    type_errors(&mut world, &kinds);
    let found = world.policies();
    let objects = Objects {
        all: world
            .files
            .iter()
            .flat_map(|(file, loaded)| {
                loaded
                    .objects
                    .iter()
                    .map(move |o| (file.as_str(), loaded, o))
            })
            .collect(),
    };
    let migration = plan(&Input {
        objects: objects
            .all
            .iter()
            .enumerate()
            .map(|(i, (_, _, o))| (i, *o))
            .collect(),
        policies: &found.policies,
        authorizer: found.authorizer(),
        workloads: &kinds,
        version: args.version.unwrap_or(Version::Latest),
    });
    let (mut out, _color) = super::output(None)?;
    let written = match args.format {
        ReportFormat::Text => write_text(&migration, &objects, &world, &mut out),
        ReportFormat::Json => {
            let report = to_json(&migration, &objects, &world);
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    Ok(if world.errors.is_empty() {
        Exit::Clean
    } else {
        Exit::Usage
    })
}

/// The policy object named `name`, for its position.
fn policy_handle(objects: &Objects<'_>, name: &str) -> Option<usize> {
    objects.all.iter().position(|(_, _, o)| {
        o.id.kind == "PodSecurityPolicy" && o.id.name.as_deref() == Some(name)
    })
}

fn pod_json(objects: &Objects<'_>, pod: &PodPlan) -> Value {
    let mut value = serde_json::to_value(pod).unwrap_or_default();
    value["reliesOnPsp"] = pod.relies_on_psp().into();
    if let Some(changes) = value["changes"].as_array_mut() {
        for (change, plan) in changes.iter_mut().zip(&pod.changes) {
            let (_, pos) = objects.position(pod.handle, &plan.path);
            change["line"] = pos.line.into();
        }
    }
    objects.located(pod.handle, value)
}

fn to_json(migration: &Migration, objects: &Objects<'_>, world: &World) -> Value {
    let policies: Vec<Value> = migration
        .policies
        .iter()
        .map(|p| {
            let value = serde_json::to_value(p).unwrap_or_default();
            match policy_handle(objects, &p.policy) {
                Some(handle) => objects.located(handle, value),
                None => value,
            }
        })
        .collect();
    let namespaces: Vec<Value> = migration
        .namespaces
        .iter()
        .map(|ns| {
            let mut value = serde_json::to_value(ns).unwrap_or_default();
            value["blocking"] = ns
                .blocking
                .iter()
                .map(|b| objects.located(b.handle, serde_json::to_value(b).unwrap_or_default()))
                .collect();
            value["pods"] = ns.pods.iter().map(|p| pod_json(objects, p)).collect();
            value
        })
        .collect();
    json!({
        "version": migration.version,
        "policies": policies,
        "namespaces": namespaces,
        "errors": world.errors.to_json(),
    })
}

fn write_text(
    migration: &Migration,
    objects: &Objects<'_>,
    world: &World,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    world.errors.write_text(out, "error")?;
    for policy in &migration.policies {
        let at = policy_handle(objects, &policy.policy)
            .map(|h| objects.describe(h))
            .unwrap_or_else(|| format!("PodSecurityPolicy {}", policy.policy));
        let verdict = if policy.equivalent {
            format!("equivalent to {}", policy.fits)
        } else {
            format!("fits {}", policy.fits)
        };
        writeln!(out, "{at}: {verdict}")?;
        let mut shown: Vec<&str> = Vec::new();
        for comparison in &policy.levels {
            let new: Vec<_> = comparison
                .laxer
                .iter()
                .filter(|d| !shown.contains(&d.detail.as_str()))
                .collect();
            if !new.is_empty() {
                let also = if shown.is_empty() {
                    ""
                } else {
                    ", besides the above"
                };
                writeln!(out, "  laxer than {}{also}:", comparison.level)?;
                for d in new {
                    writeln!(out, "    {}: {}", d.field, d.detail)?;
                    shown.push(&d.detail);
                }
            }
            // Every restriction is stricter than privileged: listed in JSON only.
            let stricter_matters =
                comparison.level == policy.fits && policy.fits != Level::Privileged;
            if stricter_matters && !comparison.stricter.is_empty() {
                writeln!(out, "  stricter than {}:", comparison.level)?;
                for d in &comparison.stricter {
                    writeln!(out, "    {}: {}", d.field, d.detail)?;
                }
            }
        }
        if !policy.mutating.is_empty() {
            writeln!(
                out,
                "  mutating (the effect disappears with PodSecurityPolicy):"
            )?;
            for m in &policy.mutating {
                writeln!(out, "    {}: {}", m.field, m.effect)?;
            }
        }
    }
    for ns in &migration.namespaces {
        writeln!(out)?;
        let today = match ns.policies.is_empty() {
            true if migration.policies.is_empty() => {
                "no PodSecurityPolicy in the input (every pod counted)".to_owned()
            }
            true => "no PodSecurityPolicy admits its pods today".to_owned(),
            false => format!(
                "admitted today by {}",
                ns.policies.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        writeln!(
            out,
            "namespace {}: {today}; {} without PodSecurityPolicy",
            ns.namespace, ns.level
        )?;
        writeln!(out, "  {}", ns.command)?;
        if !ns.blocking.is_empty() {
            writeln!(out, "  blocking {}:", next_level(ns.level))?;
            for b in &ns.blocking {
                writeln!(out, "    {}: {}", objects.describe(b.handle), b.message)?;
            }
        }
        let rejected: Vec<&PodPlan> = ns.pods.iter().filter(|p| !p.admitted).collect();
        if !rejected.is_empty() {
            writeln!(out, "  rejected by PodSecurityPolicy today (not counted):")?;
            for p in rejected {
                writeln!(
                    out,
                    "    {}: passes {}",
                    objects.describe(p.handle),
                    p.level
                )?;
            }
        }
    }
    let relying: Vec<&PodPlan> = migration
        .namespaces
        .iter()
        .flat_map(|ns| &ns.pods)
        .filter(|p| p.relies_on_psp())
        .collect();
    if !relying.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "pods that pass a level today only because PodSecurityPolicy changes them:"
        )?;
        for p in relying {
            writeln!(
                out,
                "  {}: {} with PodSecurityPolicy {:?}, {} without; write into its manifest:",
                objects.describe(p.handle),
                p.level_with_psp,
                p.policy.as_deref().unwrap_or_default(),
                p.level
            )?;
            for change in &p.changes {
                writeln!(out, "    {}: {}", change.path, change.value)?;
            }
        }
    }
    let stored = migration
        .namespaces
        .iter()
        .flat_map(|ns| &ns.pods)
        .filter(|p| p.written == rampart_core::migrate::Written::Stored)
        .count();
    if stored > 0 {
        writeln!(
            out,
            "\nnote: {stored} stored pod(s) without a controller in the input or a last-applied \
             configuration were judged as stored: fields PodSecurityPolicy set cannot be told \
             from their author's"
        )?;
    }
    Ok(())
}

fn next_level(level: Level) -> Level {
    match level {
        Level::Privileged => Level::Baseline,
        _ => Level::Restricted,
    }
}
