//! A live Kubernetes cluster, read through its API server: every kind the rules read,
//! listed in pages (`limit` + `continue`), and each node's kubelet configuration through
//! the node proxy (`/api/v1/nodes/{name}/proxy/configz`).
//!
//! Credentials are found as kubectl finds them (kube-rs: `--kubeconfig`, `$KUBECONFIG`,
//! `~/.kube/config`, else the in-cluster service account), with tokens, client
//! certificates and exec plugins. Faults are kept with what they are about: a kind the
//! credentials may not list is a [`Gap`] and the rest is still read; a continue token
//! that expired (`410 Gone`) starts the list again; `429` and `5xx` answers are retried
//! with backoff (and `Retry-After`) within the run's deadline, which also bounds a slow
//! server.

mod client;
pub mod resources;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

pub use client::{ApiClient, ApiError, ConnectError};
pub use resources::Resource;

/// Objects asked for per page.
pub const PAGE_SIZE: usize = 500;
/// Lists and node reads in flight at most.
const CONCURRENCY: usize = 4;
/// Times a list is started again after its continue token expired.
const RELISTS: usize = 3;

/// Where the cluster is and what to read of it.
#[derive(Debug, Clone, Default)]
pub struct ClusterFlags {
    /// A kubeconfig file [default: `$KUBECONFIG`, else `~/.kube/config`, else in-cluster].
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context [default: its current context].
    pub context: Option<String>,
    /// Namespaces to read (all when empty).
    pub namespaces: Vec<String>,
    /// How long the whole read may take.
    pub timeout: Duration,
}

/// Something the credentials or the server did not let the audit read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// What could not be done: `list pods`, `list roles.rbac.authorization.k8s.io in
    /// shop`, `read the kubelet configuration of node worker-1`.
    pub what: String,
    /// Why: `forbidden`, `timed out`, the server's message.
    pub reason: String,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not {}: {}", self.what, self.reason)
    }
}

/// One kind as listed: its objects (each as compact JSON, `apiVersion` and `kind` set
/// as in a manifest) and the gaps met listing it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The kind.
    pub resource: Resource,
    /// Its objects, in the server's order.
    pub objects: Vec<String>,
    /// Lists that failed (one per namespace with `-n`).
    pub gaps: Vec<Gap>,
    /// Pages read.
    pub pages: usize,
}

/// A node's kubelet configuration as its `/configz` answered.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The node's name.
    pub node: String,
    /// The `/configz` answer, or why it could not be read.
    pub configz: Result<Value, Gap>,
}

/// All that was read of a cluster.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The kubeconfig context (`in-cluster` for the service account).
    pub context: String,
    /// The API server's URL.
    pub server: String,
    /// Every kind, in listing order.
    pub lists: Vec<Listed>,
    /// Each node's kubelet configuration.
    pub nodes: Vec<NodeConfig>,
    /// How long the read took.
    pub elapsed: Duration,
}

impl Snapshot {
    /// The objects of every kind, as compact JSON.
    pub fn objects(&self) -> impl Iterator<Item = (&Resource, &str)> {
        self.lists
            .iter()
            .flat_map(|l| l.objects.iter().map(move |o| (&l.resource, o.as_str())))
    }

    /// Every gap: lists, then nodes.
    pub fn gaps(&self) -> impl Iterator<Item = &Gap> {
        self.lists
            .iter()
            .flat_map(|l| l.gaps.iter())
            .chain(self.nodes.iter().filter_map(|n| n.configz.as_ref().err()))
    }
}

/// Reads a cluster: the kinds the rules read (`custom` adds workload kinds as
/// `(group, kind)`, found through discovery), then each node's kubelet configuration.
pub struct ClusterReader {
    client: ApiClient,
    namespaces: Vec<String>,
    progress: bool,
    kubelets: bool,
}

impl ClusterReader {
    /// A reader through `client`, of `namespaces` (all when empty).
    pub fn new(client: ApiClient, namespaces: Vec<String>) -> Self {
        Self {
            client,
            namespaces,
            progress: std::io::stderr().is_terminal(),
            kubelets: true,
        }
    }

    /// Reads (or not) each node's kubelet configuration [default: yes].
    pub fn with_kubelets(mut self, kubelets: bool) -> Self {
        self.kubelets = kubelets;
        self
    }

