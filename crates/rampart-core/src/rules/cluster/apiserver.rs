//! CIS 1.2 and 3.2.1: kube-apiserver flags. Defaults are kube-apiserver's when a flag
//! is absent (spec `cluster.md` §1.3).

use super::settings::{Expect, SettingCheck, Waiver, flag};
use crate::cluster::Component::ApiServer;
use crate::finding::Severity::{Critical, High, Low, Medium};
use crate::rules::RuleMeta;

const ENABLE_PLUGINS: &str = "enable-admission-plugins";
/// `--enable-admission-plugins`: nothing is added to the default set when absent.
static ENABLED_PLUGINS: &[super::settings::Setting] = &[flag(ENABLE_PLUGINS, None)];
const DISABLE_PLUGINS: &str = "disable-admission-plugins";

/// `--authorization-config` replaces `--authorization-mode` (CIS 1.2.6 to 1.2.8).
const STRUCTURED_AUTHZ: Option<Waiver> = Some(Waiver {
    setting: flag("authorization-config", None),
    expect: Expect::Set,
});

const fn apiserver(
    meta: RuleMeta,
    settings: &'static [super::settings::Setting],
    expect: Expect,
) -> SettingCheck {
    SettingCheck {
        meta,
        component: ApiServer,
        settings,
        expect,
        waiver: None,
    }
}

/// A rule asking for an admission plugin in `--enable-admission-plugins`.
const fn plugin_enabled(meta: RuleMeta, plugin: &'static str) -> SettingCheck {
    apiserver(meta, ENABLED_PLUGINS, Expect::Includes(plugin))
}

