//! Control-plane components and node agents, recognised in pods by their command or image.

use crate::object::{ContainerView, PodView};

/// A Kubernetes component whose configuration rampart judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
    /// `kube-scheduler`.
    Scheduler,
    /// `etcd`.
    Etcd,
    /// The `kubelet` (configured by a KubeletConfiguration file and flags).
    Kubelet,
}

impl Component {
    /// The components that run as static pods on a control-plane node.
    pub const STATIC_PODS: [Self; 4] = [
        Self::ApiServer,
        Self::ControllerManager,
        Self::Scheduler,
        Self::Etcd,
    ];

    /// The binary's name.
    pub fn binary(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Etcd => "etcd",
            Self::Kubelet => "kubelet",
        }
    }

    /// etcd parses flags with Go's `flag` package, which also accepts `-flag`.
    pub fn accepts_single_dash(self) -> bool {
        self == Self::Etcd
    }

    /// The component a container runs: its command's program, or (without a command)
    /// its image's repository name.
    pub fn of_container(container: &ContainerView<'_>) -> Option<Self> {
        let c = &container.container;
        let program = match c.command.first() {
            Some(program) => basename(program),
            None => image_name(c.image?),
        };
        Self::STATIC_PODS
            .into_iter()
            .chain([Self::Kubelet])
            .find(|component| component.binary() == program)
    }

    /// The containers of `pod` that run this component.
    pub fn containers(self, pod: &PodView) -> impl Iterator<Item = ContainerView<'_>> {
        pod.containers()
            .filter(move |c| Self::of_container(c) == Some(self))
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `registry.k8s.io/kube-apiserver:v1.31.0@sha256:...` -> `kube-apiserver`.
fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = basename(without_digest);
    last.split(':').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(image_name("registry.k8s.io/etcd:3.5.15-0"), "etcd");
        assert_eq!(image_name("kube-apiserver@sha256:abc"), "kube-apiserver");
        assert_eq!(basename("/usr/local/bin/kube-scheduler"), "kube-scheduler");
    }
}
