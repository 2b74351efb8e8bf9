//! Rule documentation generated from the registry's metadata.

use std::fmt::Write;

use super::{RuleMeta, catalogue, fix_of, registry};

/// The Markdown of `docs/rules.md`: an index, then one section per rule.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# rampart rules\n\n<!-- Generated from the rule registry by `rampart rules --markdown`; do not edit. -->\n\n\
         | id | severity | title | automatic fix |\n| --- | --- | --- | --- |\n",
    );
    for m in catalogue() {
        let fix = fix_of(m.id).map_or_else(String::new, |fix| fix.artefacts().join(", "));
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {fix} |",
            m.id, m.id, m.severity, m.title
        );
    }
    out.push_str(FIXES_INTRO);
    for meta in catalogue() {
        out.push('\n');
        out.push_str(&rule_markdown(meta));
    }
    out
}

/// One rule's section.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {}\n\n**{}** · severity `{}`\n",
        m.id, m.title, m.severity
    );
    let _ = writeln!(out, "**Applies to.** {}\n", applies_to(m.id));
    let _ = writeln!(out, "**Why it matters.** {}\n", squash(m.why));
    let _ = writeln!(out, "**How to fix.** {}\n", squash(m.fix));
    let _ = writeln!(out, "**Automatic fix.** {}\n", fix_text(m.id));
    if let Some(settings) = super::settings_doc(m.id) {
        let _ = writeln!(out, "**Settings.** {settings}\n");
    }
    if let Some(files) = super::files_doc(m.id) {
        let _ = writeln!(out, "**Files.** {files}\n");
    }
    if let Some(examples) = super::examples(m.id) {
        let _ = writeln!(out, "{}", examples.to_markdown());
    }
    let _ = writeln!(out, "**References.** {}", m.references.join("; "));
    out
}

/// The artefacts the rule `id` checks, in words (`Kubernetes, Compose, docker inspect`).
pub fn applies_to(id: &str) -> String {
    if let Some(artefacts) = super::cluster::run_artefacts(id) {
        return artefacts.to_owned();
    }
    if super::FILE_RULES.iter().any(|rule| rule.meta.id == id) {
        return "container images' files (`rampart image`)".to_owned();
    }
    registry()
        .iter()
        .find(|rule| rule.meta.id == id)
        .map_or_else(
            || "the objects of a whole scan, across files".to_owned(),
            |rule| rule.checks.artefacts().join(", "),
        )
}

/// How `rampart fix` handles what the rule `id` finds, in words: the fix (on which
/// artefacts, safe or unsafe), or why there is none.
pub fn fix_text(id: &str) -> String {
    match fix_of(id) {
        Some(fix) => format!(
            "{} `rampart fix` edits {} (unsafe fixes with `--unsafe`).",
            squash(fix.summary),
            fix.artefacts().join(", ")
        ),
        None => format!("None: {}.", no_fix_reason(id)),
    }
}

/// The paragraph after the index of `docs/rules.md` on automatic fixes.
const FIXES_INTRO: &str = "
`rampart fix` repairs the findings of the rules with an automatic fix (last column: the \
artefacts it edits) with the smallest text edits, keeping comments and layout. A fix is \
*safe* when it cannot change what the workload does, *unsafe* (applied only with \
`--unsafe`) when it may. Rules without one need a decision a tool cannot make: a value \
that depends on the workload (resource limits, the PIDs limit, restart policies, \
published addresses), data or devices that have to move (host paths, runtime sockets), \
secrets to move into a Secret and rotate, image digests from a registry, build steps to \
rewrite, or configuration outside manifests and Compose files (control plane, kubelet, \
etcd, daemon.json, RBAC design, NetworkPolicies). Each rule's section says which.
";

/// Why the rule `id` has no automatic fix.
fn no_fix_reason(id: &str) -> &'static str {
    match id {
        "memory-limit-missing"
        | "cpu-limit-missing"
        | "resource-requests-missing"
        | "pids-limit-missing" => {
            "no value fits every workload: it comes from the workload's measured use"
        }
        "image-tag-mutable" | "image-digest-missing" => {
            "pinning an image takes its digest from the registry, which a fix does not ask"
        }
        "host-path-volume"
        | "sensitive-host-path"
        | "host-devices"
        | "mount-propagation-shared" => {
            "the workload's data or devices would have to move elsewhere"
        }
        "unsafe-sysctls" | "selinux-custom-options" | "cgroup-parent-set" => {
            "the workload asked for this kernel or security setting: it belongs on the node, or in a reviewed exception"
        }
        "secret-in-container-env"
        | "secret-in-config-map"
        | "secret-in-env-or-arg"
        | "password-in-run" => {
            "the secret has to move into a Secret (or a build secret) and be rotated"
        }
        "ssh-exposed"
        | "port-bound-all-interfaces"
        | "restart-policy-unbounded"
        | "restart-policy-never"
        | "default-namespace"
        | "ingress-tls-missing" => {
            "the right setting depends on how the workload is used and reached"
        }
        "ignored-field" => {
            "moving a misplaced field to where it takes effect changes what the pod does"
        }
        "pod-security" => {
            "`rampart fix --pss LEVEL` fixes each violation with the fix of the rule that covers its field"
        }
        "add-remote-url"
        | "sudo-in-run"
        | "curl-pipe-shell"
        | "package-upgrade-unpinned"
        | "healthcheck-missing"
        | "image-user-mismatch" => {
            "the build steps (or the image's user) have to be rewritten by hand"
        }
        _ => {
            "the change is a decision about the cluster, the node, the Docker daemon, RBAC or the network design"
        }
    }
}

/// Joins the continuation lines of a string literal into single spaces.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
