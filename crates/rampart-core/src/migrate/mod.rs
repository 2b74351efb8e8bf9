//! PodSecurityPolicy → Pod Security Admission migration (`rampart pss migrate`), as the
//! upstream guide "Migrate from PodSecurityPolicy to the Built-In PodSecurity Admission
//! Controller" lays it out, done with both engines:
//!
//! * each PodSecurityPolicy compared with the levels, field by field, with its mutating
//!   fields ([`policy::compare`]);
//! * each namespace: the policies that admit its pods today (PSP admission with RBAC
//!   `use`), the strictest level every pod and template PSP admits passes once PSP no
//!   longer changes it (Pod Security on the pod as written), what blocks the next level,
//!   and the labels to set;
//! * the pods that pass a level today only because PSP changes them, with the fields to
//!   write into their manifests (the plugin's patch, at the manifest's paths).
//!
//! "As written" is the manifest for files. For objects read back from a cluster (`kubectl
//! get -o yaml`), which PSP already changed: a pod owned by a controller of the input is
//! represented by that controller's template (templates are never changed by PSP); a
//! pod with a `kubectl.kubernetes.io/last-applied-configuration` is taken as applied;
//! any other stored pod is taken as stored, and says so.

pub(crate) mod policy;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use k8s_openapi::api::core::v1::{AppArmorProfile, Pod, PodSpec, SeccompProfile, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;

pub use policy::{Comparison, Difference, Mutation, PolicyComparison, compare};

use crate::field_path::FieldPath;
use crate::object::{
    APPARMOR_CONTAINER_ANNOTATION_PREFIX, LoadedObject, ObjectRef, PodView, Profile,
    SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, TemplateLocation, WorkloadKinds,
};
use crate::psp::patch::pod_patch;
use crate::psp::{
    AdmissionAttributes, Authorizer, Operation, PSP_ANNOTATION, PodSecurityPolicy, admit,
    as_seen_by_the_plugin,
};
use crate::pss::{Level, LevelVersion, Version, apply_defaults, evaluate};

/// The annotation `kubectl apply` records the applied object in.
pub(crate) const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What a migration reads.
pub struct Input<'a> {
    /// The objects of the input, each with the caller's handle (to locate its fields).
    pub objects: Vec<(usize, &'a LoadedObject)>,
    /// The PodSecurityPolicies.
    pub policies: &'a [PodSecurityPolicy],
    /// Who may `use` which policy.
    pub authorizer: &'a dyn Authorizer,
    /// Kinds that hold pods.
    pub workloads: &'a WorkloadKinds,
    /// The Pod Security Standards version to judge with.
    pub version: Version,
}

/// Where the pod judged without PSP comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Written {
    /// The manifest, or a workload's template: as its author wrote it.
    Manifest,
    /// A stored pod's `kubectl.kubernetes.io/last-applied-configuration`.
    LastApplied,
    /// A stored pod as the cluster holds it: PSP's changes cannot be told apart.
    Stored,
}

/// One field PSP writes into a pod: its path in the manifest and the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// The field, from the object's root.
    pub path: FieldPath,
    /// The value PSP gives it.
    pub value: Value,
}

/// A pod or pod template and its migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodPlan {
    /// The caller's handle of its object.
    #[serde(skip)]
    pub handle: usize,
    /// Its identity.
    #[serde(flatten)]
    pub id: ObjectRef,
    /// Where the pod judged without PSP comes from.
    pub written: Written,
    /// Whether PSP admits it today.
    pub admitted: bool,
    /// The policy that admits it (`kubernetes.io/psp` of a stored pod, else the engine's).
    pub policy: Option<String>,
    /// The strictest level it passes as written (without PSP's changes).
    pub level: Level,
    /// The strictest level it passes as PSP changes it today.
    pub level_with_psp: Level,
    /// What PSP writes into it: the fields its manifest needs once PSP is gone.
    pub changes: Vec<FieldChange>,
}

impl PodPlan {
    /// Whether it passes a stricter level today only because PSP changes it.
    #[must_use]
    pub fn relies_on_psp(&self) -> bool {
        self.admitted && self.level_with_psp > self.level
    }
}

/// A pod or template that fails the level above its namespace's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blocker {
    /// The caller's handle of its object.
    #[serde(skip)]
    pub handle: usize,
    /// Its identity.
    #[serde(flatten)]
    pub id: ObjectRef,
    /// Upstream's denial text at that level.
    pub message: String,
    /// The offending fields, from the object's root.
    pub paths: Vec<FieldPath>,
}

