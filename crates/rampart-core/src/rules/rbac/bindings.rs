//! Binding and subject checks (spec §5.3): who actually holds the dangerous
//! permissions, through which binding and role. These need every Role, ClusterRole,
//! binding, ServiceAccount and workload of the run at once.

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject};
use serde::de::DeserializeOwned;

use crate::field_path::FieldPath;
use crate::finding::Severity::{Critical, High};
use crate::object::PodView;
use crate::rbac::risk::{RISKS, Reach, Risk};
use crate::rbac::{
    BindingView, GrantedRule, Rbac, RuleFields, UserInfo, describe_subject, subject_is,
};
use crate::rules::cis::report_run_cis_as;
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The RBAC objects of a run, with each binding's index among the collected objects (in
/// the order [`Rbac::bindings`] yields them).
struct RunRbac {
    rbac: Rbac,
    binding_objects: Vec<usize>,
}

/// The typed object, or `None` when a field has the wrong type (such objects grant
/// nothing here; their own file's scan is where the shape matters).
fn typed<T: DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    T::deserialize(value).ok()
}

impl RunRbac {
    fn of(ctx: &RunContext<'_>) -> Self {
        let mut rbac = Rbac::default();
        let (mut cluster_bindings, mut role_bindings) = (Vec::new(), Vec::new());
        for (index, object) in ctx.objects.iter().enumerate() {
            if object.id.group() != RBAC_GROUP {
                continue;
            }
            let value = &object.value();
            match object.id.kind.as_str() {
                "Role" => rbac.roles.extend(typed::<Role>(value)),
                "ClusterRole" => rbac.cluster_roles.extend(typed::<ClusterRole>(value)),
                "RoleBinding" => {
                    if let Some(binding) = typed::<RoleBinding>(value) {
                        rbac.role_bindings.push(binding);
                        role_bindings.push(index);
                    }
                }
                "ClusterRoleBinding" => {
                    if let Some(binding) = typed::<ClusterRoleBinding>(value) {
                        rbac.cluster_role_bindings.push(binding);
                        cluster_bindings.push(index);
                    }
                }
                _ => {}
            }
        }
        cluster_bindings.extend(role_bindings);
        Self {
            rbac,
            binding_objects: cluster_bindings,
        }
    }

    /// Every binding with the index of its collected object.
    fn bindings(&self) -> impl Iterator<Item = (usize, BindingView<'_>)> {
        self.binding_objects
            .iter()
            .copied()
            .zip(self.rbac.bindings())
    }

    /// The dangerous permissions a binding hands out, one hit per risk.
    fn risks_of(&self, binding: &BindingView<'_>) -> Vec<RiskHit<'_>> {
        let namespaced_only = binding.namespace.is_some();
        let granted = self.rbac.rules_of(binding);
        RISKS
            .iter()
            .filter_map(|risk| {
                granted.iter().find_map(|g| {
                    let reach = risk.granted_by(&RuleFields::of(g.rule), namespaced_only)?;
                    Some(RiskHit {
                        risk: *risk,
                        granted: *g,
                        reach,
                    })
                })
            })
            .collect()
    }
}

/// A risk granted by a binding, with the rule that grants it.
struct RiskHit<'a> {
    risk: Risk,
    granted: GrantedRule<'a>,
    reach: Reach,
}

/// `subject -> binding -> role`, the way findings name a grant.
fn chain(subject: &Subject, binding: &BindingView<'_>) -> String {
    format!(
        "{} -> {} -> {} {}",
        describe_subject(subject, binding.namespace),
        binding.describe(),
        binding.role_ref.kind,
        binding.role_ref.name
    )
}

