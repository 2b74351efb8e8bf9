//! CIS 4.2: kubelet settings, from a KubeletConfiguration file or kubelet flags. The
//! defaults differ between the two sources (spec `cluster.md` §1.2): the config file's
//! v1beta1 defaults are the safer ones.

use super::settings::{Expect, Setting, SettingCheck, Waiver, kubelet, kubelet_duration};
use crate::cluster::Component::Kubelet;
use crate::finding::Severity::{Critical, High, Low, Medium};
use crate::rules::RuleMeta;

const fn node(meta: RuleMeta, settings: &'static [Setting], expect: Expect) -> SettingCheck {
    SettingCheck {
        meta,
        component: Kubelet,
        settings,
        expect,
        waiver: None,
    }
}

pub(super) static CHECKS: &[SettingCheck] = &[
    node(
        RuleMeta {
            id: "kubelet-anonymous-auth",
            severity: High,
            title: "Kubelet accepts anonymous requests",
            why: "Anonymous requests to the kubelet API (port 10250) can list pods and, with a \
                  permissive authorization mode, exec into them. The flag defaults to true, \
                  the config file (`authentication.anonymous.enabled`) to false.",
            fix: "Set `authentication.anonymous.enabled: false` (or `--anonymous-auth=false`).",
            references: &["CIS 4.2.1", "kubescape C-0172"],
        },
        &[kubelet(
            "anonymous-auth",
            Some("true"),
            &["authentication", "anonymous", "enabled"],
            Some("false"),
        )],
        Expect::Is("false"),
    ),
    node(
        RuleMeta {
            id: "kubelet-authorization-always-allow",
            severity: Critical,
            title: "Kubelet authorizes every request (AlwaysAllow)",
            why: "With AlwaysAllow every client that authenticates (or every client, with \
                  anonymous auth) may exec into any pod on the node. The flag defaults to \
                  AlwaysAllow, the config file (`authorization.mode`) to Webhook.",
            fix: "Set `authorization.mode: Webhook` (or `--authorization-mode=Webhook`).",
            references: &["CIS 4.2.2", "kubescape C-0173"],
        },
        &[kubelet(
            "authorization-mode",
            Some("AlwaysAllow"),
            &["authorization", "mode"],
            Some("Webhook"),
        )],
        Expect::Excludes("AlwaysAllow"),
    ),
    node(
        RuleMeta {
            id: "kubelet-client-ca",
            severity: High,
            title: "Kubelet has no client CA",
            why: "Without a client CA the kubelet cannot authenticate the API server (or \
                  anyone) by certificate.",
            fix: "Set `authentication.x509.clientCAFile` (or `--client-ca-file`).",
            references: &["CIS 4.2.3", "kubescape C-0174"],
        },
        &[kubelet(
            "client-ca-file",
            None,
            &["authentication", "x509", "clientCAFile"],
            None,
        )],
        Expect::Set,
    ),
    node(
        RuleMeta {
            id: "kubelet-read-only-port",
            severity: Medium,
            title: "Kubelet read-only port is open",
            why: "The read-only port serves pod specs and metrics without any authentication. \
                  The flag defaults to 10255, the config file (`readOnlyPort`) to 0.",
            fix: "Set `readOnlyPort: 0` (or `--read-only-port=0`).",
            references: &["CIS 4.2.4", "kubescape C-0175"],
        },
        &[kubelet(
            "read-only-port",
            Some("10255"),
            &["readOnlyPort"],
            Some("0"),
        )],
        Expect::Is("0"),
    ),
    node(
        RuleMeta {
            id: "kubelet-streaming-idle-timeout",
            severity: Low,
            title: "Kubelet streaming connections never time out",
            why: "A zero `--streaming-connection-idle-timeout` keeps idle exec and \
                  port-forward sessions open forever (default 4h). In the config file a zero \
                  `streamingConnectionIdleTimeout` is replaced by the 4h default.",
            fix: "Set `streamingConnectionIdleTimeout` to a non-zero duration such as 5m.",
            references: &["CIS 4.2.5", "kubescape C-0176"],
        },
        &[kubelet_duration(
            "streaming-connection-idle-timeout",
            "4h0m0s",
            &["streamingConnectionIdleTimeout"],
        )],
        Expect::NonZeroDuration,
    ),
    node(
        RuleMeta {
            id: "kubelet-iptables-util-chains",
            severity: Low,
            title: "Kubelet does not manage its iptables chains",
            why: "With `makeIPTablesUtilChains: false` the kubelet does not keep the iptables \
                  rules it relies on in sync with pod networking needs (default true).",
            fix: "Remove `makeIPTablesUtilChains: false`.",
            references: &["CIS 4.2.6", "kubescape C-0178"],
        },
        &[kubelet(
            "make-iptables-util-chains",
            Some("true"),
            &["makeIPTablesUtilChains"],
            Some("true"),
        )],
        Expect::Is("true"),
    ),
    node(
        RuleMeta {
            id: "kubelet-hostname-override",
            severity: Low,
            title: "Kubelet overrides its hostname",
            why: "`--hostname-override` can make the node name differ from the name in its \
                  serving certificate, breaking TLS verification between API server and \
                  kubelet.",
            fix: "Remove `--hostname-override`.",
            references: &["CIS 4.2.7", "kubescape C-0179"],
        },
        &[kubelet("hostname-override", None, &[], None)],
        Expect::Unset,
    ),
    SettingCheck {
        waiver: Some(Waiver {
            setting: kubelet(
                "rotate-server-certificates",
                Some("false"),
                &["serverTLSBootstrap"],
                Some("false"),
            ),
            expect: Expect::Is("true"),
        }),
        ..node(
            RuleMeta {
                id: "kubelet-tls-cert",
                severity: Medium,
                title: "Kubelet serves with a self-signed certificate",
                why: "Without `tlsCertFile`/`tlsPrivateKeyFile` (or `serverTLSBootstrap: true`) \
                      the kubelet serves a self-signed certificate the API server cannot \
                      verify.",
                fix: "Set `serverTLSBootstrap: true` and approve the serving CSRs, or set \
                      `tlsCertFile` and `tlsPrivateKeyFile`.",
                references: &["CIS 4.2.9", "kubescape C-0181"],
            },
            &[
                kubelet("tls-cert-file", None, &["tlsCertFile"], None),
                kubelet("tls-private-key-file", None, &["tlsPrivateKeyFile"], None),
            ],
            Expect::Set,
        )
    },
    node(
        RuleMeta {
            id: "kubelet-rotate-certificates",
            severity: Medium,
            title: "Kubelet client certificate is not rotated",
            why: "Without rotation the kubelet's client certificate is long-lived and expires \
                  without renewal. Both the flag and `rotateCertificates` default to false \
                  (kubeadm writes true). kube-bench passes an absent setting; rampart judges \
                  the effective value.",
            fix: "Set `rotateCertificates: true` (or `--rotate-certificates`).",
            references: &["CIS 4.2.10", "kubescape C-0182"],
        },
        &[kubelet(
            "rotate-certificates",
            Some("false"),
            &["rotateCertificates"],
            Some("false"),
        )],
        Expect::Is("true"),
    ),
    node(
        RuleMeta {
            id: "kubelet-rotate-server-certificates",
            severity: Medium,
            title: "Kubelet serving certificate rotation is switched off",
            why: "With the RotateKubeletServerCertificate gate off the kubelet cannot renew its \
                  serving certificate through the API.",
            fix: "Remove `RotateKubeletServerCertificate: false` from `featureGates`.",
            references: &["CIS 4.2.11", "kubescape C-0183"],
        },
        &[kubelet("feature-gates", None, &["featureGates"], None)],
        Expect::GateNotOff("RotateKubeletServerCertificate"),
    ),
    node(
        RuleMeta {
            id: "kubelet-tls-cipher-suites",
            severity: Low,
            title: "Kubelet allows weak TLS cipher suites",
            why: "Without `tlsCipherSuites` Go's default list applies, with CBC and static-RSA \
                  suites.",
            fix: "Set `tlsCipherSuites` to ECDHE suites with AES-GCM or CHACHA20-POLY1305 only.",
            references: &["CIS 4.2.12", "kubescape C-0184"],
        },
        &[kubelet(
            "tls-cipher-suites",
            None,
            &["tlsCipherSuites"],
            None,
        )],
        Expect::StrongCiphers,
    ),
    node(
        RuleMeta {
            id: "kubelet-pod-pids-limit",
            severity: Low,
            title: "Pods may start unlimited processes",
            why: "`podPidsLimit` defaults to -1: one pod's fork bomb exhausts the node's PIDs \
                  and takes every other pod down.",
            fix: "Set `podPidsLimit` (e.g. 4096).",
            references: &["CIS 4.2.13", "kubescape C-0284"],
        },
        &[kubelet(
            "pod-max-pids",
            Some("-1"),
            &["podPidsLimit"],
            Some("-1"),
        )],
        Expect::AtLeast(1),
    ),
    node(
        RuleMeta {
            id: "kubelet-protect-kernel-defaults",
            severity: Low,
            title: "Kubelet may change kernel settings",
            why: "Without `protectKernelDefaults` the kubelet silently changes kernel tunables \
                  (sysctls) it disagrees with instead of failing, so the node's hardened kernel \
                  settings can drift. Both sources default to false. (CIS 4.2.6 in benchmark \
                  versions up to 1.6.)",
            fix: "Set the kernel parameters the kubelet expects on the host, then set \
                  `protectKernelDefaults: true`.",
            references: &["kubescape C-0177", "Kubernetes docs: kubelet configuration"],
        },
        &[kubelet(
            "protect-kernel-defaults",
            Some("false"),
            &["protectKernelDefaults"],
            Some("false"),
        )],
        Expect::Is("true"),
    ),
    node(
        RuleMeta {
            id: "kubelet-seccomp-default",
            severity: Low,
            title: "Kubelet does not apply RuntimeDefault seccomp",
            why: "With `seccompDefault` false (the default) containers without a seccomp \
                  profile run unconfined.",
            fix: "Set `seccompDefault: true` (or `--seccomp-default`).",
            references: &["CIS 4.2.14"],
        },
        &[kubelet(
            "seccomp-default",
            Some("false"),
            &["seccompDefault"],
            Some("false"),
        )],
        Expect::Is("true"),
    ),
];
