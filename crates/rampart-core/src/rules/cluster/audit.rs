//! CIS 3.2.2 and spec §4.2: what the audit Policy records. Rules are evaluated in order
//! and the first match decides the level, as the API server does; rules narrowed to some
//! users, groups, namespaces or names do not decide for everyone and are skipped.

use serde_json::Value;

use crate::cluster::ConfigFile;
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::cis::report_cis;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// A request the policy should record: verb, group, `resource[/subresource]`.
type Probe = (&'static str, &'static str, &'static str);

/// An audit level, least verbose first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "None" => Some(Self::None),
            "Metadata" => Some(Self::Metadata),
            "Request" => Some(Self::Request),
            "RequestResponse" => Some(Self::RequestResponse),
            _ => None,
        }
    }
}

/// True when none of the listed selector fields narrows the rule.
fn applies_to_everyone(rule: &Value) -> bool {
    ["users", "userGroups", "namespaces"]
        .iter()
        .all(|field| rule[field].as_array().is_none_or(Vec::is_empty))
}

fn lists(list: &Value, wanted: &str) -> bool {
    list.as_array()
        .is_none_or(|items| items.is_empty() || items.iter().any(|v| v == wanted))
}

/// The upstream policy checker's resource matching (`ruleMatchesResource`).
fn matches_resource(rule: &Value, group: &str, combined: &str) -> bool {
    let Some(groups) = rule["resources"].as_array().filter(|g| !g.is_empty()) else {
        // No resources: every resource, unless the rule is for non-resource URLs only.
        return rule["nonResourceURLs"].as_array().is_none_or(Vec::is_empty);
    };
    let (resource, subresource) = combined.split_once('/').unwrap_or((combined, ""));
    groups.iter().any(|gr| {
        gr["group"].as_str().unwrap_or_default() == group
            && gr["resourceNames"].as_array().is_none_or(Vec::is_empty)
            && gr["resources"].as_array().is_none_or(|names| {
                names.is_empty()
                    || names.iter().filter_map(Value::as_str).any(|name| {
                        name == "*"
                            || name == combined
                            || name.strip_prefix("*/").is_some_and(|s| s == subresource)
                            || name.strip_suffix("/*").is_some_and(|r| r == resource)
                    })
            })
    })
}

/// The first rule matching `probe` for any user: its index and level.
fn first_match(policy: &Value, (verb, group, resource): Probe) -> Option<(usize, Option<Level>)> {
    policy["rules"]
        .as_array()?
        .iter()
        .enumerate()
        .find(|(_, rule)| {
            applies_to_everyone(rule)
                && lists(&rule["verbs"], verb)
                && matches_resource(rule, group, resource)
        })
        .map(|(index, rule)| (index, rule["level"].as_str().and_then(Level::parse)))
}

/// Reports each probe whose first matching level `acceptable` rejects, once per rule.
fn check_probes(
    ctx: &CheckContext<'_>,
    out: &mut Findings,
    probes: &[Probe],
    acceptable: fn(Level) -> Result<(), &'static str>,
) {
    if ConfigFile::of(&ctx.object.id) != Some(ConfigFile::AuditPolicy) {
        return;
    }
    let mut reported: Vec<Option<usize>> = Vec::new();
    for probe @ (verb, group, resource) in probes.iter().copied() {
        let what = if group.is_empty() {
            format!("{verb} {resource}")
        } else {
            format!("{verb} {group}/{resource}")
        };
        let (index, problem) = match first_match(ctx.object.value, probe) {
            None => (None, "no rule matches, so it is not audited"),
            Some((index, level)) => match level.map(acceptable) {
                Some(Ok(())) => continue,
                Some(Err(problem)) => (Some(index), problem),
                None => (Some(index), "the matching rule has no valid level"),
            },
        };
        if reported.contains(&index) {
            continue;
        }
        reported.push(index);
        let path = match index {
            Some(i) => FieldPath::fields(&["rules"]).index(i).child("level"),
            None => FieldPath::fields(&["rules"]),
        };
        report_cis(out, path, format!("{what}: {problem}"));
    }
}

