//! The hardening catalogue: one unit per rule, listed once in [`registry`].
//!
//! A rule is metadata ([`RuleMeta`]: id, severity, title, why, fix, references) and a
//! check over an object ([`CheckContext`]). Documentation (`rampart rules`,
//! `docs/rules.md`) is generated from the metadata.

mod build;
mod cis;
mod cluster;
mod context;
mod docker;
mod docs;
mod examples;
mod host;
mod image_files;
mod keep;
mod network;
mod pod;
mod rbac;
mod run;
mod secrets;

pub use context::{CheckContext, Findings};
pub use docs::{applies_to, fix_text, rule_markdown, rules_markdown, squash};
pub use examples::{Example, ExampleFile, Examples, ExcerptLine, examples, rules_without_examples};
pub use host::host_plan;
pub use image_files::{FILE_RULES, FileFinding, FileRule, ImageFile, judge_image_files};
pub use keep::Keep;
pub use pod::{OUTSIDE_SCHEMA, STATUS_ONLY};
pub(crate) use run::RunCache;
pub use run::{
    Collected, DOCKERFILE_KIND, RunContext, RunFindings, RunRule, collects, dockerfile_collected,
    kept_part, located_part,
};

use std::sync::LazyLock;

use crate::docker::{ContainerSpec, DaemonConfig, DockerfileView, ImageSpec};
use crate::finding::Severity;
use crate::fix::Fix;
use crate::host::HostFacts;

/// Everything a user needs to know about a rule, without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case id, e.g. `privileged-container`.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule flags.
    pub title: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Standards that ask for it (CIS, NSA/CISA, PSS control...).
    pub references: &'static [&'static str],
}

/// A catalogue rule: metadata plus one check per kind of artefact it applies to.
#[derive(Clone, Copy)]
pub struct Rule {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// The checks, one per artefact the rule understands.
    pub checks: Checks,
}

/// A check over a Kubernetes object.
pub(crate) type KubernetesCheck = fn(&CheckContext<'_>, &mut Findings);
/// A check over a Compose service or a `docker inspect` container.
pub(crate) type ContainerCheck = fn(&ContainerSpec, &mut Findings);
/// A check over a Docker daemon configuration (`daemon.json`).
pub(crate) type DaemonCheck = fn(&DaemonConfig<'_>, &mut Findings);
/// A check over a Dockerfile.
pub(crate) type DockerfileCheck = fn(&DockerfileView<'_, '_>, &mut Findings);
/// A check over a built image: its configuration and history.
pub(crate) type ImageCheck = fn(&ImageSpec, &mut Findings);
/// A check over a host's files; each finding's path names its file (see
/// [`crate::host::finding_path`]).
pub(crate) type HostCheck = fn(&HostFacts, &mut Findings);

/// What a rule checks in each kind of artefact, and how it fixes what it finds. One rule,
/// one id, whatever the artefact: `privileged-container` means the same in a Deployment
/// and in a Compose file.
#[derive(Clone, Copy)]
pub struct Checks {
    /// Kubernetes objects (pods and every workload).
    pub kubernetes: Option<KubernetesCheck>,
    /// Compose services and `docker inspect` containers, read into one model.
    pub container: Option<ContainerCheck>,
    /// Docker daemon configuration.
    pub daemon: Option<DaemonCheck>,
    /// Dockerfiles.
    pub dockerfile: Option<DockerfileCheck>,
    /// How `rampart fix` repairs the findings, when it can.
    pub fix: Option<&'static Fix>,
    /// Built images (`docker image inspect`, the Engine API, OCI image configurations).
    pub image: Option<ImageCheck>,
    /// A host's files (owner, mode, audit rules).
    pub host: Option<HostCheck>,
}

impl Checks {
    /// No check at all (the base the constructors below extend).
    pub const NONE: Self = Self {
        kubernetes: None,
        container: None,
        daemon: None,
        dockerfile: None,
        fix: None,
        image: None,
        host: None,
    };

    /// Only a Kubernetes check.
    pub const fn kubernetes(check: KubernetesCheck) -> Self {
        Self {
            kubernetes: Some(check),
            ..Self::NONE
        }
    }

    /// Only a container (Compose / `docker inspect`) check.
    pub const fn container_only(check: ContainerCheck) -> Self {
        Self {
            container: Some(check),
            ..Self::NONE
        }
    }

    /// Only a daemon.json check.
    pub const fn daemon_only(check: DaemonCheck) -> Self {
        Self {
            daemon: Some(check),
            ..Self::NONE
        }
    }

    /// Only a Dockerfile check.
    pub const fn dockerfile_only(check: DockerfileCheck) -> Self {
        Self {
            dockerfile: Some(check),
            ..Self::NONE
        }
    }

    /// Only a check over host files.
    pub const fn host_only(check: HostCheck) -> Self {
        Self {
            host: Some(check),
            ..Self::NONE
        }
    }

    /// These checks plus one over Compose services and `docker inspect` containers.
    pub const fn and_container(self, check: ContainerCheck) -> Self {
        Self {
            container: Some(check),
            ..self
        }
    }

    /// These checks plus one over daemon.json.
    pub const fn and_daemon(self, check: DaemonCheck) -> Self {
        Self {
            daemon: Some(check),
            ..self
        }
    }

    /// These checks plus one over Dockerfiles.
    pub const fn and_dockerfile(self, check: DockerfileCheck) -> Self {
        Self {
            dockerfile: Some(check),
            ..self
        }
    }

    /// These checks, whose findings `fix` repairs.
    pub const fn fixed_by(self, fix: &'static Fix) -> Self {
        Self {
            fix: Some(fix),
            ..self
        }
    }

    /// These checks plus one over built images.
    pub const fn and_image(self, check: ImageCheck) -> Self {
        Self {
            image: Some(check),
            ..self
        }
    }

    /// The names of the artefacts these checks cover, for the documentation.
    pub fn artefacts(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.kubernetes.is_some() {
            names.push("Kubernetes");
        }
        if self.container.is_some() {
            names.extend(["Compose", "docker inspect (and live containers)"]);
        }
        if self.daemon.is_some() {
            names.push("Docker daemon (daemon.json or the Engine API)");
        }
        if self.dockerfile.is_some() {
            names.push("Dockerfile");
        }
        if self.image.is_some() {
            names.push("images (configuration and history)");
        }
        if self.host.is_some() {
            names.push("host files (`rampart docker --host-root`)");
        }
        names
    }
}

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.artefacts()).finish()
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.meta.id).finish()
    }
}