    /// Says (or not) on standard error what is being read [default: when it is a
    /// terminal].
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Reads everything: the built-in kinds and the `custom` workload kinds.
    pub async fn read<'a>(&self, custom: impl IntoIterator<Item = (&'a str, &'a str)>) -> Snapshot {
        let started = Instant::now();
        let mut resources = resources::builtin();
        let (found, mut gaps) = self.discover(custom).await;
        resources.extend(found);
        let mut lists: Vec<Listed> = futures::stream::iter(resources)
            .map(|resource| self.list_kind(resource))
            .buffered(CONCURRENCY)
            .collect()
            .await;
        if let Some(first) = lists.first_mut() {
            first.gaps.append(&mut gaps);
        }
        let nodes = lists
            .iter()
            .filter(|_| self.kubelets)
            .find(|l| l.resource.group.is_empty() && l.resource.kind == "Node")
            .map(|l| l.objects.iter().filter_map(|o| object_name(o)).collect())
            .unwrap_or_default();
        let nodes = self.read_nodes(nodes).await;
        Snapshot {
            context: self.client.context().to_owned(),
            server: self.client.server().to_owned(),
            lists,
            nodes,
            elapsed: started.elapsed(),
        }
    }

    /// The custom kinds the API serves, through discovery (`/apis`, then each group's
    /// preferred version). Kinds not served are skipped.
    async fn discover<'a>(
        &self,
        custom: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Vec<Resource>, Vec<Gap>) {
        let custom: Vec<(&str, &str)> = custom.into_iter().collect();
        if custom.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let groups = match self.client.get_json("/apis").await {
            Ok(groups) => groups,
            Err(error) => {
                let gap = Gap {
                    what: "read the API groups (discovery)".to_owned(),
                    reason: error.reason(),
                };
                return (Vec::new(), vec![gap]);
            }
        };
        let mut found = Vec::new();
        let mut gaps = Vec::new();
        for (group, kind) in custom {
            let Some(version) = preferred_version(&groups, group) else {
                continue;
            };
            match self
                .client
                .get_json(&format!("/apis/{group}/{version}"))
                .await
            {
                Ok(list) => found.extend(resources::from_discovery(group, &version, kind, &list)),
                Err(ApiError::Status { code: 404, .. }) => {}
                Err(error) => gaps.push(Gap {
                    what: format!("read the kinds of {group}/{version} (discovery)"),
                    reason: error.reason(),
                }),
            }
        }
        (found, gaps)
    }

    /// Lists one kind: across namespaces, or in each namespace asked for.
    async fn list_kind(&self, resource: Resource) -> Listed {
        let mut listed = Listed {
            resource,
            objects: Vec::new(),
            gaps: Vec::new(),
            pages: 0,
        };
        let scopes: Vec<Option<&str>> = if listed.resource.namespaced && !self.namespaces.is_empty()
        {
            self.namespaces.iter().map(|n| Some(n.as_str())).collect()
        } else {
            vec![None]
        };
        for namespace in scopes {
            let path = listed.resource.list_path(namespace);
            match self.list_all(&path, &listed.resource).await {
                Ok((objects, pages)) => {
                    listed.pages += pages;
                    listed.objects.extend(self.keep(&listed.resource, objects));
                }
                Err(ApiError::Status { code: 404, .. }) if listed.resource.optional => {}
                Err(error) => {
                    let mut what = format!("list {}", listed.resource.display_name());
                    if let Some(namespace) = namespace {
                        what.push_str(&format!(" in {namespace}"));
                    }
                    listed.gaps.push(Gap {
                        what,
                        reason: error.reason(),
                    });
                }
            }
        }
        if self.progress {
            eprintln!(
                "rampart: {} {} ({} pages)",
                listed.objects.len(),
                listed.resource.display_name(),
                listed.pages
            );
        }
        listed
    }

    /// With `-n`, cluster-scoped Namespaces are kept only when asked for.
    fn keep(&self, resource: &Resource, objects: Vec<String>) -> Vec<String> {
        if resource.group.is_empty() && resource.kind == "Namespace" && !self.namespaces.is_empty()
        {
            objects
                .into_iter()
                .filter(|o| object_name(o).is_some_and(|n| self.namespaces.contains(&n)))
                .collect()
        } else {
            objects
        }
    }

    /// Every page of one list, started again when its continue token expires.
    async fn list_all(
        &self,
        path: &str,
        resource: &Resource,
    ) -> Result<(Vec<String>, usize), ApiError> {
        let mut relists = 0;
        'list: loop {
            let mut objects = Vec::new();
            let mut token: Option<String> = None;
            let mut pages = 0;
            loop {
                let mut url = format!("{path}?limit={PAGE_SIZE}");
                if let Some(token) = &token {
                    url.push_str("&continue=");
                    url.push_str(&encode_query(token));
                }
                let page = match self.client.get_json(&url).await {
                    Ok(page) => page,
                    Err(ApiError::Status { code: 410, .. })
                        if token.is_some() && relists < RELISTS =>
                    {
                        relists += 1;
                        continue 'list;
                    }
                    Err(error) => return Err(error),
                };
                pages += 1;
                token = page["metadata"]["continue"]
                    .as_str()
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                objects.extend(list_items(page, resource));
                if token.is_none() {
                    return Ok((objects, pages));
                }
            }
        }
    }

    /// Each node's `/configz`, concurrently.
    async fn read_nodes(&self, nodes: Vec<String>) -> Vec<NodeConfig> {
        futures::stream::iter(nodes)
            .map(|node| async move {
                let path = format!("/api/v1/nodes/{}/proxy/configz", encode_path(&node));
                let configz = self.client.get_json(&path).await.map_err(|error| Gap {
                    what: format!("read the kubelet configuration of node {node}"),
                    reason: error.reason(),
                });
                NodeConfig { node, configz }
            })
            .buffered(CONCURRENCY * 2)
            .collect()
            .await
    }
}