pub(super) static CHECKS: &[SettingCheck] = &[
    SettingCheck {
        waiver: Some(Waiver {
            setting: flag("authentication-config", None),
            expect: Expect::Set,
        }),
        ..apiserver(
            RuleMeta {
                id: "apiserver-anonymous-auth",
                severity: High,
                title: "API server accepts anonymous requests",
                why: "`--anonymous-auth` defaults to true: requests without credentials run as \
                      `system:anonymous` and get whatever RBAC grants that user and \
                      `system:unauthenticated`. When `--authentication-config` is used and the \
                      flag is absent, the AuthenticationConfiguration's `anonymous` section \
                      decides (rule `authentication-config-anonymous`).",
                fix: "Add `--anonymous-auth=false` to the kube-apiserver command.",
                references: &["CIS 1.2.1", "kubescape C-0113"],
            },
            &[flag("anonymous-auth", Some("true"))],
            Expect::Is("false"),
        )
    },
    apiserver(
        RuleMeta {
            id: "apiserver-token-auth-file",
            severity: High,
            title: "API server authenticates with a static token file",
            why: "Tokens in `--token-auth-file` are long-lived plaintext credentials that \
                  cannot be revoked or rotated without restarting the API server.",
            fix: "Remove `--token-auth-file`; use client certificates, OIDC or service account \
                  tokens.",
            references: &["CIS 1.2.2", "kubescape C-0114"],
        },
        &[flag("token-auth-file", None)],
        Expect::Unset,
    ),
    plugin_enabled(
        RuleMeta {
            id: "apiserver-deny-service-external-ips",
            severity: Low,
            title: "DenyServiceExternalIPs admission plugin is off",
            why: "Without it anyone who can create a Service can set `externalIPs` and \
                  intercept traffic to those addresses (CVE-2020-8554). The plugin is not in the \
                  default set.",
            fix: "Add DenyServiceExternalIPs to `--enable-admission-plugins`.",
            references: &["CIS 1.2.3", "kubescape C-0283"],
        },
        "DenyServiceExternalIPs",
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-kubelet-client-cert",
            severity: High,
            title: "API server has no client certificate for kubelets",
            why: "Without `--kubelet-client-certificate` and `--kubelet-client-key` the API \
                  server cannot authenticate to kubelets, which then must accept \
                  unauthenticated requests for logs, exec and port-forward.",
            fix: "Set `--kubelet-client-certificate` and `--kubelet-client-key` (kubeadm: \
                  `pki/apiserver-kubelet-client.{crt,key}`).",
            references: &["CIS 1.2.4", "kubescape C-0116"],
        },
        &[
            flag("kubelet-client-certificate", None),
            flag("kubelet-client-key", None),
        ],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-kubelet-certificate-authority",
            severity: Medium,
            title: "API server does not verify kubelet serving certificates",
            why: "Without `--kubelet-certificate-authority` connections to kubelets are not \
                  verified and can be intercepted by anyone on the path.",
            fix: "Set `--kubelet-certificate-authority` to the CA that signs kubelet serving \
                  certificates (and enable kubelet serving-certificate bootstrap).",
            references: &["CIS 1.2.5", "kubescape C-0117"],
        },
        &[flag("kubelet-certificate-authority", None)],
        Expect::Set,
    ),
    SettingCheck {
        waiver: STRUCTURED_AUTHZ,
        ..apiserver(
            RuleMeta {
                id: "apiserver-authorization-always-allow",
                severity: Critical,
                title: "API server authorizes every request (AlwaysAllow)",
                why: "`--authorization-mode` defaults to AlwaysAllow: every authenticated (and, \
                      with anonymous auth, unauthenticated) request may do anything.",
                fix: "Set `--authorization-mode=Node,RBAC` (or an AuthorizationConfiguration \
                      without AlwaysAllow).",
                references: &["CIS 1.2.6", "kubescape C-0118"],
            },
            &[flag("authorization-mode", Some("AlwaysAllow"))],
            Expect::Excludes("AlwaysAllow"),
        )
    },
    SettingCheck {
        waiver: STRUCTURED_AUTHZ,
        ..apiserver(
            RuleMeta {
                id: "apiserver-authorization-node",
                severity: Medium,
                title: "API server does not use the Node authorizer",
                why: "The Node authorizer limits each kubelet to the objects of pods bound to its \
                      node; without it a compromised node can read every secret its RBAC \
                      group allows.",
                fix: "Include Node in `--authorization-mode` (e.g. `Node,RBAC`).",
                references: &["CIS 1.2.7", "kubescape C-0119"],
            },
            &[flag("authorization-mode", Some("AlwaysAllow"))],
            Expect::Includes("Node"),
        )
    },
    SettingCheck {
        waiver: STRUCTURED_AUTHZ,
        ..apiserver(
            RuleMeta {
                id: "apiserver-authorization-rbac",
                severity: High,
                title: "API server does not use RBAC",
                why: "Without the RBAC authorizer Roles and bindings have no effect; access is \
                      decided by coarser or legacy modes (ABAC, AlwaysAllow).",
                fix: "Include RBAC in `--authorization-mode` (e.g. `Node,RBAC`).",
                references: &["CIS 1.2.8", "kubescape C-0120"],
            },
            &[flag("authorization-mode", Some("AlwaysAllow"))],
            Expect::Includes("RBAC"),
        )
    },
    plugin_enabled(
        RuleMeta {
            id: "apiserver-event-rate-limit",
            severity: Low,
            title: "EventRateLimit admission plugin is off",
            why: "Without a limit on events a misbehaving or hostile client can flood the API \
                  server and etcd with Event objects.",
            fix: "Add EventRateLimit to `--enable-admission-plugins` and configure its limits in \
                  the `--admission-control-config-file`.",
            references: &["CIS 1.2.9", "kubescape C-0121"],
        },
        "EventRateLimit",
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-always-admit",
            severity: Critical,
            title: "AlwaysAdmit admission plugin is on",
            why: "AlwaysAdmit lets every request through admission; the plugin is deprecated \
                  and only exists to switch admission control off.",
            fix: "Remove AlwaysAdmit from `--enable-admission-plugins`.",
            references: &["CIS 1.2.10", "kubescape C-0122"],
        },
        &[flag(ENABLE_PLUGINS, None)],
        Expect::Excludes("AlwaysAdmit"),
    ),
    plugin_enabled(
        RuleMeta {
            id: "apiserver-always-pull-images",
            severity: Low,
            title: "AlwaysPullImages admission plugin is off",
            why: "On multi-tenant nodes a pod can use a private image another tenant pulled \
                  without presenting registry credentials; AlwaysPullImages forces the pull \
                  (and the credential check).",
            fix: "Add AlwaysPullImages to `--enable-admission-plugins`.",
            references: &["CIS 1.2.11", "kubescape C-0123"],
        },
        "AlwaysPullImages",
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-service-account-plugin-disabled",
            severity: Medium,
            title: "ServiceAccount admission plugin is disabled",
            why: "The ServiceAccount plugin assigns service accounts and mounts their tokens \
                  consistently; disabling it lets pods claim any service account name.",
            fix: "Remove ServiceAccount from `--disable-admission-plugins`.",
            references: &["CIS 1.2.12", "kubescape C-0125"],
        },
        &[flag(DISABLE_PLUGINS, None)],
        Expect::Excludes("ServiceAccount"),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-namespace-lifecycle-disabled",
            severity: Medium,
            title: "NamespaceLifecycle admission plugin is disabled",
            why: "NamespaceLifecycle refuses objects in terminating or missing namespaces; \
                  without it objects can outlive their namespace's policies.",
            fix: "Remove NamespaceLifecycle from `--disable-admission-plugins`.",
            references: &["CIS 1.2.13", "kubescape C-0126"],
        },
        &[flag(DISABLE_PLUGINS, None)],
        Expect::Excludes("NamespaceLifecycle"),
    ),
    plugin_enabled(
        RuleMeta {
            id: "apiserver-node-restriction",
            severity: High,
            title: "NodeRestriction admission plugin is off",
            why: "Without NodeRestriction a kubelet can modify other nodes and pods and set its \
                  own labels, e.g. to attract pods meant for trusted or control-plane nodes.",
            fix: "Add NodeRestriction to `--enable-admission-plugins` (with the Node \
                  authorizer).",
            references: &["CIS 1.2.14", "kubescape C-0127"],
        },
        "NodeRestriction",
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-pod-security-disabled",
            severity: High,
            title: "PodSecurity admission plugin is disabled",
            why: "PodSecurity (on by default) enforces the Pod Security Standards per \
                  namespace; disabling it leaves no built-in control on privileged pods unless \
                  an equivalent policy webhook (Kyverno, Gatekeeper, `rampart serve`) runs.",
            fix: "Remove PodSecurity from `--disable-admission-plugins`, or run an equivalent \
                  validating webhook and suppress this rule.",
            references: &["CIS 5.2.1", "Pod Security Admission"],
        },
        &[flag(DISABLE_PLUGINS, None)],
        Expect::Excludes("PodSecurity"),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-profiling",
            severity: Low,
            title: "API server profiling is on",
            why: "`--profiling` defaults to true and exposes pprof endpoints that reveal \
                  internals and can be used to degrade the API server.",
            fix: "Add `--profiling=false`.",
            references: &["CIS 1.2.15", "kubescape C-0129"],
        },
        &[flag("profiling", Some("true"))],
        Expect::Is("false"),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-audit-log-path",
            severity: High,
            title: "API server writes no audit log",
            why: "Without `--audit-log-path` no record of who did what is kept; incidents \
                  cannot be investigated.",
            fix: "Set `--audit-log-path` (and `--audit-policy-file`).",
            references: &["CIS 1.2.16", "kubescape C-0130"],
        },
        &[flag("audit-log-path", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-audit-log-maxage",
            severity: Low,
            title: "Audit logs kept fewer than 30 days",
            why: "Investigations often start weeks after the fact; `--audit-log-maxage` should \
                  keep at least 30 days.",
            fix: "Set `--audit-log-maxage=30` or more.",
            references: &["CIS 1.2.17", "kubescape C-0131"],
        },
        &[flag("audit-log-maxage", None)],
        Expect::AtLeast(30),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-audit-log-maxbackup",
            severity: Low,
            title: "Fewer than 10 audit log files kept",
            why: "`--audit-log-maxbackup` bounds how many rotated audit files are kept; too few \
                  loses history.",
            fix: "Set `--audit-log-maxbackup=10` or more.",
            references: &["CIS 1.2.18", "kubescape C-0132"],
        },
        &[flag("audit-log-maxbackup", None)],
        Expect::AtLeast(10),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-audit-log-maxsize",
            severity: Low,
            title: "Audit log files rotated below 100 MB",
            why: "`--audit-log-maxsize` (MB) together with the backup count decides how much \
                  audit history survives rotation.",
            fix: "Set `--audit-log-maxsize=100` or more.",
            references: &["CIS 1.2.19", "kubescape C-0133"],
        },
        &[flag("audit-log-maxsize", None)],
        Expect::AtLeast(100),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-service-account-lookup",
            severity: Medium,
            title: "API server accepts tokens of deleted service accounts",
            why: "With `--service-account-lookup=false` a token stays valid after its service \
                  account (or secret) is deleted.",
            fix: "Remove `--service-account-lookup=false` (the default is true).",
            references: &["CIS 1.2.21", "kubescape C-0135"],
        },
        &[flag("service-account-lookup", Some("true"))],
        Expect::Is("true"),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-service-account-key-file",
            severity: Medium,
            title: "No service account verification key",
            why: "Without `--service-account-key-file` the API server verifies service account \
                  tokens with its TLS key, which then cannot be rotated independently.",
            fix: "Set `--service-account-key-file` to the public key matching the controller \
                  manager's `--service-account-private-key-file`.",
            references: &["CIS 1.2.22", "kubescape C-0136"],
        },
        &[flag("service-account-key-file", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-etcd-client-cert",
            severity: High,
            title: "API server has no client certificate for etcd",
            why: "Without `--etcd-certfile` and `--etcd-keyfile` etcd must accept clients \
                  without certificates, and anyone reaching it reads every secret.",
            fix: "Set `--etcd-certfile` and `--etcd-keyfile` (kubeadm: \
                  `pki/apiserver-etcd-client.{crt,key}`).",
            references: &["CIS 1.2.23", "kubescape C-0137"],
        },
        &[flag("etcd-certfile", None), flag("etcd-keyfile", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-tls-cert",
            severity: Medium,
            title: "API server serves with a self-signed certificate",
            why: "Without `--tls-cert-file` and `--tls-private-key-file` the API server \
                  generates a self-signed certificate that clients cannot verify.",
            fix: "Set `--tls-cert-file` and `--tls-private-key-file`.",
            references: &["CIS 1.2.24", "kubescape C-0138"],
        },
        &[
            flag("tls-cert-file", None),
            flag("tls-private-key-file", None),
        ],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-client-ca",
            severity: High,
            title: "API server has no client CA",
            why: "Without `--client-ca-file` client certificates are not accepted, and \
                  components fall back to weaker credentials.",
            fix: "Set `--client-ca-file`.",
            references: &["CIS 1.2.25", "kubescape C-0139"],
        },
        &[flag("client-ca-file", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-etcd-ca",
            severity: High,
            title: "API server does not verify etcd's certificate",
            why: "Without `--etcd-cafile` the connection to etcd is not verified and can be \
                  intercepted.",
            fix: "Set `--etcd-cafile` to etcd's CA (kubeadm: `pki/etcd/ca.crt`).",
            references: &["CIS 1.2.26", "kubescape C-0140"],
        },
        &[flag("etcd-cafile", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-encryption-provider-config",
            severity: High,
            title: "Secrets are not encrypted at rest",
            why: "Without `--encryption-provider-config` Secrets are stored in etcd in \
                  plaintext: anyone with an etcd backup or disk reads every credential.",
            fix: "Write an EncryptionConfiguration (kms v2, or secretbox/aesgcm with rotation) \
                  and pass it with `--encryption-provider-config`.",
            references: &["CIS 1.2.27", "kubescape C-0141"],
        },
        &[flag("encryption-provider-config", None)],
        Expect::Set,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-tls-cipher-suites",
            severity: Low,
            title: "API server allows weak TLS cipher suites",
            why: "Without `--tls-cipher-suites` Go's default list applies, which includes CBC \
                  and static-RSA suites without forward secrecy.",
            fix: "Set `--tls-cipher-suites` to ECDHE suites with AES-GCM or CHACHA20-POLY1305 \
                  only.",
            references: &["CIS 1.2.29", "kubescape C-0277"],
        },
        &[flag("tls-cipher-suites", None)],
        Expect::StrongCiphers,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-service-account-extend-token-expiration",
            severity: Low,
            title: "Service account tokens are silently extended",
            why: "`--service-account-extend-token-expiration` defaults to true: bound tokens \
                  get a one-year lifetime during migration, so a stolen token stays useful \
                  far longer than its requested expiry.",
            fix: "Add `--service-account-extend-token-expiration=false`.",
            references: &["CIS 1.2.30", "kubescape C-0290"],
        },
        &[flag(
            "service-account-extend-token-expiration",
            Some("true"),
        )],
        Expect::Is("false"),
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-etcd-plaintext",
            severity: High,
            title: "API server talks to etcd over plaintext HTTP",
            why: "An `http://` URL in `--etcd-servers` on a non-loopback address sends every \
                  object, Secrets included, across the network unencrypted and without \
                  client authentication.",
            fix: "Use `https://` etcd URLs with `--etcd-cafile`, `--etcd-certfile` and \
                  `--etcd-keyfile`.",
            references: &["Kubernetes docs: Securing a Cluster (etcd)"],
        },
        &[flag("etcd-servers", None)],
        Expect::NoRemotePlaintextUrls,
    ),
    apiserver(
        RuleMeta {
            id: "apiserver-audit-policy-file",
            severity: Medium,
            title: "API server has no audit policy",
            why: "Without `--audit-policy-file` no audit events are produced, whatever the \
                  log backend.",
            fix: "Write an audit Policy (Metadata for secrets, Request or more for RBAC and \
                  workload changes) and pass it with `--audit-policy-file`.",
            references: &["CIS 3.2.1", "kubescape C-0160"],
        },
        &[flag("audit-policy-file", None)],
        Expect::Set,
    ),
];
