//! What a check sees and how it reports.

use crate::field_path::FieldPath;
use crate::finding::{Finding, Severity};
use crate::object::{ContainerView, Object, PodView};
use crate::pss::LevelVersion;

use super::RuleMeta;

/// The object under check, with its pod when it holds one.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The object.
    pub object: &'a Object<'a>,
    /// The object's pod (a Pod's own, or a workload's template), if any.
    pub pod: Option<&'a PodView>,
    /// The Pod Security Standards policy to check against (`scan --pss`), if any.
    pub pss: Option<&'a LevelVersion>,
}

/// Collects the findings of one rule run; the rule's id and severity are filled in.
#[derive(Debug)]
pub struct Findings {
    meta: RuleMeta,
    items: Vec<Finding>,
}

impl Findings {
    /// An empty collector for the rule `meta`.
    pub fn new(meta: RuleMeta) -> Self {
        Self {
            meta,
            items: Vec::new(),
        }
    }

    /// The rule these findings are about.
    pub fn rule(&self) -> &RuleMeta {
        &self.meta
    }

    /// Reports a problem with the object at `path`.
    pub fn report(&mut self, path: FieldPath, message: impl Into<String>) {
        self.push(path, message.into(), None, self.meta.severity);
    }

    /// Like [`report`](Self::report) with a severity other than the rule's default.
    pub fn report_as(&mut self, severity: Severity, path: FieldPath, message: impl Into<String>) {
        self.push(path, message.into(), None, severity);
    }

    /// Reports a problem with one container, so that per-container suppression applies.
    pub fn report_container(
        &mut self,
        container: &ContainerView,
        path: FieldPath,
        message: impl Into<String>,
    ) {
        self.push(
            path,
            message.into(),
            Some(container.name().to_owned()),
            self.meta.severity,
        );
    }

    /// Like [`report_container`](Self::report_container) with a severity other than the
    /// rule's default (for the worst variants of a problem).
    pub fn report_container_as(
        &mut self,
        severity: Severity,
        container: &ContainerView,
        path: FieldPath,
        message: impl Into<String>,
    ) {
        self.push(
            path,
            message.into(),
            Some(container.name().to_owned()),
            severity,
        );
    }

    fn push(
        &mut self,
        path: FieldPath,
        message: String,
        container: Option<String>,
        severity: Severity,
    ) {
        self.items.push(Finding {
            rule: self.meta.id,
            severity,
            path,
            message,
            container,
        });
    }

    /// The findings collected so far.
    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
}
