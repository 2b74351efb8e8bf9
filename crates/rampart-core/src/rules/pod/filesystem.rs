//! The container's root file system and host paths.

use super::quoted;
use crate::docker::ContainerSpec;
use crate::finding::Severity;
use crate::fix::{Fix, Safety, set_flag};
use crate::object::PodView;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const WRITABLE_ROOT_FILESYSTEM: Rule = Rule {
    meta: RuleMeta {
        id: "writable-root-filesystem",
        severity: Severity::Medium,
        title: "Container root file system is writable",
        why: "A writable root file system lets an intruder drop tools and persist changes to binaries \
              and configuration inside the container.",
        fix: "Set `securityContext.readOnlyRootFilesystem: true`; mount an `emptyDir` where the \
              application must write. \
              Compose: `read_only: true` with a `tmpfs` where the application writes (`--read-only`).",
        references: &[
            "NSA/CISA Kubernetes Hardening: immutable file systems",
            "Docker Bench 5.13",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            let read_only = pod.effective(c).read_only_root_filesystem.map(|s| s.value);
            let message = match read_only {
                Some(true) => continue,
                Some(false) => format!("{} sets readOnlyRootFilesystem: false", quoted(c)),
                None => format!("{} does not set readOnlyRootFilesystem: true", quoted(c)),
            };
            out.report_container(c, c.security_path("readOnlyRootFilesystem"), message);
        }
    })
    .and_container(container_read_only)
    .fixed_by(&READ_ONLY_FIX),
};

const READ_ONLY_FIX: Fix = Fix {
    summary: "Unsafe (the application may write to its file system): sets \
              `readOnlyRootFilesystem: true` (Compose: `read_only: true`); mount an `emptyDir` \
              (a `tmpfs`) where it must write.",
    kubernetes: Some(|site| set_flag(site, true, Safety::Unsafe)),
    compose: Some(|site| set_flag(site, true, Safety::Unsafe)),
    dockerfile: None,
};

pub(super) const HOST_PATH_VOLUME: Rule = Rule {
    meta: RuleMeta {
        id: "host-path-volume",
        severity: Severity::Medium,
        title: "Pod mounts a hostPath volume",
        why: "A hostPath volume exposes the node's file system to the pod; a writable one lets the pod \
              change what the node runs.",
        fix: "Use a PersistentVolumeClaim, ConfigMap, Secret or emptyDir instead; if a host path is \
              unavoidable, mount it read-only. \
              Compose: prefer named volumes to bind mounts of absolute host paths (relative project paths are not reported).",
        references: &[
            "PSS baseline: hostPathVolumes",
            "CIS 5.2.11",
            "Docker Bench 5.6",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| report_host_paths(ctx, out, false))
        .and_container(|spec, out| container_host_paths(spec, out, false)),
};

pub(super) const SENSITIVE_HOST_PATH: Rule = Rule {
    meta: RuleMeta {
        id: "sensitive-host-path",
        severity: Severity::Critical,
        title: "Container runtime socket or sensitive host directory mounted",
        why: "The runtime socket (docker.sock, containerd.sock, crio.sock) gives full control of every \
              container on the node; `/`, `/etc`, `/proc`, `/var/run` and the kubelet's directories \
              expose credentials and let the pod or container take the host over.",
        fix: "Remove the volume or bind mount. In Kubernetes, tools that need the runtime should use the API instead. \
              Compose: remove the bind mount or `use_api_socket: true`; never mount the runtime socket into a container.",
        references: &[
            "CIS 5.2.11",
            "PSS baseline: hostPathVolumes",
            "Docker Bench 5.6",
            "Docker Bench 5.32",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| report_host_paths(ctx, out, true))
        .and_container(|spec, out| container_host_paths(spec, out, true)),
};

/// Host directories that expose the node when mounted, themselves or anything below them.
const SENSITIVE_TREES: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/dev",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/run/docker",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/run/crio",
    "/var/run/secrets",
];

/// Host paths that are sensitive themselves (their subdirectories may be fine).
const SENSITIVE_EXACT: &[&str] = &[
    "/", "/var", "/var/run", "/run", "/var/log", "/home", "/usr", "/lib", "/bin",
];

/// Container runtime sockets, in any directory.
const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "podman.sock",
];

fn normalise(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// Directories below a home directory that hold credentials (SSH keys, cloud and
/// cluster credentials, registry logins, signing keys).
const CREDENTIAL_DIRS: &[&str] = &[
    ".ssh",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".gnupg",
    ".config/gcloud",
    ".config/gh",
];

/// The part of a Compose source below the user's home directory (`~/.ssh` -> `.ssh`,
/// `${HOME}` -> ``), if it names one.
fn below_home(source: &str) -> Option<&str> {
    ["~", "${HOME}", "$HOME"].iter().find_map(|home| {
        let rest = source.strip_prefix(home)?;
        (rest.is_empty() || rest.starts_with('/')).then(|| rest.trim_start_matches('/'))
    })
}

/// Why a path below a home directory (`rest`, relative to it) is sensitive.
fn home_sensitivity(rest: &str) -> Option<&'static str> {
    let rest = normalise(rest);
    if rest == "/" {
        return Some("a home directory");
    }
    let credentials = CREDENTIAL_DIRS
        .iter()
        .any(|dir| rest == format!("/{dir}") || rest.starts_with(&format!("/{dir}/")));
    credentials.then_some("credentials in a home directory")
}

