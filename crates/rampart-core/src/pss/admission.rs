//! Pod Security Admission around the evaluation: which requests are looked at, exemptions,
//! the namespace's policy, the "significant update" filter, namespace label changes and the
//! dry run of a stricter enforce level on the pods already there, in the order upstream's
//! `k8s.io/pod-security-admission/admission` takes these decisions.
//!
//! Pure: the caller looks up the namespace's labels and lists its pods, and says when the
//! dry run is out of time ([`DryRun::out_of_time`]); nothing here reads the clock.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::message::go_quote;
use super::{Evaluation, Level, LevelVersion, NamespacePolicy, evaluate};

/// Exemptions as in PSA's `PodSecurityConfiguration`: exact matches, no wildcards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Requesting user names.
    pub usernames: BTreeSet<String>,
    /// Request namespaces.
    pub namespaces: BTreeSet<String>,
    /// `spec.runtimeClassName` values.
    pub runtime_classes: BTreeSet<String>,
}

impl Exemptions {
    /// Whether `namespace` is exempt (an empty name never is).
    pub fn namespace(&self, namespace: &str) -> bool {
        !namespace.is_empty() && self.namespaces.contains(namespace)
    }

    /// Whether `username` is exempt (an empty name never is).
    pub fn user(&self, username: &str) -> bool {
        !username.is_empty() && self.usernames.contains(username)
    }

    /// Whether a pod with this `spec.runtimeClassName` is exempt.
    pub fn runtime_class(&self, runtime_class: Option<&str>) -> bool {
        runtime_class.is_some_and(|rc| !rc.is_empty() && self.runtime_classes.contains(rc))
    }
}

/// Pod Security Admission's configuration: the policy of namespaces without labels and
/// the exemptions.
#[derive(Debug, Clone, Copy)]
pub struct Admission<'a> {
    /// The levels of a namespace without Pod Security labels.
    pub defaults: &'a NamespacePolicy,
    /// Who and what is never evaluated.
    pub exemptions: &'a Exemptions,
}

/// A write of a pod or of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A new object.
    Create,
    /// A change of an existing object.
    Update,
}

/// What Pod Security Admission reads of a request besides the object.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// CREATE or UPDATE.
    pub operation: Operation,
    /// The request's namespace.
    pub namespace: &'a str,
    /// The requesting user.
    pub username: &'a str,
}

/// A pod, or a workload's pod template: its metadata and spec.
#[derive(Debug, Clone, Copy)]
pub struct PodParts<'a> {
    /// `metadata` (annotations are read).
    pub meta: &'a ObjectMeta,
    /// `spec`.
    pub spec: &'a PodSpec,
}

/// The namespace's labels as the caller found them: `Ok(None)` when there are none to
/// read (no such namespace known), `Err` with the reason when the lookup failed.
pub type NamespaceLabels<'a> = Result<Option<&'a BTreeMap<String, String>>, &'a str>;

/// Why a pod write is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The pod violates the enforce level: upstream's `violates PodSecurity "…": …`, to
    /// follow `pods "name" is forbidden: ` (HTTP 403).
    Forbidden(String),
    /// The namespace's labels could not be read (HTTP 500); the message.
    LookupFailed(String),
}

/// Pod Security Admission's answer on one pod or workload write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Why the write is refused; `None` when allowed.
    pub denial: Option<Denial>,
    /// Warnings for the client.
    pub warnings: Vec<String>,
    /// Audit annotations, keys without the `pod-security.kubernetes.io/` prefix.
    pub audit: BTreeMap<String, String>,
}

impl Decision {
    fn annotated(key: &str, value: impl Into<String>) -> Self {
        let mut decision = Self::default();
        decision.audit.insert(key.to_owned(), value.into());
        decision
    }
}

/// What a namespace CREATE or UPDATE means for Pod Security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceWrite {
    /// Labels that do not parse (and were not already wrong in the same way): the write
    /// is invalid; the field errors.
    Invalid(Vec<String>),
    /// Allowed, perhaps with a warning (an exempt namespace whose labels set a policy).
    Allowed(Option<String>),
    /// Allowed; the pods already there are to be tried against the new enforce level
    /// ([`Admission::dry_run`]) and the result returned as warnings.
    DryRun(LevelVersion),
}