/// `read secrets (ClusterRole x rules[0]), ...`.
fn describe_risks(hits: &[RiskHit<'_>]) -> String {
    hits.iter()
        .map(|hit| {
            let named = match hit.reach {
                Reach::All => "",
                Reach::Named => ", named objects only",
            };
            format!("{} ({}{named})", hit.risk.name, hit.granted.describe())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn subject_path(index: usize) -> FieldPath {
    FieldPath::fields(&["subjects"]).index(index)
}

/// Groups every service account, or every user, belongs to.
const BROAD_GROUPS: &[&str] = &[
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
];

fn is_broad_group(subject: &Subject) -> bool {
    subject.kind == "Group"
        && (BROAD_GROUPS.contains(&subject.name.as_str())
            || subject.name.starts_with("system:serviceaccounts:"))
}

/// ClusterRoleBindings of cluster-admin that Kubernetes and kubeadm create: to
/// `system:masters`, and (kubeadm 1.29+) to the `kubeadm:cluster-admins` group that
/// `admin.conf` authenticates as.
const DEFAULT_ADMIN_BINDINGS: &[&str] = &["cluster-admin", "kubeadm:cluster-admins"];

pub(super) const RBAC_CLUSTER_ADMIN_BINDING: RunRule = RunRule {
    meta: RuleMeta {
        id: "rbac-cluster-admin-binding",
        severity: High,
        title: "cluster-admin bound beyond the default binding",
        why: "cluster-admin can do anything anywhere. Besides the built-in `cluster-admin` \
              binding (to `system:masters`) and kubeadm's `kubeadm:cluster-admins`, every \
              binding of it is a standing superuser; bound to a service account or a broad \
              group, any pod or user with that identity owns the cluster.",
        fix: "Bind a role with only the rights needed; keep cluster-admin for break-glass \
              users.",
        references: &["CIS 5.1.1", "kubescape C-0185"],
    },
    check: |ctx, out| {
        let run = RunRbac::of(ctx);
        for (object, binding) in run.bindings() {
            let name = binding.meta.name.as_deref().unwrap_or_default();
            if binding.role_ref.kind != "ClusterRole"
                || binding.role_ref.name != "cluster-admin"
                || (binding.namespace.is_none() && DEFAULT_ADMIN_BINDINGS.contains(&name))
            {
                continue;
            }
            for (i, subject) in binding.subjects.iter().enumerate() {
                let severity = if subject.kind == "ServiceAccount" || is_broad_group(subject) {
                    Critical
                } else {
                    High
                };
                let scope = binding
                    .namespace
                    .map_or("cluster-wide".to_owned(), |ns| format!("in namespace {ns}"));
                report_run_cis_as(
                    out,
                    severity,
                    object,
                    subject_path(i),
                    format!("{} gets cluster-admin {scope}", chain(subject, &binding)),
                );
            }
        }
    },
};

/// Roles Kubernetes and kubeadm bind to anonymous users on purpose (discovery, and the
/// `cluster-info` ConfigMap in kube-public that `kubeadm join` reads); not findings.
const PUBLIC_ROLES: &[&str] = &[
    "system:public-info-viewer",
    "system:discovery",
    "system:basic-user",
    "kubeadm:bootstrap-signer-clusterinfo",
];

pub(super) const RBAC_ANONYMOUS_ACCESS: RunRule = RunRule {
    meta: RuleMeta {
        id: "rbac-anonymous-access",
        severity: High,
        title: "Anonymous requests are granted rights",
        why: "Bindings to `system:anonymous` or `system:unauthenticated` give rights to anyone \
              who can reach the API server, without credentials. Only the built-in discovery \
              and public-info roles should be bound to them.",
        fix: "Remove the subject from the binding; use authenticated identities.",
        references: &["CIS 5.1.2", "kubescape C-0262"],
    },
    check: |ctx, out| {
        let run = RunRbac::of(ctx);
        for (object, binding) in run.bindings() {
            if PUBLIC_ROLES.contains(&binding.role_ref.name.as_str()) {
                continue;
            }
            let hits = run.risks_of(&binding);
            for (i, subject) in binding.subjects.iter().enumerate() {
                let anonymous = (subject.kind == "User" && subject.name == "system:anonymous")
                    || (subject.kind == "Group" && subject.name == "system:unauthenticated");
                if !anonymous {
                    continue;
                }
                let (severity, what) = if hits.is_empty() {
                    (High, String::new())
                } else {
                    (Critical, format!(": {}", describe_risks(&hits)))
                };
                report_run_cis_as(
                    out,
                    severity,
                    object,
                    subject_path(i),
                    format!("anonymous access {}{what}", chain(subject, &binding)),
                );
            }
        }
    },
};

/// Reports subjects picked by `selects` that a binding gives dangerous permissions.
fn report_powerful_subjects(
    ctx: &RunContext<'_>,
    out: &mut RunFindings,
    selects: fn(&Subject) -> bool,
    what: &str,
) {
    let run = RunRbac::of(ctx);
    let severity = out.rule().severity;
    for (object, binding) in run.bindings() {
        let hits = run.risks_of(&binding);
        if hits.is_empty() {
            continue;
        }
        for (i, subject) in binding.subjects.iter().enumerate() {
            if selects(subject) {
                report_run_cis_as(
                    out,
                    severity,
                    object,
                    subject_path(i),
                    format!(
                        "{what} {} can {}",
                        chain(subject, &binding),
                        describe_risks(&hits)
                    ),
                );
            }
        }
    }
}

pub(super) const RBAC_DEFAULT_SERVICE_ACCOUNT_POWER: RunRule = RunRule {
    meta: RuleMeta {
        id: "rbac-default-service-account-power",
        severity: High,
        title: "A namespace's default service account holds dangerous permissions",
        why: "Every pod that names no service account runs as `default` and, unless \
              automounting is off, carries its token: rights given to `default` are given to \
              every such pod of the namespace.",
        fix: "Create a dedicated service account for the workload that needs the rights, bind \
              it instead, and set `automountServiceAccountToken: false` on `default`.",
        references: &["CIS 5.1.5", "kubescape C-0189"],
    },
    check: |ctx, out| {
        report_powerful_subjects(
            ctx,
            out,
            |s| s.kind == "ServiceAccount" && s.name == "default",
            "default service account:",
        )
    },
};

pub(super) const RBAC_BROAD_GROUP_POWER: RunRule = RunRule {
    meta: RuleMeta {
        id: "rbac-broad-group-power",
        severity: Critical,
        title: "Every user or every service account holds dangerous permissions",
        why: "`system:authenticated` contains every user and service account, \
              `system:serviceaccounts[:ns]` every service account (of a namespace): a \
              dangerous permission bound to them is held by every pod and person.",
        fix: "Bind the permission to the specific users, groups or service accounts that need \
              it.",
        references: &["CIS 5.1.2", "CIS 5.1.4", "kubescape C-0265"],
    },
    check: |ctx, out| {
        report_powerful_subjects(
            ctx,
            out,
            |s| is_broad_group(s) && s.name != "system:unauthenticated",
            "broad group:",
        )
    },
};

pub(super) const WORKLOAD_POWERFUL_TOKEN: RunRule = RunRule {
    meta: RuleMeta {
        id: "workload-powerful-token",
        severity: High,
        title: "Workload mounts the token of a powerful service account",
        why: "A pod carries its service account's token at \
              `/var/run/secrets/kubernetes.io/serviceaccount`. When that account may create \
              pods, read secrets, escalate or exec, anyone who compromises the pod inherits \
              those rights.",
        fix: "Set `automountServiceAccountToken: false` when the pod does not call the API; \
              otherwise give it a service account with only the rights it needs.",
        references: &["CIS 5.1.6", "kubescape C-0267"],
    },
    check: check_workload_tokens,
};

fn check_workload_tokens(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let run = RunRbac::of(ctx);
    // Only bindings that hand out something dangerous matter; work them out once.
    let powerful: Vec<(BindingView<'_>, String)> = run
        .bindings()
        .filter_map(|(_, binding)| {
            let hits = run.risks_of(&binding);
            (!hits.is_empty()).then(|| (binding, describe_risks(&hits)))
        })
        .collect();
    if powerful.is_empty() {
        return;
    }
    let severity = out.rule().severity;
    for (object_index, object) in ctx.objects.iter().enumerate() {
        let Some(location) = ctx.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(pod)) = PodView::read(&object.value(), location.clone()) else {
            continue;
        };
        let namespace = object.id.namespace.as_deref().unwrap_or("default");
        let account = service_account_name(&pod);
        if !token_mounted(ctx, &pod, namespace, account) {
            continue;
        }
        let user = UserInfo::service_account_token(namespace, account);
        let mut seen = std::collections::HashSet::new();
        let grants: Vec<String> = powerful
            .iter()
            .filter_map(|(binding, risks)| {
                let subject = binding
                    .subjects
                    .iter()
                    .find(|s| subject_is(s, binding.namespace, &user))?;
                Some(format!("{}: {risks}", chain(subject, binding)))
            })
            // The same binding can be listed in several files of a run.
            .filter(|grant| seen.insert(grant.clone()))
            .collect();
        if grants.is_empty() {
            continue;
        }
        report_run_cis_as(
            out,
            severity,
            object_index,
            location.spec.child("serviceAccountName"),
            format!(
                "mounts the token of service account {namespace}/{account}; {}",
                grants.join("; ")
            ),
        );
    }
}

fn service_account_name(pod: &PodView) -> &str {
    pod.spec
        .service_account_name
        .as_deref()
        .or(pod.spec.service_account.as_deref())
        .filter(|name| !name.is_empty())
        .unwrap_or("default")
}

/// The pod's `automountServiceAccountToken`, else its service account's (when the run
/// has it), else true.
fn token_mounted(ctx: &RunContext<'_>, pod: &PodView, namespace: &str, account: &str) -> bool {
    if let Some(mounted) = pod.spec.automount_service_account_token {
        return mounted;
    }
    ctx.objects
        .iter()
        .find(|o| {
            o.id.kind == "ServiceAccount"
                && o.id.group().is_empty()
                && o.id.name.as_deref() == Some(account)
                && o.id.namespace.as_deref().unwrap_or("default") == namespace
        })
        .and_then(|sa| sa.value()["automountServiceAccountToken"].as_bool())
        .unwrap_or(true)
}
