//! What the run's bindings hand out, worked out once per run and shared by every RBAC
//! run rule (`RunContext::cache`).
//!
//! Each role's own rules are judged once against every risk ([`Grants`]); an aggregated
//! ClusterRole then takes the grants of the roles its selectors match (risks, not rules,
//! are aggregated), and roles with the same aggregation selectors share that work. A
//! binding's risks are then a lookup. The result is what judging every rule a binding
//! hands out (aggregated copies included) would give: for each risk, the first granting
//! rule in the order the role lists them, then the aggregated roles in input order.

use std::collections::HashMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};

use crate::kinds;
use crate::netpol::selector::Selector;
use crate::rbac::model::{NO_LABELS, aggregation_selectors};
use crate::rbac::risk::{RISKS, Reach, Risk};
use crate::rbac::{BindingView, GrantedRule, Rbac, RbacKind, RuleFields};
use crate::rules::RunContext;

/// How many risks the catalogue knows.
const RISK_COUNT: usize = RISKS.len();

/// A rule of a role of the run: which role (kind and index) and which of its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Source {
    cluster_role: bool,
    role: usize,
    rule: usize,
}

/// A risk granted by a rule, and how.
type Grant = Option<(Source, Reach)>;

/// What a role hands out: per risk, the first rule granting it, through a
/// ClusterRoleBinding (`anywhere`) or a RoleBinding (`in_namespace`: cluster-scoped
/// resources are out of reach); and the first rule granting every verb on every
/// resource of every API group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Grants {
    anywhere: [Grant; RISK_COUNT],
    in_namespace: [Grant; RISK_COUNT],
    everything: Option<Source>,
}

impl Grants {
    /// The grants of one role's own rules.
    fn of_rules(rules: &[PolicyRule], cluster_role: bool, role: usize) -> Self {
        let mut grants = Self::default();
        for (index, rule) in rules.iter().enumerate() {
            let source = Source {
                cluster_role,
                role,
                rule: index,
            };
            let fields = RuleFields::of(rule);
            grants.everything = grants
                .everything
                .or_else(|| fields.grants_everything().then_some(source));
            for (r, risk) in RISKS.iter().enumerate() {
                if grants.anywhere[r].is_none() {
                    grants.anywhere[r] = risk.granted_by(&fields, false).map(|g| (source, g));
                }
                if grants.in_namespace[r].is_none() {
                    grants.in_namespace[r] = risk.granted_by(&fields, true).map(|g| (source, g));
                }
            }
        }
        grants
    }

    /// Adds what `later` grants and these grants do not (theirs come after ours).
    fn then(&mut self, later: &Self) {
        for (mine, theirs) in self
            .anywhere
            .iter_mut()
            .zip(&later.anywhere)
            .chain(self.in_namespace.iter_mut().zip(&later.in_namespace))
        {
            *mine = mine.or(*theirs);
        }
        self.everything = self.everything.or(later.everything);
    }
}

/// A risk granted by a binding, with the rule that grants it.
pub(crate) struct RiskHit<'a> {
    /// The risk.
    pub risk: Risk,
    /// The first rule granting it.
    pub granted: GrantedRule<'a>,
    /// For every object or only named ones.
    pub reach: Reach,
}

/// The RBAC objects of a run, with each binding's index among the collected objects (in
/// the order [`Rbac::bindings`] yields them), and what every role hands out.
#[derive(Debug)]
pub(crate) struct RunRbac {
    rbac: Rbac,
    binding_objects: Vec<usize>,
    /// The first ClusterRole of each name.
    cluster_role_by_name: HashMap<String, usize>,
    /// The Roles of each namespace and name, in input order.
    roles_by_name: HashMap<(String, String), Vec<usize>>,
    /// Per ClusterRole: its grants, aggregated ones included.
    cluster_grants: Vec<Grants>,
    /// Per Role: its grants.
    role_grants: Vec<Grants>,
}