/// Why a host path is sensitive, or `None` when it is an ordinary path. Besides
/// absolute paths, Compose sources below the home directory (`~/.ssh`, `${HOME}`) are
/// judged.
pub(crate) fn sensitivity(path: &str) -> Option<&'static str> {
    if let Some(rest) = below_home(path) {
        return home_sensitivity(rest);
    }
    let path = normalise(path);
    let file = path.rsplit('/').next().unwrap_or_default();
    if RUNTIME_SOCKETS.contains(&file) {
        return Some("the container runtime socket");
    }
    // `/home/<user>`, `/Users/<user>` (Docker Desktop) and what is below them.
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if let ["home" | "Users", _user, rest @ ..] = parts.as_slice() {
        return home_sensitivity(&rest.join("/"));
    }
    if SENSITIVE_EXACT.contains(&path.as_str()) {
        return Some("a sensitive host directory");
    }
    let below = |tree: &&str| path == *tree || path.starts_with(&format!("{tree}/"));
    SENSITIVE_TREES
        .iter()
        .any(below)
        .then_some("a sensitive host directory")
}

fn report_host_paths(ctx: &CheckContext<'_>, out: &mut Findings, sensitive: bool) {
    let Some(pod) = ctx.pod else { return };
    for (i, volume) in pod.spec.volumes.iter().flatten().enumerate() {
        let Some(host_path) = &volume.host_path else {
            continue;
        };
        let path = pod
            .spec_path("volumes")
            .index(i)
            .child("hostPath")
            .child("path");
        match (sensitivity(&host_path.path), sensitive) {
            (Some(what), true) => out.report(
                path,
                format!(
                    "volume {:?} mounts {what} {:?}{}",
                    volume.name,
                    host_path.path,
                    writable_note(pod, &volume.name)
                ),
            ),
            (None, false) => out.report(
                path,
                format!(
                    "volume {:?} mounts host path {:?}{}",
                    volume.name,
                    host_path.path,
                    writable_note(pod, &volume.name)
                ),
            ),
            _ => {}
        }
    }
}

fn writable_note(pod: &PodView, volume: &str) -> &'static str {
    let writable = pod.containers().any(|c| {
        c.container
            .volume_mounts
            .iter()
            .any(|m| m.name == volume && m.read_only != Some(true))
    });
    if writable { " read-write" } else { "" }
}

fn container_read_only(spec: &ContainerSpec, out: &mut Findings) {
    let message = match &spec.read_only {
        Some(read_only) if read_only.value => return,
        Some(_) => format!("{} sets read_only: false", spec.describe()),
        None => format!("{} does not set read_only: true", spec.describe()),
    };
    let path = spec.read_only.as_ref().map_or_else(
        || spec.field("read_only", &["HostConfig", "ReadonlyRootfs"]),
        |r| r.path.clone(),
    );
    out.report(path, message);
}

/// Bind mounts of host paths. Relative paths (`./config`, the project's own files in
/// Compose) are not host paths in this sense and are not reported.
fn container_host_paths(spec: &ContainerSpec, out: &mut Findings, sensitive: bool) {
    if sensitive && let Some(socket) = spec.use_api_socket.as_ref().filter(|s| s.value) {
        out.report(
            socket.path.clone(),
            format!(
                "{} mounts the Docker API socket (use_api_socket: true)",
                spec.describe()
            ),
        );
    }
    let host_path = |m: &&crate::docker::Mount| {
        m.bind && (m.source.starts_with('/') || below_home(&m.source).is_some())
    };
    for mount in spec.mounts.iter().filter(host_path) {
        let access = if mount.read_only { "" } else { " read-write" };
        match (sensitivity(&mount.source), sensitive) {
            (Some(what), true) => out.report(
                mount.path.clone(),
                format!(
                    "{} mounts {what} {:?}{access}",
                    spec.describe(),
                    mount.source
                ),
            ),
            (None, false) => out.report(
                mount.path.clone(),
                format!(
                    "{} mounts host path {:?}{access}",
                    spec.describe(),
                    mount.source
                ),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sensitivity;

    #[test]
    fn sensitive_paths() {
        for path in [
            "/",
            "/etc",
            "/etc/kubernetes/pki",
            "/proc/1",
            "/var/run",
            "//var/run/",
            "/run/containerd/containerd.sock",
            "/var/run/docker.sock",
            "/opt/docker.sock",
            "/var/lib/kubelet/pods",
            "/home/alice",
            "/home/alice/.ssh",
            "/Users/bob/.kube/config",
            "~",
            "~/.ssh/id_ed25519",
            "${HOME}/.aws",
            "$HOME",
        ] {
            assert!(sensitivity(path).is_some(), "{path}");
        }
        for path in [
            "/data",
            "/var/run/app",
            "/var/log/app",
            "/mnt/disks/ssd0",
            "/etcetera",
            "/home/alice/projects/app",
            "~/src/app",
            "~other",
        ] {
            assert_eq!(sensitivity(path), None, "{path}");
        }
        assert_eq!(
            sensitivity("/var/run/docker.sock"),
            Some("the container runtime socket")
        );
    }
}
