//! Validation and defaulting of NetworkPolicy objects, as the API server does them.
//!
//! rampart reads manifests that never went through an API server, so each policy is
//! checked here with upstream's rules (`pkg/apis/networking/validation`) and messages
//! (`field.Error` bodies such as `Required value: must specify a peer`). A policy with an
//! error is left out of evaluation; warnings keep it.

use std::fmt::Display;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::cidr::IpSet;
use super::model::namespace_or_default;
use super::policy::{Policy, Rule, RulePeer};
use super::ports::{PortEntry, Protocol};
use super::selector::{Operator, Requirement, Selector};
use crate::field_path::FieldPath;

/// How serious a [`PolicyError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The API server would reject the object; it is left out of evaluation.
    Error,
    /// Accepted, but worth a look (e.g. host bits in a CIDR, which are masked).
    Warning,
}

/// A problem with one NetworkPolicy, located by a path relative to the object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{namespace}/{name}: {path}: {message}")]
pub struct PolicyError {
    /// The policy's namespace.
    pub namespace: String,
    /// The policy's name.
    pub name: String,
    /// Where in the object, e.g. `spec.ingress[0].from[1]`.
    pub path: FieldPath,
    /// Upstream's error body, e.g. `Forbidden: may not specify both ipBlock and another peer`.
    pub message: String,
    /// Error (policy excluded) or warning (policy kept).
    pub severity: Severity,
}

/// Every error and warning the API server would report for `policy`.
pub fn validate(policy: &NetworkPolicy) -> Vec<PolicyError> {
    compile(policy).1
}

/// Validates and defaults `policy`. The policy is `None` when there is an error.
pub(crate) fn compile(policy: &NetworkPolicy) -> (Option<Policy>, Vec<PolicyError>) {
    let mut checker = Checker {
        namespace: namespace_or_default(policy.metadata.namespace.as_deref()),
        name: policy.metadata.name.clone().unwrap_or_default(),
        problems: Vec::new(),
    };
    if policy.metadata.name.as_deref().is_none_or(str::is_empty) {
        checker.error(
            FieldPath::fields(&["metadata", "name"]),
            required("name or generateName is required"),
        );
    }
    let default_spec = NetworkPolicySpec::default();
    let spec = policy.spec.as_ref().unwrap_or(&default_spec);
    let compiled = checker.spec(spec, &FieldPath::root().child("spec"));
    let has_error = checker
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    (compiled.filter(|_| !has_error), checker.problems)
}

struct Checker {
    namespace: String,
    name: String,
    problems: Vec<PolicyError>,
}

const CIDR_HINT: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";

impl Checker {
    fn report(&mut self, path: FieldPath, message: String, severity: Severity) {
        self.problems.push(PolicyError {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            path,
            message,
            severity,
        });
    }

    fn error(&mut self, path: FieldPath, message: String) {
        self.report(path, message, Severity::Error);
    }

