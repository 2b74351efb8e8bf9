//! The admission plugin (§8): request filtering, policy selection, the mutating (CREATE)
//! and validating phases and upstream's rejection messages.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};

use crate::psp::authorizer::{Authorizer, UserInfo, may_use};
use crate::psp::field_error::{FieldError, go_quote, render_error_list};
use crate::psp::patch::{pod_patch, pods_equivalent};
use crate::psp::provider::Provider;
use crate::psp::types::PodSecurityPolicy;
use crate::psp::validation::validate_policy;

/// Pod annotation recording the policy that admitted the pod.
pub const PSP_ANNOTATION: &str = "kubernetes.io/psp";

/// Prefix of the plugin's audit annotation keys.
const AUDIT_PREFIX: &str = "podsecuritypolicy.policy.k8s.io";

/// The admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// Pod creation: defaulted and validated.
    Create,
    /// Pod update: validated only.
    Update,
    /// Ignored by the plugin.
    Delete,
    /// Ignored by the plugin.
    Connect,
}

/// What the plugin needs to know about one admission request for a pod.
#[derive(Debug, Clone)]
pub struct AdmissionAttributes {
    /// The operation.
    pub operation: Operation,
    /// The submitted pod.
    pub pod: Pod,
    /// The stored pod (UPDATE only).
    pub old_pod: Option<Pod>,
    /// The requesting user; `None` is never authorized.
    pub user: Option<UserInfo>,
    /// Namespace of the request.
    pub namespace: String,
    /// Subresource (`status`, `ephemeralcontainers`, ...); any subresource is ignored.
    pub subresource: Option<String>,
}

/// One field error attributed to the policy that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFieldError {
    /// Policy name.
    pub policy: String,
    /// The error (`field`, `type`, `value`, `detail` when serialised).
    #[serde(flatten)]
    pub error: FieldError,
}

/// A policy left out of the evaluation, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedPolicy {
    /// Policy name.
    pub policy: String,
    /// Why it was skipped (invalid object, or a provider that cannot be built).
    pub reason: String,
    /// Object validation errors, when the policy is invalid.
    pub errors: Vec<FieldError>,
}

/// The verdict on one request.
#[derive(Debug, Clone, Serialize)]
pub struct AdmissionOutcome {
    /// Whether the pod is admitted.
    pub allowed: bool,
    /// The admitting policy (`kubernetes.io/psp`), when one was chosen.
    pub policy: Option<String>,
    /// JSONPatch from the submitted to the admitted pod (empty when unchanged).
    pub patch: json_patch::Patch,
    /// The admitted (possibly defaulted) pod; the submitted pod when rejected.
    #[serde(rename = "pod")]
    pub mutated_pod: Pod,
    /// Errors of the authorized policies, in evaluation order (empty when allowed).
    pub errors: Vec<PolicyFieldError>,
    /// Upstream's rejection text, when rejected.
    pub message: Option<String>,
    /// Policies excluded before evaluation.
    pub skipped_policies: Vec<SkippedPolicy>,
    /// Audit annotations upstream would record (`podsecuritypolicy.policy.k8s.io/admit-policy`,
    /// `.../validate-policy`).
    pub audit_annotations: BTreeMap<String, String>,
}

impl AdmissionOutcome {
    fn unchanged(pod: &Pod) -> Self {
        Self {
            allowed: true,
            policy: None,
            patch: json_patch::Patch::default(),
            mutated_pod: pod.clone(),
            errors: Vec::new(),
            message: None,
            skipped_policies: Vec::new(),
            audit_annotations: BTreeMap::new(),
        }
    }
}

/// The pod as the plugin sees it: the API server has placed it in the request's
/// namespace, and ServiceAccount admission (which runs before PodSecurityPolicy) has named
/// its service account (`default_sa`, else `default`) when it named none.
pub fn as_seen_by_the_plugin(input: &Pod, namespace: &str, default_sa: Option<&str>) -> Pod {
    let mut pod = input.clone();
    pod.metadata.namespace = Some(namespace.to_owned());
    if let Some(spec) = pod.spec.as_mut()
        && spec
            .service_account_name
            .as_deref()
            .is_none_or(str::is_empty)
    {
        spec.service_account_name = Some(default_sa.unwrap_or("default").to_owned());
    }
    pod
}

