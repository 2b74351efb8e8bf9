//! Workloads: endpoints grouped the way a NetworkPolicy built from stable labels sees
//! them. Pods of one Deployment differ only in labels their controller sets per pod or
//! per revision (`pod-template-hash`...), so they form one workload; a Deployment given
//! as a manifest is one endpoint and one workload.

use std::collections::{BTreeMap, HashMap};

use super::model::{Endpoint, Model};
use super::selector::Labels;

/// Labels a controller sets per pod, per revision or per run, and release labels that
/// change with every version: never part of a generated selector.
pub const UNSTABLE_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "job-name",
    "controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
    "app.kubernetes.io/version",
    "helm.sh/chart",
];

/// The labels of `labels` that identify a workload across pods and releases.
pub fn stable_labels(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(key, _)| !UNSTABLE_LABELS.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The name of the workload an endpoint belongs to: a Deployment's pod
/// `web-5d8f7c9b6-x2x7q` (with `pod-template-hash: 5d8f7c9b6`) belongs to `web`, a
/// StatefulSet's `db-0` to `db`, a DaemonSet's `agent-x2x7q` to `agent`, a Job's pod to
/// its Job. Anything else is its own workload.
pub fn workload_name(endpoint: &Endpoint) -> String {
    let name = endpoint.name.as_str();
    let label = |key: &str| endpoint.labels.get(key).map(String::as_str);
    let without_last = |text: &str| -> Option<String> {
        text.rsplit_once('-')
            .map(|(head, _)| head.to_owned())
            .filter(|h| !h.is_empty())
    };
    if let Some(hash) = label("pod-template-hash").filter(|h| !h.is_empty())
        && let Some(at) = name.find(&format!("-{hash}"))
        && at > 0
    {
        return name[..at].to_owned();
    }
    if label("controller-revision-hash").is_some() {
        let ordinal = name
            .rsplit_once('-')
            .is_some_and(|(_, tail)| !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()));
        if ordinal || label("statefulset.kubernetes.io/pod-name").is_some() || name.contains('-') {
            return without_last(name).unwrap_or_else(|| name.to_owned());
        }
    }
    if let Some(job) = label("batch.kubernetes.io/job-name").or_else(|| label("job-name")) {
        return job.to_owned();
    }
    name.to_owned()
}

/// One workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Workload {
    /// Namespace.
    pub namespace: String,
    /// Name (see [`workload_name`]; made unique within the namespace).
    pub name: String,
    /// The stable labels its pods share.
    pub labels: Labels,
    /// Whether its pods are on the pod network (policies can select them).
    pub on_pod_network: bool,
    /// Its endpoints, by index.
    pub members: Vec<usize>,
}

impl Workload {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Every endpoint's workload.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workloads {
    /// Sorted by namespace then name (so index order is name order).
    pub list: Vec<Workload>,
    /// The workload of each endpoint.
    pub of_endpoint: Vec<usize>,
}

impl Workloads {
    /// Groups `model`'s endpoints by namespace, pod-network status and stable labels.
    pub fn new(model: &Model) -> Self {
        let mut groups: BTreeMap<(String, bool, Labels), Vec<usize>> = BTreeMap::new();
        for (e, endpoint) in model.endpoints.iter().enumerate() {
            let key = (
                endpoint.namespace.clone(),
                model.on_pod_network(e),
                stable_labels(&endpoint.labels),
            );
            groups.entry(key).or_default().push(e);
        }
        let mut list: Vec<Workload> = groups
            .into_iter()
            .map(|((namespace, on_pod_network, labels), members)| {
                let name = members
                    .first()
                    .and_then(|&e| model.endpoints.get(e))
                    .map(workload_name)
                    .unwrap_or_default();
                Workload {
                    namespace,
                    name,
                    labels,
                    on_pod_network,
                    members,
                }
            })
            .collect();
        list.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for workload in &mut list {
            let key = (workload.namespace.clone(), workload.name.clone());
            let n = seen.entry(key).or_default();
            *n += 1;
            if *n > 1 {
                workload.name = format!("{}-{n}", workload.name);
            }
        }
        list.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let mut of_endpoint = vec![0; model.endpoints.len()];
        for (w, workload) in list.iter().enumerate() {
            for &e in &workload.members {
                if let Some(slot) = of_endpoint.get_mut(e) {
                    *slot = w;
                }
            }
        }
        Self { list, of_endpoint }
    }

    /// The workload of endpoint `e`.
    pub fn of(&self, e: usize) -> Option<&Workload> {
        self.of_endpoint.get(e).and_then(|&w| self.list.get(w))
    }

    /// The index of endpoint `e`'s workload.
    pub fn index_of(&self, e: usize) -> Option<usize> {
        self.of_endpoint.get(e).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(name: &str, labels: &[(&str, &str)]) -> Endpoint {
        Endpoint {
            namespace: "ns".into(),
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Endpoint::default()
        }
    }

    #[test]
    fn workload_names_of_controller_pods() {
        let cases = [
            (
                endpoint(
                    "web-5d8f7c9b6-x2x7q",
                    &[("app", "web"), ("pod-template-hash", "5d8f7c9b6")],
                ),
                "web",
            ),
            (
                endpoint(
                    "db-0",
                    &[("app", "db"), ("controller-revision-hash", "db-6c9f")],
                ),
                "db",
            ),
            (
                endpoint(
                    "agent-x2x7q",
                    &[
                        ("controller-revision-hash", "77f8"),
                        ("pod-template-generation", "1"),
                    ],
                ),
                "agent",
            ),
            (
                endpoint("backup-28934712-abcde", &[("job-name", "backup-28934712")]),
                "backup-28934712",
            ),
            (endpoint("debug", &[("app", "debug")]), "debug"),
            (endpoint("web", &[("app", "web")]), "web"),
        ];
        for (endpoint, expected) in cases {
            assert_eq!(workload_name(&endpoint), expected, "{}", endpoint.name);
        }
    }

    #[test]
    fn unstable_labels_are_dropped() {
        let labels = endpoint(
            "x",
            &[
                ("app", "web"),
                ("pod-template-hash", "1"),
                ("controller-revision-hash", "2"),
                ("app.kubernetes.io/version", "1.2.3"),
            ],
        )
        .labels;
        assert_eq!(
            stable_labels(&labels),
            Labels::from([("app".to_string(), "web".to_string())])
        );
    }
}
