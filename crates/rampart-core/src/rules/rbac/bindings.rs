//! Binding and subject checks (spec §5.3): who actually holds the dangerous
//! permissions, through which binding and role. These need every Role, ClusterRole,
//! binding, ServiceAccount and workload of the run at once.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::rbac::v1::Subject;

use crate::field_path::FieldPath;
use crate::finding::Severity::{Critical, High};
use crate::rbac::risk::Reach;
use crate::rbac::{
    BindingView, UserInfo, describe_subject, service_account_of, service_account_user, subject_is,
};
use crate::rules::cis::report_run_cis_as;
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

use super::accounts::{ServiceAccounts, workload_accounts};
use super::grants::{RiskHit, run_rbac};

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

/// The subjects of the ClusterRoleBindings of cluster-admin that Kubernetes and kubeadm
/// create: `system:masters` (binding `cluster-admin`) and (kubeadm 1.29+) the
/// `kubeadm:cluster-admins` group that `admin.conf` authenticates as. Any other subject of
/// these bindings is a finding.
const DEFAULT_ADMIN_GRANTS: &[(&str, &str)] = &[
    ("cluster-admin", "system:masters"),
    ("kubeadm:cluster-admins", "kubeadm:cluster-admins"),
];

/// The built-in role that can do anything (always present in a cluster, so a binding of
/// it needs no role in the input).
const CLUSTER_ADMIN: &str = "cluster-admin";

/// Whether `subject` of `binding` is one Kubernetes or kubeadm binds to cluster-admin.
fn is_default_admin_grant(binding: &BindingView<'_>, subject: &Subject) -> bool {
    let name = binding.meta.name.as_deref().unwrap_or_default();
    binding.namespace.is_none()
        && binding.role_ref.kind == "ClusterRole"
        && binding.role_ref.name == CLUSTER_ADMIN
        && subject.kind == "Group"
        && DEFAULT_ADMIN_GRANTS.contains(&(name, subject.name.as_str()))
}

pub(super) const RBAC_CLUSTER_ADMIN_BINDING: RunRule = RunRule {
    meta: RuleMeta {
        id: "rbac-cluster-admin-binding",
        severity: High,
        title: "cluster-admin (or a role as powerful) bound beyond the default binding",
        why: "cluster-admin can do anything anywhere, and so can any role that grants `*` \
              verbs on `*` resources in `*` API groups, whatever its name. Besides the \
              built-in `cluster-admin` binding (to `system:masters`) and kubeadm's \
              `kubeadm:cluster-admins`, every binding of such a role is a standing superuser \
              (in its namespace, for a RoleBinding); bound to a service account or a broad \
              group, any pod or user with that identity owns the cluster.",
        fix: "Bind a role with only the rights needed; keep cluster-admin for break-glass \
              users.",
        references: &[
            "CIS 5.1.1",
            "kubescape C-0035",
            "kubescape C-0185",
            "kube-linter cluster-admin-role-binding",
        ],
    },
    fix: None,
    check: |ctx, out| {
        let run = run_rbac(ctx);
        for (object, binding) in run.bindings() {
            let (what, through) = if binding.role_ref.kind == "ClusterRole"
                && binding.role_ref.name == CLUSTER_ADMIN
            {
                ("cluster-admin", String::new())
            } else if let Some(rule) = run.full_access(&binding) {
                (
                    "every verb on every resource",
                    format!(", as cluster-admin does ({})", rule.describe()),
                )
            } else {
                continue;
            };
            let scope = binding
                .namespace
                .map_or("cluster-wide".to_owned(), |ns| format!("in namespace {ns}"));
            for (i, subject) in binding.subjects.iter().enumerate() {
                if is_default_admin_grant(&binding, subject) {
                    continue;
                }
                let severity = if subject.kind == "ServiceAccount" || is_broad_group(subject) {
                    Critical
                } else {
                    High
                };
                report_run_cis_as(
                    out,
                    severity,
                    object,
                    subject_path(i),
                    format!("{} gets {what} {scope}{through}", chain(subject, &binding)),
                );
            }
        }
    },
};

