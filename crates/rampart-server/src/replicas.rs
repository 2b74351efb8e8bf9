//! Verdicts shared by the replicas of one pod template.
//!
//! A controller creates the replicas of a template as pods that differ only in what the API
//! server sets on every object it stores: `name` (generated), `uid`, `creationTimestamp`,
//! `resourceVersion`, `managedFields`. No check reads those, so the first replica's verdict
//! answers the others, which skips decoding and evaluating them (a scale-up of a hundred
//! replicas is a hundred byte-identical specs).
//!
//! The key is everything else the verdict can depend on, byte for byte: the request's
//! kind, resource, operation, namespace, name and requester, the namespace's labels, and
//! the object's text with only the values of those per-object fields left out (their names
//! stay, in order, so the key of one object is never the key of an object shaped
//! differently). Which requests qualify is the engine's call
//! ([`crate::Engine::verdict_is_shared_by_replicas`]); the cache lives and dies with one
//! configuration, so a reload starts empty.

use std::collections::BTreeMap;
use std::fmt;

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::engine::{Labels, Verdict};
use crate::object::{Fields, RawObject};
use crate::review::AdmissionRequest;

/// Metadata fields the API server sets per object; their values are left out of the key.
const PER_OBJECT_FIELDS: &[&str] = &[
    "name",
    "uid",
    "creationTimestamp",
    "resourceVersion",
    "managedFields",
];

/// Objects larger than this are not cached (their key would be as large).
const MAX_OBJECT_BYTES: usize = 128 * 1024;
/// Bytes of keys and verdicts kept at most.
const CAPACITY_BYTES: u64 = 16 * 1024 * 1024;
/// Entries expected (sizes the cache's tables).
const EXPECTED_ENTRIES: usize = 1024;

/// What a verdict on a pod creation depends on, as bytes (see the module's docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReplicaKey(Box<[u8]>);

impl ReplicaKey {
    /// The key of `request` with the namespace's `labels`; `None` when the request cannot
    /// be keyed: no object, an object too large, or labels that could not be looked up.
    pub fn of(request: &AdmissionRequest, labels: &Labels<'_>) -> Option<Self> {
        let object = request.object.as_ref()?;
        if object.text().len() > MAX_OBJECT_BYTES {
            return None;
        }
        let labels = labels.as_ref().ok()?;
        let mut key = KeyWriter(Vec::with_capacity(object.text().len() + 256));
        let gvk = &request.kind;
        let gvr = &request.resource;
        for part in [&gvk.group, &gvk.version, &gvk.kind]
            .into_iter()
            .chain([&gvr.group, &gvr.version, &gvr.resource])
            .chain([&request.operation, &request.user_info.username])
        {
            key.part(part);
        }
        for part in [&request.sub_resource, &request.namespace, &request.name] {
            key.optional(part.as_deref());
        }
        key.list(request.user_info.groups.iter().map(String::as_str));
        key.labels(*labels);
        key.object(object);
        Some(Self(key.0.into_boxed_slice()))
    }

    /// Bytes held by the key.
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Builds a key from length-prefixed parts, so that no two sequences of parts give the
/// same bytes.
struct KeyWriter(Vec<u8>);

impl KeyWriter {
    fn part(&mut self, text: &str) {
        self.0.extend_from_slice(&(text.len() as u64).to_le_bytes());
        self.0.extend_from_slice(text.as_bytes());
    }

    fn count(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn optional(&mut self, text: Option<&str>) {
        match text {
            None => self.count(0),
            Some(text) => {
                self.count(1);
                self.part(text);
            }
        }
    }

    fn list<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a str>) {
        self.count(items.len());
        items.for_each(|item| self.part(item));
    }

    fn labels(&mut self, labels: Option<&BTreeMap<String, String>>) {
        match labels {
            None => self.count(0),
            Some(labels) => {
                self.count(1);
                self.count(labels.len());
                for (name, value) in labels {
                    self.part(name);
                    self.part(value);
                }
            }
        }
    }

    /// The object's fields in order, `metadata`'s split into its own fields (when an
    /// object), without the per-object values.
    fn object(&mut self, object: &RawObject) {
        let fields = object.fields();
        self.count(fields.len());
        for field in fields {
            self.part(field.name);
            match field.fields {
                None => {
                    self.count(0);
                    self.part(field.value);
                }
                Some(metadata) => {
                    self.count(1);
                    self.metadata(metadata);
                }
            }
        }
    }

