//! One model for a container definition, whether it comes from a Compose service or
//! from `docker inspect`: the field mapping of the Compose spec and moby's HostConfig
//! lives in the two readers, and the rules see only this.

use crate::field_path::FieldPath;

/// A value and the field it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value as written (numbers and booleans converted, strings kept as written,
    /// `${VAR:-default}` interpolation included).
    pub value: T,
    /// Where it is, from the document's root.
    pub path: FieldPath,
}

impl<T> Setting<T> {
    /// A value read at `path`.
    pub fn new(value: T, path: FieldPath) -> Self {
        Self { value, path }
    }
}

/// Which artefact a [`ContainerSpec`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A service of a Compose file.
    Compose,
    /// A container of `docker inspect` output.
    Inspect,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortBinding {
    /// Host address the port is bound to (`None`: every interface).
    pub host_ip: Option<String>,
    /// Host port or range, as written (`None` or empty: an ephemeral port).
    pub host_port: Option<String>,
    /// Container port or range, as written, without the protocol.
    pub container_port: String,
    /// Where the binding is.
    pub path: FieldPath,
}

/// A bind mount or volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Host path (bind mounts) or volume name.
    pub source: String,
    /// Path inside the container.
    pub target: String,
    /// True for a bind mount of a host path.
    pub bind: bool,
    /// Mounted read-only.
    pub read_only: bool,
    /// Bind propagation (`shared`, `rshared`...), when set.
    pub propagation: Option<String>,
    /// Where the mount is.
    pub path: FieldPath,
}

/// A restart policy: `no`, `always`, `unless-stopped`, `on-failure[:N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    /// The policy name, lower case.
    pub name: String,
    /// The maximum retry count, when one is given (`on-failure:5`).
    pub max_retries: Option<i64>,
}

/// A container definition: a Compose service or a `docker inspect` container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Where it was read from.
    pub origin: Origin,
    /// Service name, or container name without the leading `/`.
    pub name: String,
    /// The service or container itself, from the document's root.
    pub path: FieldPath,
    /// Image reference.
    pub image: Option<Setting<String>>,
    /// Configured user (`user` / `Config.User`).
    pub user: Option<Setting<String>>,
    /// `privileged` / `HostConfig.Privileged`.
    pub privileged: Option<Setting<bool>>,
    /// `read_only` / `HostConfig.ReadonlyRootfs`.
    pub read_only: Option<Setting<bool>>,
    /// `network_mode` / `HostConfig.NetworkMode`.
    pub network_mode: Option<Setting<String>>,
    /// `pid` / `HostConfig.PidMode`.
    pub pid_mode: Option<Setting<String>>,
    /// `ipc` / `HostConfig.IpcMode`.
    pub ipc_mode: Option<Setting<String>>,
    /// `uts` / `HostConfig.UTSMode`.
    pub uts_mode: Option<Setting<String>>,
    /// `userns_mode` / `HostConfig.UsernsMode`.
    pub userns_mode: Option<Setting<String>>,
    /// `cgroup_parent` / `HostConfig.CgroupParent`.
    pub cgroup_parent: Option<Setting<String>>,
    /// `cgroup` / `HostConfig.CgroupnsMode`: the cgroup namespace (`host` or `private`).
    pub cgroupns_mode: Option<Setting<String>>,
    /// `cap_add` / `HostConfig.CapAdd`.
    pub cap_add: Vec<Setting<String>>,
    /// `cap_drop` / `HostConfig.CapDrop`.
    pub cap_drop: Vec<Setting<String>>,
    /// `security_opt` / `HostConfig.SecurityOpt`.
    pub security_opt: Vec<Setting<String>>,
    /// The resolved AppArmor profile (`docker inspect` only).
    pub apparmor_profile: Option<Setting<String>>,
    /// A memory limit (`mem_limit`, `deploy.resources.limits.memory`, `HostConfig.Memory`);
    /// `None` when absent or zero.
    pub memory_limit: Option<Setting<String>>,
    /// A CPU limit (`cpus`, `cpu_quota`, `deploy.resources.limits.cpus`,
    /// `HostConfig.NanoCpus` / `CpuQuota`); `None` when absent or zero.
    pub cpu_limit: Option<Setting<String>>,
    /// `pids_limit`, `deploy.resources.limits.pids`, `HostConfig.PidsLimit` as written.
    pub pids_limit: Option<Setting<String>>,
    /// Published ports.
    pub ports: Vec<PortBinding>,
    /// Ports exposed to other containers only (`expose` / `Config.ExposedPorts`).
    pub exposed: Vec<Setting<String>>,
    /// `HostConfig.PublishAllPorts` (`docker run -P`).
    pub publish_all: Option<Setting<bool>>,
    /// Volumes and bind mounts.
    pub mounts: Vec<Mount>,
    /// `use_api_socket: true` (Compose): the Docker API socket is mounted.
    pub use_api_socket: Option<Setting<bool>>,
    /// `restart` (or `deploy.restart_policy`) / `HostConfig.RestartPolicy`.
    pub restart: Option<Setting<RestartPolicy>>,
    /// Host devices (`devices`, `device_cgroup_rules`, `HostConfig.Devices`...).
    pub devices: Vec<Setting<String>>,
    /// Namespaced kernel parameters, as `name=value`.
    pub sysctls: Vec<Setting<String>>,
    /// The entrypoint and command words.
    pub command: Vec<Setting<String>>,
    /// The health check: `Some(false)` when it is disabled (`healthcheck.disable: true`,
    /// `test: ["NONE"]`), `Some(true)` when one is defined; `None` when absent (the
    /// image's applies).
    pub healthcheck: Option<Setting<bool>>,
    /// Labels (`rampart.dev/ignore` works here as the Kubernetes annotation does).
    pub labels: Vec<(String, String)>,
    /// Environment variables as `NAME=value` (`environment` / `Config.Env`).
    pub env: Vec<Setting<String>>,
    /// The health check's last verdict (`docker inspect` only: `State.Health.Status`,
    /// `healthy`, `unhealthy` or `starting`).
    pub health_status: Option<Setting<String>>,
    /// The command lines of the processes running in the container, when a live source
    /// listed them (the Engine API's `top` endpoint, kept under `Top`).
    pub processes: Vec<Setting<String>>,
}

