//! Live objects, judged by the same rules as their files: what a live source read (a
//! container, an image or a daemon from the Docker Engine API, a host's file facts) goes
//! through the same readers and checks as the `docker inspect` output, image inspect
//! output or daemon configuration it would be saved as. Only the location differs: a live
//! object has no text, so its findings have no position (`pos: None`) and are located by
//! their field path alone (`HostConfig.Privileged`); the caller names the object (a URI
//! such as `docker://localhost/containers/web`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::docker::{DaemonConfig, EngineDaemon, ImageSpec, inspect_containers};
use crate::field_path::FieldPath;
use crate::host::{HostFacts, split_finding_path};
use crate::object::ObjectRef;
use crate::rules::Collected;
use crate::scan::{
    FileScan, Ignores, LocatedFinding, ScanOptions, Target, check_container, check_daemon,
    check_image, container_object, daemon_object, docker_object, run_checks, run_rules, scan_value,
};
use crate::source::{InputError, Pos, read_documents};

/// A live target: no text, so no positions; `value` is the object the paths start from.
fn live_target(object: ObjectRef, value: &Value, ignores: Ignores) -> Target<'_> {
    Target {
        object: Arc::new(object),
        document: 0,
        positions: None,
        value: Some(value),
        ignores,
        origin: FieldPath::root(),
    }
}

/// An error about a whole live object.
fn object_error(message: impl Into<String>) -> FileScan {
    FileScan {
        errors: vec![InputError::new(Pos::new(1, 1), message)],
        ..FileScan::default()
    }
}

/// Judges one container: the Engine API's container inspect answer (`GET
/// /containers/{id}/json`, the object `docker inspect` prints), with the `top` answer
/// under `Top` when the container runs. Labels `rampart.dev/ignore` suppress as they do
/// in a file.
pub fn judge_container(container: &Value, options: &ScanOptions) -> FileScan {
    let Some(spec) = inspect_containers(container).into_iter().next() else {
        return object_error("the Engine API's answer is not a container (no HostConfig)");
    };
    let target = live_target(
        container_object(&spec, "Container", None),
        container,
        Ignores::of_labels(&spec.labels),
    );
    let mut scan = FileScan::default();
    check_container(&spec, &target, options, &mut scan);
    scan
}

/// Judges one image: the Engine API's image inspect answer (`GET /images/{id}/json`),
/// with the history (`GET /images/{id}/history`) under `History`.
pub fn judge_image(image: &Value, options: &ScanOptions) -> FileScan {
    if !crate::docker::is_image(image) {
        return object_error("the Engine API's answer is not an image (no RootFS)");
    }
    let spec = ImageSpec::read(image, FieldPath::root());
    let target = live_target(
        docker_object("Image", Some(spec.name.clone())),
        image,
        Ignores::of_labels(&spec.labels),
    );
    let mut scan = FileScan::default();
    check_image(&spec, &target, options, &mut scan);
    scan
}

/// Judges a running daemon from its document `{"Info": GET /info, "Version": GET
/// /version, "BridgeNetwork": GET /networks/bridge}` (see [`EngineDaemon`]): the daemon
/// rules, with the settings the API shows.
pub fn judge_daemon(document: &Value, options: &ScanOptions) -> FileScan {
    let daemon = EngineDaemon::read(document);
    let target = live_target(daemon_object(document), document, Ignores::default());
    let mut scan = FileScan::default();
    check_daemon(&DaemonConfig::engine(&daemon), &target, options, &mut scan);
    scan
}

/// Judges the host's `daemon.json` (its bytes) beside the running daemon's document, if
/// the daemon answered: the file then decides only what the Engine API does not show
/// (`userland-proxy`, `iptables`, `no-new-privileges`, `cgroup-parent`...). Without a
/// daemon it is judged whole, as `rampart scan` would. The file is text: its findings have
/// positions.
pub fn judge_daemon_file(bytes: &[u8], daemon: Option<&Value>, options: &ScanOptions) -> FileScan {
    let mut scan = FileScan::default();
    let engine = daemon.map(EngineDaemon::read);
    for read in read_documents(bytes, &options.limits) {
        let document = match read {
            Ok(document) => document,
            Err(error) => {
                scan.errors.push(error);
                continue;
            }
        };
        scan.documents += 1;
        if !document.value.is_object() {
            scan.errors.push(InputError::new(
                document.positions.pos,
                "a Docker daemon configuration must be a JSON object",
            ));
            continue;
        }
        let config = match &engine {
            Some(engine) => DaemonConfig::file_beside(&document.value, engine),
            None => DaemonConfig::file(&document.value),
        };
        let target = Target {
            object: Arc::new(docker_object("DaemonConfig", None)),
            document: document.index,
            positions: Some(&document.positions),
            value: Some(&document.value),
            ignores: Ignores::default(),
            origin: FieldPath::root(),
        };
        check_daemon(&config, &target, options, &mut scan);
    }
    scan
}

