//! The admission decision: one request in, one verdict out. Pure and synchronous; it runs
//! rampart-core's engines (PSS, PSP, the catalogue) and adds only what Pod Security
//! Admission and the PodSecurityPolicy plugin do around them: which requests are looked
//! at, exemptions, namespace policies, the "significant update" filter, and upstream's
//! texts for denials, warnings and audit annotations.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use k8s_openapi::api::core::v1::{Container, Namespace, Pod, PodSpec};
use rampart_core::object::{
    Object, ObjectRef, PodView, TemplateLocation, WorkloadKinds, typed_from_str,
};
use rampart_core::psp::{self, AdmissionAttributes, Authorizer, Operation};
use rampart_core::pss::{self, Evaluation, LevelVersion, NamespacePolicy};
use rampart_core::rules::{CheckContext, Findings};
use rampart_core::{FieldPath, Finding};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{Config, RuleMode};
use crate::object::RawObject;
use crate::review::{AdmissionRequest, AdmissionResponse, Status};

/// Which webhook path the request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /validate`: Pod Security, PSP validation, catalogue rules.
    Validate,
    /// `POST /mutate`: PSP defaulting on pod CREATE.
    Mutate,
}

impl Endpoint {
    /// `validate` or `mutate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Mutate => "mutate",
        }
    }
}

/// What a request is, for the webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A pod write (CREATE, UPDATE, or a pod subresource that PSA evaluates).
    Pod,
    /// A workload write: its pod template gets audit annotations and warnings.
    Workload(TemplateLocation),
    /// A namespace write: its Pod Security labels are checked, and a stricter enforce
    /// level is tried on the pods already there.
    Namespace,
    /// Everything else passes through (DELETE, CONNECT, ignored subresources, other kinds).
    Ignored,
}

/// Pod subresources Pod Security Admission never evaluates.
const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// Where the namespace's labels came from, as the engine sees them.
pub type Labels<'a> = Result<Option<&'a BTreeMap<String, String>>, String>;

/// What the engine needs besides the request: the namespace's labels, who may `use`
/// which PodSecurityPolicy, and (for a namespace write) the pods already there.
pub struct Context<'a> {
    /// The request namespace's labels (`Ok(None)`: no such namespace known, no labels).
    pub labels: Labels<'a>,
    /// Answers PSP `use` questions.
    pub authz: &'a dyn Authorizer,
    /// The pods of the namespace being written, when [`Engine::pods_to_dry_run`] asked.
    pub pods: ExistingPods<'a>,
}

/// A namespace's existing pods, for the dry run of a stricter enforce level.
#[derive(Debug, Clone, Copy)]
pub enum ExistingPods<'a> {
    /// No source of pods (outside a cluster): no dry run.
    Unknown,
    /// The pods as listed, in list order.
    Listed {
        /// The pods fetched.
        pods: &'a [Pod],
        /// Pods that exist but were not fetched (the list was capped).
        unlisted: usize,
        /// Evaluation stops after the pod during which this passes.
        deadline: Instant,
    },
    /// Listing failed.
    Failed,
}

/// What a namespace write means for Pod Security (spec §9.6).
enum NamespaceWrite {
    /// Labels that do not parse: the write is invalid.
    Invalid(Vec<String>),
    /// Allowed, perhaps with a warning.
    Allowed(Option<String>),
    /// Allowed; the pods already there are tried against the new enforce level.
    DryRun {
        /// The namespace.
        name: String,
        /// The new enforce level.
        enforce: LevelVersion,
    },
}

/// The verdict on one request.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Denial status; `None` when allowed.
    pub denial: Option<Status>,
    /// JSONPatch to apply (mutate only).
    pub patch: Option<json_patch::Patch>,
    /// Warnings for the client.
    pub warnings: Vec<String>,
    /// Audit annotations (keys without prefix, as PSA's library produces them).
    pub audit: BTreeMap<String, String>,
}

impl Verdict {
    /// Whether the request is allowed.
    pub fn allowed(&self) -> bool {
        self.denial.is_none()
    }

