//! Rules that look across every object of a run, not one object at a time: a
//! NetworkPolicy in one file decides what a Deployment in another can reach.
//!
//! The object pass keeps a [`Collected`] copy of the objects such rules need (see
//! [`collects`]), so memory grows with those objects only, not with file sizes.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Keep, RuleMeta};
use crate::docker::{BuiltImage, DockerfileView};
use crate::field_path::FieldPath;
use crate::finding::{Finding, Severity};
use crate::kinds::{self, GroupKind};
use crate::object::{ObjectRef, WorkloadKinds};
use crate::source::{FlatPositions, Pos, PosNode};

/// An object kept for the run rules: its kept part as compact JSON text and its kept
/// positions flattened, a fraction of the size of a JSON tree and a position tree.
#[derive(Debug, Clone)]
pub struct Collected {
    /// Index of its file in the run (assigned by the caller).
    pub file: usize,
    /// Its file's name as the scan was given it (rules that group files by where they
    /// sit on a node read it).
    pub file_name: Arc<str>,
    /// The whole object was kept, not only the part [`kept_part`] names (a pod that
    /// runs the kubelet: the kubelet rules read its command line).
    pub whole: bool,
    /// 0-based index of its document in the file.
    pub document: usize,
    /// Its identity.
    pub id: ObjectRef,
    /// The kept part of the object, as JSON.
    json: Box<str>,
    /// Positions of the kept fields (rooted at the object).
    positions: FlatPositions,
}

impl Collected {
    /// Keeps what the run rules need of the object `value` (document `document`,
    /// identity `id`): its [`kept_part`], and the positions of its [`located_part`] when
    /// it has a position tree.
    pub fn new(
        document: usize,
        id: ObjectRef,
        value: &Value,
        positions: Option<&PosNode>,
        workloads: &WorkloadKinds,
    ) -> Self {
        let located = located_part(&id, workloads);
        Self {
            file: 0,
            file_name: Arc::from(""),
            whole: false,
            document,
            json: json_text(&kept_part(&id, workloads).part(value)),
            positions: positions.map_or_else(FlatPositions::default, |p| located.positions(p)),
            id,
        }
    }

    /// Keeps all of the object `value` and all of its positions.
    pub fn whole(
        document: usize,
        id: ObjectRef,
        value: &Value,
        positions: Option<&PosNode>,
    ) -> Self {
        Self {
            file: 0,
            file_name: Arc::from(""),
            whole: true,
            document,
            json: json_text(value),
            positions: positions.map_or_else(FlatPositions::default, FlatPositions::of),
            id,
        }
    }

    /// The kept part of the object, read back from its JSON text.
    pub fn value(&self) -> Value {
        // The text is what `json_text` wrote from a value the parser's depth limit already
        // bounded, so it always reads back: serde_json's own limit (one level short of
        // the parser's) is lifted.
        let mut reader = serde_json::Deserializer::from_str(&self.json);
        reader.disable_recursion_limit();
        Value::deserialize(&mut reader).unwrap_or_default()
    }

    /// Where `path` (from the object's root) is in the file.
    pub fn locate(&self, path: &FieldPath) -> Pos {
        self.positions.locate(path).pos
    }
}

/// Compact JSON for a value (`null` in the impossible case that it cannot be written:
/// keys are strings and numbers finite).
fn json_text(value: &impl Serialize) -> Box<str> {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".to_owned())
        .into_boxed_str()
}

/// The kind under which a Dockerfile is collected for the run rules.
pub const DOCKERFILE_KIND: &str = "Dockerfile";

/// Keeps what the run rules need of a Dockerfile named `name`: what it builds
/// ([`BuiltImage`]: the images and the user of its final stage).
pub fn dockerfile_collected(
    name: &str,
    view: &DockerfileView<'_, '_>,
    positions: &PosNode,
) -> Collected {
    Collected {
        file: 0,
        file_name: Arc::from(name),
        whole: false,
        document: 0,
        id: ObjectRef {
            kind: DOCKERFILE_KIND.to_owned(),
            ..ObjectRef::default()
        },
        json: json_text(&BuiltImage::of(name, view)),
        positions: FlatPositions::of(positions),
    }
}

