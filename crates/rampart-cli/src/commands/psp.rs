//! `rampart psp`: PodSecurityPolicy admission of pods and workload pod templates, as the
//! Kubernetes 1.24 plugin did it.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rampart_core::FieldPath;
use rampart_core::object::{Loaded, LoadedObject, PodView, WorkloadKinds, typed_at};
use rampart_core::psp::{
    AdmissionAttributes, AdmissionOutcome, AllowAll, Authorizer, Operation, PodSecurityPolicy,
    Rbac, UserInfo, admit, as_seen_by_the_plugin,
};
use rampart_core::source::InputError;
use serde::Serialize;

use super::{Problems, load_inputs};
use crate::cli::{self, Exit, PspArgs, ReportFormat};

/// Everything read from the inputs.
pub(crate) struct World {
    pub files: Vec<(String, Loaded)>,
    pub errors: Problems,
}

impl World {
    fn objects(&self) -> impl Iterator<Item = (&str, &Loaded, &LoadedObject)> {
        self.files.iter().flat_map(|(file, loaded)| {
            loaded
                .objects
                .iter()
                .map(move |o| (file.as_str(), loaded, o))
        })
    }

    fn of_kind<'a>(
        &'a self,
        group: &'a [&'a str],
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Loaded, &'a LoadedObject)> {
        self.objects()
            .filter(move |(_, _, o)| o.id.kind == kind && group.contains(&o.id.group()))
    }

    fn typed<T: serde::de::DeserializeOwned>(&mut self, group: &[&str], kind: &str) -> Vec<T> {
        let mut found = Vec::new();
        let mut errors = Problems::default();
        for (file, loaded, object) in self.of_kind(group, kind) {
            match typed_at::<T>(&object.value, &FieldPath::root()) {
                Ok(Some(value)) => found.push(value),
                Ok(None) => {}
                Err(e) => errors.push(
                    file,
                    InputError::new(
                        loaded.locate(object, &e.path),
                        format!("{kind}: {}: {}", e.path, e.message),
                    ),
                ),
            }
        }
        self.errors.0.extend(errors.0);
        found
    }
}

/// The PodSecurityPolicies and RBAC objects of a run.
pub(crate) struct Policies {
    pub policies: Vec<PodSecurityPolicy>,
    pub rbac: Rbac,
    /// Whether the input holds any RBAC object (without, every user may use every policy).
    pub has_rbac: bool,
}

impl Policies {
    /// Who may use which policy: the RBAC objects, or everyone when there are none.
    pub fn authorizer(&self) -> &dyn Authorizer {
        if self.has_rbac { &self.rbac } else { &AllowAll }
    }
}

impl World {
    /// The PodSecurityPolicies and RBAC objects among the inputs (objects that do not
    /// read as their kind become errors).
    pub fn policies(&mut self) -> Policies {
        let policies = self.typed(PSP_GROUPS, "PodSecurityPolicy");
        let rbac = Rbac {
            roles: self.typed(RBAC, "Role"),
            cluster_roles: self.typed(RBAC, "ClusterRole"),
            role_bindings: self.typed(RBAC, "RoleBinding"),
            cluster_role_bindings: self.typed(RBAC, "ClusterRoleBinding"),
        };
        let has_rbac = !(rbac.roles.is_empty()
            && rbac.cluster_roles.is_empty()
            && rbac.role_bindings.is_empty()
            && rbac.cluster_role_bindings.is_empty());
        Policies {
            policies,
            rbac,
            has_rbac,
        }
    }
}

const RBAC: &[&str] = &["rbac.authorization.k8s.io"];
const PSP_GROUPS: &[&str] = &["policy", "extensions"];

fn read_world(args: &PspArgs) -> World {
    let mut paths = args.input.paths.clone();
    paths.extend(args.policies.iter().cloned());
    let (files, errors) = load_inputs(&paths, &args.input);
    World { files, errors }
}

/// The pod a Pod object or a workload's template stands for, as written (a workload's
/// pod is named after the workload): what the result's `pod` is the patched copy of.
fn pod_of(object: &LoadedObject, view: PodView) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: object.id.name.clone(),
            ..view.meta
        },
        spec: Some(view.spec),
        status: None,
    }
}

/// Reports the admitted pod against the input: what the API server set before the plugin
/// ran (namespace, service account; never touched by the plugin, so never in the patch)
/// is taken back, so that `pod` is exactly the input with `patch` applied.
fn report_against_input(outcome: &mut AdmissionOutcome, input: &Pod) {
    let pod = &mut outcome.mutated_pod;
    pod.metadata.namespace.clone_from(&input.metadata.namespace);
    if let (Some(spec), Some(input)) = (pod.spec.as_mut(), input.spec.as_ref()) {
        spec.service_account_name
            .clone_from(&input.service_account_name);
    }
}

