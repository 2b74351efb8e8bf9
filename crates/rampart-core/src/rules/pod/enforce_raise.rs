//! Namespaces whose running pods would be rejected if their Pod Security enforce level
//! were raised one step: the warnings `kubectl label --dry-run=server` returns, from
//! Pod Security Admission's own dry run ([`crate::pss::Admission::dry_run`]).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::kinds;
use crate::pss::{
    Admission, DryRun, Exemptions, LABEL_PREFIX, Level, LevelVersion, NamespacePolicy, Version,
};
use crate::rules::{RuleMeta, RunContext, RunFindings, RunRule};

pub(super) const PSS_ENFORCE_RAISE_BLOCKED: RunRule = RunRule {
    meta: RuleMeta {
        id: "pss-enforce-raise-blocked",
        severity: Severity::Info,
        title: "Raising the namespace's Pod Security enforce level would reject running pods",
        why: "Raising `pod-security.kubernetes.io/enforce` one step (privileged to baseline, \
              baseline to restricted) is the usual path to tighter namespaces; pods already \
              running that break the new level keep running but are rejected when they are \
              next created, so a rollout or a rescheduled node breaks them. For each Namespace \
              of the input, the Pods of the input in it (running pods, not workload templates) \
              are tried against the next level at the namespace's `enforce-version`, exactly \
              as Pod Security Admission's dry run does, and the finding carries the warnings \
              `kubectl label --dry-run=server` would print, grouped as upstream groups them. \
              Advice, not a defect: one finding per namespace; restricted namespaces and \
              namespaces whose enforce labels do not parse are left alone. Judged with the \
              default admission configuration (no exemptions).",
        fix: "Fix the listed pods' workloads so they meet the next level, then raise the label \
              (`kubectl label --overwrite ns NAME pod-security.kubernetes.io/enforce=LEVEL`); \
              set `pod-security.kubernetes.io/warn` to that level meanwhile so new violations \
              are reported when they are written.",
        references: &[
            "Kubernetes: Enforce Pod Security Standards with Namespace Labels",
            "Kubernetes: Migrate from PodSecurityPolicy to the built-in PodSecurity admission \
             controller (dry run)",
        ],
    },
    fix: None,
    check: check_enforce_raise,
};

/// The enforce label's name.
fn enforce_label() -> String {
    format!("{LABEL_PREFIX}enforce")
}

fn check_enforce_raise(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let mut pods: BTreeMap<String, Vec<Pod>> = BTreeMap::new();
    let mut namespaces = Vec::new();
    for (index, object) in ctx.objects.iter().enumerate() {
        if kinds::POD.is(&object.id) {
            // A pod that does not decode as a Pod cannot be judged; the object rules
            // report what is wrong with it.
            if let Ok(pod) = serde_json::from_value::<Pod>(object.value()) {
                let namespace = object.id.namespace.as_deref().unwrap_or("default");
                pods.entry(namespace.to_owned()).or_default().push(pod);
            }
        } else if kinds::NAMESPACE.is(&object.id) {
            namespaces.push(index);
        }
    }
    let defaults = NamespacePolicy::default();
    let exemptions = Exemptions::default();
    let admission = Admission {
        defaults: &defaults,
        exemptions: &exemptions,
    };
    for index in namespaces {
        let value = ctx.objects[index].value();
        let Some(name) = value["metadata"]["name"].as_str() else {
            continue;
        };
        let Some(pods) = pods.get(name) else {
            continue;
        };
        let labels = &value["metadata"]["labels"];
        let Some((current, next)) = raise(labels) else {
            continue;
        };
        let run = DryRun {
            namespace: name,
            enforce: next,
            out_of_time: &|| false,
        };
        let warnings = admission.dry_run(&run, pods, 0);
        if warnings.is_empty() {
            continue;
        }
        let enforce = enforce_label();
        let path = if labels.get(&enforce).is_some() {
            FieldPath::fields(&["metadata", "labels"]).key(enforce)
        } else {
            FieldPath::fields(&["metadata", "labels"])
        };
        out.report(index, path, message(name, current, next, &warnings));
    }
}

/// The namespace's enforce level and the one a step up (same version), from its `labels`;
/// `None` when already restricted or when the enforce labels do not parse.
fn raise(labels: &serde_json::Value) -> Option<(Level, LevelVersion)> {
    let label = |suffix: &str| labels.get(format!("{LABEL_PREFIX}{suffix}"));
    let level = match label("enforce") {
        None => Level::Privileged,
        Some(value) => value.as_str()?.parse().ok()?,
    };
    let version = match label("enforce-version") {
        None => Version::Latest,
        Some(value) => value.as_str()?.parse().ok()?,
    };
    let next = match level {
        Level::Privileged => Level::Baseline,
        Level::Baseline => Level::Restricted,
        Level::Restricted => return None,
    };
    Some((level, LevelVersion::new(next, version)))
}

