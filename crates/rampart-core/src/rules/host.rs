//! Host file checks: owner and mode of the Docker daemon's files (Docker Bench section 3)
//! and of a Kubernetes node's (CIS Kubernetes 1.1 and 4.1), the audit rules that watch
//! the container runtime's files (Docker Bench 1.1.3-1.1.18), Docker's partition and the
//! `docker` group (1.1.1, 1.1.2). One declarative table names the files of each rule, the
//! owner and the widest mode CIS accepts, and the CIS item of each; the same table tells
//! the edge which files to look at ([`host_plan`]).

use std::collections::BTreeSet;

use crate::finding::Severity::{self, High, Info, Low, Medium};
use crate::host::{FileFacts, FileType, HostFacts, Wanted, finding_path};
use crate::rules::{Checks, Findings, Rule, RuleMeta};

/// Which files a target names.
#[derive(Debug, Clone, Copy)]
enum Paths {
    /// Each of these that exists.
    Each(&'static [&'static str]),
    /// The file a configuration names (see [`crate::host::configured_paths`]), else these.
    Configured(&'static str, &'static [&'static str]),
    /// The directory and everything below it.
    Tree(&'static str),
    /// The files below the directory whose names end with one of these (all when empty).
    Below(&'static str, &'static [&'static str]),
}

impl Paths {
    /// The paths to look at (and whether to walk below them).
    fn wanted(self, facts: &HostFacts) -> Vec<Wanted> {
        let one = |path: &str| Wanted {
            path: path.to_owned(),
            below: false,
        };
        match self {
            Self::Each(paths) => paths.iter().map(|p| one(p)).collect(),
            Self::Configured(setting, defaults) => match facts.configured(setting) {
                Some(path) => vec![one(path)],
                None => defaults.iter().map(|p| one(p)).collect(),
            },
            Self::Tree(dir) | Self::Below(dir, _) => vec![Wanted {
                path: dir.to_owned(),
                below: true,
            }],
        }
    }

    /// The files of the host this target names.
    fn files(self, facts: &HostFacts) -> Vec<&FileFacts> {
        match self {
            Self::Each(_) | Self::Configured(..) => {
                let mut seen = BTreeSet::new();
                self.wanted(facts)
                    .iter()
                    .filter_map(|w| facts.file(&w.path))
                    .filter(|f| seen.insert(f.path.clone()))
                    .collect()
            }
            Self::Tree(dir) => facts
                .file(dir)
                .into_iter()
                .chain(facts.below(dir))
                .collect(),
            Self::Below(dir, suffixes) => facts
                .below(dir)
                .filter(|f| f.kind == FileType::File)
                .filter(|f| suffixes.is_empty() || suffixes.iter().any(|s| f.path.ends_with(s)))
                .collect(),
        }
    }
}

/// The owner CIS expects, and the item that says so.
#[derive(Debug, Clone, Copy)]
struct Owner {
    user: &'static str,
    group: &'static str,
    item: &'static str,
}

/// The widest mode CIS accepts ("644 or more restrictive"), and the item that says so.
#[derive(Debug, Clone, Copy)]
struct Mode {
    widest: u32,
    item: &'static str,
}

/// Some files of a rule and what they must be.
#[derive(Debug, Clone, Copy)]
struct Target {
    what: &'static str,
    paths: Paths,
    /// Only files of this type are judged (the Docker socket must be a socket).
    kind: Option<FileType>,
    owner: Option<Owner>,
    mode: Option<Mode>,
}

/// One catalogue rule over host files.
#[derive(Debug, Clone, Copy)]
struct FileRule {
    meta: RuleMeta,
    targets: &'static [Target],
}

const fn owner(user: &'static str, group: &'static str, item: &'static str) -> Option<Owner> {
    Some(Owner { user, group, item })
}

const fn mode(widest: u32, item: &'static str) -> Option<Mode> {
    Some(Mode { widest, item })
}

const fn target(
    what: &'static str,
    paths: Paths,
    owner: Option<Owner>,
    mode: Option<Mode>,
) -> Target {
    Target {
        what,
        paths,
        kind: None,
        owner,
        mode,
    }
}

const fn meta(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    why: &'static str,
    fix: &'static str,
    references: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        severity,
        title,
        why,
        fix,
        references,
    }
}

const DOCKER_SERVICE: &[&str] = &[
    "/etc/systemd/system/docker.service",
    "/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.service",
];
const DOCKER_SOCKET_UNIT: &[&str] = &[
    "/etc/systemd/system/docker.socket",
    "/lib/systemd/system/docker.socket",
    "/usr/lib/systemd/system/docker.socket",
];
const KUBELET_SERVICE: &[&str] = &[
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service",
    "/usr/lib/systemd/system/kubelet.service",
];

/// Why a file's owner and mode matter, for the rules below.
const CONFIG_WHY: &str = "Whoever can write this file changes how the service runs at its next \
                          start (flags, plugins, TLS); whoever can read it learns how it is \
                          protected.";
const KUBECONFIG_WHY: &str = "This kubeconfig holds a client certificate and key: whoever can \
                              read it acts as that component against the API server.";

static FILE_RULES: &[FileRule] = &[
    FileRule {
        meta: meta(
            "docker-service-file-permissions",
            Medium,
            "docker.service unit is not root-owned with mode 0644",
            CONFIG_WHY,
            "`chown root:root` and `chmod 644` the unit (`systemctl show -p FragmentPath docker.service`).",
            &[
                "Docker Bench 3.1",
                "Docker Bench 3.2",
                "CIS Docker 3.1",
                "CIS Docker 3.2",
            ],
        ),
        targets: &[target(
            "the docker.service unit",
            Paths::Each(DOCKER_SERVICE),
            owner("root", "root", "CIS Docker 3.1"),
            mode(0o644, "CIS Docker 3.2"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-socket-unit-permissions",
            Medium,
            "docker.socket unit is not root-owned with mode 0644",
            CONFIG_WHY,
            "`chown root:root` and `chmod 644` the unit (`systemctl show -p FragmentPath docker.socket`).",
            &[
                "Docker Bench 3.3",
                "Docker Bench 3.4",
                "CIS Docker 3.3",
                "CIS Docker 3.4",
            ],
        ),
        targets: &[target(
            "the docker.socket unit",
            Paths::Each(DOCKER_SOCKET_UNIT),
            owner("root", "root", "CIS Docker 3.3"),
            mode(0o644, "CIS Docker 3.4"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-config-dir-permissions",
            Medium,
            "/etc/docker is not root-owned with mode 0755",
            "/etc/docker holds the daemon's configuration, TLS material and registry \
             certificates: whoever can write to it can change them.",
            "`chown root:root /etc/docker` and `chmod 755 /etc/docker`.",
            &[
                "Docker Bench 3.5",
                "Docker Bench 3.6",
                "CIS Docker 3.5",
                "CIS Docker 3.6",
            ],
        ),
        targets: &[Target {
            kind: Some(FileType::Directory),
            ..target(
                "the Docker configuration directory",
                Paths::Each(&["/etc/docker"]),
                owner("root", "root", "CIS Docker 3.5"),
                mode(0o755, "CIS Docker 3.6"),
            )
        }],
    },
    FileRule {
        meta: meta(
            "docker-registry-certs-permissions",
            Medium,
            "Registry certificates are not root-owned and read-only",
            "The certificates under /etc/docker/certs.d decide which registries the daemon \
             trusts: whoever can replace one can serve the host any image.",
            "`chown root:root` and `chmod 444` the files under /etc/docker/certs.d/<registry>/.",
            &[
                "Docker Bench 3.7",
                "Docker Bench 3.8",
                "CIS Docker 3.7",
                "CIS Docker 3.8",
            ],
        ),
        targets: &[target(
            "a registry certificate file",
            Paths::Below("/etc/docker/certs.d", &[]),
            owner("root", "root", "CIS Docker 3.7"),
            mode(0o444, "CIS Docker 3.8"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-tls-ca-permissions",
            Medium,
            "Docker's TLS CA certificate is not root-owned and read-only",
            "The daemon trusts every client certificate this CA signed: whoever can replace it \
             can let any client in.",
            "`chown root:root` and `chmod 444` the file `tlscacert` names.",
            &[
                "Docker Bench 3.9",
                "Docker Bench 3.10",
                "CIS Docker 3.9",
                "CIS Docker 3.10",
            ],
        ),
        targets: &[target(
            "the daemon's TLS CA certificate (tlscacert)",
            Paths::Configured("docker tlscacert", &[]),
            owner("root", "root", "CIS Docker 3.9"),
            mode(0o444, "CIS Docker 3.10"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-tls-cert-permissions",
            Medium,
            "Docker's TLS server certificate is not root-owned and read-only",
            "Whoever can replace the daemon's certificate can make clients trust another server.",
            "`chown root:root` and `chmod 444` the file `tlscert` names.",
            &[
                "Docker Bench 3.11",
                "Docker Bench 3.12",
                "CIS Docker 3.11",
                "CIS Docker 3.12",
            ],
        ),
        targets: &[target(
            "the daemon's TLS certificate (tlscert)",
            Paths::Configured("docker tlscert", &[]),
            owner("root", "root", "CIS Docker 3.11"),
            mode(0o444, "CIS Docker 3.12"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-tls-key-permissions",
            High,
            "Docker's TLS server key is readable by others",
            "Whoever reads the daemon's private key can impersonate the daemon to every client.",
            "`chown root:root` and `chmod 400` the file `tlskey` names.",
            &[
                "Docker Bench 3.13",
                "Docker Bench 3.14",
                "CIS Docker 3.13",
                "CIS Docker 3.14",
            ],
        ),
        targets: &[target(
            "the daemon's TLS key (tlskey)",
            Paths::Configured("docker tlskey", &[]),
            owner("root", "root", "CIS Docker 3.13"),
            mode(0o400, "CIS Docker 3.14"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-sock-permissions",
            High,
            "Docker socket is open beyond root and the docker group",
            "The Docker socket is the Engine API: whoever can write to it is root on the host.",
            "`chown root:docker /var/run/docker.sock` and `chmod 660 /var/run/docker.sock` \
             (set `SocketMode=0660` and `SocketGroup=docker` in docker.socket).",
            &[
                "Docker Bench 3.15",
                "Docker Bench 3.16",
                "CIS Docker 3.15",
                "CIS Docker 3.16",
            ],
        ),
        targets: &[Target {
            kind: Some(FileType::Socket),
            ..target(
                "the Docker socket",
                Paths::Each(&["/var/run/docker.sock", "/run/docker.sock"]),
                owner("root", "docker", "CIS Docker 3.15"),
                mode(0o660, "CIS Docker 3.16"),
            )
        }],
    },
    FileRule {
        meta: meta(
            "docker-daemon-json-permissions",
            Medium,
            "daemon.json is not root-owned with mode 0644",
            CONFIG_WHY,
            "`chown root:root /etc/docker/daemon.json` and `chmod 644 /etc/docker/daemon.json`.",
            &[
                "Docker Bench 3.17",
                "Docker Bench 3.18",
                "CIS Docker 3.17",
                "CIS Docker 3.18",
            ],
        ),
        targets: &[target(
            "the daemon's configuration",
            Paths::Each(&[crate::host::DOCKER_DAEMON_JSON]),
            owner("root", "root", "CIS Docker 3.17"),
            mode(0o644, "CIS Docker 3.18"),
        )],
    },
    FileRule {
        meta: meta(
            "docker-env-file-permissions",
            Medium,
            "Docker's environment file is not root-owned with mode 0644",
            "/etc/default/docker (Debian) and /etc/sysconfig/docker (Red Hat) hold dockerd's \
             options: whoever can write them changes how the daemon runs.",
            "`chown root:root` and `chmod 644` /etc/default/docker or /etc/sysconfig/docker.",
            &[
                "Docker Bench 3.19",
                "Docker Bench 3.20",
                "Docker Bench 3.21",
                "Docker Bench 3.22",
                "CIS Docker 3.19",
                "CIS Docker 3.22",
            ],
        ),
        targets: &[
            target(
                "dockerd's environment file",
                Paths::Each(&["/etc/default/docker"]),
                owner("root", "root", "CIS Docker 3.19"),
                mode(0o644, "CIS Docker 3.22"),
            ),
            target(
                "dockerd's environment file",
                Paths::Each(&["/etc/sysconfig/docker"]),
                owner("root", "root", "CIS Docker 3.21"),
                mode(0o644, "CIS Docker 3.20"),
            ),
        ],
    },
    FileRule {
        meta: meta(
            "containerd-sock-permissions",
            High,
            "containerd socket is not root-owned with mode 0660",
            "containerd's socket runs containers outside Docker's own checks: whoever can write \
             to it is root on the host.",
            "`chown root:root` and `chmod 660 /run/containerd/containerd.sock`.",
            &[
                "Docker Bench 3.23",
                "Docker Bench 3.24",
                "CIS Docker 3.23",
                "CIS Docker 3.24",
            ],
        ),
        targets: &[Target {
            kind: Some(FileType::Socket),
            ..target(
                "the containerd socket",
                Paths::Each(&["/run/containerd/containerd.sock"]),
                owner("root", "root", "CIS Docker 3.23"),
                mode(0o660, "CIS Docker 3.24"),
            )
        }],
    },
    FileRule {
        meta: meta(
            "kube-apiserver-manifest-permissions",
            Medium,
            "kube-apiserver's static pod manifest is not root-owned with mode 0600",
            "The kubelet runs whatever this manifest says as the API server: whoever can write it \
             owns the cluster.",
            "`chown root:root` and `chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml`.",
            &["CIS 1.1.1", "CIS 1.1.2"],
        ),
        targets: &[target(
            "the API server's pod manifest",
            Paths::Each(&["/etc/kubernetes/manifests/kube-apiserver.yaml"]),
            owner("root", "root", "CIS 1.1.2"),
            mode(0o600, "CIS 1.1.1"),
        )],
    },
    FileRule {
        meta: meta(
            "kube-controller-manager-manifest-permissions",
            Medium,
            "kube-controller-manager's static pod manifest is not root-owned with mode 0600",
            "The kubelet runs whatever this manifest says as the controller manager, which holds \
             the service-account signing key.",
            "`chown root:root` and `chmod 600 /etc/kubernetes/manifests/kube-controller-manager.yaml`.",
            &["CIS 1.1.3", "CIS 1.1.4"],
        ),
        targets: &[target(
            "the controller manager's pod manifest",
            Paths::Each(&["/etc/kubernetes/manifests/kube-controller-manager.yaml"]),
            owner("root", "root", "CIS 1.1.4"),
            mode(0o600, "CIS 1.1.3"),
        )],
    },
    FileRule {
        meta: meta(
            "kube-scheduler-manifest-permissions",
            Medium,
            "kube-scheduler's static pod manifest is not root-owned with mode 0600",
            "The kubelet runs whatever this manifest says as the scheduler, which decides where \
             every pod runs.",
            "`chown root:root` and `chmod 600 /etc/kubernetes/manifests/kube-scheduler.yaml`.",
            &["CIS 1.1.5", "CIS 1.1.6"],
        ),
        targets: &[target(
            "the scheduler's pod manifest",
            Paths::Each(&["/etc/kubernetes/manifests/kube-scheduler.yaml"]),
            owner("root", "root", "CIS 1.1.6"),
            mode(0o600, "CIS 1.1.5"),
        )],
    },
    FileRule {
        meta: meta(
            "etcd-manifest-permissions",
            Medium,
            "etcd's static pod manifest is not root-owned with mode 0600",
            "The kubelet runs whatever this manifest says as etcd, which stores every Secret.",
            "`chown root:root` and `chmod 600 /etc/kubernetes/manifests/etcd.yaml`.",
            &["CIS 1.1.7", "CIS 1.1.8"],
        ),
        targets: &[target(
            "etcd's pod manifest",
            Paths::Each(&[crate::host::ETCD_MANIFEST]),
            owner("root", "root", "CIS 1.1.8"),
            mode(0o600, "CIS 1.1.7"),
        )],
    },
    FileRule {
        meta: meta(
            "cni-files-permissions",
            Medium,
            "CNI configuration files are not root-owned with mode 0600",
            "The CNI configuration decides how every pod is networked: whoever can write it can \
             reroute or expose pod traffic.",
            "`chown root:root` and `chmod 600` the files under /etc/cni/net.d.",
            &["CIS 1.1.9", "CIS 1.1.10"],
        ),
        targets: &[target(
            "a CNI configuration file",
            Paths::Below("/etc/cni/net.d", &[]),
            owner("root", "root", "CIS 1.1.10"),
            mode(0o600, "CIS 1.1.9"),
        )],
    },
    FileRule {
        meta: meta(
            "etcd-data-dir-permissions",
            High,
            "etcd's data directory is open to other users",
            "etcd's data directory holds the whole cluster state, Secrets included, unencrypted \
             unless encryption at rest is configured.",
            "`chmod 700` the directory `--data-dir` names and `chown etcd:etcd` it.",
            &["CIS 1.1.11", "CIS 1.1.12"],
        ),
        targets: &[Target {
            kind: Some(FileType::Directory),
            ..target(
                "etcd's data directory",
                Paths::Configured("etcd data-dir", &["/var/lib/etcd"]),
                owner("etcd", "etcd", "CIS 1.1.12"),
                mode(0o700, "CIS 1.1.11"),
            )
        }],
    },
    FileRule {
        meta: meta(
            "admin-kubeconfig-permissions",
            High,
            "The cluster-admin kubeconfig is readable by others",
            "admin.conf (and super-admin.conf) carry cluster-admin credentials: whoever reads \
             them owns the cluster.",
            "`chown root:root` and `chmod 600 /etc/kubernetes/admin.conf` (and super-admin.conf).",
            &["CIS 1.1.13", "CIS 1.1.14"],
        ),
        targets: &[target(
            "an administrator kubeconfig",
            Paths::Each(&[
                "/etc/kubernetes/admin.conf",
                "/etc/kubernetes/super-admin.conf",
            ]),
            owner("root", "root", "CIS 1.1.14"),
            mode(0o600, "CIS 1.1.13"),
        )],
    },
    FileRule {
        meta: meta(
            "scheduler-kubeconfig-permissions",
            Medium,
            "scheduler.conf is not root-owned with mode 0600",
            KUBECONFIG_WHY,
            "`chown root:root` and `chmod 600 /etc/kubernetes/scheduler.conf`.",
            &["CIS 1.1.15", "CIS 1.1.16"],
        ),
        targets: &[target(
            "the scheduler's kubeconfig",
            Paths::Each(&["/etc/kubernetes/scheduler.conf"]),
            owner("root", "root", "CIS 1.1.16"),
            mode(0o600, "CIS 1.1.15"),
        )],
    },
    FileRule {
        meta: meta(
            "controller-manager-kubeconfig-permissions",
            Medium,
            "controller-manager.conf is not root-owned with mode 0600",
            KUBECONFIG_WHY,
            "`chown root:root` and `chmod 600 /etc/kubernetes/controller-manager.conf`.",
            &["CIS 1.1.17", "CIS 1.1.18"],
        ),
        targets: &[target(
            "the controller manager's kubeconfig",
            Paths::Each(&["/etc/kubernetes/controller-manager.conf"]),
            owner("root", "root", "CIS 1.1.18"),
            mode(0o600, "CIS 1.1.17"),
        )],
    },
    FileRule {
        meta: meta(
            "kubernetes-pki-permissions",
            High,
            "Kubernetes PKI files are not root-owned with mode 0600",
            "/etc/kubernetes/pki holds the cluster's CA keys: whoever reads ca.key can mint a \
             certificate for any user, cluster-admin included.",
            "`chown -R root:root /etc/kubernetes/pki` and `chmod 600` its .crt and .key files.",
            &["CIS 1.1.19", "CIS 1.1.20", "CIS 1.1.21"],
        ),
        targets: &[
            target(
                "a PKI file",
                Paths::Tree("/etc/kubernetes/pki"),
                owner("root", "root", "CIS 1.1.19"),
                None,
            ),
            target(
                "a PKI certificate",
                Paths::Below("/etc/kubernetes/pki", &[".crt"]),
                None,
                mode(0o600, "CIS 1.1.20"),
            ),
            target(
                "a PKI key",
                Paths::Below("/etc/kubernetes/pki", &[".key"]),
                None,
                mode(0o600, "CIS 1.1.21"),
            ),
        ],
    },
    FileRule {
        meta: meta(
            "kubelet-service-file-permissions",
            Medium,
            "The kubelet's service file is not root-owned with mode 0600",
            "The kubelet's unit and drop-ins set its flags: whoever can write them changes how \
             the node's agent authenticates and authorizes.",
            "`chown root:root` and `chmod 600` the kubelet unit and its drop-ins \
             (`systemctl cat kubelet`).",
            &["CIS 4.1.1", "CIS 4.1.2"],
        ),
        targets: &[target(
            "the kubelet's service file",
            Paths::Each(KUBELET_SERVICE),
            owner("root", "root", "CIS 4.1.2"),
            mode(0o600, "CIS 4.1.1"),
        )],
    },
    FileRule {
        meta: meta(
            "kube-proxy-kubeconfig-permissions",
            Medium,
            "kube-proxy's kubeconfig is not root-owned with mode 0600",
            KUBECONFIG_WHY,
            "`chown root:root` and `chmod 600` the file kube-proxy's `--kubeconfig` names.",
            &["CIS 4.1.3", "CIS 4.1.4"],
        ),
        targets: &[target(
            "kube-proxy's kubeconfig",
            Paths::Each(&[
                "/var/lib/kube-proxy/kubeconfig.conf",
                "/var/lib/kube-proxy/kubeconfig",
                "/etc/kubernetes/proxy.conf",
                "/etc/kubernetes/kube-proxy.kubeconfig",
            ]),
            owner("root", "root", "CIS 4.1.4"),
            mode(0o600, "CIS 4.1.3"),
        )],
    },
    FileRule {
        meta: meta(
            "kubelet-kubeconfig-permissions",
            High,
            "The kubelet's kubeconfig is readable by others",
            "kubelet.conf holds the node's credentials: whoever reads it acts as the node (read \
             the Secrets of its pods, update its status).",
            "`chown root:root` and `chmod 600 /etc/kubernetes/kubelet.conf`.",
            &["CIS 4.1.5", "CIS 4.1.6"],
        ),
        targets: &[target(
            "the kubelet's kubeconfig",
            Paths::Each(&[
                "/etc/kubernetes/kubelet.conf",
                "/var/lib/kubelet/kubeconfig",
            ]),
            owner("root", "root", "CIS 4.1.6"),
            mode(0o600, "CIS 4.1.5"),
        )],
    },
    FileRule {
        meta: meta(
            "kubelet-client-ca-permissions",
            Medium,
            "The kubelet's client CA file is not root-owned with mode 0600",
            "The kubelet trusts every client certificate this CA signed: whoever can replace it \
             can call the kubelet API (exec into pods) with a certificate of their own.",
            "`chown root:root` and `chmod 600` the file `authentication.x509.clientCAFile` names.",
            &["CIS 4.1.7", "CIS 4.1.8"],
        ),
        targets: &[target(
            "the kubelet's client CA (clientCAFile)",
            Paths::Configured("kubelet clientCAFile", &["/etc/kubernetes/pki/ca.crt"]),
            owner("root", "root", "CIS 4.1.8"),
            mode(0o600, "CIS 4.1.7"),
        )],
    },
    FileRule {
        meta: meta(
            "kubelet-config-file-permissions",
            Medium,
            "The kubelet's config file is not root-owned with mode 0600",
            "config.yaml sets the kubelet's authentication, authorization and read-only port: \
             whoever can write it opens the node's agent.",
            "`chown root:root` and `chmod 600 /var/lib/kubelet/config.yaml`.",
            &["CIS 4.1.9", "CIS 4.1.10"],
        ),
        targets: &[target(
            "the kubelet's configuration",
            Paths::Each(&[crate::host::KUBELET_CONFIG]),
            owner("root", "root", "CIS 4.1.10"),
            mode(0o600, "CIS 4.1.9"),
        )],
    },
];

/// The file rules, in documentation order.
pub(super) fn rules() -> impl Iterator<Item = Rule> {
    FILE_RULES
        .iter()
        .map(|rule| Rule {
            meta: rule.meta,
            checks: Checks::host_only(check_files),
        })
        .chain([
            DOCKER_AUDIT_RULES_MISSING,
            DOCKER_ROOT_PARTITION,
            DOCKER_GROUP_MEMBERS,
        ])
}

/// The files, owners and modes a file rule checks, for its documentation.
pub(super) fn files_doc(id: &str) -> Option<String> {
    let rule = FILE_RULES.iter().find(|r| r.meta.id == id)?;
    let targets: Vec<String> = rule
        .targets
        .iter()
        .map(|t| {
            let paths = match t.paths {
                Paths::Each(paths) => paths
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Paths::Configured(setting, []) => {
                    format!("the file `{setting}` names")
                }
                Paths::Configured(setting, defaults) => format!(
                    "the file `{setting}` names (default {})",
                    defaults
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Paths::Tree(dir) => format!("`{dir}` and everything below it"),
                Paths::Below(dir, []) => format!("the files below `{dir}`"),
                Paths::Below(dir, suffixes) => {
                    format!("the `{}` files below `{dir}`", suffixes.join("`, `"))
                }
            };
            let mut wants = Vec::new();
            if let Some(o) = t.owner {
                wants.push(format!("owner {}:{} ({})", o.user, o.group, o.item));
            }
            if let Some(m) = t.mode {
                wants.push(format!("mode {:04o} or stricter ({})", m.widest, m.item));
            }
            format!("{paths}: {}", wants.join(", "))
        })
        .collect();
    Some(format!("{}.", targets.join("; ")))
}

/// What the edge should look at for every host rule: the table's files, the audited files,
/// Docker's root directory.
pub fn host_plan(facts: &HostFacts) -> Vec<Wanted> {
    let mut wanted: BTreeSet<Wanted> = FILE_RULES
        .iter()
        .flat_map(|rule| rule.targets)
        .flat_map(|t| t.paths.wanted(facts))
        .chain(AUDITED.iter().flat_map(|(paths, _)| paths.wanted(facts)))
        .collect();
    // A file that is also walked below needs no entry of its own.
    let walked: Vec<String> = wanted
        .iter()
        .filter(|w| w.below)
        .map(|w| w.path.clone())
        .collect();
    wanted.retain(|w| w.below || !walked.contains(&w.path));
    wanted.into_iter().collect()
}

fn check_files(facts: &HostFacts, out: &mut Findings) {
    let Some(rule) = FILE_RULES.iter().find(|r| r.meta.id == out.rule().id) else {
        return;
    };
    for target in rule.targets {
        for file in target.paths.files(facts) {
            if target.kind.is_some_and(|kind| kind != file.kind) {
                continue;
            }
            check_file(target, file, out);
        }
    }
}

fn check_file(target: &Target, file: &FileFacts, out: &mut Findings) {
    if let Some(wanted) = target.owner {
        let matches = |name: &Option<String>, id: u32, expected: &str| match name {
            Some(name) => name == expected,
            None => expected == "root" && id == 0,
        };
        let user_ok = matches(&file.user, file.uid, wanted.user);
        let group_ok = matches(&file.group, file.gid, wanted.group);
        if !(user_ok && group_ok) {
            out.report(
                finding_path(&file.path, if user_ok { "group" } else { "owner" }),
                format!(
                    "{}: {} {} is owned by {}; expected {}:{}",
                    wanted.item,
                    target.what,
                    file.path,
                    file.owner(),
                    wanted.user,
                    wanted.group
                ),
            );
        }
    }
    if let Some(wanted) = target.mode {
        let extra = file.mode & 0o7777 & !wanted.widest;
        if extra != 0 {
            out.report(
                finding_path(&file.path, "mode"),
                format!(
                    "{}: {} {} has mode {:04o}; expected {:04o} or stricter",
                    wanted.item,
                    target.what,
                    file.path,
                    file.mode & 0o7777,
                    wanted.widest
                ),
            );
        }
    }
}

/// The files Docker Bench wants audited, each with its item.
const AUDITED: &[(Paths, &str)] = &[
    (Paths::Each(&["/usr/bin/dockerd"]), "Docker Bench 1.1.3"),
    (Paths::Each(&["/run/containerd"]), "Docker Bench 1.1.4"),
    (
        Paths::Configured("docker root", &["/var/lib/docker"]),
        "Docker Bench 1.1.5",
    ),
    (Paths::Each(&["/etc/docker"]), "Docker Bench 1.1.6"),
    (Paths::Each(DOCKER_SERVICE), "Docker Bench 1.1.7"),
    (
        Paths::Each(&["/run/containerd/containerd.sock"]),
        "Docker Bench 1.1.8",
    ),
    (Paths::Each(DOCKER_SOCKET_UNIT), "Docker Bench 1.1.9"),
    (Paths::Each(&["/etc/default/docker"]), "Docker Bench 1.1.10"),
    (
        Paths::Each(&[crate::host::DOCKER_DAEMON_JSON]),
        "Docker Bench 1.1.11",
    ),
    (
        Paths::Each(&["/etc/containerd/config.toml"]),
        "Docker Bench 1.1.12",
    ),
    (
        Paths::Each(&["/etc/sysconfig/docker"]),
        "Docker Bench 1.1.13",
    ),
    (Paths::Each(&["/usr/bin/containerd"]), "Docker Bench 1.1.14"),
    (
        Paths::Each(&["/usr/bin/containerd-shim"]),
        "Docker Bench 1.1.15",
    ),
    (
        Paths::Each(&["/usr/bin/containerd-shim-runc-v1"]),
        "Docker Bench 1.1.16",
    ),
    (
        Paths::Each(&["/usr/bin/containerd-shim-runc-v2"]),
        "Docker Bench 1.1.17",
    ),
    (Paths::Each(&["/usr/bin/runc"]), "Docker Bench 1.1.18"),
];

const DOCKER_AUDIT_RULES_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "docker-audit-rules-missing",
        severity: Low,
        title: "Container runtime files are not audited",
        why: "The Docker daemon runs as root and its files decide what it does: without audit \
              rules, changes to its binaries, configuration and data leave no trace.",
        fix: "Install auditd and add a watch per file, e.g. `-w /usr/bin/dockerd -k docker` and \
              `-w /etc/docker -p wa -k docker`, to /etc/audit/rules.d/docker.rules; then \
              `augenrules --load`.",
        references: &[
            "Docker Bench 1.1.3",
            "Docker Bench 1.1.4",
            "Docker Bench 1.1.5",
            "Docker Bench 1.1.6",
            "Docker Bench 1.1.7",
            "Docker Bench 1.1.8",
            "Docker Bench 1.1.9",
            "Docker Bench 1.1.10",
            "Docker Bench 1.1.11",
            "Docker Bench 1.1.12",
            "Docker Bench 1.1.13",
            "Docker Bench 1.1.14",
            "Docker Bench 1.1.15",
            "Docker Bench 1.1.16",
            "Docker Bench 1.1.17",
            "Docker Bench 1.1.18",
        ],
    },
    checks: Checks::host_only(|facts, out| {
        let watches = facts.audit_rules.as_deref().unwrap_or_default();
        // A watch on a directory covers everything below it.
        let watched = |path: &str| {
            watches.iter().any(|w| {
                path == w.path
                    || path
                        .strip_prefix(&w.path)
                        .is_some_and(|r| r.starts_with('/'))
            })
        };
        for (paths, item) in AUDITED {
            for file in paths.files(facts) {
                if watched(&file.path) {
                    continue;
                }
                let why = match facts.audit_rules {
                    None => " (the host has no audit rules in /etc/audit)",
                    Some(_) => "",
                };
                out.report(
                    finding_path(&file.path, "audit"),
                    format!("{item}: no audit rule watches {}{why}", file.path),
                );
            }
        }
    }),
};

const DOCKER_ROOT_PARTITION: Rule = Rule {
    meta: RuleMeta {
        id: "docker-root-not-separate-partition",
        severity: Low,
        title: "Docker's data is not on a partition of its own",
        why: "Images, containers' writable layers and volumes grow with what containers do: on \
              the root partition they can fill it and stop the host's own services.",
        fix: "Mount a dedicated partition (or logical volume) at Docker's root directory \
              (`docker info -f '{{ .DockerRootDir }}'`, /var/lib/docker by default).",
        references: &["Docker Bench 1.1.1", "CIS Docker 1.1.1"],
    },
    checks: Checks::host_only(|facts, out| {
        let Some(mounts) = &facts.mount_points else {
            return;
        };
        let root = facts.configured("docker root").unwrap_or("/var/lib/docker");
        let Some(dir) = facts.file(root) else {
            return;
        };
        if !mounts
            .iter()
            .any(|m| m.trim_end_matches('/') == root.trim_end_matches('/'))
        {
            out.report(
                finding_path(&dir.path, "mount"),
                format!(
                    "CIS Docker 1.1.1: {} is not a mount point of its own",
                    dir.path
                ),
            );
        }
    }),
};

const DOCKER_GROUP_MEMBERS: Rule = Rule {
    meta: RuleMeta {
        id: "docker-group-members",
        severity: Info,
        title: "Users who control the Docker daemon",
        why: "Members of the `docker` group can use the Docker socket, which is root on the \
              host: each of them should be trusted as root.",
        fix: "Review the members of the `docker` group and remove those who need not run \
              containers (`gpasswd -d USER docker`).",
        references: &["Docker Bench 1.1.2", "CIS Docker 1.1.2"],
    },
    checks: Checks::host_only(|facts, out| {
        let Some(group) = facts
            .docker_group
            .as_ref()
            .filter(|g| !g.members.is_empty())
        else {
            return;
        };
        out.report(
            finding_path("/etc/group", "docker"),
            format!(
                "CIS Docker 1.1.2: members of the docker group (root on the host through the \
                 Docker socket): {}",
                group.members.join(", ")
            ),
        );
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{AuditWatch, GroupMembers};

    fn file(path: &str, kind: FileType, mode: u32, user: &str, group: &str) -> FileFacts {
        FileFacts {
            path: path.to_owned(),
            kind,
            mode,
            uid: u32::from(user != "root") * 1000,
            gid: u32::from(group != "root") * 1000,
            user: Some(user.to_owned()),
            group: Some(group.to_owned()),
        }
    }

    fn run(rule: &str, facts: &HostFacts) -> Vec<(String, String)> {
        let rule = super::super::registry()
            .iter()
            .find(|r| r.meta.id == rule)
            .expect("a rule");
        let mut out = Findings::new(rule.meta);
        (rule.checks.host.expect("a host check"))(facts, &mut out);
        out.into_vec()
            .into_iter()
            .map(|f| (f.path.to_string(), f.message))
            .collect()
    }

    #[test]
    fn owner_and_mode_against_the_widest_mode() {
        let facts = HostFacts {
            files: vec![
                file(
                    "/var/run/docker.sock",
                    FileType::Socket,
                    0o666,
                    "root",
                    "docker",
                ),
                file("/run/docker.sock", FileType::Socket, 0o660, "root", "root"),
            ],
            ..HostFacts::default()
        };
        let found = run("docker-sock-permissions", &facts);
        assert_eq!(
            found,
            [
                (
                    "[/var/run/docker.sock].mode".to_owned(),
                    "CIS Docker 3.16: the Docker socket /var/run/docker.sock has mode 0666; \
                     expected 0660 or stricter"
                        .to_owned()
                ),
                (
                    "[/run/docker.sock].group".to_owned(),
                    "CIS Docker 3.15: the Docker socket /run/docker.sock is owned by root:root; \
                     expected root:docker"
                        .to_owned()
                ),
            ]
        );
        // 0400 is stricter than 0444 even though 400 < 444 is not the point: no bit beyond.
        let key = HostFacts {
            files: vec![file(
                "/etc/docker/key.pem",
                FileType::File,
                0o440,
                "root",
                "root",
            )],
            configured: [("docker tlskey".to_owned(), "/etc/docker/key.pem".to_owned())].into(),
            ..HostFacts::default()
        };
        assert_eq!(run("docker-tls-key-permissions", &key).len(), 1);
    }

    #[test]
    fn pki_tree_and_suffixes() {
        let facts = HostFacts {
            files: vec![
                file(
                    "/etc/kubernetes/pki",
                    FileType::Directory,
                    0o755,
                    "root",
                    "root",
                ),
                file(
                    "/etc/kubernetes/pki/ca.crt",
                    FileType::File,
                    0o644,
                    "root",
                    "root",
                ),
                file(
                    "/etc/kubernetes/pki/ca.key",
                    FileType::File,
                    0o600,
                    "kube",
                    "root",
                ),
            ],
            ..HostFacts::default()
        };
        let paths: Vec<String> = run("kubernetes-pki-permissions", &facts)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            paths,
            [
                "[/etc/kubernetes/pki/ca.key].owner",
                "[/etc/kubernetes/pki/ca.crt].mode"
            ]
        );
    }

    #[test]
    fn audit_watches_cover_directories_below() {
        let facts = HostFacts {
            files: vec![
                file("/etc/docker", FileType::Directory, 0o755, "root", "root"),
                file(
                    "/etc/docker/daemon.json",
                    FileType::File,
                    0o644,
                    "root",
                    "root",
                ),
                file("/usr/bin/runc", FileType::File, 0o755, "root", "root"),
            ],
            audit_rules: Some(vec![AuditWatch {
                path: "/etc/docker".to_owned(),
                source: "/etc/audit/audit.rules:1".to_owned(),
            }]),
            ..HostFacts::default()
        };
        let found = run("docker-audit-rules-missing", &facts);
        assert_eq!(
            found,
            [(
                "[/usr/bin/runc].audit".to_owned(),
                "Docker Bench 1.1.18: no audit rule watches /usr/bin/runc".to_owned()
            )]
        );
    }

    #[test]
    fn partition_and_group() {
        let facts = HostFacts {
            files: vec![file(
                "/data/docker",
                FileType::Directory,
                0o710,
                "root",
                "root",
            )],
            configured: [("docker root".to_owned(), "/data/docker".to_owned())].into(),
            mount_points: Some(vec!["/".to_owned(), "/data".to_owned()]),
            docker_group: Some(GroupMembers {
                name: "docker".to_owned(),
                gid: 999,
                members: vec!["alice".to_owned()],
            }),
            ..HostFacts::default()
        };
        assert_eq!(run("docker-root-not-separate-partition", &facts).len(), 1);
        let members = run("docker-group-members", &facts);
        assert!(members[0].1.ends_with(": alice"), "{members:?}");
    }

    #[test]
    fn the_plan_names_every_table_file_and_walks_trees() {
        let plan = host_plan(&HostFacts::default());
        let has = |path: &str, below: bool| plan.iter().any(|w| w.path == path && w.below == below);
        assert!(has("/etc/docker/daemon.json", false));
        assert!(has("/etc/kubernetes/pki", true));
        assert!(has("/var/lib/docker", false));
        assert!(!has("/etc/kubernetes/pki", false));
        let configured = HostFacts {
            configured: [("etcd data-dir".to_owned(), "/data/etcd".to_owned())].into(),
            ..HostFacts::default()
        };
        let plan = host_plan(&configured);
        assert!(plan.iter().any(|w| w.path == "/data/etcd"));
        assert!(!plan.iter().any(|w| w.path == "/var/lib/etcd"));
    }
}
