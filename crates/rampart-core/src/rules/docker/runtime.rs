//! Container runtime settings without a Kubernetes twin (Docker Bench section 5), for
//! Compose services and `docker inspect` containers.

use crate::docker::ContainerSpec;
use crate::finding::Severity;
use crate::fix::{Fix, Proposal, Safety, Site, remove_in_service};
use crate::rules::{Checks, Findings, Rule, RuleMeta};

pub(super) const PORT_BOUND_ALL_INTERFACES: Rule = Rule {
    meta: RuleMeta {
        id: "port-bound-all-interfaces",
        severity: Severity::Medium,
        title: "Port published on every host interface",
        why: "A published port without a host address listens on 0.0.0.0 (and ::), reachable from \
              every network the host is on, and Docker's iptables rules bypass the host firewall.",
        fix: "Bind to the interface that needs it: `ports: [\"127.0.0.1:8080:80\"]` (or `host_ip`), \
              `docker run -p 127.0.0.1:8080:80`; never `-P`.",
        references: &["Docker Bench 5.14", "Docker Bench 5.9"],
    },
    checks: Checks::container_only(|spec, out| {
        if let Some(all) = spec.publish_all.as_ref().filter(|p| p.value) {
            out.report(
                all.path.clone(),
                format!(
                    "{} publishes every exposed port (PublishAllPorts)",
                    spec.describe()
                ),
            );
        }
        for port in &spec.ports {
            let everywhere = match port.host_ip.as_deref() {
                None => true,
                Some(ip) => matches!(ip.trim(), "" | "0.0.0.0" | "::" | "[::]"),
            };
            if everywhere {
                out.report(
                    port.path.clone(),
                    format!(
                        "{} publishes port {} on every host interface",
                        spec.describe(),
                        port.container_port
                    ),
                );
            }
        }
    }),
};

/// The retry bound Docker Bench recommends (`on-failure:5`).
const MAX_RETRIES: i64 = 5;

pub(super) const RESTART_POLICY_UNBOUNDED: Rule = Rule {
    meta: RuleMeta {
        id: "restart-policy-unbounded",
        severity: Severity::Low,
        title: "Restart policy missing or unbounded",
        why: "`always` and `unless-stopped` restart a crashing or compromised container forever, \
              which hides the failure and can exhaust the host; without a policy a crashed \
              service stays down.",
        fix: "Use `restart: on-failure:5` (`--restart=on-failure:5`), or `deploy.restart_policy` \
              with `condition: on-failure` and `max_attempts`.",
        references: &["Docker Bench 5.15"],
    },
    checks: Checks::container_only(check_restart),
};

fn check_restart(spec: &ContainerSpec, out: &mut Findings) {
    let Some(restart) = &spec.restart else {
        out.report(
            spec.field("restart", &["HostConfig", "RestartPolicy"]),
            format!("{} has no restart policy", spec.describe()),
        );
        return;
    };
    let policy = &restart.value;
    let problem = match (policy.name.as_str(), policy.max_retries) {
        ("on-failure", Some(n)) if n <= MAX_RETRIES => return,
        ("on-failure", Some(n)) => format!("retries up to {n} times (more than {MAX_RETRIES})"),
        ("on-failure", None) => "retries without a bound (on-failure without a count)".to_owned(),
        ("always" | "unless-stopped", _) => format!("restarts forever ({})", policy.name),
        ("no", _) => "has restart: no".to_owned(),
        (other, _) if other.contains('$') => return,
        (other, _) => format!("has an unknown restart policy {other:?}"),
    };
    out.report(
        restart.path.clone(),
        format!("{} {problem}", spec.describe()),
    );
}

pub(super) const HOST_DEVICES: Rule = Rule {
    meta: RuleMeta {
        id: "host-devices",
        severity: Severity::High,
        title: "Container gets host devices",
        why: "A host device gives the container direct access to hardware: a disk can be read or \
              rewritten under the host's feet, `/dev/mem` is the host's memory.",
        fix: "Remove `devices`, `device_cgroup_rules` and `gpus` (`--device`) unless the workload \
              cannot run without them, and then grant the narrowest device and permissions.",
        references: &["Docker Bench 5.18"],
    },
    checks: Checks::container_only(|spec, out| {
        for device in &spec.devices {
            out.report(
                device.path.clone(),
                format!("{} gets host device {}", spec.describe(), device.value),
            );
        }
    }),
};

/// `*_mode: host` settings without a Kubernetes twin.
fn report_host_mode(
    spec: &ContainerSpec,
    out: &mut Findings,
    mode: Option<&crate::docker::Setting<String>>,
    field: &str,
    what: &str,
) {
    if let Some(mode) = mode.filter(|m| m.value.eq_ignore_ascii_case("host")) {
        out.report(
            mode.path.clone(),
            format!(
                "{} shares the host's {what} ({field}: host)",
                spec.describe()
            ),
        );
    }
}

