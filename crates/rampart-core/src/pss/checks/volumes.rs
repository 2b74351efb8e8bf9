//! `hostPathVolumes` (baseline, v1.0) and `restrictedVolumes` (restricted, v1.0): which
//! volume sources a pod may use.

use k8s_openapi::api::core::v1::Volume;

use super::{Forbidden, Outcome};
use crate::field_path::FieldPath;
use crate::pss::message::{SortedSet, pluralize, quote_list};
use crate::pss::pod::PodView;

fn volumes<'a>(pod: &PodView<'a>) -> impl Iterator<Item = (usize, &'a Volume)> + use<'a> {
    pod.spec.volumes.iter().flatten().enumerate()
}

fn volume_path(index: usize) -> FieldPath {
    FieldPath::fields(&["spec", "volumes"]).index(index)
}

/// Baseline v1.0: no `hostPath` volume.
pub(crate) fn host_path_v1_0(pod: &PodView<'_>) -> Outcome {
    let bad: Vec<(usize, &Volume)> = volumes(pod)
        .filter(|(_, v)| v.host_path.is_some())
        .collect();
    if bad.is_empty() {
        return None;
    }
    let detail = format!(
        "{} {}",
        pluralize(bad.len(), "volume", "volumes"),
        quote_list(bad.iter().map(|(_, v)| v.name.as_str()))
    );
    let paths = bad
        .iter()
        .map(|(index, _)| volume_path(*index).child("hostPath"))
        .collect();
    Some(Forbidden::new("hostPath volumes", detail, paths))
}

/// The volume sources restricted pods may use, by field name (what
/// `has_allowed_source` accepts).
pub(crate) const RESTRICTED_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// True if the volume uses one of the sources restricted pods may use.
fn has_allowed_source(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some()
}

/// The field name of the first forbidden source set, in upstream's order.
fn forbidden_source(v: &Volume) -> Option<&'static str> {
    let sources = [
        ("hostPath", v.host_path.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("nfs", v.nfs.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("rbd", v.rbd.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("cinder", v.cinder.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("flocker", v.flocker.is_some()),
        ("fc", v.fc.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("storageos", v.storageos.is_some()),
    ];
    sources
        .into_iter()
        .find_map(|(name, set)| set.then_some(name))
}

/// True if any volume source is set; the API server defaults a volume without one to
/// `emptyDir`.
pub(crate) fn has_source(v: &Volume) -> bool {
    has_allowed_source(v) || forbidden_source(v).is_some()
}

/// Restricted v1.0: only configMap, csi, downwardAPI, emptyDir, ephemeral, image,
/// persistentVolumeClaim, projected and secret volumes.
pub(crate) fn restricted_v1_0(pod: &PodView<'_>) -> Outcome {
    let mut names = Vec::new();
    let mut types = SortedSet::new();
    let mut paths = Vec::new();
    for (index, volume) in volumes(pod).filter(|(_, v)| !has_allowed_source(v)) {
        names.push(volume.name.as_str());
        if let Some(source) = forbidden_source(volume) {
            types.insert(source.to_owned());
            paths.push(volume_path(index).child(source));
        } else {
            types.insert("unknown".to_owned());
            paths.push(volume_path(index));
        }
    }
    if names.is_empty() {
        return None;
    }
    let detail = format!(
        "{} {} {} {} {}",
        pluralize(names.len(), "volume", "volumes"),
        quote_list(&names),
        pluralize(names.len(), "uses", "use"),
        pluralize(
            types.len(),
            "restricted volume type",
            "restricted volume types"
        ),
        quote_list(&types)
    );
    Some(Forbidden::new("restricted volume types", detail, paths))
}
