//! `rampart explain`: every security setting in force for each container of a pod, with
//! its value, where it comes from and the field (or Dockerfile line, or ServiceAccount)
//! that set it.
//!
//! Built on [`EffectiveSecurity`], the one resolution of a container's settings; this
//! module adds what lies outside the pod: the ServiceAccount's token setting and the
//! `USER` of an image built by a Dockerfile of the input ([`BuiltImage`]), and turns the
//! result into rows a report prints.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::docker::{BuiltImage, ImageUser};
use crate::field_path::FieldPath;
use crate::object::{
    CapabilitySet, ContainerKind, ContainerView, EffectiveSecurity, Origin, PodView, Profile,
    Sourced,
};

/// Where the ServiceAccount token is mounted in every container that does not mount
/// something else there.
pub(crate) const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A ServiceAccount object of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    /// The caller's handle for the object (to locate fields in it).
    pub object: usize,
    /// Its `automountServiceAccountToken`, when set.
    pub automount: Option<bool>,
}

/// A Dockerfile of the input and what it builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The caller's handle for the Dockerfile.
    pub handle: usize,
    /// What it builds.
    pub image: BuiltImage,
}

/// What lies outside a pod that its settings depend on.
#[derive(Debug, Default)]
pub struct Context {
    /// ServiceAccounts by namespace and name (the first of a name wins).
    pub service_accounts: HashMap<(String, String), ServiceAccount>,
    /// The Dockerfiles of the input.
    pub dockerfiles: Vec<Dockerfile>,
}

impl Context {
    /// Adds a ServiceAccount (the first one of a namespace and name is kept).
    pub fn add_service_account(&mut self, namespace: &str, name: &str, account: ServiceAccount) {
        self.service_accounts
            .entry((namespace.to_owned(), name.to_owned()))
            .or_insert(account);
    }
}

/// Where a value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetAt {
    /// A field of the pod's object (the Pod, or the workload holding the template).
    Object(FieldPath),
    /// A field of a ServiceAccount of the [`Context`].
    ServiceAccount {
        /// The ServiceAccount's handle.
        object: usize,
        /// The field.
        path: FieldPath,
    },
    /// An instruction of a Dockerfile of the [`Context`].
    Dockerfile {
        /// The Dockerfile's handle.
        handle: usize,
        /// The instruction (`instructions[3]`).
        path: FieldPath,
    },
    /// Nothing set it: a default.
    Nowhere,
}

/// One setting in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The setting, named as its Kubernetes field (`runAsUser`, `seccompProfile`...).
    pub setting: &'static str,
    /// Its value (`null` when only the image, which is not in the input, knows).
    pub value: Value,
    /// What kind of source set it.
    pub origin: Origin,
    /// Where: the field, instruction or ServiceAccount that set it.
    pub at: SetAt,
    /// The field that sets it for this container (where a change would go).
    pub field: FieldPath,
    /// What else to know: why it is implied, which versions honour it...
    pub note: Option<String>,
}

/// Every setting of one container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSettings {
    /// The container's name.
    pub name: String,
    /// Its list.
    pub kind: ContainerKind,
    /// Its path from the object's root.
    pub path: FieldPath,
    /// The settings, in a fixed order: identity, privileges, profiles, file system, host,
    /// service-account token.
    pub settings: Vec<Setting>,
}

/// Explains every container of `pod` (in namespace `namespace`, for its ServiceAccount).
pub fn explain_pod(pod: &PodView, namespace: &str, ctx: &Context) -> Vec<ContainerSettings> {
    pod.containers()
        .map(|c| ContainerSettings {
            name: c.name().to_owned(),
            kind: c.kind(),
            path: c.path.clone(),
            settings: Explainer {
                pod,
                container: &c,
                effective: pod.effective(&c),
                namespace,
                ctx,
            }
            .settings(),
        })
        .collect()
}

struct Explainer<'a> {
    pod: &'a PodView,
    container: &'a ContainerView<'a>,
    effective: EffectiveSecurity,
    namespace: &'a str,
    ctx: &'a Context,
}

