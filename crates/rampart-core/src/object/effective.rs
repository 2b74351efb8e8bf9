//! The security settings in force for one container ([`EffectiveSecurity`]): which field
//! set each one (the container's, the pod's, a deprecated annotation), and what applies
//! when none does (the runtime's defaults, settings implied by others).
//!
//! This is the one resolution of a container's security settings: the catalogue rules
//! and `rampart explain` read it, and it decides pod- against container-level fields
//! through [`SecurityContexts`](super::SecurityContexts), which Pod Security Standards and PodSecurityPolicy use
//! too.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Capabilities, SELinuxOptions};
use serde::Serialize;

use super::pod::{ContainerView, PodView};
use super::security::{Inherited, ProfileSetting, Scope};
use crate::field_path::FieldPath;

/// Where a setting in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A field of the container (`securityContext`, `ports`, `volumeMounts`).
    Container,
    /// A field of the pod (`spec.securityContext`, `hostNetwork`...).
    Pod,
    /// A pod annotation naming the container (deprecated seccomp and AppArmor forms).
    ContainerAnnotation,
    /// A pod annotation for every container (the deprecated seccomp form).
    PodAnnotation,
    /// The pod's ServiceAccount object.
    ServiceAccount,
    /// The image's `USER`, from the Dockerfile in the input that builds the image.
    Image,
    /// Implied by another setting (`privileged`, `CAP_SYS_ADMIN`).
    Implied,
    /// What the container runtime or the kubelet does when nothing sets it.
    RuntimeDefault,
    /// What the Kubernetes API means when the field is unset.
    Default,
}

impl Origin {
    /// How reports name it: `container field`, `runtime default`...
    pub fn describe(self) -> &'static str {
        match self {
            Self::Container => "container field",
            Self::Pod => "pod field",
            Self::ContainerAnnotation => "container annotation",
            Self::PodAnnotation => "pod annotation",
            Self::ServiceAccount => "ServiceAccount",
            Self::Image => "image USER",
            Self::Implied => "implied",
            Self::RuntimeDefault => "runtime default",
            Self::Default => "default",
        }
    }

    fn of(scope: Scope) -> Self {
        match scope {
            Scope::Container => Self::Container,
            Scope::Pod => Self::Pod,
        }
    }
}

/// A value together with the field that set it (or, for a default, the field that would).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value in force.
    pub value: T,
    /// The field it comes from, from the object's root.
    pub path: FieldPath,
    /// What kind of source that is.
    pub origin: Origin,
}

/// A seccomp or AppArmor profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// `RuntimeDefault`, `Localhost`, `Unconfined` (an annotation's value is mapped to
    /// these; an unknown one is kept as written).
    #[serde(rename = "type")]
    pub kind: String,
    /// The profile of a `Localhost` type.
    #[serde(rename = "localhostProfile", skip_serializing_if = "Option::is_none")]
    pub localhost: Option<String>,
}

impl Profile {
    /// The profile a deprecated annotation value names (`runtime/default`,
    /// `docker/default`, `localhost/<profile>`, `unconfined`).
    pub fn of_annotation(value: &str) -> Self {
        let (kind, localhost) = match value {
            "unconfined" => ("Unconfined", None),
            "runtime/default" | "docker/default" => ("RuntimeDefault", None),
            v => match v.strip_prefix("localhost/") {
                Some(profile) => ("Localhost", Some(profile.to_owned())),
                None => (v, None),
            },
        };
        Self {
            kind: kind.to_owned(),
            localhost,
        }
    }

    /// The `Unconfined` profile.
    pub fn unconfined() -> Self {
        Self {
            kind: "Unconfined".to_owned(),
            localhost: None,
        }
    }
}

/// The security settings set for one container, after pod-level inheritance and the
/// deprecated annotations (each `None` when nothing sets it), with what applies when
/// nothing does ([`privilege_escalation`](Self::privilege_escalation),
/// [`capabilities_in_force`](Self::capabilities_in_force)...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffectiveSecurity {
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<Sourced<bool>>,
    /// `runAsUser`.
    pub run_as_user: Option<Sourced<i64>>,
    /// `runAsGroup`.
    pub run_as_group: Option<Sourced<i64>>,
    /// `seccompProfile` (or the deprecated seccomp annotations).
    pub seccomp_profile: Option<Sourced<Profile>>,
    /// `appArmorProfile` (or the AppArmor annotation).
    pub app_armor_profile: Option<Sourced<Profile>>,
    /// `seLinuxOptions`.
    pub se_linux_options: Option<Sourced<SELinuxOptions>>,
    /// `privileged`.
    pub privileged: Option<Sourced<bool>>,
    /// `allowPrivilegeEscalation` as written (see
    /// [`privilege_escalation`](Self::privilege_escalation) for the value in force).
    pub allow_privilege_escalation: Option<Sourced<bool>>,
    /// `capabilities` as written (see [`capabilities_in_force`](Self::capabilities_in_force)).
    pub capabilities: Option<Sourced<Capabilities>>,
    /// `readOnlyRootFilesystem`.
    pub read_only_root_filesystem: Option<Sourced<bool>>,
    /// `procMount`.
    pub proc_mount: Option<Sourced<String>>,
    /// The container's `securityContext`, where defaults are located.
    context: FieldPath,
}

