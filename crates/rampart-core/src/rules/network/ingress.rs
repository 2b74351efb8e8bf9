//! Ingresses that serve hosts without TLS.

use k8s_openapi::api::networking::v1::{Ingress, IngressTLS};

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::kinds;
use crate::object::typed_at;
use crate::rules::{Checks, Rule, RuleMeta};

pub(super) const INGRESS_TLS_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-tls-missing",
        severity: Severity::Medium,
        title: "Ingress serves hosts without TLS",
        why: "Without a `tls` entry covering a host, the ingress controller serves that host \
              over plain HTTP: credentials, session cookies and data cross the network in \
              clear and can be changed on the way. Flagged: an Ingress with no `spec.tls`, \
              and each `rules[].host` that no `tls[].hosts` entry covers (exactly, or by a \
              `*.` wildcard for one label; a `tls` entry without `hosts` covers every host, \
              including the rules without one).",
        fix: "Add a `spec.tls` entry listing the host and the Secret with its certificate \
              (cert-manager can issue it), and redirect HTTP to HTTPS.",
        references: &["Polaris tlsSettingsMissing", "Kubernetes docs: Ingress TLS"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        let id = &ctx.object.id;
        // `extensions` served Ingress until 1.22, with the same `tls` and `rules[].host`.
        let ingress = kinds::INGRESS;
        if !ingress.is(id) && !ingress.in_group(kinds::EXTENSIONS_GROUP).is(id) {
            return;
        }
        // An Ingress with fields of the wrong type is reported by its type check.
        let Ok(Some(ingress)) = typed_at::<Ingress>(ctx.object.value, &FieldPath::root()) else {
            return;
        };
        let spec = ingress.spec.unwrap_or_default();
        let tls = spec.tls.unwrap_or_default();
        if tls.is_empty() {
            out.report(
                FieldPath::fields(&["spec", "tls"]),
                "the Ingress has no tls section: every host is served over plain HTTP",
            );
            return;
        }
        for (i, rule) in spec.rules.iter().flatten().enumerate() {
            let host = rule.host.as_deref().filter(|h| !h.is_empty());
            if covered(&tls, host) {
                continue;
            }
            let path = FieldPath::fields(&["spec", "rules"]).index(i);
            match host {
                Some(host) => out.report(
                    path.child("host"),
                    format!("host {host} is in no tls entry: it is served over plain HTTP"),
                ),
                None => out.report(
                    path,
                    "a rule without a host is served over plain HTTP: every tls entry lists \
                     hosts",
                ),
            }
        }
    }),
};

/// Whether a `tls` entry covers `host` (`None`: a rule for every host).
fn covered(tls: &[IngressTLS], host: Option<&str>) -> bool {
    tls.iter().any(|entry| {
        let hosts = entry.hosts.as_deref().unwrap_or_default();
        hosts.is_empty()
            || host.is_some_and(|host| hosts.iter().any(|pattern| matches(pattern, host)))
    })
}

/// `pattern` is the host, or `*.rest` where the host is one label then `.rest`. Host
/// names compare without case.
fn matches(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    pattern.strip_prefix("*.").is_some_and(|rest| {
        host.split_once('.').is_some_and(|(label, host_rest)| {
            !label.is_empty() && label != "*" && host_rest.eq_ignore_ascii_case(rest)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(matches("shop.example.com", "Shop.Example.com"));
        assert!(matches("*.example.com", "shop.example.com"));
        assert!(!matches("*.example.com", "a.shop.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(!matches("shop.example.com", "api.example.com"));
    }
}
