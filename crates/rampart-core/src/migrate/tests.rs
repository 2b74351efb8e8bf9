//! The migration on a namespace set built from the PodSecurityPolicy spec vectors
//! (`psp/tests/vectors.yaml`): each CREATE vector is a namespace of its own with its pod
//! and its policies, which only that namespace may `use`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::*;
use crate::field_path::Segment;
use crate::object::LoadedObject;
use crate::psp::tests::pod;
use crate::psp::tests::vectors::vectors;
use crate::psp::{Operation, UseRequest};

/// Policy `<namespace>-<name>` may be used in `<namespace>` only.
struct OwnNamespace;

impl Authorizer for OwnNamespace {
    fn allows(&self, request: &UseRequest<'_>) -> bool {
        request
            .policy
            .strip_prefix(request.namespace)
            .is_some_and(|rest| rest.starts_with('-'))
    }
}

/// Sets `path` of `value` to `new`, creating objects on the way.
fn set(value: &mut Value, path: &FieldPath, new: Value) {
    let mut at = value;
    for segment in path.segments() {
        at = match segment {
            Segment::Field(name) => at
                .as_object_mut()
                .expect("object")
                .entry(name.to_string())
                .or_insert_with(|| json!({})),
            Segment::Key(key) => at
                .as_object_mut()
                .expect("map")
                .entry(key.clone())
                .or_insert_with(|| json!({})),
            Segment::Index(index) => &mut at[*index],
        };
    }
    *at = new;
}

fn passes(pod: &Value, level: Level) -> bool {
    let pod: Pod = serde_json::from_value(pod.clone()).expect("pod");
    let mut spec = pod.spec.clone().unwrap_or_default();
    apply_defaults(&mut spec);
    evaluate(
        &LevelVersion::new(level, Version::Latest),
        &pod.metadata,
        &spec,
    )
    .allowed()
}

#[test]
fn vectors_as_namespaces_get_levels_their_pods_pass_without_psp() {
    let vectors: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v.operation == Operation::Create)
        .collect();
    let mut policies = Vec::new();
    let mut objects = Vec::new();
    for (i, vector) in vectors.iter().enumerate() {
        let namespace = format!("v{i:02}");
        for mut policy in vector.policies() {
            policy.metadata.name = Some(format!("{namespace}-{}", policy.name()));
            policies.push(policy);
        }
        let mut value = serde_json::to_value(pod(vector.pod.clone())).expect("pod");
        value["metadata"]["namespace"] = json!(namespace);
        objects.push(LoadedObject {
            document: i,
            id: ObjectRef::of(&value),
            base: FieldPath::root(),
            value,
        });
    }
    let kinds = WorkloadKinds::default();
    let migration = plan(&Input {
        objects: objects.iter().enumerate().collect(),
        policies: &policies,
        authorizer: &OwnNamespace,
        workloads: &kinds,
        version: Version::Latest,
    });
    assert_eq!(migration.namespaces.len(), vectors.len());
    let mut levels = BTreeSet::new();
    for (ns, vector) in migration.namespaces.iter().zip(&vectors) {
        let name = &vector.name;
        let pod = &ns.pods[0];
        let written = &objects[pod.handle].value;
        assert_eq!(pod.admitted, vector.allowed, "{name}");
        let admitting: BTreeSet<String> = vector
            .policy
            .iter()
            .map(|p| format!("{}-{p}", ns.namespace))
            .collect();
        assert_eq!(ns.policies, admitting, "{name}");
        if !vector.allowed {
            assert_eq!(
                ns.level,
                Level::Restricted,
                "{name}: nothing admitted, nothing holds it back"
            );
            continue;
        }
        levels.insert(ns.level);
        // The recommended level holds on the pod as written, and the next one does not.
        assert!(passes(written, ns.level), "{name}: {:?}", ns.level);
        assert_eq!(ns.labels.enforce, ns.level);
        if ns.level < Level::Restricted {
            assert!(!passes(written, next(ns.level)), "{name}");
            assert_eq!(ns.blocking.len(), 1, "{name}");
            assert!(
                ns.blocking[0].message.starts_with("violates PodSecurity"),
                "{name}"
            );
        }
        // Writing PSP's changes into the manifest keeps the level PSP gives today.
        let mut fixed = written.clone();
        for change in &pod.changes {
            set(&mut fixed, &change.path, change.value.clone());
        }
        assert!(
            passes(&fixed, pod.level_with_psp),
            "{name}: {:?}",
            pod.changes
        );
        if pod.relies_on_psp() {
            assert!(!pod.changes.is_empty(), "{name}");
        }
        // The admitting policy's comparison never promises more than its pods pass.
        let policy = policies
            .iter()
            .find(|p| Some(p.name()) == pod.policy.as_deref())
            .expect("admitting policy");
        assert!(compare(policy).fits <= pod.level_with_psp, "{name}");
    }
    assert!(
        levels.len() > 1,
        "the vectors land on several levels: {levels:?}"
    );
}