impl ContainerSpec {
    /// An empty definition named `name` at `path`.
    pub fn new(origin: Origin, name: impl Into<String>, path: FieldPath) -> Self {
        Self {
            origin,
            name: name.into(),
            path,
            image: None,
            user: None,
            privileged: None,
            read_only: None,
            network_mode: None,
            pid_mode: None,
            ipc_mode: None,
            uts_mode: None,
            userns_mode: None,
            cgroup_parent: None,
            cgroupns_mode: None,
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            security_opt: Vec::new(),
            apparmor_profile: None,
            memory_limit: None,
            cpu_limit: None,
            pids_limit: None,
            ports: Vec::new(),
            exposed: Vec::new(),
            publish_all: None,
            mounts: Vec::new(),
            use_api_socket: None,
            restart: None,
            devices: Vec::new(),
            sysctls: Vec::new(),
            command: Vec::new(),
            healthcheck: None,
            labels: Vec::new(),
            env: Vec::new(),
            health_status: None,
            processes: Vec::new(),
        }
    }

    /// Where a field that is absent would be: the Compose key or the `docker inspect`
    /// path (e.g. `("read_only", &["HostConfig", "ReadonlyRootfs"])`). Reports on an
    /// absent field land on the nearest existing ancestor, the service itself.
    pub fn field(&self, compose: &'static str, inspect: &[&'static str]) -> FieldPath {
        match self.origin {
            Origin::Compose => self.path.child(compose),
            Origin::Inspect => self.path.join(&FieldPath::fields(inspect)),
        }
    }

    /// `service "web"` or `container "web"`, to name it in messages.
    pub fn describe(&self) -> String {
        match self.origin {
            Origin::Compose => format!("service {:?}", self.name),
            Origin::Inspect => format!("container {:?}", self.name),
        }
    }

    /// The `security_opt` entry `key` (`seccomp`, `apparmor`, `label`,
    /// `no-new-privileges`), split at `=` or `:` as Docker accepts both.
    pub fn security_option(&self, key: &str) -> Vec<Setting<&str>> {
        self.security_opt
            .iter()
            .filter_map(|opt| {
                let text = opt.value.trim();
                let (name, value) = match text.split_once(['=', ':']) {
                    Some((name, value)) => (name, value),
                    None => (text, ""),
                };
                (name.eq_ignore_ascii_case(key)).then(|| Setting::new(value, opt.path.clone()))
            })
            .collect()
    }
}
