//! Kubelet flag files (kubeadm-flags.env, systemd drop-ins) are recognised by content and
//! judged on the flags they set; what they leave out is the config file's business.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use rampart_core::config::Config;
use rampart_core::scan::{ScanOptions, scan_bytes};

fn findings(text: &str) -> Vec<(String, u32, u32, String)> {
    let options = ScanOptions::from_config(Config::default());
    let scan = scan_bytes(text.as_bytes(), &options);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    scan.findings
        .iter()
        .map(|f| {
            let pos = f.pos.expect("a file finding has a position");
            (
                f.finding.rule.to_owned(),
                pos.line,
                pos.column,
                f.finding.path.to_string(),
            )
        })
        .collect()
}

#[test]
fn kubeadm_flags_env_points_at_each_flag() {
    let text = "# written by kubeadm\n\
                KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --anonymous-auth=true --read-only-port 10255 --feature-gates=AllAlpha=true\"\n";
    let found = findings(text);
    let expected = [
        ("kubelet-anonymous-auth", 2, 91, "args[1]"),
        ("kubelet-read-only-port", 2, 113, "args[2]"),
        ("alpha-features-enabled", 2, 136, "args[4]"),
    ];
    for (rule, line, column, path) in expected {
        assert!(
            found
                .iter()
                .any(|f| f.0 == rule && f.1 == line && f.2 == column && f.3 == path),
            "{rule} missing from {found:?}"
        );
    }
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn absent_flags_are_left_to_the_config_file() {
    let text = "[Service]\n\
                Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n\
                Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n\
                EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
                ExecStart=\n\
                ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n";
    assert_eq!(findings(text), []);
}
