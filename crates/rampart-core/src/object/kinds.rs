//! The kinds of Kubernetes' built-in API groups: under which versions the API server has
//! served each (from 1.0 to today, old betas included), and the k8s-openapi type that
//! checks an object's field types.
//!
//! An object of a built-in group whose kind that group never served under its version is
//! refused as `kubectl apply` refuses it (`no matches for kind "Deployment" in version
//! "v1"`): the cluster would not run it, so checking it would only hide the mistake.
//! Groups the table does not know (custom resources, configuration files such as
//! `kubelet.config.k8s.io`) are read as they are.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use k8s_openapi::api as k;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ObjectRef;
use super::decode::{Mode, decode_object};
use super::typed::TypeError;
use crate::field_path::FieldPath;

/// Checks the field types of an object of one kind, and takes out the pod it carries.
type Check = fn(&Value) -> Result<TemplatePod, TypeError>;

fn check<T: DeserializeOwned>(value: &Value) -> Result<TemplatePod, TypeError> {
    decode_object::<T>(value, Mode::Check)
        .map(|_| TemplatePod::Unread)
        .map_err(|error| TypeError::at(&FieldPath::root(), &error))
}

/// [`check`] for a kind that carries a pod: the pod decoded on the way is kept, so that
/// it is not decoded a second time. (Only free-form JSON, which no pod spec holds, is
/// left out by [`Mode::Check`].)
fn check_pod<T: DeserializeOwned + CarriesPod>(value: &Value) -> Result<TemplatePod, TypeError> {
    decode_object::<T>(value, Mode::Check)
        .map(|object| match object.pod() {
            Some((meta, spec)) => TemplatePod::Read(Box::new((meta, spec))),
            None => TemplatePod::Absent,
        })
        .map_err(|error| TypeError::at(&FieldPath::root(), &error))
}

/// The pod of an object [`validate`] decoded, for kinds that carry one.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePod {
    /// Not decoded: the kind carries no pod, or not one rampart reads typed here.
    Unread,
    /// The kind carries a pod, and this object has none (a kustomize patch).
    Absent,
    /// The pod's metadata and spec (the template's, for a workload).
    Read(Box<(ObjectMeta, PodSpec)>),
}

/// Kinds whose objects carry a pod, at the place [`super::WorkloadKinds`] names.
trait CarriesPod {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)>;
}

fn template(template: k::core::v1::PodTemplateSpec) -> Option<(ObjectMeta, PodSpec)> {
    Some((template.metadata.unwrap_or_default(), template.spec?))
}

impl CarriesPod for k::core::v1::Pod {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        Some((self.metadata, self.spec?))
    }
}

impl CarriesPod for k::core::v1::PodTemplate {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.template?)
    }
}

impl CarriesPod for k::core::v1::ReplicationController {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec?.template?)
    }
}

impl CarriesPod for k::apps::v1::Deployment {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec.template)
    }
}

impl CarriesPod for k::apps::v1::ReplicaSet {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec.template?)
    }
}

impl CarriesPod for k::apps::v1::DaemonSet {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec.template)
    }
}

impl CarriesPod for k::apps::v1::StatefulSet {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec.template)
    }
}

impl CarriesPod for k::batch::v1::Job {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec?.template)
    }
}

impl CarriesPod for k::batch::v1::CronJob {
    fn pod(self) -> Option<(ObjectMeta, PodSpec)> {
        template(self.spec.job_template.spec?.template)
    }
}

/// A kind of a built-in group and the versions it was served under, with the type that
/// checks it (the type of one of those versions, used only where the versions agree on
/// the types of the fields they share).
struct Served {
    group: &'static str,
    kind: &'static str,
    versions: &'static [&'static str],
    check: Option<Check>,
}

macro_rules! served {
    ($($group:literal $kind:ident [$($version:literal),+] $(=> $(@$pod:ident)? $ty:ty)?;)*) => {
        &[$(Served {
            group: $group,
            kind: stringify!($kind),
            versions: &[$($version),+],
            check: served!(@check $($($pod)? $ty)?),
        },)*]
    };
    (@check) => { None };
    (@check pod $ty:ty) => { Some(check_pod::<$ty> as Check) };
    (@check $ty:ty) => { Some(check::<$ty> as Check) };
}