    /// The response for the request `uid` (patch encoded, denial as its status).
    pub fn into_response(self, uid: String) -> Result<AdmissionResponse, serde_json::Error> {
        let mut response = AdmissionResponse::allow(uid);
        response.allowed = self.allowed();
        if let Some(patch) = &self.patch {
            response.set_patch(patch)?;
        }
        response.status = self.denial;
        response.warnings = self.warnings;
        response.audit_annotations = self.audit;
        Ok(response)
    }

    fn deny(&mut self, code: u16, reason: &'static str, message: String) {
        if self.denial.is_none() {
            self.denial = Some(Status::failure(code, reason, message));
        }
    }

    fn forbid(&mut self, message: String) {
        self.deny(403, "Forbidden", message);
    }

    fn bad_request(&mut self, message: String) {
        self.deny(400, "BadRequest", message);
    }

    /// Kubernetes' Invalid status: `Kind "name" is invalid: <errors>`, the errors listed in
    /// brackets when there are several.
    fn invalid(&mut self, kind: &str, name: &str, errors: &[String]) {
        let errors = match errors {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        let message = format!(
            "{kind} {} is invalid: {errors}",
            psp::field_error::go_quote(name)
        );
        self.deny(422, "Invalid", message);
    }
}

/// The configured engines.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    workloads: WorkloadKinds,
}

impl Engine {
    /// An engine for `config`.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            workloads: WorkloadKinds::default(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Classifies a request (see [`Target`]).
    pub fn target(&self, request: &AdmissionRequest) -> Target {
        if !matches!(request.operation.as_str(), "CREATE" | "UPDATE") {
            return Target::Ignored;
        }
        let subresource = request.subresource();
        if request.resource.group.is_empty() && request.resource.resource == "namespaces" {
            return match subresource {
                Some(_) => Target::Ignored,
                None => Target::Namespace,
            };
        }
        if request.resource.group.is_empty() && request.resource.resource == "pods" {
            return match subresource {
                Some(s) if IGNORED_POD_SUBRESOURCES.contains(&s) => Target::Ignored,
                _ => Target::Pod,
            };
        }
        if subresource.is_some() || request.kind.kind == "Pod" {
            return Target::Ignored;
        }
        let kind = &request.kind;
        let id = ObjectRef {
            api_version: if kind.group.is_empty() {
                kind.version.clone()
            } else {
                format!("{}/{}", kind.group, kind.version)
            },
            kind: kind.kind.clone(),
            namespace: None,
            name: None,
        };
        self.workloads
            .template_of(&id)
            .map_or(Target::Ignored, Target::Workload)
    }

    /// Whether the verdict depends on the namespace's labels (the caller looks them up
    /// only then).
    pub fn needs_labels(&self, endpoint: Endpoint, target: &Target) -> bool {
        endpoint == Endpoint::Validate && matches!(target, Target::Pod | Target::Workload(_))
    }

