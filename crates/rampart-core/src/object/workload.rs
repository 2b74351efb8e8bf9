//! Where each workload kind keeps its pod template.

use serde::Deserialize;

use super::ObjectRef;
use crate::field_path::FieldPath;
use crate::kinds::{self, GroupKind};

/// Where a kind keeps its pod: the paths of the pod's metadata and spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateLocation {
    /// Path of the pod (template) metadata, e.g. `spec.template.metadata`.
    pub metadata: FieldPath,
    /// Path of the pod spec, e.g. `spec.template.spec`.
    pub spec: FieldPath,
}

impl TemplateLocation {
    /// A template at `template` (holding `metadata` and `spec`).
    pub fn at(template: FieldPath) -> Self {
        Self {
            metadata: template.child("metadata"),
            spec: template.child("spec"),
        }
    }
}

/// A custom kind whose objects carry a pod template, e.g. Argo Rollouts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomWorkload {
    /// API group (`argoproj.io`); empty for the core group.
    pub group: String,
    /// Kind (`Rollout`).
    pub kind: String,
    /// Dotted path of the template holding `metadata` and `spec` (`spec.template`).
    pub template_path: String,
}

/// The table of kinds that hold pods: the built-in workloads plus custom ones.
#[derive(Debug, Clone)]
pub struct WorkloadKinds {
    custom: Vec<(String, String, FieldPath)>,
}

impl Default for WorkloadKinds {
    fn default() -> Self {
        let mut kinds = Self { custom: Vec::new() };
        kinds.add_custom("argoproj.io", "Rollout", "spec.template");
        kinds.add_custom("serving.knative.dev", "Service", "spec.template");
        kinds.add_custom("serving.knative.dev", "Configuration", "spec.template");
        kinds
    }
}

impl WorkloadKinds {
    /// Registers a custom kind whose pod template is at the dotted `template_path`.
    pub fn add_custom(&mut self, group: &str, kind: &str, template_path: &str) {
        let path = template_path
            .split('.')
            .filter(|s| !s.is_empty())
            .fold(FieldPath::root(), |p, s| p.child_owned(s));
        self.custom.retain(|(g, k, _)| !(g == group && k == kind));
        self.custom.push((group.to_owned(), kind.to_owned(), path));
    }

    /// Registers the custom kinds of a configuration file.
    pub fn extend(&mut self, custom: &[CustomWorkload]) {
        for c in custom {
            self.add_custom(&c.group, &c.kind, &c.template_path);
        }
    }

    /// The custom kinds (beyond the built-in workloads) as `(group, kind)` pairs: the
    /// defaults (Argo Rollouts, Knative) and the configured ones.
    pub fn custom_kinds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.custom.iter().map(|(g, k, _)| (g.as_str(), k.as_str()))
    }

    /// Where the object keeps its pod, if its kind holds one.
    pub fn template_of(&self, id: &ObjectRef) -> Option<TemplateLocation> {
        let gk = GroupKind::of(id);
        let in_extensions = [kinds::DEPLOYMENT, kinds::REPLICA_SET, kinds::DAEMON_SET]
            .iter()
            .any(|k| k.in_group(kinds::EXTENSIONS_GROUP) == gk);
        let builtin = match gk {
            kinds::POD => Some(TemplateLocation {
                metadata: FieldPath::fields(&["metadata"]),
                spec: FieldPath::fields(&["spec"]),
            }),
            kinds::POD_TEMPLATE => Some(TemplateLocation::at(FieldPath::fields(&["template"]))),
            kinds::REPLICATION_CONTROLLER
            | kinds::DEPLOYMENT
            | kinds::REPLICA_SET
            | kinds::DAEMON_SET
            | kinds::STATEFUL_SET
            | kinds::JOB => Some(TemplateLocation::at(FieldPath::fields(&[
                "spec", "template",
            ]))),
            _ if in_extensions => Some(TemplateLocation::at(FieldPath::fields(&[
                "spec", "template",
            ]))),
            kinds::CRON_JOB => Some(TemplateLocation::at(FieldPath::fields(&[
                "spec",
                "jobTemplate",
                "spec",
                "template",
            ]))),
            _ => None,
        };
        builtin.or_else(|| {
            self.custom
                .iter()
                .find(|(g, k, _)| g == gk.group && *k == id.kind)
                .map(|(_, _, path)| TemplateLocation::at(path.clone()))
        })
    }
}
