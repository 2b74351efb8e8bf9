//! Byte-exact reason and detail of every check (spec §5) and the aggregated messages
//! (spec §8), written from the spec's strings.

use serde_json::json;

use super::{eval_json, message_of, paths_of};

/// A pod with the given containers (name plus security context) and extra spec fields.
fn pod_with(containers: serde_json::Value, spec_extra: serde_json::Value) -> serde_json::Value {
    let mut spec = json!({ "containers": containers });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        spec.extend(extra.clone());
    }
    json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" }, "spec": spec })
}

fn container(name: &str, security_context: serde_json::Value) -> serde_json::Value {
    json!({ "name": name, "image": "i", "securityContext": security_context })
}

#[test]
fn privileged_names_containers_in_visit_order() {
    let pod = pod_with(
        json!([
            container("b", json!({"privileged": true})),
            container("ok", json!({"privileged": false}))
        ]),
        json!({"initContainers": [container("a", json!({"privileged": true}))]}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "privileged"),
        r#"privileged (containers "a", "b" must not set securityContext.privileged=true)"#
    );
    assert_eq!(
        paths_of(&e, "privileged"),
        [
            "spec.initContainers[0].securityContext.privileged",
            "spec.containers[0].securityContext.privileged"
        ]
    );
}

#[test]
fn host_namespaces_in_fixed_order() {
    let pod = pod_with(
        json!([{"name": "c", "image": "i"}]),
        json!({"hostIPC": true, "hostPID": true, "hostNetwork": true}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "hostNamespaces"),
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"
    );
    assert_eq!(
        paths_of(&e, "hostNamespaces"),
        ["spec.hostNetwork", "spec.hostPID", "spec.hostIPC"]
    );
}

#[test]
fn host_ports_sorted_as_strings_and_pluralised() {
    let ports = |list: serde_json::Value| json!({"name": "x", "image": "i", "ports": list});
    let mut b =
        ports(json!([{"containerPort": 1, "hostPort": 8080}, {"containerPort": 2, "hostPort": 0}]));
    b["name"] = json!("b");
    let mut c = ports(
        json!([{"containerPort": 3, "hostPort": 10000}, {"containerPort": 4, "hostPort": 8080}]),
    );
    c["name"] = json!("c");
    let e = eval_json("baseline:latest", pod_with(json!([b, c]), json!({})));
    assert_eq!(
        message_of(&e, "hostPorts"),
        r#"hostPort (containers "b", "c" use hostPorts 10000, 8080)"#
    );
    assert_eq!(
        paths_of(&e, "hostPorts"),
        [
            "spec.containers[0].ports[0].hostPort",
            "spec.containers[1].ports[0].hostPort",
            "spec.containers[1].ports[1].hostPort"
        ]
    );
    let single = ports(json!([{"containerPort": 80, "hostPort": -1}]));
    let e = eval_json("baseline:latest", pod_with(json!([single]), json!({})));
    assert_eq!(
        message_of(&e, "hostPorts"),
        r#"hostPort (container "x" uses hostPort -1)"#
    );
}

#[test]
fn capabilities_baseline_sorted_set_of_caps() {
    let pod = pod_with(
        json!([
            container(
                "a",
                json!({"capabilities": {"add": ["NET_RAW", "chown", "CHOWN"]}})
            ),
            container(
                "b",
                json!({"capabilities": {"add": ["CAP_CHOWN", "NET_RAW"], "drop": ["ALL"]}})
            ),
            container("ok", json!({"capabilities": {"add": ["KILL"]}})),
        ]),
        json!({}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "capabilities_baseline"),
        r#"non-default capabilities (containers "a", "b" must not include "CAP_CHOWN", "NET_RAW", "chown" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        paths_of(&e, "capabilities_baseline"),
        [
            "spec.containers[0].securityContext.capabilities.add[0]",
            "spec.containers[0].securityContext.capabilities.add[1]",
            "spec.containers[1].securityContext.capabilities.add[0]",
            "spec.containers[1].securityContext.capabilities.add[1]"
        ]
    );
}

#[test]
fn host_path_volumes_in_spec_order() {
    let volumes = json!([
        {"name": "z", "hostPath": {"path": "/"}},
        {"name": "e", "emptyDir": {}},
        {"name": "a", "hostPath": {"path": "/etc"}},
    ]);
    let e = eval_json(
        "baseline:latest",
        pod_with(
            json!([{"name": "c", "image": "i"}]),
            json!({"volumes": volumes}),
        ),
    );
    assert_eq!(
        message_of(&e, "hostPathVolumes"),
        r#"hostPath volumes (volumes "z", "a")"#
    );
    assert_eq!(
        paths_of(&e, "hostPathVolumes"),
        ["spec.volumes[0].hostPath", "spec.volumes[2].hostPath"]
    );
}

