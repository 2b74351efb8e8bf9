//! Provider validation after defaulting, one row per PSP field and outcome
//! (after upstream's provider_test.go TestValidatePodFailures / TestValidateContainerFailures
//! and their success counterparts).

use serde_json::{Value, json};

use super::{pod, pod_with_container_sc, provider_errors, psp_with};

struct Case {
    name: &'static str,
    spec: Value,
    annotations: Value,
    pod: Value,
    errors: &'static [&'static str],
}

fn case(name: &'static str, spec: Value, pod: Value, errors: &'static [&'static str]) -> Case {
    Case {
        name,
        spec,
        annotations: json!({}),
        pod,
        errors,
    }
}

fn annotated(
    name: &'static str,
    annotations: Value,
    pod: Value,
    errors: &'static [&'static str],
) -> Case {
    Case {
        name,
        spec: json!({}),
        annotations,
        pod,
        errors,
    }
}

fn container_sc(sc: Value) -> Value {
    json!({"spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": sc}]}})
}

fn container(extra: Value) -> Value {
    let mut c = json!({"name": "app", "image": "nginx"});
    json_patch::merge(&mut c, &extra);
    json!({"spec": {"containers": [c]}})
}

fn volume(source: Value) -> Value {
    let mut v = json!({"name": "v"});
    json_patch::merge(&mut v, &source);
    json!({"spec": {"volumes": [v]}})
}

fn run(cases: Vec<Case>) {
    for case in cases {
        let policy = psp_with("psp", case.spec, case.annotations);
        let got = provider_errors(&policy, &pod(case.pod));
        assert_eq!(got, case.errors, "{}", case.name);
    }
}