    fn spec(&mut self, spec: &NetworkPolicySpec, path: &FieldPath) -> Option<Policy> {
        let everything = LabelSelector::default();
        let pod_selector = self.selector(
            spec.pod_selector.as_ref().unwrap_or(&everything),
            &path.child("podSelector"),
        );
        let ingress: Vec<Rule> = spec
            .ingress
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, r)| {
                let rule_path = path.child("ingress").index(i);
                self.rule(r.from.as_deref(), "from", r.ports.as_deref(), &rule_path)
            })
            .collect();
        let egress: Vec<Rule> = spec
            .egress
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, r)| {
                let rule_path = path.child("egress").index(i);
                self.rule(r.to.as_deref(), "to", r.ports.as_deref(), &rule_path)
            })
            .collect();
        let (applies_ingress, applies_egress) =
            self.policy_types(spec.policy_types.as_deref(), !egress.is_empty(), path)?;
        Some(Policy {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            pod_selector,
            ingress: applies_ingress.then_some(ingress),
            egress: applies_egress.then_some(egress),
        })
    }

    /// Validates `policyTypes` and returns whether the policy applies to ingress and to
    /// egress after defaulting.
    fn policy_types(
        &mut self,
        types: Option<&[String]>,
        has_egress_rules: bool,
        path: &FieldPath,
    ) -> Option<(bool, bool)> {
        let types = types.unwrap_or_default();
        let path = path.child("policyTypes");
        if types.len() > 2 {
            let listed = types.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>();
            self.error(
                path,
                invalid(
                    format!("[{}]", listed.join(", ")),
                    "may not specify more than two policyTypes",
                ),
            );
            return None;
        }
        for (i, t) in types.iter().enumerate() {
            if t != "Ingress" && t != "Egress" {
                self.error(path.index(i), not_supported(t, &["Ingress", "Egress"]));
            }
        }
        if types.is_empty() {
            Some((true, has_egress_rules))
        } else {
            let has = |name: &str| types.iter().any(|t| t == name);
            Some((has("Ingress"), has("Egress")))
        }
    }

    fn rule(
        &mut self,
        peers: Option<&[NetworkPolicyPeer]>,
        peer_field: &'static str,
        ports: Option<&[NetworkPolicyPort]>,
        path: &FieldPath,
    ) -> Rule {
        let ports: Vec<PortEntry> = ports
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.port(p, &path.child("ports").index(i)))
            .collect();
        let peers: Vec<RulePeer> = peers
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.peer(p, &path.child(peer_field).index(i)))
            .collect();
        Rule {
            peers: (!peers.is_empty()).then_some(peers),
            ports: (!ports.is_empty()).then_some(ports),
        }
    }

    fn port(&mut self, port: &NetworkPolicyPort, path: &FieldPath) -> Option<PortEntry> {
        let protocol_text = port.protocol.as_deref().unwrap_or("TCP");
        let protocol = Protocol::parse(protocol_text);
        if protocol.is_none() {
            self.error(
                path.child("protocol"),
                not_supported(protocol_text, &["TCP", "UDP", "SCTP"]),
            );
        }
        let end_path = path.child("endPort");
        let entry = match &port.port {
            Some(IntOrString::Int(number)) => {
                let first = self.port_number(*number, &path.child("port"));
                let last = match port.end_port {
                    Some(end) => {
                        if end < *number {
                            self.error(
                                end_path.clone(),
                                invalid(number, "must be greater than or equal to `port`"),
                            );
                        }
                        self.port_number(end, &end_path)
                    }
                    None => first,
                };
                PortEntry::Range {
                    protocol: protocol?,
                    first: first?,
                    last: last?,
                }
            }
            Some(IntOrString::String(name)) => {
                if let Some(end) = port.end_port {
                    self.error(
                        end_path,
                        invalid(end, "may not be specified when `port` is non-numeric"),
                    );
                }
                let messages = port_name_errors(name);
                let valid = messages.is_empty();
                for message in messages {
                    self.error(path.child("port"), invalid(format!("{name:?}"), &message));
                }
                valid.then_some(())?;
                PortEntry::Named {
                    protocol: protocol?,
                    name: name.clone(),
                }
            }
            None => {
                if let Some(end) = port.end_port {
                    self.error(
                        end_path,
                        invalid(end, "may not be specified when `port` is not specified"),
                    );
                }
                PortEntry::AllPorts(protocol?)
            }
        };
        Some(entry)
    }

    /// Checks that a port number is in 1..=65535.
    fn port_number(&mut self, number: i32, path: &FieldPath) -> Option<u16> {
        match u16::try_from(number) {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                self.error(path.clone(), invalid(number, PORT_RANGE));
                None
            }
        }
    }

    fn peer(&mut self, peer: &NetworkPolicyPeer, path: &FieldPath) -> Option<RulePeer> {
        let pods = peer
            .pod_selector
            .as_ref()
            .map(|s| self.selector(s, &path.child("podSelector")));
        let namespaces = peer
            .namespace_selector
            .as_ref()
            .map(|s| self.selector(s, &path.child("namespaceSelector")));
        let block = peer
            .ip_block
            .as_ref()
            .map(|b| self.ip_block(b, &path.child("ipBlock")));
        let count = [pods.is_some(), namespaces.is_some(), block.is_some()]
            .iter()
            .filter(|set| **set)
            .count();
        match (count, block) {
            (0, _) => {
                self.error(path.clone(), required("must specify a peer"));
                None
            }
            (1, Some(block)) => block.map(RulePeer::IpBlock),
            (_, Some(_)) => {
                self.error(
                    path.clone(),
                    "Forbidden: may not specify both ipBlock and another peer".to_string(),
                );
                None
            }
            (_, None) => Some(RulePeer::Pods { namespaces, pods }),
        }
    }

    fn ip_block(&mut self, block: &IPBlock, path: &FieldPath) -> Option<IpSet> {
        let cidr_path = path.child("cidr");
        if block.cidr.is_empty() {
            self.error(cidr_path, required(""));
            return None;
        }
        let cidr = self.cidr(&block.cidr, &cidr_path)?;
        let mut set = IpSet::from_net(&cidr);
        for (i, text) in block.except.iter().flatten().enumerate() {
            let except_path = path.child("except").index(i);
            let Some(except) = self.cidr(text, &except_path) else {
                continue;
            };
            let inside = cidr.trunc().contains(&except.trunc().network());
            if !inside || cidr.prefix_len() >= except.prefix_len() {
                self.error(
                    except_path,
                    invalid(format!("{text:?}"), "must be a strict subset of `cidr`"),
                );
            }
            set = set.difference(&IpSet::from_net(&except));
        }
        Some(set)
    }

    /// Parses a CIDR, reporting an error when it does not parse and a warning when host
    /// bits are set (they are masked, as older API servers accepted them).
    fn cidr(&mut self, text: &str, path: &FieldPath) -> Option<IpNet> {
        let Ok(net) = text.parse::<IpNet>() else {
            self.error(path.clone(), invalid(format!("{text:?}"), CIDR_HINT));
            return None;
        };
        if net.trunc() != net {
            let message = format!(
                "Invalid value: {text:?}: has host bits set; evaluated as {:?}",
                net.trunc().to_string()
            );
            self.report(path.clone(), message, Severity::Warning);
        }
        Some(net)
    }

    fn selector(&mut self, selector: &LabelSelector, path: &FieldPath) -> Selector {
        let labels_path = path.child("matchLabels");
        for (key, value) in selector.match_labels.iter().flatten() {
            self.label_key(key, &labels_path);
            for message in label_value_errors(value) {
                self.error(labels_path.clone(), invalid(format!("{value:?}"), &message));
            }
        }
        let requirements: Vec<Requirement> = selector
            .match_expressions
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, r)| {
                let path = path.child("matchExpressions").index(i);
                let values = r.values.clone().unwrap_or_default();
                let operator = Operator::parse(&r.operator);
                match operator {
                    Some(Operator::In | Operator::NotIn) if values.is_empty() => self.error(
                        path.child("values"),
                        required("must be specified when `operator` is 'In' or 'NotIn'"),
                    ),
                    Some(Operator::Exists | Operator::DoesNotExist) if !values.is_empty() => self
                        .error(
                            path.child("values"),
                            "Forbidden: may not be specified when `operator` is 'Exists' or \
                             'DoesNotExist'"
                                .to_string(),
                        ),
                    Some(_) => {}
                    None => self.error(
                        path.child("operator"),
                        invalid(format!("{:?}", r.operator), "not a valid selector operator"),
                    ),
                }
                self.label_key(&r.key, &path.child("key"));
                for (j, value) in values.iter().enumerate() {
                    for message in label_value_errors(value) {
                        let value_path = path.child("values").index(j);
                        self.error(value_path, invalid(format!("{value:?}"), &message));
                    }
                }
                Some(Requirement::new(r.key.clone(), operator?, values))
            })
            .collect();
        Selector::new(
            selector.match_labels.clone().unwrap_or_default(),
            requirements,
        )
    }

    fn label_key(&mut self, key: &str, path: &FieldPath) {
        for message in qualified_name_errors(key) {
            self.error(path.clone(), invalid(format!("{key:?}"), &message));
        }
    }
}