#[test]
fn app_armor_pod_field() {
    let pod = pod_with(
        json!([{"name": "c", "image": "i"}]),
        json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "appArmorProfile"),
        r#"forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")"#
    );
    assert_eq!(
        paths_of(&e, "appArmorProfile"),
        ["spec.securityContext.appArmorProfile.type"]
    );
}

#[test]
fn app_armor_container_field() {
    let pod = pod_with(
        json!([
            container("foo", json!({"appArmorProfile": {"type": "Unconfined"}})),
            container(
                "ok",
                json!({"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}})
            ),
        ]),
        json!({}),
    );
    let e = eval_json("baseline:v1.0", pod);
    assert_eq!(
        message_of(&e, "appArmorProfile"),
        r#"forbidden AppArmor profile (container "foo" must not set AppArmor profile type to "Unconfined")"#
    );
    assert_eq!(
        paths_of(&e, "appArmorProfile"),
        ["spec.containers[0].securityContext.appArmorProfile.type"]
    );
}

#[test]
fn app_armor_annotations_any_suffix_and_go_quoted() {
    let mut pod = pod_with(json!([{"name": "c", "image": "i"}]), json!({}));
    pod["metadata"]["annotations"] = json!({
        "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/": "bogus",
        "container.apparmor.security.beta.kubernetes.io/ok": "",
        "container.apparmor.security.beta.kubernetes.io/ok2": "localhost/x",
        "container.apparmor.security.beta.kubernetes.io/ok3": "runtime/default",
    });
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "appArmorProfile"),
        r#"forbidden AppArmor profiles (annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/e="unconfined"")"#
    );
    assert_eq!(
        paths_of(&e, "appArmorProfile"),
        [
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/]",
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/e]"
        ]
    );
}

#[test]
fn app_armor_everything_at_once() {
    let mut pod = pod_with(
        json!([
            container("a", json!({"appArmorProfile": {"type": "Unconfined"}})),
            container("b", json!({"appArmorProfile": {"type": "Weird"}})),
        ]),
        json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}),
    );
    pod["metadata"]["annotations"] =
        json!({"container.apparmor.security.beta.kubernetes.io/a": "unconfined\n"});
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "appArmorProfile"),
        r#"forbidden AppArmor profiles (pod and containers "a", "b" and annotation must not set AppArmor profile type to "Unconfined", "Weird", "container.apparmor.security.beta.kubernetes.io/a="unconfined\n"")"#
    );
}

#[test]
fn se_linux_all_parts() {
    let pod = pod_with(
        json!([
            container("e", json!({"seLinuxOptions": {"type": "foo"}})),
            container("f", json!({"seLinuxOptions": {"user": "u"}})),
            container("g", json!({"seLinuxOptions": {"role": "r", "type": "bar"}})),
            container(
                "ok",
                json!({"seLinuxOptions": {"type": "container_t", "level": "s0:c1"}})
            ),
        ]),
        json!({"securityContext": {"seLinuxOptions": {"type": "foo"}}}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "seLinuxOptions"),
        r#"seLinuxOptions (pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)"#
    );
    assert_eq!(
        paths_of(&e, "seLinuxOptions"),
        [
            "spec.securityContext.seLinuxOptions.type",
            "spec.containers[0].securityContext.seLinuxOptions.type",
            "spec.containers[1].securityContext.seLinuxOptions.user",
            "spec.containers[2].securityContext.seLinuxOptions.type",
            "spec.containers[2].securityContext.seLinuxOptions.role"
        ]
    );
}

#[test]
fn se_linux_user_only() {
    let pod = pod_with(
        json!([container("c", json!({"seLinuxOptions": {}}))]),
        json!({"securityContext": {"seLinuxOptions": {"user": "system_u"}}}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "seLinuxOptions"),
        "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may not be set)"
    );
    let single_type = pod_with(
        json!([container("c", json!({"seLinuxOptions": {"type": "spc_t"}}))]),
        json!({}),
    );
    let e = eval_json("baseline:latest", single_type);
    assert_eq!(
        message_of(&e, "seLinuxOptions"),
        r#"seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t")"#
    );
}