#[test]
fn pod_level_fields() {
    run(vec![
        case(
            "hostNetwork denied",
            json!({}),
            json!({"spec": {"hostNetwork": true}}),
            &[
                "spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used",
            ],
        ),
        case(
            "hostNetwork allowed",
            json!({"hostNetwork": true}),
            json!({"spec": {"hostNetwork": true}}),
            &[],
        ),
        case(
            "hostNetwork false is fine",
            json!({}),
            json!({"spec": {"hostNetwork": false}}),
            &[],
        ),
        case(
            "hostPID denied",
            json!({}),
            json!({"spec": {"hostPID": true}}),
            &[
                "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
            ],
        ),
        case(
            "hostPID allowed",
            json!({"hostPID": true}),
            json!({"spec": {"hostPID": true}}),
            &[],
        ),
        case(
            "hostIPC denied",
            json!({}),
            json!({"spec": {"hostIPC": true}}),
            &[
                "spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used",
            ],
        ),
        case(
            "hostIPC allowed",
            json!({"hostIPC": true}),
            json!({"spec": {"hostIPC": true}}),
            &[],
        ),
        case(
            "supplementalGroups out of range",
            json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({"spec": {"securityContext": {"supplementalGroups": [999]}}}),
            &[
                "spec.securityContext.supplementalGroups: Invalid value: []int64{999}: group 999 must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "supplementalGroups in range",
            json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 5}]}}),
            json!({"spec": {"securityContext": {"supplementalGroups": [3]}}}),
            &[],
        ),
        case(
            "supplementalGroups MayRunAs out of range",
            json!({"supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({"spec": {"securityContext": {"supplementalGroups": [5, 1, 2020]}}}),
            &[
                "spec.securityContext.supplementalGroups: Invalid value: []int64{5, 1, 2020}: group 5 must be in the ranges: [{1 1}]",
                "spec.securityContext.supplementalGroups: Invalid value: []int64{5, 1, 2020}: group 2020 must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "supplementalGroups MayRunAs unset",
            json!({"supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({}),
            &[],
        ),
        case(
            "fsGroup out of range",
            json!({"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({"spec": {"securityContext": {"fsGroup": 999}}}),
            &[
                "spec.securityContext.fsGroup: Invalid value: []int64{999}: group 999 must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "fsGroup MayRunAs out of range",
            json!({"fsGroup": {"rule": "MayRunAs", "ranges": [{"min": 10, "max": 20}]}}),
            json!({"spec": {"securityContext": {"fsGroup": 5}}}),
            &[
                "spec.securityContext.fsGroup: Invalid value: []int64{5}: group 5 must be in the ranges: [{10 20}]",
            ],
        ),
        case(
            "fsGroup MayRunAs unset",
            json!({"fsGroup": {"rule": "MayRunAs", "ranges": [{"min": 10, "max": 20}]}}),
            json!({}),
            &[],
        ),
        case(
            "pod seLinux mismatch",
            json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "foo"}}}),
            json!({"spec": {"securityContext": {"seLinuxOptions": {"level": "bar"}}}}),
            &[
                "spec.securityContext.seLinuxOptions.level: Invalid value: \"bar\": must be foo",
                "spec.containers[0].securityContext.seLinuxOptions.level: Invalid value: \"bar\": must be foo",
            ],
        ),
        case(
            "sysctl unsafe",
            json!({}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}}),
            &[
                "pod.spec.securityContext.sysctls[0]: Forbidden: unsafe sysctl \"kernel.msgmax\" is not allowed",
            ],
        ),
        case(
            "sysctl safe",
            json!({}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}}),
            &[],
        ),
        case(
            "sysctl forbidden",
            json!({"forbiddenSysctls": ["net.*"]}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}}),
            &[
                "pod.spec.securityContext.sysctls[0]: Forbidden: sysctl \"net.ipv4.tcp_syncookies\" is not allowed",
            ],
        ),
        case(
            "sysctl allowed unsafe",
            json!({"allowedUnsafeSysctls": ["kernel.*"]}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}}),
            &[],
        ),
        case(
            "runtimeClass not allowed",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["gvisor"]}}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            &["spec.runtimeClassName: Invalid value: \"kata\""],
        ),
        case(
            "runtimeClass empty list",
            json!({"runtimeClass": {"allowedRuntimeClassNames": []}}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            &["spec.runtimeClassName: Invalid value: \"kata\""],
        ),
        case(
            "runtimeClass allowed",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["kata"]}}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            &[],
        ),
        case(
            "runtimeClass wildcard",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["*"]}}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            &[],
        ),
        case(
            "runtimeClass unset is fine",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["gvisor"]}}),
            json!({}),
            &[],
        ),
        case(
            "no runtimeClass strategy",
            json!({}),
            json!({"spec": {"runtimeClassName": "kata"}}),
            &[],
        ),
    ]);
}