/// Object rules: pods, secrets and network exposure, then Docker-only rules, cluster
/// configuration and RBAC roles.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    pod::RULES
        .iter()
        .chain(secrets::RULES)
        .chain(network::OBJECT_RULES)
        .chain(docker::RULES)
        .copied()
        .chain(cluster::rules())
        .chain(host::rules())
        .chain(rbac::rules())
        .collect()
});

/// Run rules: network, namespaces' pods, built images, RBAC bindings, then kubelets.
static RUN_RULES: LazyLock<Vec<RunRule>> = LazyLock::new(|| {
    network::RULES
        .iter()
        .chain(pod::RUN_RULES)
        .chain(build::RULES)
        .chain(rbac::RUN_RULES)
        .copied()
        .chain(cluster::run_rules())
        .collect()
});

/// The rules that check one object at a time, in documentation order.
pub fn registry() -> &'static [Rule] {
    &RULES
}

/// The rules that look across every object of a run (NetworkPolicies and pods, RBAC...).
pub fn run_registry() -> &'static [RunRule] {
    &RUN_RULES
}

/// The metadata of every rule, object, run and image file rules alike, in
/// documentation order.
pub fn catalogue() -> impl Iterator<Item = &'static RuleMeta> {
    registry()
        .iter()
        .map(|r| &r.meta)
        .chain(run_registry().iter().map(|r| &r.meta))
        .chain(FILE_RULES.iter().map(|r| &r.meta))
}

/// For rules judging component settings: the flags and config-file fields they read, with
/// the binary defaults assumed when a setting is absent.
pub fn settings_doc(id: &str) -> Option<String> {
    cluster::settings_doc(id)
}

/// How the rule `id` (object or run rule) fixes its findings, if it does.
pub fn fix_of(id: &str) -> Option<&'static Fix> {
    registry()
        .iter()
        .find(|rule| rule.meta.id == id)
        .and_then(|rule| rule.checks.fix)
        .or_else(|| {
            run_registry()
                .iter()
                .find(|rule| rule.meta.id == id)
                .and_then(|rule| rule.fix)
        })
}

/// For rules judging host files: the files, owners and modes they check.
pub(crate) fn files_doc(id: &str) -> Option<String> {
    host::files_doc(id)
}

/// The metadata of the rule with id `id`.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    catalogue().find(|meta| meta.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for meta in catalogue() {
            let id = meta.id;
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{id} is not kebab-case"
            );
            assert!(
                !meta.title.is_empty() && !meta.why.is_empty() && !meta.fix.is_empty(),
                "{id}"
            );
            assert!(!meta.references.is_empty(), "{id} has no reference");
        }
        assert!(find("privileged-container").is_some());
        assert!(find("no-such-rule").is_none());
    }
}
