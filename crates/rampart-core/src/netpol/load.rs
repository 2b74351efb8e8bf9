//! Building a [`Cluster`](super::Cluster) from ordinary manifests: Namespaces, Nodes,
//! NetworkPolicies, Services (with the Endpoints and EndpointSlices of those without a
//! selector), Pods, and workloads as endpoints named after the workload.

use k8s_openapi::api::core::v1::{Endpoints, Namespace, Node, Pod, PodSpec, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::{ClusterBuilder, Endpoint, ServiceAddresses};
use crate::field_path::FieldPath;
use crate::kinds::{self, GroupKind};
use crate::object::typed::typed_at;
use crate::object::{ObjectRef, TypeError, WorkloadKinds};

/// What a manifest object contributes to the network model.
#[derive(Debug, Clone)]
pub enum NetworkObject {
    /// A Namespace (labels for namespaceSelector).
    Namespace(Box<Namespace>),
    /// A Node (InternalIP addresses).
    Node(Box<Node>),
    /// A NetworkPolicy.
    Policy(Box<NetworkPolicy>),
    /// A Pod, or a workload's pods as one endpoint.
    Endpoint(Box<Endpoint>),
    /// A Service (cluster IPs, selector, ports).
    Service(Box<Service>),
    /// The addresses behind a Service (Endpoints, EndpointSlice).
    ServiceAddresses(Box<ServiceAddresses>),
}

fn typed<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, TypeError> {
    typed_at::<T>(value, &FieldPath::root())?.ok_or_else(|| TypeError {
        path: FieldPath::root(),
        message: "empty object".to_owned(),
    })
}

/// Reads one object into the network model; `Ok(None)` for kinds that do not matter.
pub fn network_object(
    id: &ObjectRef,
    value: &Value,
    workloads: &WorkloadKinds,
) -> Result<Option<NetworkObject>, TypeError> {
    Ok(Some(match GroupKind::of(id) {
        kinds::NAMESPACE => NetworkObject::Namespace(Box::new(typed(value)?)),
        kinds::NODE => NetworkObject::Node(Box::new(typed(value)?)),
        kinds::SERVICE => NetworkObject::Service(Box::new(typed(value)?)),
        kinds::ENDPOINTS => {
            NetworkObject::ServiceAddresses(Box::new(ServiceAddresses::from_endpoints(&typed::<
                Endpoints,
            >(
                value
            )?)))
        }
        kinds::ENDPOINT_SLICE => {
            match ServiceAddresses::from_slice(&typed::<EndpointSlice>(value)?) {
                Some(addresses) => NetworkObject::ServiceAddresses(Box::new(addresses)),
                None => return Ok(None),
            }
        }
        kinds::NETWORK_POLICY => NetworkObject::Policy(Box::new(typed(value)?)),
        kinds::POD => NetworkObject::Endpoint(Box::new(Endpoint::from_pod(&typed::<Pod>(value)?))),
        _ => {
            let Some(location) = workloads.template_of(id) else {
                return Ok(None);
            };
            let Some(spec) = typed_at::<PodSpec>(value, &location.spec)? else {
                return Ok(None);
            };
            let template = typed_at::<ObjectMeta>(value, &location.metadata)?.unwrap_or_default();
            let pod = Pod {
                metadata: ObjectMeta {
                    name: id.name.clone(),
                    namespace: id.namespace.clone(),
                    labels: template.labels,
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
                status: None,
            };
            NetworkObject::Endpoint(Box::new(Endpoint::from_pod(&pod)))
        }
    }))
}

impl ClusterBuilder {
    /// Adds an object read by [`network_object`].
    pub fn object(self, object: NetworkObject) -> Self {
        match object {
            NetworkObject::Namespace(ns) => self.namespace(&ns),
            NetworkObject::Node(node) => self.node(&node),
            NetworkObject::Policy(policy) => self.policy(&policy),
            NetworkObject::Endpoint(endpoint) => self.endpoint(*endpoint),
            NetworkObject::Service(service) => self.service(&service),
            NetworkObject::ServiceAddresses(addresses) => self.service_addresses(*addresses),
        }
    }
}
