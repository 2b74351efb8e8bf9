//! The RBAC run rules on many aggregated ClusterRoles: N ClusterRoles that each carry the
//! label their own `aggregationRule` selects (so every one aggregates all N), each bound
//! to a namespace's `default` service account.
//!
//! * `run_rules`: scan the manifest and run every RBAC run rule, as `rampart scan` does.
//! * `per_binding_rules`: the previous design, on the same roles: for each role a binding
//!   refers to, list every rule it hands out (aggregated copies included) and judge each
//!   risk against each rule, once per run rule that needs it (three did). Quadratic: it is
//!   here as the baseline the ratio is taken against, in the same run.
//!
//! Run: `cargo bench -p rampart-core --bench rbac`.

#![allow(clippy::expect_used)] // a bench fixture that does not parse is a bug in the bench

use std::collections::HashMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use rampart_core::config::Config;
use rampart_core::rbac::{RISKS, Rbac, RuleFields};
use rampart_core::rules::Collected;
use rampart_core::scan::{ScanOptions, run_checks, scan_file};

fn main() {
    divan::main();
}

/// The RBAC rules that look at bindings.
const RULES: &[&str] = &[
    "rbac-cluster-admin-binding",
    "rbac-anonymous-access",
    "rbac-default-service-account-power",
    "rbac-broad-group-power",
    "workload-powerful-token",
];

/// `n` aggregating ClusterRoles and their bindings, as YAML.
fn manifest(n: usize) -> String {
    let mut docs = Vec::with_capacity(2 * n);
    for i in 0..n {
        docs.push(format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
             metadata:\n  name: role-{i}\n  labels: {{aggregate: \"yes\", team: t{}}}\n\
             aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{aggregate: \"yes\"}}\n\
             rules:\n- {{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list]}}\n\
             - {{apiGroups: [apps], resources: [deployments/scale], verbs: [get]}}\n",
            i % 13
        ));
        docs.push(format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n\
             metadata: {{name: bind-{i}}}\n\
             roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: role-{i}}}\n\
             subjects:\n- {{kind: ServiceAccount, name: default, namespace: ns-{i}}}\n"
        ));
    }
    docs.join("---\n")
}

#[divan::bench(args = [500, 2000, 8000], sample_count = 3)]
fn run_rules(bencher: divan::Bencher, n: usize) {
    let text = manifest(n);
    let options = ScanOptions::from_config(Config::default().only(RULES));
    bencher.bench(|| {
        let mut scan = scan_file("rbac.yaml", text.as_bytes(), &options);
        let collected: Vec<Collected> = std::mem::take(&mut scan.collected);
        run_checks(&collected, &options).findings.len()
    });
}

/// The roles and bindings of [`manifest`], typed.
fn rbac(n: usize) -> Rbac {
    let mut rbac = Rbac::default();
    for doc in manifest(n).split("---\n") {
        let value: serde_json::Value = serde_saphyr::from_str(doc).expect("bench YAML");
        match value["kind"].as_str() {
            Some("ClusterRole") => rbac
                .cluster_roles
                .push(serde_json::from_value::<ClusterRole>(value).expect("role")),
            _ => rbac
                .cluster_role_bindings
                .push(serde_json::from_value::<ClusterRoleBinding>(value).expect("binding")),
        }
    }
    rbac
}

#[divan::bench(args = [500, 2000], sample_count = 3)]
fn per_binding_rules(bencher: divan::Bencher, n: usize) {
    let rbac = rbac(n);
    bencher.bench(|| {
        let mut granted = 0;
        for _rule in 0..3 {
            let mut by_role: HashMap<&str, usize> = HashMap::new();
            for binding in rbac.bindings() {
                granted += *by_role.entry(&binding.role_ref.name).or_insert_with(|| {
                    let rules = rbac.rules_of(&binding);
                    RISKS
                        .iter()
                        .filter(|risk| {
                            rules.iter().any(|g| {
                                risk.granted_by(
                                    &RuleFields::of(g.rule),
                                    binding.namespace.is_some(),
                                )
                                .is_some()
                            })
                        })
                        .count()
                });
            }
        }
        granted
    });
}
