//! Service accounts and the tokens pods carry: a pod gets its service account's token
//! unless the pod, or else its ServiceAccount, sets `automountServiceAccountToken: false`.
//! The ServiceAccount may be in another file, so these are run rules.

use std::collections::HashMap;

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::fix::{Fix, Safety, set_flag};
use crate::object::PodView;
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

/// The `automountServiceAccountToken` of the run's ServiceAccounts, by namespace and
/// name (the first one listed, when a run has the same account twice).
pub(super) struct ServiceAccounts<'a> {
    automount: HashMap<(&'a str, &'a str), Option<bool>>,
}

impl<'a> ServiceAccounts<'a> {
    pub(super) fn of(ctx: &RunContext<'a>) -> Self {
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

    /// Whether the run has the account.
    fn has(&self, namespace: &str, name: &str) -> bool {
        self.automount.contains_key(&(namespace, name))
    }

    /// The account's `automountServiceAccountToken`, when the run has the account and it
    /// says.
    fn automounts(&self, namespace: &str, name: &str) -> Option<bool> {
        self.automount.get(&(namespace, name)).copied().flatten()
    }
}

/// The service account a pod runs as (`serviceAccountName`, the deprecated
/// `serviceAccount`, else `default`).
fn service_account_name(pod: &PodView) -> &str {
    pod.spec
        .service_account_name
        .as_deref()
        .or(pod.spec.service_account.as_deref())
        .filter(|name| !name.is_empty())
        .unwrap_or("default")
}

/// What decides whether a pod gets its service account's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Automount {
    /// The pod's own `automountServiceAccountToken`.
    Pod(bool),
    /// Its ServiceAccount's (the pod says nothing).
    Account(bool),
    /// Neither says: the token is mounted.
    Unset,
}

impl Automount {
    fn of(accounts: &ServiceAccounts<'_>, pod: &PodView, namespace: &str, account: &str) -> Self {
        match (
            pod.spec.automount_service_account_token,
            accounts.automounts(namespace, account),
        ) {
            (Some(pod), _) => Self::Pod(pod),
            (None, Some(account)) => Self::Account(account),
            (None, None) => Self::Unset,
        }
    }

    /// Whether the token is mounted.
    pub(super) fn mounted(self) -> bool {
        match self {
            Self::Pod(mounted) | Self::Account(mounted) => mounted,
            Self::Unset => true,
        }
    }
}

/// A workload (or Pod) of the run, with the service account its pods run as and what
/// decides whether they carry its token.
pub(super) struct WorkloadAccount<'a> {
    /// Index of the object among the collected ones.
    pub index: usize,
    /// Where its pod spec is.
    pub spec: FieldPath,
    /// Its namespace.
    pub namespace: &'a str,
    /// The service account its pods run as.
    pub account: String,
    /// What decides whether the token is mounted.
    pub automount: Automount,
}

/// Every workload of the run with its service account, in run order.
pub(super) fn workload_accounts<'a>(
    ctx: &RunContext<'a>,
    accounts: &ServiceAccounts<'_>,
) -> Vec<WorkloadAccount<'a>> {
    let mut found = Vec::new();
    for (index, object) in ctx.objects.iter().enumerate() {
        let Some(location) = ctx.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(pod)) = PodView::read(&object.value(), location.clone()) else {
            continue;
        };
        let namespace = object.id.namespace.as_deref().unwrap_or("default");
        let account = service_account_name(&pod);
        found.push(WorkloadAccount {
            index,
            spec: location.spec,
            namespace,
            automount: Automount::of(accounts, &pod, namespace, account),
            account: account.to_owned(),
        });
    }
    found
}

const AUTOMOUNT_FIX: Fix = Fix {
    summary: "Unsafe (the workload may call the API server): sets \
              `automountServiceAccountToken: false` in the pod spec.",
    kubernetes: Some(|site| set_flag(site, false, Safety::Unsafe)),
    compose: None,
    dockerfile: None,
};

pub(super) const SERVICE_ACCOUNT_TOKEN_AUTOMOUNT: RunRule = RunRule {
    meta: RuleMeta {
        id: "service-account-token-automount",
        severity: Severity::Low,
        title: "Service-account token is mounted automatically",
        why: "Every container gets an API token it rarely needs; whoever compromises the \
              container can talk to the API server with the service account's rights. The \
              token is mounted unless the pod, or else its ServiceAccount (read when it is in \
              the input), sets `automountServiceAccountToken: false`.",
        fix: "Set `automountServiceAccountToken: false` in the pod spec (or on the \
              ServiceAccount) and mount a projected token only where the API is used.",
        references: &[
            "CIS 5.1.6",
            "NSA/CISA Kubernetes Hardening: service account tokens",
        ],
    },
    check: check_automount,
    fix: Some(&AUTOMOUNT_FIX),
};

fn check_automount(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let accounts = ServiceAccounts::of(ctx);
    for workload in workload_accounts(ctx, &accounts) {
        let WorkloadAccount {
            namespace, account, ..
        } = &workload;
        let why = match workload.automount {
            Automount::Pod(false) | Automount::Account(false) => continue,
            Automount::Pod(true) => "the pod sets automountServiceAccountToken: true".to_owned(),
            Automount::Account(true) => format!(
                "its ServiceAccount {namespace}/{account} sets automountServiceAccountToken: true"
            ),
            Automount::Unset if accounts.has(namespace, account) => format!(
                "neither the pod nor its ServiceAccount {namespace}/{account} sets \
                 automountServiceAccountToken: false"
            ),
            Automount::Unset => format!(
                "the pod does not set automountServiceAccountToken: false (its ServiceAccount \
                 {namespace}/{account} is not in the input)"
            ),
        };
        out.report(
            workload.index,
            workload.spec.child("automountServiceAccountToken"),
            format!("the service-account token is mounted into every container: {why}"),
        );
    }
}
