//! A provider: one policy plus its strategies, defaulting (§5.1, §5.2) and validating
//! (§5.3, §5.4) pods.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodSecurityContext, PodSpec, SecurityContext};

use crate::field_path::FieldPath;
use crate::object::{Inherited, SecurityContexts};
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::pod_view::{
    ContainerSlot, ContainerView, containers, containers_mut, pod_security_context_mut,
    security_context_mut,
};
use crate::psp::strategies::StrategyError;
use crate::psp::strategies::apparmor::AppArmorStrategy;
use crate::psp::strategies::capabilities::CapabilitiesStrategy;
use crate::psp::strategies::group::GroupStrategy;
use crate::psp::strategies::seccomp::{self, SeccompStrategy};
use crate::psp::strategies::selinux::SeLinuxStrategy;
use crate::psp::strategies::sysctl::SysctlStrategy;
use crate::psp::strategies::user::UserStrategy;
use crate::psp::strategies::volumes::VolumeStrategy;
use crate::psp::types::{ALLOW_ALL, HostPortRange, PodSecurityPolicy, PodSecurityPolicySpec};

type Annotations = Option<BTreeMap<String, String>>;

/// The default proc mount type.
const DEFAULT_PROC_MOUNT: &str = "Default";

/// One policy ready to default and validate pods.
#[derive(Debug, Clone)]
pub struct Provider {
    name: String,
    spec: PodSecurityPolicySpec,
    run_as_user: UserStrategy,
    run_as_group: GroupStrategy,
    fs_group: GroupStrategy,
    supplemental_groups: GroupStrategy,
    se_linux: SeLinuxStrategy,
    capabilities: CapabilitiesStrategy,
    sysctls: SysctlStrategy,
    seccomp: SeccompStrategy,
    apparmor: AppArmorStrategy,
    volumes: VolumeStrategy,
}

impl Provider {
    /// Builds the provider, applying the API default for `allowPrivilegeEscalation`.
    pub fn new(policy: &PodSecurityPolicy) -> Result<Self, StrategyError> {
        let mut policy = policy.clone();
        policy.apply_defaults();
        let spec = &policy.spec;
        Ok(Self {
            name: policy.name().to_string(),
            run_as_user: UserStrategy::new(&spec.run_as_user)?,
            run_as_group: GroupStrategy::new(spec.run_as_group.as_ref(), "RunAsGroup")?,
            se_linux: SeLinuxStrategy::new(&spec.se_linux)?,
            fs_group: GroupStrategy::new(Some(&spec.fs_group), "FSGroup")?,
            supplemental_groups: GroupStrategy::new(
                Some(&spec.supplemental_groups),
                "SupplementalGroups",
            )?,
            capabilities: CapabilitiesStrategy::new(spec),
            sysctls: SysctlStrategy::new(spec),
            seccomp: SeccompStrategy::new(&policy),
            apparmor: AppArmorStrategy::new(&policy),
            volumes: VolumeStrategy::new(spec),
            spec: policy.spec,
        })
    }

    /// The policy name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Applies the policy's defaults to `pod` in place (upstream `MutatePod`).
    pub fn mutate_pod(&self, pod: &mut Pod) {
        let Pod { metadata, spec, .. } = pod;
        let Some(spec) = spec.as_mut() else {
            return;
        };
        self.mutate_pod_level(&mut metadata.annotations, spec);
        let pod_sc = spec.security_context.clone();
        for slot in containers_mut(spec) {
            self.mutate_container(pod_sc.as_ref(), &mut metadata.annotations, slot);
        }
    }