/// Roles Kubernetes and kubeadm bind to anonymous users on purpose (discovery, and the
/// `cluster-info` ConfigMap in kube-public that `kubeadm join` reads): not findings, as
/// long as the role (when the input defines it) grants nothing dangerous.
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
        references: &["kubescape C-0262"],
    },
    fix: None,
    check: |ctx, out| {
        let run = run_rbac(ctx);
        for (object, binding) in run.bindings() {
            let hits = run.hits(&binding);
            let public = PUBLIC_ROLES.contains(&binding.role_ref.name.as_str())
                && hits.is_empty()
                && run.full_access(&binding).is_none();
            if public {
                continue;
            }
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
    let run = run_rbac(ctx);
    let severity = out.rule().severity;
    for (object, binding) in run.bindings() {
        let hits = run.hits(&binding);
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
    fix: None,
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
    fix: None,
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
    fix: None,
    check: check_workload_tokens,
};

fn check_workload_tokens(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let run = run_rbac(ctx);
    // Only bindings that hand out something dangerous matter; work them out once.
    let powerful: Vec<(BindingView<'_>, String)> = run
        .bindings()
        .filter_map(|(_, binding)| {
            let hits = run.hits(&binding);
            (!hits.is_empty()).then(|| (binding, describe_risks(&hits)))
        })
        .collect();
    if powerful.is_empty() {
        return;
    }
    let by_principal = BindingsByPrincipal::of(&powerful);
    let accounts = ServiceAccounts::of(ctx);
    // Workloads share service accounts: each token's grants are worked out once.
    let mut grants_of_token: HashMap<(String, String), String> = HashMap::new();
    let severity = out.rule().severity;
    for workload in workload_accounts(ctx, &accounts) {
        if !workload.automount.mounted() {
            continue;
        }
        let (namespace, account) = (workload.namespace, workload.account.as_str());
        let grants = grants_of_token
            .entry((namespace.to_owned(), account.to_owned()))
            .or_insert_with(|| {
                let user = UserInfo::service_account_token(namespace, account);
                grants_of(&user, &powerful, &by_principal)
            });
        if grants.is_empty() {
            continue;
        }
        report_run_cis_as(
            out,
            severity,
            workload.index,
            workload.spec.child("serviceAccountName"),
            format!("mounts the token of service account {namespace}/{account}; {grants}"),
        );
    }
}

/// What `user` holds through the powerful bindings, `; `-separated, in binding order:
/// each as the subject, binding and role that grant it, and the risks.
fn grants_of(
    user: &UserInfo,
    powerful: &[(BindingView<'_>, String)],
    by_principal: &BindingsByPrincipal,
) -> String {
    let mut seen = HashSet::new();
    let grants: Vec<String> = by_principal
        .candidates(user)
        .into_iter()
        .filter_map(|index| {
            let (binding, risks) = &powerful[index];
            let subject = binding
                .subjects
                .iter()
                .find(|s| subject_is(s, binding.namespace, user))?;
            Some(format!("{}: {risks}", chain(subject, binding)))
        })
        // The same binding can be listed in several files of a run.
        .filter(|grant| seen.insert(grant.clone()))
        .collect();
    grants.join("; ")
}

/// Bindings (by index) under the principal each of their subjects names: a user's or a
/// group's name, or a service account's user name. The bindings that can name a user are
/// then those under its user name and its groups, instead of every binding of the run.
struct BindingsByPrincipal {
    indices: HashMap<String, Vec<usize>>,
}

impl BindingsByPrincipal {
    fn of(bindings: &[(BindingView<'_>, String)]) -> Self {
        let mut indices: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, (binding, _)) in bindings.iter().enumerate() {
            for subject in binding.subjects {
                let principal = match subject.kind.as_str() {
                    "User" | "Group" => subject.name.clone(),
                    _ => match service_account_of(subject, binding.namespace) {
                        Some((namespace, name)) => service_account_user(namespace, name),
                        None => continue,
                    },
                };
                indices.entry(principal).or_default().push(index);
            }
        }
        Self { indices }
    }

    /// The bindings that may name `user`, in order and once each (a superset: a subject's
    /// kind is checked by [`subject_is`]).
    fn candidates(&self, user: &UserInfo) -> Vec<usize> {
        let mut found: Vec<usize> = std::iter::once(&user.username)
            .chain(&user.groups)
            .filter_map(|principal| self.indices.get(principal))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::Collected;
    use crate::scan::{ScanOptions, run_checks, scan_file};

    const TOKEN_RULE: &str = "workload-powerful-token";

    const ROLE: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get]}]
";

    /// A binding of the ClusterRole `reader`.
    fn binding(kind: &str, name: &str, namespace: Option<&str>, subjects: &str) -> String {
        binding_to("ClusterRole", "reader", kind, name, namespace, subjects)
    }

    fn binding_to(
        role_kind: &str,
        role: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        subjects: &str,
    ) -> String {
        let namespace = namespace.map_or(String::new(), |ns| format!(", namespace: {ns}"));
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: {name}{namespace}}}\n\
             roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {role}}}\n\
             subjects: {subjects}\n"
        )
    }

    fn deployment(name: &str, account: &str, automount: Option<bool>) -> String {
        let automount = automount.map_or(String::new(), |a| {
            format!("\n      automountServiceAccountToken: {a}")
        });
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: ci}}\n\
             spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    \
             metadata: {{labels: {{app: {name}}}}}\n    spec:\n      \
             serviceAccountName: {account}{automount}\n      containers: [{{name: c, image: x}}]\n"
        )
    }

    /// The messages of `rule` on a run made of `files`, with the name of the object each
    /// is on.
    fn messages(rule: &'static str, files: &[String]) -> Vec<(String, String)> {
        let options = ScanOptions::from_config(Config::default().only(&[rule]));
        let mut collected: Vec<Collected> = Vec::new();
        for (index, text) in files.iter().enumerate() {
            let scan = scan_file(&format!("f{index}.yaml"), text.as_bytes(), &options);
            assert!(scan.errors.is_empty(), "{:?}", scan.errors);
            collected.extend(scan.collected.into_iter().map(|mut c| {
                c.file = index;
                c
            }));
        }
        run_checks(&collected, &options)
            .into_iter()
            .map(|(index, finding)| {
                let name = collected[index].id.name.clone().unwrap_or_default();
                (name, finding.message)
            })
            .collect()
    }

    #[test]
    fn a_token_is_matched_by_user_group_and_service_account_subjects_cluster_bindings_first() {
        let subjects = "[{kind: Group, name: 'system:serviceaccounts:ci'}, \
             {kind: User, name: 'system:serviceaccount:ci:app'}]";
        let implicit = "[{kind: ServiceAccount, name: other}, {kind: ServiceAccount, name: app}]";
        let elsewhere = "[{kind: ServiceAccount, name: app, namespace: prod}, \
             {kind: Group, name: 'system:serviceaccounts:prod'}]";
        let rbac = [
            ROLE.to_owned(),
            binding("ClusterRoleBinding", "by-group", None, subjects),
            binding("RoleBinding", "by-account", Some("ci"), implicit),
            binding("RoleBinding", "elsewhere", Some("prod"), elsewhere),
            binding(
                "ClusterRoleBinding",
                "everyone",
                None,
                "[{kind: Group, name: 'system:authenticated'}]",
            ),
        ]
        .join("---\n");
        // The same bindings in a second file are listed once; the User subject of
        // `by-group` names the same token, and the binding is listed once for it too.
        let files = [rbac.clone(), rbac, deployment("web", "app", None)];
        let risks = "read secrets (ClusterRole reader rules[0])";
        assert_eq!(
            messages(TOKEN_RULE, &files),
            [(
                "web".to_owned(),
                format!(
                    "CIS 5.1.6: mounts the token of service account ci/app; \
                     Group system:serviceaccounts:ci -> ClusterRoleBinding by-group -> ClusterRole reader: {risks}; \
                     Group system:authenticated -> ClusterRoleBinding everyone -> ClusterRole reader: {risks}; \
                     ServiceAccount ci/app -> RoleBinding ci/by-account -> ClusterRole reader: {risks}"
                )
            )]
        );
    }

    #[test]
    fn the_pods_automount_setting_wins_over_its_accounts_and_accounts_are_shared() {
        let account = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: ci}\n\
                       automountServiceAccountToken: false\n";
        let bound = binding(
            "RoleBinding",
            "b",
            Some("ci"),
            "[{kind: ServiceAccount, name: app}]",
        );
        let files = [
            [ROLE, &bound].join("---\n"),
            account.to_owned(),
            [
                deployment("off-by-account", "app", None),
                deployment("on-by-pod", "app", Some(true)),
                deployment("also-on", "app", Some(true)),
                deployment("off-by-pod", "app", Some(false)),
            ]
            .join("---\n"),
        ];
        let names: Vec<String> = messages(TOKEN_RULE, &files)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["on-by-pod", "also-on"]);
    }

    #[test]
    fn risks_are_shared_by_bindings_of_one_role_and_no_further() {
        let role = |namespace: &str, resource: &str| {
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n\
                 metadata: {{name: r, namespace: {namespace}}}\n\
                 rules: [{{apiGroups: [''], resources: [{resource}], verbs: [get]}}]\n"
            )
        };
        let proxy = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
                     metadata: {name: proxy}\n\
                     rules: [{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]\n";
        let default_account = "[{kind: ServiceAccount, name: default}]";
        let files = [[
            // Roles named alike in two namespaces: only a's reads secrets.
            role("a", "secrets"),
            role("b", "configmaps"),
            binding_to(
                "Role",
                "r",
                "RoleBinding",
                "in-a",
                Some("a"),
                default_account,
            ),
            binding_to(
                "Role",
                "r",
                "RoleBinding",
                "in-b",
                Some("b"),
                default_account,
            ),
            // nodes/proxy is cluster-scoped: a RoleBinding of the ClusterRole grants nothing.
            proxy.to_owned(),
            binding_to(
                "ClusterRole",
                "proxy",
                "ClusterRoleBinding",
                "everywhere",
                None,
                "[{kind: ServiceAccount, name: default, namespace: a}]",
            ),
            binding_to(
                "ClusterRole",
                "proxy",
                "RoleBinding",
                "in-c",
                Some("c"),
                default_account,
            ),
        ]
        .join("---\n")];
        let flagged: Vec<String> = messages("rbac-default-service-account-power", &files)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(flagged, ["everywhere", "in-a"]);
    }
}