/// Judges a host's files: one scan per file, by its path on the host, for every file
/// examined (most without findings) and every file a finding is about. Findings are
/// about the file (kind `HostFile`, named by its path), at the field `owner`, `group`,
/// `mode`, `audit`...
pub fn judge_host(facts: &HostFacts, options: &ScanOptions) -> Vec<(String, FileScan)> {
    let one_object = || FileScan {
        objects: 1,
        ..FileScan::default()
    };
    let mut scans: BTreeMap<String, FileScan> = facts
        .files
        .iter()
        .map(|f| (f.path.clone(), one_object()))
        .collect();
    let findings = run_rules(options, |checks, out| {
        if let Some(check) = checks.host {
            check(facts, out);
        }
    });
    let mut objects: BTreeMap<String, Arc<ObjectRef>> = BTreeMap::new();
    for mut finding in findings {
        let Some((file, field)) = split_finding_path(&finding.path) else {
            continue;
        };
        finding.path = field;
        let object = objects
            .entry(file.clone())
            .or_insert_with(|| Arc::new(docker_object("HostFile", Some(file.clone()))));
        let scan = scans.entry(file).or_insert_with(one_object);
        scan.findings.push(LocatedFinding {
            stable_path: crate::baseline::stable_path(None, &finding.path),
            finding,
            object: Arc::clone(object),
            document: 0,
            pos: None,
        });
    }
    scans.into_iter().collect()
}

/// Judges one Kubernetes object read from the API server (a List item, its `apiVersion`
/// and `kind` set as in a manifest): the same checks as the object in a file, findings
/// located by their field path alone. What the run rules need is kept in
/// `collected` (see [`judge_run`]).
pub fn judge_kubernetes_object(object: &Value, options: &ScanOptions) -> FileScan {
    let mut scan = FileScan {
        documents: 1,
        ..FileScan::default()
    };
    scan_value(0, object, None, options, &mut scan);
    scan
}

/// The run rules' verdicts on a live run: each finding with the index of the report it
/// belongs to, and for each silenced finding the index of its report (to count it there).
#[derive(Debug, Default)]
pub struct LiveRun {
    /// Findings, each with its report's index, without a position.
    pub findings: Vec<(usize, LocatedFinding)>,
    /// For each silenced finding, its report's index.
    pub suppressed: Vec<usize>,
}

/// The run rules over the objects collected from a live run (each with `file` set to the
/// index of its object's report): each finding with the report it belongs to, without a
/// position, its containers named in its stable path as in the object's file.
pub fn judge_run(collected: &[Collected], options: &ScanOptions) -> LiveRun {
    let outcome = run_checks(collected, options);
    let suppressed = outcome
        .suppressed
        .iter()
        .map(|&index| collected[index].file)
        .collect();
    let mut values: BTreeMap<usize, Value> = BTreeMap::new();
    let findings = outcome
        .into_iter()
        .map(|(index, finding)| {
            let object = &collected[index];
            let value = values.entry(index).or_insert_with(|| object.value());
            let located = LocatedFinding {
                stable_path: crate::baseline::stable_path(Some(value), &finding.path),
                finding,
                object: Arc::new(object.id.clone()),
                document: 0,
                pos: None,
            };
            (object.file, located)
        })
        .collect();
    LiveRun {
        findings,
        suppressed,
    }
}

/// The `apiVersion` of the KubeletConfiguration a kubelet's `/configz` answer holds.
pub(crate) const KUBELET_CONFIG_API_VERSION: &str = "kubelet.config.k8s.io/v1beta1";