/// The capabilities the runtime grants a container that sets none: containerd's, CRI-O's
/// and Docker's default set.
pub const RUNTIME_DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The Linux capabilities a container's processes hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CapabilitySet {
    /// Every capability (privileged, or `add: ["ALL"]`).
    All,
    /// These, by name without the `CAP_` prefix, sorted.
    Some(BTreeSet<String>),
}

impl CapabilitySet {
    /// Whether the set holds `name` (with or without `CAP_`).
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Some(set) => set.contains(&normalise(name)),
        }
    }
}

/// A capability name as runtimes compare them: upper case, without `CAP_`.
fn normalise(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map_or(upper.clone(), str::to_owned)
}

impl EffectiveSecurity {
    pub(super) fn resolve(pod: &PodView, view: &ContainerView<'_>) -> Self {
        let contexts = pod.contexts(view);
        let annotations = pod.meta.annotations.as_ref();
        let own = view.container.security_context;
        Self {
            run_as_non_root: inherited(pod, view, contexts.run_as_non_root(), "runAsNonRoot"),
            run_as_user: inherited(pod, view, contexts.run_as_user(), "runAsUser"),
            run_as_group: inherited(pod, view, contexts.run_as_group(), "runAsGroup"),
            se_linux_options: inherited(
                pod,
                view,
                contexts.se_linux_options().map(|i| Inherited {
                    value: i.value.clone(),
                    scope: i.scope,
                }),
                "seLinuxOptions",
            ),
            seccomp_profile: profile(
                pod,
                view,
                contexts.seccomp_with_annotations(annotations, view.name()),
                "seccompProfile",
                |p| Profile {
                    kind: p.type_.clone(),
                    localhost: p.localhost_profile.clone(),
                },
            ),
            app_armor_profile: profile(
                pod,
                view,
                contexts.app_armor_with_annotations(annotations, view.name()),
                "appArmorProfile",
                |p| Profile {
                    kind: p.type_.clone(),
                    localhost: p.localhost_profile.clone(),
                },
            ),
            privileged: own_field(view, own.and_then(|c| c.privileged), "privileged"),
            allow_privilege_escalation: own_field(
                view,
                own.and_then(|c| c.allow_privilege_escalation),
                "allowPrivilegeEscalation",
            ),
            capabilities: own_field(
                view,
                own.and_then(|c| c.capabilities.clone()),
                "capabilities",
            ),
            read_only_root_filesystem: own_field(
                view,
                own.and_then(|c| c.read_only_root_filesystem),
                "readOnlyRootFilesystem",
            ),
            proc_mount: own_field(view, own.and_then(|c| c.proc_mount.clone()), "procMount"),
            context: view.path.child("securityContext"),
        }
    }

    /// Whether the container runs privileged.
    pub fn is_privileged(&self) -> bool {
        self.privileged.as_ref().is_some_and(|p| p.value)
    }

    /// Where `field` of the container's `securityContext` is (set or not).
    pub fn field_path(&self, field: &'static str) -> FieldPath {
        self.context.child(field)
    }

    /// Where the container adds `CAP_SYS_ADMIN`, if it does.
    fn adds_sys_admin(&self) -> Option<FieldPath> {
        let capabilities = self.capabilities.as_ref()?;
        let index = capabilities
            .value
            .add
            .iter()
            .flatten()
            .position(|cap| normalise(cap) == "SYS_ADMIN")?;
        Some(capabilities.path.child("add").index(index))
    }

