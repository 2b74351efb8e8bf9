//! What the upstream fixtures leave out (fixture README, "Cases the fixtures do not
//! cover"): ephemeral containers, AppArmor fields, SELinux `container_engine_t`, volume
//! types, sysctl version steps, user-namespace and Windows relaxations.

use serde_json::{Value, json};

use super::{eval_json, message_of, paths_of};

/// The minimal restricted pod of the newest version, as upstream's generator builds it.
fn restricted_pod() -> Value {
    let hardened = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "image": "i", "securityContext": hardened.clone()}],
            "containers": [{"name": "app", "image": "i", "securityContext": hardened}],
        }
    })
}

fn checks(policy: &str, pod: Value) -> Vec<&'static str> {
    eval_json(policy, pod)
        .violations()
        .iter()
        .map(|v| v.check)
        .collect()
}

#[test]
fn minimal_restricted_pod_passes_every_version() {
    for minor in 0..=40 {
        assert_eq!(
            checks(&format!("restricted:v1.{minor}"), restricted_pod()),
            Vec::<&str>::new()
        );
    }
}

#[test]
fn ephemeral_containers_are_checked_last() {
    let mut pod = restricted_pod();
    pod["spec"]["ephemeralContainers"] = json!([{
        "name": "debug", "image": "busybox",
        "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_PTRACE"]}}
    }]);
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let e = eval_json("restricted:latest", pod);
    assert_eq!(
        message_of(&e, "privileged"),
        r#"privileged (containers "app", "debug" must not set securityContext.privileged=true)"#
    );
    assert_eq!(
        paths_of(&e, "privileged"),
        [
            "spec.containers[0].securityContext.privileged",
            "spec.ephemeralContainers[0].securityContext.privileged"
        ]
    );
    assert_eq!(
        message_of(&e, "capabilities_restricted"),
        r#"unrestricted capabilities (container "debug" must set securityContext.capabilities.drop=["ALL"]; container "debug" must not include "SYS_PTRACE" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        message_of(&e, "allowPrivilegeEscalation"),
        r#"allowPrivilegeEscalation != false (containers "app", "debug" must set securityContext.allowPrivilegeEscalation=false)"#
    );
}

#[test]
fn ephemeral_container_seccomp_annotation_counts_before_v1_19() {
    let mut pod = restricted_pod();
    pod["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}]);
    pod["metadata"]["annotations"] =
        json!({"container.seccomp.security.alpha.kubernetes.io/debug": "unconfined"});
    let e = eval_json("baseline:v1.18", pod);
    assert_eq!(
        message_of(&e, "seccompProfile_baseline"),
        r#"seccompProfile (forbidden annotation container.seccomp.security.alpha.kubernetes.io/debug="unconfined")"#
    );
}

#[test]
fn app_armor_fields_allowed_and_forbidden_at_every_version() {
    let mut allowed = restricted_pod();
    allowed["spec"]["securityContext"]["appArmorProfile"] = json!({"type": "RuntimeDefault"});
    allowed["spec"]["containers"][0]["securityContext"]["appArmorProfile"] =
        json!({"type": "Localhost", "localhostProfile": "k8s-apparmor-example"});
    assert!(eval_json("restricted:latest", allowed).allowed());

    let mut empty_type = restricted_pod();
    empty_type["spec"]["initContainers"][0]["securityContext"]["appArmorProfile"] =
        json!({"type": ""});
    for policy in ["baseline:v1.0", "baseline:v1.29", "restricted:latest"] {
        let e = eval_json(policy, empty_type.clone());
        assert_eq!(
            message_of(&e, "appArmorProfile"),
            r#"forbidden AppArmor profile (container "init" must not set AppArmor profile type to "")"#,
            "{policy}"
        );
    }
}

#[test]
fn se_linux_container_engine_type_from_v1_31() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["seLinuxOptions"] = json!({"type": "container_engine_t"});
    assert_eq!(checks("baseline:v1.31", pod.clone()), Vec::<&str>::new());
    assert_eq!(checks("restricted:latest", pod.clone()), Vec::<&str>::new());
    let e = eval_json("baseline:v1.30", pod);
    assert_eq!(
        message_of(&e, "seLinuxOptions"),
        r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
    );
}

