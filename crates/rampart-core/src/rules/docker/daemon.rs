//! The Docker daemon's configuration (Docker Bench section 2): `daemon.json`, or a running
//! daemon through the Engine API. Each check judges a setting only where the
//! configuration tells it ([`DaemonConfig::decides`]). `no-new-privileges` and
//! `seccomp-profile` are checked by `privilege-escalation-allowed` and
//! `seccomp-unconfined`, their container-level twins; `cgroup-parent` by
//! `cgroup-parent-set`.

use serde_json::Value;

use crate::docker::DaemonConfig;
use crate::finding::Severity;
use crate::rules::{Checks, Findings, Rule, RuleMeta};

/// Reports `key` unless it is set to `wanted`; `absent` says what an absent key means.
fn expect_flag(
    config: &DaemonConfig<'_>,
    out: &mut Findings,
    key: &str,
    wanted: bool,
    absent: &str,
) {
    if !config.decides(key) {
        return;
    }
    match config.flag(key) {
        Some(value) if value == wanted => {}
        Some(value) => out.report(
            config.path(key),
            format!("the daemon sets {key}: {value} (want {wanted})"),
        ),
        None => out.report(
            config.path(key),
            format!("the daemon does not set {key}: {wanted}; {absent}"),
        ),
    }
}

pub(super) const DAEMON_ICC_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-icc-enabled",
        severity: Severity::Medium,
        title: "Containers on the default bridge can talk to each other",
        why: "With inter-container communication on, every container on the default bridge can \
              reach every other one's ports: one compromised container reaches them all.",
        fix: "Set `\"icc\": false` in daemon.json and link containers through user-defined networks.",
        references: &["Docker Bench 2.2", "CIS Docker 2.2"],
    },
    checks: Checks::daemon_only(|config, out| {
        expect_flag(
            config,
            out,
            "icc",
            false,
            "inter-container traffic is allowed by default",
        );
    }),
};

pub(super) const DAEMON_USERNS_REMAP_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-userns-remap-missing",
        severity: Severity::Medium,
        title: "Daemon does not remap container users",
        why: "Without user namespace remapping, root in a container is root on the host once it \
              escapes.",
        fix: "Set `\"userns-remap\": \"default\"` (or a dedicated user) in daemon.json.",
        references: &["Docker Bench 2.9", "CIS Docker 2.9"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides("userns-remap") && config.text("userns-remap").is_none_or(str::is_empty) {
            out.report(
                config.path("userns-remap"),
                "the daemon does not set userns-remap: container root is host root",
            );
        }
    }),
};

pub(super) const DAEMON_LIVE_RESTORE_DISABLED: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-live-restore-disabled",
        severity: Severity::Low,
        title: "Containers stop when the daemon stops",
        why: "Without live restore, upgrading or restarting dockerd stops every container, which \
              discourages timely daemon security updates.",
        fix: "Set `\"live-restore\": true` in daemon.json (not applicable in swarm mode).",
        references: &["Docker Bench 2.15", "CIS Docker 2.15"],
    },
    checks: Checks::daemon_only(|config, out| {
        expect_flag(
            config,
            out,
            "live-restore",
            true,
            "containers stop with the daemon",
        );
    }),
};

pub(super) const DAEMON_INSECURE_REGISTRY: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-insecure-registry",
        severity: Severity::High,
        title: "Daemon trusts an insecure registry",
        why: "An insecure registry is reached over plain HTTP or unverified TLS: anyone on the path \
              can serve a different image.",
        fix: "Remove the entry from `insecure-registries` and give the registry a valid TLS \
              certificate.",
        references: &["Docker Bench 2.5", "CIS Docker 2.5"],
    },
    checks: Checks::daemon_only(|config, out| {
        let Some(Value::Array(registries)) = config.get("insecure-registries") else {
            return;
        };
        if !config.decides("insecure-registries") {
            return;
        }
        for (i, registry) in registries.iter().enumerate() {
            let name = registry.as_str().unwrap_or_default();
            out.report(
                config.item_path("insecure-registries", i),
                format!("the daemon trusts insecure registry {name:?}"),
            );
        }
    }),
};

