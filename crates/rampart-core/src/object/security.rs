//! Which of a pod's and a container's security contexts decides each inherited field.
//!
//! A container inherits `runAsUser`, `runAsGroup`, `runAsNonRoot`, `seLinuxOptions`,
//! `seccompProfile`, `appArmorProfile` and `windowsOptions` from the pod's
//! `securityContext` when its own leaves them unset. [`SecurityContexts`] is the one
//! place that applies that rule: [`EffectiveSecurity`](super::EffectiveSecurity) (the
//! catalogue and `rampart explain`), Pod Security Standards and PodSecurityPolicy all
//! ask it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    AppArmorProfile, PodSecurityContext, SELinuxOptions, SeccompProfile, SecurityContext,
    WindowsSecurityContextOptions,
};

/// Which security context a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The container's own `securityContext`.
    Container,
    /// The pod's `spec.securityContext`, inherited.
    Pod,
}

/// A value in force for a container and the security context that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inherited<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub scope: Scope,
}

/// The two security contexts that apply to one container.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityContexts<'a> {
    /// `spec.securityContext`.
    pub pod: Option<&'a PodSecurityContext>,
    /// The container's `securityContext`.
    pub container: Option<&'a SecurityContext>,
}

impl<'a> SecurityContexts<'a> {
    /// The contexts of a pod and of one of its containers.
    pub fn new(
        pod: Option<&'a PodSecurityContext>,
        container: Option<&'a SecurityContext>,
    ) -> Self {
        Self { pod, container }
    }

    /// The container's value of a field, else the pod's.
    fn inherited<T>(
        &self,
        container: impl FnOnce(&'a SecurityContext) -> Option<T>,
        pod: impl FnOnce(&'a PodSecurityContext) -> Option<T>,
    ) -> Option<Inherited<T>> {
        let own = self.container.and_then(container).map(|value| Inherited {
            value,
            scope: Scope::Container,
        });
        own.or_else(|| {
            self.pod.and_then(pod).map(|value| Inherited {
                value,
                scope: Scope::Pod,
            })
        })
    }

    /// `runAsUser`.
    pub fn run_as_user(&self) -> Option<Inherited<i64>> {
        self.inherited(|c| c.run_as_user, |p| p.run_as_user)
    }

    /// `runAsGroup`.
    pub fn run_as_group(&self) -> Option<Inherited<i64>> {
        self.inherited(|c| c.run_as_group, |p| p.run_as_group)
    }

    /// `runAsNonRoot`.
    pub fn run_as_non_root(&self) -> Option<Inherited<bool>> {
        self.inherited(|c| c.run_as_non_root, |p| p.run_as_non_root)
    }

    /// `seLinuxOptions`.
    pub fn se_linux_options(&self) -> Option<Inherited<&'a SELinuxOptions>> {
        self.inherited(
            |c| c.se_linux_options.as_ref(),
            |p| p.se_linux_options.as_ref(),
        )
    }

    /// `seccompProfile` (the fields only; see
    /// [`EffectiveSecurity`](super::EffectiveSecurity) for the deprecated annotations).
    pub fn seccomp_profile(&self) -> Option<Inherited<&'a SeccompProfile>> {
        self.inherited(
            |c| c.seccomp_profile.as_ref(),
            |p| p.seccomp_profile.as_ref(),
        )
    }

    /// `appArmorProfile` (the fields only).
    pub fn app_armor_profile(&self) -> Option<Inherited<&'a AppArmorProfile>> {
        self.inherited(
            |c| c.app_armor_profile.as_ref(),
            |p| p.app_armor_profile.as_ref(),
        )
    }

    /// `windowsOptions.hostProcess`.
    pub fn host_process(&self) -> Option<Inherited<bool>> {
        let host_process = |o: &WindowsSecurityContextOptions| o.host_process;
        self.inherited(
            |c| c.windows_options.as_ref().and_then(host_process),
            |p| p.windows_options.as_ref().and_then(host_process),
        )
    }
}