#[test]
fn image_csi_and_ephemeral_volumes_are_allowed() {
    let mut pod = restricted_pod();
    pod["spec"]["volumes"] = json!([
        {"name": "img", "image": {"reference": "registry.example/data:1"}},
        {"name": "csi", "csi": {"driver": "inline.example"}},
        {"name": "eph", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
        {"name": "dapi", "downwardAPI": {}},
    ]);
    for minor in [0, 33, 37] {
        assert_eq!(
            checks(&format!("restricted:v1.{minor}"), pod.clone()),
            Vec::<&str>::new()
        );
    }
}

#[test]
fn sysctl_allow_list_grows_at_each_step() {
    let steps = [
        ("net.ipv4.ip_unprivileged_port_start", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_fin_timeout", 29),
        ("net.ipv4.tcp_keepalive_intvl", 29),
        ("net.ipv4.tcp_keepalive_probes", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_slow_start_after_idle", 37),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ];
    for (name, since) in steps {
        let mut pod = restricted_pod();
        pod["spec"]["securityContext"]["sysctls"] = json!([{"name": name, "value": "1"}]);
        let at = |minor: u64| checks(&format!("baseline:v1.{minor}"), pod.clone());
        assert_eq!(at(since), Vec::<&str>::new(), "{name} at v1.{since}");
        assert_eq!(
            checks("baseline:latest", pod.clone()),
            Vec::<&str>::new(),
            "{name}"
        );
        if since > 0 {
            let e = eval_json(&format!("baseline:v1.{}", since - 1), pod.clone());
            assert_eq!(
                message_of(&e, "sysctls"),
                format!("forbidden sysctls ({name})"),
                "{name} before v1.{since}"
            );
        }
    }
}

#[test]
fn sysctl_names_are_not_normalised() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["sysctls"] =
        json!([{"name": "net/ipv4/tcp_syncookies", "value": "1"}]);
    assert_eq!(checks("baseline:latest", pod), ["sysctls"]);
}

fn in_user_namespace(mut pod: Value) -> Value {
    pod["spec"]["hostUsers"] = json!(false);
    pod
}

#[test]
fn host_users_false_relaxes_run_as_checks_from_v1_35() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["runAsNonRoot"] = json!(false);
    pod["spec"]["securityContext"]["runAsUser"] = json!(0);
    let pod = in_user_namespace(pod);
    assert_eq!(
        checks("restricted:v1.34", pod.clone()),
        ["runAsNonRoot", "runAsUser"]
    );
    assert_eq!(checks("restricted:v1.35", pod.clone()), Vec::<&str>::new());
    assert_eq!(checks("restricted:latest", pod.clone()), Vec::<&str>::new());
    let mut host_users_true = pod;
    host_users_true["spec"]["hostUsers"] = json!(true);
    assert_eq!(
        checks("restricted:v1.35", host_users_true),
        ["runAsNonRoot", "runAsUser"]
    );
}

#[test]
fn host_users_false_relaxes_proc_mount_only_at_baseline() {
    let mut pod = restricted_pod();
    pod["spec"]["containers"][0]["securityContext"]["procMount"] = json!("Unmasked");
    let pod = in_user_namespace(pod);
    assert_eq!(checks("baseline:v1.34", pod.clone()), ["procMount"]);
    assert_eq!(checks("baseline:v1.35", pod.clone()), Vec::<&str>::new());
    assert_eq!(checks("restricted:v1.34", pod.clone()), ["procMount"]);
    let e = eval_json("restricted:v1.35", pod);
    assert_eq!(
        message_of(&e, "procMount_restricted"),
        r#"procMount (container "app" must not set securityContext.procMount to "Unmasked")"#
    );
    assert_eq!(e.violations().len(), 1);
}

/// The Windows restricted pod: only `runAsNonRoot` and `os.name: windows`.
fn windows_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w"},
        "spec": {
            "os": {"name": "windows"},
            "securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "app", "image": "i",
                            "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}],
        }
    })
}

#[test]
fn windows_pods_relaxed_from_v1_25() {
    assert_eq!(
        checks("restricted:v1.24", windows_pod()),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    assert_eq!(
        checks("restricted:v1.25", windows_pod()),
        Vec::<&str>::new()
    );
    assert_eq!(
        checks("restricted:v1.28", windows_pod()),
        Vec::<&str>::new()
    );
    assert_eq!(
        checks("restricted:latest", windows_pod()),
        Vec::<&str>::new()
    );
    assert_eq!(
        checks("baseline:latest", windows_pod()),
        ["capabilities_baseline"]
    );
}

#[test]
fn windows_pods_still_need_run_as_non_root_and_no_host_process() {
    let mut pod = windows_pod();
    pod["spec"]["securityContext"] = json!({"windowsOptions": {"hostProcess": true}});
    pod["spec"]["hostNetwork"] = json!(true);
    assert_eq!(
        checks("restricted:latest", pod),
        ["hostNamespaces", "windowsHostProcess", "runAsNonRoot"]
    );
}

#[test]
fn only_lower_case_windows_is_relaxed() {
    let mut pod = windows_pod();
    pod["spec"]["os"]["name"] = json!("Windows");
    assert_eq!(
        checks("restricted:latest", pod),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
}

#[test]
fn host_port_zero_and_host_process_false_pass() {
    let mut pod = restricted_pod();
    pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80, "hostPort": 0}]);
    pod["spec"]["containers"][0]["securityContext"]["windowsOptions"] =
        json!({"hostProcess": false});
    pod["spec"]["securityContext"]["windowsOptions"] = json!({"hostProcess": false});
    assert_eq!(checks("restricted:latest", pod), Vec::<&str>::new());
}

#[test]
fn restricted_requires_seccomp_only_from_v1_19() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["seccompProfile"] = json!(null);
    assert_eq!(checks("restricted:v1.18", pod.clone()), Vec::<&str>::new());
    assert_eq!(
        checks("restricted:v1.19", pod),
        ["seccompProfile_restricted"]
    );
}