pub(super) const DAEMON_TCP_WITHOUT_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-tcp-without-tls",
        severity: Severity::Critical,
        title: "Docker API on TCP without TLS client verification",
        why: "The Docker API is root on the host: on a TCP socket without `tlsverify` anyone who \
              reaches the port can run privileged containers.",
        fix: "Listen on the Unix socket only, or set `tlsverify: true` with `tlscacert`, `tlscert` \
              and `tlskey` (use port 2376).",
        references: &["Docker Bench 2.7", "CIS Docker 2.7"],
    },
    checks: Checks::daemon_only(|config, out| {
        let Some(Value::Array(hosts)) = config.get("hosts").filter(|_| config.decides("hosts"))
        else {
            return;
        };
        let verified = config.flag("tlsverify") == Some(true)
            && ["tlscacert", "tlscert", "tlskey"]
                .iter()
                .all(|key| config.text(key).is_some_and(|v| !v.is_empty()));
        if verified {
            return;
        }
        for (i, host) in hosts.iter().enumerate() {
            let Some(host) = host.as_str().filter(|h| h.starts_with("tcp://")) else {
                continue;
            };
            out.report(
                config.item_path("hosts", i),
                format!("the daemon listens on {host} without TLS client verification (tlsverify)"),
            );
        }
    }),
};

/// Log drivers that keep logs on the host only.
const LOCAL_LOG_DRIVERS: &[&str] = &["json-file", "local", "none"];

pub(super) const DAEMON_LOG_DRIVER_LOCAL: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-log-driver-local",
        severity: Severity::Low,
        title: "Container logs stay on the host",
        why: "With a local log driver (the default `json-file`), an intruder who owns the host \
              can erase the traces; `none` keeps no logs at all.",
        fix: "Set `log-driver` to a remote driver (`syslog`, `journald` forwarded, `fluentd`, \
              `gelf`, `awslogs`...) in daemon.json.",
        references: &["Docker Bench 2.13", "CIS Docker 2.13"],
    },
    checks: Checks::daemon_only(|config, out| match config.text("log-driver") {
        _ if !config.decides("log-driver") => {}
        Some(driver) if LOCAL_LOG_DRIVERS.contains(&driver) => out.report(
            config.path("log-driver"),
            format!("the daemon logs with the local driver {driver:?}"),
        ),
        Some(_) => {}
        None => out.report(
            config.path("log-driver"),
            "the daemon uses the default local log driver json-file",
        ),
    }),
};

pub(super) const DAEMON_USERLAND_PROXY_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-userland-proxy-enabled",
        severity: Severity::Low,
        title: "Daemon uses the userland proxy",
        why: "The userland proxy is one more process per published port, an attack surface that \
              the kernel's hairpin NAT makes unnecessary.",
        fix: "Set `\"userland-proxy\": false` in daemon.json.",
        references: &["Docker Bench 2.16", "CIS Docker 2.16"],
    },
    checks: Checks::daemon_only(|config, out| {
        expect_flag(config, out, "userland-proxy", false, "it is on by default");
    }),
};

pub(super) const DAEMON_EXPERIMENTAL_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-experimental-enabled",
        severity: Severity::Medium,
        title: "Daemon runs experimental features",
        why: "Experimental features are not covered by the usual stability and security review.",
        fix: "Remove `\"experimental\": true` from daemon.json in production.",
        references: &["Docker Bench 2.18", "CIS Docker 2.18"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides("experimental") && config.flag("experimental") == Some(true) {
            out.report(
                config.path("experimental"),
                "the daemon enables experimental features",
            );
        }
    }),
};

pub(super) const DAEMON_AUTHORIZATION_PLUGIN_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-authorization-plugin-missing",
        severity: Severity::Low,
        title: "Daemon authorizes every client command",
        why: "Without an authorization plugin, anyone who can reach the Docker socket may run any \
              command, privileged containers included: access to the socket is root on the host.",
        fix: "Install an authorization plugin (Open Policy Agent's opa-docker-authz, Twistlock \
              AuthZ...) and list it in `authorization-plugins` in daemon.json.",
        references: &["Docker Bench 2.12", "CIS Docker 2.12"],
    },
    checks: Checks::daemon_only(|config, out| {
        if !config.decides("authorization-plugins") {
            return;
        }
        let none = match config.get("authorization-plugins") {
            Some(Value::Array(plugins)) => plugins.is_empty(),
            Some(_) => false,
            None => true,
        };
        if none {
            out.report(
                config.path("authorization-plugins"),
                "the daemon has no authorization plugin: every client may run every command",
            );
        }
    }),
};