/// The pod annotation with the pod's seccomp profile (deprecated since v1.19).
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The prefix of a container's seccomp annotation (the container name follows).
pub const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";
/// The prefix of a container's AppArmor annotation (the container name follows).
pub const APPARMOR_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

/// A seccomp or AppArmor profile in force for a container: a field (`F`), or a pod
/// annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSetting<'a, F> {
    /// `securityContext.seccompProfile` or `appArmorProfile`, the container's or the pod's.
    Field(Inherited<&'a F>),
    /// An annotation of the pod, for the container (`scope` Container) or the whole pod.
    Annotation {
        /// The annotation key.
        key: String,
        /// Its value as written (`runtime/default`, `localhost/x`, `unconfined`).
        value: &'a str,
        /// Whether it names this container or the whole pod.
        scope: Scope,
    },
}

fn annotation<'a, F>(
    annotations: Option<&'a BTreeMap<String, String>>,
    key: String,
    scope: Scope,
) -> Option<ProfileSetting<'a, F>> {
    let value = annotations?.get(&key)?;
    Some(ProfileSetting::Annotation { key, value, scope })
}

impl<'a> SecurityContexts<'a> {
    /// The seccomp profile of `container`, fields and the deprecated annotations
    /// together, in the order Kubernetes v1.19 to v1.26 apply them: the container's
    /// field, its annotation (copied into an empty field when the pod is created), the
    /// pod's field, the pod's annotation. PodSecurityPolicy (v1.24) validates the same
    /// order. From v1.27 the annotations are ignored.
    pub fn seccomp_with_annotations(
        &self,
        annotations: Option<&'a BTreeMap<String, String>>,
        container: &str,
    ) -> Option<ProfileSetting<'a, SeccompProfile>> {
        let field = |scope| {
            self.seccomp_profile()
                .filter(|p| p.scope == scope)
                .map(ProfileSetting::Field)
        };
        field(Scope::Container)
            .or_else(|| {
                let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{container}");
                annotation(annotations, key, Scope::Container)
            })
            .or_else(|| field(Scope::Pod))
            .or_else(|| annotation(annotations, SECCOMP_POD_ANNOTATION.to_owned(), Scope::Pod))
    }

    /// The AppArmor profile of `container`, fields and annotation together, as
    /// Kubernetes v1.30 and later apply them: the container's field, its annotation
    /// (copied into an empty field when the pod is created; the only setting before
    /// v1.30), the pod's field.
    pub fn app_armor_with_annotations(
        &self,
        annotations: Option<&'a BTreeMap<String, String>>,
        container: &str,
    ) -> Option<ProfileSetting<'a, AppArmorProfile>> {
        let field = |scope| {
            self.app_armor_profile()
                .filter(|p| p.scope == scope)
                .map(ProfileSetting::Field)
        };
        field(Scope::Container)
            .or_else(|| {
                let key = format!("{APPARMOR_CONTAINER_ANNOTATION_PREFIX}{container}");
                annotation(annotations, key, Scope::Container)
            })
            .or_else(|| field(Scope::Pod))
    }
}

impl<T> Inherited<T> {
    /// The value, wherever it was set.
    pub fn into_value(self) -> T {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_wins_and_the_pod_fills_in() {
        let pod = PodSecurityContext {
            run_as_user: Some(1000),
            run_as_non_root: Some(true),
            ..PodSecurityContext::default()
        };
        let container = SecurityContext {
            run_as_user: Some(0),
            ..SecurityContext::default()
        };
        let both = SecurityContexts::new(Some(&pod), Some(&container));
        assert_eq!(
            both.run_as_user(),
            Some(Inherited {
                value: 0,
                scope: Scope::Container
            })
        );
        assert_eq!(
            both.run_as_non_root(),
            Some(Inherited {
                value: true,
                scope: Scope::Pod
            })
        );
        assert_eq!(both.run_as_group(), None);
        let pod_only = SecurityContexts::new(Some(&pod), None);
        assert_eq!(
            pod_only.run_as_user().map(Inherited::into_value),
            Some(1000)
        );
        assert_eq!(SecurityContexts::default().run_as_user(), None);
    }
}
