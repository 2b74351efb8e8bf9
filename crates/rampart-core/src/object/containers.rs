//! One borrowed view of every container of a pod spec, init, regular and ephemeral
//! alike, in upstream's visiting order. The catalogue, Pod Security Standards and
//! PodSecurityPolicy all walk containers through [`pod_containers`].

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EphemeralContainer, Lifecycle, PodSpec, Probe,
    ResourceRequirements, SecurityContext, VolumeMount,
};

use crate::field_path::FieldPath;

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerKind {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding this kind of container.
    pub fn field(self) -> &'static str {
        match self {
            Self::Init => "initContainers",
            Self::Regular => "containers",
            Self::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The fields of one container, whichever list (and Rust type) it comes from.
#[derive(Debug, Clone, Copy)]
pub struct ContainerRef<'a> {
    /// The list it is in.
    pub kind: ContainerKind,
    /// Its index in that list.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// `image`.
    pub image: Option<&'a str>,
    /// `command`.
    pub command: &'a [String],
    /// `args`.
    pub args: &'a [String],
    /// `env`.
    pub env: &'a [EnvVar],
    /// `ports`.
    pub ports: &'a [ContainerPort],
    /// `securityContext`.
    pub security_context: Option<&'a SecurityContext>,
    /// `resources`.
    pub resources: Option<&'a ResourceRequirements>,
    /// `volumeMounts`.
    pub volume_mounts: &'a [VolumeMount],
    /// `livenessProbe`.
    pub liveness_probe: Option<&'a Probe>,
    /// `readinessProbe`.
    pub readiness_probe: Option<&'a Probe>,
    /// `startupProbe`.
    pub startup_probe: Option<&'a Probe>,
    /// `lifecycle`.
    pub lifecycle: Option<&'a Lifecycle>,
    /// `restartPolicy` (sidecar init containers).
    pub restart_policy: Option<&'a str>,
}

/// Builds a [`ContainerRef`] from a `Container` or an `EphemeralContainer`: the same
/// fields on two Rust types.
macro_rules! container_ref {
    ($kind:expr, $index:expr, $c:expr) => {
        ContainerRef {
            kind: $kind,
            index: $index,
            name: &$c.name,
            image: $c.image.as_deref(),
            command: $c.command.as_deref().unwrap_or_default(),
            args: $c.args.as_deref().unwrap_or_default(),
            env: $c.env.as_deref().unwrap_or_default(),
            ports: $c.ports.as_deref().unwrap_or_default(),
            security_context: $c.security_context.as_ref(),
            resources: $c.resources.as_ref(),
            volume_mounts: $c.volume_mounts.as_deref().unwrap_or_default(),
            liveness_probe: $c.liveness_probe.as_ref(),
            readiness_probe: $c.readiness_probe.as_ref(),
            startup_probe: $c.startup_probe.as_ref(),
            lifecycle: $c.lifecycle.as_ref(),
            restart_policy: $c.restart_policy.as_deref(),
        }
    };
}

impl<'a> ContainerRef<'a> {
    fn of(kind: ContainerKind, index: usize, c: &'a Container) -> Self {
        container_ref!(kind, index, c)
    }

    fn of_ephemeral(index: usize, c: &'a EphemeralContainer) -> Self {
        container_ref!(ContainerKind::Ephemeral, index, c)
    }

    /// Its path from the pod's root: `spec.containers[1]`.
    pub fn path(&self) -> FieldPath {
        FieldPath::fields(&["spec", self.kind.field()]).index(self.index)
    }

    /// Path of its `securityContext.<field>` from the pod's root.
    pub fn security_path(&self, field: &'static str) -> FieldPath {
        self.path().child("securityContext").child(field)
    }
}

/// Every container of `spec`: init, regular, then ephemeral, each in list order.
pub fn pod_containers(spec: &PodSpec) -> impl Iterator<Item = ContainerRef<'_>> {
    let init = spec.init_containers.iter().flatten().enumerate();
    let ephemeral = spec.ephemeral_containers.iter().flatten().enumerate();
    init.map(|(i, c)| ContainerRef::of(ContainerKind::Init, i, c))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| ContainerRef::of(ContainerKind::Regular, i, c)),
        )
        .chain(ephemeral.map(|(i, c)| ContainerRef::of_ephemeral(i, c)))
}
