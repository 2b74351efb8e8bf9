//! Generated policies as YAML, with a comment on each rule. The policies have a fixed
//! shape, so they are written directly: block style, strings plain where YAML reads them
//! back as the same string and JSON-quoted otherwise.

use std::borrow::Cow;
use std::fmt::Write;

use k8s_openapi::api::networking::v1::{NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::generate::GeneratedPolicy;

/// Words YAML 1.1 or 1.2 reads as booleans or null.
const RESERVED: &[&str] = &["y", "yes", "n", "no", "true", "false", "on", "off", "null"];

/// `text` as a YAML scalar that reads back as the string `text`: plain for names that
/// start with a letter (but for the words YAML reads as booleans or null) and for CIDRs
/// (which no YAML version reads as a number or a date: they hold a `/`), quoted
/// otherwise.
fn scalar(text: &str) -> Cow<'_, str> {
    let name = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str());
    let cidr = text.contains('/')
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/'));
    let plain = name || cidr;
    if plain {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(serde_json::Value::from(text).to_string())
    }
}

/// The policies as one YAML stream.
pub(crate) fn policies(policies: &[GeneratedPolicy]) -> String {
    let mut out = String::new();
    for generated in policies {
        document(generated, &mut out);
    }
    out
}

/// Writes `line` at `indent` spaces.
fn line(out: &mut String, indent: usize, text: &str) {
    let _ = writeln!(out, "{:indent$}{text}", "");
}

fn document(generated: &GeneratedPolicy, out: &mut String) {
    let policy = &generated.policy;
    line(out, 0, "---");
    line(
        out,
        0,
        &format!(
            "# {}: least privilege from observed flows (rampart netpol generate)",
            generated.workload
        ),
    );
    line(out, 0, "apiVersion: networking.k8s.io/v1");
    line(out, 0, "kind: NetworkPolicy");
    line(out, 0, "metadata:");
    if let Some(name) = &policy.metadata.name {
        line(out, 2, &format!("name: {}", scalar(name)));
    }
    if let Some(namespace) = &policy.metadata.namespace {
        line(out, 2, &format!("namespace: {}", scalar(namespace)));
    }
    if let Some(labels) = policy.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
        line(out, 2, "labels:");
        for (key, value) in labels {
            line(out, 4, &format!("{}: {}", scalar(key), scalar(value)));
        }
    }
    let Some(spec) = &policy.spec else {
        return;
    };
    line(out, 0, "spec:");
    selector(out, 2, "podSelector", spec.pod_selector.as_ref());
    if let Some(types) = &spec.policy_types {
        line(out, 2, "policyTypes:");
        for t in types {
            line(out, 2, &format!("- {}", scalar(t)));
        }
    }
    let ingress = spec.ingress.as_deref().unwrap_or_default();
    rules(
        out,
        "ingress",
        "from",
        ingress
            .iter()
            .map(|r| (r.from.as_deref(), r.ports.as_deref())),
        &generated.ingress_notes,
    );
    let egress = spec.egress.as_deref().unwrap_or_default();
    rules(
        out,
        "egress",
        "to",
        egress.iter().map(|r| (r.to.as_deref(), r.ports.as_deref())),
        &generated.egress_notes,
    );
}

type RuleParts<'a> = (
    Option<&'a [NetworkPolicyPeer]>,
    Option<&'a [NetworkPolicyPort]>,
);

/// Appends `body` (mapping lines written at `indent + 2`) as a list item at `indent`.
fn item(out: &mut String, indent: usize, body: &str) {
    let inner = indent + 2;
    match body.get(inner..) {
        Some(rest) if body.len() > inner => {
            let _ = write!(out, "{:indent$}- {rest}", "");
        }
        _ => line(out, indent, "- {}"),
    }
}

fn rules<'a>(
    out: &mut String,
    field: &str,
    peers_field: &str,
    rules: impl ExactSizeIterator<Item = RuleParts<'a>>,
    notes: &[String],
) {
    if rules.len() == 0 {
        line(out, 2, &format!("{field}: []"));
        return;
    }
    line(out, 2, &format!("{field}:"));
    for (i, (peers, ports)) in rules.enumerate() {
        if let Some(note) = notes.get(i) {
            line(out, 2, &format!("# {note}"));
        }
        let mut body = String::new();
        if let Some(peers) = peers {
            line(&mut body, 4, &format!("{peers_field}:"));
            for peer in peers {
                item(&mut body, 4, &peer_body(6, peer));
            }
        }
        if let Some(ports) = ports {
            line(&mut body, 4, "ports:");
            for port in ports {
                item(&mut body, 4, &port_body(6, port));
            }
        }
        item(out, 2, &body);
    }
}

fn port_body(indent: usize, port: &NetworkPolicyPort) -> String {
    let mut body = String::new();
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    line(
        &mut body,
        indent,
        &format!("protocol: {}", scalar(protocol)),
    );
    match &port.port {
        Some(IntOrString::Int(n)) => line(&mut body, indent, &format!("port: {n}")),
        Some(IntOrString::String(name)) => {
            line(&mut body, indent, &format!("port: {}", scalar(name)));
        }
        None => {}
    }
    if let Some(end) = port.end_port {
        line(&mut body, indent, &format!("endPort: {end}"));
    }
    body
}

fn peer_body(indent: usize, peer: &NetworkPolicyPeer) -> String {
    let mut body = String::new();
    if peer.pod_selector.is_some() {
        selector(&mut body, indent, "podSelector", peer.pod_selector.as_ref());
    }
    if peer.namespace_selector.is_some() {
        selector(
            &mut body,
            indent,
            "namespaceSelector",
            peer.namespace_selector.as_ref(),
        );
    }
    if let Some(block) = &peer.ip_block {
        line(&mut body, indent, "ipBlock:");
        line(
            &mut body,
            indent + 2,
            &format!("cidr: {}", scalar(&block.cidr)),
        );
        if let Some(except) = block.except.as_ref().filter(|e| !e.is_empty()) {
            line(&mut body, indent + 2, "except:");
            for cidr in except {
                line(&mut body, indent + 2, &format!("- {}", scalar(cidr)));
            }
        }
    }
    body
}

fn selector(out: &mut String, indent: usize, field: &str, selector: Option<&LabelSelector>) {
    let labels = selector
        .and_then(|s| s.match_labels.as_ref())
        .filter(|l| !l.is_empty());
    let expressions = selector
        .and_then(|s| s.match_expressions.as_ref())
        .filter(|e| !e.is_empty());
    if labels.is_none() && expressions.is_none() {
        line(out, indent, &format!("{field}: {{}}"));
        return;
    }
    line(out, indent, &format!("{field}:"));
    if let Some(labels) = labels {
        line(out, indent + 2, "matchLabels:");
        for (key, value) in labels {
            line(
                out,
                indent + 4,
                &format!("{}: {}", scalar(key), scalar(value)),
            );
        }
    }
    if let Some(expressions) = expressions {
        line(out, indent + 2, "matchExpressions:");
        for requirement in expressions {
            line(
                out,
                indent + 2,
                &format!("- key: {}", scalar(&requirement.key)),
            );
            line(
                out,
                indent + 2,
                &format!("  operator: {}", scalar(&requirement.operator)),
            );
            if let Some(values) = requirement.values.as_ref().filter(|v| !v.is_empty()) {
                line(out, indent + 2, "  values:");
                for value in values {
                    line(out, indent + 4, &format!("- {}", scalar(value)));
                }
            }
        }
    }
}
