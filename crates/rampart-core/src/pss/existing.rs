//! Pod Security Admission's dry run of a namespace's existing pods when its enforce level
//! becomes stricter (spec §9.6): warnings for the user changing the label, never a denial.
//! Reached through [`super::Admission::dry_run`].

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::{Pod, PodSpec};

use super::admission::{DryRun, Exemptions};
use super::evaluate;
use super::message::go_quote;

/// At most this many pods are evaluated.
pub const MAX_PODS_TO_CHECK: usize = 3000;

/// The warnings of the dry run over `pods` (in list order). `unlisted` counts pods the
/// caller knows exist but did not fetch; they count as not checked.
pub(super) fn existing_pod_warnings(
    run: &DryRun<'_>,
    exemptions: &Exemptions,
    pods: &[Pod],
    unlisted: usize,
) -> Vec<String> {
    let prioritized = prioritize(pods, exemptions);
    let total = prioritized.len() + unlisted;
    let mut checked = prioritized.len().min(MAX_PODS_TO_CHECK);
    // Each distinct reason, in first-seen order, with the smallest pod name and a count.
    let mut reasons: Vec<String> = Vec::new();
    let mut by_reason: HashMap<String, (String, usize)> = HashMap::new();
    let empty = PodSpec::default();
    for (i, pod) in prioritized.iter().take(MAX_PODS_TO_CHECK).enumerate() {
        let spec = pod.spec.as_ref().unwrap_or(&empty);
        let evaluation = evaluate(&run.enforce, &pod.metadata, spec);
        if !evaluation.allowed() {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let reason = evaluation.short_reasons();
            match by_reason.get_mut(&reason) {
                Some((smallest, count)) => {
                    if name < *smallest {
                        *smallest = name;
                    }
                    *count += 1;
                }
                None => {
                    by_reason.insert(reason.clone(), (name, 1));
                    reasons.push(reason);
                }
            }
        }
        if (run.out_of_time)() {
            checked = i + 1;
            break;
        }
    }
    let mut warnings = Vec::new();
    if checked < total {
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !reasons.is_empty() {
        warnings.push(format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            go_quote(run.namespace),
            go_quote(&run.enforce.to_string())
        ));
    }
    let mut per_reason: Vec<String> = reasons
        .into_iter()
        .map(|reason| {
            let (pod, count) = &by_reason[&reason];
            match count {
                1 => format!("{pod}: {reason}"),
                2 => format!("{pod} (and 1 other pod): {reason}"),
                n => format!("{pod} (and {} other pods): {reason}", n - 1),
            }
        })
        .collect();
    per_reason.sort();
    warnings.extend(per_reason);
    warnings
}

/// Pods in evaluation order: pods without a controller and the first pod of each
/// controller, then the other replicas; pods with an exempt runtime class are left out.
fn prioritize<'p>(pods: &'p [Pod], exemptions: &Exemptions) -> Vec<&'p Pod> {
    let mut first = Vec::with_capacity(pods.len());
    let mut replicas = Vec::new();
    let mut controllers = HashSet::new();
    for pod in pods {
        let runtime_class = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.as_deref());
        if exemptions.runtime_class(runtime_class) {
            continue;
        }
        let controller = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|owner| owner.controller == Some(true));
        match controller {
            Some(owner) if !controllers.insert(owner.uid.as_str()) => replicas.push(pod),
            _ => first.push(pod),
        }
    }
    first.extend(replicas);
    first
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeSet;

    use super::*;
    use crate::pss::{Level, LevelVersion};

    fn pod(name: &str, owner: Option<&str>, privileged: bool, host_network: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": name,
                "ownerReferences": owner.map(|uid| vec![serde_json::json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": uid, "uid": uid,
                    "controller": true
                })]),
            },
            "spec": {
                "hostNetwork": host_network,
                "containers": [{"name": "c", "image": "i", "securityContext": {"privileged": privileged}}]
            }
        }))
        .expect("pod")
    }

    fn never() -> bool {
        false
    }

    fn run(out_of_time: &dyn Fn() -> bool) -> DryRun<'_> {
        DryRun {
            namespace: "shop",
            enforce: LevelVersion::latest(Level::Baseline),
            out_of_time,
        }
    }

    #[test]
    fn violations_are_grouped_by_reason_with_the_smallest_pod_name() {
        let pods = [
            pod("web-b", Some("rs-web"), true, false),
            pod("web-a", Some("rs-web"), true, false),
            pod("web-c", Some("rs-web"), true, false),
            pod("agent", None, false, true),
            pod("debug", None, true, false),
            pod("fine", None, false, false),
        ];
        assert_eq!(
            existing_pod_warnings(&run(&never), &Exemptions::default(), &pods, 0),
            [
                "existing pods in namespace \"shop\" violate the new PodSecurity enforce level \"baseline:latest\"",
                "agent: host namespaces",
                "debug (and 3 other pods): privileged",
            ]
        );
    }

    #[test]
    fn replicas_come_after_one_pod_per_controller_and_time_bounds_the_run() {
        let pods = [
            pod("a-1", Some("a"), true, false),
            pod("a-2", Some("a"), true, false),
            pod("b-1", Some("b"), false, true),
        ];
        let order: Vec<_> = prioritize(&pods, &Exemptions::default())
            .iter()
            .map(|p| p.metadata.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(order, ["a-1", "b-1", "a-2"]);
        // Out of time after the second pod: two are checked, then the run stops.
        let asked = Cell::new(0);
        let second = || {
            asked.set(asked.get() + 1);
            asked.get() == 2
        };
        let warnings = existing_pod_warnings(&run(&second), &Exemptions::default(), &pods, 2);
        assert_eq!(
            warnings[0],
            "new PodSecurity enforce level only checked against the first 2 of 5 existing pods"
        );
        assert_eq!(warnings[2], "a-1: privileged");
        assert_eq!(warnings[3], "b-1: host namespaces");
    }

    #[test]
    fn exempt_runtime_classes_are_skipped() {
        let mut sandboxed = pod("sandboxed", None, true, false);
        sandboxed.spec.as_mut().expect("spec").runtime_class_name = Some("gvisor".into());
        let exemptions = Exemptions {
            runtime_classes: BTreeSet::from(["gvisor".to_string()]),
            ..Exemptions::default()
        };
        assert!(existing_pod_warnings(&run(&never), &exemptions, &[sandboxed], 0).is_empty());
    }
}