    /// `metadata`'s fields in order, the per-object ones by name only.
    fn metadata(&mut self, fields: Fields<'_>) {
        self.count(fields.len());
        for field in fields {
            self.part(field.name);
            if !PER_OBJECT_FIELDS.contains(&field.name) {
                self.part(field.value);
            }
        }
    }
}

/// Weighs an entry by the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct ByteWeight;

impl Weighter<ReplicaKey, Verdict> for ByteWeight {
    fn weight(&self, key: &ReplicaKey, verdict: &Verdict) -> u64 {
        let texts = verdict.warnings.iter().map(String::len).sum::<usize>()
            + verdict
                .audit
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + verdict
                .denial
                .as_ref()
                .map_or(0, |status| status.message.len());
        (key.len() + texts + std::mem::size_of::<Verdict>()) as u64
    }
}

/// The verdicts of recent pod templates, bounded in bytes.
pub struct ReplicaVerdicts(Cache<ReplicaKey, Verdict, ByteWeight>);

impl Default for ReplicaVerdicts {
    fn default() -> Self {
        Self(Cache::with_weighter(
            EXPECTED_ENTRIES,
            CAPACITY_BYTES,
            ByteWeight,
        ))
    }
}

impl fmt::Debug for ReplicaVerdicts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicaVerdicts")
            .field("entries", &self.0.len())
            .field("bytes", &self.0.weight())
            .finish()
    }
}

impl ReplicaVerdicts {
    /// The verdict given to an earlier replica with `key` (and `true`: shared), or else
    /// `decide`'s (and `false`), remembered for the next replica.
    pub fn get_or_decide<E>(
        &self,
        key: ReplicaKey,
        decide: impl FnOnce() -> Result<Verdict, E>,
    ) -> Result<(Verdict, bool), E> {
        if let Some(verdict) = self.get(&key) {
            return Ok((verdict, true));
        }
        let verdict = decide()?;
        self.insert(key, &verdict);
        Ok((verdict, false))
    }

    /// The verdict given to an earlier replica, if any.
    fn get(&self, key: &ReplicaKey) -> Option<Verdict> {
        self.0.get(key)
    }