    /// The namespace whose existing pods the verdict on this namespace write needs, if any
    /// (the caller lists them only then).
    pub fn pods_to_dry_run(
        &self,
        endpoint: Endpoint,
        request: &AdmissionRequest,
    ) -> Option<String> {
        if endpoint != Endpoint::Validate || self.target(request) != Target::Namespace {
            return None;
        }
        match self.namespace_write(request, &mut Verdict::default())? {
            NamespaceWrite::DryRun { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Whether the verdict on this request is the verdict on every replica of its pod
    /// template (see [`crate::replicas`]): a pod CREATE on `/validate` depends on nothing
    /// but the request, the pod without its per-object fields and the namespace's labels.
    /// Not with PodSecurityPolicy, whose verdict also depends on who may `use` which
    /// policy.
    pub fn verdict_is_shared_by_replicas(
        &self,
        endpoint: Endpoint,
        request: &AdmissionRequest,
    ) -> bool {
        endpoint == Endpoint::Validate
            && request.operation == "CREATE"
            && request.old_object.is_none()
            && self.config.psp.is_none()
            && self.target(request) == Target::Pod
    }

    /// Whether the verdict asks PSP `use` questions.
    pub fn needs_authorizer(&self, target: &Target) -> bool {
        *target == Target::Pod && self.config.psp.is_some()
    }

    /// Decides one request.
    pub fn review(
        &self,
        endpoint: Endpoint,
        request: &AdmissionRequest,
        ctx: &Context<'_>,
    ) -> Verdict {
        let mut verdict = Verdict::default();
        let target = self.target(request);
        let Some(object) = request
            .object
            .as_ref()
            .filter(|_| target != Target::Ignored)
        else {
            return verdict;
        };
        match (endpoint, target) {
            (Endpoint::Mutate, Target::Pod) => self.mutate_pod(request, object, ctx, &mut verdict),
            (Endpoint::Validate, Target::Pod) => {
                self.validate_pod(request, object, ctx, &mut verdict)
            }
            (Endpoint::Validate, Target::Workload(location)) => {
                self.validate_workload(request, object, location, ctx, &mut verdict)
            }
            (Endpoint::Validate, Target::Namespace) => {
                self.validate_namespace(request, ctx, &mut verdict)
            }
            _ => {}
        }
        verdict
    }

    /// PSP's mutating phase: pods on CREATE only, no subresource.
    fn mutate_pod(
        &self,
        request: &AdmissionRequest,
        object: &RawObject,
        ctx: &Context<'_>,
        verdict: &mut Verdict,
    ) {
        let Some(psp) = &self.config.psp else { return };
        if request.operation != "CREATE" || request.subresource().is_some() {
            return;
        }
        let Some(pod) = decode_pod(object, "object", verdict) else {
            return;
        };
        let attributes = psp_attributes(request, Operation::Create, pod, None);
        let outcome = psp::admit(&attributes, &psp.policies, ctx.authz);
        match outcome.message {
            Some(message) if !outcome.allowed => verdict.forbid(message),
            _ => {
                if let Some(policy) = outcome.policy {
                    verdict.audit.insert("admit-policy".into(), policy);
                }
                verdict.patch = Some(outcome.patch);
            }
        }
    }

    /// Pod Security (enforce, audit, warn), then PSP validation, then catalogue rules.
    fn validate_pod(
        &self,
        request: &AdmissionRequest,
        object: &RawObject,
        ctx: &Context<'_>,
        verdict: &mut Verdict,
    ) {
        let Some(pod) = decode_pod(object, "object", verdict) else {
            return;
        };
        let old = match &request.old_object {
            Some(raw) => match decode_pod(raw, "oldObject", verdict) {
                Some(old) => Some(old),
                None => return,
            },
            None => None,
        };
        let Some(spec) = pod.spec else {
            return verdict.bad_request("failed to decode object: no spec".into());
        };
        let pod = PodView {
            location: pod_location(),
            meta: pod.metadata,
            spec,
            // A CREATE is the author's pod; the API server's Pending status says nothing.
            running: request.operation == "UPDATE",
        };
        // PSA and the catalogue skip updates that change no container or image; PSP
        // validates every update (it has its own filter).
        let significant =
            request.operation != "UPDATE" || significant_update(&pod.spec, old.as_ref());
        if significant {
            self.pod_security(request, &pod, true, ctx, verdict);
            if !verdict.allowed() {
                return;
            }
        }
        if let Some(psp) = &self.config.psp {
            // Validate-only: UPDATE semantics (no defaulting), with the old pod on UPDATE.
            let decoded = Pod {
                metadata: pod.meta.clone(),
                spec: Some(pod.spec.clone()),
                status: None,
            };
            let attributes = psp_attributes(request, Operation::Update, decoded, old);
            let outcome = psp::admit(&attributes, &psp.policies, ctx.authz);
            match outcome.message {
                Some(message) if !outcome.allowed => return verdict.forbid(message),
                _ => {
                    if let Some(policy) = outcome.policy {
                        verdict.audit.insert("validate-policy".into(), policy);
                    }
                }
            }
        }
        if !significant {
            return;
        }
        let object = Object {
            id: ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: pod.meta.namespace.clone(),
                name: pod.meta.name.clone().or(pod.meta.generate_name.clone()),
            },
            base: FieldPath::root(),
            // Rules read the typed pod; the only ones that read the tree look for fields
            // outside the schema, which the configuration refuses.
            value: &Value::Null,
        };
        let findings = self.catalogue(&object, &pod);
        let denied: Vec<String> = findings
            .iter()
            .filter(|(_, mode)| *mode == RuleMode::Enforce)
            .map(|(finding, _)| finding_text(finding))
            .collect();
        if !denied.is_empty() {
            return verdict.forbid(format!(
                "{} is forbidden: rampart: {}",
                resource_name("pods", request),
                denied.join(", ")
            ));
        }
        warn_findings(&findings, verdict);
    }

    /// Workloads: Pod Security audit and warn on the template, catalogue rules as warnings.
    /// Never denies (as PSA).
    fn validate_workload(
        &self,
        request: &AdmissionRequest,
        object: &RawObject,
        location: TemplateLocation,
        ctx: &Context<'_>,
        verdict: &mut Verdict,
    ) {
        let extracted = serde_json::from_str::<Value>(&checked_text(object))
            .map_err(|e| e.to_string())
            .and_then(|value| {
                PodView::read(&value, location)
                    .map(|pod| pod.map(|pod| (value, pod)))
                    .map_err(|e| format!("{}: {}", e.path, e.message))
            });
        let (value, pod) = match extracted {
            Ok(Some(found)) => found,
            Ok(None) => return,
            Err(message) => {
                verdict.audit.insert(
                    "error".into(),
                    format!("failed to extract pod template: {message}"),
                );
                return;
            }
        };
        self.pod_security(request, &pod, false, ctx, verdict);
        let object = Object {
            id: ObjectRef::of(&value),
            base: FieldPath::root(),
            value: &value,
        };
        warn_findings(&self.catalogue(&object, &pod), verdict);
    }

    /// Pod Security Admission for a namespace write (spec §9.6).
    fn validate_namespace(
        &self,
        request: &AdmissionRequest,
        ctx: &Context<'_>,
        verdict: &mut Verdict,
    ) {
        match self.namespace_write(request, verdict) {
            None => {}
            Some(NamespaceWrite::Invalid(errors)) => {
                let name = request.name.as_deref().unwrap_or_default();
                verdict.invalid("Namespace", name, &errors);
            }
            Some(NamespaceWrite::Allowed(warning)) => verdict.warnings.extend(warning),
            Some(NamespaceWrite::DryRun { name, enforce }) => match ctx.pods {
                ExistingPods::Unknown => {}
                ExistingPods::Failed => verdict.warnings.push(
                    "failed to list pods while checking new PodSecurity enforce level".into(),
                ),
                ExistingPods::Listed {
                    pods,
                    unlisted,
                    deadline,
                } => {
                    let run = pss::DryRun {
                        namespace: &name,
                        enforce,
                        exempt_runtime_classes: &self.config.exemptions.runtime_classes,
                        deadline,
                    };
                    verdict
                        .warnings
                        .extend(pss::existing_pod_warnings(&run, pods, unlisted));
                }
            },
        }
    }

    /// Classifies a namespace CREATE or UPDATE; `None` (with a bad request in `verdict`)
    /// when an object does not decode.
    fn namespace_write(
        &self,
        request: &AdmissionRequest,
        verdict: &mut Verdict,
    ) -> Option<NamespaceWrite> {
        let labels_of = |raw: Option<&RawObject>, field: &str, verdict: &mut Verdict| {
            let namespace: Namespace = decode(raw?, field, verdict)?;
            Some((
                namespace.metadata.name.unwrap_or_default(),
                namespace.metadata.labels.unwrap_or_default(),
            ))
        };
        let (name, labels) = labels_of(request.object.as_ref(), "object", verdict)?;
        let defaults = &self.config.defaults;
        let policy = NamespacePolicy::from_labels(&labels, defaults);
        let name = if name.is_empty() {
            request.namespace().to_owned()
        } else {
            name
        };
        let exempt = self.config.exemptions.namespaces.contains(name.as_str());
        let exempt_warning = || {
            exempt
                .then(|| policy.exempt_warning(&name, &labels, defaults))
                .flatten()
        };
        if request.operation != "UPDATE" {
            if !policy.errors.is_empty() {
                return Some(NamespaceWrite::Invalid(policy.errors));
            }
            return Some(NamespaceWrite::Allowed(exempt_warning()));
        }
        let (_, old_labels) = match &request.old_object {
            Some(raw) => labels_of(Some(raw), "oldObject", verdict)?,
            None => (String::new(), BTreeMap::new()),
        };
        let old = NamespacePolicy::from_labels(&old_labels, defaults);
        // Labels that were already wrong in exactly this way may stay.
        if !policy.errors.is_empty() && (old.errors.is_empty() || old.errors != policy.errors) {
            return Some(NamespaceWrite::Invalid(policy.errors));
        }
        let (new, before) = (policy.enforce, old.enforce);
        let relaxed_or_same = new.version == before.version && new.level <= before.level;
        if new == before || new.level == pss::Level::Privileged || relaxed_or_same {
            return Some(NamespaceWrite::Allowed(None));
        }
        if exempt {
            return Some(NamespaceWrite::Allowed(exempt_warning()));
        }
        Some(NamespaceWrite::DryRun { name, enforce: new })
    }

    /// Pod Security Admission for a pod (`enforce`) or a workload template (audit and warn
    /// only), after exemptions and the namespace's policy (spec pss.md §9.4, §9.5). The
    /// object is evaluated as the API server sends it: already defaulted.
    fn pod_security(
        &self,
        request: &AdmissionRequest,
        pod: &PodView,
        enforce: bool,
        ctx: &Context<'_>,
        verdict: &mut Verdict,
    ) {
        let exemptions = &self.config.exemptions;
        if exemptions.namespaces.contains(request.namespace()) {
            verdict.audit.insert("exempt".into(), "namespace".into());
            return;
        }
        if exemptions.usernames.contains(&request.user_info.username) {
            verdict.audit.insert("exempt".into(), "user".into());
            return;
        }
        let policy = match &ctx.labels {
            Ok(labels) => NamespacePolicy::from_labels(
                labels.unwrap_or(&BTreeMap::new()),
                &self.config.defaults,
            ),
            Err(error) => {
                let message = format!(
                    "failed to lookup namespace {:?}: {error}",
                    request.namespace()
                );
                verdict.audit.insert("error".into(), message.clone());
                if enforce {
                    verdict.deny(500, "InternalError", message);
                }
                return;
            }
        };
        if !policy.errors.is_empty() {
            verdict.audit.insert(
                "error".into(),
                format!("Failed to parse policy: {}", policy.errors.join(", ")),
            );
        }
        let privileged = |lv: &LevelVersion| lv.level == rampart_core::pss::Level::Privileged;
        let modes = [&policy.audit, &policy.warn];
        let all_privileged =
            modes.iter().all(|lv| privileged(lv)) && (!enforce || privileged(&policy.enforce));
        if policy.errors.is_empty() && all_privileged {
            if enforce {
                verdict
                    .audit
                    .insert("enforce-policy".into(), "privileged:latest".into());
            }
            return;
        }
        if pod
            .spec
            .runtime_class_name
            .as_deref()
            .is_some_and(|rc| exemptions.runtime_classes.contains(rc))
        {
            verdict.audit.insert("exempt".into(), "runtimeClass".into());
            return;
        }
        let mut cache: Vec<Evaluation> = Vec::with_capacity(3);
        let mut evaluate = |lv: &LevelVersion| -> Evaluation {
            if let Some(found) = cache.iter().find(|e| e.policy() == *lv) {
                return found.clone();
            }
            let evaluation = pss::evaluate(lv, &pod.meta, &pod.spec);
            cache.push(evaluation.clone());
            evaluation
        };
        if enforce {
            verdict
                .audit
                .insert("enforce-policy".into(), policy.enforce.to_string());
            if let Some(message) = evaluate(&policy.enforce).forbidden_message() {
                verdict.forbid(format!(
                    "{} is forbidden: {message}",
                    resource_name("pods", request)
                ));
            }
        }
        if let Some(message) = evaluate(&policy.audit).warning_message() {
            verdict.audit.insert("audit-violations".into(), message);
        }
        if verdict.allowed()
            && let Some(message) = evaluate(&policy.warn).warning_message()
        {
            verdict.warnings.push(message);
        }
    }

    /// The configured catalogue rules on one pod or template, with their modes.
    fn catalogue(&self, object: &Object<'_>, pod: &PodView) -> Vec<(Finding, RuleMode)> {
        let ctx = CheckContext {
            object,
            pod: Some(pod),
            pss: None,
        };
        let mut all = Vec::new();
        for (rule, mode) in &self.config.rules {
            let Some(check) = rule.checks.kubernetes else {
                continue;
            };
            let mut findings = Findings::new(rule.meta);
            check(&ctx, &mut findings);
            all.extend(findings.into_vec().into_iter().map(|f| (f, *mode)));
        }
        all
    }
}

/// Where a Pod keeps its spec.
fn pod_location() -> TemplateLocation {
    TemplateLocation {
        metadata: FieldPath::fields(&["metadata"]),
        spec: FieldPath::fields(&["spec"]),
    }
}

/// Decodes the request's `object` or `oldObject` (named by `field`) as a Pod; one that
/// does not decode is a bad request naming the offending field.
fn decode_pod(raw: &RawObject, field: &str, verdict: &mut Verdict) -> Option<Pod> {
    read_pod(raw).or_else(|| decode(raw, field, verdict))
}

/// [`decode_pod`]'s fast path: the pod as the checks read it ([`checked_text`]). `None`
/// when the pod does not decode; the full decode then gives the located error.
fn read_pod(object: &RawObject) -> Option<Pod> {
    serde_json::from_str(&checked_text(object)).ok()
}

/// An object's text as the checks read it: without `metadata.managedFields`, which no
/// check reads and which takes as long to decode as the rest of a pod (its `fieldsV1`
/// becomes a JSON tree), nor its status. Nothing reads the status: the API server copies
/// the stored object's status onto an updated one before validating admission, so leaving
/// both out changes no comparison.
fn checked_text(object: &RawObject) -> String {
    object.text_without(&["status"], &["managedFields"])
}

/// Decodes the request's `object` or `oldObject` (named by `field`) as `T`; one that does
/// not decode is a bad request naming the offending field.
fn decode<T: DeserializeOwned>(raw: &RawObject, field: &str, verdict: &mut Verdict) -> Option<T> {
    match typed_from_str::<T>(raw.text()) {
        Ok(object) => Some(object),
        Err(e) => {
            verdict.bad_request(format!(
                "failed to decode {field}: {}: {}",
                e.path, e.message
            ));
            None
        }
    }
}

/// `rule: message (path)`.
fn finding_text(finding: &Finding) -> String {
    format!("{}: {} ({})", finding.rule, finding.message, finding.path)
}

/// Every finding becomes a warning `rampart: rule: message (path)`.
fn warn_findings(findings: &[(Finding, RuleMode)], verdict: &mut Verdict) {
    verdict.warnings.extend(
        findings
            .iter()
            .map(|(finding, _)| format!("rampart: {}", finding_text(finding))),
    );
}

/// `pods "name"`, or `pods` when the request carries no name (as the API server's
/// Forbidden helper prints it; a pod created with `generateName` has its name in the
/// object by the time validating webhooks see it, but not in the request, and PSA names
/// the request's).
fn resource_name(resource: &str, request: &AdmissionRequest) -> String {
    let name = request.name.as_deref().filter(|n| !n.is_empty());
    match name {
        Some(name) => format!("{resource} {}", psp::field_error::go_quote(name)),
        None => resource.to_owned(),
    }
}

/// PSA's "significant update" (spec pss.md §9.4 step 6): container or init container
/// counts or images changed, or an ephemeral container was added or changed its image.
fn significant_update(new: &PodSpec, old: Option<&Pod>) -> bool {
    let Some(old) = old.and_then(|pod| pod.spec.as_ref()) else {
        return true;
    };
    let images_differ = |a: &[Container], b: &[Container]| {
        a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.image != y.image)
    };
    fn init(spec: &PodSpec) -> &[Container] {
        spec.init_containers.as_deref().unwrap_or_default()
    }
    if images_differ(&new.containers, &old.containers) || images_differ(init(new), init(old)) {
        return true;
    }
    // One pass over each list (a pod may carry thousands of ephemeral containers): the
    // old images by name, the first of a repeated name as a search would find it.
    let mut old_images: HashMap<&str, Option<&str>> = HashMap::new();
    for container in old.ephemeral_containers.iter().flatten() {
        old_images
            .entry(container.name.as_str())
            .or_insert(container.image.as_deref());
    }
    new.ephemeral_containers.iter().flatten().any(|container| {
        old_images
            .get(container.name.as_str())
            .is_none_or(|image| *image != container.image.as_deref())
    })
}

/// The PSP plugin's view of a pod request.
fn psp_attributes(
    request: &AdmissionRequest,
    operation: Operation,
    pod: Pod,
    old_pod: Option<Pod>,
) -> AdmissionAttributes {
    let user = &request.user_info;
    AdmissionAttributes {
        operation,
        pod,
        old_pod,
        user: (!user.username.is_empty()).then(|| psp::UserInfo {
            username: user.username.clone(),
            groups: user.groups.clone(),
        }),
        namespace: request.namespace().to_owned(),
        subresource: request.subresource().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The pod of the bench's review, with `managedFields` as the API server sends them.
    fn pod_text() -> String {
        let review: Value =
            serde_json::from_str(include_str!("../benches/data/pod-review.json")).unwrap();
        review["request"]["object"].to_string()
    }

    /// What the full decode gives, less what the fast path leaves out.
    fn decoded(text: &str) -> Pod {
        let mut pod: Pod = typed_from_str(text).unwrap();
        pod.metadata.managed_fields = None;
        pod.status = None;
        pod
    }

    fn object(text: &str) -> RawObject {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_pod_read_without_managed_fields_is_the_decoded_pod_less_them() {
        let text = pod_text();
        assert!(text.contains("\"managedFields\":[{"));
        let read = read_pod(&object(&text)).unwrap();
        assert_eq!(read, decoded(&text));
        assert!(read.metadata.labels.is_some() && read.metadata.owner_references.is_some());
    }

    #[test]
    fn a_pod_reads_the_same_whatever_its_spacing_and_escapes() {
        let text = pod_text();
        let escaped = text
            .replace("\"generateName\"", "\"generat\\u0065Name\"")
            .replace("\"managedFields\"", "\"m\\u0061nagedFields\"");
        let spaced =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
        for variant in [escaped, spaced] {
            assert_ne!(variant, text);
            assert_eq!(read_pod(&object(&variant)), Some(decoded(&text)));
        }
    }

    #[test]
    fn a_pods_status_is_not_read() {
        let text = pod_text();
        let with_status = format!("{},\"status\":5}}", &text[..text.len() - 1]);
        assert!(typed_from_str::<Pod>(&with_status).is_err());
        assert_eq!(read_pod(&object(&with_status)), Some(decoded(&text)));
    }

    #[test]
    fn pods_that_do_not_decode_are_bad_requests_naming_the_field() {
        for (wrong, expected) in [
            (
                r#"{"metadata": 5}"#,
                "metadata: invalid type: expected object, got integer 5",
            ),
            (
                r#"{"spec": {"containers": 5}}"#,
                "spec.containers: invalid type",
            ),
            (
                r#"{"apiVersion": "v2", "kind": "Pod"}"#,
                "invalid value: expected v1, got string \"v2\"",
            ),
            (
                r#"{"apiVersion": "v1", "kind": "Node"}"#,
                "invalid value: expected Pod, got string \"Node\"",
            ),
        ] {
            let mut verdict = Verdict::default();
            assert_eq!(decode_pod(&object(wrong), "object", &mut verdict), None);
            let message = verdict.denial.unwrap().message;
            assert!(
                message.starts_with("failed to decode object: "),
                "{message}"
            );
            assert!(message.contains(expected), "{message}");
        }
    }

    fn with_ephemeral(containers: &[(String, Option<String>)]) -> PodSpec {
        PodSpec {
            ephemeral_containers: Some(
                containers
                    .iter()
                    .map(
                        |(name, image)| k8s_openapi::api::core::v1::EphemeralContainer {
                            name: name.clone(),
                            image: image.clone(),
                            ..Default::default()
                        },
                    )
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
            let old_pod = Pod { spec: Some(old.clone()), ..Pod::default() };
            proptest::prop_assert_eq!(
                significant_update(&new, Some(&old_pod)),
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
        let old = Pod {
            spec: Some(spec.clone()),
            ..Pod::default()
        };
        assert!(!significant_update(&spec, Some(&old)));
        let mut added = containers;
        added.push(("debug-new".to_owned(), None));
        assert!(significant_update(&with_ephemeral(&added), Some(&old)));
    }
}