#[test]
fn proc_mount_values_sorted() {
    let pod = pod_with(
        json!([
            container("a", json!({"procMount": "Unmasked"})),
            container("b", json!({"procMount": ""})),
            container("ok", json!({"procMount": "Default"})),
        ]),
        json!({}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        message_of(&e, "procMount"),
        r#"procMount (containers "a", "b" must not set securityContext.procMount to "", "Unmasked")"#
    );
    assert_eq!(
        paths_of(&e, "procMount"),
        [
            "spec.containers[0].securityContext.procMount",
            "spec.containers[1].securityContext.procMount"
        ]
    );
}

#[test]
fn seccomp_baseline_annotations_before_v1_19() {
    let mut pod = pod_with(
        json!([{"name": "a", "image": "i"}, {"name": "b", "image": "i"}, {"name": "c", "image": "i"}]),
        json!({}),
    );
    pod["metadata"]["annotations"] = json!({
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/b": "docker/default",
        "container.seccomp.security.alpha.kubernetes.io/c": "",
        "container.seccomp.security.alpha.kubernetes.io/missing": "unconfined",
    });
    let e = eval_json("baseline:v1.18", pod.clone());
    assert_eq!(
        message_of(&e, "seccompProfile_baseline"),
        r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", container.seccomp.security.alpha.kubernetes.io/c="", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
    );
    assert_eq!(
        paths_of(&e, "seccompProfile_baseline"),
        [
            "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]",
            "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/a]",
            "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]"
        ]
    );
    assert!(
        eval_json("baseline:v1.19", pod).allowed(),
        "annotations ignored from v1.19"
    );
}

#[test]
fn seccomp_baseline_fields_from_v1_19() {
    let pod = pod_with(
        json!([
            container("c", json!({"seccompProfile": {"type": "Unconfined"}})),
            container("d", json!({"seccompProfile": {"type": "Unconfined"}})),
        ]),
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
    );
    let e = eval_json("baseline:v1.19", pod.clone());
    assert_eq!(
        message_of(&e, "seccompProfile_baseline"),
        r#"seccompProfile (pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    assert!(
        eval_json("baseline:v1.18", pod).allowed(),
        "fields ignored before v1.19"
    );
}

#[test]
fn sysctls_in_spec_order_with_duplicates() {
    let pod = pod_with(
        json!([{"name": "c", "image": "i"}]),
        json!({"securityContext": {"sysctls": [
            {"name": "b", "value": "1"},
            {"name": "kernel.shm_rmid_forced", "value": "1"},
            {"name": "a", "value": "1"},
            {"name": "b", "value": "2"},
        ]}}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(message_of(&e, "sysctls"), "forbidden sysctls (b, a, b)");
    assert_eq!(
        paths_of(&e, "sysctls"),
        [
            "spec.securityContext.sysctls[0].name",
            "spec.securityContext.sysctls[2].name",
            "spec.securityContext.sysctls[3].name"
        ]
    );
}

#[test]
fn windows_host_process_pod_and_containers() {
    let host_process = |on: bool| json!({"windowsOptions": {"hostProcess": on}});
    let pod = pod_with(
        json!([
            container("a", host_process(true)),
            container("off", host_process(false))
        ]),
        json!({"securityContext": host_process(true), "hostNetwork": true}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        e.detailed_reasons(),
        r#"host namespaces (hostNetwork=true), hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)"#
    );
    assert_eq!(
        paths_of(&e, "windowsHostProcess"),
        [
            "spec.securityContext.windowsOptions.hostProcess",
            "spec.containers[0].securityContext.windowsOptions.hostProcess"
        ]
    );
}

#[test]
fn host_probes_sorted_names_and_hosts() {
    let probe = |host: &str| json!({"httpGet": {"port": 80, "host": host}});
    let pod = pod_with(
        json!([
            {"name": "b", "image": "i", "startupProbe": {"tcpSocket": {"port": 1, "host": "localhost"}},
             "lifecycle": {"preStop": {"tcpSocket": {"port": 1, "host": "::1"}},
                           "postStart": {"httpGet": {"port": 1, "host": ""}}}},
            {"name": "a", "image": "i", "livenessProbe": probe("127.0.0.1"), "readinessProbe": probe("localhost")},
            {"name": "ok", "image": "i", "livenessProbe": {"exec": {"command": ["true"]}}},
        ]),
        json!({}),
    );
    let e = eval_json("baseline:v1.34", pod);
    assert_eq!(
        message_of(&e, "hostProbesAndHostLifecycle"),
        r#"probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "127.0.0.1", "::1", "localhost")"#
    );
    assert_eq!(
        paths_of(&e, "hostProbesAndHostLifecycle"),
        [
            "spec.containers[0].startupProbe.tcpSocket.host",
            "spec.containers[0].lifecycle.preStop.tcpSocket.host",
            "spec.containers[1].livenessProbe.httpGet.host",
            "spec.containers[1].readinessProbe.httpGet.host"
        ]
    );
}

#[test]
fn capabilities_restricted_both_parts() {
    let pod = pod_with(
        json!([
            container("a", json!({"capabilities": {"add": ["FOO"]}})),
            container(
                "b",
                json!({"capabilities": {"drop": ["all"], "add": ["BAR", "NET_BIND_SERVICE"]}})
            ),
            container(
                "c",
                json!({"capabilities": {"drop": ["ALL"], "add": ["BAZ", "CHOWN"]}})
            ),
        ]),
        json!({}),
    );
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "capabilities_restricted"),
        r#"unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        paths_of(&e, "capabilities_restricted"),
        [
            "spec.containers[0].securityContext.capabilities.drop",
            "spec.containers[1].securityContext.capabilities.drop",
            "spec.containers[0].securityContext.capabilities.add[0]",
            "spec.containers[1].securityContext.capabilities.add[0]",
            "spec.containers[2].securityContext.capabilities.add[0]",
            "spec.containers[2].securityContext.capabilities.add[1]"
        ]
    );
}

#[test]
fn restricted_volumes_types_and_unknown() {
    let volumes = json!([
        {"name": "a", "hostPath": {"path": "/"}},
        {"name": "ok", "configMap": {"name": "x"}},
        {"name": "b"},
        {"name": "c", "nfs": {"server": "s", "path": "/"}},
        {"name": "d", "photonPersistentDisk": {"pdID": "x"}},
    ]);
    let e = eval_json(
        "restricted:latest",
        pod_with(
            json!([{"name": "x", "image": "i"}]),
            json!({"volumes": volumes}),
        ),
    );
    assert_eq!(
        message_of(&e, "restrictedVolumes"),
        r#"restricted volume types (volumes "a", "b", "c", "d" use restricted volume types "hostPath", "nfs", "photonPersistentDisk", "unknown")"#
    );
    assert_eq!(
        paths_of(&e, "restrictedVolumes"),
        [
            "spec.volumes[0].hostPath",
            "spec.volumes[2]",
            "spec.volumes[3].nfs",
            "spec.volumes[4].photonPersistentDisk"
        ]
    );
    assert!(
        e.violations().iter().all(|v| v.check != "hostPathVolumes"),
        "hostPathVolumes is overridden at restricted"
    );
}

#[test]
fn restricted_volumes_single() {
    let volumes = json!([{"name": "g", "gitRepo": {"repository": "r"}}]);
    let e = eval_json(
        "restricted:latest",
        pod_with(
            json!([{"name": "x", "image": "i"}]),
            json!({"volumes": volumes}),
        ),
    );
    assert_eq!(
        message_of(&e, "restrictedVolumes"),
        r#"restricted volume types (volume "g" uses restricted volume type "gitRepo")"#
    );
}

#[test]
fn allow_privilege_escalation_unset_and_true() {
    let pod = pod_with(
        json!([
            {"name": "a", "image": "i"},
            container("b", json!({"allowPrivilegeEscalation": true})),
            container("c", json!({})),
            container("ok", json!({"allowPrivilegeEscalation": false})),
        ]),
        json!({}),
    );
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "allowPrivilegeEscalation"),
        r#"allowPrivilegeEscalation != false (containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false)"#
    );
    assert_eq!(
        paths_of(&e, "allowPrivilegeEscalation"),
        [
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
            "spec.containers[1].securityContext.allowPrivilegeEscalation",
            "spec.containers[2].securityContext.allowPrivilegeEscalation"
        ]
    );
}

