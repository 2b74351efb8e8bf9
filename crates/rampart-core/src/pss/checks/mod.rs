//! The Pod Security Standards checks, one module per check or family of checks.
//!
//! Every implementation is a [`CheckFn`]; the registry decides which one runs at which
//! version.

pub(crate) mod app_armor;
pub(crate) mod capabilities;
pub(crate) mod host_namespaces;
pub(crate) mod host_ports;
pub(crate) mod host_probes;
pub(crate) mod privilege_escalation;
pub(crate) mod privileged;
pub(crate) mod proc_mount;
pub(crate) mod run_as_non_root;
pub(crate) mod run_as_user;
pub(crate) mod se_linux;
pub(crate) mod seccomp;
pub(crate) mod sysctls;
pub(crate) mod volumes;
pub(crate) mod windows_host_process;

use crate::field_path::FieldPath;

use super::pod::{ContainerView, PodView};

/// A failed check: upstream's reason and detail, plus the offending fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forbidden {
    pub reason: String,
    pub detail: String,
    pub paths: Vec<FieldPath>,
}

impl Forbidden {
    pub fn new(reason: impl Into<String>, detail: String, paths: Vec<FieldPath>) -> Self {
        Self {
            reason: reason.into(),
            detail,
            paths,
        }
    }
}

/// `None` when the pod passes the check.
pub(crate) type Outcome = Option<Forbidden>;

/// One versioned implementation of a check.
pub(crate) type CheckFn = fn(&PodView<'_>) -> Outcome;

/// Windows pods (`spec.os.name: windows`) pass; others are checked by `check`.
fn unless_windows(pod: &PodView<'_>, check: CheckFn) -> Outcome {
    if pod.is_windows() { None } else { check(pod) }
}

/// Pods in a user namespace (`spec.hostUsers: false`) pass; others are checked by `check`.
fn unless_user_namespace(pod: &PodView<'_>, check: CheckFn) -> Outcome {
    if pod.in_user_namespace() {
        None
    } else {
        check(pod)
    }
}

/// The names of `containers`, in order.
fn names<'a>(containers: &[ContainerView<'a>]) -> Vec<&'a str> {
    containers.iter().map(|c| c.name).collect()
}

/// An allow-list built from the lists added at each version step.
#[derive(Clone, Copy)]
struct AllowList<'a>(&'a [&'a [&'a str]]);

impl AllowList<'_> {
    fn allows(&self, value: &str) -> bool {
        self.0.iter().any(|step| step.contains(&value))
    }
}