/// `namespace shop: raising Pod Security enforce from privileged to baseline would reject
/// running pods; kubectl label --dry-run=server warns: …; …`.
fn message(namespace: &str, current: Level, next: LevelVersion, warnings: &[String]) -> String {
    format!(
        "namespace {namespace}: raising Pod Security enforce from {current} to {} would reject \
         running pods; `kubectl label --dry-run=server` warns: {}",
        next.level,
        warnings.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::WorkloadKinds;
    use crate::rules::Collected;
    use crate::rules::run::RunCache;
    use crate::scan::{ScanOptions, scan_file};
    use crate::source::{Limits, parse_text};

    const INPUT: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.28}
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, namespace: shop, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u1, controller: true}]}
spec:
  containers: [{name: web, image: web, securityContext: {runAsNonRoot: true}}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, namespace: shop, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u1, controller: true}]}
spec:
  containers: [{name: web, image: web, securityContext: {runAsNonRoot: true}}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  hostPID: true
  containers: [{name: sh, image: busybox, ports: [{containerPort: 80, hostPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: other}
spec:
  containers: [{name: sh, image: busybox}]
";

    /// What a scan of `text` collects for the run rules.
    fn collected(text: &str) -> Vec<Collected> {
        scan_file("pods.yaml", text.as_bytes(), &ScanOptions::default()).collected
    }

    fn findings(objects: &[Collected]) -> Vec<(usize, crate::finding::Finding)> {
        let workloads = WorkloadKinds::default();
        let cache = RunCache::default();
        let ctx = RunContext {
            objects,
            workloads: &workloads,
            cache: &cache,
        };
        let mut out = RunFindings::new(PSS_ENFORCE_RAISE_BLOCKED.meta);
        (PSS_ENFORCE_RAISE_BLOCKED.check)(&ctx, &mut out);
        out.into_vec()
    }

    #[test]
    fn carries_the_dry_run_warnings_of_the_namespaces_pods() {
        let objects = collected(INPUT);
        let found = findings(&objects);
        assert_eq!(found.len(), 1);
        let (object, finding) = &found[0];
        assert_eq!(*object, 0);
        assert_eq!(
            finding.path.to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]"
        );
        // The same pods, read straight from the text, through the dry run itself.
        let pods: Vec<Pod> = parse_text(INPUT, &Limits::default()).documents[1..4]
            .iter()
            .map(|d| serde_json::from_value(d.value.clone()).expect("pod"))
            .collect();
        let run = DryRun {
            namespace: "shop",
            enforce: LevelVersion::new(Level::Restricted, "v1.28".parse().expect("version")),
            out_of_time: &|| false,
        };
        let defaults = NamespacePolicy::default();
        let exemptions = Exemptions::default();
        let admission = Admission {
            defaults: &defaults,
            exemptions: &exemptions,
        };
        let warnings = admission.dry_run(&run, &pods, 0);
        assert!(warnings.len() >= 3, "{warnings:?}");
        assert_eq!(
            finding.message,
            message("shop", Level::Baseline, run.enforce, &warnings)
        );
        assert!(finding.message.contains("web-a (and 1 other pod): "));
        assert!(finding.message.contains("to restricted"));
    }

    #[test]
    fn restricted_namespaces_unparsable_labels_and_clean_pods_give_nothing() {
        for labels in [
            "{pod-security.kubernetes.io/enforce: restricted}",
            "{pod-security.kubernetes.io/enforce: strict}",
            "{pod-security.kubernetes.io/enforce-version: v1}",
        ] {
            let text = INPUT.replacen(
                "{pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.28}",
                labels,
                1,
            );
            assert!(findings(&collected(&text)).is_empty(), "{labels}");
        }
        // Privileged (no label): only `debug` breaks baseline; without it, nothing.
        let text = INPUT.replacen(
            "labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.28}",
            "labels: {}",
            1,
        );
        let found = findings(&collected(&text));
        assert_eq!(found[0].1.path.to_string(), "metadata.labels");
        assert!(found[0].1.message.contains("debug: "));
        assert!(!found[0].1.message.contains("web-a"));
        let without_debug: Vec<&str> = text
            .split("---\n")
            .filter(|d| !d.contains("debug"))
            .collect();
        assert!(findings(&collected(&without_debug.join("---\n"))).is_empty());
    }
}