#[test]
fn run_as_non_root_explicit_wins_over_implicit() {
    let pod = pod_with(
        json!([
            container("a", json!({"runAsNonRoot": false})),
            {"name": "b", "image": "i"},
            container("ok", json!({"runAsNonRoot": true})),
        ]),
        json!({"securityContext": {"runAsNonRoot": false}}),
    );
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "runAsNonRoot"),
        r#"runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false)"#
    );
    assert_eq!(
        paths_of(&e, "runAsNonRoot"),
        [
            "spec.securityContext.runAsNonRoot",
            "spec.containers[0].securityContext.runAsNonRoot",
            "spec.containers[1].securityContext.runAsNonRoot"
        ]
    );
}

#[test]
fn run_as_non_root_implicit_and_pod_cover() {
    let pod = pod_with(
        json!([{"name": "a", "image": "i"}, {"name": "b", "image": "i"}]),
        json!({}),
    );
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "runAsNonRoot"),
        r#"runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)"#
    );
    let covered = pod_with(
        json!([{"name": "a", "image": "i"}]),
        json!({"securityContext": {"runAsNonRoot": true, "runAsUser": 0}}),
    );
    let e = eval_json("restricted:latest", covered);
    assert!(e.violations().iter().all(|v| v.check != "runAsNonRoot"));
}