/// Identity of an object across the inputs and `--old`: group, kind, namespace, name.
type Identity = (String, String, Option<String>, Option<String>);

fn identity(object: &LoadedObject) -> Identity {
    (
        object.id.group().to_owned(),
        object.id.kind.clone(),
        object.id.namespace.clone(),
        object.id.name.clone(),
    )
}

/// Every pod and pod template of `files`, with where it is; type errors go to `errors`.
fn pods<'a>(
    files: &'a [(String, Loaded)],
    kinds: &WorkloadKinds,
    errors: &mut Problems,
) -> Vec<(&'a str, &'a Loaded, &'a LoadedObject, Pod)> {
    let mut found = Vec::new();
    for (file, loaded) in files {
        for object in &loaded.objects {
            let Some(location) = kinds.template_of(&object.id) else {
                continue;
            };
            match PodView::read(&object.value, location) {
                Ok(Some(view)) => found.push((file.as_str(), loaded, object, pod_of(object, view))),
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
    found
}

/// The stored pods of `--old`, by identity.
fn stored_pods(
    path: &std::path::Path,
    input: &crate::cli::InputArgs,
    kinds: &WorkloadKinds,
    errors: &mut Problems,
) -> HashMap<Identity, Pod> {
    let (files, problems) = load_inputs(&[path.to_path_buf()], input);
    errors.0.extend(problems.0);
    pods(&files, kinds, errors)
        .into_iter()
        .map(|(_, _, object, pod)| (identity(object), pod))
        .collect()
}

#[derive(Serialize)]
struct PspResult<'a> {
    file: &'a str,
    document: usize,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    #[serde(flatten)]
    outcome: AdmissionOutcome,
    /// Why nothing could admit the pod, when that is not the policies' fault (text only).
    #[serde(skip)]
    hint: Option<String>,
}

pub fn run(args: &PspArgs) -> Result<Exit> {
    let operation = match args.operation {
        cli::Operation::Create => Operation::Create,
        cli::Operation::Update => Operation::Update,
    };
    if args.old.is_some() && operation != Operation::Update {
        anyhow::bail!(
            "--old gives the stored objects of an update: use it with --operation update"
        );
    }
    let mut world = read_world(args);
    let found = world.policies();
    let (policies, has_rbac) = (&found.policies, found.has_rbac);
    let authz = found.authorizer();
    let user = args.user.as_ref().map(|username| UserInfo {
        username: username.clone(),
        groups: args.groups.clone(),
    });
    let (sa_namespace, sa_name) = match args.service_account.as_deref().map(|s| s.split_once('/')) {
        Some(Some((ns, name))) => (Some(ns), Some(name)),
        Some(None) => anyhow::bail!("--service-account must be NAMESPACE/NAME"),
        None => (None, None),
    };
    let kinds = WorkloadKinds::default();
    let mut errors = std::mem::take(&mut world.errors);
    let stored = args
        .old
        .as_deref()
        .map(|path| stored_pods(path, &args.input, &kinds, &mut errors));
    let mut results = Vec::new();
    for (file, loaded, object, input) in pods(&world.files, &kinds, &mut errors) {
        let namespace = input
            .metadata
            .namespace
            .as_deref()
            .or(sa_namespace)
            .unwrap_or("default");
        let old_pod = match &stored {
            None => None,
            Some(stored) => {
                let old = stored.get(&identity(object));
                if old.is_none() {
                    errors.push(
                        file,
                        InputError::new(
                            loaded.locate(object, &rampart_core::FieldPath::root()),
                            format!(
                                "{}: no stored object with this kind, namespace and name in --old; validated as an update without one",
                                rampart_core::object::label(
                                    &object.id.kind,
                                    object.id.namespace.as_deref(),
                                    object.id.name.as_deref()
                                )
                            ),
                        ),
                    );
                }
                old.map(|old| as_seen_by_the_plugin(old, namespace, sa_name))
            }
        };
        let is_pod = object.id.kind == "Pod" && object.id.group().is_empty();
        let request = AdmissionAttributes {
            operation,
            pod: as_seen_by_the_plugin(&input, namespace, sa_name),
            old_pod,
            user: if is_pod { user.clone() } else { None },
            namespace: namespace.to_owned(),
            subresource: None,
        };
        let service_account = request
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default();
        let requester = Requester {
            service_account: format!("{namespace}/{service_account}"),
            user: if is_pod { args.user.as_deref() } else { None },
            is_pod,
        };
        let mut outcome = admit(&request, policies, authz);
        report_against_input(&mut outcome, &input);
        let hint = hint(&outcome, policies, has_rbac, &requester);
        results.push(PspResult {
            file,
            document: object.document,
            api_version: &object.id.api_version,
            kind: &object.id.kind,
            namespace: object.id.namespace.as_deref(),
            name: object.id.name.as_deref(),
            outcome,
            hint,
        });
    }
    report_invalid_policies(&world, &results, &mut errors);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        ReportFormat::Json => write_json(&results, &errors, &mut out),
        ReportFormat::Text => write_text(&results, &errors, &mut out),
    }
    .and_then(|()| out.flush());
    super::report_written(written.map_err(Into::into))?;
    Ok(if !errors.is_empty() {
        Exit::Usage
    } else if results.iter().any(|r| !r.outcome.allowed) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Who asks for a pod: its service account (`ns/name`), and for a Pod the user.
struct Requester<'a> {
    service_account: String,
    user: Option<&'a str>,
    is_pod: bool,
}

/// Why a pod was rejected without any policy's error: no PodSecurityPolicy at all, or
/// none that the RBAC objects of the input let the requester `use`; and what to do.
fn hint(
    outcome: &AdmissionOutcome,
    policies: &[PodSecurityPolicy],
    has_rbac: bool,
    requester: &Requester<'_>,
) -> Option<String> {
    if outcome.allowed || !outcome.errors.is_empty() {
        return None;
    }
    let usable = policies.len() > outcome.skipped_policies.len();
    if !usable {
        return Some(
            "no usable PodSecurityPolicy is in the input: add them to the PATHs or give them \
             with --policies FILE"
                .to_owned(),
        );
    }
    if !has_rbac {
        return None;
    }
    let account = format!("the service account {}", requester.service_account);
    let who = match requester.user {
        Some(user) => format!("neither {account} nor the user {user:?}"),
        None => account,
    };
    let ask = if requester.user.is_some() {
        "; give the user's groups with --group G, or add a RoleBinding that grants `use`"
    } else if requester.is_pod {
        "; name the user who creates the pod with --user U --group G (a pod is authorized \
         through its creator too), or add a RoleBinding that grants `use`"
    } else {
        "; a workload's pods are authorized through their service account only: add a \
         RoleBinding that grants it `use`"
    };
    Some(format!(
        "no policy could be tried: the RBAC objects of the input grant `use` of none to {who}{ask}"
    ))
}

/// Invalid PodSecurityPolicy objects, located at the offending field; they were not used.
fn report_invalid_policies(world: &World, results: &[PspResult<'_>], errors: &mut Problems) {
    let mut seen = std::collections::BTreeSet::new();
    for skipped in results.iter().flat_map(|r| &r.outcome.skipped_policies) {
        if !seen.insert(skipped.policy.clone()) {
            continue;
        }
        let found = world
            .of_kind(PSP_GROUPS, "PodSecurityPolicy")
            .find(|(_, _, o)| o.id.name.as_deref() == Some(skipped.policy.as_str()));
        let Some((file, loaded, object)) = found else {
            continue;
        };
        if skipped.errors.is_empty() {
            errors.push(
                file,
                InputError::new(
                    loaded.locate(object, &rampart_core::FieldPath::root()),
                    format!(
                        "PodSecurityPolicy {:?} not used: {}",
                        skipped.policy, skipped.reason
                    ),
                ),
            );
        }
        for e in &skipped.errors {
            errors.push(
                file,
                InputError::new(
                    loaded.locate(object, &e.field),
                    format!(
                        "PodSecurityPolicy {:?} is invalid and not used: {e}",
                        skipped.policy
                    ),
                ),
            );
        }
    }
}

fn write_json(
    results: &[PspResult<'_>],
    errors: &Problems,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = serde_json::json!({"results": results, "errors": errors.to_json()});
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn write_text(
    results: &[PspResult<'_>],
    errors: &Problems,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    errors.write_text(out, "error")?;
    for r in results {
        let object = rampart_core::object::label(r.kind, r.namespace, r.name);
        match (&r.outcome.message, &r.outcome.policy) {
            (Some(message), _) => {
                writeln!(out, "{}: {object}: {message}", r.file)?;
                if let Some(hint) = &r.hint {
                    writeln!(out, "    {hint}")?;
                }
            }
            (None, None) => writeln!(
                out,
                "{}: {object}: admitted without evaluation: the update changes only garbage-collection fields",
                r.file
            )?,
            (None, Some(policy)) => {
                let changes = r.outcome.patch.0.len();
                writeln!(
                    out,
                    "{}: {object}: admitted by PodSecurityPolicy {policy:?}, {changes} change(s)",
                    r.file
                )?;
                for op in &r.outcome.patch.0 {
                    writeln!(out, "    {}", serde_json::to_string(op).unwrap_or_default())?;
                }
            }
        }
    }
    let rejected = results.iter().filter(|r| !r.outcome.allowed).count();
    writeln!(
        out,
        "{} pods and pod templates: {} admitted, {rejected} rejected, {} errors",
        results.len(),
        results.len() - rejected,
        errors.0.len()
    )
}