/// Kinds the run rules look at, besides every kind that holds a pod.
const RUN_KINDS: &[GroupKind<'static>] = &[
    kinds::NAMESPACE,
    kinds::NODE,
    kinds::SERVICE_ACCOUNT,
    kinds::NETWORK_POLICY,
    kinds::ROLE,
    kinds::CLUSTER_ROLE,
    kinds::ROLE_BINDING,
    kinds::CLUSTER_ROLE_BINDING,
    kinds::KUBELET_CONFIGURATION,
    kinds::KUBELET_FLAGS,
];

/// Whether the object pass must keep `id` for the run rules.
pub fn collects(id: &ObjectRef, workloads: &WorkloadKinds) -> bool {
    RUN_KINDS.iter().any(|gk| gk.is(id)) || workloads.template_of(id).is_some()
}

/// The fields of a pod's spec that run rules read (network identity and exposure,
/// the user it runs as, service account and token, placement).
const POD_SPEC_FIELDS: &[&str] = &[
    "hostNetwork",
    "securityContext",
    "nodeName",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeSelector",
    "tolerations",
    "volumes",
];

/// The fields of a container that run rules read.
const CONTAINER_FIELDS: &[&str] = &["name", "image", "ports", "restartPolicy", "securityContext"];

/// What of `id`'s object the run rules need: small kinds whole, Pods with their whole
/// spec, other pod-holding kinds pruned to their identity, labels, annotations and the
/// pod fields above.
pub fn kept_part(id: &ObjectRef, workloads: &WorkloadKinds) -> Keep {
    let Some(location) = workloads.template_of(id) else {
        return Keep::All;
    };
    if kinds::POD.is(id) {
        // A running pod's whole spec: Pod Security's dry run of a namespace reads it all.
        return Keep::fields(&["apiVersion", "kind", "metadata", "status", "spec"]);
    }
    Keep::fields(&["apiVersion", "kind", "metadata", "status"])
        .merge(Keep::at(
            &location.metadata,
            Keep::fields(&["labels", "annotations"]),
        ))
        .merge(Keep::at(&location.spec, pod_spec_part()))
}

/// The fields of `id`'s object that run findings point at, whose positions a scan keeps:
/// a pod-holding kind's pod fields above, a binding's subjects, a Namespace's name and labels, nothing
/// of other kinds
/// (no run rule reports about them). A path outside is located at its nearest kept
/// ancestor, so a run rule that reports elsewhere must add the field here.
pub fn located_part(id: &ObjectRef, workloads: &WorkloadKinds) -> Keep {
    if let Some(location) = workloads.template_of(id) {
        return Keep::at(&location.spec, pod_spec_part());
    }
    match GroupKind::of(id) {
        kinds::ROLE_BINDING | kinds::CLUSTER_ROLE_BINDING => Keep::fields(&["subjects"]),
        kinds::NAMESPACE => Keep::at(
            &FieldPath::fields(&["metadata"]),
            Keep::fields(&["name", "labels"]),
        ),
        // The kubelet rules report at any setting of these files.
        kinds::KUBELET_CONFIGURATION | kinds::KUBELET_FLAGS => Keep::All,
        _ => Keep::Fields(Vec::new()),
    }
}

/// The pod spec fields and container fields above.
fn pod_spec_part() -> Keep {
    let containers = Keep::Items(Box::new(Keep::fields(CONTAINER_FIELDS)));
    let mut spec = Keep::fields(POD_SPEC_FIELDS);
    if let Keep::Fields(fields) = &mut spec {
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            fields.push((list.to_owned(), containers.clone()));
        }
    }
    spec
}

/// What a run rule sees: every collected object of the run.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// The collected objects, in run order (file, then document).
    pub objects: &'a [Collected],
    /// Kinds that hold pods.
    pub workloads: &'a WorkloadKinds,
    /// Work several run rules share, done on first use.
    pub(crate) cache: &'a RunCache,
}

