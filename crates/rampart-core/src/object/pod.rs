//! The pod inside any workload and its containers.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::containers::{ContainerKind, ContainerRef, pod_containers};
use super::effective::EffectiveSecurity;
use super::security::SecurityContexts;
use super::typed::{TypeError, typed_at};
use super::workload::TemplateLocation;
use crate::field_path::FieldPath;

/// One container of a pod with its path from the object's root.
#[derive(Debug, Clone)]
pub struct ContainerView<'a> {
    /// The container's fields.
    pub container: ContainerRef<'a>,
    /// Its path from the object's root, e.g. `spec.template.spec.containers[1]`.
    pub path: FieldPath,
}

impl ContainerView<'_> {
    /// The container's name.
    pub fn name(&self) -> &str {
        self.container.name
    }

    /// The list it comes from.
    pub fn kind(&self) -> ContainerKind {
        self.container.kind
    }

    /// Path of the container's `securityContext.<field>`.
    pub fn security_path(&self, field: &'static str) -> FieldPath {
        self.path.child("securityContext").child(field)
    }
}

/// A pod (or a workload's pod template) with typed metadata and spec.
#[derive(Debug, Clone)]
pub struct PodView {
    /// Where the template's metadata and spec are in the object.
    pub location: TemplateLocation,
    /// The pod's metadata (the template's for a workload).
    pub meta: ObjectMeta,
    /// The pod spec.
    pub spec: PodSpec,
    /// Whether this is a pod the cluster already runs (a Pod read back with a `status`,
    /// or a pod UPDATE in admission), so that fields such as `nodeName` may have been
    /// written by the cluster rather than by the author.
    pub running: bool,
}

impl PodView {
    /// Reads the pod at `location` of `object`. `Ok(None)` when the object has no spec
    /// there (a kustomize patch, a Helm fragment).
    pub fn read(object: &Value, location: TemplateLocation) -> Result<Option<Self>, TypeError> {
        let Some(spec) = typed_at::<PodSpec>(object, &location.spec)? else {
            return Ok(None);
        };
        let meta = typed_at::<ObjectMeta>(object, &location.metadata)?.unwrap_or_default();
        Ok(Some(Self::of_parts(object, location, meta, spec)))
    }

    /// The pod at `location` of `object`, already decoded (see
    /// [`validate`](super::validate)).
    pub fn of_parts(
        object: &Value,
        location: TemplateLocation,
        meta: ObjectMeta,
        spec: PodSpec,
    ) -> Self {
        let running = object["kind"] == "Pod" && !object["status"].is_null();
        Self {
            location,
            meta,
            spec,
            running,
        }
    }

    /// Every container: init, regular, then ephemeral, each in list order.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'_>> {
        pod_containers(&self.spec).map(|container| ContainerView {
            path: self
                .location
                .spec
                .child(container.kind.field())
                .index(container.index),
            container,
        })
    }

    /// Path of a pod-spec field, e.g. `spec.template.spec.hostNetwork`.
    pub fn spec_path(&self, field: &'static str) -> FieldPath {
        self.location.spec.child(field)
    }

    /// Path of the pod-level `securityContext.<field>`.
    pub fn security_path(&self, field: &'static str) -> FieldPath {
        self.spec_path("securityContext").child(field)
    }

    /// Path of the annotation `key` of the pod (template).
    pub fn annotation_path(&self, key: &str) -> FieldPath {
        self.location.metadata.child("annotations").key(key)
    }

    /// The pod's annotation `key`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The security settings that apply to `container`: its own, else the pod's, else
    /// the deprecated annotations (see [`EffectiveSecurity`]).
    pub fn effective(&self, container: &ContainerView<'_>) -> EffectiveSecurity {
        EffectiveSecurity::resolve(self, container)
    }

    /// The pod's and `container`'s security contexts, for the fields a container
    /// inherits from the pod.
    pub fn contexts<'a>(&'a self, container: &ContainerView<'a>) -> SecurityContexts<'a> {
        SecurityContexts::new(
            self.spec.security_context.as_ref(),
            container.container.security_context,
        )
    }
}
