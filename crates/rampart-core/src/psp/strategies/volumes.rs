//! Volume checks: the FSType allow-list, host path prefixes, flex and CSI drivers (§3.3,
//! §3.12, §3.13).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PodSpec, ProjectedVolumeSource, Volume};

use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::pod_view::containers;
use crate::psp::types::{ALLOW_ALL, AllowedHostPath, PodSecurityPolicySpec};

/// Every FSType name a policy may list (besides `*`), in upstream classification order.
pub(crate) const FS_TYPES: [&str; 29] = [
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephFS",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "storageos",
    "projected",
    "portworxVolume",
    "scaleIO",
    "csi",
    "ephemeral",
];

/// The FSType of a pod volume, or `None` when it uses no source PSP knows.
pub(crate) fn fs_type(v: &Volume) -> Option<&'static str> {
    let present = [
        v.host_path.is_some(),
        v.empty_dir.is_some(),
        v.gce_persistent_disk.is_some(),
        v.aws_elastic_block_store.is_some(),
        v.git_repo.is_some(),
        v.secret.is_some(),
        v.nfs.is_some(),
        v.iscsi.is_some(),
        v.glusterfs.is_some(),
        v.persistent_volume_claim.is_some(),
        v.rbd.is_some(),
        v.flex_volume.is_some(),
        v.cinder.is_some(),
        v.cephfs.is_some(),
        v.flocker.is_some(),
        v.downward_api.is_some(),
        v.fc.is_some(),
        v.azure_file.is_some(),
        v.config_map.is_some(),
        v.vsphere_volume.is_some(),
        v.quobyte.is_some(),
        v.azure_disk.is_some(),
        v.photon_persistent_disk.is_some(),
        v.storageos.is_some(),
        v.projected.is_some(),
        v.portworx_volume.is_some(),
        v.scale_io.is_some(),
        v.csi.is_some(),
        v.ephemeral.is_some(),
    ];
    FS_TYPES
        .iter()
        .zip(present)
        .find_map(|(name, is_present)| is_present.then_some(*name))
}

/// The volume rules of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VolumeStrategy {
    allow_all: bool,
    allowed: BTreeSet<String>,
    host_paths: Vec<AllowedHostPath>,
    flex_drivers: Vec<String>,
    csi_drivers: Vec<String>,
}

/// Outcome of matching a host path against `allowedHostPaths`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostPathAccess {
    /// No entry matches.
    Denied,
    /// Allowed, but every mount must be read-only.
    ReadOnly,
    /// Allowed and writable.
    Writable,
}

impl VolumeStrategy {
    /// Builds the strategy from the policy spec.
    pub fn new(spec: &PodSecurityPolicySpec) -> Self {
        Self {
            allow_all: spec.volumes.iter().any(|v| v == ALLOW_ALL),
            allowed: spec.volumes.iter().cloned().collect(),
            host_paths: spec.allowed_host_paths.clone(),
            flex_drivers: spec
                .allowed_flex_volumes
                .iter()
                .map(|f| f.driver.clone())
                .collect(),
            csi_drivers: spec
                .allowed_csi_drivers
                .iter()
                .map(|c| c.name.clone())
                .collect(),
        }
    }

    /// Validates every pod volume, in list order.
    pub fn validate(&self, spec: &PodSpec) -> Vec<FieldError> {
        let volumes = spec.volumes.as_deref().unwrap_or_default();
        let base = FieldPath::fields(&["spec", "volumes"]);
        let mut errors = Vec::new();
        for (i, volume) in volumes.iter().enumerate() {
            let path = base.index(i);
            let Some(fs_type) = fs_type(volume) else {
                let detail = format!("unknown volume type for volume: {}", volume.name);
                errors.push(FieldError::invalid(path, BadValue::str(""), detail));
                continue;
            };
            if !self.allows_type(fs_type, volume) {
                let detail = format!("{fs_type} volumes are not allowed to be used");
                errors.push(FieldError::invalid(path, BadValue::str(fs_type), detail));
                continue;
            }
            errors.extend(self.validate_source(spec, volume, &path));
        }
        errors
    }