pub(super) const HOST_USER_NAMESPACE: Rule = Rule {
    meta: RuleMeta {
        id: "host-user-namespace",
        severity: Severity::High,
        title: "Container opts out of user namespace remapping",
        why: "`userns_mode: host` runs the container in the host's user namespace even when the \
              daemon remaps users, so root in the container is root on the host.",
        fix: "Remove `userns_mode: host` (`--userns=host`).",
        references: &["Docker Bench 5.31"],
    },
    checks: Checks::container_only(|spec, out| {
        report_host_mode(
            spec,
            out,
            spec.userns_mode.as_ref(),
            "userns_mode",
            "user namespace",
        );
    })
    .fixed_by(&USERNS_FIX),
};

const USERNS_FIX: Fix = Fix {
    summary: "Unsafe (the container may rely on host user ids): removes `userns_mode: host`.",
    kubernetes: None,
    compose: Some(host_mode_removed),
    dockerfile: None,
};

fn host_mode_removed(site: &Site<'_>) -> Proposal {
    remove_in_service(site, Safety::Unsafe)
}

pub(super) const HOST_UTS: Rule = Rule {
    meta: RuleMeta {
        id: "host-uts",
        severity: Severity::Medium,
        title: "Container shares the host's UTS namespace",
        why: "With the host's UTS namespace the container can change the host's hostname and \
              domain name.",
        fix: "Remove `uts: host` (`--uts=host`).",
        references: &["Docker Bench 5.21"],
    },
    checks: Checks::container_only(|spec, out| {
        report_host_mode(spec, out, spec.uts_mode.as_ref(), "uts", "UTS namespace");
    })
    .fixed_by(&UTS_FIX),
};

const UTS_FIX: Fix = Fix {
    summary: "Unsafe (the container may manage the host's name): removes `uts: host`.",
    kubernetes: None,
    compose: Some(host_mode_removed),
    dockerfile: None,
};

pub(super) const HOST_CGROUP_NAMESPACE: Rule = Rule {
    meta: RuleMeta {
        id: "host-cgroup-namespace",
        severity: Severity::Medium,
        title: "Container shares the host's cgroup namespace",
        why: "With the host's cgroup namespace the container sees the whole host cgroup tree \
              (every container's and service's resource settings and process ids) instead of \
              its own, and any cgroup file it can write to affects the host.",
        fix: "Remove `cgroup: host` (`--cgroupns=host`); the private namespace is the default \
              on cgroup v2 hosts.",
        references: &["Docker docs: docker run --cgroupns"],
    },
    checks: Checks::container_only(|spec, out| {
        report_host_mode(
            spec,
            out,
            spec.cgroupns_mode.as_ref(),
            "cgroup",
            "cgroup namespace",
        );
    })
    .fixed_by(&CGROUPNS_FIX),
};

const CGROUPNS_FIX: Fix = Fix {
    summary: "Unsafe (a monitoring agent may read the host's cgroups on purpose): removes \
              `cgroup: host`.",
    kubernetes: None,
    compose: Some(host_mode_removed),
    dockerfile: None,
};

/// `security_opt: [systempaths=unconfined]`: the runtime's masking of sensitive `/proc`
/// and `/sys` paths is switched off, as Kubernetes' `procMount: Unmasked` does.
pub(crate) fn container_unmasked_paths(spec: &ContainerSpec, out: &mut Findings) {
    for option in spec.security_option("systempaths") {
        if option.value.trim().eq_ignore_ascii_case("unconfined") {
            out.report(
                option.path.clone(),
                format!(
                    "{} unmasks /proc and /sys (systempaths=unconfined)",
                    spec.describe()
                ),
            );
        }
    }
}

pub(super) const CGROUP_PARENT_SET: Rule = Rule {
    meta: RuleMeta {
        id: "cgroup-parent-set",
        severity: Severity::Low,
        title: "Container uses a custom cgroup parent",
        why: "A custom cgroup parent places the container outside the cgroup Docker manages, \
              where the resource limits meant for containers may not apply.",
        fix: "Remove `cgroup_parent` (`--cgroup-parent`; daemon.json `cgroup-parent`) unless the \
              cgroup was reviewed.",
        references: &["Docker Bench 5.25", "Docker Bench 2.10"],
    },
    checks: Checks::container_only(|spec, out| {
        if let Some(parent) = spec.cgroup_parent.as_ref().filter(|p| !p.value.is_empty()) {
            out.report(
                parent.path.clone(),
                format!("{} uses cgroup parent {:?}", spec.describe(), parent.value),
            );
        }
    })
    .and_daemon(|config, out| {
        // Docker Bench 2.10: the daemon-wide default parent.
        let parent = config
            .text("cgroup-parent")
            .filter(|p| config.decides("cgroup-parent") && !p.is_empty());
        if let Some(parent) = parent {
            out.report(
                config.path("cgroup-parent"),
                format!("the daemon puts containers under cgroup parent {parent:?}"),
            );
        }
    }),
};