/// The KubeletConfiguration of node `node` from its kubelet's `/configz` answer (`GET
/// /api/v1/nodes/{node}/proxy/configz`: `{"kubeletconfig": {...}}`, the effective
/// configuration, flags and files merged), named after the node, so that the CIS 4.2
/// checks judge it as they judge a KubeletConfiguration file. `None` when the answer
/// holds no configuration object.
pub fn kubelet_configuration(node: &str, configz: &Value) -> Option<Value> {
    let config = configz.get("kubeletconfig")?.as_object()?;
    let mut object = serde_json::Map::new();
    object.insert("apiVersion".into(), KUBELET_CONFIG_API_VERSION.into());
    object.insert("kind".into(), "KubeletConfiguration".into());
    object.insert("metadata".into(), serde_json::json!({ "name": node }));
    for (key, value) in config {
        if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
            object.insert(key.clone(), value.clone());
        }
    }
    Some(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use serde_json::json;

    fn only(rules: &[&str]) -> ScanOptions {
        ScanOptions::from_config(Config::default().only(rules))
    }

    #[test]
    fn a_live_container_has_paths_and_no_positions() {
        let container = json!({
            "Id": "0123456789abcdef", "Name": "/web",
            "Config": {"Labels": {"com.docker.compose.project": "shop"}},
            "HostConfig": {"Privileged": true}
        });
        let scan = judge_container(&container, &only(&["privileged-container"]));
        let finding = &scan.findings[0];
        assert_eq!(finding.pos, None);
        assert_eq!(finding.finding.path.to_string(), "HostConfig.Privileged");
        assert_eq!(finding.object.label(), "Container shop/web");
        assert_eq!(scan.objects, 1);
    }

    #[test]
    fn the_ignore_label_suppresses() {
        let container = json!({
            "Id": "0123456789abcdef", "Name": "/web",
            "Config": {"Labels": {"rampart.dev/ignore": "privileged-container=needs devices"}},
            "HostConfig": {"Privileged": true}
        });
        let scan = judge_container(&container, &only(&["privileged-container"]));
        assert!(scan.findings.is_empty());
        assert_eq!(scan.suppressed, 1);
    }

    #[test]
    fn an_answer_that_is_not_a_container_is_an_error() {
        let scan = judge_container(
            &json!({"message": "No such container"}),
            &ScanOptions::default(),
        );
        assert_eq!(scan.errors.len(), 1);
    }

    #[test]
    fn daemon_json_beside_the_engine_judges_only_what_the_api_hides() {
        let document = json!({"Info": {"ServerVersion": "20.10", "LoggingDriver": "json-file"}});
        let file = br#"{"log-driver": "json-file", "userland-proxy": true}"#;
        let options = only(&["daemon-log-driver-local", "daemon-userland-proxy-enabled"]);
        let beside = judge_daemon_file(file, Some(&document), &options);
        let rules: Vec<&str> = beside.findings.iter().map(|f| f.finding.rule).collect();
        assert_eq!(rules, ["daemon-userland-proxy-enabled"]);
        assert!(beside.findings[0].pos.is_some());
        let alone = judge_daemon_file(file, None, &options);
        assert_eq!(alone.findings.len(), 2);
        let live = judge_daemon(&document, &options);
        let rules: Vec<&str> = live.findings.iter().map(|f| f.finding.rule).collect();
        assert_eq!(rules, ["daemon-log-driver-local"]);
    }

    #[test]
    fn a_live_kubernetes_object_is_judged_as_its_manifest() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                "securityContext": {"privileged": true}}]}
        });
        let options = only(&["privileged-container"]);
        let live = judge_kubernetes_object(&pod, &options);
        let text = serde_json::to_vec(&pod).unwrap();
        let file = crate::scan::scan_bytes(&text, &options);
        assert_eq!(live.findings.len(), 1);
        assert_eq!(live.findings[0].pos, None);
        assert_eq!(live.findings[0].finding, file.findings[0].finding);
        assert_eq!(live.findings[0].object, file.findings[0].object);
        assert_eq!(
            live.findings[0].finding.path.to_string(),
            "spec.containers[0].securityContext.privileged"
        );
    }

    #[test]
    fn a_nodes_configz_is_judged_as_its_kubelet_configuration_named_after_the_node() {
        let configz = json!({"kubeletconfig": {"authentication": {"anonymous": {"enabled": true}},
            "authorization": {"mode": "Webhook"}}});
        let config = kubelet_configuration("worker-1", &configz).unwrap();
        assert_eq!(config["kind"], "KubeletConfiguration");
        let options = only(&["kubelet-anonymous-auth"]);
        let mut scan = judge_kubernetes_object(&config, &options);
        for object in &mut scan.collected {
            object.file = 7;
        }
        let found = judge_run(&scan.collected, &options).findings;
        assert_eq!(found.len(), 1);
        let (file, finding) = &found[0];
        assert_eq!(*file, 7);
        assert_eq!(finding.pos, None);
        assert_eq!(finding.object.label(), "KubeletConfiguration worker-1");
        assert_eq!(
            finding.finding.path.to_string(),
            "authentication.anonymous.enabled"
        );
        assert!(kubelet_configuration("worker-1", &json!({"kind": "Status"})).is_none());
    }
}