    fn mutate_pod_level(&self, annotations: &mut Annotations, spec: &mut PodSpec) {
        let pod_sc = spec.security_context.as_ref();
        if pod_sc
            .and_then(|sc| sc.supplemental_groups.as_ref())
            .is_none_or(Vec::is_empty)
            && let Some(groups) = self.supplemental_groups.generate_list()
        {
            pod_security_context_mut(spec).supplemental_groups = Some(groups);
        }
        if spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.fs_group)
            .is_none()
            && let Some(gid) = self.fs_group.generate_single()
        {
            pod_security_context_mut(spec).fs_group = Some(gid);
        }
        if spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.se_linux_options.as_ref())
            .is_none()
            && let Some(options) = self.se_linux.generate()
        {
            pod_security_context_mut(spec).se_linux_options = Some(options);
        }
        self.mutate_seccomp(annotations, spec);
        if let Some(runtime_class) = &self.spec.runtime_class
            && spec.runtime_class_name.is_none()
            && let Some(default) = &runtime_class.default_runtime_class_name
        {
            spec.runtime_class_name = Some(default.clone());
        }
    }

    /// Writes the pod seccomp annotation, as upstream's `MutatePod` does: the annotation
    /// already set, else the pod-level field translated, else the policy default. The
    /// field itself is never written (the v1.19–v1.24 API server synced it after admission).
    fn mutate_seccomp(&self, annotations: &mut Annotations, spec: &PodSpec) {
        let pod_field = spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref());
        let Some(profile) = self.seccomp.generate(annotations.as_ref(), pod_field) else {
            return;
        };
        let annotations = annotations.get_or_insert_with(BTreeMap::new);
        if annotations.get(seccomp::POD_ANNOTATION) != Some(&profile) {
            annotations.insert(seccomp::POD_ANNOTATION.to_string(), profile);
        }
    }

    /// Defaults one container (§5.2). AppArmor only touches annotations, so running it
    /// after the identity steps keeps upstream's results.
    fn mutate_container(
        &self,
        pod_sc: Option<&PodSecurityContext>,
        annotations: &mut Annotations,
        slot: ContainerSlot<'_>,
    ) {
        let ContainerSlot {
            name,
            security_context: sc,
        } = slot;
        self.mutate_container_identity(pod_sc, sc);
        let apparmor_field = SecurityContexts::new(pod_sc, sc.as_ref())
            .app_armor_profile()
            .map(Inherited::into_value);
        if let Some((key, profile)) =
            self.apparmor
                .generate(annotations.as_ref(), name, apparmor_field)
        {
            annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(key, profile);
        }
        if let Some(capabilities) = self
            .capabilities
            .generate(sc.as_ref().and_then(|c| c.capabilities.as_ref()))
        {
            security_context_mut(sc).capabilities = Some(capabilities);
        }
        self.mutate_container_flags(sc);
    }

    /// runAsUser, runAsGroup, SELinux and the runAsNonRoot marker, each written only when
    /// the effective value (container, else pod) is unset.
    fn mutate_container_identity(
        &self,
        pod_sc: Option<&PodSecurityContext>,
        sc: &mut Option<SecurityContext>,
    ) {
        if SecurityContexts::new(pod_sc, sc.as_ref())
            .run_as_user()
            .is_none()
            && let Some(uid) = self.run_as_user.generate()
        {
            security_context_mut(sc).run_as_user = Some(uid);
        }
        if SecurityContexts::new(pod_sc, sc.as_ref())
            .run_as_group()
            .is_none()
            && let Some(gid) = self.run_as_group.generate_single()
        {
            security_context_mut(sc).run_as_group = Some(gid);
        }
        if SecurityContexts::new(pod_sc, sc.as_ref())
            .se_linux_options()
            .is_none()
            && let Some(options) = self.se_linux.generate()
        {
            security_context_mut(sc).se_linux_options = Some(options);
        }
        let view = SecurityContexts::new(pod_sc, sc.as_ref());
        if self.run_as_user.requires_non_root_marker()
            && view.run_as_non_root().is_none()
            && view.run_as_user().is_none()
        {
            security_context_mut(sc).run_as_non_root = Some(true);
        }
    }

    /// readOnlyRootFilesystem and the privilege-escalation defaults (§3.10, §3.11).
    fn mutate_container_flags(&self, sc: &mut Option<SecurityContext>) {
        if self.spec.read_only_root_filesystem
            && sc
                .as_ref()
                .and_then(|c| c.read_only_root_filesystem)
                .is_none()
        {
            security_context_mut(sc).read_only_root_filesystem = Some(true);
        }
        if sc
            .as_ref()
            .and_then(|c| c.allow_privilege_escalation)
            .is_none()
        {
            let value = self
                .spec
                .default_allow_privilege_escalation
                .or((!self.allows_privilege_escalation()).then_some(false));
            if let Some(value) = value {
                security_context_mut(sc).allow_privilege_escalation = Some(value);
            }
        }
    }

    fn allows_privilege_escalation(&self) -> bool {
        self.spec.allow_privilege_escalation.unwrap_or(true)
    }

    /// Validates `pod` against the policy (upstream `ValidatePod`), errors in upstream order.
    pub fn validate_pod(&self, pod: &Pod) -> Vec<FieldError> {
        let empty = PodSpec::default();
        let spec = pod.spec.as_ref().unwrap_or(&empty);
        let annotations = pod.metadata.annotations.as_ref();
        let pod_sc = spec.security_context.as_ref();
        let sc_path = FieldPath::fields(&["spec", "securityContext"]);
        let mut errors = Vec::new();
        let fs_group: Option<Vec<i64>> = pod_sc.and_then(|sc| sc.fs_group).map(|g| vec![g]);
        errors.extend(
            self.fs_group
                .validate(&sc_path.child("fsGroup"), fs_group.as_deref()),
        );
        let supplemental = pod_sc.and_then(|sc| sc.supplemental_groups.as_deref());
        errors.extend(
            self.supplemental_groups
                .validate(&sc_path.child("supplementalGroups"), supplemental),
        );
        let pod_seccomp = pod_sc.and_then(|sc| sc.seccomp_profile.as_ref());
        errors.extend(self.seccomp.validate_pod(annotations, pod_seccomp));
        let se_linux = pod_sc.and_then(|sc| sc.se_linux_options.as_ref());
        errors.extend(
            self.se_linux
                .validate(&sc_path.child("seLinuxOptions"), se_linux),
        );
        errors.extend(self.validate_host_namespaces(spec, &sc_path));
        let sysctls = pod_sc
            .and_then(|sc| sc.sysctls.as_deref())
            .unwrap_or_default();
        errors.extend(self.sysctls.validate(sysctls));
        errors.extend(self.volumes.validate(spec));
        errors.extend(self.validate_runtime_class(spec));
        for container in containers(spec) {
            errors.extend(self.validate_container(annotations, pod_sc, &container));
        }
        errors
    }

    fn validate_host_namespaces(&self, spec: &PodSpec, sc_path: &FieldPath) -> Vec<FieldError> {
        let checks = [
            (
                self.spec.host_network,
                spec.host_network,
                "hostNetwork",
                "Host network is not allowed to be used",
            ),
            (
                self.spec.host_pid,
                spec.host_pid,
                "hostPID",
                "Host PID is not allowed to be used",
            ),
            (
                self.spec.host_ipc,
                spec.host_ipc,
                "hostIPC",
                "Host IPC is not allowed to be used",
            ),
        ];
        checks
            .into_iter()
            .filter(|&(allowed, used, _, _)| !allowed && used == Some(true))
            .map(|(_, _, field, detail)| {
                FieldError::invalid(sc_path.child(field), BadValue::Bool(true), detail)
            })
            .collect()
    }

    fn validate_runtime_class(&self, spec: &PodSpec) -> Option<FieldError> {
        let runtime_class = self.spec.runtime_class.as_ref()?;
        let name = spec.runtime_class_name.as_ref()?;
        let allowed = runtime_class
            .allowed_runtime_class_names
            .iter()
            .any(|allowed| allowed == name || allowed == ALLOW_ALL);
        (!allowed).then(|| {
            FieldError::invalid(
                FieldPath::fields(&["spec", "runtimeClassName"]),
                BadValue::str(name.as_str()),
                "",
            )
        })
    }

    fn validate_container(
        &self,
        annotations: Option<&BTreeMap<String, String>>,
        pod_sc: Option<&PodSecurityContext>,
        container: &ContainerView<'_>,
    ) -> Vec<FieldError> {
        let sc_path = container.path().child("securityContext");
        let sc = container.security_context;
        let effective = SecurityContexts::new(pod_sc, sc);
        let mut errors = self.run_as_user.validate(
            &sc_path,
            effective.run_as_non_root().map(Inherited::into_value),
            effective.run_as_user().map(Inherited::into_value),
        );
        let run_as_group: Option<Vec<i64>> = effective.run_as_group().map(|g| vec![g.value]);
        errors.extend(
            self.run_as_group
                .validate(&sc_path, run_as_group.as_deref()),
        );
        errors.extend(self.se_linux.validate(
            &sc_path.child("seLinuxOptions"),
            effective.se_linux_options().map(Inherited::into_value),
        ));
        errors.extend(self.apparmor.validate(
            annotations,
            container.name,
            effective.app_armor_profile().map(Inherited::into_value),
        ));
        errors.extend(self.seccomp.validate_container(
            container.name,
            effective.seccomp_with_annotations(annotations, container.name),
        ));
        errors.extend(self.validate_privileged(&sc_path, sc));
        errors.extend(self.validate_proc_mount(&sc_path, sc));
        errors.extend(self.capabilities.validate(
            &sc_path.child("capabilities"),
            sc.and_then(|c| c.capabilities.as_ref()),
        ));
        errors.extend(self.validate_host_ports(container));
        errors.extend(self.validate_read_only_root_filesystem(&sc_path, sc));
        errors.extend(self.validate_privilege_escalation(&sc_path, sc));
        errors
    }

    fn validate_privileged(
        &self,
        sc_path: &FieldPath,
        sc: Option<&SecurityContext>,
    ) -> Option<FieldError> {
        let privileged = sc.and_then(|c| c.privileged) == Some(true);
        (!self.spec.privileged && privileged).then(|| {
            FieldError::invalid(
                sc_path.child("privileged"),
                BadValue::Bool(true),
                "Privileged containers are not allowed",
            )
        })
    }

    fn validate_proc_mount(
        &self,
        sc_path: &FieldPath,
        sc: Option<&SecurityContext>,
    ) -> Option<FieldError> {
        let proc_mount = sc
            .and_then(|c| c.proc_mount.as_deref())
            .unwrap_or(DEFAULT_PROC_MOUNT);
        let allowed = &self.spec.allowed_proc_mount_types;
        let is_allowed = if allowed.is_empty() {
            proc_mount == DEFAULT_PROC_MOUNT
        } else {
            allowed.iter().any(|t| t == proc_mount)
        };
        (!is_allowed).then(|| {
            FieldError::invalid(
                sc_path.child("procMount"),
                BadValue::str(proc_mount),
                "ProcMountType is not allowed",
            )
        })
    }

    fn validate_host_ports(&self, container: &ContainerView<'_>) -> Vec<FieldError> {
        let ranges = &self.spec.host_ports;
        container
            .ports
            .iter()
            .filter_map(|port| port.host_port)
            .filter(|&port| port > 0 && !ranges.iter().any(|r| r.min <= port && port <= r.max))
            .map(|port| {
                let detail = format!(
                    "Host port {port} is not allowed to be used. Allowed ports: [{}]",
                    render_host_port_ranges(ranges)
                );
                FieldError::invalid(
                    container.path().child("hostPort"),
                    BadValue::Int(port.into()),
                    detail,
                )
            })
            .collect()
    }

    fn validate_read_only_root_filesystem(
        &self,
        sc_path: &FieldPath,
        sc: Option<&SecurityContext>,
    ) -> Option<FieldError> {
        if !self.spec.read_only_root_filesystem {
            return None;
        }
        let path = sc_path.child("readOnlyRootFilesystem");
        match sc.and_then(|c| c.read_only_root_filesystem) {
            None => Some(FieldError::invalid(
                path,
                BadValue::Null,
                "ReadOnlyRootFilesystem may not be nil and must be set to true",
            )),
            Some(false) => Some(FieldError::invalid(
                path,
                BadValue::Bool(false),
                "ReadOnlyRootFilesystem must be set to true",
            )),
            Some(true) => None,
        }
    }

    fn validate_privilege_escalation(
        &self,
        sc_path: &FieldPath,
        sc: Option<&SecurityContext>,
    ) -> Option<FieldError> {
        if self.allows_privilege_escalation() {
            return None;
        }
        let value = match sc.and_then(|c| c.allow_privilege_escalation) {
            Some(false) => return None,
            Some(true) => BadValue::Bool(true),
            None => BadValue::Null,
        };
        Some(FieldError::invalid(
            sc_path.child("allowPrivilegeEscalation"),
            value,
            "Allowing privilege escalation for containers is not allowed",
        ))
    }
}

/// Renders host port ranges like upstream: `min-max` or `min`, joined by `,`.
pub(crate) fn render_host_port_ranges(ranges: &[HostPortRange]) -> String {
    let rendered: Vec<String> = ranges
        .iter()
        .map(|r| {
            if r.min == r.max {
                r.min.to_string()
            } else {
                format!("{}-{}", r.min, r.max)
            }
        })
        .collect();
    rendered.join(",")
}