/// Every kind of the built-in groups. The first entry of a kind names its preferred
/// version first; `@pod` marks the kinds that carry a pod.
static SERVED: &[Served] = served! {
    "" Pod ["v1"] => @pod k::core::v1::Pod;
    "" PodTemplate ["v1"] => @pod k::core::v1::PodTemplate;
    "" ReplicationController ["v1"] => @pod k::core::v1::ReplicationController;
    "" Service ["v1"] => k::core::v1::Service;
    "" Endpoints ["v1"] => k::core::v1::Endpoints;
    "" ConfigMap ["v1"] => k::core::v1::ConfigMap;
    "" Secret ["v1"] => k::core::v1::Secret;
    "" Namespace ["v1"] => k::core::v1::Namespace;
    "" Node ["v1"] => k::core::v1::Node;
    "" ServiceAccount ["v1"] => k::core::v1::ServiceAccount;
    "" PersistentVolume ["v1"] => k::core::v1::PersistentVolume;
    "" PersistentVolumeClaim ["v1"] => k::core::v1::PersistentVolumeClaim;
    "" LimitRange ["v1"] => k::core::v1::LimitRange;
    "" ResourceQuota ["v1"] => k::core::v1::ResourceQuota;
    "" Event ["v1"] => k::core::v1::Event;
    "" Binding ["v1"] => k::core::v1::Binding;
    "" ComponentStatus ["v1"] => k::core::v1::ComponentStatus;
    "" Status ["v1"] => meta::Status;
    "" APIVersions ["v1"];
    "" APIGroupList ["v1"];
    "" APIGroup ["v1"];
    "" APIResourceList ["v1"];
    "" PodStatusResult ["v1"];
    "" RangeAllocation ["v1"];
    "" SerializedReference ["v1"];
    // Files the API server and kubectl read in the core group's version: a kubeconfig,
    // the 1.7–1.12 encryption configuration, the scheduler's policy file (until 1.23).
    "" Config ["v1"];
    "" EncryptionConfig ["v1"];
    "" Policy ["v1"];

    "apps" Deployment ["v1", "v1beta2", "v1beta1"] => @pod k::apps::v1::Deployment;
    "apps" StatefulSet ["v1", "v1beta2", "v1beta1"] => @pod k::apps::v1::StatefulSet;
    "apps" DaemonSet ["v1", "v1beta2"] => @pod k::apps::v1::DaemonSet;
    "apps" ReplicaSet ["v1", "v1beta2"] => @pod k::apps::v1::ReplicaSet;
    "apps" ControllerRevision ["v1", "v1beta2", "v1beta1"] => k::apps::v1::ControllerRevision;
    "apps" Scale ["v1beta2", "v1beta1"];
    "apps" DeploymentRollback ["v1beta1"];

    "extensions" Deployment ["v1beta1"] => @pod k::apps::v1::Deployment;
    "extensions" DaemonSet ["v1beta1"] => @pod k::apps::v1::DaemonSet;
    "extensions" ReplicaSet ["v1beta1"] => @pod k::apps::v1::ReplicaSet;
    "extensions" Ingress ["v1beta1"] => k::networking::v1::Ingress;
    "extensions" NetworkPolicy ["v1beta1"] => k::networking::v1::NetworkPolicy;
    "extensions" PodSecurityPolicy ["v1beta1"] => crate::psp::PodSecurityPolicy;
    "extensions" Scale ["v1beta1"];
    "extensions" DeploymentRollback ["v1beta1"];
    "extensions" ReplicationControllerDummy ["v1beta1"];
    "extensions" ThirdPartyResource ["v1beta1"];
    "extensions" HorizontalPodAutoscaler ["v1beta1"];
    "extensions" Job ["v1beta1"];

    "batch" Job ["v1"] => @pod k::batch::v1::Job;
    "batch" CronJob ["v1", "v1beta1", "v2alpha1"] => @pod k::batch::v1::CronJob;
    "batch" ScheduledJob ["v2alpha1"];

    "autoscaling" HorizontalPodAutoscaler ["v2", "v2beta2"] => k::autoscaling::v2::HorizontalPodAutoscaler;
    "autoscaling" HorizontalPodAutoscaler ["v1"] => k::autoscaling::v1::HorizontalPodAutoscaler;
    "autoscaling" HorizontalPodAutoscaler ["v2beta1"];
    "autoscaling" Scale ["v1"] => k::autoscaling::v1::Scale;

    "policy" PodDisruptionBudget ["v1", "v1beta1", "v1alpha1"] => k::policy::v1::PodDisruptionBudget;
    "policy" Eviction ["v1", "v1beta1"] => k::policy::v1::Eviction;
    "policy" PodSecurityPolicy ["v1beta1"] => crate::psp::PodSecurityPolicy;

    "networking.k8s.io" NetworkPolicy ["v1"] => k::networking::v1::NetworkPolicy;
    "networking.k8s.io" Ingress ["v1", "v1beta1"] => k::networking::v1::Ingress;
    "networking.k8s.io" IngressClass ["v1", "v1beta1"] => k::networking::v1::IngressClass;
    "networking.k8s.io" IPAddress ["v1", "v1beta1", "v1alpha1"] => k::networking::v1::IPAddress;
    "networking.k8s.io" ServiceCIDR ["v1", "v1beta1", "v1alpha1"] => k::networking::v1::ServiceCIDR;
    "networking.k8s.io" ClusterCIDR ["v1alpha1"];

    "rbac.authorization.k8s.io" Role ["v1", "v1beta1", "v1alpha1"] => k::rbac::v1::Role;
    "rbac.authorization.k8s.io" ClusterRole ["v1", "v1beta1", "v1alpha1"] => k::rbac::v1::ClusterRole;
    "rbac.authorization.k8s.io" RoleBinding ["v1", "v1beta1", "v1alpha1"] => k::rbac::v1::RoleBinding;
    "rbac.authorization.k8s.io" ClusterRoleBinding ["v1", "v1beta1", "v1alpha1"] => k::rbac::v1::ClusterRoleBinding;

    "storage.k8s.io" StorageClass ["v1", "v1beta1"] => k::storage::v1::StorageClass;
    "storage.k8s.io" VolumeAttachment ["v1", "v1beta1", "v1alpha1"] => k::storage::v1::VolumeAttachment;
    "storage.k8s.io" CSIDriver ["v1", "v1beta1"] => k::storage::v1::CSIDriver;
    "storage.k8s.io" CSINode ["v1", "v1beta1"] => k::storage::v1::CSINode;
    "storage.k8s.io" CSIStorageCapacity ["v1", "v1beta1", "v1alpha1"] => k::storage::v1::CSIStorageCapacity;
    "storage.k8s.io" VolumeAttributesClass ["v1", "v1beta1", "v1alpha1"] => k::storage::v1::VolumeAttributesClass;

    "admissionregistration.k8s.io" ValidatingWebhookConfiguration ["v1", "v1beta1"] => k::admissionregistration::v1::ValidatingWebhookConfiguration;
    "admissionregistration.k8s.io" MutatingWebhookConfiguration ["v1", "v1beta1"] => k::admissionregistration::v1::MutatingWebhookConfiguration;
    "admissionregistration.k8s.io" ValidatingAdmissionPolicy ["v1", "v1beta1", "v1alpha1"] => k::admissionregistration::v1::ValidatingAdmissionPolicy;
    "admissionregistration.k8s.io" ValidatingAdmissionPolicyBinding ["v1", "v1beta1", "v1alpha1"] => k::admissionregistration::v1::ValidatingAdmissionPolicyBinding;
    "admissionregistration.k8s.io" MutatingAdmissionPolicy ["v1"] => k::admissionregistration::v1::MutatingAdmissionPolicy;
    "admissionregistration.k8s.io" MutatingAdmissionPolicy ["v1beta1"] => k::admissionregistration::v1beta1::MutatingAdmissionPolicy;
    "admissionregistration.k8s.io" MutatingAdmissionPolicy ["v1alpha1"] => k::admissionregistration::v1alpha1::MutatingAdmissionPolicy;
    "admissionregistration.k8s.io" MutatingAdmissionPolicyBinding ["v1"] => k::admissionregistration::v1::MutatingAdmissionPolicyBinding;
    "admissionregistration.k8s.io" MutatingAdmissionPolicyBinding ["v1beta1"] => k::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding;
    "admissionregistration.k8s.io" MutatingAdmissionPolicyBinding ["v1alpha1"] => k::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding;
    "admissionregistration.k8s.io" InitializerConfiguration ["v1alpha1"];

    "apiextensions.k8s.io" CustomResourceDefinition ["v1"] => apiextensions::CustomResourceDefinition;
    "apiextensions.k8s.io" CustomResourceDefinition ["v1beta1"];
    "apiregistration.k8s.io" APIService ["v1", "v1beta1"] => apiregistration::APIService;

    "certificates.k8s.io" CertificateSigningRequest ["v1", "v1beta1"] => k::certificates::v1::CertificateSigningRequest;
    "certificates.k8s.io" ClusterTrustBundle ["v1"] => k::certificates::v1::ClusterTrustBundle;
    "certificates.k8s.io" ClusterTrustBundle ["v1beta1"] => k::certificates::v1beta1::ClusterTrustBundle;
    "certificates.k8s.io" ClusterTrustBundle ["v1alpha1"];
    "certificates.k8s.io" PodCertificateRequest ["v1"] => k::certificates::v1::PodCertificateRequest;
    "certificates.k8s.io" PodCertificateRequest ["v1beta1"] => k::certificates::v1beta1::PodCertificateRequest;
    "certificates.k8s.io" PodCertificateRequest ["v1alpha1"];

    "coordination.k8s.io" Lease ["v1", "v1beta1"] => k::coordination::v1::Lease;
    "coordination.k8s.io" LeaseCandidate ["v1beta1"] => k::coordination::v1beta1::LeaseCandidate;
    "coordination.k8s.io" LeaseCandidate ["v1alpha2"] => k::coordination::v1alpha2::LeaseCandidate;
    "coordination.k8s.io" LeaseCandidate ["v1alpha1"];

    "discovery.k8s.io" EndpointSlice ["v1", "v1beta1"] => k::discovery::v1::EndpointSlice;
    "discovery.k8s.io" EndpointSlice ["v1alpha1"];
    "events.k8s.io" Event ["v1", "v1beta1"] => k::events::v1::Event;

    "flowcontrol.apiserver.k8s.io" FlowSchema ["v1", "v1beta3", "v1beta2", "v1beta1", "v1alpha1"] => k::flowcontrol::v1::FlowSchema;
    "flowcontrol.apiserver.k8s.io" PriorityLevelConfiguration ["v1", "v1beta3", "v1beta2", "v1beta1", "v1alpha1"] => k::flowcontrol::v1::PriorityLevelConfiguration;

    "node.k8s.io" RuntimeClass ["v1", "v1beta1"] => k::node::v1::RuntimeClass;
    "node.k8s.io" RuntimeClass ["v1alpha1"];

    "scheduling.k8s.io" PriorityClass ["v1", "v1beta1", "v1alpha1"] => k::scheduling::v1::PriorityClass;
    "scheduling.k8s.io" Workload ["v1beta1"] => k::scheduling::v1beta1::Workload;
    "scheduling.k8s.io" Workload ["v1alpha3"] => k::scheduling::v1alpha3::Workload;
    "scheduling.k8s.io" PodGroup ["v1beta1"] => k::scheduling::v1beta1::PodGroup;
    "scheduling.k8s.io" PodGroup ["v1alpha3"] => k::scheduling::v1alpha3::PodGroup;
    "scheduling.k8s.io" CompositePodGroup ["v1alpha3"] => k::scheduling::v1alpha3::CompositePodGroup;

    "settings.k8s.io" PodPreset ["v1alpha1"];

    "authentication.k8s.io" TokenReview ["v1", "v1beta1"] => k::authentication::v1::TokenReview;
    "authentication.k8s.io" TokenRequest ["v1"] => k::authentication::v1::TokenRequest;
    "authentication.k8s.io" SelfSubjectReview ["v1", "v1beta1", "v1alpha1"] => k::authentication::v1::SelfSubjectReview;
    "authorization.k8s.io" SubjectAccessReview ["v1", "v1beta1"] => k::authorization::v1::SubjectAccessReview;
    "authorization.k8s.io" SelfSubjectAccessReview ["v1", "v1beta1"] => k::authorization::v1::SelfSubjectAccessReview;
    "authorization.k8s.io" LocalSubjectAccessReview ["v1", "v1beta1"] => k::authorization::v1::LocalSubjectAccessReview;
    "authorization.k8s.io" SelfSubjectRulesReview ["v1", "v1beta1"] => k::authorization::v1::SelfSubjectRulesReview;

    "resource.k8s.io" DeviceClass ["v1"] => k::resource::v1::DeviceClass;
    "resource.k8s.io" DeviceClass ["v1beta2"] => k::resource::v1beta2::DeviceClass;
    "resource.k8s.io" DeviceClass ["v1beta1"] => k::resource::v1beta1::DeviceClass;
    "resource.k8s.io" ResourceClaim ["v1"] => k::resource::v1::ResourceClaim;
    "resource.k8s.io" ResourceClaim ["v1beta2"] => k::resource::v1beta2::ResourceClaim;
    "resource.k8s.io" ResourceClaim ["v1beta1"] => k::resource::v1beta1::ResourceClaim;
    "resource.k8s.io" ResourceClaimTemplate ["v1"] => k::resource::v1::ResourceClaimTemplate;
    "resource.k8s.io" ResourceClaimTemplate ["v1beta2"] => k::resource::v1beta2::ResourceClaimTemplate;
    "resource.k8s.io" ResourceClaimTemplate ["v1beta1"] => k::resource::v1beta1::ResourceClaimTemplate;
    "resource.k8s.io" ResourceSlice ["v1"] => k::resource::v1::ResourceSlice;
    "resource.k8s.io" ResourceSlice ["v1beta2"] => k::resource::v1beta2::ResourceSlice;
    "resource.k8s.io" ResourceSlice ["v1beta1"] => k::resource::v1beta1::ResourceSlice;
    "resource.k8s.io" DeviceTaintRule ["v1"] => k::resource::v1::DeviceTaintRule;
    "resource.k8s.io" DeviceTaintRule ["v1beta2"] => k::resource::v1beta2::DeviceTaintRule;
    "resource.k8s.io" DeviceTaintRule ["v1alpha3"] => k::resource::v1alpha3::DeviceTaintRule;
    "resource.k8s.io" ResourcePoolStatusRequest ["v1alpha3"] => k::resource::v1alpha3::ResourcePoolStatusRequest;
    "resource.k8s.io" PodSchedulingContext ["v1alpha3", "v1alpha2"];
    "resource.k8s.io" PodScheduling ["v1alpha1"];
    "resource.k8s.io" ResourceClass ["v1alpha2", "v1alpha1"];
    "resource.k8s.io" ResourceClaimParameters ["v1alpha2"];
    "resource.k8s.io" ResourceClassParameters ["v1alpha2"];

    "internal.apiserver.k8s.io" StorageVersion ["v1alpha1"] => k::apiserverinternal::v1alpha1::StorageVersion;
    "storagemigration.k8s.io" StorageVersionMigration ["v1"] => k::storagemigration::v1::StorageVersionMigration;
    "storagemigration.k8s.io" StorageVersionMigration ["v1beta1"] => k::storagemigration::v1beta1::StorageVersionMigration;
    "storagemigration.k8s.io" StorageVersionMigration ["v1alpha1"];
    "lifecycle.k8s.io" Eviction ["v1alpha1"] => k::lifecycle::v1alpha1::Eviction;
    "lifecycle.k8s.io" EvictionRequest ["v1alpha1"] => k::lifecycle::v1alpha1::EvictionRequest;

    // Messages of the webhooks the API server calls, kept as files by their authors.
    "admission.k8s.io" AdmissionReview ["v1", "v1beta1"];
    "imagepolicy.k8s.io" ImageReview ["v1alpha1"];
};

