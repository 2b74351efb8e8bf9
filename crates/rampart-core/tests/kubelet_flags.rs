//! A kubelet is judged on its effective configuration: its configuration file overlaid
//! by the command line that systemd gives it (the unit's `ExecStart=`, drop-ins,
//! kubeadm-flags.env, /etc/default/kubelet), across the files of a scan.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use rampart_core::config::Config;
use rampart_core::rules::Collected;
use rampart_core::scan::{ScanOptions, run_checks, scan_file};

/// `(file, rule, line, column, path)` of every finding of scanning `files` as one run.
fn findings(files: &[(&str, &str)]) -> Vec<(String, String, u32, u32, String)> {
    let options = ScanOptions::from_config(Config::default());
    let mut found = Vec::new();
    let mut collected: Vec<Collected> = Vec::new();
    for (index, (name, text)) in files.iter().enumerate() {
        let mut scan = scan_file(name, text.as_bytes(), &options);
        assert!(scan.errors.is_empty(), "{name}: {:?}", scan.errors);
        for f in &scan.findings {
            let pos = f.pos.expect("a file finding has a position");
            found.push((
                (*name).to_owned(),
                f.finding.rule.to_owned(),
                pos.line,
                pos.column,
                f.finding.path.to_string(),
            ));
        }
        collected.extend(
            std::mem::take(&mut scan.collected)
                .into_iter()
                .map(|mut c| {
                    c.file = index;
                    c
                }),
        );
    }
    for (index, finding) in run_checks(&collected, &options) {
        let object = &collected[index];
        let pos = object.locate(&finding.path);
        found.push((
            files[object.file].0.to_owned(),
            finding.rule.to_owned(),
            pos.line,
            pos.column,
            finding.path.to_string(),
        ));
    }
    found.sort();
    found
}

fn rules_of(found: &[(String, String, u32, u32, String)]) -> Vec<&str> {
    let mut rules: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    rules.dedup();
    rules
}

const DROP_IN: &str = "# Note: This dropin only works with kubeadm and kubelet v1.11+\n\
    [Service]\n\
    Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n\
    Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n\
    EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
    EnvironmentFile=-/etc/default/kubelet\n\
    ExecStart=\n\
    ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";

/// kubeadm's KubeletConfiguration, hardened but for what a test changes.
const CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\n\
    kind: KubeletConfiguration\n\
    authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n\
    authorization:\n  mode: Webhook\n\
    rotateCertificates: true\n\
    serverTLSBootstrap: true\n\
    podPidsLimit: 4096\n\
    protectKernelDefaults: true\n\
    seccompDefault: true\n\
    tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n";

#[test]
fn kubeadm_flags_env_alone_points_at_each_flag_and_leaves_the_rest_to_the_config_file() {
    let text = "# written by kubeadm\n\
                KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --anonymous-auth=true --read-only-port 10255 --feature-gates=AllAlpha=true\"\n";
    let found = findings(&[("var/lib/kubelet/kubeadm-flags.env", text)]);
    let file = "var/lib/kubelet/kubeadm-flags.env".to_owned();
    let expected = [
        (
            file.clone(),
            "alpha-features-enabled".to_owned(),
            2,
            136,
            "args[4]".to_owned(),
        ),
        (
            file.clone(),
            "kubelet-anonymous-auth".to_owned(),
            2,
            91,
            "args[1]".to_owned(),
        ),
        (
            file,
            "kubelet-read-only-port".to_owned(),
            2,
            113,
            "args[2]".to_owned(),
        ),
    ];
    assert_eq!(found, expected);
}

#[test]
fn a_flag_on_the_command_line_overrides_the_config_file() {
    let config = CONFIG.replace("enabled: false\n  webhook", "enabled: true\n  webhook");
    let node = |extra: &str| {
        findings(&[
            (
                "node-1/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                DROP_IN,
            ),
            ("node-1/etc/default/kubelet", extra),
            ("node-1/var/lib/kubelet/config.yaml", &config),
        ])
    };
    // The file alone enables anonymous auth; the finding is on its line.
    let alone = node("KUBELET_EXTRA_ARGS=--node-ip=10.0.0.1\n");
    assert_eq!(
        alone,
        [(
            "node-1/var/lib/kubelet/config.yaml".to_owned(),
            "kubelet-anonymous-auth".to_owned(),
            5,
            14,
            "authentication.anonymous.enabled".to_owned()
        )]
    );
    // /etc/default/kubelet switches it off again: no finding.
    assert_eq!(node("KUBELET_EXTRA_ARGS=--anonymous-auth=false\n"), []);
    // Switching it on there is reported there, whatever the file says.
    let on = node("KUBELET_EXTRA_ARGS=\"--node-ip=10.0.0.1 --anonymous-auth\"\n");
    assert_eq!(on.len(), 1, "{on:?}");
    assert_eq!(
        (on[0].0.as_str(), on[0].2, on[0].3),
        ("node-1/etc/default/kubelet", 1, 40)
    );
}

