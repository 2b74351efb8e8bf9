//! Uniform views of a pod's containers and of effective security-context values.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, PodSecurityContext, PodSpec, SELinuxOptions, SecurityContext,
};

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

/// The effective value of the fields a container inherits from the pod (§4).
#[derive(Clone, Copy)]
pub(crate) struct Effective<'a> {
    pub pod: Option<&'a PodSecurityContext>,
    pub container: Option<&'a SecurityContext>,
}

impl<'a> Effective<'a> {
    pub fn of(pod: Option<&'a PodSecurityContext>, container: &'a Option<SecurityContext>) -> Self {
        Self {
            pod,
            container: container.as_ref(),
        }
    }

    pub fn run_as_user(&self) -> Option<i64> {
        self.container
            .and_then(|c| c.run_as_user)
            .or_else(|| self.pod.and_then(|p| p.run_as_user))
    }

    pub fn run_as_group(&self) -> Option<i64> {
        self.container
            .and_then(|c| c.run_as_group)
            .or_else(|| self.pod.and_then(|p| p.run_as_group))
    }

    pub fn run_as_non_root(&self) -> Option<bool> {
        self.container
            .and_then(|c| c.run_as_non_root)
            .or_else(|| self.pod.and_then(|p| p.run_as_non_root))
    }

    pub fn app_armor_profile(&self) -> Option<&'a AppArmorProfile> {
        self.container
            .and_then(|c| c.app_armor_profile.as_ref())
            .or_else(|| self.pod.and_then(|p| p.app_armor_profile.as_ref()))
    }

    pub fn se_linux_options(&self) -> Option<&'a SELinuxOptions> {
        self.container
            .and_then(|c| c.se_linux_options.as_ref())
            .or_else(|| self.pod.and_then(|p| p.se_linux_options.as_ref()))
    }
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
