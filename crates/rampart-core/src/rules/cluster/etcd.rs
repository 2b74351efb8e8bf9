//! CIS 2: etcd flags (`--flag`, `-flag` or `ETCD_FLAG` environment variables).

use super::settings::{Expect, Setting, SettingCheck, flag};
use crate::cluster::Component::Etcd;
use crate::finding::Severity::{Critical, High, Medium};
use crate::rules::RuleMeta;

const fn etcd(meta: RuleMeta, settings: &'static [Setting], expect: Expect) -> SettingCheck {
    SettingCheck {
        meta,
        component: Etcd,
        settings,
        expect,
        waiver: None,
    }
}

pub(super) static CHECKS: &[SettingCheck] = &[
    etcd(
        RuleMeta {
            id: "etcd-client-tls",
            severity: High,
            title: "etcd serves clients without TLS",
            why: "Without `--cert-file` and `--key-file` etcd serves its clients, the API \
                  server included, in plaintext: every secret crosses the network readable.",
            fix: "Set `--cert-file` and `--key-file` (kubeadm: `pki/etcd/server.{crt,key}`).",
            references: &["CIS 2.1", "kubescape C-0153"],
        },
        &[flag("cert-file", None), flag("key-file", None)],
        Expect::Set,
    ),
    etcd(
        RuleMeta {
            id: "etcd-client-cert-auth",
            severity: Critical,
            title: "etcd accepts clients without certificates",
            why: "`--client-cert-auth` defaults to false: anyone who reaches the client port \
                  reads and writes the whole cluster state.",
            fix: "Add `--client-cert-auth=true` and `--trusted-ca-file`.",
            references: &["CIS 2.2", "kubescape C-0154"],
        },
        &[flag("client-cert-auth", Some("false"))],
        Expect::Is("true"),
    ),
    etcd(
        RuleMeta {
            id: "etcd-auto-tls",
            severity: Medium,
            title: "etcd uses self-signed client certificates",
            why: "`--auto-tls=true` makes etcd generate a self-signed certificate that clients \
                  cannot verify.",
            fix: "Remove `--auto-tls` and configure `--cert-file`/`--key-file`.",
            references: &["CIS 2.3", "kubescape C-0155"],
        },
        &[flag("auto-tls", Some("false"))],
        Expect::Is("false"),
    ),
    etcd(
        RuleMeta {
            id: "etcd-peer-tls",
            severity: Medium,
            title: "etcd peers talk without TLS",
            why: "Without `--peer-cert-file` and `--peer-key-file` replication traffic between \
                  etcd members (all cluster data) is plaintext.",
            fix: "Set `--peer-cert-file` and `--peer-key-file`.",
            references: &["CIS 2.4", "kubescape C-0156"],
        },
        &[flag("peer-cert-file", None), flag("peer-key-file", None)],
        Expect::Set,
    ),
    etcd(
        RuleMeta {
            id: "etcd-peer-client-cert-auth",
            severity: Medium,
            title: "etcd accepts peers without certificates",
            why: "`--peer-client-cert-auth` defaults to false: anything that reaches the peer \
                  port can join or impersonate a member.",
            fix: "Add `--peer-client-cert-auth=true` and `--peer-trusted-ca-file`.",
            references: &["CIS 2.5", "kubescape C-0157"],
        },
        &[flag("peer-client-cert-auth", Some("false"))],
        Expect::Is("true"),
    ),
    etcd(
        RuleMeta {
            id: "etcd-peer-auto-tls",
            severity: Medium,
            title: "etcd uses self-signed peer certificates",
            why: "`--peer-auto-tls=true` makes peers use unverifiable self-signed certificates.",
            fix: "Remove `--peer-auto-tls` and configure peer certificates.",
            references: &["CIS 2.6", "kubescape C-0158"],
        },
        &[flag("peer-auto-tls", Some("false"))],
        Expect::Is("false"),
    ),
    etcd(
        RuleMeta {
            id: "etcd-trusted-ca",
            severity: Medium,
            title: "etcd has no CA for client certificates",
            why: "Without `--trusted-ca-file` client certificates cannot be verified; CIS also \
                  asks for a CA dedicated to etcd, so certificates of the cluster CA do not \
                  open etcd.",
            fix: "Set `--trusted-ca-file` to a CA used only for etcd (kubeadm: \
                  `pki/etcd/ca.crt`).",
            references: &["CIS 2.7", "kubescape C-0159"],
        },
        &[flag("trusted-ca-file", None)],
        Expect::Set,
    ),
    etcd(
        RuleMeta {
            id: "etcd-plaintext-client-urls",
            severity: High,
            title: "etcd serves clients over plaintext HTTP",
            why: "An `http://` URL in `--listen-client-urls` or `--advertise-client-urls` on a \
                  non-loopback address serves (or points clients to) the whole cluster state \
                  without TLS or client certificates. The defaults are `http://localhost:2379`.",
            fix: "Use `https://` client URLs (loopback `http://` is acceptable for local \
                  health checks only).",
            references: &["Kubernetes docs: Securing a Cluster (etcd)"],
        },
        &[
            flag("listen-client-urls", Some("http://localhost:2379")),
            flag("advertise-client-urls", Some("http://localhost:2379")),
        ],
        Expect::NoRemotePlaintextUrls,
    ),
];
