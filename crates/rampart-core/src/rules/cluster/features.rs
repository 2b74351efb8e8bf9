//! Alpha and beta features switched on wholesale (spec §8 item 23).

use crate::cluster::{CommandLine, Component, ConfigFile, FlagWord, Launch, list_items};
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
            let Some(launch) = Launch::of(&container) else {
                continue;
            };
            let line = CommandLine::of_launch(&launch, &container);
            judge_command_line(launch.component, &line, out);
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

/// Both flags are maps that every occurrence adds to (a later entry for the same key
/// wins), so every occurrence is read and only the entries that stand are reported.
fn judge_command_line(component: Component, line: &CommandLine, out: &mut Findings) {
    let who = component.binary();
    for (word, item) in standing_entries(line, "feature-gates") {
        let (gate, on) = item.split_once('=').unwrap_or((item, "true"));
        if BLANKET_GATES.contains(&gate.trim()) && on.trim().eq_ignore_ascii_case("true") {
            out.report(
                word.at.path.clone(),
                format!("{who} --feature-gates {item}"),
            );
        }
    }
    for (runtime, item) in standing_entries(line, "runtime-config") {
        let (api, on) = item.split_once('=').unwrap_or((item, "true"));
        let unstable = matches!(api, "api/all" | "api/alpha" | "api/beta")
            || api.contains("/v1alpha")
            || api.contains("/v2alpha");
        if unstable && on.trim().eq_ignore_ascii_case("true") {
            out.report(
                runtime.at.path.clone(),
                format!("{who} --runtime-config {item}"),
            );
        }
    }
}

/// The `key=value` entries of every occurrence of the map flag `flag`, each with its
/// word, leaving out those a later entry for the same key overrides.
fn standing_entries<'l>(line: &'l CommandLine, flag: &str) -> Vec<(&'l FlagWord, &'l str)> {
    let entries: Vec<(&FlagWord, &str)> = line
        .flags
        .iter()
        .filter(|word| word.name == flag)
        .flat_map(|word| list_items(&word.value).map(move |item| (word, item)))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut standing: Vec<(&FlagWord, &str)> = entries
        .into_iter()
        .rev()
        .filter(|(_, item)| seen.insert(item.split('=').next().unwrap_or(item).trim()))
        .collect();
    standing.reverse();
    standing
}
