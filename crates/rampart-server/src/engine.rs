//! The admission decision: one request in, one verdict out. Pure and synchronous; it runs
//! rampart-core's engines (PSS, PSP, the catalogue) and adds only what Pod Security
//! Admission and the PodSecurityPolicy plugin do around them: which requests are looked
//! at, exemptions, namespace policies, the "significant update" filter, and upstream's
//! texts for denials, warnings and audit annotations.

use std::collections::BTreeMap;
use std::time::Instant;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use rampart_core::config::Config as ScanConfig;
use rampart_core::kinds::{self, GroupKind};
use rampart_core::object::{
    Object, ObjectRef, PodView, TemplateLocation, WorkloadKinds, typed_from_str,
};
use rampart_core::psp::{self, AdmissionAttributes, Authorizer, Operation};
use rampart_core::pss::{self, Admission, NamespaceWrite, PodParts};
use rampart_core::rules::CheckContext;
use rampart_core::scan::{self, Ignores};
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
            rampart_core::go::quote(name)
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

    /// Pod Security Admission as configured.
    fn admission(&self) -> Admission<'_> {
        Admission {
            defaults: &self.config.defaults,
            exemptions: &self.config.exemptions,
        }
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
        let kind = GroupKind {
            group: &request.kind.group,
            kind: &request.kind.kind,
        };
        if subresource.is_some() || kind == kinds::POD {
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
            (name, NamespaceWrite::DryRun(_)) => Some(name),
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
        let parts = PodParts {
            meta: &pod.meta,
            spec: &pod.spec,
        };
        let old_parts = old.as_ref().and_then(|old| {
            Some(PodParts {
                meta: &old.metadata,
                spec: old.spec.as_ref()?,
            })
        });
        let decision =
            self.admission()
                .validate_pod(&pss_request(request), labels(ctx), parts, old_parts);
        self.apply(request, decision, verdict);
        if !verdict.allowed() {
            return;
        }
        // The catalogue skips the updates Pod Security skips; PSP validates every update
        // (it has its own filter).
        let significant = request.operation != "UPDATE"
            || old_parts.is_none_or(|old| pss::significant_update(parts, old));
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
        let ignores = pod
            .meta
            .annotations
            .as_ref()
            .map(Ignores::of_annotations)
            .unwrap_or_default();
        let findings = self.catalogue(&object, &pod, &ignores);
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
        let template = PodParts {
            meta: &pod.meta,
            spec: &pod.spec,
        };
        let decision =
            self.admission()
                .validate_template(&pss_request(request), labels(ctx), template);
        self.apply(request, decision, verdict);
        let object = Object {
            id: ObjectRef::of(&value),
            base: FieldPath::root(),
            value: &value,
        };
        let ignores = Ignores::of(&value);
        warn_findings(&self.catalogue(&object, &pod, &ignores), verdict);
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
            Some((_, NamespaceWrite::Invalid(errors))) => {
                let name = request.name.as_deref().unwrap_or_default();
                verdict.invalid("Namespace", name, &errors);
            }
            Some((_, NamespaceWrite::Allowed(warning))) => verdict.warnings.extend(warning),
            Some((name, NamespaceWrite::DryRun(enforce))) => match ctx.pods {
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
                        out_of_time: &|| Instant::now() >= deadline,
                    };
                    let warnings = self.admission().dry_run(&run, pods, unlisted);
                    verdict.warnings.extend(warnings);
                }
            },
        }
    }

    /// Classifies a namespace CREATE or UPDATE (with the namespace's name); `None` (with
    /// a bad request in `verdict`) when an object does not decode.
    fn namespace_write(
        &self,
        request: &AdmissionRequest,
        verdict: &mut Verdict,
    ) -> Option<(String, NamespaceWrite)> {
        let labels_of = |raw: Option<&RawObject>, field: &str, verdict: &mut Verdict| {
            let namespace: Namespace = decode(raw?, field, verdict)?;
            Some((
                namespace.metadata.name.unwrap_or_default(),
                namespace.metadata.labels.unwrap_or_default(),
            ))
        };
        let (name, labels) = labels_of(request.object.as_ref(), "object", verdict)?;
        let name = if name.is_empty() {
            request.namespace().to_owned()
        } else {
            name
        };
        let old_labels = match (request.operation.as_str(), &request.old_object) {
            ("UPDATE", Some(raw)) => Some(labels_of(Some(raw), "oldObject", verdict)?.1),
            ("UPDATE", None) => Some(BTreeMap::new()),
            _ => None,
        };
        let write = self
            .admission()
            .namespace_write(&name, &labels, old_labels.as_ref());
        Some((name, write))
    }

    /// Pod Security's decision, in the webhook's words: a denial names the pod as the API
    /// server's Forbidden helper does.
    fn apply(&self, request: &AdmissionRequest, decision: pss::Decision, verdict: &mut Verdict) {
        verdict.audit.extend(decision.audit);
        verdict.warnings.extend(decision.warnings);
        match decision.denial {
            None => {}
            Some(pss::Denial::Forbidden(message)) => verdict.forbid(format!(
                "{} is forbidden: {message}",
                resource_name("pods", request)
            )),
            Some(pss::Denial::LookupFailed(message)) => verdict.deny(500, "InternalError", message),
        }
    }

    /// The configured catalogue rules on one pod or template, with their modes, through
    /// the scanner's loop. An ignore annotation silences a warning as in `rampart scan`,
    /// but an enforced rule is the administrator's: its findings stay.
    fn catalogue(
        &self,
        object: &Object<'_>,
        pod: &PodView,
        ignores: &Ignores,
    ) -> Vec<(Finding, RuleMode)> {
        let ctx = CheckContext {
            object,
            pod: Some(pod),
            pss: None,
        };
        let rules = self.config.rules.iter().map(|(rule, _)| *rule);
        let judged = scan::judge(rules, &ScanConfig::default(), ignores, |checks, out| {
            if let Some(check) = checks.kubernetes {
                check(&ctx, out);
            }
        });
        let mode = |finding: &Finding| {
            self.config
                .rules
                .iter()
                .find(|(rule, _)| rule.meta.id == finding.rule)
                .map_or(RuleMode::Warn, |(_, mode)| *mode)
        };
        let enforced_anyway = judged
            .silenced
            .into_iter()
            .filter(|finding| mode(finding) == RuleMode::Enforce);
        let mut all: Vec<(Finding, RuleMode)> = judged
            .findings
            .into_iter()
            .chain(enforced_anyway)
            .map(|finding| {
                let mode = mode(&finding);
                (finding, mode)
            })
            .collect();
        // Catalogue order, as before the silenced findings were set aside.
        all.sort_by_key(|(finding, _)| {
            self.config
                .rules
                .iter()
                .position(|(rule, _)| rule.meta.id == finding.rule)
        });
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
        Some(name) => format!("{resource} {}", rampart_core::go::quote(name)),
        None => resource.to_owned(),
    }
}

/// Pod Security Admission's view of a pod or workload request.
fn pss_request(request: &AdmissionRequest) -> pss::Request<'_> {
    pss::Request {
        operation: if request.operation == "UPDATE" {
            pss::Operation::Update
        } else {
            pss::Operation::Create
        },
        namespace: request.namespace(),
        username: &request.user_info.username,
    }
}

/// The namespace's labels as Pod Security reads them.
fn labels<'a>(ctx: &'a Context<'_>) -> pss::NamespaceLabels<'a> {
    match &ctx.labels {
        Ok(labels) => Ok(*labels),
        Err(error) => Err(error.as_str()),
    }
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
}