pub(super) const PIDS_LIMIT_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "pids-limit-missing",
        severity: Severity::Low,
        title: "Container has no PIDs limit",
        why: "Without a PIDs limit one container can fork until the host's process table is full \
              (a fork bomb takes the host down).",
        fix: "Set `pids_limit: 200` (or `deploy.resources.limits.pids`; `--pids-limit`).",
        references: &["Docker Bench 5.29"],
    },
    checks: Checks::container_only(|spec, out| {
        let unlimited = |text: &str| text.trim().parse::<i64>().is_ok_and(|n| n <= 0);
        match &spec.pids_limit {
            Some(limit) if unlimited(&limit.value) => out.report(
                limit.path.clone(),
                format!("{} sets no PIDs limit ({})", spec.describe(), limit.value),
            ),
            Some(_) => {}
            None => out.report(
                spec.field("pids_limit", &["HostConfig", "PidsLimit"]),
                format!("{} has no PIDs limit", spec.describe()),
            ),
        }
    }),
};

pub(super) const MOUNT_PROPAGATION_SHARED: Rule = Rule {
    meta: RuleMeta {
        id: "mount-propagation-shared",
        severity: Severity::Medium,
        title: "Mount propagation is shared with the host",
        why: "With shared propagation, mounts made inside the container appear on the host (and \
              the other way round), so the container can change the host's mount table.",
        fix: "Use the default `rprivate` propagation; remove `shared`/`rshared` from the volume.",
        references: &["Docker Bench 5.20"],
    },
    checks: Checks::container_only(|spec, out| {
        for mount in &spec.mounts {
            let Some(propagation) = mount.propagation.as_deref() else {
                continue;
            };
            if matches!(propagation, "shared" | "rshared") {
                out.report(
                    mount.path.clone(),
                    format!(
                        "{} mounts {:?} with {propagation} propagation",
                        spec.describe(),
                        mount.target
                    ),
                );
            }
        }
    }),
};

pub(super) const PRIVILEGED_PORT_PUBLISHED: Rule = Rule {
    meta: RuleMeta {
        id: "privileged-port-published",
        severity: Severity::Low,
        title: "Container publishes a privileged host port",
        why: "Host ports below 1024 are reserved for the host's own services (SSH, HTTP, DNS...): a \
              container publishing one can take the place of a host service, or be mistaken for it.",
        fix: "Publish on a host port of 1024 or above (`-p 8080:80`) and put a load balancer or \
              the host's own service in front when port 80/443 is needed.",
        references: &["Docker Bench 5.8", "CIS Docker 5.8"],
    },
    checks: Checks::container_only(|spec, out| {
        for port in &spec.ports {
            let Some(host_port) = port.host_port.as_deref() else {
                continue;
            };
            // `80`, or the low end of a range `80-90`; ephemeral ports are not privileged.
            let low = host_port.split('-').next().unwrap_or(host_port).trim();
            if low.parse::<u32>().is_ok_and(|n| (1..1024).contains(&n)) {
                out.report(
                    port.path.clone(),
                    format!(
                        "{} publishes container port {} on privileged host port {host_port}",
                        spec.describe(),
                        port.container_port
                    ),
                );
            }
        }
    }),
};

pub(super) const DEFAULT_BRIDGE_NETWORK: Rule = Rule {
    meta: RuleMeta {
        id: "default-bridge-network",
        severity: Severity::Info,
        title: "Container is on the default bridge network",
        why: "Every container started without `--network` joins the default bridge `docker0`, \
              where (unless the daemon sets `icc: false`) all of them can reach each other, with \
              no name resolution or isolation between applications.",
        fix: "Create a user-defined network per application (`docker network create app`) and run \
              its containers with `--network app`; Compose does this for each project.",
        references: &["Docker Bench 5.30", "CIS Docker 5.30"],
    },
    checks: Checks::container_only(|spec, out| {
        // `docker run` without `--network` records `default`; Compose services get a project
        // network unless they ask for `network_mode: bridge`.
        let Some(mode) = spec.network_mode.as_ref() else {
            return;
        };
        if matches!(mode.value.as_str(), "default" | "bridge") {
            out.report(
                mode.path.clone(),
                format!(
                    "{} is on the default bridge network (network mode {})",
                    spec.describe(),
                    mode.value
                ),
            );
        }
    }),
};

pub(super) const CONTAINER_UNHEALTHY: Rule = Rule {
    meta: RuleMeta {
        id: "container-unhealthy",
        severity: Severity::Low,
        title: "Container's health check fails",
        why: "Docker marks a container unhealthy when its health check keeps failing: the service \
              may be hung or half-started, and Docker (outside Swarm) does not restart it.",
        fix: "Look at `docker inspect --format '{{json .State.Health}}' NAME` for the failing \
              probes, fix the service or its health check, and restart the container.",
        references: &["Docker Bench 5.27", "CIS Docker 5.27"],
    },
    checks: Checks::container_only(|spec, out| {
        if let Some(status) = spec
            .health_status
            .as_ref()
            .filter(|s| s.value.eq_ignore_ascii_case("unhealthy"))
        {
            out.report(
                status.path.clone(),
                format!("{} is unhealthy (its health check fails)", spec.describe()),
            );
        }
    }),
};