/// Work several run rules share, done once per run on first use: what the run's RBAC
/// bindings hand out.
#[derive(Debug, Default)]
pub(crate) struct RunCache {
    pub(super) rbac: OnceLock<super::rbac::RunRbac>,
}

/// Collects a run rule's findings, each about one collected object.
#[derive(Debug)]
pub struct RunFindings {
    meta: RuleMeta,
    items: Vec<(usize, Finding)>,
}

impl RunFindings {
    /// An empty collector for the rule `meta`.
    pub fn new(meta: RuleMeta) -> Self {
        Self {
            meta,
            items: Vec::new(),
        }
    }

    /// The rule these findings are about.
    pub fn rule(&self) -> &RuleMeta {
        &self.meta
    }

    /// Reports a problem with `ctx.objects[object]` at `path`.
    pub fn report(&mut self, object: usize, path: FieldPath, message: impl Into<String>) {
        self.report_as(self.meta.severity, object, path, message);
    }

    /// Like [`report`](Self::report) with another severity than the rule's default.
    pub fn report_as(
        &mut self,
        severity: Severity,
        object: usize,
        path: FieldPath,
        message: impl Into<String>,
    ) {
        self.items.push((
            object,
            Finding {
                rule: self.meta.id,
                severity,
                path,
                message: message.into(),
                container: None,
            },
        ));
    }

    /// The findings, each with the index of its object.
    pub fn into_vec(self) -> Vec<(usize, Finding)> {
        self.items
    }
}

/// A rule over the whole run.
#[derive(Clone, Copy)]
pub struct RunRule {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// The check.
    pub check: fn(&RunContext<'_>, &mut RunFindings),
    /// How `rampart fix` repairs the findings (their paths are from their objects'
    /// roots), when it can.
    pub fix: Option<&'static crate::fix::Fix>,
}

impl std::fmt::Debug for RunRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunRule")
            .field("id", &self.meta.id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Limits, parse_text};

    fn collected(text: &str) -> Collected {
        let document = &parse_text(text, &Limits::default()).documents[0];
        let id = ObjectRef::of(&document.value);
        let workloads = WorkloadKinds::default();
        assert!(collects(&id, &workloads));
        Collected::new(
            0,
            id,
            &document.value,
            Some(&document.positions),
            &workloads,
        )
    }

    #[test]
    fn the_deepest_object_the_parser_accepts_reads_back() {
        let nested = |depth: usize| {
            format!(
                "{{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\", \
                 \"metadata\": {{\"name\": \"deep\"}}, \"spec\": {}1{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let deepest = (100..200)
            .map(nested)
            .take_while(|text| parse_text(text, &Limits::default()).errors.is_empty())
            .last()
            .expect("a nesting the parser accepts");
        let document = &parse_text(&deepest, &Limits::default()).documents[0];
        assert_eq!(collected(&deepest).value(), document.value);
    }

    #[test]
    fn keeps_positions_where_run_findings_point_only() {
        let deployment = collected(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {app: a}\n\
             spec:\n  template:\n    spec:\n      serviceAccountName: sa\n",
        );
        let account = FieldPath::fields(&["spec", "template", "spec", "serviceAccountName"]);
        assert_eq!(deployment.locate(&account), Pos::new(9, 27));
        let labels = FieldPath::fields(&["metadata", "labels"]);
        assert_eq!(deployment.locate(&labels), Pos::new(1, 1));
        assert_eq!(deployment.value()["metadata"]["labels"]["app"], "a");

        let binding = collected(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n\
             roleRef: {kind: Role, name: r}\nsubjects:\n- {kind: User, name: u}\n",
        );
        let subject = FieldPath::fields(&["subjects"]).index(0);
        assert_eq!(binding.locate(&subject), Pos::new(6, 3));
        assert_eq!(binding.value()["roleRef"]["name"], "r");

        let role = collected(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n\
             rules: [{verbs: ['*']}]\n",
        );
        assert_eq!(role.locate(&FieldPath::fields(&["rules"])), Pos::new(1, 1));
        assert_eq!(role.value()["rules"][0]["verbs"][0], "*");
    }
}
