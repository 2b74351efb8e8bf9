//! Rules that only Docker artefacts have: container runtime settings without a
//! Kubernetes twin (Docker Bench section 5), the daemon configuration (section 2) and
//! Dockerfiles (section 4, hadolint). Settings with a Kubernetes twin are checked by
//! the pod rules of the same id.

mod daemon;
mod dockerfile;
pub(super) mod runtime;
mod shell;
mod verification;

use super::Rule;

/// The Docker-only rules, in documentation order.
pub(super) static RULES: &[Rule] = &[
    runtime::PORT_BOUND_ALL_INTERFACES,
    runtime::RESTART_POLICY_UNBOUNDED,
    runtime::HOST_DEVICES,
    runtime::HOST_USER_NAMESPACE,
    runtime::HOST_UTS,
    runtime::CGROUP_PARENT_SET,
    runtime::PIDS_LIMIT_MISSING,
    runtime::MOUNT_PROPAGATION_SHARED,
    runtime::HOST_CGROUP_NAMESPACE,
    runtime::PRIVILEGED_PORT_PUBLISHED,
    runtime::DEFAULT_BRIDGE_NETWORK,
    runtime::CONTAINER_UNHEALTHY,
    daemon::DAEMON_ICC_ENABLED,
    daemon::DAEMON_USERNS_REMAP_MISSING,
    daemon::DAEMON_LIVE_RESTORE_DISABLED,
    daemon::DAEMON_INSECURE_REGISTRY,
    daemon::DAEMON_TCP_WITHOUT_TLS,
    daemon::DAEMON_LOG_DRIVER_LOCAL,
    daemon::DAEMON_USERLAND_PROXY_ENABLED,
    daemon::DAEMON_EXPERIMENTAL_ENABLED,
    daemon::DAEMON_AUTHORIZATION_PLUGIN_MISSING,
    daemon::DAEMON_ROOTFUL,
    daemon::DAEMON_SWARM_MODE,
    daemon::DAEMON_AUFS_STORAGE_DRIVER,
    daemon::DAEMON_LOG_LEVEL,
    daemon::DAEMON_IPTABLES_DISABLED,
    dockerfile::ADD_REMOTE_URL,
    dockerfile::SUDO_IN_RUN,
    dockerfile::SECRET_IN_ENV_OR_ARG,
    dockerfile::CURL_PIPE_SHELL,
    dockerfile::PACKAGE_UPGRADE_UNPINNED,
    dockerfile::HEALTHCHECK_MISSING,
    dockerfile::PASSWORD_IN_RUN,
    verification::VERIFICATION_DISABLED,
];