    /// `allowPrivilegeEscalation` in force: as written; else `true`, implied by
    /// `privileged` or an added `CAP_SYS_ADMIN` (the API server refuses `false` with
    /// either); else `true`, the runtime's default (no `no_new_privs`).
    pub fn privilege_escalation(&self) -> Sourced<bool> {
        if let Some(written) = &self.allow_privilege_escalation {
            return written.clone();
        }
        let implied = self
            .privileged
            .as_ref()
            .filter(|p| p.value)
            .map(|p| p.path.clone())
            .or_else(|| self.adds_sys_admin());
        match implied {
            Some(path) => Sourced {
                value: true,
                path,
                origin: Origin::Implied,
            },
            None => Sourced {
                value: true,
                path: self.field_path("allowPrivilegeEscalation"),
                origin: Origin::RuntimeDefault,
            },
        }
    }

    /// Why `allowPrivilegeEscalation: false` as written cannot hold, if it cannot: the
    /// container is privileged or adds `CAP_SYS_ADMIN`.
    pub fn privilege_escalation_conflict(&self) -> Option<&'static str> {
        let written_false = self
            .allow_privilege_escalation
            .as_ref()
            .is_some_and(|a| !a.value);
        if !written_false {
            return None;
        }
        if self.is_privileged() {
            Some("privileged")
        } else if self.adds_sys_admin().is_some() {
            Some("CAP_SYS_ADMIN")
        } else {
            None
        }
    }

    /// The capabilities the container's processes hold: all of them when privileged;
    /// else the runtime's default set (none after `drop: [ALL]`) without the dropped
    /// ones, with the added ones (an add wins over a drop, `add: [ALL]` grants all), as
    /// containerd and CRI-O compute it.
    pub fn capabilities_in_force(&self) -> CapabilitySet {
        if self.is_privileged() {
            return CapabilitySet::All;
        }
        let caps = self.capabilities.as_ref().map(|c| &c.value);
        let names = |list: Option<&Vec<String>>| -> BTreeSet<String> {
            list.into_iter().flatten().map(|c| normalise(c)).collect()
        };
        let add = names(caps.and_then(|c| c.add.as_ref()));
        let drop = names(caps.and_then(|c| c.drop.as_ref()));
        if lists_all(caps.and_then(|c| c.add.as_ref())) {
            return CapabilitySet::All;
        }
        let mut set: BTreeSet<String> = if lists_all(caps.and_then(|c| c.drop.as_ref())) {
            BTreeSet::new()
        } else {
            RUNTIME_DEFAULT_CAPABILITIES
                .iter()
                .map(|c| (*c).to_owned())
                .filter(|c| !drop.contains(c))
                .collect()
        };
        set.extend(add);
        CapabilitySet::Some(set)
    }
}

/// Whether a capability list holds `ALL`, spelt exactly so: the kubelet passes the list
/// on as written, and runtimes (and Pod Security) compare `ALL` exactly.
fn lists_all(list: Option<&Vec<String>>) -> bool {
    list.is_some_and(|list| list.iter().any(|cap| cap == "ALL"))
}

/// A field a container inherits from the pod, with its source.
fn inherited<T>(
    pod: &PodView,
    view: &ContainerView<'_>,
    value: Option<Inherited<T>>,
    field: &'static str,
) -> Option<Sourced<T>> {
    value.map(|i| Sourced {
        path: match i.scope {
            Scope::Container => view.security_path(field),
            Scope::Pod => pod.security_path(field),
        },
        origin: Origin::of(i.scope),
        value: i.value,
    })
}

/// A field of the container's own `securityContext`, with its source.
fn own_field<T>(
    view: &ContainerView<'_>,
    value: Option<T>,
    field: &'static str,
) -> Option<Sourced<T>> {
    value.map(|value| Sourced {
        value,
        path: view.security_path(field),
        origin: Origin::Container,
    })
}

/// A seccomp or AppArmor profile in force, with its source.
fn profile<F>(
    pod: &PodView,
    view: &ContainerView<'_>,
    setting: Option<ProfileSetting<'_, F>>,
    field: &'static str,
    of_field: impl Fn(&F) -> Profile,
) -> Option<Sourced<Profile>> {
    Some(match setting? {
        ProfileSetting::Field(field_value) => Sourced {
            value: of_field(field_value.value),
            path: match field_value.scope {
                Scope::Container => view.security_path(field),
                Scope::Pod => pod.security_path(field),
            },
            origin: Origin::of(field_value.scope),
        },
        ProfileSetting::Annotation { key, value, scope } => Sourced {
            value: Profile::of_annotation(value),
            path: pod.annotation_path(&key),
            origin: match scope {
                Scope::Container => Origin::ContainerAnnotation,
                Scope::Pod => Origin::PodAnnotation,
            },
        },
    })
}