#[test]
fn volumes() {
    run(vec![
        case(
            "no volumes allowed",
            json!({}),
            volume(json!({"emptyDir": {}})),
            &[
                "spec.volumes[0]: Invalid value: \"emptyDir\": emptyDir volumes are not allowed to be used",
            ],
        ),
        case(
            "type allowed",
            json!({"volumes": ["emptyDir"]}),
            volume(json!({"emptyDir": {}})),
            &[],
        ),
        case(
            "wildcard",
            json!({"volumes": ["*"]}),
            volume(json!({"hostPath": {"path": "/x"}})),
            &[],
        ),
        case(
            "cephFS capitalisation",
            json!({"volumes": ["cephfs"]}),
            volume(json!({"cephfs": {"monitors": ["m"]}})),
            &[
                "spec.volumes[0]: Invalid value: \"cephFS\": cephFS volumes are not allowed to be used",
            ],
        ),
        case(
            "hostPath denied",
            json!({"volumes": ["emptyDir"]}),
            volume(json!({"hostPath": {"path": "/x"}})),
            &[
                "spec.volumes[0]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used",
            ],
        ),
        case(
            "hostPath prefix not allowed",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo"}]}),
            volume(json!({"hostPath": {"path": "/fail"}})),
            &[
                "spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/fail\": is not allowed to be used",
            ],
        ),
        case(
            "hostPath prefix allowed",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo"}]}),
            volume(json!({"hostPath": {"path": "/foo/bar"}})),
            &[],
        ),
        case(
            "hostPath not a segment prefix",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo"}]}),
            volume(json!({"hostPath": {"path": "/foobar"}})),
            &[
                "spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/foobar\": is not allowed to be used",
            ],
        ),
        case(
            "read-only host path, writable mount",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo", "readOnly": true}]}),
            json!({"spec": {"volumes": [{"name": "v", "hostPath": {"path": "/foo"}}],
                "initContainers": [{"name": "init", "image": "i", "volumeMounts": [{"name": "v", "mountPath": "/a"}]}],
                "containers": [{"name": "app", "image": "nginx", "volumeMounts": [{"name": "other", "mountPath": "/b"}, {"name": "v", "mountPath": "/a", "readOnly": false}]}]}}),
            &[
                "spec.initContainers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only",
                "spec.containers[0].volumeMounts[1].readOnly: Invalid value: false: must be read-only",
            ],
        ),
        case(
            "read-only host path, read-only mount",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo", "readOnly": true}]}),
            json!({"spec": {"volumes": [{"name": "v", "hostPath": {"path": "/foo"}}],
                "containers": [{"name": "app", "image": "nginx", "volumeMounts": [{"name": "v", "mountPath": "/a", "readOnly": true}]}]}}),
            &[],
        ),
        case(
            "flex driver not allowed",
            json!({"volumes": ["flexVolume"], "allowedFlexVolumes": [{"driver": "example/lvm"}]}),
            volume(json!({"flexVolume": {"driver": "example/unknown"}})),
            &[
                "spec.volumes[0].driver: Invalid value: \"example/unknown\": Flexvolume driver is not allowed to be used",
            ],
        ),
        case(
            "flex driver allowed",
            json!({"volumes": ["flexVolume"], "allowedFlexVolumes": [{"driver": "example/lvm"}]}),
            volume(json!({"flexVolume": {"driver": "example/lvm"}})),
            &[],
        ),
        case(
            "flex any driver",
            json!({"volumes": ["flexVolume"]}),
            volume(json!({"flexVolume": {"driver": "x"}})),
            &[],
        ),
        case(
            "flex driver list does not allow the type",
            json!({"volumes": ["emptyDir"], "allowedFlexVolumes": [{"driver": "x"}]}),
            volume(json!({"flexVolume": {"driver": "x"}})),
            &[
                "spec.volumes[0]: Invalid value: \"flexVolume\": flexVolume volumes are not allowed to be used",
            ],
        ),
        case(
            "flex checked under wildcard",
            json!({"volumes": ["*"], "allowedFlexVolumes": [{"driver": "a"}]}),
            volume(json!({"flexVolume": {"driver": "b"}})),
            &[
                "spec.volumes[0].driver: Invalid value: \"b\": Flexvolume driver is not allowed to be used",
            ],
        ),
        case(
            "csi driver not allowed",
            json!({"volumes": ["csi"], "allowedCSIDrivers": [{"name": "a.csi"}]}),
            volume(json!({"csi": {"driver": "b.csi"}})),
            &[
                "spec.volumes[0].csi.driver: Invalid value: \"b.csi\": Inline CSI driver is not allowed to be used",
            ],
        ),
        case(
            "csi driver allowed",
            json!({"volumes": ["csi"], "allowedCSIDrivers": [{"name": "a.csi"}]}),
            volume(json!({"csi": {"driver": "a.csi"}})),
            &[],
        ),
        case(
            "projected token allowed via secret",
            json!({"volumes": ["secret"]}),
            volume(
                json!({"projected": {"sources": [{"serviceAccountToken": {"path": "token"}}, {"configMap": {"name": "kube-root-ca.crt"}}]}}),
            ),
            &[],
        ),
        case(
            "projected secret not allowed via secret",
            json!({"volumes": ["secret"]}),
            volume(json!({"projected": {"sources": [{"secret": {"name": "s"}}]}})),
            &[
                "spec.volumes[0]: Invalid value: \"projected\": projected volumes are not allowed to be used",
            ],
        ),
        case(
            "projected token needs secret",
            json!({"volumes": ["configMap"]}),
            volume(json!({"projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}})),
            &[
                "spec.volumes[0]: Invalid value: \"projected\": projected volumes are not allowed to be used",
            ],
        ),
        case(
            "ephemeral volume type",
            json!({"volumes": ["ephemeral"]}),
            volume(json!({"ephemeral": {}})),
            &[],
        ),
        case(
            "unknown volume source",
            json!({"volumes": ["*"]}),
            volume(json!({"image": {"reference": "r"}})),
            &["spec.volumes[0]: Invalid value: \"\": unknown volume type for volume: v"],
        ),
    ]);
}

#[test]
fn container_fields() {
    run(vec![
        case(
            "privileged denied",
            json!({}),
            container_sc(json!({"privileged": true})),
            &[
                "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
            ],
        ),
        case(
            "privileged allowed",
            json!({"privileged": true}),
            container_sc(json!({"privileged": true})),
            &[],
        ),
        case(
            "privileged false is fine",
            json!({}),
            container_sc(json!({"privileged": false})),
            &[],
        ),
        case(
            "runAsUser out of range",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            container_sc(json!({"runAsUser": 999})),
            &[
                "spec.containers[0].securityContext.runAsUser: Invalid value: 999: must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "runAsUser pod-level out of range",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({"spec": {"securityContext": {"runAsUser": 999}}}),
            &[
                "spec.containers[0].securityContext.runAsUser: Invalid value: 999: must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "runAsUser container overrides pod",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({"spec": {"securityContext": {"runAsUser": 999}, "containers": [{"name": "app", "image": "x", "securityContext": {"runAsUser": 1}}]}}),
            &[],
        ),
        case(
            "non-root with root uid",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            container_sc(json!({"runAsUser": 0})),
            &[
                "spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden",
            ],
        ),
        case(
            "non-root false",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            container_sc(json!({"runAsNonRoot": false})),
            &[
                "spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true",
            ],
        ),
        case(
            "non-root with non-zero uid",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            container_sc(json!({"runAsUser": 1000})),
            &[],
        ),
        case(
            "runAsGroup out of range",
            json!({"runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            container_sc(json!({"runAsGroup": 999})),
            &[
                "spec.containers[0].securityContext: Invalid value: []int64{999}: group 999 must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "runAsGroup MayRunAs out of range",
            json!({"runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            container_sc(json!({"runAsGroup": 0})),
            &[
                "spec.containers[0].securityContext: Invalid value: []int64{0}: group 0 must be in the ranges: [{1 1}]",
            ],
        ),
        case(
            "runAsGroup MayRunAs unset",
            json!({"runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 1}]}}),
            json!({}),
            &[],
        ),
        case(
            "container seLinux mismatch",
            json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "foo"}}}),
            container_sc(json!({"seLinuxOptions": {"level": "bar"}})),
            &[
                "spec.containers[0].securityContext.seLinuxOptions.level: Invalid value: \"bar\": must be foo",
            ],
        ),
        case(
            "capability add denied",
            json!({}),
            container_sc(json!({"capabilities": {"add": ["NET_ADMIN"]}})),
            &[
                "spec.containers[0].securityContext.capabilities.add: Invalid value: \"NET_ADMIN\": capability may not be added",
            ],
        ),
        case(
            "capability add allowed",
            json!({"allowedCapabilities": ["NET_ADMIN"]}),
            container_sc(json!({"capabilities": {"add": ["NET_ADMIN"]}})),
            &[],
        ),
        case(
            "capability add wildcard",
            json!({"allowedCapabilities": ["*"]}),
            container_sc(json!({"capabilities": {"add": ["SYS_ADMIN"]}})),
            &[],
        ),
        case(
            "required drop is defaulted, so passes",
            json!({"requiredDropCapabilities": ["NET_RAW"]}),
            json!({}),
            &[],
        ),
        case(
            "host port denied",
            json!({}),
            container(json!({"ports": [{"containerPort": 80, "hostPort": 80}]})),
            &[
                "spec.containers[0].hostPort: Invalid value: 80: Host port 80 is not allowed to be used. Allowed ports: []",
            ],
        ),
        case(
            "host port out of ranges",
            json!({"hostPorts": [{"min": 1, "max": 1}, {"min": 2, "max": 10}]}),
            container(json!({"ports": [{"containerPort": 80, "hostPort": 11}]})),
            &[
                "spec.containers[0].hostPort: Invalid value: 11: Host port 11 is not allowed to be used. Allowed ports: [1,2-10]",
            ],
        ),
        case(
            "host port in range",
            json!({"hostPorts": [{"min": 1, "max": 10}]}),
            container(json!({"ports": [{"containerPort": 80, "hostPort": 5}]})),
            &[],
        ),
        case(
            "host port range inclusive",
            json!({"hostPorts": [{"min": 1, "max": 10}]}),
            container(json!({"ports": [{"containerPort": 80, "hostPort": 10}]})),
            &[],
        ),
        case(
            "container port without host port",
            json!({}),
            container(json!({"ports": [{"containerPort": 80}]})),
            &[],
        ),
        case(
            "read-only root fs false",
            json!({"readOnlyRootFilesystem": true}),
            container_sc(json!({"readOnlyRootFilesystem": false})),
            &[
                "spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true",
            ],
        ),
        case(
            "read-only root fs defaulted",
            json!({"readOnlyRootFilesystem": true}),
            json!({}),
            &[],
        ),
        case(
            "privilege escalation denied",
            json!({"allowPrivilegeEscalation": false}),
            container_sc(json!({"allowPrivilegeEscalation": true})),
            &[
                "spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed",
            ],
        ),
        case(
            "privilege escalation defaulted false",
            json!({"allowPrivilegeEscalation": false}),
            json!({}),
            &[],
        ),
        case(
            "proc mount unmasked denied",
            json!({}),
            container_sc(json!({"procMount": "Unmasked"})),
            &[
                "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed",
            ],
        ),
        case(
            "proc mount unmasked allowed",
            json!({"allowedProcMountTypes": ["Default", "Unmasked"]}),
            container_sc(json!({"procMount": "Unmasked"})),
            &[],
        ),
        case(
            "proc mount default explicit",
            json!({}),
            container_sc(json!({"procMount": "Default"})),
            &[],
        ),
        case(
            "proc mount list without default",
            json!({"allowedProcMountTypes": ["Unmasked"]}),
            json!({}),
            &[
                "spec.containers[0].securityContext.procMount: Invalid value: \"Default\": ProcMountType is not allowed",
            ],
        ),
    ]);
}

#[test]
fn annotations() {
    let seccomp_allowed = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
    let apparmor_allowed = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
    run(vec![
        annotated(
            "seccomp may not be set",
            json!({}),
            json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}}),
            &[
                "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: seccomp may not be set",
                "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: seccomp may not be set",
            ],
        ),
        annotated(
            "seccomp container not allowed",
            json!({seccomp_allowed: "runtime/default"}),
            json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                "container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}}}),
            &[
                "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default",
            ],
        ),
        annotated(
            "seccomp allow list without default rejects unset pod",
            json!({seccomp_allowed: "runtime/default"}),
            json!({"metadata": {"annotations": {"container.seccomp.security.alpha.kubernetes.io/app": "runtime/default"}}}),
            &[
                "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default",
            ],
        ),
        annotated(
            "seccomp field allowed",
            json!({seccomp_allowed: "runtime/default"}),
            json!({"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}}),
            &[],
        ),
        annotated(
            "seccomp docker alias",
            json!({seccomp_allowed: "docker/default"}),
            json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}}}),
            &[],
        ),
        annotated(
            "apparmor must be set",
            json!({apparmor_allowed: "runtime/default"}),
            json!({}),
            &[
                "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Forbidden: AppArmor profile must be set",
            ],
        ),
        annotated(
            "apparmor not allowed",
            json!({apparmor_allowed: "runtime/default"}),
            json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}}}),
            &[
                "pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Forbidden: unconfined is not an allowed profile. Allowed values: \"runtime/default\"",
            ],
        ),
        annotated(
            "apparmor allowed",
            json!({apparmor_allowed: "runtime/default,localhost/x"}),
            json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "localhost/x"}}}),
            &[],
        ),
        annotated(
            "apparmor defaulted then allowed",
            json!({apparmor_allowed: "runtime/default", "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default"}),
            json!({}),
            &[],
        ),
    ]);
}

