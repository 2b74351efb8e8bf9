//! How a PodSecurityPolicy compares with each Pod Security Standards level: the fields
//! that make it laxer (it admits pods the level rejects) or stricter (it rejects pods the
//! level admits), and the fields that change pods (their effect disappears with PSP).
//!
//! The comparison follows upstream's "Mapping PodSecurityPolicies to Pod Security
//! Standards" field by field, with the engines' exact semantics where the table rounds
//! off: `runAsUser: MustRunAsNonRoot` admits a container with a non-zero `runAsUser` and
//! no `runAsNonRoot`, which restricted rejects; a policy without a seccomp allow-list
//! forbids setting a profile (so restricted pods cannot pass it); AppArmor is not
//! required by any level.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::psp::PodSecurityPolicy;
use crate::psp::provider::render_host_port_ranges;
use crate::psp::strategies::sysctl::pattern_matches;
use crate::psp::strategies::volumes::FS_TYPES;
use crate::psp::types::{ALLOW_ALL, IdRange, IdStrategyOptions, rule};
use crate::pss::Level;
use crate::pss::allowed;

/// The seccomp allow-list annotation of a policy.
const SECCOMP_ALLOWED: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
/// The seccomp default annotation of a policy.
const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
/// The AppArmor allow-list annotation of a policy.
const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
/// The AppArmor default annotation of a policy.
const APPARMOR_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";

/// The levels, least restrictive first.
const LEVELS: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];
const BASELINE_AND_RESTRICTED: &[Level] = &[Level::Baseline, Level::Restricted];
const ALL_LEVELS: &[Level] = &LEVELS;

/// One field of a policy that differs from a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The policy field, e.g. `spec.allowedCapabilities` or
    /// `metadata.annotations[seccomp.security.alpha.kubernetes.io/allowedProfileNames]`.
    pub field: String,
    /// What it allows or forbids that the level does not.
    pub detail: String,
}

/// A policy against one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The level.
    pub level: Level,
    /// Fields that let pods through that the level rejects.
    pub laxer: Vec<Difference>,
    /// Fields that reject pods the level admits.
    pub stricter: Vec<Difference>,
}

/// A field that changes the pods the policy admits: its effect disappears with PSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mutation {
    /// The policy field.
    pub field: String,
    /// What it writes into pods.
    pub effect: String,
}

/// A PodSecurityPolicy compared with the levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyComparison {
    /// The policy's name.
    pub policy: String,
    /// The strictest level the policy is no laxer than: every pod it admits (as it
    /// admits it) passes that level, as far as its fields tell.
    pub fits: Level,
    /// Whether it is also no stricter than that level: the two accept the same pods.
    pub equivalent: bool,
    /// The comparison with each level, least restrictive first.
    pub levels: Vec<Comparison>,
    /// Its mutating fields.
    pub mutating: Vec<Mutation>,
}

/// Compares `policy` with every level.
pub fn compare(policy: &PodSecurityPolicy) -> PolicyComparison {
    let mut c = Comparer {
        levels: LEVELS.map(|level| Comparison {
            level,
            laxer: Vec::new(),
            stricter: Vec::new(),
        }),
        mutating: Vec::new(),
    };
    c.privileged_and_host(policy);
    c.capabilities(policy);
    c.volumes(policy);
    c.se_linux(policy);
    c.users_and_groups(policy);
    c.file_system_and_escalation(policy);
    c.sysctls_and_proc_mount(policy);
    c.runtime_class(policy);
    c.seccomp(policy);
    c.app_armor(policy);
    let fits = c
        .levels
        .iter()
        .rev()
        .find(|l| l.laxer.is_empty())
        .map_or(Level::Privileged, |l| l.level);
    let equivalent = c
        .levels
        .iter()
        .find(|l| l.level == fits)
        .is_some_and(|l| l.stricter.is_empty());
    PolicyComparison {
        policy: policy.name().to_owned(),
        fits,
        equivalent,
        levels: c.levels.to_vec(),
        mutating: c.mutating,
    }
}

