//! Pod Security Admission's dry run of a namespace's existing pods when its enforce level
//! becomes stricter (spec §9.6): warnings for the user changing the label, never a denial.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use k8s_openapi::api::core::v1::{Pod, PodSpec};

use super::{LevelVersion, evaluate};

/// At most this many pods are evaluated.
pub const MAX_PODS_TO_CHECK: usize = 3000;

/// The pods to judge and how to judge them.
#[derive(Debug, Clone, Copy)]
pub struct DryRun<'a> {
    /// The namespace, for the warning text.
    pub namespace: &'a str,
    /// The new enforce level.
    pub enforce: LevelVersion,
    /// Runtime classes exempt from Pod Security (their pods are skipped).
    pub exempt_runtime_classes: &'a BTreeSet<String>,
    /// Evaluation stops after the pod during which this passes.
    pub deadline: Instant,
}

/// The warnings of the dry run over `pods` (in list order). `unlisted` counts pods the
/// caller knows exist but did not fetch; they count as not checked.
pub fn existing_pod_warnings(run: &DryRun<'_>, pods: &[Pod], unlisted: usize) -> Vec<String> {
    let prioritized = prioritize(pods, run.exempt_runtime_classes);
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
        if Instant::now() >= run.deadline {
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
            "existing pods in namespace {:?} violate the new PodSecurity enforce level {:?}",
            run.namespace,
            run.enforce.to_string()
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
fn prioritize<'p>(pods: &'p [Pod], exempt_runtime_classes: &BTreeSet<String>) -> Vec<&'p Pod> {
    let mut first = Vec::with_capacity(pods.len());
    let mut replicas = Vec::new();
    let mut controllers = HashSet::new();
    for pod in pods {
        let runtime_class = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.as_deref());
        if runtime_class.is_some_and(|rc| !rc.is_empty() && exempt_runtime_classes.contains(rc)) {
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
    use std::time::Duration;

    use super::*;
    use crate::pss::Level;

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

    static NONE_EXEMPT: BTreeSet<String> = BTreeSet::new();

    fn run(deadline: Instant) -> DryRun<'static> {
        DryRun {
            namespace: "shop",
            enforce: LevelVersion::latest(Level::Baseline),
            exempt_runtime_classes: &NONE_EXEMPT,
            deadline,
        }
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(60)
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
            existing_pod_warnings(&run(later()), &pods, 0),
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
        let order: Vec<_> = prioritize(&pods, &NONE_EXEMPT)
            .iter()
            .map(|p| p.metadata.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(order, ["a-1", "b-1", "a-2"]);
        // A deadline already passed: the first pod is checked, then the run stops.
        let warnings = existing_pod_warnings(&run(Instant::now()), &pods, 2);
        assert_eq!(
            warnings[0],
            "new PodSecurity enforce level only checked against the first 1 of 5 existing pods"
        );
        assert_eq!(warnings[2], "a-1: privileged");
    }

    #[test]
    fn exempt_runtime_classes_are_skipped() {
        let mut sandboxed = pod("sandboxed", None, true, false);
        sandboxed.spec.as_mut().expect("spec").runtime_class_name = Some("gvisor".into());
        let exempt = BTreeSet::from(["gvisor".to_string()]);
        let dry_run = DryRun {
            exempt_runtime_classes: &exempt,
            ..run(later())
        };
        assert!(existing_pod_warnings(&dry_run, &[sandboxed], 0).is_empty());
    }
}