#[test]
fn a_restricted_equivalent_policy() {
    let policy = crate::psp::tests::psp_with(
        "restricted",
        json!({
            "allowPrivilegeEscalation": false,
            "requiredDropCapabilities": ["ALL"],
            "allowedCapabilities": ["NET_BIND_SERVICE"],
            "volumes": ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                        "persistentVolumeClaim", "projected", "secret"],
            "runAsUser": {"rule": "MustRunAsNonRoot"},
            "seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"type": "container_t"}},
        }),
        json!({
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
            "apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default",
        }),
    );
    let compared = compare(&policy);
    let restricted = &compared.levels[2];
    let laxer: Vec<&str> = restricted.laxer.iter().map(|d| d.field.as_str()).collect();
    // Only what upstream's table rounds off: MustRunAsNonRoot admits a uid without
    // runAsNonRoot. PodSecurityPolicy has no `image` volume type.
    assert_eq!(laxer, ["spec.runAsUser"]);
    assert_eq!(compared.fits, Level::Baseline);
    let baseline = &compared.levels[1];
    let stricter: BTreeSet<&str> = baseline.stricter.iter().map(|d| d.field.as_str()).collect();
    assert!(stricter.contains("spec.requiredDropCapabilities"));
    assert!(stricter.contains("spec.volumes"));
    assert!(!compared.equivalent);
    let mutating: Vec<&str> = compared.mutating.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(
        mutating,
        [
            "spec.requiredDropCapabilities",
            "spec.seLinux",
            "spec.runAsUser",
            "spec.allowPrivilegeEscalation"
        ]
    );
}

#[test]
fn a_fully_open_policy_is_equivalent_to_privileged() {
    let policy = crate::psp::tests::psp_with(
        "privileged",
        json!({
            "privileged": true, "allowPrivilegeEscalation": true,
            "allowedCapabilities": ["*"], "volumes": ["*"], "hostNetwork": true,
            "hostPorts": [{"min": 0, "max": 65535}], "hostIPC": true, "hostPID": true,
            "allowedUnsafeSysctls": ["*"], "allowedProcMountTypes": ["Default", "Unmasked"],
        }),
        json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*"}),
    );
    let compared = compare(&policy);
    assert_eq!(compared.fits, Level::Privileged);
    assert!(compared.equivalent, "{:?}", compared.levels[0].stricter);
}

fn loaded(value: Value) -> LoadedObject {
    LoadedObject {
        document: 0,
        id: ObjectRef::of(&value),
        base: FieldPath::root(),
        value,
    }
}

#[test]
fn a_pod_that_passes_restricted_only_through_psp_gets_the_fields_to_write() {
    let defaults = crate::psp::tests::psp_with(
        "defaults",
        json!({
            "allowPrivilegeEscalation": false,
            "requiredDropCapabilities": ["ALL"],
            "volumes": ["*"],
            "runAsUser": {"rule": "MustRunAsNonRoot"},
        }),
        json!({
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
            "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
        }),
    );
    let template = json!({"metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "app", "image": "a"}]}});
    let deployment = loaded(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "shop"}, "spec": {"template": template}}));
    // Read back from the cluster: owned by the Deployment, already changed by PSP.
    let replica_set = loaded(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "a-1", "namespace": "shop",
                     "ownerReferences": [{"kind": "Deployment", "name": "a", "controller": true}]},
        "spec": {"template": template}}));
    let applied = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"},
        "spec": {"containers": [{"name": "t", "image": "busybox"}]}});
    let stored = loaded(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "t", "namespace": "shop", "annotations": {
            "kubernetes.io/psp": "defaults",
            LAST_APPLIED_ANNOTATION: applied.to_string()}},
        "spec": {"containers": [{"name": "t", "image": "busybox",
            "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}}]},
        "status": {"phase": "Running"}}));
    let objects = [deployment, replica_set, stored];
    let kinds = WorkloadKinds::default();
    let policies = [defaults];
    let migration = plan(&Input {
        objects: objects.iter().enumerate().collect(),
        policies: &policies,
        authorizer: &crate::psp::AllowAll,
        workloads: &kinds,
        version: Version::Latest,
    });
    let shop = &migration.namespaces[0];
    let kinds_planned: Vec<&str> = shop.pods.iter().map(|p| p.id.kind.as_str()).collect();
    assert_eq!(
        kinds_planned,
        ["Deployment", "Pod"],
        "the ReplicaSet is its Deployment's"
    );
    assert_eq!(shop.pods[1].written, Written::LastApplied);
    assert_eq!(shop.level, Level::Baseline);
    let deployment = &shop.pods[0];
    assert!(deployment.relies_on_psp());
    assert_eq!(deployment.level_with_psp, Level::Restricted);
    let changes: Vec<String> = deployment
        .changes
        .iter()
        .map(|c| format!("{} = {}", c.path, c.value))
        .collect();
    assert_eq!(
        changes,
        [
            "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = false",
            "spec.template.spec.containers[0].securityContext.capabilities.drop = [\"ALL\"]",
            "spec.template.spec.containers[0].securityContext.runAsNonRoot = true",
            "spec.template.spec.securityContext.seccompProfile.type = \"RuntimeDefault\"",
        ]
    );
    assert_eq!(
        shop.command,
        "kubectl label --overwrite ns shop pod-security.kubernetes.io/enforce=baseline \
         pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted"
    );
}
