//! rampart's pure engine: Kubernetes manifests in, findings out.
//!
//! Nothing in this crate touches the file system, the network, the clock or the
//! terminal. Front ends move bytes in and reports out.
//!
//! The entry points: [`scan::scan_file`] runs the catalogue over a file's text,
//! [`pss::evaluate`] judges a pod against a Pod Security level ([`pss::Admission`] adds
//! what Pod Security Admission does around it), [`psp::admit`] is the PodSecurityPolicy
//! admission plugin, and [`netpol::Cluster`] is a NetworkPolicy model to ask about
//! connections. Their errors implement [`std::error::Error`].
//!
//! The other public modules are what rampart's own front ends (the CLI, the webhook, the
//! live and image readers) build on; each module's implementation lives in private or
//! `pub(crate)` submodules and reaches outside only through the module's re-exports.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use k8s_openapi::api::core::v1::Pod;
//! use k8s_openapi::api::networking::v1::NetworkPolicy;
//! use rampart_core::netpol::{Cluster, Peer, PortSpec, Protocol};
//! use rampart_core::psp::{self, AdmissionAttributes, AllowAll, Operation, UserInfo};
//! use rampart_core::scan::{ScanOptions, scan_file};
//! use rampart_core::source::{Limits, parse};
//! use rampart_core::{pss, Severity};
//!
//! let text = b"apiVersion: v1
//! kind: Pod
//! metadata: {name: web, namespace: shop, labels: {app: web}}
//! spec:
//!   containers:
//!   - name: app
//!     image: nginx:1.27
//!     securityContext: {privileged: true}
//! ";
//!
//! // Scan a text: every enabled rule, each finding located in the text.
//! let scan = scan_file("pod.yaml", text, &ScanOptions::default());
//! let privileged = scan
//!     .findings
//!     .iter()
//!     .find(|f| f.finding.rule == "privileged-container")
//!     .ok_or("expected a finding")?;
//! assert_eq!(privileged.finding.severity, Severity::Critical);
//! assert_eq!(privileged.pos.map(|p| (p.line, p.column)), Some((8, 35)));
//!
//! // Evaluate Pod Security Standards, with upstream's message.
//! let document = parse(text, &Limits::default()).documents.remove(0);
//! let pod: Pod = serde_json::from_value(document.value)?;
//! let spec = pod.spec.clone().unwrap_or_default();
//! let evaluation = pss::evaluate(&"baseline:latest".parse()?, &pod.metadata, &spec);
//! assert_eq!(
//!     evaluation.forbidden_message().as_deref(),
//!     Some(r#"violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)"#)
//! );
//!
//! // Admit with PodSecurityPolicy: no policy allows a privileged container.
//! let restricted: psp::PodSecurityPolicy = serde_json::from_str(r#"{
//!     "apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
//!     "metadata": {"name": "restricted"},
//!     "spec": {"runAsUser": {"rule": "RunAsAny"}, "seLinux": {"rule": "RunAsAny"},
//!              "supplementalGroups": {"rule": "RunAsAny"}, "fsGroup": {"rule": "RunAsAny"}}
//! }"#)?;
//! let request = AdmissionAttributes {
//!     operation: Operation::Create,
//!     pod: pod.clone(),
//!     old_pod: None,
//!     user: Some(UserInfo { username: "alice".into(), groups: vec![] }),
//!     namespace: "shop".into(),
//!     subresource: None,
//! };
//! let outcome = psp::admit(&request, &[restricted], &AllowAll);
//! assert!(!outcome.allowed);
//! assert!(outcome.message.ok_or("a reason")?.contains("Privileged containers are not allowed"));
//!
//! // Build a NetworkPolicy model and ask about a connection.
//! let deny_all: NetworkPolicy = serde_json::from_str(
//!     r#"{"metadata": {"name": "deny", "namespace": "shop"}, "spec": {"podSelector": {}}}"#,
//! )?;
//! let (cluster, errors) = Cluster::builder().pod(&pod).policy(&deny_all).build();
//! assert!(errors.is_empty());
//! let web: Peer = "shop/web".parse()?;
//! let verdict = cluster.query(&web, &web, &PortSpec::Number(80), Protocol::Tcp)?;
//! assert!(!verdict.allowed && verdict.ingress.isolated);
//! # Ok(())
//! # }
//! ```

pub mod artefact;
pub mod baseline;
pub mod cluster;
pub mod config;
pub mod docker;
pub mod explain;
pub mod field_path;
pub mod finding;
pub mod fix;
pub mod flows;
pub mod go;

pub mod host;
pub mod inventory;
pub mod kinds;
pub mod live;
pub mod migrate;
pub mod netpol;
pub mod object;
pub mod psp;
pub mod pss;
pub mod rbac;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suggest;
pub mod vuln;

pub use field_path::FieldPath;
pub use finding::{Finding, Severity};

#[cfg(test)]
mod tests {
    /// The errors of the public entry points can be printed and boxed like any error.
    #[test]
    fn public_errors_are_std_errors() {
        fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
        is_error::<crate::source::InputError>();
        is_error::<crate::object::NotAnObject>();
        is_error::<crate::object::InvalidObject>();
        is_error::<crate::object::TypeError>();
        is_error::<crate::pss::ParseLevelError>();
        is_error::<crate::pss::ParseVersionError>();
        is_error::<crate::pss::ParseLevelVersionError>();
        is_error::<crate::psp::FieldError>();
        is_error::<crate::psp::PolicyFieldError>();
        is_error::<crate::psp::StrategyError>();
        is_error::<crate::netpol::PolicyError>();
        is_error::<crate::netpol::QueryError>();
        is_error::<crate::vuln::index::IndexError>();
        is_error::<crate::vuln::version::VersionError>();
        is_error::<crate::inventory::InventoryError>();
    }
}
