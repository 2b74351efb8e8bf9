//! The risky-permission catalogue (spec `cluster.md` §5.2): what a policy rule hands out
//! that leads to more privilege, as requests the RBAC matcher answers.

use super::matcher::{ResourceRequest, RuleFields};

/// A dangerous permission: any of its probes granted is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risk {
    /// Short name used in messages, e.g. `read secrets`.
    pub name: &'static str,
    /// The requests that amount to it.
    pub probes: &'static [Probe],
}

/// A family of requests: every verb on every resource listed, in one API group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// API group (`""` for core).
    pub group: &'static str,
    /// `resource` or `resource/subresource`.
    pub resources: &'static [&'static str],
    /// Verbs, any of which is enough.
    pub verbs: &'static [&'static str],
    /// Cluster-scoped resources: a RoleBinding cannot grant them.
    pub cluster_scoped: bool,
}

const fn probe(
    group: &'static str,
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> Probe {
    Probe {
        group,
        resources,
        verbs,
        cluster_scoped: false,
    }
}

const fn cluster_probe(
    group: &'static str,
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> Probe {
    Probe {
        cluster_scoped: true,
        ..probe(group, resources, verbs)
    }
}

/// `get`, `list` or `watch` on Secrets: list and watch return the data too (RB-03).
pub(crate) const SECRETS_READ: Risk = Risk {
    name: "read secrets",
    probes: &[probe("", &["secrets"], &["get", "list", "watch"])],
};

/// A shell in running pods (RB-06; websocket exec needs only `get` before 1.35).
pub(crate) const POD_EXEC: Risk = Risk {
    name: "exec into or attach to pods",
    probes: &[probe("", &["pods/exec", "pods/attach"], &["create", "get"])],
};

/// Creating pods, directly or through a controller (RB-05).
pub(crate) const WORKLOAD_CREATE: Risk = Risk {
    name: "create pods or workloads",
    probes: &[
        probe("", &["pods"], &["create"]),
        probe(
            "",
            &["replicationcontrollers"],
            &["create", "update", "patch"],
        ),
        probe(
            "apps",
            &["deployments", "daemonsets", "statefulsets", "replicasets"],
            &["create", "update", "patch"],
        ),
        probe(
            "batch",
            &["jobs", "cronjobs"],
            &["create", "update", "patch"],
        ),
    ],
};

/// Escalate, bind or impersonate (RB-11 to RB-13).
pub(crate) const ESCALATE_BIND_IMPERSONATE: Risk = Risk {
    name: "escalate, bind or impersonate",
    probes: &[
        probe(
            "rbac.authorization.k8s.io",
            &["roles", "clusterroles"],
            &["escalate", "bind"],
        ),
        cluster_probe(
            "",
            &["users", "groups", "serviceaccounts", "uids"],
            &["impersonate"],
        ),
        probe("", &["serviceaccounts"], &["impersonate"]),
        cluster_probe("authentication.k8s.io", &["userextras"], &["impersonate"]),
    ],
};

/// The kubelet API through the API server's node proxy (RB-10).
pub(crate) const NODES_PROXY: Risk = Risk {
    name: "use nodes/proxy",
    probes: &[cluster_probe(
        "",
        &["nodes/proxy"],
        &["get", "create", "connect"],
    )],
};

/// Approving certificate signing requests (RB-15).
pub(crate) const CSR_APPROVAL: Risk = Risk {
    name: "approve certificate signing requests",
    probes: &[
        cluster_probe(
            "certificates.k8s.io",
            &["certificatesigningrequests/approval"],
            &["update", "patch"],
        ),
        cluster_probe("certificates.k8s.io", &["signers"], &["approve"]),
    ],
};

/// Minting tokens for service accounts (RB-14).
pub(crate) const TOKEN_CREATE: Risk = Risk {
    name: "create service account tokens",
    probes: &[probe("", &["serviceaccounts/token"], &["create"])],
};

/// Changing admission webhooks (RB-16).
pub(crate) const WEBHOOK_CONFIG: Risk = Risk {
    name: "change admission webhook configurations",
    probes: &[cluster_probe(
        "admissionregistration.k8s.io",
        &[
            "validatingwebhookconfigurations",
            "mutatingwebhookconfigurations",
        ],
        &["create", "update", "patch", "delete"],
    )],
};

/// Every risk, most dangerous first.
pub const RISKS: &[Risk] = &[
    ESCALATE_BIND_IMPERSONATE,
    WORKLOAD_CREATE,
    SECRETS_READ,
    POD_EXEC,
    NODES_PROXY,
    CSR_APPROVAL,
    TOKEN_CREATE,
    WEBHOOK_CONFIG,
];

/// How a rule grants a risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// For every object.
    All,
    /// Only for the objects its `resourceNames` lists.
    Named,
}

impl Risk {
    /// Whether `rule` grants this risk. `namespaced_only` is true for rules handed out
    /// by a RoleBinding, which cannot grant cluster-scoped resources.
    pub fn granted_by(&self, rule: &RuleFields<'_>, namespaced_only: bool) -> Option<Reach> {
        let hit = self
            .probes
            .iter()
            .filter(|p| !(namespaced_only && p.cluster_scoped))
            .any(|p| probe_granted(p, rule));
        match (hit, rule.is_narrowed()) {
            (false, _) => None,
            (true, false) => Some(Reach::All),
            (true, true) => Some(Reach::Named),
        }
    }
}

fn probe_granted(probe: &Probe, rule: &RuleFields<'_>) -> bool {
    probe.resources.iter().any(|resource| {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        probe.verbs.iter().any(|verb| {
            rule.grants_any_name(&ResourceRequest {
                verb,
                group: probe.group,
                resource,
                subresource,
                name: None,
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(lists: [&[&str]; 4]) -> [Vec<String>; 4] {
        lists.map(|l| l.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn scope_names_and_wildcards() {
        let [v, g, r, n] = fields([&["get"], &[""], &["nodes/proxy"], &[]]);
        let rule = RuleFields {
            verbs: &v,
            api_groups: &g,
            resources: &r,
            resource_names: &n,
        };
        assert_eq!(NODES_PROXY.granted_by(&rule, false), Some(Reach::All));
        assert_eq!(NODES_PROXY.granted_by(&rule, true), None);
        let [v, g, r, n] = fields([&["list"], &["*"], &["secrets"], &["one"]]);
        let rule = RuleFields {
            verbs: &v,
            api_groups: &g,
            resources: &r,
            resource_names: &n,
        };
        assert_eq!(SECRETS_READ.granted_by(&rule, true), Some(Reach::Named));
        assert_eq!(POD_EXEC.granted_by(&rule, true), None);
        let [v, g, r, n] = fields([&["*"], &["*"], &["*"], &[]]);
        let rule = RuleFields {
            verbs: &v,
            api_groups: &g,
            resources: &r,
            resource_names: &n,
        };
        assert!(
            RISKS
                .iter()
                .all(|risk| risk.granted_by(&rule, false).is_some())
        );
    }
}