struct Comparer {
    levels: [Comparison; 3],
    mutating: Vec<Mutation>,
}

fn spec_field(name: &str) -> String {
    format!("spec.{name}")
}

fn annotation_field(key: &str) -> String {
    format!("metadata.annotations[{key}]")
}

fn joined<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn ranges_text(ranges: &[IdRange]) -> String {
    ranges
        .iter()
        .map(|r| {
            if r.min == r.max {
                r.min.to_string()
            } else {
                format!("{}-{}", r.min, r.max)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl Comparer {
    fn record(&mut self, laxer: bool, than: &[Level], field: &str, detail: &str) {
        for comparison in self.levels.iter_mut().filter(|c| than.contains(&c.level)) {
            let list = if laxer {
                &mut comparison.laxer
            } else {
                &mut comparison.stricter
            };
            list.push(Difference {
                field: field.to_owned(),
                detail: detail.to_owned(),
            });
        }
    }

    fn laxer(&mut self, than: &[Level], field: &str, detail: impl AsRef<str>) {
        self.record(true, than, field, detail.as_ref());
    }

    fn stricter(&mut self, than: &[Level], field: &str, detail: impl AsRef<str>) {
        self.record(false, than, field, detail.as_ref());
    }

    fn mutates(&mut self, field: String, effect: impl Into<String>) {
        self.mutating.push(Mutation {
            field,
            effect: effect.into(),
        });
    }

    fn privileged_and_host(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        let flags = [
            ("privileged", spec.privileged, "privileged containers"),
            ("hostNetwork", spec.host_network, "the host's network"),
            ("hostPID", spec.host_pid, "the host's process namespace"),
            ("hostIPC", spec.host_ipc, "the host's IPC namespace"),
        ];
        for (field, allowed, what) in flags {
            if allowed {
                self.laxer(
                    BASELINE_AND_RESTRICTED,
                    &spec_field(field),
                    format!("allows {what}"),
                );
            } else {
                self.stricter(
                    &[Level::Privileged],
                    &spec_field(field),
                    format!("forbids {what}"),
                );
            }
        }
        // A `0-0` range admits only an unset hostPort: no port of the host.
        let ranges: Vec<_> = spec
            .host_ports
            .iter()
            .filter(|r| r.max > 0)
            .cloned()
            .collect();
        let ports = render_host_port_ranges(&ranges);
        let every_port = spec.host_ports.iter().any(|r| r.min <= 1 && r.max >= 65535);
        if !ports.is_empty() {
            let detail = format!("allows host ports {ports}");
            self.laxer(BASELINE_AND_RESTRICTED, &spec_field("hostPorts"), detail);
        }
        if !every_port {
            let detail = match ports.is_empty() {
                true => "forbids host ports".to_owned(),
                false => format!("allows only host ports {ports}"),
            };
            self.stricter(&[Level::Privileged], &spec_field("hostPorts"), detail);
        }
    }

    fn capabilities(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        let field = spec_field("allowedCapabilities");
        let any = spec.allowed_capabilities.iter().any(|c| c == ALLOW_ALL);
        let addable: BTreeSet<&str> = spec
            .allowed_capabilities
            .iter()
            .chain(&spec.default_add_capabilities)
            .map(String::as_str)
            .filter(|c| *c != ALLOW_ALL)
            .collect();
        if any {
            self.laxer(
                BASELINE_AND_RESTRICTED,
                &field,
                "allows adding any capability",
            );
        } else {
            self.stricter(
                &[Level::Privileged],
                &field,
                "allows adding only the capabilities it lists",
            );
            for (level, allowed) in [
                (Level::Baseline, allowed::BASELINE_ALLOWED_ADD),
                (Level::Restricted, allowed::RESTRICTED_ALLOWED_ADD),
            ] {
                let extra: Vec<&str> = addable
                    .iter()
                    .copied()
                    .filter(|c| !allowed.contains(c))
                    .collect();
                if !extra.is_empty() {
                    self.laxer(&[level], &field, format!("allows adding {}", joined(extra)));
                }
                let missing: Vec<&str> = allowed
                    .iter()
                    .copied()
                    .filter(|c| !addable.contains(c))
                    .collect();
                if !missing.is_empty() {
                    let detail =
                        format!("forbids adding {}, which {level} allows", joined(missing));
                    self.stricter(&[level], &field, detail);
                }
            }
        }
        if !spec.default_add_capabilities.is_empty() {
            self.mutates(
                spec_field("defaultAddCapabilities"),
                format!(
                    "adds {} to every container's capabilities.add",
                    joined(spec.default_add_capabilities.iter().map(String::as_str))
                ),
            );
        }
        let drop = &spec.required_drop_capabilities;
        let drop_field = spec_field("requiredDropCapabilities");
        if drop.is_empty() {
            self.laxer(
                &[Level::Restricted],
                &drop_field,
                "does not require dropping ALL",
            );
            return;
        }
        let listed = joined(drop.iter().map(String::as_str));
        self.stricter(
            &[Level::Privileged, Level::Baseline],
            &drop_field,
            format!("requires dropping {listed}"),
        );
        let beyond_all: Vec<&str> = drop
            .iter()
            .map(String::as_str)
            .filter(|c| *c != "ALL")
            .collect();
        if beyond_all.len() == drop.len() {
            self.laxer(
                &[Level::Restricted],
                &drop_field,
                "does not require dropping ALL",
            );
        }
        if !beyond_all.is_empty() {
            let detail = format!(
                "requires {} in capabilities.drop, which dropping ALL does not satisfy",
                joined(beyond_all)
            );
            self.stricter(&[Level::Restricted], &drop_field, detail);
        }
        self.mutates(
            drop_field,
            format!("adds {listed} to every container's capabilities.drop"),
        );
    }

    fn volumes(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        let field = spec_field("volumes");
        let any = spec.volumes.iter().any(|v| v == ALLOW_ALL);
        let listed: BTreeSet<&str> = spec.volumes.iter().map(String::as_str).collect();
        let allows = |fs_type: &str| any || listed.contains(fs_type);
        if allows("hostPath") {
            self.laxer(&[Level::Baseline], &field, "allows hostPath volumes");
        }
        let outside: Vec<&str> = if any {
            vec!["any type"]
        } else {
            listed
                .iter()
                .copied()
                .filter(|t| !allowed::RESTRICTED_VOLUMES.contains(t))
                .collect()
        };
        if !outside.is_empty() {
            let detail = format!("allows {} volumes", joined(outside));
            self.laxer(&[Level::Restricted], &field, detail);
        }
        if !any {
            self.stricter(
                &[Level::Privileged],
                &field,
                "allows only the volume types it lists",
            );
            let missing: Vec<&str> = FS_TYPES
                .iter()
                .copied()
                .filter(|t| *t != "hostPath" && !listed.contains(t))
                .collect();
            if !missing.is_empty() {
                let detail = format!("forbids {} volumes, which baseline allows", joined(missing));
                self.stricter(&[Level::Baseline], &field, detail);
            }
            let missing: Vec<&str> = allowed::RESTRICTED_VOLUMES
                .iter()
                .copied()
                // PodSecurityPolicy has no `image` volume type: it rejects them all.
                .filter(|t| !listed.contains(t))
                .collect();
            if !missing.is_empty() {
                let detail = format!(
                    "forbids {} volumes, which restricted allows",
                    joined(missing)
                );
                self.stricter(&[Level::Restricted], &field, detail);
            }
        }
        if allows("hostPath") && !spec.allowed_host_paths.is_empty() {
            let prefixes = joined(
                spec.allowed_host_paths
                    .iter()
                    .map(|p| p.path_prefix.as_str()),
            );
            self.stricter(
                &[Level::Privileged],
                &spec_field("allowedHostPaths"),
                format!("allows hostPath volumes only under {prefixes}"),
            );
        }
        if allows("flexVolume") && !spec.allowed_flex_volumes.is_empty() {
            let drivers = joined(spec.allowed_flex_volumes.iter().map(|d| d.driver.as_str()));
            self.stricter(
                &[Level::Privileged, Level::Baseline],
                &spec_field("allowedFlexVolumes"),
                format!("allows only the flexVolume drivers {drivers}"),
            );
        }
        if allows("csi") && !spec.allowed_csi_drivers.is_empty() {
            let drivers = joined(spec.allowed_csi_drivers.iter().map(|d| d.name.as_str()));
            self.stricter(
                ALL_LEVELS,
                &spec_field("allowedCSIDrivers"),
                format!("allows only the inline CSI drivers {drivers}"),
            );
        }
    }

    fn se_linux(&mut self, policy: &PodSecurityPolicy) {
        let options = &policy.spec.se_linux;
        let field = spec_field("seLinux");
        if options.rule != rule::MUST_RUN_AS {
            self.laxer(
                BASELINE_AND_RESTRICTED,
                &field,
                "allows any SELinux user, role and type",
            );
            return;
        }
        let Some(required) = &options.se_linux_options else {
            return;
        };
        let text = |v: &Option<String>| v.as_deref().unwrap_or_default().to_owned();
        let mut problems = Vec::new();
        if !text(&required.user).is_empty() {
            problems.push(format!("SELinux user {:?}", text(&required.user)));
        }
        if !text(&required.role).is_empty() {
            problems.push(format!("SELinux role {:?}", text(&required.role)));
        }
        let selinux_type = text(&required.type_);
        let allowed_type = allowed::TYPES_V1_0
            .iter()
            .chain(allowed::TYPES_ADDED_V1_31)
            .any(|t| *t == selinux_type);
        if !allowed_type {
            problems.push(format!("SELinux type {selinux_type:?}"));
        }
        if !problems.is_empty() {
            let detail = format!("gives every pod {}", problems.join(", "));
            self.laxer(BASELINE_AND_RESTRICTED, &field, detail);
        }
        let rendered = [
            ("user", &required.user),
            ("role", &required.role),
            ("type", &required.type_),
            ("level", &required.level),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}: {v}")))
        .collect::<Vec<_>>()
        .join(", ");
        self.stricter(
            ALL_LEVELS,
            &field,
            format!("requires seLinuxOptions {{{rendered}}}"),
        );
        self.mutates(
            field,
            format!("sets seLinuxOptions {{{rendered}}} on pods without"),
        );
    }

    fn users_and_groups(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        let user = &spec.run_as_user;
        let field = spec_field("runAsUser");
        match user.rule.as_str() {
            rule::MUST_RUN_AS_NON_ROOT => {
                self.stricter(
                    &[Level::Privileged, Level::Baseline],
                    &field,
                    "forbids running as root",
                );
                self.laxer(
                    &[Level::Restricted],
                    &field,
                    "MustRunAsNonRoot admits a container with a non-zero runAsUser and no \
                     runAsNonRoot: true, which restricted rejects",
                );
                self.mutates(
                    field,
                    "sets runAsNonRoot: true on containers that set neither runAsNonRoot nor runAsUser",
                );
            }
            rule::MUST_RUN_AS => {
                let ranges = ranges_text(&user.ranges);
                self.stricter(
                    ALL_LEVELS,
                    &field,
                    format!("requires runAsUser in {ranges}"),
                );
                let detail = if user.ranges.iter().any(|r| r.min <= 0 && r.max >= 0) {
                    format!("allows runAsUser 0 (ranges {ranges})")
                } else {
                    "does not require runAsNonRoot: true".to_owned()
                };
                self.laxer(&[Level::Restricted], &field, detail);
                if let Some(first) = user.ranges.first() {
                    self.mutates(
                        field,
                        format!("sets runAsUser: {} on containers without one", first.min),
                    );
                }
            }
            _ => self.laxer(
                &[Level::Restricted],
                &field,
                "allows containers to run as root",
            ),
        }
        let groups = [
            ("runAsGroup", spec.run_as_group.as_ref(), "runAsGroup"),
            (
                "supplementalGroups",
                Some(&spec.supplemental_groups),
                "supplementalGroups",
            ),
            ("fsGroup", Some(&spec.fs_group), "fsGroup"),
        ];
        for (name, options, pod_field) in groups {
            let Some(IdStrategyOptions {
                rule: strategy,
                ranges,
            }) = options
            else {
                continue;
            };
            if strategy != rule::MUST_RUN_AS && strategy != rule::MAY_RUN_AS {
                continue;
            }
            let field = spec_field(name);
            let text = ranges_text(ranges);
            self.stricter(
                ALL_LEVELS,
                &field,
                format!("requires {pod_field} in {text}"),
            );
            if let (rule::MUST_RUN_AS, Some(first)) = (strategy.as_str(), ranges.first()) {
                let value = match name {
                    "supplementalGroups" => format!("[{}]", first.min),
                    _ => first.min.to_string(),
                };
                self.mutates(field, format!("sets {pod_field}: {value} where unset"));
            }
        }
    }

    fn file_system_and_escalation(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        if spec.read_only_root_filesystem {
            let field = spec_field("readOnlyRootFilesystem");
            self.stricter(ALL_LEVELS, &field, "requires readOnlyRootFilesystem: true");
            self.mutates(
                field,
                "sets readOnlyRootFilesystem: true on containers that do not set it",
            );
        }
        let field = spec_field("allowPrivilegeEscalation");
        let allows = spec.allow_privilege_escalation.unwrap_or(true);
        if allows {
            self.laxer(&[Level::Restricted], &field, "allows privilege escalation");
        } else {
            self.stricter(
                &[Level::Privileged, Level::Baseline],
                &field,
                "forbids privilege escalation",
            );
        }
        match spec.default_allow_privilege_escalation {
            Some(value) => self.mutates(
                spec_field("defaultAllowPrivilegeEscalation"),
                format!("sets allowPrivilegeEscalation: {value} on containers that do not set it"),
            ),
            None if !allows => self.mutates(
                field,
                "sets allowPrivilegeEscalation: false on containers that do not set it",
            ),
            None => {}
        }
    }

    fn sysctls_and_proc_mount(&mut self, policy: &PodSecurityPolicy) {
        let spec = &policy.spec;
        let pss_allowed: Vec<&str> = allowed::sysctls().collect();
        let unsafe_allowed: Vec<&str> = spec
            .allowed_unsafe_sysctls
            .iter()
            .map(String::as_str)
            .filter(|p| !pss_allowed.contains(p))
            .collect();
        let field = spec_field("allowedUnsafeSysctls");
        if !unsafe_allowed.is_empty() {
            let detail = format!("allows the sysctls {}", joined(unsafe_allowed));
            self.laxer(BASELINE_AND_RESTRICTED, &field, detail);
        }
        if !spec.allowed_unsafe_sysctls.iter().any(|p| p == ALLOW_ALL) {
            self.stricter(&[Level::Privileged], &field, "forbids unsafe sysctls");
        }
        let forbidden: Vec<&str> = pss_allowed
            .iter()
            .copied()
            .filter(|name| {
                spec.forbidden_sysctls
                    .iter()
                    .any(|p| pattern_matches(p, name))
            })
            .collect();
        if !forbidden.is_empty() {
            let detail = format!(
                "forbids the sysctls {}, which baseline allows",
                joined(forbidden)
            );
            self.stricter(
                BASELINE_AND_RESTRICTED,
                &spec_field("forbiddenSysctls"),
                detail,
            );
        }
        let field = spec_field("allowedProcMountTypes");
        let unmasked: Vec<&str> = spec
            .allowed_proc_mount_types
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "Default")
            .collect();
        if unmasked.is_empty() {
            self.stricter(
                &[Level::Privileged],
                &field,
                "forbids procMount other than Default",
            );
        } else {
            let detail = format!("allows procMount {}", joined(unmasked));
            self.laxer(BASELINE_AND_RESTRICTED, &field, detail);
        }
    }

    fn runtime_class(&mut self, policy: &PodSecurityPolicy) {
        let Some(runtime_class) = &policy.spec.runtime_class else {
            return;
        };
        let names = &runtime_class.allowed_runtime_class_names;
        if !names.iter().any(|n| n == ALLOW_ALL) {
            let detail = match names.is_empty() {
                true => "forbids setting runtimeClassName".to_owned(),
                false => format!(
                    "allows only the runtime classes {}",
                    joined(names.iter().map(String::as_str))
                ),
            };
            self.stricter(
                ALL_LEVELS,
                &spec_field("runtimeClass.allowedRuntimeClassNames"),
                detail,
            );
        }
        if let Some(default) = &runtime_class.default_runtime_class_name {
            self.mutates(
                spec_field("runtimeClass.defaultRuntimeClassName"),
                format!("sets runtimeClassName: {default} on pods without one"),
            );
        }
    }

    fn seccomp(&mut self, policy: &PodSecurityPolicy) {
        let field = annotation_field(SECCOMP_ALLOWED);
        match policy.annotation(SECCOMP_ALLOWED) {
            None => {
                self.stricter(
                    &[Level::Privileged, Level::Baseline],
                    &field,
                    "without an allow-list no pod may set a seccomp profile",
                );
                self.laxer(
                    &[Level::Restricted],
                    &field,
                    "does not require a seccomp profile (no allow-list)",
                );
            }
            Some(raw) => {
                let names: BTreeSet<&str> = raw.split(',').collect();
                let any = names.contains(ALLOW_ALL);
                if any || names.contains("unconfined") {
                    self.laxer(
                        BASELINE_AND_RESTRICTED,
                        &field,
                        "allows the unconfined seccomp profile",
                    );
                }
                if any {
                    return;
                }
                self.stricter(
                    &[Level::Privileged],
                    &field,
                    format!("allows only the seccomp profiles {raw:?}"),
                );
                if names.contains("") {
                    self.laxer(
                        &[Level::Restricted],
                        &field,
                        "allows pods without a seccomp profile",
                    );
                } else {
                    self.stricter(&[Level::Baseline], &field, "requires a seccomp profile");
                }
                if !names.contains("runtime/default") && !names.contains("docker/default") {
                    self.stricter(
                        BASELINE_AND_RESTRICTED,
                        &field,
                        "forbids the runtime/default profile",
                    );
                }
            }
        }
        if let Some(default) = policy.annotation(SECCOMP_DEFAULT).filter(|d| !d.is_empty()) {
            self.mutates(
                annotation_field(SECCOMP_DEFAULT),
                format!("sets the seccomp profile {default} on pods without one"),
            );
        }
    }

    fn app_armor(&mut self, policy: &PodSecurityPolicy) {
        let field = annotation_field(APPARMOR_ALLOWED);
        match policy.annotation(APPARMOR_ALLOWED) {
            None => self.laxer(
                BASELINE_AND_RESTRICTED,
                &field,
                "does not restrict AppArmor profiles (allows unconfined)",
            ),
            Some(raw) => {
                let names: BTreeSet<&str> = raw.split(',').collect();
                if names.contains("unconfined") {
                    self.laxer(
                        BASELINE_AND_RESTRICTED,
                        &field,
                        "allows the unconfined AppArmor profile",
                    );
                }
                self.stricter(
                    ALL_LEVELS,
                    &field,
                    format!(
                        "requires every container to have one of the AppArmor profiles {raw:?}"
                    ),
                );
            }
        }
        if let Some(default) = policy
            .annotation(APPARMOR_DEFAULT)
            .filter(|d| !d.is_empty())
        {
            self.mutates(
                annotation_field(APPARMOR_DEFAULT),
                format!("sets the AppArmor profile {default} on containers without one"),
            );
        }
    }
}