fn required(detail: &str) -> String {
    if detail.is_empty() {
        "Required value".to_string()
    } else {
        format!("Required value: {detail}")
    }
}

fn invalid(value: impl Display, detail: &str) -> String {
    format!("Invalid value: {value}: {detail}")
}

fn not_supported(value: &str, supported: &[&str]) -> String {
    let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "Unsupported value: {value:?}: supported values: {}",
        quoted.join(", ")
    )
}

fn max_len(length: usize) -> String {
    format!("must be no more than {length} bytes")
}

fn regex_error(message: &str, regex: &str, examples: &[&str]) -> String {
    let examples: String = examples
        .iter()
        .map(|e| format!("'{e}', "))
        .collect::<Vec<_>>()
        .join("or ");
    format!("{message} (e.g. {examples}regex used for validation is '{regex}')")
}

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_qualified_name_part(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns1123_subdomain(text: &str) -> bool {
    let lower_alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    text.split('.').all(|label| {
        let bytes = label.as_bytes();
        bytes.first().is_some_and(lower_alnum)
            && bytes.last().is_some_and(lower_alnum)
            && bytes.iter().all(|b| lower_alnum(b) || *b == b'-')
    })
}

/// Upstream's `IsQualifiedName` messages for a label key.
fn qualified_name_errors(key: &str) -> Vec<String> {
    let name_regex = || {
        regex_error(
            QUALIFIED_NAME_MSG,
            QUALIFIED_NAME_FMT,
            &["MyName", "my.name", "123-abc"],
        )
    };
    let parts: Vec<&str> = key.split('/').collect();
    let mut errors = Vec::new();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errors.push("prefix part must be non-empty".to_string());
            } else {
                if prefix.len() > 253 {
                    errors.push(format!("prefix part {}", max_len(253)));
                }
                if !is_dns1123_subdomain(prefix) {
                    errors.push(format!(
                        "prefix part {}",
                        regex_error(
                            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                            &["example.com"],
                        )
                    ));
                }
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                name_regex()
            )];
        }
    };
    if name.is_empty() {
        errors.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errors.push(format!("name part {}", max_len(63)));
    }
    if !is_qualified_name_part(name) {
        errors.push(format!("name part {}", name_regex()));
    }
    errors
}

/// Upstream's `IsValidLabelValue` messages.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push(max_len(63));
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        errors.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?",
            &["MyValue", "my_value", "12345"],
        ));
    }
    errors
}

/// Upstream's `IsValidPortName` messages (an IANA service name).
fn port_name_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name.len() > 15 {
        errors.push(max_len(15));
    }
    let bytes = name.as_bytes();
    if bytes.is_empty()
        || !bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    {
        errors.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !bytes.iter().any(u8::is_ascii_lowercase) {
        errors.push("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        errors.push("must not contain consecutive hyphens".to_string());
    }
    if bytes.first() == Some(&b'-') || bytes.last() == Some(&b'-') {
        errors.push("must not begin or end with a hyphen".to_string());
    }
    errors
}
