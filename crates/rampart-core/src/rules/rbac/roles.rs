//! Role-level RBAC risks (spec §5.2): one rule per dangerous permission, reported at
//! the `rules[i]` of the Role or ClusterRole that grants it. Bootstrap roles (labelled
//! `kubernetes.io/bootstrapping: rbac-defaults`, as every role the API server creates is)
//! are skipped; a `system:` name alone exempts nothing, since anyone can choose it.

use serde_json::Value;

use crate::field_path::FieldPath;
use crate::finding::Severity::{self, Critical, High, Medium};
use crate::rbac::RuleFields;
use crate::rbac::risk::{self, Reach, Risk};
use crate::rules::cis::report_cis_as;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// A rule's string lists, read leniently from a manifest (wrong types read as empty:
/// the object pass has no typed view of RBAC objects to report them against).
#[derive(Debug, Default)]
pub(super) struct RuleLists {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
}

impl RuleLists {
    fn read(rule: &Value) -> Self {
        let list = |field: &str| -> Vec<String> {
            rule[field]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            verbs: list("verbs"),
            api_groups: list("apiGroups"),
            resources: list("resources"),
            resource_names: list("resourceNames"),
        }
    }

    pub(super) fn fields(&self) -> RuleFields<'_> {
        RuleFields {
            verbs: &self.verbs,
            api_groups: &self.api_groups,
            resources: &self.resources,
            resource_names: &self.resource_names,
        }
    }
}

/// A Role or ClusterRole rampart judges: not a bootstrap role.
struct RoleObject<'a> {
    /// `Role` or `ClusterRole`.
    kind: &'a str,
    /// `ns/name` or `name`.
    name: String,
    value: &'a Value,
}

fn role_object<'a>(ctx: &CheckContext<'a>) -> Option<RoleObject<'a>> {
    let id = &ctx.object.id;
    if id.group() != "rbac.authorization.k8s.io"
        || !matches!(id.kind.as_str(), "Role" | "ClusterRole")
    {
        return None;
    }
    let value = ctx.object.value;
    if is_bootstrap(value) {
        return None;
    }
    let name = id.name.as_deref().unwrap_or("<unnamed>");
    let name = match (&id.namespace, id.kind.as_str()) {
        (Some(ns), "Role") => format!("{ns}/{name}"),
        _ => name.to_owned(),
    };
    Some(RoleObject {
        kind: &id.kind,
        name,
        value,
    })
}

/// Roles the API server creates itself (and reconciles at every start): reviewing them
/// is not the user's job.
fn is_bootstrap(value: &Value) -> bool {
    value["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
}

/// Each `rules[i]` of the role, read leniently.
fn each_rule(role: &RoleObject<'_>) -> impl Iterator<Item = (FieldPath, RuleLists)> {
    role.value["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, rule)| {
            (
                FieldPath::fields(&["rules"]).index(i),
                RuleLists::read(rule),
            )
        })
}

/// One role-level risk rule.
pub(super) struct RoleRiskRule {
    meta: RuleMeta,
    risk: Risk,
}

impl RoleRiskRule {
    const fn rule(&'static self) -> Rule {
        Rule {
            meta: self.meta,
            checks: Checks::kubernetes(check_role_risk),
        }
    }
}

