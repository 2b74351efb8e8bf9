//! Uniform views of a pod's containers, read-only and writable. Which of the pod's and a
//! container's security contexts decides a field is [`SecurityContexts`]' job.
//!
//! [`SecurityContexts`]: crate::object::SecurityContexts

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, SecurityContext};

use crate::object::{ContainerRef, pod_containers};

/// A read-only view of one container of any kind (init, regular, ephemeral).
pub(crate) type ContainerView<'a> = ContainerRef<'a>;

/// A writable view of one container's name and security context.
pub(crate) struct ContainerSlot<'a> {
    pub name: &'a str,
    pub security_context: &'a mut Option<SecurityContext>,
}

/// Every container in upstream order: init, regular, ephemeral.
pub(crate) fn containers(spec: &PodSpec) -> impl Iterator<Item = ContainerView<'_>> {
    pod_containers(spec)
}

/// Every container's writable security context, in the order of [`containers`].
pub(crate) fn containers_mut(spec: &mut PodSpec) -> Vec<ContainerSlot<'_>> {
    let init = spec
        .init_containers
        .iter_mut()
        .flatten()
        .map(|c| ContainerSlot {
            name: &c.name,
            security_context: &mut c.security_context,
        });
    let regular = spec.containers.iter_mut().map(|c| ContainerSlot {
        name: &c.name,
        security_context: &mut c.security_context,
    });
    let ephemeral = spec
        .ephemeral_containers
        .iter_mut()
        .flatten()
        .map(|c| ContainerSlot {
            name: &c.name,
            security_context: &mut c.security_context,
        });
    init.chain(regular).chain(ephemeral).collect()
}

/// The container's security context, created on first write.
pub(crate) fn security_context_mut(slot: &mut Option<SecurityContext>) -> &mut SecurityContext {
    slot.get_or_insert_with(SecurityContext::default)
}

/// The pod's security context, created on first write.
pub(crate) fn pod_security_context_mut(spec: &mut PodSpec) -> &mut PodSecurityContext {
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default)
}