    fn allows_type(&self, fs_type: &str, volume: &Volume) -> bool {
        self.allow_all
            || self.allowed.contains(fs_type)
            || (self.allowed.contains("secret")
                && volume
                    .projected
                    .as_ref()
                    .is_some_and(is_only_service_account_token_sources))
    }

    fn validate_source(
        &self,
        spec: &PodSpec,
        volume: &Volume,
        path: &FieldPath,
    ) -> Vec<FieldError> {
        if let Some(host_path) = &volume.host_path {
            return match self.host_path_access(&host_path.path) {
                HostPathAccess::Denied => vec![FieldError::invalid(
                    path.child("hostPath").child("pathPrefix"),
                    BadValue::str(host_path.path.as_str()),
                    "is not allowed to be used",
                )],
                HostPathAccess::ReadOnly => writable_mounts(spec, &volume.name),
                HostPathAccess::Writable => Vec::new(),
            };
        }
        if let Some(flex) = &volume.flex_volume
            && !self.flex_drivers.is_empty()
            && !self.flex_drivers.contains(&flex.driver)
        {
            return vec![FieldError::invalid(
                path.child("driver"),
                BadValue::str(flex.driver.as_str()),
                "Flexvolume driver is not allowed to be used",
            )];
        }
        if let Some(csi) = &volume.csi
            && !self.csi_drivers.is_empty()
            && !self.csi_drivers.contains(&csi.driver)
        {
            return vec![FieldError::invalid(
                path.child("csi").child("driver"),
                BadValue::str(csi.driver.as_str()),
                "Inline CSI driver is not allowed to be used",
            )];
        }
        Vec::new()
    }

    /// Matches `path` against `allowedHostPaths`: a writable match wins immediately,
    /// read-only matches are remembered.
    pub fn host_path_access(&self, path: &str) -> HostPathAccess {
        if self.host_paths.is_empty() {
            return HostPathAccess::Writable;
        }
        let mut access = HostPathAccess::Denied;
        for allowed in &self.host_paths {
            if has_path_prefix(path, &allowed.path_prefix) {
                if !allowed.read_only {
                    return HostPathAccess::Writable;
                }
                access = HostPathAccess::ReadOnly;
            }
        }
        access
    }
}

/// Errors for every mount of `volume` (in any container) that is not read-only.
fn writable_mounts(spec: &PodSpec, volume: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for container in containers(spec) {
        for (j, mount) in container.volume_mounts.iter().enumerate() {
            let read_only = mount.read_only.unwrap_or(false);
            if mount.name == volume && !read_only {
                errors.push(FieldError::invalid(
                    container
                        .path()
                        .child("volumeMounts")
                        .index(j)
                        .child("readOnly"),
                    BadValue::Bool(read_only),
                    "must be read-only",
                ));
            }
        }
    }
    errors
}