#[test]
fn run_as_user_pod_reported_even_if_containers_override() {
    let pod = pod_with(
        json!([
            container("a", json!({"runAsUser": 0})),
            container("b", json!({"runAsUser": 1000}))
        ]),
        json!({"securityContext": {"runAsUser": 0}}),
    );
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "runAsUser"),
        r#"runAsUser=0 (pod and container "a" must not set runAsUser=0)"#
    );
    assert_eq!(
        paths_of(&e, "runAsUser"),
        [
            "spec.securityContext.runAsUser",
            "spec.containers[0].securityContext.runAsUser"
        ]
    );
}

#[test]
fn seccomp_restricted_explicit_then_implicit() {
    let explicit = pod_with(
        json!([
            container("a", json!({"seccompProfile": {"type": "Unconfined"}})),
            {"name": "b", "image": "i"},
        ]),
        json!({"securityContext": {"seccompProfile": {"type": "Bogus"}}}),
    );
    let e = eval_json("restricted:latest", explicit);
    assert_eq!(
        message_of(&e, "seccompProfile_restricted"),
        r#"seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Bogus", "Unconfined")"#
    );
    let implicit = pod_with(
        json!([
            container("a", json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "p"}})),
            {"name": "b", "image": "i"},
        ]),
        json!({}),
    );
    let e = eval_json("restricted:latest", implicit);
    assert_eq!(
        message_of(&e, "seccompProfile_restricted"),
        r#"seccompProfile (pod or container "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    assert_eq!(
        paths_of(&e, "seccompProfile_restricted"),
        ["spec.containers[1].securityContext.seccompProfile.type"]
    );
}

#[test]
fn full_denial_of_a_bare_pod_at_restricted() {
    let pod = pod_with(json!([{"name": "x", "image": "i"}]), json!({}));
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        e.forbidden_message().as_deref(),
        Some(
            r#"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "x" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "x" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "x" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "x" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
    assert_eq!(
        e.short_reasons(),
        "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
    );
    assert_eq!(
        e.warning_message().as_deref().map(|m| m.starts_with(
            r#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false ("#
        )),
        Some(true)
    );
}

#[test]
fn message_prints_requested_version_and_nothing_when_allowed() {
    let pod = pod_with(
        json!([{"name": "x", "image": "i"}]),
        json!({"hostPID": true}),
    );
    let e = eval_json("baseline:v1.99", pod.clone());
    assert_eq!(
        e.forbidden_message().as_deref(),
        Some(r#"violates PodSecurity "baseline:v1.99": host namespaces (hostPID=true)"#)
    );
    let e = eval_json("privileged:v1.0", pod);
    assert!(e.allowed());
    assert_eq!(e.forbidden_message(), None);
    assert_eq!(e.warning_message(), None);
    assert_eq!(e.detailed_reasons(), "");
}

#[test]
fn aggregated_order_follows_check_ids() {
    let pod = pod_with(
        json!([container(
            "c",
            json!({"privileged": true, "capabilities": {"add": ["NET_RAW"]}})
        )]),
        json!({"hostNetwork": true, "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
               "securityContext": {"sysctls": [{"name": "x", "value": "1"}]}}),
    );
    let e = eval_json("baseline:latest", pod);
    assert_eq!(
        e.forbidden_message().as_deref(),
        Some(
            r#"violates PodSecurity "baseline:latest": non-default capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "h"), privileged (container "c" must not set securityContext.privileged=true), forbidden sysctls (x)"#
        )
    );
}