#[test]
fn a_kubelet_started_with_flags_only_takes_the_flag_defaults() {
    let unit = "[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\n\
                ExecStart=/usr/bin/kubelet \\\n    --kubeconfig=/etc/kubernetes/kubelet.conf \\\n    --tls-cert-file=/var/lib/kubelet/pki/kubelet.crt\nRestart=always\n";
    let found = findings(&[("/lib/systemd/system/kubelet.service", unit)]);
    let rules = rules_of(&found);
    for rule in [
        "kubelet-anonymous-auth",
        "kubelet-authorization-always-allow",
        "kubelet-client-ca",
        "kubelet-read-only-port",
        "kubelet-tls-cert",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {found:?}");
    }
    // Absent flags are reported at the ExecStart line; a flag set wrong at its own line.
    let anonymous = found
        .iter()
        .find(|f| f.1 == "kubelet-anonymous-auth")
        .unwrap();
    assert_eq!((anonymous.2, anonymous.4.as_str()), (5, "execStart"));
    let key = found.iter().find(|f| f.1 == "kubelet-tls-cert").unwrap();
    assert_eq!(
        (key.2, key.4.as_str()),
        (5, "execStart"),
        "the key file is missing"
    );
    // The cluster's default kubeadm unit, overridden by its drop-in, takes the config's.
    let kubeadm = findings(&[
        ("/lib/systemd/system/kubelet.service", unit),
        (
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROP_IN,
        ),
        ("/var/lib/kubelet/config.yaml", CONFIG),
    ]);
    assert_eq!(kubeadm, []);
}

#[test]
fn without_the_config_file_what_the_flags_leave_out_is_not_judged() {
    assert_eq!(
        findings(&[(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROP_IN
        )]),
        []
    );
}

#[test]
fn copies_of_two_nodes_are_two_kubelets() {
    let weak = CONFIG.replace("mode: Webhook", "mode: AlwaysAllow");
    let found = findings(&[
        (
            "nodes/a/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROP_IN,
        ),
        ("nodes/a/var/lib/kubelet/config.yaml", CONFIG),
        (
            "nodes/a/etc/default/kubelet",
            "KUBELET_EXTRA_ARGS=--authorization-mode=Webhook\n",
        ),
        (
            "nodes/b/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            DROP_IN,
        ),
        ("nodes/b/var/lib/kubelet/config.yaml", &weak),
    ]);
    // Node a's flag does not fix node b's file.
    assert_eq!(
        found,
        [(
            "nodes/b/var/lib/kubelet/config.yaml".to_owned(),
            "kubelet-authorization-always-allow".to_owned(),
            11,
            9,
            "authorization.mode".to_owned()
        )]
    );
}

#[test]
fn feature_gates_merge_key_by_key_with_the_flag_winning() {
    let config = format!(
        "{CONFIG}featureGates:\n  RotateKubeletServerCertificate: false\n  AllBeta: false\n"
    );
    let with_flags = |flags: &str| {
        findings(&[
            (
                "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                DROP_IN,
            ),
            ("var/lib/kubelet/kubeadm-flags.env", flags),
            ("var/lib/kubelet/config.yaml", &config),
        ])
    };
    let off = with_flags("KUBELET_KUBEADM_ARGS=--feature-gates=AllBeta=false\n");
    assert_eq!(
        rules_of(&off),
        ["kubelet-rotate-server-certificates"],
        "{off:?}"
    );
    assert_eq!(off[0].4, "featureGates[RotateKubeletServerCertificate]");
    let on = with_flags(
        "KUBELET_KUBEADM_ARGS=\"--feature-gates=RotateKubeletServerCertificate=false --feature-gates=RotateKubeletServerCertificate=true\"\n",
    );
    assert_eq!(on, []);
}