/// Kinds every version of every built-in group knows (API machinery's own).
const META_KINDS: &[&str] = &[
    "List",
    "Status",
    "WatchEvent",
    "DeleteOptions",
    "ListOptions",
    "GetOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "Table",
    "PartialObjectMetadata",
    "PartialObjectMetadataList",
];

/// The table, indexed by group and kind.
struct Index {
    groups: HashSet<&'static str>,
    by_kind: HashMap<(&'static str, &'static str), Vec<&'static Served>>,
    /// Every group a kind is in, for hints.
    groups_of: HashMap<&'static str, Vec<&'static Served>>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut index = Index {
        groups: HashSet::new(),
        by_kind: HashMap::new(),
        groups_of: HashMap::new(),
    };
    for served in SERVED {
        index.groups.insert(served.group);
        index
            .by_kind
            .entry((served.group, served.kind))
            .or_default()
            .push(served);
        index.groups_of.entry(served.kind).or_default().push(served);
    }
    index
});

/// An object the API server would not take: a kind its group does not serve under the
/// object's version, or a field of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidObject {
    /// The field at fault (`apiVersion` or `kind` for a kind that is not served).
    pub path: FieldPath,
    /// The whole message, e.g. `no matches for kind "Deployment" in version "v1"` or
    /// `spec.replicas: invalid type: expected integer, got string "three"`.
    pub message: String,
}