/// A row from a value set in the pod's object.
fn from_object<T: Serialize>(setting: &'static str, sourced: &Sourced<T>) -> Setting {
    Setting {
        setting,
        value: json!(sourced.value),
        origin: sourced.origin,
        at: SetAt::Object(sourced.path.clone()),
        field: sourced.path.clone(),
        note: None,
    }
}

/// A row for a default: nothing set it; `field` is where one would.
fn default(setting: &'static str, value: Value, origin: Origin, field: FieldPath) -> Setting {
    Setting {
        setting,
        value,
        origin,
        at: SetAt::Nowhere,
        field,
        note: None,
    }
}

impl Setting {
    /// Adds a note (after any note already there).
    fn noted(mut self, note: impl Into<String>) -> Self {
        let note = note.into();
        self.note = Some(match self.note.take() {
            Some(first) => format!("{first}; {note}"),
            None => note,
        });
        self
    }
}

impl Explainer<'_> {
    fn settings(&self) -> Vec<Setting> {
        let mut rows = vec![
            self.run_as_user(),
            self.run_as_group(),
            self.supplemental_groups(),
            self.fs_group(),
            self.run_as_non_root(),
            self.privileged(),
            self.privilege_escalation(),
            self.capabilities(),
            self.seccomp(),
            self.app_armor(),
            self.se_linux(),
            self.bool_field(
                "readOnlyRootFilesystem",
                self.effective.read_only_root_filesystem.as_ref(),
                false,
            ),
            self.proc_mount(),
        ];
        rows.extend(
            ["hostNetwork", "hostPID", "hostIPC"]
                .into_iter()
                .map(|field| self.host_namespace(field)),
        );
        rows.push(self.host_users());
        rows.push(self.host_ports());
        rows.push(self.host_path_volumes());
        rows.push(self.service_account_token());
        rows
    }

    /// The Dockerfile of the input that builds the container's image.
    fn dockerfile(&self) -> Option<&Dockerfile> {
        let image = self.container.container.image?;
        self.ctx.dockerfiles.iter().find(|d| d.image.builds(image))
    }

    /// Where a Dockerfile's final `USER` is (or its final `FROM`, without one).
    fn user_instruction(dockerfile: &Dockerfile) -> SetAt {
        let image = &dockerfile.image;
        match image.user_instruction.or(image.final_stage) {
            Some(index) => SetAt::Dockerfile {
                handle: dockerfile.handle,
                path: crate::docker::DockerfileView::path(index),
            },
            None => SetAt::Nowhere,
        }
    }

    fn run_as_user(&self) -> Setting {
        let field = self.effective.field_path("runAsUser");
        if let Some(user) = &self.effective.run_as_user {
            return self.with_non_root_conflict(from_object("runAsUser", user));
        }
        let Some(dockerfile) = self.dockerfile() else {
            return default("runAsUser", Value::Null, Origin::Image, field).noted(
                "the image's USER decides, and its Dockerfile is not in the input: root \
                 unless the image sets one",
            );
        };
        let (value, note) = match dockerfile.image.image_user() {
            ImageUser::Root => (json!(0), None),
            ImageUser::Uid(uid) => (json!(uid), None),
            ImageUser::Name(name) => (
                json!(name),
                Some(
                    "a user name: the kubelet cannot tell whether it is root, so \
                     runAsNonRoot: true refuses to start the container",
                ),
            ),
        };
        let row = Setting {
            setting: "runAsUser",
            value,
            origin: Origin::Image,
            at: Self::user_instruction(dockerfile),
            field,
            note: None,
        };
        let row = match (note, &dockerfile.image.user) {
            (Some(note), _) => row.noted(note),
            (None, None) => row.noted("the final stage sets no USER: the image runs as root"),
            (None, Some(_)) => row,
        };
        self.with_non_root_conflict(row)
    }

    /// Notes that a container with `runAsNonRoot: true` and a root user never starts.
    fn with_non_root_conflict(&self, row: Setting) -> Setting {
        let non_root = self
            .effective
            .run_as_non_root
            .as_ref()
            .is_some_and(|n| n.value);
        if non_root && row.value == json!(0) {
            row.noted("runAsNonRoot is true: the kubelet refuses to start the container as root")
        } else {
            row
        }
    }

    fn run_as_group(&self) -> Setting {
        if let Some(group) = &self.effective.run_as_group {
            return from_object("runAsGroup", group);
        }
        let field = self.effective.field_path("runAsGroup");
        let dockerfile = self.dockerfile();
        match dockerfile.and_then(|d| Some((d, d.image.image_group()?))) {
            Some((dockerfile, group)) => Setting {
                setting: "runAsGroup",
                value: group
                    .parse::<i64>()
                    .map_or_else(|_| json!(group), |g| json!(g)),
                origin: Origin::Image,
                at: Self::user_instruction(dockerfile),
                field,
                note: None,
            },
            None => default("runAsGroup", Value::Null, Origin::Image, field)
                .noted("the primary group of the image's user, 0 for root"),
        }
    }

    fn supplemental_groups(&self) -> Setting {
        let field = self.pod.security_path("supplementalGroups");
        let groups = self
            .pod
            .spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.supplemental_groups.as_ref());
        match groups {
            Some(groups) => from_object(
                "supplementalGroups",
                &Sourced {
                    value: groups.clone(),
                    path: field,
                    origin: Origin::Pod,
                },
            ),
            None => default("supplementalGroups", json!([]), Origin::Default, field)
                .noted("plus the groups /etc/group of the image gives the user"),
        }
    }

    fn fs_group(&self) -> Setting {
        let field = self.pod.security_path("fsGroup");
        let fs_group = self
            .pod
            .spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.fs_group);
        match fs_group {
            Some(group) => from_object(
                "fsGroup",
                &Sourced {
                    value: group,
                    path: field,
                    origin: Origin::Pod,
                },
            ),
            None => default("fsGroup", Value::Null, Origin::Default, field)
                .noted("volumes keep their own ownership"),
        }
    }

    fn run_as_non_root(&self) -> Setting {
        match &self.effective.run_as_non_root {
            Some(non_root) => from_object("runAsNonRoot", non_root),
            None => default(
                "runAsNonRoot",
                json!(false),
                Origin::Default,
                self.effective.field_path("runAsNonRoot"),
            )
            .noted("the kubelet does not check the user"),
        }
    }

    fn bool_field(
        &self,
        setting: &'static str,
        sourced: Option<&Sourced<bool>>,
        unset: bool,
    ) -> Setting {
        match sourced {
            Some(sourced) => from_object(setting, sourced),
            None => default(
                setting,
                json!(unset),
                Origin::Default,
                self.effective.field_path(setting),
            ),
        }
    }

    fn privileged(&self) -> Setting {
        self.bool_field("privileged", self.effective.privileged.as_ref(), false)
    }

    fn privilege_escalation(&self) -> Setting {
        let in_force = self.effective.privilege_escalation();
        let field = self.effective.field_path("allowPrivilegeEscalation");
        let row = match in_force.origin {
            Origin::RuntimeDefault => default(
                "allowPrivilegeEscalation",
                json!(true),
                Origin::RuntimeDefault,
                field,
            )
            .noted("no_new_privs is not set: setuid binaries and file capabilities work"),
            Origin::Implied => {
                let why = if self.effective.is_privileged() {
                    "privileged"
                } else {
                    "CAP_SYS_ADMIN"
                };
                Setting {
                    field,
                    ..from_object("allowPrivilegeEscalation", &in_force)
                }
                .noted(format!("implied by {why}"))
            }
            _ => from_object("allowPrivilegeEscalation", &in_force),
        };
        match self.effective.privilege_escalation_conflict() {
            Some(why) => row.noted(format!(
                "the API server rejects allowPrivilegeEscalation: false with {why}"
            )),
            None => row,
        }
    }

    fn capabilities(&self) -> Setting {
        let field = self.effective.field_path("capabilities");
        let value = match self.effective.capabilities_in_force() {
            CapabilitySet::All => json!("ALL"),
            CapabilitySet::Some(set) => json!(set),
        };
        if let Some(privileged) = self.effective.privileged.as_ref().filter(|p| p.value) {
            return Setting {
                setting: "capabilities",
                value,
                origin: Origin::Implied,
                at: SetAt::Object(privileged.path.clone()),
                field,
                note: Some("implied by privileged: every capability".to_owned()),
            };
        }
        match &self.effective.capabilities {
            Some(written) => Setting {
                setting: "capabilities",
                value,
                origin: Origin::Container,
                at: SetAt::Object(written.path.clone()),
                field,
                note: Some("the runtime's default set, less drop, plus add".to_owned()),
            },
            None => default("capabilities", value, Origin::RuntimeDefault, field),
        }
    }

    /// A seccomp or AppArmor profile: set, or the runtime's default. Privileged
    /// containers run without seccomp whatever the profile (the Kubernetes
    /// documentation), and without AppArmor unless one is set (the runtimes).
    fn profile(
        &self,
        setting: &'static str,
        sourced: Option<&Sourced<Profile>>,
        unset: Profile,
        unset_note: &str,
    ) -> Setting {
        let field = self.effective.field_path(setting);
        let privileged = self.effective.privileged.as_ref().filter(|p| p.value);
        let overridden = setting == "seccompProfile" || sourced.is_none();
        if let Some(privileged) = privileged.filter(|_| overridden) {
            let note = match sourced {
                Some(set) => format!(
                    "implied by privileged: the {} profile set at {} is not applied",
                    set.value.kind, set.path
                ),
                None => "implied by privileged: privileged containers run unconfined".to_owned(),
            };
            return Setting {
                setting,
                value: json!(Profile::unconfined()),
                origin: Origin::Implied,
                at: SetAt::Object(privileged.path.clone()),
                field,
                note: Some(note),
            };
        }
        match sourced {
            Some(sourced) => {
                let row = from_object(setting, sourced);
                match annotation_note(setting, sourced.origin) {
                    Some(note) => row.noted(note),
                    None => row,
                }
            }
            None => default(setting, json!(unset), Origin::RuntimeDefault, field).noted(unset_note),
        }
    }

    fn seccomp(&self) -> Setting {
        self.profile(
            "seccompProfile",
            self.effective.seccomp_profile.as_ref(),
            Profile::unconfined(),
            "the kubelet runs containers Unconfined unless it runs with --seccomp-default \
             (RuntimeDefault)",
        )
    }

    fn app_armor(&self) -> Setting {
        self.profile(
            "appArmorProfile",
            self.effective.app_armor_profile.as_ref(),
            Profile {
                kind: "RuntimeDefault".to_owned(),
                localhost: None,
            },
            "on nodes with AppArmor enabled",
        )
    }

    fn se_linux(&self) -> Setting {
        match &self.effective.se_linux_options {
            Some(options) => from_object("seLinuxOptions", options),
            None => default(
                "seLinuxOptions",
                Value::Null,
                Origin::RuntimeDefault,
                self.effective.field_path("seLinuxOptions"),
            )
            .noted("on SELinux hosts the runtime labels the container container_t with a per-pod level"),
        }
    }

    fn proc_mount(&self) -> Setting {
        match &self.effective.proc_mount {
            Some(mount) => from_object("procMount", mount),
            None => default(
                "procMount",
                json!("Default"),
                Origin::Default,
                self.effective.field_path("procMount"),
            ),
        }
    }

    fn host_namespace(&self, field: &'static str) -> Setting {
        let value = match field {
            "hostNetwork" => self.pod.spec.host_network,
            "hostPID" => self.pod.spec.host_pid,
            _ => self.pod.spec.host_ipc,
        };
        let path = self.pod.spec_path(field);
        match value {
            Some(value) => from_object(
                field,
                &Sourced {
                    value,
                    path,
                    origin: Origin::Pod,
                },
            ),
            None => default(field, json!(false), Origin::Default, path),
        }
    }

    fn host_users(&self) -> Setting {
        let path = self.pod.spec_path("hostUsers");
        match self.pod.spec.host_users {
            Some(value) => from_object(
                "hostUsers",
                &Sourced {
                    value,
                    path,
                    origin: Origin::Pod,
                },
            ),
            None => default("hostUsers", json!(true), Origin::Default, path)
                .noted("no user namespace: UID 0 in the container is UID 0 on the node"),
        }
    }

    fn host_ports(&self) -> Setting {
        let host_network = self.pod.spec.host_network == Some(true);
        let ports_path = self.container.path.child("ports");
        let mut ports = Vec::new();
        let mut first = None;
        for (i, port) in self.container.container.ports.iter().enumerate() {
            let host_port = port.host_port.filter(|p| *p > 0);
            let bound = match (host_port, host_network) {
                (Some(host), _) => host,
                (None, true) => port.container_port,
                (None, false) => continue,
            };
            ports.push(json!({
                "hostPort": bound,
                "containerPort": port.container_port,
                "protocol": port.protocol.as_deref().unwrap_or("TCP"),
            }));
            first.get_or_insert_with(|| {
                let port_path = ports_path.index(i);
                if host_port.is_some() {
                    port_path.child("hostPort")
                } else {
                    port_path.child("containerPort")
                }
            });
        }
        match first {
            Some(path) => {
                let row = Setting {
                    setting: "hostPorts",
                    value: json!(ports),
                    origin: Origin::Container,
                    at: SetAt::Object(path),
                    field: ports_path,
                    note: None,
                };
                if host_network {
                    row.noted("hostNetwork: every container port is a port of the node")
                } else {
                    row
                }
            }
            None => default("hostPorts", json!([]), Origin::Default, ports_path),
        }
    }

    fn host_path_volumes(&self) -> Setting {
        let volumes = self.pod.spec.volumes.as_deref().unwrap_or_default();
        let mounts_path = self.container.path.child("volumeMounts");
        let mut mounted = Vec::new();
        let mut first = None;
        for mount in self.container.container.volume_mounts {
            let Some((index, host_path)) = volumes
                .iter()
                .enumerate()
                .find(|(_, v)| v.name == mount.name)
                .and_then(|(i, v)| Some((i, v.host_path.as_ref()?)))
            else {
                continue;
            };
            mounted.push(json!({
                "volume": mount.name,
                "path": host_path.path,
                "mountPath": mount.mount_path,
                "readOnly": mount.read_only.unwrap_or(false),
            }));
            first.get_or_insert_with(|| {
                self.pod
                    .spec_path("volumes")
                    .index(index)
                    .child("hostPath")
                    .child("path")
            });
        }
        match first {
            Some(path) => Setting {
                setting: "hostPathVolumes",
                value: json!(mounted),
                origin: Origin::Pod,
                at: SetAt::Object(path),
                field: mounts_path,
                note: None,
            },
            None => default("hostPathVolumes", json!([]), Origin::Default, mounts_path),
        }
    }

    /// The service account the pod runs as.
    fn account(&self) -> &str {
        let spec = &self.pod.spec;
        spec.service_account_name
            .as_deref()
            .or(spec.service_account.as_deref())
            .filter(|name| !name.is_empty())
            .unwrap_or("default")
    }

    fn service_account_token(&self) -> Setting {
        let account = self.account();
        let field = self.pod.spec_path("automountServiceAccountToken");
        let value = |mounted: bool| json!({"mounted": mounted, "serviceAccount": format!("{}/{account}", self.namespace)});
        let elsewhere = self
            .container
            .container
            .volume_mounts
            .iter()
            .position(|m| m.mount_path.trim_end_matches('/') == TOKEN_MOUNT_PATH);
        let row = if let Some(mounted) = self.pod.spec.automount_service_account_token {
            from_object(
                "serviceAccountToken",
                &Sourced {
                    value: (),
                    path: field,
                    origin: Origin::Pod,
                },
            )
            .with_value(value(mounted))
        } else {
            let key = (self.namespace.to_owned(), account.to_owned());
            match self.ctx.service_accounts.get(&key) {
                Some(sa) => match sa.automount {
                    Some(mounted) => Setting {
                        setting: "serviceAccountToken",
                        value: value(mounted),
                        origin: Origin::ServiceAccount,
                        at: SetAt::ServiceAccount {
                            object: sa.object,
                            path: FieldPath::fields(&["automountServiceAccountToken"]),
                        },
                        field,
                        note: None,
                    },
                    None => default("serviceAccountToken", value(true), Origin::Default, field)
                        .noted("neither the pod nor its ServiceAccount sets automountServiceAccountToken"),
                },
                None => default("serviceAccountToken", value(true), Origin::Default, field)
                    .noted("the pod does not set automountServiceAccountToken, and its ServiceAccount is not in the input"),
            }
        };
        match elsewhere {
            Some(index) if row.value["mounted"] == true => Setting {
                value: value(false),
                origin: Origin::Container,
                at: SetAt::Object(self.container.path.child("volumeMounts").index(index)),
                note: Some(format!(
                    "the container mounts another volume at {TOKEN_MOUNT_PATH}, so the token is not mounted there"
                )),
                ..row
            },
            _ => row,
        }
    }
}

