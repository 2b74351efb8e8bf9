//! The group strategies shared by runAsGroup, supplementalGroups and fsGroup
//! (`MustRunAs`, `MayRunAs`, `RunAsAny`).

use super::{StrategyError, in_ranges, render_ranges};
use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::types::{IdRange, IdStrategyOptions, rule};

/// How a policy constrains a set of group ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupStrategy {
    /// Groups must be present and in range; defaults to the first range's minimum.
    MustRunAs(Vec<IdRange>),
    /// Groups, if any, must be in range; nothing is defaulted.
    MayRunAs(Vec<IdRange>),
    /// Anything goes.
    RunAsAny,
}

impl GroupStrategy {
    /// Builds the strategy; `strategy` names it in errors (`RunAsGroup`, `FSGroup`,
    /// `SupplementalGroups`). `None` options (absent runAsGroup) mean `RunAsAny`.
    pub fn new(
        options: Option<&IdStrategyOptions>,
        strategy: &'static str,
    ) -> Result<Self, StrategyError> {
        let Some(options) = options else {
            return Ok(Self::RunAsAny);
        };
        let ranges = |rule: &'static str| {
            if options.ranges.is_empty() {
                Err(StrategyError::GroupRangesMissing { rule })
            } else {
                Ok(options.ranges.clone())
            }
        };
        match options.rule.as_str() {
            rule::MUST_RUN_AS => ranges(rule::MUST_RUN_AS).map(Self::MustRunAs),
            rule::MAY_RUN_AS => ranges(rule::MAY_RUN_AS).map(Self::MayRunAs),
            rule::RUN_AS_ANY => Ok(Self::RunAsAny),
            other => Err(StrategyError::UnknownRule {
                strategy,
                rule: other.to_string(),
            }),
        }
    }

    /// The single group to write when the value is unset (MustRunAs only).
    pub fn generate_single(&self) -> Option<i64> {
        match self {
            Self::MustRunAs(ranges) => ranges.first().map(|r| r.min),
            Self::MayRunAs(_) | Self::RunAsAny => None,
        }
    }

    /// The group list to write when the list is unset (MustRunAs only).
    pub fn generate_list(&self) -> Option<Vec<i64>> {
        self.generate_single().map(|gid| vec![gid])
    }

    /// Validates `groups` (`None` = Go nil slice) reporting at `path`.
    pub fn validate(&self, path: &FieldPath, groups: Option<&[i64]>) -> Vec<FieldError> {
        let value = || BadValue::Int64List(groups.map(<[i64]>::to_vec));
        let mut errors = Vec::new();
        let ranges = match self {
            Self::RunAsAny => return errors,
            Self::MustRunAs(ranges) => {
                if groups.is_none_or(<[i64]>::is_empty) {
                    errors.push(FieldError::invalid(
                        path.clone(),
                        value(),
                        "unable to validate empty groups against required ranges",
                    ));
                }
                ranges
            }
            Self::MayRunAs(ranges) => ranges,
        };
        for &gid in groups.unwrap_or_default() {
            if !in_ranges(gid, ranges) {
                let detail = format!(
                    "group {gid} must be in the ranges: {}",
                    render_ranges(ranges)
                );
                errors.push(FieldError::invalid(path.clone(), value(), detail));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::test_support::id_options as options;

    fn path() -> FieldPath {
        FieldPath::fields(&["spec", "securityContext", "supplementalGroups"])
    }

    fn rendered(errors: Vec<FieldError>) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn construction() {
        type Case = (
            Option<(&'static str, &'static [(i64, i64)])>,
            Result<GroupStrategy, String>,
        );
        let cases: [Case; 8] = [
            (None, Ok(GroupStrategy::RunAsAny)),
            (Some(("RunAsAny", &[])), Ok(GroupStrategy::RunAsAny)),
            (
                Some(("MustRunAs", &[])),
                Err("ranges must be supplied for MustRunAs".into()),
            ),
            (
                Some(("MayRunAs", &[])),
                Err("ranges must be supplied for MayRunAs".into()),
            ),
            (
                Some(("MustRunAs", &[(1, 2)])),
                Ok(GroupStrategy::MustRunAs(vec![IdRange { min: 1, max: 2 }])),
            ),
            (
                Some(("MayRunAs", &[(1, 2)])),
                Ok(GroupStrategy::MayRunAs(vec![IdRange { min: 1, max: 2 }])),
            ),
            (
                Some(("", &[])),
                Err("Unrecognized FSGroup strategy type ".into()),
            ),
            (
                Some(("Foo", &[])),
                Err("Unrecognized FSGroup strategy type Foo".into()),
            ),
        ];
        for (opts, expected) in cases {
            let opts = opts.map(|(rule, ranges)| options(rule, ranges));
            let got = GroupStrategy::new(opts.as_ref(), "FSGroup").map_err(|e| e.to_string());
            assert_eq!(got, expected, "{opts:?}");
        }
    }

    #[test]
    fn generation() {
        let must =
            GroupStrategy::MustRunAs(vec![IdRange { min: 3, max: 5 }, IdRange { min: 1, max: 1 }]);
        assert_eq!(must.generate_single(), Some(3));
        assert_eq!(must.generate_list(), Some(vec![3]));
        let may = GroupStrategy::MayRunAs(vec![IdRange { min: 3, max: 5 }]);
        assert_eq!(may.generate_single(), None);
        assert_eq!(may.generate_list(), None);
        assert_eq!(GroupStrategy::RunAsAny.generate_list(), None);
    }

    #[test]
    fn must_run_as_validation() {
        let s =
            GroupStrategy::new(Some(&options("MustRunAs", &[(1, 1), (100, 200)])), "x").unwrap();
        let p = "spec.securityContext.supplementalGroups";
        let cases: [(Option<Vec<i64>>, Vec<String>); 6] = [
            (
                None,
                vec![format!(
                    "{p}: Invalid value: []int64(nil): unable to validate empty groups against required ranges"
                )],
            ),
            (
                Some(vec![]),
                vec![format!(
                    "{p}: Invalid value: []int64{{}}: unable to validate empty groups against required ranges"
                )],
            ),
            (Some(vec![1]), vec![]),
            (Some(vec![1, 150, 200]), vec![]),
            (
                Some(vec![5]),
                vec![format!(
                    "{p}: Invalid value: []int64{{5}}: group 5 must be in the ranges: [{{1 1}} {{100 200}}]"
                )],
            ),
            (
                Some(vec![5, 1, 2020]),
                vec![
                    format!(
                        "{p}: Invalid value: []int64{{5, 1, 2020}}: group 5 must be in the ranges: [{{1 1}} {{100 200}}]"
                    ),
                    format!(
                        "{p}: Invalid value: []int64{{5, 1, 2020}}: group 2020 must be in the ranges: [{{1 1}} {{100 200}}]"
                    ),
                ],
            ),
        ];
        for (groups, expected) in cases {
            assert_eq!(
                rendered(s.validate(&path(), groups.as_deref())),
                expected,
                "{groups:?}"
            );
        }
    }

    #[test]
    fn may_run_as_validation() {
        let s = GroupStrategy::new(Some(&options("MayRunAs", &[(10, 20)])), "x").unwrap();
        let p = "spec.securityContext.supplementalGroups";
        let cases: [(Option<Vec<i64>>, Vec<String>); 5] = [
            (None, vec![]),
            (Some(vec![]), vec![]),
            (Some(vec![10, 20]), vec![]),
            (
                Some(vec![9]),
                vec![format!(
                    "{p}: Invalid value: []int64{{9}}: group 9 must be in the ranges: [{{10 20}}]"
                )],
            ),
            (
                Some(vec![21, 15]),
                vec![format!(
                    "{p}: Invalid value: []int64{{21, 15}}: group 21 must be in the ranges: [{{10 20}}]"
                )],
            ),
        ];
        for (groups, expected) in cases {
            assert_eq!(
                rendered(s.validate(&path(), groups.as_deref())),
                expected,
                "{groups:?}"
            );
        }
    }

    #[test]
    fn run_as_any_validation() {
        for groups in [None, Some(vec![]), Some(vec![0, 7])] {
            assert!(
                GroupStrategy::RunAsAny
                    .validate(&path(), groups.as_deref())
                    .is_empty()
            );
        }
    }
}