pub(super) const DAEMON_ROOTFUL: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-rootful",
        severity: Severity::Info,
        title: "Daemon runs as root (not rootless)",
        why: "A daemon running as root makes every escape from a container, and every abuse of \
              the Docker API, root on the host. In rootless mode the daemon and its containers run \
              as an unprivileged user.",
        fix: "Where the workloads allow it, run the daemon in rootless mode \
              (`dockerd-rootless-setuptool.sh install`; see Docker's rootless mode \
              documentation), or at least remap users (`userns-remap`).",
        references: &["Docker Bench 2.1", "CIS Docker 2.1"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides(crate::docker::ROOTLESS)
            && config.flag(crate::docker::ROOTLESS) == Some(false)
        {
            out.report(
                config.path(crate::docker::ROOTLESS),
                "the daemon runs as root (not in rootless mode)",
            );
        }
    }),
};

pub(super) const DAEMON_SWARM_MODE: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-swarm-mode",
        severity: Severity::Info,
        title: "Daemon is a Swarm node",
        why: "Swarm mode opens the cluster management ports (2377, 7946, 4789) and keeps the \
              Swarm's secrets and certificates on the host: if the host does not run Swarm \
              services, that is attack surface for nothing.",
        fix: "If the host does not need Swarm, leave it: `docker swarm leave` (on a manager, \
              `--force`).",
        references: &["Docker Bench 5.1", "CIS Docker 5.1"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides(crate::docker::SWARM) && config.flag(crate::docker::SWARM) == Some(true) {
            out.report(
                config.path(crate::docker::SWARM),
                "the daemon is an active Swarm node",
            );
        }
    }),
};

pub(super) const DAEMON_AUFS_STORAGE_DRIVER: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-aufs-storage-driver",
        severity: Severity::Low,
        title: "Daemon uses the aufs storage driver",
        why: "aufs is unmaintained, out of the mainline kernel and removed from Docker 24; it has \
              had kernel crashes and privilege issues that the supported drivers do not.",
        fix: "Use `overlay2` (`\"storage-driver\": \"overlay2\"`), after moving images and volumes.",
        references: &["Docker Bench 2.6", "CIS Docker 2.6"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides("storage-driver") && config.text("storage-driver") == Some("aufs") {
            out.report(
                config.path("storage-driver"),
                "the daemon uses the aufs storage driver",
            );
        }
    }),
};

pub(super) const DAEMON_LOG_LEVEL: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-log-level",
        severity: Severity::Low,
        title: "Daemon does not log at the info level",
        why: "At `debug` the daemon logs far more than needed, request details included; at \
              `warn`, `error` or `fatal` it drops the events an investigation needs.",
        fix: "Set `\"log-level\": \"info\"` (or leave it out) and `\"debug\": false` in daemon.json.",
        references: &["Docker Bench 2.3", "CIS Docker 2.3"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides("debug") && config.flag("debug") == Some(true) {
            out.report(config.path("debug"), "the daemon runs in debug mode");
        }
        let level = config
            .text("log-level")
            .filter(|_| config.decides("log-level"));
        if let Some(level) = level.filter(|l| !l.eq_ignore_ascii_case("info")) {
            out.report(
                config.path("log-level"),
                format!("the daemon logs at level {level:?} (want info)"),
            );
        }
    }),
};

pub(super) const DAEMON_IPTABLES_DISABLED: Rule = Rule {
    meta: RuleMeta {
        id: "daemon-iptables-disabled",
        severity: Severity::Medium,
        title: "Daemon may not change iptables",
        why: "With `iptables: false` Docker does not set up the firewall rules that isolate \
              container networks from each other and publish only the ports asked for; hand-made \
              rules tend to be looser.",
        fix: "Remove `\"iptables\": false` from daemon.json (`--iptables=false` from dockerd).",
        references: &["Docker Bench 2.4", "CIS Docker 2.4"],
    },
    checks: Checks::daemon_only(|config, out| {
        if config.decides("iptables") && config.flag("iptables") == Some(false) {
            out.report(
                config.path("iptables"),
                "the daemon may not change iptables (iptables: false)",
            );
        }
    }),
};