/// Runs the PodSecurityPolicy plugin on one request: CREATE is defaulted then validated,
/// UPDATE is validated only; ignored requests are allowed unchanged. Invalid policies and
/// policies whose provider cannot be built are excluded and listed in `skipped_policies`.
pub fn admit(
    request: &AdmissionAttributes,
    policies: &[PodSecurityPolicy],
    authz: &dyn Authorizer,
) -> AdmissionOutcome {
    let mut outcome = AdmissionOutcome::unchanged(&request.pod);
    if is_ignored(request) {
        return outcome;
    }
    let (providers, skipped) = build_providers(policies);
    outcome.skipped_policies = skipped;
    let ctx = Context {
        request,
        providers: &providers,
        authz,
    };
    let pod = if request.operation == Operation::Create {
        match ctx.evaluate(&request.pod, true, None) {
            Ok(Admitted { policy, mut pod }) => {
                outcome
                    .audit_annotations
                    .insert(format!("{AUDIT_PREFIX}/admit-policy"), policy.clone());
                pod.metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(PSP_ANNOTATION.to_string(), policy);
                pod
            }
            Err(rejection) => return ctx.reject(outcome, rejection, "unable to admit pod"),
        }
    } else {
        request.pod.clone()
    };
    let hint = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(PSP_ANNOTATION))
        .cloned();
    match ctx.evaluate(&pod, false, hint.as_deref()) {
        Ok(Admitted { policy, .. }) => {
            outcome
                .audit_annotations
                .insert(format!("{AUDIT_PREFIX}/validate-policy"), policy.clone());
            outcome.policy = Some(policy);
            outcome.patch = pod_patch(&request.pod, &pod);
            outcome.mutated_pod = pod;
            outcome
        }
        Err(rejection) => ctx.reject(outcome, rejection, "unable to validate pod"),
    }
}

/// Requests the plugin does not look at (§8.1).
fn is_ignored(request: &AdmissionAttributes) -> bool {
    let subresource = request
        .subresource
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    let operation = !matches!(request.operation, Operation::Create | Operation::Update);
    subresource || operation || is_gc_only_update(request)
}

/// An UPDATE that changes nothing but owner references, finalizers and bookkeeping.
fn is_gc_only_update(request: &AdmissionAttributes) -> bool {
    let (Operation::Update, Some(old)) = (request.operation, &request.old_pod) else {
        return false;
    };
    let mut pod = request.pod.clone();
    pod.metadata.owner_references = old.metadata.owner_references.clone();
    pod.metadata.finalizers = old.metadata.finalizers.clone();
    pod.metadata.self_link = old.metadata.self_link.clone();
    pod.metadata.managed_fields = old.metadata.managed_fields.clone();
    pods_equivalent(&pod, old)
}

/// Providers sorted by policy name, plus the policies left out.
fn build_providers(policies: &[PodSecurityPolicy]) -> (Vec<Provider>, Vec<SkippedPolicy>) {
    let mut providers = Vec::new();
    let mut skipped = Vec::new();
    for policy in policies {
        let errors = validate_policy(policy);
        if !errors.is_empty() {
            skipped.push(SkippedPolicy {
                policy: policy.name().to_string(),
                reason: format!("invalid policy: {}", render_error_list(&errors)),
                errors,
            });
            continue;
        }
        match Provider::new(policy) {
            Ok(provider) => providers.push(provider),
            Err(error) => skipped.push(SkippedPolicy {
                policy: policy.name().to_string(),
                reason: error.to_string(),
                errors: Vec::new(),
            }),
        }
    }
    providers.sort_by(|a, b| a.name().cmp(b.name()));
    (providers, skipped)
}