/// The Pod Security labels to set on a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Labels {
    /// `pod-security.kubernetes.io/enforce`: the level every pod passes.
    pub enforce: Level,
    /// `warn`: the next level (the same for restricted).
    pub warn: Level,
    /// `audit`: the next level (the same for restricted).
    pub audit: Level,
}

/// One namespace's migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespacePlan {
    /// The namespace.
    pub namespace: String,
    /// The policies that admit its pods today.
    pub policies: BTreeSet<String>,
    /// The strictest level every pod and template PSP admits passes without PSP.
    pub level: Level,
    /// What fails the next level (empty at restricted).
    pub blocking: Vec<Blocker>,
    /// The labels to set.
    pub labels: Labels,
    /// The `kubectl label` command that sets them.
    pub command: String,
    /// Its pods and templates.
    pub pods: Vec<PodPlan>,
}

/// A whole migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Migration {
    /// Every policy compared with the levels.
    pub policies: Vec<PolicyComparison>,
    /// Every namespace of the input (of a pod, a template or a Namespace object).
    pub namespaces: Vec<NamespacePlan>,
    /// The Pod Security Standards version judged with.
    pub version: Version,
}

/// The next level up (restricted stays).
fn next(level: Level) -> Level {
    match level {
        Level::Privileged => Level::Baseline,
        Level::Baseline | Level::Restricted => Level::Restricted,
    }
}

/// Plans the migration of `input`. Objects whose pod has fields of the wrong type are
/// left out (the caller reports them: they fail to read as a pod).
pub fn plan(input: &Input<'_>) -> Migration {
    let owners: HashSet<(String, Option<&str>, &str)> = input
        .objects
        .iter()
        .filter_map(|(_, o)| {
            Some((
                o.id.kind.clone(),
                o.id.namespace.as_deref(),
                o.id.name.as_deref()?,
            ))
        })
        .collect();
    let mut namespaces: BTreeMap<String, Vec<PodPlan>> = BTreeMap::new();
    for (handle, object) in &input.objects {
        if object.id.kind == "Namespace" && object.id.group().is_empty() {
            if let Some(name) = &object.id.name {
                namespaces.entry(name.clone()).or_default();
            }
            continue;
        }
        if owned_by_an_object_of_the_input(object, &owners) {
            continue;
        }
        let Some(location) = input.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(view)) = PodView::read(&object.value, location.clone()) else {
            continue;
        };
        let namespace = object
            .id
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let pod = pod_plan(input, *handle, object, view, &location, &namespace);
        namespaces.entry(namespace).or_default().push(pod);
    }
    Migration {
        policies: input.policies.iter().map(compare).collect(),
        namespaces: namespaces
            .into_iter()
            .map(|(namespace, pods)| namespace_plan(input, namespace, pods))
            .collect(),
        version: input.version,
    }
}

/// A stored pod whose controller (`ownerReferences` with `controller: true`) is in the
/// input: the controller's template stands for it.
fn owned_by_an_object_of_the_input(
    object: &LoadedObject,
    owners: &HashSet<(String, Option<&str>, &str)>,
) -> bool {
    let references = object.value["metadata"]["ownerReferences"].as_array();
    references.into_iter().flatten().any(|owner| {
        owner["controller"] == true
            && match (owner["kind"].as_str(), owner["name"].as_str()) {
                (Some(kind), Some(name)) => {
                    owners.contains(&(kind.to_owned(), object.id.namespace.as_deref(), name))
                }
                _ => false,
            }
    })
}

/// The pod a Pod object or a workload's template stands for (a workload's pod is named
/// after the workload).
fn pod_of(name: Option<&str>, view: PodView) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: name.map(str::to_owned),
            ..view.meta
        },
        spec: Some(view.spec),
        status: None,
    }
}

/// The pod as written: see the module documentation.
fn as_written(object: &LoadedObject, view: PodView) -> (Pod, Written) {
    let is_pod = object.id.kind == "Pod" && object.id.group().is_empty();
    let stored = is_pod && !object.value["status"].is_null()
        || view
            .meta
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(PSP_ANNOTATION));
    let last_applied = is_pod
        .then(|| view.annotation(LAST_APPLIED_ANNOTATION))
        .flatten()
        .and_then(|text| serde_json::from_str::<Pod>(text).ok())
        .filter(|pod| pod.spec.is_some());
    let name = object.id.name.as_deref();
    match (last_applied, stored) {
        (Some(applied), _) => (applied, Written::LastApplied),
        (None, true) => (pod_of(name, view), Written::Stored),
        (None, false) => (pod_of(name, view), Written::Manifest),
    }
}