/// Segment-wise prefix match after trimming one trailing `/` from both sides.
pub(crate) fn has_path_prefix(path: &str, prefix: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// True when a projected volume holds only what service-account admission injects for
/// bound tokens (token, `kube-root-ca.crt`, namespace via the downward API).
pub(crate) fn is_only_service_account_token_sources(projected: &ProjectedVolumeSource) -> bool {
    projected.sources.iter().flatten().all(|source| {
        if source.service_account_token.is_none()
            && source.config_map.is_none()
            && source.downward_api.is_none()
        {
            return false;
        }
        let token_ok = source.service_account_token.as_ref().is_none_or(|t| {
            t.path == "token" && t.audience.as_deref().unwrap_or_default().is_empty()
        });
        let config_map_ok = source
            .config_map
            .as_ref()
            .is_none_or(|c| c.name == "kube-root-ca.crt");
        let downward_ok = source.downward_api.as_ref().is_none_or(|d| {
            d.items.iter().flatten().all(|item| {
                item.path == "namespace"
                    && item.field_ref.as_ref().is_some_and(|f| {
                        f.api_version.as_deref().unwrap_or("v1") == "v1"
                            && f.field_path == "metadata.namespace"
                    })
            })
        });
        token_ok && config_map_ok && downward_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn projected(sources: serde_json::Value) -> ProjectedVolumeSource {
        serde_json::from_value(json!({ "sources": sources })).unwrap()
    }

    #[test]
    fn path_prefixes() {
        let cases = [
            ("/foo", "/foo", true),
            ("/foo/", "/foo", true),
            ("/foo/bar", "/foo", true),
            ("/foo/bar", "/foo/", true),
            ("/foobar", "/foo", false),
            ("/etc/foo", "/foo", false),
            ("/anything", "/", true),
            ("/", "/", true),
            ("/foo", "/foo/bar", false),
            ("/foo/../etc", "/foo", true),
        ];
        for (path, prefix, expected) in cases {
            assert_eq!(
                has_path_prefix(path, prefix),
                expected,
                "{path} under {prefix}"
            );
        }
    }

    #[test]
    fn host_path_access_walks_in_order() {
        let spec = |entries: &[(&str, bool)]| PodSecurityPolicySpec {
            allowed_host_paths: entries
                .iter()
                .map(|&(p, ro)| AllowedHostPath {
                    path_prefix: p.into(),
                    read_only: ro,
                })
                .collect(),
            ..Default::default()
        };
        let cases = [
            (spec(&[]), "/any", HostPathAccess::Writable),
            (spec(&[("/foo", false)]), "/foo/x", HostPathAccess::Writable),
            (spec(&[("/foo", true)]), "/foo/x", HostPathAccess::ReadOnly),
            (spec(&[("/foo", true)]), "/bar", HostPathAccess::Denied),
            (
                spec(&[("/foo/bar", true), ("/foo", false)]),
                "/foo/bar/x",
                HostPathAccess::Writable,
            ),
            (
                spec(&[("/foo", false), ("/foo/bar", true)]),
                "/foo/bar/x",
                HostPathAccess::Writable,
            ),
            (
                spec(&[("/foo", true), ("/foo/bar", true)]),
                "/foo/bar/x",
                HostPathAccess::ReadOnly,
            ),
        ];
        for (i, (s, path, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                VolumeStrategy::new(&s).host_path_access(path),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn service_account_token_sources() {
        let token = json!({"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}});
        let ca = json!({"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}});
        let ns = json!({"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}});
        let cases = [
            (json!([token, ca, ns]), true),
            (json!([]), true),
            (json!([token]), true),
            (json!([{"serviceAccountToken": {"path": "other"}}]), false),
            (
                json!([{"serviceAccountToken": {"path": "token", "audience": "vault"}}]),
                false,
            ),
            (json!([{"configMap": {"name": "other"}}]), false),
            (
                json!([{"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]),
                false,
            ),
            (
                json!([{"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v2", "fieldPath": "metadata.namespace"}}]}}]),
                false,
            ),
            (json!([token, {"secret": {"name": "s"}}]), false),
            (json!([{}]), false),
            (
                json!([{"downwardAPI": {"items": [{"path": "namespace"}]}}]),
                false,
            ),
            (
                json!([{"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.foo"}}]}}]),
                false,
            ),
            (
                json!([{"downwardAPI": {"items": [{"path": "foo", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]),
                false,
            ),
            (
                json!([{"clusterTrustBundle": {"path": "b", "signerName": "s"}}]),
                false,
            ),
        ];
        for (i, (sources, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                is_only_service_account_token_sources(&projected(sources)),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn classifies_every_source() {
        for (key, name) in [
            ("hostPath", "hostPath"),
            ("cephfs", "cephFS"),
            ("storageos", "storageos"),
            ("csi", "csi"),
            ("ephemeral", "ephemeral"),
            ("scaleIO", "scaleIO"),
        ] {
            let mut volume = json!({"name": "v"});
            volume[key] = match key {
                "hostPath" => json!({"path": "/x"}),
                "cephfs" => json!({"monitors": ["m"]}),
                "csi" => json!({"driver": "d"}),
                "scaleIO" => json!({"gateway": "g", "system": "s", "secretRef": {}}),
                _ => json!({}),
            };
            let volume: Volume = serde_json::from_value(volume).unwrap();
            assert_eq!(fs_type(&volume), Some(name), "{key}");
        }
        let unknown: Volume =
            serde_json::from_value(json!({"name": "v", "image": {"reference": "r"}})).unwrap();
        assert_eq!(fs_type(&unknown), None);
    }
}
