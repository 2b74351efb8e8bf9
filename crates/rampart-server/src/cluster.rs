//! The API server as the source of namespace labels (a namespace reflector, with a live
//! GET for namespaces the cache has not seen yet) and of PodSecurityPolicy `use` answers
//! (SubjectAccessReview, cached briefly).
//!
//! The engine is synchronous, so `use` questions are answered in rounds: the engine runs
//! with the answers known so far ([`Answers`]), records the questions it could not answer
//! (treated as "no"), the server asks the API server those, and runs the engine again.
//! The engine asks lazily and deterministically, so this converges in a few rounds.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, PostParams};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use rampart_core::psp::{Authorizer, UseRequest};
use rampart_core::pss::MAX_PODS_TO_CHECK;

/// How long a SubjectAccessReview answer is reused.
const SAR_TTL: Duration = Duration::from_secs(10);
/// Cached answers kept at most (the cache is cleared when full).
const SAR_CACHE_MAX: usize = 10_000;

/// One `use` question, owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseKey {
    /// User name.
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
    /// `policy` or `extensions`.
    pub api_group: String,
    /// Policy name.
    pub policy: String,
    /// Request namespace.
    pub namespace: String,
}

impl UseKey {
    fn of(request: &UseRequest<'_>) -> Self {
        Self {
            username: request.user.username.clone(),
            groups: request.user.groups.clone(),
            api_group: request.api_group.to_owned(),
            policy: request.policy.to_owned(),
            namespace: request.namespace.to_owned(),
        }
    }
}

/// An authorizer over known answers that records the questions it cannot answer.
#[derive(Debug, Default)]
pub struct Answers<'a> {
    known: Option<&'a HashMap<UseKey, bool>>,
    missing: RefCell<Vec<UseKey>>,
}

impl<'a> Answers<'a> {
    /// Answers from `known`; anything else is "no" for now, and recorded.
    pub fn new(known: &'a HashMap<UseKey, bool>) -> Self {
        Self {
            known: Some(known),
            missing: RefCell::default(),
        }
    }

    /// The questions that were not answered, without duplicates.
    pub fn take_missing(&self) -> Vec<UseKey> {
        let mut missing = self.missing.take();
        let mut seen = std::collections::HashSet::new();
        missing.retain(|k| seen.insert(k.clone()));
        missing
    }
}

impl Authorizer for Answers<'_> {
    fn allows(&self, request: &UseRequest<'_>) -> bool {
        let key = UseKey::of(request);
        match self.known.and_then(|k| k.get(&key)) {
            Some(answer) => *answer,
            None => {
                self.missing.borrow_mut().push(key);
                false
            }
        }
    }
}

/// A connection to the API server.
pub struct Cluster {
    client: kube::Client,
    namespaces: Store<Namespace>,
    synced: Arc<AtomicBool>,
    sar_cache: Mutex<HashMap<UseKey, (bool, Instant)>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("synced", &self.synced.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Starts the namespace reflector on the current tokio runtime.
    pub fn start(client: kube::Client) -> Self {
        let (reader, writer) = reflector::store();
        let api: Api<Namespace> = Api::all(client.clone());
        let stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .reflect(writer)
            .applied_objects();
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                if let Err(error) = event {
                    tracing::warn!(%error, "namespace watch failed; retrying");
                }
            }
        });
        let synced = Arc::new(AtomicBool::new(false));
        let flag = synced.clone();
        let ready = reader.clone();
        tokio::spawn(async move {
            if ready.wait_until_ready().await.is_ok() {
                flag.store(true, Ordering::Release);
                tracing::info!("namespace cache synced");
            }
        });
        Self {
            client,
            namespaces: reader,
            synced,
            sar_cache: Mutex::default(),
        }
    }

    /// Whether the namespace cache has been filled once.
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }

    /// The labels of namespace `name`: from the cache, else by a live GET. `Ok(None)` when
    /// the namespace does not exist.
    pub async fn namespace_labels(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, String> {
        if let Some(namespace) = self.namespaces.get(&ObjectRef::new(name)) {
            return Ok(Some(namespace.metadata.labels.clone().unwrap_or_default()));
        }
        let api: Api<Namespace> = Api::all(self.client.clone());
        api.get_opt(name)
            .await
            .map(|ns| ns.map(|ns| ns.metadata.labels.unwrap_or_default()))
            .map_err(|e| e.to_string())
    }

    /// The pods of `namespace`, at most [`MAX_PODS_TO_CHECK`] of them, and how many more
    /// the API server says exist.
    pub async fn list_pods(&self, namespace: &str) -> Result<(Vec<Pod>, usize), String> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let limit = u32::try_from(MAX_PODS_TO_CHECK).unwrap_or(u32::MAX);
        let list = api
            .list(&ListParams::default().limit(limit))
            .await
            .map_err(|e| e.to_string())?;
        let unlisted = list
            .metadata
            .remaining_item_count
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_default();
        Ok((list.items, unlisted))
    }

    /// Asks (or remembers) whether the subject may use the policy. Errors are "no".
    pub async fn allows(&self, key: &UseKey) -> bool {
        if let Some(answer) = self.cached(key) {
            return answer;
        }
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(key.username.clone()),
                groups: Some(key.groups.clone()),
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(key.namespace.clone()),
                    verb: Some("use".into()),
                    group: Some(key.api_group.clone()),
                    version: Some("*".into()),
                    resource: Some("podsecuritypolicies".into()),
                    name: Some(key.policy.clone()),
                    ..ResourceAttributes::default()
                }),
                ..SubjectAccessReviewSpec::default()
            },
            ..SubjectAccessReview::default()
        };
        let api: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let answer = match api.create(&PostParams::default(), &review).await {
            Ok(done) => done.status.is_some_and(|s| s.allowed),
            Err(error) => {
                tracing::warn!(%error, "SubjectAccessReview failed; treating as not allowed");
                return false;
            }
        };
        if let Ok(mut cache) = self.sar_cache.lock() {
            if cache.len() >= SAR_CACHE_MAX {
                cache.clear();
            }
            cache.insert(key.clone(), (answer, Instant::now()));
        }
        answer
    }

    fn cached(&self, key: &UseKey) -> Option<bool> {
        let cache = self.sar_cache.lock().ok()?;
        cache
            .get(key)
            .filter(|(_, at)| at.elapsed() < SAR_TTL)
            .map(|(answer, _)| *answer)
    }
}