/// The strictest level `pod` passes, after the API server's defaulting.
fn strictest_level(pod: &Pod, version: Version) -> Level {
    let mut spec = pod.spec.clone().unwrap_or_default();
    apply_defaults(&mut spec);
    [Level::Restricted, Level::Baseline]
        .into_iter()
        .find(|level| evaluate(&LevelVersion::new(*level, version), &pod.metadata, &spec).allowed())
        .unwrap_or(Level::Privileged)
}

fn pod_plan(
    input: &Input<'_>,
    handle: usize,
    object: &LoadedObject,
    view: PodView,
    location: &TemplateLocation,
    namespace: &str,
) -> PodPlan {
    let stored_policy = view.annotation(PSP_ANNOTATION).map(str::to_owned);
    let (written_pod, written) = as_written(object, view);
    let request = AdmissionAttributes {
        operation: Operation::Create,
        pod: as_seen_by_the_plugin(&written_pod, namespace, None),
        old_pod: None,
        user: None,
        namespace: namespace.to_owned(),
        subresource: None,
    };
    let outcome = admit(&request, input.policies, input.authorizer);
    let level = strictest_level(&written_pod, input.version);
    let (admitted, level_with_psp, changes) = if input.policies.is_empty() {
        (true, level, Vec::new())
    } else if outcome.allowed {
        let mutated = with_profile_fields(&request.pod, &outcome.mutated_pod);
        let changes = changes_of(&pod_patch(&request.pod, &mutated), location);
        (true, strictest_level(&mutated, input.version), changes)
    } else {
        (stored_policy.is_some(), level, Vec::new())
    };
    PodPlan {
        handle,
        id: object.id.clone(),
        written,
        admitted,
        policy: stored_policy.or(outcome.policy),
        level,
        level_with_psp,
        changes,
    }
}

/// The pod PSP admitted, with the seccomp and AppArmor annotations it added turned into
/// the fields: the API server of PSP's days copied them into the fields when it created
/// the pod, and only the fields work from Kubernetes v1.27 (seccomp).
fn with_profile_fields(submitted: &Pod, admitted: &Pod) -> Pod {
    let mut pod = admitted.clone();
    let before = submitted.metadata.annotations.clone().unwrap_or_default();
    let added: Vec<(String, String)> = admitted
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(key, value)| before.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let Some(spec) = pod.spec.as_mut() else {
        return pod;
    };
    for (key, value) in added {
        let profile = Profile::of_annotation(&value);
        let seccomp = || SeccompProfile {
            type_: profile.kind.clone(),
            localhost_profile: profile.localhost.clone(),
        };
        if key == SECCOMP_POD_ANNOTATION {
            spec.security_context
                .get_or_insert_with(Default::default)
                .seccomp_profile
                .get_or_insert_with(seccomp);
        } else if let Some(name) = key.strip_prefix(SECCOMP_CONTAINER_ANNOTATION_PREFIX) {
            if let Some(sc) = container_context(spec, name) {
                sc.seccomp_profile.get_or_insert_with(seccomp);
            }
        } else if let Some(name) = key.strip_prefix(APPARMOR_CONTAINER_ANNOTATION_PREFIX) {
            if let Some(sc) = container_context(spec, name) {
                sc.app_armor_profile.get_or_insert_with(|| AppArmorProfile {
                    type_: profile.kind.clone(),
                    localhost_profile: profile.localhost.clone(),
                });
            }
        } else {
            continue;
        }
        if let Some(annotations) = pod.metadata.annotations.as_mut() {
            annotations.remove(&key);
        }
    }
    pod
}

/// The security context of the container (of any list) named `name`, created if absent.
fn container_context<'a>(spec: &'a mut PodSpec, name: &str) -> Option<&'a mut SecurityContext> {
    let regular = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten());
    if let Some(container) = regular.into_iter().find(|c| c.name == name) {
        return Some(
            container
                .security_context
                .get_or_insert_with(Default::default),
        );
    }
    spec.ephemeral_containers
        .iter_mut()
        .flatten()
        .find(|c| c.name == name)
        .map(|c| c.security_context.get_or_insert_with(Default::default))
}

