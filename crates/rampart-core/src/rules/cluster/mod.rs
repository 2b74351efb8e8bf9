//! Cluster hardening: control-plane and kubelet settings (CIS 1.2, 1.3, 1.4, 2, 3, 4.2),
//! the API server's side files, kubeconfigs and pod placement.

mod apiserver;
mod apiserver_files;
mod audit;
mod controllers;
mod encryption;
mod etcd;
mod features;
mod kubeconfig;
mod kubelet;
mod placement;
mod settings;

use super::{Rule, RunRule};
use settings::SettingCheck;

/// The declarative setting tables of the control plane, judged pod by pod, in
/// documentation order.
static SETTING_TABLES: &[&[SettingCheck]] = &[apiserver::CHECKS, controllers::CHECKS, etcd::CHECKS];

/// The rules written as checks of their own, in documentation order.
static FILE_RULES: &[Rule] = &[
    encryption::ENCRYPTION_SECRETS_PLAINTEXT,
    encryption::ENCRYPTION_PROVIDER_WEAK,
    audit::AUDIT_POLICY_SECRETS,
    audit::AUDIT_POLICY_RBAC_CHANGES,
    audit::AUDIT_POLICY_WORKLOADS,
    apiserver_files::ADMISSION_POD_SECURITY_DEFAULT,
    apiserver_files::ADMISSION_IMAGE_POLICY_FAIL_OPEN,
    apiserver_files::AUTHENTICATION_CONFIG_ANONYMOUS,
    apiserver_files::AUTHORIZATION_CONFIG_WEAK,
    kubeconfig::KUBECONFIG_INSECURE_TLS,
    kubeconfig::KUBECONFIG_STATIC_CREDENTIALS,
    features::ALPHA_FEATURES_ENABLED,
    placement::CONTROL_PLANE_SCHEDULING,
    placement::NODE_NAME_PINNED,
];

/// Every cluster rule that checks one object at a time: the control-plane setting
/// tables' entries, then the other checks.
pub(super) fn rules() -> impl Iterator<Item = Rule> {
    SETTING_TABLES
        .iter()
        .flat_map(|table| table.iter())
        .map(SettingCheck::rule)
        .chain(FILE_RULES.iter().copied())
}

/// The kubelet rules, which judge each kubelet of a run on its effective settings
/// (flags over configuration files, across files).
pub(super) fn run_rules() -> impl Iterator<Item = RunRule> {
    kubelet::CHECKS.iter().map(SettingCheck::run_rule)
}

/// What the kubelet rules read, for their documentation (`None` for other rules).
pub(super) fn run_artefacts(id: &str) -> Option<&'static str> {
    kubelet::CHECKS
        .iter()
        .any(|check| check.meta.id == id)
        .then_some(
            "KubeletConfiguration files, kubelet flags files and systemd units, pods running the \
         kubelet (each kubelet on its effective settings, across the files of its node)",
        )
}

/// What a setting rule reads and the defaults it assumes (`None` for other rules).
pub(super) fn settings_doc(id: &str) -> Option<String> {
    setting_check(id).map(SettingCheck::settings_doc)
}

/// The setting-table entry of the rule `id`.
fn setting_check(id: &str) -> Option<&'static SettingCheck> {
    SETTING_TABLES
        .iter()
        .chain([&kubelet::CHECKS])
        .flat_map(|table| table.iter())
        .find(|check| check.meta.id == id)
}
