//! A read-only view of the pod parts the checks inspect, with the container visiting order
//! and the field paths of what they report (spec §2).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, PodSecurityContext, PodSpec, Probe,
    SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::field_path::FieldPath;

/// The pod (or pod template) under evaluation.
pub(crate) struct PodView<'a> {
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
}

impl<'a> PodView<'a> {
    /// Every container in upstream's visiting order: init, regular, then ephemeral.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'a>> + use<'a> {
        let spec = self.spec;
        let init = spec.init_containers.as_deref().unwrap_or_default();
        let ephemeral = spec.ephemeral_containers.as_deref().unwrap_or_default();
        let from = |list: ContainerList| {
            move |(index, container): (usize, &'a Container)| {
                ContainerView::of_container(list, index, container)
            }
        };
        init.iter()
            .enumerate()
            .map(from(ContainerList::Init))
            .chain(
                spec.containers
                    .iter()
                    .enumerate()
                    .map(from(ContainerList::Regular)),
            )
            .chain(
                ephemeral
                    .iter()
                    .enumerate()
                    .map(|(index, c)| ContainerView::of_ephemeral(index, c)),
            )
    }

    /// `spec.securityContext`, if set.
    pub fn security_context(&self) -> Option<&'a PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    /// The pod's annotations (empty when there are none).
    pub fn annotations(&self) -> impl Iterator<Item = (&'a String, &'a String)> + use<'a> {
        self.meta.annotations.iter().flat_map(BTreeMap::iter)
    }

    /// The value of one annotation.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.meta.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// `spec.os.name == "windows"`, exactly.
    pub fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }

    /// `spec.hostUsers` is explicitly `false`: the pod runs in a user namespace.
    pub fn in_user_namespace(&self) -> bool {
        self.spec.host_users == Some(false)
    }
}

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerList {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerList {
    fn field_name(self) -> &'static str {
        match self {
            ContainerList::Init => "initContainers",
            ContainerList::Regular => "containers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }
}

/// Builds a [`ContainerView`] from a `Container` or an `EphemeralContainer`, which have
/// the same fields but different types.
macro_rules! container_view {
    ($list:expr, $index:expr, $c:expr) => {
        ContainerView {
            list: $list,
            index: $index,
            name: &$c.name,
            security_context: $c.security_context.as_ref(),
            ports: $c.ports.as_deref().unwrap_or_default(),
            liveness_probe: $c.liveness_probe.as_ref(),
            readiness_probe: $c.readiness_probe.as_ref(),
            startup_probe: $c.startup_probe.as_ref(),
            lifecycle: $c.lifecycle.as_ref(),
        }
    };
}

/// The parts of a container (of any list) that the checks read.
pub(crate) struct ContainerView<'a> {
    pub list: ContainerList,
    pub index: usize,
    pub name: &'a str,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub liveness_probe: Option<&'a Probe>,
    pub readiness_probe: Option<&'a Probe>,
    pub startup_probe: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
}

impl<'a> ContainerView<'a> {
    fn of_container(list: ContainerList, index: usize, c: &'a Container) -> Self {
        container_view!(list, index, c)
    }

    fn of_ephemeral(index: usize, c: &'a EphemeralContainer) -> Self {
        container_view!(ContainerList::Ephemeral, index, c)
    }

    /// `spec.<list>[<index>]`.
    pub fn path(&self) -> FieldPath {
        FieldPath::fields(&["spec", self.list.field_name()]).index(self.index)
    }

    /// `spec.<list>[<index>].securityContext.<field>`.
    pub fn security_context_field(&self, field: &'static str) -> FieldPath {
        self.path().child("securityContext").child(field)
    }
}

/// `spec.<field>`.
pub(crate) fn spec_field(field: &'static str) -> FieldPath {
    FieldPath::fields(&["spec", field])
}

/// `spec.securityContext.<field>`.
pub(crate) fn pod_security_context_field(field: &'static str) -> FieldPath {
    FieldPath::fields(&["spec", "securityContext", field])
}

/// `metadata.annotations[<key>]`.
pub(crate) fn annotation_path(key: &str) -> FieldPath {
    FieldPath::fields(&["metadata", "annotations"]).key(key)
}
