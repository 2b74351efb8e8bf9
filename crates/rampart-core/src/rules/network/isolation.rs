//! Namespaces whose pods no NetworkPolicy isolates for ingress: what `rampart netpol
//! isolation` lists as open, one finding per namespace.

use std::collections::{BTreeMap, HashSet};

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::netpol::Cluster;
use crate::netpol::load::{NetworkObject, network_object};
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

/// How many open pods a message names before it counts the rest.
const NAMED: usize = 10;

pub(super) const NAMESPACE_INGRESS_NOT_ISOLATED: RunRule = RunRule {
    meta: RuleMeta {
        id: "namespace-ingress-not-isolated",
        severity: Severity::Medium,
        title: "Namespace has pods no NetworkPolicy isolates for ingress",
        why: "A pod no NetworkPolicy selects for ingress accepts connections from every pod of \
              the cluster: one compromised pod anywhere can reach it. Judged from the scan's \
              NetworkPolicies, exactly as `rampart netpol isolation` does, for the namespaces \
              the scan defines (a Namespace object) or holds a NetworkPolicy for; namespaces \
              whose workloads are the only thing in the scan are left alone, since their \
              policies are likely managed elsewhere. One finding per namespace, on its \
              Namespace object when the scan has it. Egress isolation is not required here \
              (a default deny of egress must allow DNS and the API); egress to the cloud \
              metadata address is `cloud-metadata-reachable`.",
        fix: "Add a default-deny ingress policy to the namespace (`podSelector: {}`, \
              `policyTypes: [Ingress]`) and policies that allow the traffic each workload \
              needs.",
        references: &[
            "CIS 5.3.2",
            "NSA/CISA Kubernetes Hardening: network separation",
            "kube-linter non-isolated-pod",
            "kubescape C-0054",
        ],
    },
    fix: None,
    check: check_isolation,
};

/// What the run holds about one namespace.
#[derive(Default)]
struct NamespaceRun {
    /// Its Namespace object.
    object: Option<usize>,
    /// Whether a NetworkPolicy of the run is in it.
    has_policy: bool,
    /// Its pods and workloads, once per endpoint id (`ns/name`), with the object index.
    endpoints: Vec<(usize, String)>,
    seen: HashSet<String>,
}

fn check_isolation(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let mut builder = Cluster::builder();
    let mut namespaces: BTreeMap<String, NamespaceRun> = BTreeMap::new();
    for (index, object) in ctx.objects.iter().enumerate() {
        let Ok(Some(network)) = network_object(&object.id, &object.value(), ctx.workloads) else {
            continue;
        };
        match &network {
            NetworkObject::Namespace(ns) => {
                let name = ns.metadata.name.clone().unwrap_or_default();
                let entry = namespaces.entry(name).or_default();
                entry.object = entry.object.or(Some(index));
            }
            NetworkObject::Policy(policy) => {
                let name = policy.metadata.namespace.as_deref().unwrap_or("default");
                namespaces.entry(name.to_owned()).or_default().has_policy = true;
            }
            NetworkObject::Endpoint(endpoint) => {
                let namespace = namespaces.entry(endpoint.namespace.clone()).or_default();
                if namespace.seen.insert(endpoint.id()) {
                    namespace.endpoints.push((index, endpoint.id()));
                }
            }
            NetworkObject::Node(_)
            | NetworkObject::Service(_)
            | NetworkObject::ServiceAddresses(_) => {}
        }
        builder = builder.object(network);
    }
    let (cluster, _invalid_policies) = builder.build();
    let isolated: HashSet<String> = cluster.isolation().ingress.into_iter().collect();
    for (name, namespace) in &namespaces {
        if namespace.object.is_none() && !namespace.has_policy {
            continue;
        }
        let open: Vec<&(usize, String)> = namespace
            .endpoints
            .iter()
            .filter(|(_, id)| !isolated.contains(id))
            .collect();
        let Some(&&(first_open, _)) = open.first() else {
            continue;
        };
        let (object, path) = match namespace.object {
            Some(index) => (index, FieldPath::fields(&["metadata", "name"])),
            None => {
                let id = &ctx.objects[first_open].id;
                let spec = ctx
                    .workloads
                    .template_of(id)
                    .map_or_else(FieldPath::root, |location| location.spec);
                (first_open, spec)
            }
        };
        out.report(
            object,
            path,
            message(name, &open, namespace.endpoints.len()),
        );
    }
}

/// `namespace shop: 2 of 3 pods and workloads ...: shop/web, shop/api`.
fn message(namespace: &str, open: &[&(usize, String)], total: usize) -> String {
    let names: Vec<&str> = open.iter().take(NAMED).map(|(_, id)| id.as_str()).collect();
    let more = open.len().saturating_sub(NAMED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "namespace {namespace}: {} of {total} pods and workloads are not isolated for ingress \
         by any NetworkPolicy, so every pod of the cluster can connect to them: {}{more}",
        open.len(),
        names.join(", ")
    )
}