#[test]
fn all_container_kinds_and_order() {
    let policy = psp_with("psp", json!({}), json!({}));
    let pod = pod(json!({"spec": {
        "hostNetwork": true,
        "initContainers": [{"name": "init", "image": "i", "securityContext": {"privileged": true}}],
        "containers": [{"name": "app", "image": "a", "securityContext": {"privileged": true, "capabilities": {"add": ["X"]}}}],
        "ephemeralContainers": [{"name": "debug", "image": "d", "securityContext": {"procMount": "Unmasked"}}],
    }}));
    assert_eq!(
        provider_errors(&policy, &pod),
        [
            "spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used",
            "spec.initContainers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
            "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
            "spec.containers[0].securityContext.capabilities.add: Invalid value: \"X\": capability may not be added",
            "spec.ephemeralContainers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed",
        ]
    );
}

#[test]
fn privilege_escalation_truth_table() {
    // (defaultAllowPrivilegeEscalation, allowPrivilegeEscalation, container value) ->
    // (container value after defaulting, error value if any)
    type Row = (
        Option<bool>,
        Option<bool>,
        Option<bool>,
        Option<bool>,
        Option<&'static str>,
    );
    let cases: [Row; 11] = [
        (None, None, None, None, None),
        (None, Some(true), None, None, None),
        (None, Some(true), Some(true), Some(true), None),
        (None, Some(false), None, Some(false), None),
        (None, Some(false), Some(false), Some(false), None),
        (None, Some(false), Some(true), Some(true), Some("true")),
        (Some(true), Some(true), None, Some(true), None),
        (Some(false), Some(true), None, Some(false), None),
        (Some(false), Some(false), None, Some(false), None),
        (Some(false), Some(true), Some(true), Some(true), None),
        (Some(false), None, Some(true), Some(true), None),
    ];
    for (default, allow, value, expected_value, error) in cases {
        let mut spec = json!({});
        if let Some(d) = default {
            spec["defaultAllowPrivilegeEscalation"] = json!(d);
        }
        if let Some(a) = allow {
            spec["allowPrivilegeEscalation"] = json!(a);
        }
        let sc = value.map_or(json!({}), |v| json!({"allowPrivilegeEscalation": v}));
        let policy = psp_with("psp", spec, json!({}));
        let input = pod_with_container_sc(sc);
        let out = super::defaulted(&policy, &input);
        let got = out
            .pointer("/spec/containers/0/securityContext/allowPrivilegeEscalation")
            .and_then(serde_json::Value::as_bool);
        assert_eq!(got, expected_value, "{default:?} {allow:?} {value:?}");
        let expected_errors: Vec<String> = error
            .map(|v| format!("spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: {v}: Allowing privilege escalation for containers is not allowed"))
            .into_iter()
            .collect();
        assert_eq!(
            provider_errors(&policy, &input),
            expected_errors,
            "{default:?} {allow:?} {value:?}"
        );
    }
}