/// A dry run of a stricter enforce level over a namespace's existing pods.
#[derive(Clone, Copy)]
pub struct DryRun<'a> {
    /// The namespace, for the warning text.
    pub namespace: &'a str,
    /// The new enforce level.
    pub enforce: LevelVersion,
    /// Asked after each pod: `true` stops the run there (the caller's deadline).
    pub out_of_time: &'a dyn Fn() -> bool,
}

impl std::fmt::Debug for DryRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DryRun")
            .field("namespace", &self.namespace)
            .field("enforce", &self.enforce)
            .finish_non_exhaustive()
    }
}

impl Admission<'_> {
    /// A pod CREATE or UPDATE (`old` is the stored pod on UPDATE): exempt namespace,
    /// exempt user, the namespace's labels, a fully privileged namespace, then (UPDATE)
    /// whether anything Pod Security reads changed ([`significant_update`]), then the
    /// evaluation with enforce.
    pub fn validate_pod(
        &self,
        request: &Request<'_>,
        labels: NamespaceLabels<'_>,
        pod: PodParts<'_>,
        old: Option<PodParts<'_>>,
    ) -> Decision {
        let policy = match self.pre_evaluation(request, labels, true) {
            Ok(policy) => policy,
            Err(decision) => return decision,
        };
        if request.operation == Operation::Update
            && let Some(old) = old
            && !significant_update(pod, old)
        {
            return Decision::default();
        }
        self.evaluate(&policy, pod, true)
    }

    /// A workload's pod template: audit and warn only, never a denial; a failed namespace
    /// lookup is only recorded.
    pub fn validate_template(
        &self,
        request: &Request<'_>,
        labels: NamespaceLabels<'_>,
        template: PodParts<'_>,
    ) -> Decision {
        match self.pre_evaluation(request, labels, false) {
            Ok(policy) => self.evaluate(&policy, template, false),
            Err(decision) => decision,
        }
    }

    /// Exemptions and the namespace's policy: `Err` is the decision when nothing is to be
    /// evaluated.
    fn pre_evaluation(
        &self,
        request: &Request<'_>,
        labels: NamespaceLabels<'_>,
        enforce: bool,
    ) -> Result<NamespacePolicy, Decision> {
        if self.exemptions.namespace(request.namespace) {
            return Err(Decision::annotated("exempt", "namespace"));
        }
        if self.exemptions.user(request.username) {
            return Err(Decision::annotated("exempt", "user"));
        }
        let labels = labels.map_err(|error| {
            let message = format!(
                "failed to lookup namespace {}: {error}",
                go_quote(request.namespace)
            );
            let mut decision = Decision::annotated("error", message.clone());
            if enforce {
                decision.denial = Some(Denial::LookupFailed(message));
            }
            decision
        })?;
        let policy =
            NamespacePolicy::from_labels(labels.unwrap_or(&BTreeMap::new()), self.defaults);
        let privileged = |lv: &LevelVersion| lv.level == Level::Privileged;
        let nothing_to_evaluate = if enforce {
            policy.fully_privileged()
        } else {
            privileged(&policy.audit) && privileged(&policy.warn)
        };
        if policy.errors.is_empty() && nothing_to_evaluate {
            return Err(if enforce {
                Decision::annotated("enforce-policy", "privileged:latest")
            } else {
                Decision::default()
            });
        }
        Ok(policy)
    }

    /// Upstream's `EvaluatePod`: exempt runtime class, then enforce (pods only), audit
    /// and warn, each level evaluated once.
    fn evaluate(&self, policy: &NamespacePolicy, pod: PodParts<'_>, enforce: bool) -> Decision {
        if self
            .exemptions
            .runtime_class(pod.spec.runtime_class_name.as_deref())
        {
            return Decision::annotated("exempt", "runtimeClass");
        }
        let mut decision = Decision::default();
        if !policy.errors.is_empty() {
            decision.audit.insert(
                "error".into(),
                format!("Failed to parse policy: {}", policy.errors.join(", ")),
            );
        }
        let mut cache: Vec<Evaluation> = Vec::with_capacity(3);
        let mut evaluate = |lv: &LevelVersion| -> Evaluation {
            if let Some(found) = cache.iter().find(|e| e.policy() == *lv) {
                return found.clone();
            }
            let evaluation = evaluate(lv, pod.meta, pod.spec);
            cache.push(evaluation.clone());
            evaluation
        };
        if enforce {
            decision
                .audit
                .insert("enforce-policy".into(), policy.enforce.to_string());
            decision.denial = evaluate(&policy.enforce)
                .forbidden_message()
                .map(Denial::Forbidden);
        }
        if let Some(message) = evaluate(&policy.audit).warning_message() {
            decision.audit.insert("audit-violations".into(), message);
        }
        if decision.denial.is_none()
            && let Some(message) = evaluate(&policy.warn).warning_message()
        {
            decision.warnings.push(message);
        }
        decision
    }

    /// A namespace CREATE (`old_labels` `None`) or UPDATE of the namespace `name`: labels
    /// must parse (on UPDATE, unless they were already wrong in exactly this way), and an
    /// enforce level made stricter is tried on the pods already there, unless the
    /// namespace is exempt.
    pub fn namespace_write(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        old_labels: Option<&BTreeMap<String, String>>,
    ) -> NamespaceWrite {
        let policy = NamespacePolicy::from_labels(labels, self.defaults);
        let exempt = self.exemptions.namespace(name);
        let exempt_warning = || {
            exempt
                .then(|| policy.exempt_warning(name, labels, self.defaults))
                .flatten()
        };
        let Some(old_labels) = old_labels else {
            if !policy.errors.is_empty() {
                return NamespaceWrite::Invalid(policy.errors);
            }
            return NamespaceWrite::Allowed(exempt_warning());
        };
        let old = NamespacePolicy::from_labels(old_labels, self.defaults);
        if !policy.errors.is_empty() && (old.errors.is_empty() || old.errors != policy.errors) {
            return NamespaceWrite::Invalid(policy.errors);
        }
        let (new, before) = (policy.enforce, old.enforce);
        let relaxed_or_same = new.version == before.version && new.level <= before.level;
        if new == before || new.level == Level::Privileged || relaxed_or_same {
            return NamespaceWrite::Allowed(None);
        }
        if exempt {
            return NamespaceWrite::Allowed(exempt_warning());
        }
        NamespaceWrite::DryRun(new)
    }

    /// The warnings of the dry run over a namespace's `pods` (in list order); `unlisted`
    /// counts pods the caller knows exist but did not fetch. Pods of an exempt runtime
    /// class are skipped.
    pub fn dry_run(
        &self,
        run: &DryRun<'_>,
        pods: &[k8s_openapi::api::core::v1::Pod],
        unlisted: usize,
    ) -> Vec<String> {
        super::existing::existing_pod_warnings(run, self.exemptions, pods, unlisted)
    }
}

