//! Alpha and beta features switched on wholesale (spec §8 item 23).

use crate::cluster::{CommandLine, Component, ConfigFile, list_items};
use crate::field_path::FieldPath;
use crate::finding::Severity;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// Gates that switch every alpha or beta feature on.
const BLANKET_GATES: &[&str] = &["AllAlpha", "AllBeta"];

pub(super) const ALPHA_FEATURES_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "alpha-features-enabled",
        severity: Severity::Medium,
        title: "Alpha or beta features switched on wholesale",
        why: "`AllAlpha=true` / `AllBeta=true` feature gates and `--runtime-config` entries \
              such as `api/alpha=true` or `*/v1alpha1=true` turn on code that is not \
              production-hardened, may lack security review, and can change without notice.",
        fix: "Remove the blanket gates and runtime-config entries; enable only the individual \
              features you need, after review.",
        references: &["Kubernetes docs: Securing a Cluster (alpha and beta features)"],
    },
    checks: Checks::kubernetes(check_alpha_features),
};

fn check_alpha_features(ctx: &CheckContext<'_>, out: &mut Findings) {
    if let Some(pod) = ctx.pod {
        for container in pod.containers() {
            let container = &container;
            let Some(component) = Component::of_container(container) else {
                continue;
            };
            let line = CommandLine::of_container(container, component.accepts_single_dash());
            judge_command_line(component, &line, out);
        }
    }
    if ConfigFile::of(&ctx.object.id) == Some(ConfigFile::KubeletFlags) {
        let line = CommandLine::of_flags_document(ctx.object.value);
        judge_command_line(Component::Kubelet, &line, out);
    }
    if ConfigFile::of(&ctx.object.id) == Some(ConfigFile::Kubelet) {
        let gates = &ctx.object.value["featureGates"];
        for gate in BLANKET_GATES {
            if gates[*gate] == true {
                out.report(
                    FieldPath::fields(&["featureGates"]).key(*gate),
                    format!("kubelet config switches on {gate}"),
                );
            }
        }
    }
}

fn judge_command_line(component: Component, line: &CommandLine, out: &mut Findings) {
    let who = component.binary();
    if let Some(gates) = line.get("feature-gates") {
        for item in list_items(&gates.value) {
            let (gate, on) = item.split_once('=').unwrap_or((item, "true"));
            if BLANKET_GATES.contains(&gate.trim()) && on.trim().eq_ignore_ascii_case("true") {
                out.report(gates.path.clone(), format!("{who} --feature-gates {item}"));
            }
        }
    }
    if let Some(runtime) = line.get("runtime-config") {
        for item in list_items(&runtime.value) {
            let (api, on) = item.split_once('=').unwrap_or((item, "true"));
            let unstable = matches!(api, "api/all" | "api/alpha" | "api/beta")
                || api.contains("/v1alpha")
                || api.contains("/v2alpha");
            if unstable && on.trim().eq_ignore_ascii_case("true") {
                out.report(
                    runtime.path.clone(),
                    format!("{who} --runtime-config {item}"),
                );
            }
        }
    }
}