    /// Remembers the verdict on a replica, unless the object could not be read: a
    /// per-object field of the wrong type makes a bad request that says nothing about the
    /// replicas sharing its key.
    fn insert(&self, key: ReplicaKey, verdict: &Verdict) {
        if verdict
            .denial
            .as_ref()
            .is_none_or(|status| status.code != 400)
        {
            self.0.insert(key, verdict.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::review;

    /// The CREATE review of one replica of a ReplicaSet's template, as a validating webhook
    /// receives it: `name` generated, `uid`, `creationTimestamp`, `resourceVersion` and
    /// `managedFields` set by the API server; the request has no name.
    fn replica(suffix: &str) -> Value {
        json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": format!("request-{suffix}"),
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "shop",
                "operation": "CREATE",
                "userInfo": {
                    "username": "system:serviceaccount:kube-system:replicaset-controller",
                    "groups": ["system:serviceaccounts", "system:authenticated"]
                },
                "object": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": format!("web-7d4b9c5f6-{suffix}"),
                        "generateName": "web-7d4b9c5f6-",
                        "namespace": "shop",
                        "uid": format!("uid-{suffix}"),
                        "resourceVersion": format!("{}", suffix.len() * 1000),
                        "creationTimestamp": format!("2026-12-01T20:00:{:02}Z", suffix.len()),
                        "labels": {"app": "web", "pod-template-hash": "7d4b9c5f6"},
                        "managedFields": [{
                            "manager": "kube-controller-manager",
                            "operation": "Update",
                            "time": format!("2026-12-01T20:00:{:02}Z", suffix.len())
                        }]
                    },
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}
                }
            }
        })
    }

    fn request(review: &Value) -> AdmissionRequest {
        review::parse(&serde_json::to_vec(review).unwrap()).unwrap()
    }

    fn key(review: &Value, labels: &Labels<'_>) -> Option<ReplicaKey> {
        ReplicaKey::of(&request(review), labels)
    }

    #[test]
    fn replicas_of_one_template_share_a_key() {
        let (a, b) = (replica("x7k2p"), replica("q9"));
        assert_ne!(a, b);
        let labels = BTreeMap::from([("team".to_string(), "shop".to_string())]);
        for labels in [Ok(None), Ok(Some(&labels))] {
            assert_eq!(key(&a, &labels).unwrap(), key(&b, &labels).unwrap());
        }
    }

    /// Sets the field at `pointer`, creating it in its parent object when absent.
    fn set(review: &mut Value, pointer: &str, value: Value) {
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        review.pointer_mut(parent).unwrap()[field] = value;
    }

    #[test]
    fn anything_else_the_verdict_can_read_changes_the_key() {
        let base = replica("a");
        let expected = key(&base, &Ok(None)).unwrap();
        let changes = [
            (
                "/request/object/spec/containers/0/image",
                json!("nginx:latest"),
            ),
            ("/request/object/metadata/labels/app", json!("api")),
            ("/request/object/metadata/generateName", json!("api-")),
            ("/request/object/metadata/namespace", json!("other")),
            ("/request/object/metadata/annotations", json!({"a": "b"})),
            ("/request/object/status", json!({"phase": "Pending"})),
            // Only metadata's per-object fields are left out.
            ("/request/object/uid", json!("u")),
            ("/request/object/name", json!("n")),
            ("/request/object/spec/uid", json!("u")),
            ("/request/namespace", json!("other")),
            ("/request/name", json!("web-0")),
            ("/request/userInfo/username", json!("alice")),
            ("/request/userInfo/groups", json!(["system:masters"])),
        ];
        for (pointer, value) in changes {
            let mut changed = base.clone();
            set(&mut changed, pointer, value);
            assert_ne!(key(&changed, &Ok(None)).unwrap(), expected, "{pointer}");
        }
    }

    #[test]
    fn namespace_labels_are_part_of_the_key() {
        let review = replica("a");
        let empty = BTreeMap::new();
        let strict = BTreeMap::from([(
            "pod-security.kubernetes.io/enforce".to_string(),
            "restricted".to_string(),
        )]);
        let keys = [Ok(None), Ok(Some(&empty)), Ok(Some(&strict))].map(|l| key(&review, &l));
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[1], keys[2]);
        assert_eq!(key(&review, &Err("unreachable".into())), None);
    }

    #[test]
    fn metadata_given_as_null_or_empty_keys_apart() {
        let [mut null, mut empty] = [replica("a"), replica("a")];
        null["request"]["object"]["metadata"] = Value::Null;
        empty["request"]["object"]["metadata"] = json!({});
        assert_ne!(
            key(&null, &Ok(None)).unwrap(),
            key(&empty, &Ok(None)).unwrap()
        );
    }

    #[test]
    fn a_per_object_field_keeps_its_place_in_the_key() {
        let with_uid = replica("a");
        let mut without = with_uid.clone();
        let metadata = without.pointer_mut("/request/object/metadata").unwrap();
        metadata.as_object_mut().unwrap().remove("uid");
        assert_ne!(key(&with_uid, &Ok(None)), key(&without, &Ok(None)));
    }

    #[test]
    fn field_names_key_as_json_reads_them() {
        let text = serde_json::to_string(&replica("a")).unwrap();
        let escaped = serde_json::to_string(&replica("b"))
            .unwrap()
            .replace("\"metadata\"", "\"meta\\u0064ata\"")
            .replace("\"uid\"", "\"\\u0075id\"");
        let key_of =
            |text: &str| ReplicaKey::of(&review::parse(text.as_bytes()).unwrap(), &Ok(None));
        assert!(escaped.contains("\\u0075id"));
        assert_eq!(key_of(&escaped).unwrap(), key_of(&text).unwrap());
    }

    #[test]
    fn objects_that_cannot_be_keyed_are_not() {
        let mut large = replica("a");
        large["request"]["object"]["metadata"]["annotations"] =
            json!({"big": "x".repeat(MAX_OBJECT_BYTES)});
        assert_eq!(key(&large, &Ok(None)), None);
        let mut absent = replica("a");
        absent["request"]["object"] = Value::Null;
        assert_eq!(key(&absent, &Ok(None)), None);
    }

    #[test]
    fn unreadable_objects_are_not_remembered() {
        let verdicts = ReplicaVerdicts::default();
        let key = key(&replica("a"), &Ok(None)).unwrap();
        let denied = |code, reason| Verdict {
            denial: Some(crate::review::Status::failure(code, reason, "x".into())),
            ..Verdict::default()
        };
        verdicts.insert(key.clone(), &denied(400, "BadRequest"));
        assert!(verdicts.get(&key).is_none());
        let forbidden = denied(403, "Forbidden");
        verdicts.insert(key.clone(), &forbidden);
        assert_eq!(verdicts.get(&key).unwrap().denial, forbidden.denial);
    }
}