/// The fields a PSP patch writes, at the manifest's paths (the `kubernetes.io/psp`
/// annotation left out: it only records the policy).
fn changes_of(patch: &json_patch::Patch, location: &TemplateLocation) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for op in &patch.0 {
        let (path, value) = match op {
            json_patch::PatchOperation::Add(op) => (op.path.to_string(), &op.value),
            json_patch::PatchOperation::Replace(op) => (op.path.to_string(), &op.value),
            _ => continue,
        };
        let segments: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let Some((root, rest)) = segments.split_first() else {
            continue;
        };
        let base = match root.as_str() {
            "spec" => location.spec.clone(),
            "metadata" => location.metadata.clone(),
            _ => continue,
        };
        let path = rest.iter().fold((base, false), |(path, keyed), segment| {
            let next = if keyed {
                path.key(segment.clone())
            } else if let Ok(index) = segment.parse::<usize>() {
                path.index(index)
            } else {
                path.child_owned(segment.clone())
            };
            (next, matches!(segment.as_str(), "annotations" | "labels"))
        });
        leaves(path.0, value, &mut changes);
    }
    changes.retain(|c| {
        !c.path
            .to_string()
            .ends_with(&format!("annotations[{PSP_ANNOTATION}]"))
    });
    changes
}

/// The leaves of `value` at `path` (objects are walked; lists and scalars are leaves).
fn leaves(path: FieldPath, value: &Value, out: &mut Vec<FieldChange>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keyed = path
                .segments()
                .last()
                .is_some_and(|s| matches!(s, crate::field_path::Segment::Field(f) if f == "annotations" || f == "labels"));
            for (key, value) in map {
                let child = if keyed {
                    path.key(key.clone())
                } else {
                    path.child_owned(key.clone())
                };
                leaves(child, value, out);
            }
        }
        other => out.push(FieldChange {
            path,
            value: other.clone(),
        }),
    }
}

fn namespace_plan(input: &Input<'_>, namespace: String, pods: Vec<PodPlan>) -> NamespacePlan {
    let admitted = || pods.iter().filter(|p| p.admitted);
    let level = admitted()
        .map(|p| p.level)
        .min()
        .unwrap_or(Level::Restricted);
    let policies = admitted().filter_map(|p| p.policy.clone()).collect();
    let blocking = if level == Level::Restricted {
        Vec::new()
    } else {
        let target = LevelVersion::new(next(level), input.version);
        input
            .objects
            .iter()
            .filter(|(handle, _)| admitted().any(|p| p.handle == *handle && p.level < target.level))
            .filter_map(|(handle, object)| blocker(*handle, object, input, &target))
            .collect()
    };
    let labels = Labels {
        enforce: level,
        warn: next(level),
        audit: next(level),
    };
    NamespacePlan {
        command: label_command(&namespace, labels, input.version),
        namespace,
        policies,
        level,
        blocking,
        labels,
        pods,
    }
}

/// Why `object`'s pod as written fails `target`.
fn blocker(
    handle: usize,
    object: &LoadedObject,
    input: &Input<'_>,
    target: &LevelVersion,
) -> Option<Blocker> {
    let location = input.workloads.template_of(&object.id)?;
    let view = PodView::read(&object.value, location.clone()).ok()??;
    let (pod, _) = as_written(object, view);
    let mut spec = pod.spec.clone().unwrap_or_default();
    apply_defaults(&mut spec);
    let evaluation = evaluate(target, &pod.metadata, &spec);
    let root = location.spec.parent().unwrap_or_default();
    Some(Blocker {
        handle,
        id: object.id.clone(),
        message: evaluation.forbidden_message()?,
        paths: evaluation
            .violations()
            .iter()
            .flat_map(|v| v.paths.iter().map(|p| root.join(p)))
            .collect(),
    })
}

/// `kubectl label --overwrite ns NAME pod-security.kubernetes.io/enforce=LEVEL ...`, with
/// the version pinned when one was chosen.
fn label_command(namespace: &str, labels: Labels, version: Version) -> String {
    let mut parts = vec![format!("kubectl label --overwrite ns {namespace}")];
    for (mode, level) in [
        ("enforce", labels.enforce),
        ("warn", labels.warn),
        ("audit", labels.audit),
    ] {
        parts.push(format!("pod-security.kubernetes.io/{mode}={level}"));
        if version != Version::Latest {
            parts.push(format!(
                "pod-security.kubernetes.io/{mode}-version={version}"
            ));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests;