/// The run's RBAC, worked out on first use and shared by the run rules after.
pub(super) fn run_rbac<'a>(ctx: &RunContext<'a>) -> &'a RunRbac {
    ctx.cache.rbac.get_or_init(|| RunRbac::of(ctx))
}

impl RunRbac {
    fn of(ctx: &RunContext<'_>) -> Self {
        let mut rbac = Rbac::default();
        let (mut cluster_bindings, mut role_bindings) = (Vec::new(), Vec::new());
        for (index, object) in ctx.objects.iter().enumerate() {
            let Some(kind) = RbacKind::of(&object.id) else {
                continue;
            };
            // An object with a field of the wrong type grants nothing here; its own
            // file's scan reports it.
            if rbac.insert(kind, &object.value()).is_err() {
                continue;
            }
            match kind {
                RbacKind::RoleBinding => role_bindings.push(index),
                RbacKind::ClusterRoleBinding => cluster_bindings.push(index),
                RbacKind::Role | RbacKind::ClusterRole => {}
            }
        }
        cluster_bindings.extend(role_bindings);
        Self::new(rbac, cluster_bindings)
    }

    fn new(rbac: Rbac, binding_objects: Vec<usize>) -> Self {
        let mut cluster_role_by_name = HashMap::new();
        for (index, role) in rbac.cluster_roles.iter().enumerate() {
            let name = role.metadata.name.clone().unwrap_or_default();
            cluster_role_by_name.entry(name).or_insert(index);
        }
        let mut roles_by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (index, role) in rbac.roles.iter().enumerate() {
            let namespace = role.metadata.namespace.as_deref().unwrap_or("default");
            let name = role.metadata.name.clone().unwrap_or_default();
            roles_by_name
                .entry((namespace.to_owned(), name))
                .or_default()
                .push(index);
        }
        let role_grants = rbac
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| Grants::of_rules(role.rules.as_deref().unwrap_or_default(), false, i))
            .collect();
        let cluster_grants = aggregated(&rbac.cluster_roles);
        Self {
            rbac,
            binding_objects,
            cluster_role_by_name,
            roles_by_name,
            cluster_grants,
            role_grants,
        }
    }

    /// Every binding with the index of its collected object.
    pub fn bindings(&self) -> impl Iterator<Item = (usize, BindingView<'_>)> {
        self.binding_objects
            .iter()
            .copied()
            .zip(self.rbac.bindings())
    }

    /// What the role a binding refers to hands out (nothing for a role not in the run).
    fn grants_of(&self, binding: &BindingView<'_>) -> Grants {
        let name = binding.role_ref.name.as_str();
        match (RbacKind::named(&binding.role_ref.kind), binding.namespace) {
            (Some(RbacKind::ClusterRole), _) => self
                .cluster_role_by_name
                .get(name)
                .map(|&i| self.cluster_grants[i].clone())
                .unwrap_or_default(),
            (Some(RbacKind::Role), Some(namespace)) => {
                let mut grants = Grants::default();
                let key = (namespace.to_owned(), name.to_owned());
                for &i in self.roles_by_name.get(&key).into_iter().flatten() {
                    grants.then(&self.role_grants[i]);
                }
                grants
            }
            _ => Grants::default(),
        }
    }

    /// The dangerous permissions a binding hands out, one hit per risk, in catalogue
    /// order.
    pub fn hits(&self, binding: &BindingView<'_>) -> Vec<RiskHit<'_>> {
        let grants = self.grants_of(binding);
        let scoped = if binding.namespace.is_some() {
            &grants.in_namespace
        } else {
            &grants.anywhere
        };
        RISKS
            .iter()
            .zip(scoped)
            .filter_map(|(risk, grant)| {
                let (source, reach) = (*grant)?;
                Some(RiskHit {
                    risk: *risk,
                    granted: self.granted_rule(source)?,
                    reach,
                })
            })
            .collect()
    }

    /// The rule through which a binding grants every verb on every resource of every
    /// API group, if it does.
    pub fn full_access(&self, binding: &BindingView<'_>) -> Option<GrantedRule<'_>> {
        self.granted_rule(self.grants_of(binding).everything?)
    }

    fn granted_rule(&self, source: Source) -> Option<GrantedRule<'_>> {
        let (kind, meta, rules) = if source.cluster_role {
            let role = self.rbac.cluster_roles.get(source.role)?;
            (
                kinds::CLUSTER_ROLE.kind,
                &role.metadata,
                role.rules.as_deref(),
            )
        } else {
            let role = self.rbac.roles.get(source.role)?;
            (kinds::ROLE.kind, &role.metadata, role.rules.as_deref())
        };
        Some(GrantedRule {
            rule: rules?.get(source.rule)?,
            index: source.rule,
            kind,
            namespace: meta
                .namespace
                .as_deref()
                .filter(|_| kind == kinds::ROLE.kind),
            name: meta.name.as_deref().unwrap_or_default(),
        })
    }
}

