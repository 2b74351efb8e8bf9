//! The pod inside any workload, its containers, and their effective security settings.

use k8s_openapi::api::core::v1::{PodSpec, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::containers::{ContainerKind, ContainerRef, pod_containers};
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

    /// The security settings that apply to `container`: its own, else the pod's.
    pub fn effective(&self, container: &ContainerView<'_>) -> EffectiveSecurity {
        EffectiveSecurity::resolve(self, container)
    }
}

/// A value together with the field that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value in force.
    pub value: T,
    /// The field it comes from.
    pub path: FieldPath,
}

/// The security settings in force for one container, after pod-level inheritance. This is
/// the one place that decides which of the pod's and the container's fields wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectiveSecurity {
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<Sourced<bool>>,
    /// `runAsUser`.
    pub run_as_user: Option<Sourced<i64>>,
    /// `runAsGroup`.
    pub run_as_group: Option<Sourced<i64>>,
    /// `seccompProfile.type` (or the deprecated seccomp annotations, mapped to a type).
    pub seccomp_profile: Option<Sourced<String>>,
    /// `appArmorProfile.type` (or the AppArmor annotation, mapped to a type).
    pub app_armor_profile: Option<Sourced<String>>,
    /// `seLinuxOptions`.
    pub se_linux_options: Option<Sourced<SELinuxOptions>>,
}

fn pick<T: Clone>(
    container: Option<T>,
    container_path: impl FnOnce() -> FieldPath,
    pod: Option<T>,
    pod_path: impl FnOnce() -> FieldPath,
) -> Option<Sourced<T>> {
    match (container, pod) {
        (Some(value), _) => Some(Sourced {
            value,
            path: container_path(),
        }),
        (None, Some(value)) => Some(Sourced {
            value,
            path: pod_path(),
        }),
        (None, None) => None,
    }
}

impl EffectiveSecurity {
    fn resolve(pod: &PodView, view: &ContainerView<'_>) -> Self {
        let psc = pod.spec.security_context.as_ref();
        let csc = view.container.security_context;
        let c_path = |field: &'static str| move || view.security_path(field);
        let p_path = |field: &'static str| move || pod.security_path(field);
        let seccomp_type = |p: &k8s_openapi::api::core::v1::SeccompProfile| p.type_.clone();
        let apparmor_type = |p: &k8s_openapi::api::core::v1::AppArmorProfile| p.type_.clone();
        Self {
            run_as_non_root: pick(
                csc.and_then(|c| c.run_as_non_root),
                c_path("runAsNonRoot"),
                psc.and_then(|p| p.run_as_non_root),
                p_path("runAsNonRoot"),
            ),
            run_as_user: pick(
                csc.and_then(|c| c.run_as_user),
                c_path("runAsUser"),
                psc.and_then(|p| p.run_as_user),
                p_path("runAsUser"),
            ),
            run_as_group: pick(
                csc.and_then(|c| c.run_as_group),
                c_path("runAsGroup"),
                psc.and_then(|p| p.run_as_group),
                p_path("runAsGroup"),
            ),
            seccomp_profile: pick(
                csc.and_then(|c| c.seccomp_profile.as_ref())
                    .map(seccomp_type),
                c_path("seccompProfile"),
                psc.and_then(|p| p.seccomp_profile.as_ref())
                    .map(seccomp_type),
                p_path("seccompProfile"),
            )
            .or_else(|| seccomp_annotation(pod, view)),
            app_armor_profile: pick(
                csc.and_then(|c| c.app_armor_profile.as_ref())
                    .map(apparmor_type),
                c_path("appArmorProfile"),
                psc.and_then(|p| p.app_armor_profile.as_ref())
                    .map(apparmor_type),
                p_path("appArmorProfile"),
            )
            .or_else(|| apparmor_annotation(pod, view)),
            se_linux_options: pick(
                csc.and_then(|c| c.se_linux_options.clone()),
                c_path("seLinuxOptions"),
                psc.and_then(|p| p.se_linux_options.clone()),
                p_path("seLinuxOptions"),
            ),
        }
    }
}

/// Maps a deprecated seccomp or AppArmor annotation value to the profile type field.
fn annotation_profile_type(value: &str) -> String {
    match value {
        "unconfined" => "Unconfined",
        "runtime/default" | "docker/default" => "RuntimeDefault",
        v if v.starts_with("localhost/") => "Localhost",
        other => other,
    }
    .to_owned()
}

fn annotation_sourced(pod: &PodView, key: &str) -> Option<Sourced<String>> {
    pod.annotation(key).map(|value| Sourced {
        value: annotation_profile_type(value),
        path: pod.annotation_path(key),
    })
}

fn seccomp_annotation(pod: &PodView, view: &ContainerView<'_>) -> Option<Sourced<String>> {
    let container_key = format!(
        "container.seccomp.security.alpha.kubernetes.io/{}",
        view.name()
    );
    annotation_sourced(pod, &container_key)
        .or_else(|| annotation_sourced(pod, "seccomp.security.alpha.kubernetes.io/pod"))
}

fn apparmor_annotation(pod: &PodView, view: &ContainerView<'_>) -> Option<Sourced<String>> {
    let key = format!(
        "container.apparmor.security.beta.kubernetes.io/{}",
        view.name()
    );
    annotation_sourced(pod, &key)
}