impl std::fmt::Display for InvalidObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidObject {}

impl From<TypeError> for InvalidObject {
    fn from(error: TypeError) -> Self {
        Self {
            message: error.to_string(),
            path: error.path,
        }
    }
}

/// Checks an object against the built-in API: an object of a built-in group must have a
/// kind the group served under its version, and fields of the types of that kind (as
/// the API server decodes them: unknown fields are left to the `ignored-field` rule,
/// absent ones are not required). Objects of other groups pass.
/// The pod of a kind that carries one comes back decoded ([`TemplatePod`]).
pub fn validate(id: &ObjectRef, value: &Value) -> Result<TemplatePod, InvalidObject> {
    let (group, version) = id
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", id.api_version.as_str()));
    let index = &*INDEX;
    if !index.groups.contains(group) {
        return Ok(TemplatePod::Unread);
    }
    let entries = index.by_kind.get(&(group, id.kind.as_str()));
    let served = entries.and_then(|entries| {
        entries
            .iter()
            .find(|served| served.versions.contains(&version))
    });
    if let Some(served) = served {
        return match served.check {
            Some(check) => check(value).map_err(InvalidObject::from),
            None => Ok(TemplatePod::Unread),
        };
    }
    let meta = META_KINDS.contains(&id.kind.as_str())
        || id
            .kind
            .strip_suffix("List")
            .is_some_and(|item| is_served(group, item, version));
    // Alpha versions come and go between releases; a kind the group has is accepted in
    // any of them rather than refused on an incomplete list.
    if meta || (entries.is_some() && is_alpha(version)) {
        return Ok(TemplatePod::Unread);
    }
    Err(not_served(id, group))
}