/// Upstream's `isSignificantPodUpdate`: whether an UPDATE changes anything Pod Security
/// reads that the API server lets change: the number of containers or init containers, an
/// image, a container's seccomp annotation, or an ephemeral container added or changed.
pub fn significant_update(new: PodParts<'_>, old: PodParts<'_>) -> bool {
    let annotation = |meta: &ObjectMeta, container: &str| {
        meta.annotations
            .as_ref()
            .and_then(|a| a.get(&format!("{SECCOMP_CONTAINER_ANNOTATION}{container}")))
            .cloned()
    };
    let container_changed = |c: &Container, o: &Container| {
        c.image != o.image || annotation(new.meta, &c.name) != annotation(old.meta, &c.name)
    };
    let lists_differ = |a: &[Container], b: &[Container]| {
        a.len() != b.len() || a.iter().zip(b).any(|(x, y)| container_changed(x, y))
    };
    fn init(spec: &PodSpec) -> &[Container] {
        spec.init_containers.as_deref().unwrap_or_default()
    }
    if lists_differ(&new.spec.containers, &old.spec.containers)
        || lists_differ(init(new.spec), init(old.spec))
    {
        return true;
    }
    // One pass over each list (a pod may carry thousands of ephemeral containers): the
    // old containers by name, the first of a repeated name as a search would find it.
    let mut old_ephemeral = std::collections::HashMap::new();
    for container in old.spec.ephemeral_containers.iter().flatten() {
        old_ephemeral
            .entry(container.name.as_str())
            .or_insert(container);
    }
    new.spec
        .ephemeral_containers
        .iter()
        .flatten()
        .any(
            |container| match old_ephemeral.get(container.name.as_str()) {
                None => true,
                Some(old_container) => {
                    container.image != old_container.image
                        || annotation(new.meta, &container.name)
                            != annotation(old.meta, &container.name)
                }
            },
        )
}

