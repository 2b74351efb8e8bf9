//! Binding and subject checks (spec §5.3): who actually holds the dangerous
//! permissions, through which binding and role. These need every Role, ClusterRole,
//! binding, ServiceAccount and workload of the run at once.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject};
use serde::de::DeserializeOwned;

use crate::field_path::FieldPath;
use crate::finding::Severity::{Critical, High};
use crate::object::PodView;
use crate::rbac::risk::{RISKS, Reach, Risk};
use crate::rbac::{
    BindingView, GrantedRule, Rbac, RuleFields, UserInfo, describe_subject, service_account_of,
    service_account_user, subject_is,
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

    /// The dangerous permissions of the run's bindings, worked out once per role.
    fn risks(&self) -> Risks<'_> {
        Risks {
            rbac: &self.rbac,
            by_role: HashMap::new(),
        }
    }
}

/// What a binding's risks depend on: the role it refers to and, for a ClusterRole,
/// whether a RoleBinding grants it (in one namespace only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RoleKey<'a> {
    ClusterRole {
        name: &'a str,
        namespaced_only: bool,
    },
    Role {
        name: &'a str,
        namespace: Option<&'a str>,
    },
    Unknown,
}

impl<'a> RoleKey<'a> {
    fn of(binding: &BindingView<'a>) -> Self {
        let name = binding.role_ref.name.as_str();
        match binding.role_ref.kind.as_str() {
            "ClusterRole" => Self::ClusterRole {
                name,
                namespaced_only: binding.namespace.is_some(),
            },
            "Role" => Self::Role {
                name,
                namespace: binding.namespace,
            },
            _ => Self::Unknown,
        }
    }
}

/// The dangerous permissions bindings hand out, one hit per risk, worked out once per
/// [`RoleKey`]: most bindings of a cluster point at the same few ClusterRoles, often
/// aggregated ones with the rules of many others.
struct Risks<'a> {
    rbac: &'a Rbac,
    by_role: HashMap<RoleKey<'a>, Vec<RiskHit<'a>>>,
}

impl<'a> Risks<'a> {
    fn of(&mut self, binding: &BindingView<'a>) -> &[RiskHit<'a>] {
        let rbac = self.rbac;
        self.by_role
            .entry(RoleKey::of(binding))
            .or_insert_with(|| work_out_risks(rbac, binding))
    }
}

fn work_out_risks<'a>(rbac: &'a Rbac, binding: &BindingView<'a>) -> Vec<RiskHit<'a>> {
    let namespaced_only = binding.namespace.is_some();
    let granted = rbac.rules_of(binding);
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
        references: &["kubescape C-0262"],
    },
    check: |ctx, out| {
        let run = RunRbac::of(ctx);
        let mut risks = run.risks();
        for (object, binding) in run.bindings() {
            if PUBLIC_ROLES.contains(&binding.role_ref.name.as_str()) {
                continue;
            }
            let hits = risks.of(&binding);
            for (i, subject) in binding.subjects.iter().enumerate() {
                let anonymous = (subject.kind == "User" && subject.name == "system:anonymous")
                    || (subject.kind == "Group" && subject.name == "system:unauthenticated");
                if !anonymous {
                    continue;
                }
                let (severity, what) = if hits.is_empty() {
                    (High, String::new())
                } else {
                    (Critical, format!(": {}", describe_risks(hits)))
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
    let mut risks = run.risks();
    let severity = out.rule().severity;
    for (object, binding) in run.bindings() {
        let hits = risks.of(&binding);
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
                        describe_risks(hits)
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
    let mut risks = run.risks();
    // Only bindings that hand out something dangerous matter; work them out once.
    let powerful: Vec<(BindingView<'_>, String)> = run
        .bindings()
        .filter_map(|(_, binding)| {
            let hits = risks.of(&binding);
            (!hits.is_empty()).then(|| (binding, describe_risks(hits)))
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
    for (object_index, object) in ctx.objects.iter().enumerate() {
        let Some(location) = ctx.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(pod)) = PodView::read(&object.value(), location.clone()) else {
            continue;
        };
        let namespace = object.id.namespace.as_deref().unwrap_or("default");
        let account = service_account_name(&pod);
        if !token_mounted(&accounts, &pod, namespace, account) {
            continue;
        }
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
            object_index,
            location.spec.child("serviceAccountName"),
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

/// The `automountServiceAccountToken` of the run's ServiceAccounts, by namespace and
/// name (the first one listed, when a run has the same account twice).
struct ServiceAccounts<'a> {
    automount: HashMap<(&'a str, &'a str), Option<bool>>,
}

impl<'a> ServiceAccounts<'a> {
    fn of(ctx: &RunContext<'a>) -> Self {
        let mut automount = HashMap::new();
        for object in ctx.objects {
            if object.id.kind != "ServiceAccount" || !object.id.group().is_empty() {
                continue;
            }
            let Some(name) = object.id.name.as_deref() else {
                continue;
            };
            let namespace = object.id.namespace.as_deref().unwrap_or("default");
            automount
                .entry((namespace, name))
                .or_insert_with(|| object.value()["automountServiceAccountToken"].as_bool());
        }
        Self { automount }
    }

    /// The account's `automountServiceAccountToken`, when the run has the account and it
    /// says.
    fn automounts(&self, namespace: &str, name: &str) -> Option<bool> {
        self.automount.get(&(namespace, name)).copied().flatten()
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
fn token_mounted(
    accounts: &ServiceAccounts<'_>,
    pod: &PodView,
    namespace: &str,
    account: &str,
) -> bool {
    pod.spec
        .automount_service_account_token
        .or_else(|| accounts.automounts(namespace, account))
        .unwrap_or(true)
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