fn is_served(group: &str, kind: &str, version: &str) -> bool {
    INDEX
        .by_kind
        .get(&(group, kind))
        .is_some_and(|entries| entries.iter().any(|s| s.versions.contains(&version)))
}

/// `v1alpha1`, `v2alpha3`...
fn is_alpha(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|rest| rest.split_once("alpha"))
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// kubectl's words for a kind that is not served, with a hint: where the kind is served,
/// or the group's kind it is likely a misspelling of.
fn not_served(id: &ObjectRef, group: &str) -> InvalidObject {
    let mut message = format!(
        "no matches for kind {:?} in version {:?}",
        id.kind, id.api_version
    );
    let elsewhere = INDEX.groups_of.get(id.kind.as_str());
    let path = if let Some(first) = elsewhere.and_then(|all| all.first()) {
        let preferred = match first.group {
            "" => first.versions[0].to_owned(),
            g => format!("{g}/{}", first.versions[0]),
        };
        message.push_str(&format!(" ({} is served as {preferred})", id.kind));
        FieldPath::root().child("apiVersion")
    } else {
        if let Some(near) = nearest_kind(group, &id.kind) {
            message.push_str(&format!(" (did you mean {near:?}?)"));
        }
        FieldPath::root().child("kind")
    };
    InvalidObject { path, message }
}

