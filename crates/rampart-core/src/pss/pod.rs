//! A read-only view of the pod parts the checks inspect, with the container visiting order
//! and the field paths of what they report (spec §2).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::field_path::FieldPath;
use crate::object::{ContainerRef, SecurityContexts, pod_containers};

/// The pod (or pod template) under evaluation.
pub(crate) struct PodView<'a> {
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
}

impl<'a> PodView<'a> {
    /// Every container in upstream's visiting order: init, regular, then ephemeral.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'a>> + use<'a> {
        pod_containers(self.spec)
    }

    /// `spec.securityContext`, if set.
    pub fn security_context(&self) -> Option<&'a PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    /// The pod's and `container`'s security contexts: which one decides each field the
    /// container inherits.
    pub fn contexts(&self, container: &ContainerView<'a>) -> SecurityContexts<'a> {
        SecurityContexts::new(self.security_context(), container.security_context)
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

/// A container of any list, with its path from the pod's root.
pub(crate) type ContainerView<'a> = ContainerRef<'a>;

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