/// One severity lower, for grants narrowed by `resourceNames`.
fn lowered(severity: Severity) -> Severity {
    match severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

fn check_role_risk(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(entry) = RISK_RULES.iter().find(|r| r.meta.id == out.rule().id) else {
        return;
    };
    let Some(role) = role_object(ctx) else { return };
    let namespaced_only = role.kind == "Role";
    for (path, lists) in each_rule(&role) {
        let Some(reach) = entry.risk.granted_by(&lists.fields(), namespaced_only) else {
            continue;
        };
        let (severity, scope) = match reach {
            Reach::All => (entry.meta.severity, ""),
            Reach::Named => (
                lowered(entry.meta.severity),
                " (only for the objects in resourceNames)",
            ),
        };
        let message = format!("{} {} can {}{scope}", role.kind, role.name, entry.risk.name);
        report_cis_as(out, severity, path, message);
    }
}

static RISK_RULES: &[RoleRiskRule] = &[
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-escalate-bind-impersonate",
            severity: Critical,
            title: "Role can escalate, bind or impersonate",
            why: "`escalate` lets a subject write roles with rights it does not hold, `bind` \
                  lets it bind any role (cluster-admin included) and `impersonate` lets it act \
                  as any user, group or service account, `system:masters` members included.",
            fix: "Remove these verbs; grant them only to cluster administrators.",
            references: &["CIS 5.1.8", "kubescape C-0191"],
        },
        risk: risk::ESCALATE_BIND_IMPERSONATE,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-workload-create",
            severity: Medium,
            title: "Role can create pods or workloads",
            why: "Creating a pod (directly or through a Deployment, DaemonSet, Job...) lets a \
                  subject mount any Secret of the namespace, run as any of its service accounts \
                  and, without Pod Security, take over the node.",
            fix: "Limit pod and workload creation to deployment pipelines; enforce Pod Security \
                  in those namespaces.",
            references: &["CIS 5.1.4", "kubescape C-0188"],
        },
        risk: risk::WORKLOAD_CREATE,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-secrets-read",
            severity: High,
            title: "Role can read Secrets",
            why: "`get`, `list` and `watch` on Secrets return their values; `list` and `watch` \
                  return every Secret of the scope, service account tokens included.",
            fix: "Grant `get` on named Secrets (`resourceNames`) only, or mount the Secrets the \
                  workload needs instead.",
            references: &["CIS 5.1.2", "kubescape C-0186"],
        },
        risk: risk::SECRETS_READ,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-pod-exec",
            severity: High,
            title: "Role can exec into or attach to pods",
            why: "`pods/exec` and `pods/attach` give a shell in running containers, with their \
                  service account tokens and mounted secrets. Before Kubernetes 1.35 `get` is \
                  enough (websocket upgrade).",
            fix: "Remove `pods/exec` and `pods/attach`; use ephemeral debug workflows with \
                  approval.",
            references: &["kubescape C-0002", "RBAC good practices"],
        },
        risk: risk::POD_EXEC,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-nodes-proxy",
            severity: High,
            title: "ClusterRole can use nodes/proxy",
            why: "`nodes/proxy` reaches the kubelet API through the API server: exec in every pod \
                  of the node, bypassing admission and most audit.",
            fix: "Remove `nodes/proxy`; monitoring usually needs `nodes/metrics` or \
                  `nodes/stats` only.",
            references: &["CIS 5.1.10", "kubescape C-0279"],
        },
        risk: risk::NODES_PROXY,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-csr-approval",
            severity: High,
            title: "ClusterRole can approve certificate signing requests",
            why: "Approving CSRs (`certificatesigningrequests/approval`, `signers` approve) \
                  issues client certificates for any name, system components and \
                  `system:masters` included.",
            fix: "Leave CSR approval to the controller manager and cluster administrators.",
            references: &["CIS 5.1.11", "kubescape C-0280"],
        },
        risk: risk::CSR_APPROVAL,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-token-create",
            severity: High,
            title: "Role can create service account tokens",
            why: "`serviceaccounts/token` create mints a token for any service account of the \
                  scope, including powerful ones in kube-system.",
            fix: "Remove `serviceaccounts/token` create; let the kubelet project tokens.",
            references: &["CIS 5.1.13", "kubescape C-0282"],
        },
        risk: risk::TOKEN_CREATE,
    },
    RoleRiskRule {
        meta: RuleMeta {
            id: "rbac-webhook-config",
            severity: High,
            title: "ClusterRole can change admission webhooks",
            why: "Changing validating or mutating webhook configurations lets a subject switch \
                  off policy enforcement, or receive and rewrite every admitted object, \
                  Secrets included.",
            fix: "Restrict webhook configuration writes to cluster administrators.",
            references: &["CIS 5.1.12", "kubescape C-0281"],
        },
        risk: risk::WEBHOOK_CONFIG,
    },
];

pub(super) const RBAC_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-wildcard",
        severity: Medium,
        title: "Role uses wildcards",
        why: "`*` in `verbs`, `resources` or `apiGroups` grants everything that exists today \
              and every resource or verb added later (CRDs included). A literal `res/*` is \
              not a wildcard for RBAC and grants nothing.",
        fix: "List the verbs, groups and resources the subject needs.",
        references: &["CIS 5.1.3", "kubescape C-0187"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let Some(role) = role_object(ctx) else { return };
        for (path, lists) in each_rule(&role) {
            if lists.fields().has_wildcard() {
                let severity = out.rule().severity;
                let message = format!("{} {} uses `*`", role.kind, role.name);
                report_cis_as(out, severity, path, message);
            }
        }
    }),
};

/// The role-level rules, in documentation order.
pub(super) fn rules() -> impl Iterator<Item = Rule> {
    RISK_RULES
        .iter()
        .map(RoleRiskRule::rule)
        .chain([RBAC_WILDCARD])
}