/// The group's kind closest to `kind` (same letters in another case, or at most two
/// edits away).
fn nearest_kind(group: &str, kind: &str) -> Option<&'static str> {
    SERVED
        .iter()
        .filter(|served| served.group == group)
        .map(|served| served.kind)
        .map(|candidate| {
            let distance = if candidate.eq_ignore_ascii_case(kind) {
                0
            } else {
                edit_distance(&candidate.to_ascii_lowercase(), &kind.to_ascii_lowercase())
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, with adjacent transpositions counting as one edit (strsim's
/// optimal string alignment distance).
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::Resource;
    use serde_json::json;

    use super::*;

    fn checked(value: &Value) -> Result<(), InvalidObject> {
        validate(&ObjectRef::of(value), value).map(drop)
    }

    #[test]
    fn a_known_kind_under_a_version_never_served_is_refused_at_api_version() {
        let error = checked(&json!({"apiVersion": "v1", "kind": "Deployment"}))
            .expect_err("Deployment is not in the core group");
        assert_eq!(error.path.to_string(), "apiVersion");
        assert_eq!(
            error.message,
            "no matches for kind \"Deployment\" in version \"v1\" (Deployment is served as apps/v1)"
        );
        let error = checked(&json!({"apiVersion": "apps/v1", "kind": "CronJob"}))
            .expect_err("CronJob is in batch");
        assert!(error.message.contains("served as batch/v1"), "{error}");
        let error = checked(&json!({"apiVersion": "batch/v1beta1", "kind": "Job"}))
            .expect_err("Job was never in batch/v1beta1");
        assert_eq!(error.path.to_string(), "apiVersion");
    }

    #[test]
    fn a_misspelt_kind_of_a_built_in_group_is_refused_at_kind_with_a_hint() {
        let error =
            checked(&json!({"apiVersion": "apps/v1", "kind": "Deploymnet"})).expect_err("misspelt");
        assert_eq!(error.path.to_string(), "kind");
        assert_eq!(
            error.message,
            "no matches for kind \"Deploymnet\" in version \"apps/v1\" (did you mean \"Deployment\"?)"
        );
        let error = checked(&json!({"apiVersion": "v1", "kind": "pod"})).expect_err("case");
        assert!(
            error.message.ends_with("(did you mean \"Pod\"?)"),
            "{error}"
        );
        let error =
            checked(&json!({"apiVersion": "apps/v1", "kind": "Frobnicator"})).expect_err("unknown");
        assert_eq!(
            error.message,
            "no matches for kind \"Frobnicator\" in version \"apps/v1\""
        );
    }

    #[test]
    fn old_versions_and_other_groups_are_read() {
        for (api_version, kind) in [
            ("extensions/v1beta1", "Deployment"),
            ("apps/v1beta2", "Deployment"),
            ("apps/v1beta1", "StatefulSet"),
            ("batch/v1beta1", "CronJob"),
            ("policy/v1beta1", "PodSecurityPolicy"),
            ("extensions/v1beta1", "PodSecurityPolicy"),
            ("policy/v1beta1", "PodDisruptionBudget"),
            ("networking.k8s.io/v1beta1", "Ingress"),
            ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
            (
                "admissionregistration.k8s.io/v1alpha1",
                "InitializerConfiguration",
            ),
            ("v1", "List"),
            ("v1", "Config"),
            ("apps/v1", "DeploymentList"),
            ("resource.k8s.io/v1alpha9", "ResourceClaim"),
            ("example.com/v1", "Anything"),
            ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"),
        ] {
            let object = json!({"apiVersion": api_version, "kind": kind});
            assert_eq!(checked(&object), Ok(()), "{api_version} {kind}");
        }
        let error = checked(&json!({"apiVersion": "apps/v1", "kind": "PodList"}))
            .expect_err("no pods in apps");
        assert_eq!(error.path.to_string(), "kind");
    }

    #[test]
    fn wrong_types_anywhere_in_a_known_kind_are_errors_with_their_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "spec": {"replicas": "three"}});
        let error = checked(&deployment).expect_err("replicas is an integer");
        assert_eq!(error.path.to_string(), "spec.replicas");
        assert_eq!(
            error.message,
            "spec.replicas: invalid type: expected integer, got string \"three\""
        );
        // An old version is checked with the type of the current one.
        let old = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment",
            "spec": {"template": {"spec": {"containers": [{"name": "a", "tty": "yes"}]}}}});
        let error = checked(&old).expect_err("tty is a boolean");
        assert_eq!(
            error.path.to_string(),
            "spec.template.spec.containers[0].tty"
        );
        let service = json!({"apiVersion": "v1", "kind": "Service",
            "spec": {"ports": [{"port": "http"}]}});
        assert_eq!(
            checked(&service)
                .expect_err("port is an integer")
                .path
                .to_string(),
            "spec.ports[0].port"
        );
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "rules": [{"verbs": "get", "resources": ["pods"]}]});
        assert_eq!(
            checked(&role)
                .expect_err("verbs is a list")
                .path
                .to_string(),
            "rules[0].verbs"
        );
        let psp = json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
            "spec": {"privileged": "no"}});
        assert_eq!(
            checked(&psp)
                .expect_err("privileged is a boolean")
                .path
                .to_string(),
            "spec.privileged"
        );
        let custom = json!({"apiVersion": "example.com/v1", "kind": "Thing",
            "spec": {"replicas": "three"}});
        assert_eq!(checked(&custom), Ok(()));
    }

    #[test]
    fn partial_objects_and_unknown_fields_pass() {
        let patch = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {}}]}}},
            "extra": {"anything": [1, "two"]}});
        assert_eq!(checked(&patch), Ok(()));
    }

    #[test]
    fn every_kind_the_types_know_today_is_in_the_table_at_its_version() {
        fn served<T: Resource>() -> (&'static str, &'static str) {
            (T::API_VERSION, T::KIND)
        }
        let today = [
            served::<k::core::v1::Pod>(),
            served::<k::apps::v1::Deployment>(),
            served::<k::batch::v1::CronJob>(),
            served::<k::networking::v1::NetworkPolicy>(),
            served::<k::policy::v1::PodDisruptionBudget>(),
            served::<k::rbac::v1::ClusterRoleBinding>(),
            served::<k::autoscaling::v2::HorizontalPodAutoscaler>(),
            served::<k::storage::v1::CSIDriver>(),
            served::<k::admissionregistration::v1::ValidatingAdmissionPolicy>(),
            served::<k::certificates::v1::ClusterTrustBundle>(),
            served::<k::coordination::v1alpha2::LeaseCandidate>(),
            served::<k::discovery::v1::EndpointSlice>(),
            served::<k::flowcontrol::v1::FlowSchema>(),
            served::<k::resource::v1::ResourceClaim>(),
            served::<k::resource::v1alpha3::DeviceTaintRule>(),
            served::<k::scheduling::v1alpha3::CompositePodGroup>(),
            served::<k::storagemigration::v1beta1::StorageVersionMigration>(),
            served::<k::lifecycle::v1alpha1::EvictionRequest>(),
            served::<apiextensions::CustomResourceDefinition>(),
            served::<apiregistration::APIService>(),
        ];
        for (api_version, kind) in today {
            let object = json!({"apiVersion": api_version, "kind": kind});
            assert_eq!(checked(&object), Ok(()), "{api_version} {kind}");
        }
    }

    #[test]
    fn the_pod_of_a_workload_comes_back_decoded() {
        let cron = json!({"apiVersion": "batch/v1beta1", "kind": "CronJob",
            "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "x"}]}}}}}});
        let TemplatePod::Read(pod) = validate(&ObjectRef::of(&cron), &cron).expect("valid") else {
            panic!("a CronJob carries a pod");
        };
        assert_eq!(pod.1.containers[0].name, "c");
        assert_eq!(pod.0.labels.as_ref().map(|l| l["a"].as_str()), Some("b"));
        let patch = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2}});
        assert_eq!(
            validate(&ObjectRef::of(&patch), &patch),
            Ok(TemplatePod::Absent)
        );
        let service = json!({"apiVersion": "v1", "kind": "Service"});
        assert_eq!(
            validate(&ObjectRef::of(&service), &service),
            Ok(TemplatePod::Unread)
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("deployment", "deploymnet"), 1);
        assert_eq!(edit_distance("pod", "pods"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("service", "servce"), 1);
        assert_eq!(edit_distance("job", "cronjob"), 4);
    }
}