/// The items of a List answer, each as compact JSON with the `apiVersion` and `kind`
/// of its kind (the API server leaves them out of list items).
fn list_items(page: Value, resource: &Resource) -> Vec<String> {
    let Value::Object(mut page) = page else {
        return Vec::new();
    };
    let Some(Value::Array(items)) = page.remove("items") else {
        return Vec::new();
    };
    let api_version = resource.api_version();
    items
        .into_iter()
        .filter_map(|item| {
            let Value::Object(fields) = item else {
                return None;
            };
            let mut object = serde_json::Map::with_capacity(fields.len() + 2);
            object.insert("apiVersion".into(), Value::String(api_version.clone()));
            object.insert("kind".into(), Value::String(resource.kind.clone()));
            for (key, value) in fields {
                if key != "apiVersion" && key != "kind" {
                    object.insert(key, value);
                }
            }
            serde_json::to_string(&object).ok()
        })
        .collect()
}

/// `metadata.name` of an object given as JSON text.
fn object_name(json: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        metadata: Metadata,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        name: String,
    }
    serde_json::from_str::<Named>(json)
        .ok()
        .map(|n| n.metadata.name)
}

/// The preferred version of `group` in the `/apis` APIGroupList.
fn preferred_version(groups: &Value, group: &str) -> Option<String> {
    let entry = groups["groups"]
        .as_array()?
        .iter()
        .find(|g| g["name"] == group)?;
    entry["preferredVersion"]["version"]
        .as_str()
        .or_else(|| entry["versions"][0]["version"].as_str())
        .map(str::to_owned)
}

/// Percent-encodes a query value (continue tokens are base64: `+`, `/`, `=`).
fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A path segment: a node name is a DNS subdomain, so only its dots and dashes remain.
fn encode_path(segment: &str) -> String {
    encode_query(segment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_items_get_their_kind() {
        let pods = resources::builtin()
            .into_iter()
            .find(|r| r.kind == "Pod")
            .unwrap();
        let page = json!({"kind": "PodList", "apiVersion": "v1", "metadata": {},
            "items": [{"metadata": {"name": "web", "namespace": "shop"}, "spec": {}}]});
        let items = list_items(page, &pods);
        let item: Value = serde_json::from_str(&items[0]).unwrap();
        assert_eq!(item["apiVersion"], "v1");
        assert_eq!(item["kind"], "Pod");
        assert_eq!(item["metadata"]["name"], "web");
        assert_eq!(object_name(&items[0]).as_deref(), Some("web"));
    }

    #[test]
    fn continue_tokens_are_encoded() {
        assert_eq!(encode_query("eyJ2Ijo+/="), "eyJ2Ijo%2B%2F%3D");
    }

    #[test]
    fn the_preferred_version_is_taken() {
        let groups = json!({"kind": "APIGroupList", "groups": [{"name": "argoproj.io",
            "versions": [{"groupVersion": "argoproj.io/v1alpha1", "version": "v1alpha1"}],
            "preferredVersion": {"groupVersion": "argoproj.io/v1alpha1", "version": "v1alpha1"}}]});
        assert_eq!(
            preferred_version(&groups, "argoproj.io").as_deref(),
            Some("v1alpha1")
        );
        assert_eq!(preferred_version(&groups, "serving.knative.dev"), None);
    }
}