/// The prefix of the (removed) per-container seccomp annotation, still compared on UPDATE.
const SECCOMP_CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::EphemeralContainer;

    use super::*;

    fn parts<'a>(meta: &'a ObjectMeta, spec: &'a PodSpec) -> PodParts<'a> {
        PodParts { meta, spec }
    }

    fn with_ephemeral(containers: &[(String, Option<String>)]) -> PodSpec {
        PodSpec {
            ephemeral_containers: Some(
                containers
                    .iter()
                    .map(|(name, image)| EphemeralContainer {
                        name: name.clone(),
                        image: image.clone(),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..PodSpec::default()
        }
    }

    /// PSA's definition for ephemeral containers, written as a search per container.
    fn ephemeral_changed_by_definition(new: &PodSpec, old: &PodSpec) -> bool {
        let old = old.ephemeral_containers.as_deref().unwrap_or_default();
        new.ephemeral_containers.iter().flatten().any(|container| {
            old.iter()
                .find(|o| o.name == container.name)
                .is_none_or(|o| o.image != container.image)
        })
    }

    proptest::proptest! {
        #[test]
        fn ephemeral_updates_are_significant_as_defined(
            old in proptest::collection::vec(("[a-c]", proptest::option::of("[xy]")), 0..6),
            new in proptest::collection::vec(("[a-c]", proptest::option::of("[xy]")), 0..6),
        ) {
            let (new, old) = (with_ephemeral(&new), with_ephemeral(&old));
            let meta = ObjectMeta::default();
            proptest::prop_assert_eq!(
                significant_update(parts(&meta, &new), parts(&meta, &old)),
                ephemeral_changed_by_definition(&new, &old)
            );
        }
    }

    /// 40,000 ephemeral containers took 12.9 s when each was searched for among the old
    /// ones; one pass over each list takes milliseconds.
    #[test]
    fn many_ephemeral_containers_are_compared_in_one_pass() {
        let containers: Vec<(String, Option<String>)> = (0..40_000)
            .map(|i| (format!("debug-{i}"), Some("busybox:1.36".to_owned())))
            .collect();
        let spec = with_ephemeral(&containers);
        let meta = ObjectMeta::default();
        assert!(!significant_update(
            parts(&meta, &spec),
            parts(&meta, &spec)
        ));
        let mut added = containers;
        added.push(("debug-new".to_owned(), None));
        let added = with_ephemeral(&added);
        assert!(significant_update(
            parts(&meta, &added),
            parts(&meta, &spec)
        ));
    }

    #[test]
    fn a_containers_seccomp_annotation_is_significant_and_other_annotations_are_not() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "containers": [{"name": "app", "image": "nginx"}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}],
        }))
        .expect("spec");
        let annotated = |key: &str| ObjectMeta {
            annotations: Some(BTreeMap::from([(key.to_owned(), "unconfined".to_owned())])),
            ..ObjectMeta::default()
        };
        let plain = ObjectMeta::default();
        for (key, significant) in [
            ("container.seccomp.security.alpha.kubernetes.io/app", true),
            ("container.seccomp.security.alpha.kubernetes.io/debug", true),
            (
                "container.seccomp.security.alpha.kubernetes.io/other",
                false,
            ),
            ("seccomp.security.alpha.kubernetes.io/pod", false),
            ("team", false),
        ] {
            let meta = annotated(key);
            assert_eq!(
                significant_update(parts(&meta, &spec), parts(&plain, &spec)),
                significant,
                "{key}"
            );
        }
    }

    fn privileged_pod() -> PodSpec {
        serde_json::from_value(serde_json::json!({
            "containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}],
        }))
        .expect("spec")
    }

    fn restricted() -> BTreeMap<String, String> {
        BTreeMap::from([(
            "pod-security.kubernetes.io/enforce".to_owned(),
            "restricted".to_owned(),
        )])
    }

    fn request<'a>(namespace: &'a str, username: &'a str) -> Request<'a> {
        Request {
            operation: Operation::Create,
            namespace,
            username,
        }
    }

    #[test]
    fn exemptions_come_before_the_namespace_and_the_runtime_class_after() {
        let exemptions = Exemptions {
            usernames: BTreeSet::from(["ci".to_owned()]),
            namespaces: BTreeSet::from(["kube-system".to_owned()]),
            runtime_classes: BTreeSet::from(["gvisor".to_owned()]),
        };
        let defaults = NamespacePolicy::default();
        let admission = Admission {
            defaults: &defaults,
            exemptions: &exemptions,
        };
        let meta = ObjectMeta::default();
        let spec = privileged_pod();
        let labels = restricted();
        let exempt = |decision: Decision| decision.audit.get("exempt").cloned();
        // A failed lookup does not matter to an exempt namespace or user.
        let decision = admission.validate_pod(
            &request("kube-system", "bob"),
            Err("down"),
            parts(&meta, &spec),
            None,
        );
        assert_eq!(exempt(decision).as_deref(), Some("namespace"));
        let decision = admission.validate_pod(
            &request("team", "ci"),
            Err("down"),
            parts(&meta, &spec),
            None,
        );
        assert_eq!(exempt(decision).as_deref(), Some("user"));
        let decision = admission.validate_pod(
            &request("team", "bob"),
            Err("down"),
            parts(&meta, &spec),
            None,
        );
        assert_eq!(
            decision.denial,
            Some(Denial::LookupFailed(
                "failed to lookup namespace \"team\": down".into()
            ))
        );
        // A template's failed lookup is only recorded.
        let decision =
            admission.validate_template(&request("team", "bob"), Err("down"), parts(&meta, &spec));
        assert!(decision.denial.is_none() && decision.audit.contains_key("error"));
        // An empty user name is never exempt.
        let none = Exemptions {
            usernames: BTreeSet::from([String::new()]),
            ..Exemptions::default()
        };
        assert!(!none.user("") && !none.namespace(""));
        let decision = admission.validate_pod(
            &request("team", "bob"),
            Ok(Some(&labels)),
            parts(&meta, &spec),
            None,
        );
        match decision.denial {
            Some(Denial::Forbidden(message)) => {
                assert!(
                    message.starts_with("violates PodSecurity \"restricted:latest\""),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
        let mut sandboxed = spec.clone();
        sandboxed.runtime_class_name = Some("gvisor".into());
        let decision = admission.validate_pod(
            &request("team", "bob"),
            Ok(Some(&labels)),
            parts(&meta, &sandboxed),
            None,
        );
        assert_eq!(exempt(decision).as_deref(), Some("runtimeClass"));
    }

    #[test]
    fn namespace_writes_follow_upstream() {
        let exemptions = Exemptions {
            namespaces: BTreeSet::from(["kube-system".to_owned()]),
            ..Exemptions::default()
        };
        let defaults = NamespacePolicy::default();
        let admission = Admission {
            defaults: &defaults,
            exemptions: &exemptions,
        };
        let none = BTreeMap::new();
        let labels = restricted();
        let bad = BTreeMap::from([(
            "pod-security.kubernetes.io/enforce".to_owned(),
            "strict".to_owned(),
        )]);
        assert!(matches!(
            admission.namespace_write("team", &bad, None),
            NamespaceWrite::Invalid(_)
        ));
        // Already wrong in exactly this way: may stay.
        assert_eq!(
            admission.namespace_write("team", &bad, Some(&bad)),
            NamespaceWrite::Allowed(None)
        );
        assert_eq!(
            admission.namespace_write("team", &labels, Some(&none)),
            NamespaceWrite::DryRun("restricted:latest".parse().expect("level"))
        );
        // Relaxed: nothing to try.
        assert_eq!(
            admission.namespace_write("team", &none, Some(&labels)),
            NamespaceWrite::Allowed(None)
        );
        match admission.namespace_write("kube-system", &labels, Some(&none)) {
            NamespaceWrite::Allowed(Some(warning)) => {
                assert!(warning.contains("is exempt from Pod Security"), "{warning}")
            }
            other => panic!("{other:?}"),
        }
    }
}
