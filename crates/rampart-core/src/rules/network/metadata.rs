//! Pods that can reach the cloud provider's metadata service.

use std::net::{IpAddr, Ipv4Addr};

use crate::finding::Severity;
use crate::netpol::load::{NetworkObject, network_object};
use crate::netpol::{Cluster, Endpoint, Peer, Protocol};
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

/// The link-local address of the AWS, GCP, Azure, OpenStack... metadata services.
pub(crate) const METADATA_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));

pub(super) const CLOUD_METADATA_REACHABLE: RunRule = RunRule {
    meta: RuleMeta {
        id: "cloud-metadata-reachable",
        severity: Severity::Medium,
        title: "Pod can reach the cloud metadata address 169.254.169.254",
        why: "The metadata service hands out the node's cloud credentials; a compromised pod that \
              can reach it can often act as the node in the cloud account. Judged from the \
              NetworkPolicies in the same scan: egress not isolated, an egress rule whose ipBlock \
              does not except the address, or a host-network pod (policies do not apply).",
        fix: "Add an egress NetworkPolicy for the namespace whose ipBlocks except \
              `169.254.169.254/32` (or block the address on the nodes / use IMDSv2 hop limits \
              and workload identity).",
        references: &[
            "NSA/CISA Kubernetes Hardening: network separation",
            "CIS 5.3.2",
            "MITRE ATT&CK T1552.005",
        ],
    },
    fix: None,
    check: check_metadata,
};

fn check_metadata(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let mut builder = Cluster::builder();
    let mut endpoints: Vec<(usize, Endpoint)> = Vec::new();
    for (index, object) in ctx.objects.iter().enumerate() {
        match network_object(&object.id, &object.value(), ctx.workloads) {
            Ok(Some(NetworkObject::Endpoint(endpoint))) => {
                endpoints.push((index, (*endpoint).clone()));
                builder = builder.endpoint(*endpoint);
            }
            Ok(Some(other)) => builder = builder.object(other),
            Ok(None) | Err(_) => {}
        }
    }
    let (cluster, _invalid_policies) = builder.build();
    for (index, endpoint) in endpoints {
        let object = &ctx.objects[index];
        let Some(location) = ctx.workloads.template_of(&object.id) else {
            continue;
        };
        if endpoint.host_network {
            out.report(
                index,
                location.spec.child("hostNetwork"),
                "host-network pod: NetworkPolicies do not apply to it, so it can reach 169.254.169.254",
            );
            continue;
        }
        let peer = Peer::Endpoint {
            namespace: endpoint.namespace.clone(),
            name: endpoint.name.clone(),
        };
        let Ok(verdict) = cluster.can_reach_ip(&peer, METADATA_ADDRESS, 80, Protocol::Tcp) else {
            continue;
        };
        if !verdict.allowed {
            continue;
        }
        let why = if verdict.egress.isolated {
            format!("egress allowed by {}", verdict.egress.allowed_by.join(", "))
        } else {
            "no NetworkPolicy isolates its egress".to_owned()
        };
        out.report(
            index,
            location.spec.clone(),
            format!("pod can reach the cloud metadata address 169.254.169.254: {why}"),
        );
    }
}
