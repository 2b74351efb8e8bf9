//! PSP object validation (after upstream's policy validation_test.go
//! TestValidatePodSecurityPolicy and its sysctl / runtime class / annotation cases).

use serde_json::{Value, json};

use super::psp_with;
use crate::psp::validate_policy;

fn errors(spec: Value, annotations: Value) -> Vec<String> {
    validate_policy(&psp_with("psp", spec, annotations))
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn valid_policies() {
    let cases = [
        json!({}),
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 1}]},
               "runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 0, "max": 10}]},
               "fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]},
               "supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 65535}]},
               "seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0"}},
               "volumes": ["*", "configMap", "ephemeral", "cephFS", "storageos"],
               "allowedCapabilities": ["*"], "defaultAddCapabilities": ["NET_ADMIN"],
               "allowedHostPaths": [{"pathPrefix": "/foo", "readOnly": true}],
               "allowedFlexVolumes": [{"driver": "example/lvm"}],
               "allowedCSIDrivers": [{"name": "csi.example.com"}],
               "allowedUnsafeSysctls": ["kernel.msg*", "net.core.somaxconn"], "forbiddenSysctls": ["kernel.shm_rmid_forced"],
               "allowedProcMountTypes": ["Default", "Unmasked"],
               "defaultAllowPrivilegeEscalation": false, "allowPrivilegeEscalation": true,
               "runtimeClass": {"allowedRuntimeClassNames": ["gvisor", "kata"], "defaultRuntimeClassName": "kata"}}),
        json!({"runtimeClass": {"allowedRuntimeClassNames": ["*"], "defaultRuntimeClassName": "x"}}),
        json!({"forbiddenSysctls": ["*"]}),
        json!({"allowedUnsafeSysctls": ["kernel/msgmax"]}),
    ];
    for (i, spec) in cases.into_iter().enumerate() {
        assert_eq!(errors(spec, json!({})), Vec::<String>::new(), "case {i}");
    }
    let annotations = json!({
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*,runtime/default,docker/default,unconfined,localhost/foo,localhost/*",
        "seccomp.security.alpha.kubernetes.io/defaultProfileName": "localhost/a/b.json",
        "apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default,unconfined,localhost/foo",
        "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default",
    });
    assert_eq!(errors(json!({}), annotations), Vec::<String>::new());
}

#[test]
fn invalid_policies() {
    let dns = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    let cases: Vec<(&str, Value, Vec<String>)> = vec![
        ("empty runAsUser rule", json!({"runAsUser": {"rule": ""}}),
            vec!["spec.runAsUser.rule: Unsupported value: \"\": supported values: \"MustRunAs\", \"MustRunAsNonRoot\", \"RunAsAny\"".into()]),
        ("bad seLinux rule", json!({"seLinux": {"rule": "MayRunAs"}}),
            vec!["spec.seLinux.rule: Unsupported value: \"MayRunAs\": supported values: \"MustRunAs\", \"RunAsAny\"".into()]),
        ("bad supplementalGroups rule", json!({"supplementalGroups": {"rule": "x"}}),
            vec!["spec.supplementalGroups.rule: Unsupported value: \"x\": supported values: \"MayRunAs\", \"MustRunAs\", \"RunAsAny\"".into()]),
        ("bad fsGroup rule", json!({"fsGroup": {"rule": "MustRunAsNonRoot"}}),
            vec!["spec.fsGroup.rule: Unsupported value: \"MustRunAsNonRoot\": supported values: \"MayRunAs\", \"MustRunAs\", \"RunAsAny\"".into()]),
        ("bad runAsGroup rule", json!({"runAsGroup": {"rule": "x"}}),
            vec!["spec.runAsGroup.rule: Unsupported value: \"x\": supported values: \"MustRunAs\", \"RunAsAny\", \"MayRunAs\"".into()]),
        ("runAsGroup RunAsAny with ranges", json!({"runAsGroup": {"rule": "RunAsAny", "ranges": [{"min": 1, "max": 2}]}}),
            vec!["spec.runAsGroup.ranges: Invalid value: []policy.IDRange{policy.IDRange{Min:1, Max:2}}: Ranges must be empty".into()]),
        ("runAsGroup MustRunAs without ranges", json!({"runAsGroup": {"rule": "MustRunAs"}}),
            vec!["spec.runAsGroup.ranges: Invalid value: []policy.IDRange(nil): must provide at least one range".into()]),
        ("negative min", json!({"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": -1, "max": 1}]}}),
            vec!["spec.fsGroup.ranges[0].min: Invalid value: -1: min cannot be negative".into()]),
        ("negative max", json!({"supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": -1}]}}),
            vec!["spec.supplementalGroups.ranges[0].max: Invalid value: -1: max cannot be negative".into(),
                 "spec.supplementalGroups.ranges[0]: Invalid value: 1: min cannot be greater than max".into()]),
        ("min greater than max", json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 10, "max": 5}]}}),
            vec!["spec.runAsUser.ranges[0]: Invalid value: 10: min cannot be greater than max".into()]),
        ("unknown volume", json!({"volumes": ["cephfs"]}),
            vec!["spec.volumes: Unsupported value: \"cephfs\": supported values: \"*\", \"awsElasticBlockStore\", \"azureDisk\", \"azureFile\", \"cephFS\", \"cinder\", \"configMap\", \"csi\", \"downwardAPI\", \"emptyDir\", \"ephemeral\", \"fc\", \"flexVolume\", \"flocker\", \"gcePersistentDisk\", \"gitRepo\", \"glusterfs\", \"hostPath\", \"iscsi\", \"nfs\", \"persistentVolumeClaim\", \"photonPersistentDisk\", \"portworxVolume\", \"projected\", \"quobyte\", \"rbd\", \"scaleIO\", \"secret\", \"storageos\", \"vsphereVolume\"".into()]),
        ("default add also dropped", json!({"defaultAddCapabilities": ["foo"], "requiredDropCapabilities": ["foo"]}),
            vec!["defaultAddCapabilities: Invalid value: \"foo\": capability is listed in defaultAddCapabilities and requiredDropCapabilities".into()]),
        ("allowed also dropped", json!({"allowedCapabilities": ["foo"], "requiredDropCapabilities": ["foo"]}),
            vec!["allowedCapabilities: Invalid value: \"foo\": capability is listed in allowedCapabilities and requiredDropCapabilities".into()]),
        ("wildcard with drops", json!({"allowedCapabilities": ["*"], "requiredDropCapabilities": ["foo"]}),
            vec!["requiredDropCapabilities: Invalid value: []core.Capability{\"foo\"}: must be empty when all capabilities are allowed by a wildcard".into()]),
        ("default escalation without escalation", json!({"defaultAllowPrivilegeEscalation": true, "allowPrivilegeEscalation": false}),
            vec!["spec.defaultAllowPrivilegeEscalation: Invalid value: true: Cannot set DefaultAllowPrivilegeEscalation to true without also setting AllowPrivilegeEscalation to true".into()]),
        ("bad proc mount", json!({"allowedProcMountTypes": ["Default", "bogus"]}),
            vec!["spec.allowedProcMountTypes[1]: Unsupported value: \"bogus\": supported values: \"Default\", \"Unmasked\"".into()]),
        ("empty host path prefix", json!({"allowedHostPaths": [{"pathPrefix": ""}, {"pathPrefix": ""}]}),
            vec!["spec.allowedHostPaths[0]: Required value: is required".into()]),
        ("host path backsteps", json!({"allowedHostPaths": [{"pathPrefix": "/foo/../../etc"}]}),
            vec!["spec.allowedHostPaths[0]: Invalid value: \"/foo/../../etc\": must not contain '..'".into()]),
        ("empty flex driver", json!({"allowedFlexVolumes": [{"driver": ""}]}),
            vec!["spec.allowedFlexVolumes[0].driver: Required value: must specify a driver to use flexVolume".into()]),
        ("empty csi driver", json!({"allowedCSIDrivers": [{"name": ""}]}),
            vec!["spec.allowedCSIDrivers[0].name: Required value".into()]),
        ("bad csi driver", json!({"allowedCSIDrivers": [{"name": "a_b"}]}),
            vec![format!("spec.allowedCSIDrivers[0].name: Invalid value: \"a_b\": {dns}")]),
        ("empty sysctl", json!({"forbiddenSysctls": [""]}),
            vec!["spec.forbiddenSysctls[0]: Invalid value: \"\": empty sysctl not allowed".into()]),
        ("bad sysctl pattern", json!({"allowedUnsafeSysctls": ["a.*.b"]}),
            vec!["spec.allowedUnsafeSysctls[0]: Invalid value: \"a.*.b\": must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]".into()]),
        ("wildcard with others", json!({"forbiddenSysctls": ["*", "a.b"]}),
            vec!["spec.forbiddenSysctls.items: Forbidden: if '*' is present, must not specify other sysctls".into()]),
        ("sysctl overlap exact", json!({"allowedUnsafeSysctls": ["kernel.msgmax"], "forbiddenSysctls": ["kernel.msgmax"]}),
            vec!["spec.allowedUnsafeSysctls[0]: Invalid value: \"kernel.msgmax\": sysctl overlaps with kernel.msgmax".into()]),
        ("sysctl overlap forbidden pattern", json!({"allowedUnsafeSysctls": ["kernel.msgmax"], "forbiddenSysctls": ["kernel.*"]}),
            vec!["spec.allowedUnsafeSysctls[0]: Invalid value: \"kernel.msgmax\": sysctl overlaps with kernel.*".into()]),
        ("sysctl overlap allowed pattern", json!({"allowedUnsafeSysctls": ["kernel.*"], "forbiddenSysctls": ["kernel.msgmax"]}),
            vec!["spec.forbiddenSysctls[0]: Invalid value: \"kernel.msgmax\": sysctl overlaps with kernel.*".into()]),
        ("sysctl overlap both patterns", json!({"allowedUnsafeSysctls": ["kernel.msg*"], "forbiddenSysctls": ["kernel.*"]}),
            vec!["spec.allowedUnsafeSysctls[0]: Invalid value: \"kernel.msg*\": sysctl overlaps with kernel.*".into()]),
        ("runtime class duplicate", json!({"runtimeClass": {"allowedRuntimeClassNames": ["a", "a"]}}),
            vec!["spec.runtimeClass.allowedRuntimeClassNames[1]: Duplicate value: \"a\"".into()]),
        ("runtime class default not allowed", json!({"runtimeClass": {"allowedRuntimeClassNames": ["a"], "defaultRuntimeClassName": "b"}}),
            vec!["spec.runtimeClass.allowedRuntimeClassNames: Required value: default runtime class \"b\" must be allowed".into()]),
        ("runtime class wildcard with others", json!({"runtimeClass": {"allowedRuntimeClassNames": ["*", "a"]}}),
            vec!["spec.runtimeClass.allowedRuntimeClassNames: Invalid value: []string{\"*\", \"a\"}: if '*' is present, must not specify other RuntimeClass names".into()]),
        ("runtime class bad name", json!({"runtimeClass": {"allowedRuntimeClassNames": ["Bad"]}}),
            vec![format!("spec.runtimeClass.allowedRuntimeClassNames[0]: Invalid value: \"Bad\": {dns}")]),
    ];
    for (name, spec, expected) in cases {
        assert_eq!(errors(spec, json!({})), expected, "{name}");
    }
}

#[test]
fn invalid_annotations() {
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "apparmor.security.beta.kubernetes.io/defaultProfileName",
            "bogus",
            vec![
                "metadata.annotations[apparmor.security.beta.kubernetes.io/defaultProfileName]: Invalid value: \"bogus\": invalid AppArmor profile name: \"bogus\"",
            ],
        ),
        (
            "apparmor.security.beta.kubernetes.io/allowedProfileNames",
            "runtime/default,bogus",
            vec![
                "metadata.annotations[apparmor.security.beta.kubernetes.io/allowedProfileNames]: Invalid value: \"runtime/default,bogus\": invalid AppArmor profile name: \"bogus\"",
            ],
        ),
        (
            "seccomp.security.alpha.kubernetes.io/defaultProfileName",
            "foo",
            vec![
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/defaultProfileName]: Invalid value: \"foo\": must be a valid seccomp profile",
            ],
        ),
        (
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames",
            "runtime/default,localhost/../etc",
            vec![
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/allowedProfileNames]: Invalid value: \"../etc\": must not contain '..'",
            ],
        ),
        (
            "seccomp.security.alpha.kubernetes.io/defaultProfileName",
            "localhost//abs",
            vec![
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/defaultProfileName]: Invalid value: \"/abs\": must be a relative path",
            ],
        ),
    ];
    for (key, value, expected) in cases {
        assert_eq!(
            errors(json!({}), json!({key: value})),
            expected,
            "{key}={value}"
        );
    }
}

#[test]
fn metadata() {
    let mut nameless = psp_with("psp", json!({}), json!({}));
    nameless.metadata.name = None;
    let got: Vec<String> = validate_policy(&nameless)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        got,
        ["metadata.name: Required value: name or generateName is required"]
    );
    let mut namespaced = psp_with("psp", json!({}), json!({}));
    namespaced.metadata.namespace = Some("ns".into());
    let got: Vec<String> = validate_policy(&namespaced)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        got,
        ["metadata.namespace: Forbidden: not allowed on this type"]
    );
    let long = "a".repeat(254);
    let got: Vec<String> = validate_policy(&psp_with(&long, json!({}), json!({})))
        .iter()
        .map(|e| e.detail.clone())
        .collect();
    assert_eq!(got, ["must be no more than 253 characters"]);
}