/// The policy chosen for a pod and the pod as that policy defaulted it.
struct Admitted {
    policy: String,
    pod: Pod,
}

/// Why no policy was chosen (§8.2).
enum Rejection {
    /// Errors of the authorized policies that failed.
    Errors(Vec<PolicyFieldError>),
    /// No usable policy exists.
    NoProviders,
}

struct Context<'a> {
    request: &'a AdmissionAttributes,
    providers: &'a [Provider],
    authz: &'a dyn Authorizer,
}

impl Context<'_> {
    fn evaluate(
        &self,
        pod: &Pod,
        mutation_allowed: bool,
        hint: Option<&str>,
    ) -> Result<Admitted, Rejection> {
        if self.providers.is_empty() {
            return Err(Rejection::NoProviders);
        }
        let mut failures: Vec<(&str, Vec<FieldError>)> = Vec::new();
        let mut candidate: Option<(&str, Pod)> = None;
        for provider in self.ordered(mutation_allowed, hint) {
            let mut copy = pod.clone();
            provider.mutate_pod(&mut copy);
            let errors = provider.validate_pod(&copy);
            if !errors.is_empty() {
                failures.push((provider.name(), errors));
                continue;
            }
            let mutated = !pods_equivalent(&copy, pod);
            if (mutated && !mutation_allowed) || !self.is_authorized(pod, provider.name()) {
                continue;
            }
            if !mutated {
                return Ok(Admitted {
                    policy: provider.name().to_string(),
                    pod: copy,
                });
            }
            if candidate.is_none() {
                candidate = Some((provider.name(), copy));
            }
        }
        if let Some((policy, pod)) = candidate {
            return Ok(Admitted {
                policy: policy.to_string(),
                pod,
            });
        }
        let errors = failures
            .into_iter()
            .filter(|(policy, _)| self.is_authorized(pod, policy))
            .flat_map(|(policy, errors)| {
                errors.into_iter().map(move |error| PolicyFieldError {
                    policy: policy.to_string(),
                    error,
                })
            })
            .collect();
        Err(Rejection::Errors(errors))
    }

    /// Providers by name; without mutation, the hinted policy first.
    fn ordered(&self, mutation_allowed: bool, hint: Option<&str>) -> Vec<&Provider> {
        let mut ordered: Vec<&Provider> = self.providers.iter().collect();
        if let (false, Some(hint)) = (mutation_allowed, hint) {
            ordered.sort_by_key(|p| p.name() != hint);
        }
        ordered
    }

    /// Whether the pod's service account or the requesting user may use `policy`.
    fn is_authorized(&self, pod: &Pod, policy: &str) -> bool {
        let namespace = self.request.namespace.as_str();
        let service_account = pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.as_deref())
            .filter(|name| !name.is_empty())
            .map(|name| UserInfo::service_account(namespace, name));
        [service_account.as_ref(), self.request.user.as_ref()]
            .into_iter()
            .flatten()
            .any(|subject| may_use(self.authz, subject, policy, namespace))
    }

    fn reject(
        &self,
        mut outcome: AdmissionOutcome,
        rejection: Rejection,
        action: &str,
    ) -> AdmissionOutcome {
        let reason = match rejection {
            Rejection::Errors(errors) => {
                let reason = format!(
                    "{action}: {}",
                    render_error_list(errors.iter().map(|e| &e.error))
                );
                outcome.errors = errors;
                reason
            }
            Rejection::NoProviders => "no providers available to validate pod request".to_string(),
        };
        outcome.allowed = false;
        outcome.message = Some(format!(
            "pods {} is forbidden: PodSecurityPolicy: {reason}",
            go_quote(pod_display_name(&self.request.pod))
        ));
        outcome
    }
}

/// `metadata.name`, or `metadata.generateName` when the name is empty.
fn pod_display_name(pod: &Pod) -> &str {
    pod.metadata
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(pod.metadata.generate_name.as_deref())
        .unwrap_or_default()
}