/// Every ClusterRole's grants, aggregation included: its own, then those of the roles its
/// `aggregationRule` selects, in input order (one level, like the controller). Roles with
/// the same selectors share one pass over the roles.
fn aggregated(roles: &[ClusterRole]) -> Vec<Grants> {
    let own: Vec<Grants> = roles
        .iter()
        .enumerate()
        .map(|(i, role)| Grants::of_rules(role.rules.as_deref().unwrap_or_default(), true, i))
        .collect();
    let mut by_selectors: HashMap<Vec<Selector>, Grants> = HashMap::new();
    roles
        .iter()
        .zip(&own)
        .map(|(role, grants)| {
            let selectors = aggregation_selectors(role.aggregation_rule.as_ref());
            let mut all = grants.clone();
            if selectors.is_empty() {
                return all;
            }
            // The role itself may match its selectors: its own grants come first anyway.
            let selected = by_selectors
                .entry(selectors)
                .or_insert_with_key(|selectors| selected_grants(roles, &own, selectors));
            all.then(selected);
            all
        })
        .collect()
}

/// The grants of every role one of `selectors` matches, in input order.
fn selected_grants(roles: &[ClusterRole], own: &[Grants], selectors: &[Selector]) -> Grants {
    let mut grants = Grants::default();
    for (role, role_grants) in roles.iter().zip(own) {
        let labels = role.metadata.labels.as_ref().unwrap_or(&NO_LABELS);
        if selectors.iter().any(|s| s.matches(labels)) {
            grants.then(role_grants);
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use crate::kinds::RBAC_GROUP;
    use proptest::prelude::*;

    use super::*;

    /// The definition: every rule the binding hands out (aggregated copies included,
    /// as `Rbac::rules_of` lists them), judged against every risk; the first rule wins.
    fn hits_by_definition(rbac: &Rbac, binding: &BindingView<'_>) -> Vec<(String, String)> {
        let namespaced_only = binding.namespace.is_some();
        let granted = rbac.rules_of(binding);
        RISKS
            .iter()
            .filter_map(|risk| {
                granted.iter().find_map(|g| {
                    let reach = risk.granted_by(&RuleFields::of(g.rule), namespaced_only)?;
                    Some((risk.name.to_owned(), format!("{} {reach:?}", g.describe())))
                })
            })
            .collect()
    }

    fn full_access_by_definition(rbac: &Rbac, binding: &BindingView<'_>) -> Option<String> {
        rbac.rules_of(binding)
            .iter()
            .find(|g| RuleFields::of(g.rule).grants_everything())
            .map(GrantedRule::describe)
    }

    const VERBS: &[&str] = &["get", "list", "create", "bind", "impersonate", "*"];
    const GROUPS: &[&str] = &["", "rbac.authorization.k8s.io", "certificates.k8s.io", "*"];
    const RESOURCES: &[&str] = &[
        "secrets",
        "pods",
        "pods/exec",
        "nodes/proxy",
        "clusterroles",
        "users",
        "certificatesigningrequests/approval",
        "*",
    ];

    fn pick(options: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
        proptest::sample::subsequence(options, 1..=2)
            .prop_map(|items| items.into_iter().map(str::to_owned).collect())
    }

    fn rule() -> impl Strategy<Value = serde_json::Value> {
        (pick(VERBS), pick(GROUPS), pick(RESOURCES), any::<bool>()).prop_map(
            |(verbs, groups, resources, named)| {
                let names: Vec<&str> = if named { vec!["one"] } else { vec![] };
                serde_json::json!({"verbs": verbs, "apiGroups": groups,
                    "resources": resources, "resourceNames": names})
            },
        )
    }

    /// A ClusterRole with some rules, one of three labels, and maybe an aggregation rule
    /// selecting one of the labels.
    fn cluster_role(index: usize) -> impl Strategy<Value = serde_json::Value> {
        (
            proptest::collection::vec(rule(), 0..3),
            0..3usize,
            proptest::option::of(0..3usize),
        )
            .prop_map(move |(rules, label, aggregates)| {
                let mut role = serde_json::json!({
                    "metadata": {"name": format!("c{index}"), "labels": {"tier": format!("t{label}")}},
                    "rules": rules,
                });
                if let Some(selected) = aggregates {
                    role["aggregationRule"] = serde_json::json!({"clusterRoleSelectors":
                        [{"matchLabels": {"tier": format!("t{selected}")}}]});
                }
                role
            })
    }

    fn rbac() -> impl Strategy<Value = Rbac> {
        let roles = (0..6usize)
            .map(cluster_role)
            .collect::<Vec<_>>()
            .prop_flat_map(|roles| (Just(roles), proptest::collection::vec(rule(), 0..3)));
        roles.prop_map(|(cluster_roles, role_rules)| {
            fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
                serde_json::from_value(v).expect("valid")
            }
            let mut rbac = Rbac {
                cluster_roles: cluster_roles.into_iter().map(parse).collect(),
                roles: vec![parse(serde_json::json!({
                    "metadata": {"name": "r", "namespace": "ns"}, "rules": role_rules}))],
                ..Rbac::default()
            };
            for i in 0..6 {
                let role_ref = serde_json::json!({"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": format!("c{i}")});
                rbac.cluster_role_bindings.push(parse(
                    serde_json::json!({"metadata": {"name": format!("b{i}")}, "roleRef": role_ref}),
                ));
                rbac.role_bindings.push(parse(serde_json::json!({
                    "metadata": {"name": format!("rb{i}"), "namespace": "ns"}, "roleRef": role_ref})));
            }
            rbac.role_bindings.push(parse(serde_json::json!({
                "metadata": {"name": "to-role", "namespace": "ns"},
                "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": "r"}})));
            rbac
        })
    }

    proptest! {
        /// Aggregating risks per role gives what judging every granted rule gives.
        #[test]
        fn grants_are_what_the_granted_rules_give(rbac in rbac()) {
            let bindings = rbac.cluster_role_bindings.len() + rbac.role_bindings.len();
            let run = RunRbac::new(rbac.clone(), (0..bindings).collect());
            for (_, binding) in run.bindings() {
                let hits: Vec<(String, String)> = run
                    .hits(&binding)
                    .iter()
                    .map(|h| (h.risk.name.to_owned(), format!("{} {:?}", h.granted.describe(), h.reach)))
                    .collect();
                prop_assert_eq!(hits, hits_by_definition(&rbac, &binding), "{}", binding.describe());
                prop_assert_eq!(
                    run.full_access(&binding).map(|g| g.describe()),
                    full_access_by_definition(&rbac, &binding)
                );
            }
        }
    }
}