pub(super) const AUDIT_POLICY_SECRETS: Rule = Rule {
    meta: RuleMeta {
        id: "audit-policy-secrets",
        severity: Severity::Medium,
        title: "Audit policy mishandles Secrets, ConfigMaps or TokenReviews",
        why: "Access to Secrets, ConfigMaps and TokenReviews must be recorded at exactly \
              `Metadata`: `None` hides who read credentials, while `Request` and \
              `RequestResponse` copy the secret values into the audit log.",
        fix: "Add, before any broader rule, `- level: Metadata` with `resources: [{group: \"\", \
              resources: [secrets, configmaps]}, {group: authentication.k8s.io, resources: \
              [tokenreviews]}]`.",
        references: &["CIS 3.2.2", "kubescape C-0161"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        check_probes(
            ctx,
            out,
            &[
                ("get", "", "secrets"),
                ("list", "", "secrets"),
                ("watch", "", "secrets"),
                ("create", "", "secrets"),
                ("update", "", "secrets"),
                ("get", "", "configmaps"),
                ("update", "", "configmaps"),
                ("create", "authentication.k8s.io", "tokenreviews"),
            ],
            |level| match level {
                Level::Metadata => Ok(()),
                Level::None => Err("logged at None, so access is invisible"),
                _ => Err("logged with its body, so secret values land in the audit log"),
            },
        )
    }),
};

fn recorded(level: Level) -> Result<(), &'static str> {
    if level == Level::None {
        Err("logged at None, so it is invisible")
    } else {
        Ok(())
    }
}

pub(super) const AUDIT_POLICY_RBAC_CHANGES: Rule = Rule {
    meta: RuleMeta {
        id: "audit-policy-rbac-changes",
        severity: Severity::Medium,
        title: "Audit policy does not record RBAC changes",
        why: "Granting oneself a role is the classic escalation step; changes to Roles, \
              ClusterRoles and their bindings must appear in the audit log.",
        fix: "Add a rule recording `create`, `update`, `patch` and `delete` on \
              `rbac.authorization.k8s.io` resources at `RequestResponse` (or at least \
              `Metadata`) before any rule that drops them.",
        references: &["CIS 3.2.2", "kubescape C-0161"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        const RBAC: &str = "rbac.authorization.k8s.io";
        let mut probes = Vec::new();
        for resource in [
            "roles",
            "clusterroles",
            "rolebindings",
            "clusterrolebindings",
        ] {
            for verb in ["create", "update", "patch", "delete", "escalate", "bind"] {
                probes.push((verb, RBAC, resource));
            }
        }
        check_probes(ctx, out, &probes, recorded);
    }),
};

pub(super) const AUDIT_POLICY_WORKLOADS: Rule = Rule {
    meta: RuleMeta {
        id: "audit-policy-workloads",
        severity: Severity::Medium,
        title: "Audit policy does not record pod exec or workload changes",
        why: "`pods/exec`, `pods/attach`, `pods/portforward`, the proxies and new pods or \
              deployments are how attackers run code in a cluster; they must not be logged at \
              `None`.",
        fix: "Record these requests at `Metadata` or above; keep `level: None` rules narrow \
              (e.g. to system users and read-only verbs).",
        references: &["CIS 3.2.2", "kubescape C-0161"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        check_probes(
            ctx,
            out,
            &[
                ("create", "", "pods"),
                ("create", "", "pods/exec"),
                ("create", "", "pods/attach"),
                ("create", "", "pods/portforward"),
                ("get", "", "pods/proxy"),
                ("get", "", "services/proxy"),
                ("create", "apps", "deployments"),
                ("patch", "apps", "deployments"),
            ],
            recorded,
        )
    }),
};
