//! CIS 1.3 (kube-controller-manager) and 1.4 (kube-scheduler) flags.

use super::settings::{Expect, Setting, SettingCheck, flag};
use crate::cluster::Component::{self, ControllerManager, Scheduler};
use crate::finding::Severity::{Low, Medium};
use crate::rules::RuleMeta;

const fn on(
    component: Component,
    meta: RuleMeta,
    settings: &'static [Setting],
    expect: Expect,
) -> SettingCheck {
    SettingCheck {
        meta,
        component,
        settings,
        expect,
        waiver: None,
    }
}

pub(super) static CHECKS: &[SettingCheck] = &[
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-terminated-pod-gc-threshold",
            severity: Low,
            title: "Terminated pods are kept up to the default 12500",
            why: "Terminated pods accumulate in etcd until `--terminated-pod-gc-threshold` is \
                  reached; a deliberate, lower threshold keeps etcd and the API responsive.",
            fix: "Set `--terminated-pod-gc-threshold` (e.g. 10).",
            references: &["CIS 1.3.1", "kubescape C-0144"],
        },
        &[flag("terminated-pod-gc-threshold", None)],
        Expect::Set,
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-profiling",
            severity: Low,
            title: "Controller manager profiling is on",
            why: "`--profiling` defaults to true and exposes pprof endpoints.",
            fix: "Add `--profiling=false`.",
            references: &["CIS 1.3.2", "kubescape C-0145"],
        },
        &[flag("profiling", Some("true"))],
        Expect::Is("false"),
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-service-account-credentials",
            severity: Medium,
            title: "Controllers share the controller manager's credentials",
            why: "`--use-service-account-credentials` defaults to false: every controller then \
                  acts with the controller manager's own, very broad identity instead of a \
                  per-controller service account with least privilege.",
            fix: "Add `--use-service-account-credentials=true`.",
            references: &["CIS 1.3.3", "kubescape C-0146"],
        },
        &[flag("use-service-account-credentials", Some("false"))],
        Expect::Is("true"),
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-service-account-private-key",
            severity: Medium,
            title: "No service account signing key",
            why: "Without `--service-account-private-key-file` service account tokens cannot be \
                  signed with a dedicated, rotatable key.",
            fix: "Set `--service-account-private-key-file` (kubeadm: `pki/sa.key`).",
            references: &["CIS 1.3.4", "kubescape C-0147"],
        },
        &[flag("service-account-private-key-file", None)],
        Expect::Set,
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-root-ca",
            severity: Medium,
            title: "Pods do not get the cluster's root CA",
            why: "Without `--root-ca-file` the CA is not published to pods, which then cannot \
                  verify the API server and may skip TLS verification.",
            fix: "Set `--root-ca-file` (kubeadm: `pki/ca.crt`).",
            references: &["CIS 1.3.5", "kubescape C-0148"],
        },
        &[flag("root-ca-file", None)],
        Expect::Set,
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-rotate-kubelet-server-certificate",
            severity: Medium,
            title: "Kubelet serving certificate rotation is switched off",
            why: "With the RotateKubeletServerCertificate gate off, kubelet serving \
                  certificates are not renewed through the API and expire or stay long-lived.",
            fix: "Remove `RotateKubeletServerCertificate=false` from `--feature-gates`.",
            references: &["CIS 1.3.6", "kubescape C-0149"],
        },
        &[flag("feature-gates", None)],
        Expect::GateNotOff("RotateKubeletServerCertificate"),
    ),
    on(
        ControllerManager,
        RuleMeta {
            id: "controller-manager-bind-address",
            severity: Medium,
            title: "Controller manager listens on all interfaces",
            why: "`--bind-address` defaults to 0.0.0.0: the controller manager's metrics and \
                  health endpoints are reachable from the network. (kube-bench passes an \
                  absent flag; rampart judges the effective value.)",
            fix: "Set `--bind-address=127.0.0.1`.",
            references: &["CIS 1.3.7", "kubescape C-0150"],
        },
        &[flag("bind-address", Some("0.0.0.0"))],
        Expect::Loopback,
    ),
    on(
        Scheduler,
        RuleMeta {
            id: "scheduler-profiling",
            severity: Low,
            title: "Scheduler profiling is on",
            why: "`--profiling` defaults to true and exposes pprof endpoints.",
            fix: "Add `--profiling=false`.",
            references: &["CIS 1.4.1", "kubescape C-0151"],
        },
        &[flag("profiling", Some("true"))],
        Expect::Is("false"),
    ),
    on(
        Scheduler,
        RuleMeta {
            id: "scheduler-bind-address",
            severity: Medium,
            title: "Scheduler listens on all interfaces",
            why: "`--bind-address` defaults to 0.0.0.0: the scheduler's endpoints are reachable \
                  from the network.",
            fix: "Set `--bind-address=127.0.0.1`.",
            references: &["CIS 1.4.2", "kubescape C-0152"],
        },
        &[flag("bind-address", Some("0.0.0.0"))],
        Expect::Loopback,
    ),
];
