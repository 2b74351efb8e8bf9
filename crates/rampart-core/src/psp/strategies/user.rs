//! The runAsUser strategy (`MustRunAs`, `MustRunAsNonRoot`, `RunAsAny`).

use super::{StrategyError, in_ranges, render_ranges};
use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::types::{IdRange, IdStrategyOptions, rule};

/// How a policy constrains the user id of containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserStrategy {
    /// The uid must lie in the ranges; defaults to the first range's minimum.
    MustRunAs(Vec<IdRange>),
    /// The container must not run as root.
    MustRunAsNonRoot,
    /// Anything goes.
    RunAsAny,
}

impl UserStrategy {
    /// Builds the strategy from the policy options.
    pub fn new(options: &IdStrategyOptions) -> Result<Self, StrategyError> {
        match options.rule.as_str() {
            rule::MUST_RUN_AS if options.ranges.is_empty() => Err(StrategyError::UserRangesMissing),
            rule::MUST_RUN_AS => Ok(Self::MustRunAs(options.ranges.clone())),
            rule::MUST_RUN_AS_NON_ROOT => Ok(Self::MustRunAsNonRoot),
            rule::RUN_AS_ANY => Ok(Self::RunAsAny),
            other => Err(StrategyError::UnknownRule {
                strategy: "RunAsUser",
                rule: other.to_string(),
            }),
        }
    }

    /// The uid to write when the effective uid is unset.
    pub fn generate(&self) -> Option<i64> {
        match self {
            Self::MustRunAs(ranges) => ranges.first().map(|r| r.min),
            Self::MustRunAsNonRoot | Self::RunAsAny => None,
        }
    }

    /// Whether `runAsNonRoot: true` must be written when neither uid nor non-root is set.
    pub fn requires_non_root_marker(&self) -> bool {
        matches!(self, Self::MustRunAsNonRoot)
    }

    /// Validates the effective `runAsNonRoot` / `runAsUser` under `sc_path`.
    pub fn validate(
        &self,
        sc_path: &FieldPath,
        run_as_non_root: Option<bool>,
        run_as_user: Option<i64>,
    ) -> Vec<FieldError> {
        match self {
            Self::MustRunAs(ranges) => validate_in_ranges(sc_path, ranges, run_as_user),
            Self::MustRunAsNonRoot => validate_non_root(sc_path, run_as_non_root, run_as_user)
                .into_iter()
                .collect(),
            Self::RunAsAny => Vec::new(),
        }
    }
}

fn validate_in_ranges(
    sc_path: &FieldPath,
    ranges: &[IdRange],
    uid: Option<i64>,
) -> Vec<FieldError> {
    let path = sc_path.child("runAsUser");
    match uid {
        None => vec![FieldError::required(path, "")],
        Some(uid) if !in_ranges(uid, ranges) => {
            let detail = format!("must be in the ranges: {}", render_ranges(ranges));
            vec![FieldError::invalid(path, BadValue::Int(uid), detail)]
        }
        Some(_) => Vec::new(),
    }
}

fn validate_non_root(
    sc_path: &FieldPath,
    run_as_non_root: Option<bool>,
    run_as_user: Option<i64>,
) -> Option<FieldError> {
    match (run_as_non_root, run_as_user) {
        (None, None) => Some(FieldError::required(
            sc_path.child("runAsNonRoot"),
            "must be true",
        )),
        (Some(false), _) => Some(FieldError::invalid(
            sc_path.child("runAsNonRoot"),
            BadValue::Bool(false),
            "must be true",
        )),
        (_, Some(0)) => Some(FieldError::invalid(
            sc_path.child("runAsUser"),
            BadValue::Int(0),
            "running with the root UID is forbidden",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::test_support::id_options as options;

    fn sc() -> FieldPath {
        FieldPath::fields(&["spec", "containers"])
            .index(0)
            .child("securityContext")
    }

    fn rendered(errors: Vec<FieldError>) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn construction() {
        type Case = (
            &'static str,
            &'static [(i64, i64)],
            Result<UserStrategy, String>,
        );
        let cases: [Case; 5] = [
            (
                "MustRunAs",
                &[],
                Err("MustRunAs requires at least one range".into()),
            ),
            (
                "MustRunAs",
                &[(1, 1)],
                Ok(UserStrategy::MustRunAs(vec![IdRange { min: 1, max: 1 }])),
            ),
            ("MustRunAsNonRoot", &[], Ok(UserStrategy::MustRunAsNonRoot)),
            ("RunAsAny", &[], Ok(UserStrategy::RunAsAny)),
            (
                "Bogus",
                &[],
                Err("Unrecognized RunAsUser strategy type Bogus".into()),
            ),
        ];
        for (rule, ranges, expected) in cases {
            let got = UserStrategy::new(&options(rule, ranges)).map_err(|e| e.to_string());
            assert_eq!(got, expected, "rule {rule}");
        }
    }

    #[test]
    fn generation() {
        let must = UserStrategy::new(&options("MustRunAs", &[(5, 10), (1, 2)])).unwrap();
        assert_eq!(must.generate(), Some(5));
        assert_eq!(UserStrategy::MustRunAsNonRoot.generate(), None);
        assert_eq!(UserStrategy::RunAsAny.generate(), None);
        assert!(UserStrategy::MustRunAsNonRoot.requires_non_root_marker());
        assert!(!must.requires_non_root_marker());
    }

    #[test]
    fn must_run_as_validation() {
        let s = UserStrategy::new(&options("MustRunAs", &[(1, 10), (20, 30)])).unwrap();
        let cases: [(Option<i64>, Vec<&str>); 6] = [
            (
                None,
                vec!["spec.containers[0].securityContext.runAsUser: Required value"],
            ),
            (Some(1), vec![]),
            (Some(10), vec![]),
            (Some(25), vec![]),
            (
                Some(15),
                vec![
                    "spec.containers[0].securityContext.runAsUser: Invalid value: 15: must be in the ranges: [{1 10} {20 30}]",
                ],
            ),
            (
                Some(0),
                vec![
                    "spec.containers[0].securityContext.runAsUser: Invalid value: 0: must be in the ranges: [{1 10} {20 30}]",
                ],
            ),
        ];
        for (uid, expected) in cases {
            assert_eq!(
                rendered(s.validate(&sc(), None, uid)),
                expected,
                "uid {uid:?}"
            );
        }
    }

    #[test]
    fn non_root_validation() {
        let s = UserStrategy::MustRunAsNonRoot;
        let cases: [(Option<bool>, Option<i64>, Vec<&str>); 7] = [
            (
                None,
                None,
                vec![
                    "spec.containers[0].securityContext.runAsNonRoot: Required value: must be true",
                ],
            ),
            (Some(true), None, vec![]),
            (None, Some(1), vec![]),
            (
                Some(false),
                Some(1),
                vec![
                    "spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true",
                ],
            ),
            (
                Some(false),
                None,
                vec![
                    "spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true",
                ],
            ),
            (
                None,
                Some(0),
                vec![
                    "spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden",
                ],
            ),
            (
                Some(true),
                Some(0),
                vec![
                    "spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden",
                ],
            ),
        ];
        for (non_root, uid, expected) in cases {
            assert_eq!(
                rendered(s.validate(&sc(), non_root, uid)),
                expected,
                "{non_root:?} {uid:?}"
            );
        }
    }

    #[test]
    fn run_as_any_validation() {
        for uid in [None, Some(0), Some(1)] {
            assert!(UserStrategy::RunAsAny.validate(&sc(), None, uid).is_empty());
        }
    }
}