impl Setting {
    fn with_value(mut self, value: Value) -> Self {
        self.value = value;
        self
    }
}

/// Which Kubernetes versions honour a profile set by annotation.
fn annotation_note(setting: &str, origin: Origin) -> Option<&'static str> {
    let annotation = matches!(origin, Origin::ContainerAnnotation | Origin::PodAnnotation);
    match (setting, annotation) {
        ("seccompProfile", true) => Some(
            "a deprecated annotation, copied into the field when the pod is created up to \
             Kubernetes v1.26 and ignored from v1.27: set securityContext.seccompProfile",
        ),
        ("appArmorProfile", true) => Some(
            "a deprecated annotation, copied into the field when the pod is created from \
             Kubernetes v1.30: set securityContext.appArmorProfile",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::object::{ObjectRef, WorkloadKinds};

    fn settings(pod: serde_json::Value, ctx: &Context) -> Vec<ContainerSettings> {
        let location = WorkloadKinds::default()
            .template_of(&ObjectRef::of(&pod))
            .expect("pod");
        let view = PodView::read(&pod, location).expect("typed").expect("spec");
        explain_pod(&view, "ns", ctx)
    }

    fn row<'a>(container: &'a ContainerSettings, name: &str) -> &'a Setting {
        container
            .settings
            .iter()
            .find(|s| s.setting == name)
            .expect("setting")
    }

    #[test]
    fn a_container_that_mounts_over_the_token_path_gets_no_token() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [
                {"name": "a", "volumeMounts": [{"name": "x", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount/"}]},
                {"name": "b"}]}});
        let mut ctx = Context::default();
        ctx.add_service_account(
            "ns",
            "default",
            ServiceAccount {
                object: 7,
                automount: Some(true),
            },
        );
        let found = settings(pod, &ctx);
        let a = row(&found[0], "serviceAccountToken");
        assert_eq!(
            (a.value["mounted"].as_bool(), a.origin),
            (Some(false), Origin::Container)
        );
        let b = row(&found[1], "serviceAccountToken");
        assert_eq!(
            b.value,
            json!({"mounted": true, "serviceAccount": "ns/default"})
        );
        assert_eq!(
            b.at,
            SetAt::ServiceAccount {
                object: 7,
                path: FieldPath::fields(&["automountServiceAccountToken"])
            }
        );
    }

    #[test]
    fn an_image_user_comes_with_its_dockerfile_line_and_root_under_run_as_non_root_is_noted() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"securityContext": {"runAsNonRoot": true},
                     "containers": [{"name": "a", "image": "registry.local/api:2"},
                                    {"name": "b", "image": "other"}]}});
        let ctx = Context {
            dockerfiles: vec![Dockerfile {
                handle: 3,
                image: BuiltImage {
                    images: vec!["api".into()],
                    final_stage: Some(4),
                    ..BuiltImage::default()
                },
            }],
            ..Context::default()
        };
        let found = settings(pod, &ctx);
        let user = row(&found[0], "runAsUser");
        assert_eq!((user.value.clone(), user.origin), (json!(0), Origin::Image));
        assert_eq!(
            user.at,
            SetAt::Dockerfile {
                handle: 3,
                path: FieldPath::fields(&["instructions"]).index(4)
            }
        );
        assert!(
            user.note
                .as_deref()
                .is_some_and(|n| n.contains("refuses to start")),
            "{:?}",
            user.note
        );
        let unknown = row(&found[1], "runAsUser");
        assert_eq!(
            (unknown.value.clone(), &unknown.at),
            (Value::Null, &SetAt::Nowhere)
        );
    }
}
