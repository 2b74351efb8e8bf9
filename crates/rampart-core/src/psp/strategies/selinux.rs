//! The SELinux strategy (`MustRunAs`, `RunAsAny`).

use k8s_openapi::api::core::v1::SELinuxOptions;

use super::StrategyError;
use crate::field_path::FieldPath;
use crate::psp::field_error::{BadValue, FieldError};
use crate::psp::types::{SeLinuxStrategyOptions, rule};

/// How a policy constrains SELinux options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SeLinuxStrategy {
    /// Options must equal the policy's; defaults to them.
    MustRunAs(SELinuxOptions),
    /// Anything goes.
    RunAsAny,
}

impl SeLinuxStrategy {
    /// Builds the strategy from the policy options.
    pub fn new(options: &SeLinuxStrategyOptions) -> Result<Self, StrategyError> {
        match options.rule.as_str() {
            rule::MUST_RUN_AS => options
                .se_linux_options
                .clone()
                .map(Self::MustRunAs)
                .ok_or(StrategyError::SeLinuxOptionsMissing),
            rule::RUN_AS_ANY => Ok(Self::RunAsAny),
            other => Err(StrategyError::UnknownRule {
                strategy: "SELinuxContext",
                rule: other.to_string(),
            }),
        }
    }

    /// The options to write when the (effective) options are unset.
    pub fn generate(&self) -> Option<SELinuxOptions> {
        match self {
            Self::MustRunAs(options) => Some(options.clone()),
            Self::RunAsAny => None,
        }
    }

    /// Validates `actual` reported at `path` (`…seLinuxOptions`).
    pub fn validate(&self, path: &FieldPath, actual: Option<&SELinuxOptions>) -> Vec<FieldError> {
        let Self::MustRunAs(required) = self else {
            return Vec::new();
        };
        let Some(actual) = actual else {
            return vec![FieldError::required(path.clone(), "")];
        };
        let text = |value: &Option<String>| value.as_deref().unwrap_or_default().to_string();
        let fields = [
            ("level", text(&required.level), text(&actual.level)),
            ("role", text(&required.role), text(&actual.role)),
            ("type", text(&required.type_), text(&actual.type_)),
            ("user", text(&required.user), text(&actual.user)),
        ];
        let mut errors = Vec::new();
        for (name, want, got) in fields {
            let equal = if name == "level" {
                levels_equal(&want, &got)
            } else {
                want == got
            };
            if !equal {
                let detail = format!("must be {want}");
                errors.push(FieldError::invalid(
                    path.child(name),
                    BadValue::Str(got),
                    detail,
                ));
            }
        }
        errors
    }
}

/// SELinux level equality: identical, or same sensitivity and the same category set.
fn levels_equal(want: &str, got: &str) -> bool {
    if want == got {
        return true;
    }
    match (want.split_once(':'), got.split_once(':')) {
        (Some((want_sens, want_cats)), Some((got_sens, got_cats))) => {
            want_sens == got_sens && sorted_categories(want_cats) == sorted_categories(got_cats)
        }
        _ => false,
    }
}

fn sorted_categories(categories: &str) -> Vec<&str> {
    let mut list: Vec<&str> = categories.split(',').collect();
    list.sort_unstable();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(user: &str, role: &str, type_: &str, level: &str) -> SELinuxOptions {
        SELinuxOptions {
            user: Some(user.into()),
            role: Some(role.into()),
            type_: Some(type_.into()),
            level: Some(level.into()),
        }
    }

    fn must(options: SELinuxOptions) -> SeLinuxStrategy {
        SeLinuxStrategy::new(&SeLinuxStrategyOptions {
            rule: "MustRunAs".into(),
            se_linux_options: Some(options),
        })
        .unwrap()
    }

    #[test]
    fn construction() {
        let missing = SeLinuxStrategyOptions {
            rule: "MustRunAs".into(),
            se_linux_options: None,
        };
        assert_eq!(
            SeLinuxStrategy::new(&missing).unwrap_err().to_string(),
            "MustRunAs requires SELinuxOptions"
        );
        let any = SeLinuxStrategyOptions {
            rule: "RunAsAny".into(),
            se_linux_options: None,
        };
        assert_eq!(SeLinuxStrategy::new(&any), Ok(SeLinuxStrategy::RunAsAny));
        let bad = SeLinuxStrategyOptions {
            rule: "x".into(),
            se_linux_options: None,
        };
        assert_eq!(
            SeLinuxStrategy::new(&bad).unwrap_err().to_string(),
            "Unrecognized SELinuxContext strategy type x"
        );
    }

    #[test]
    fn generation() {
        let o = opts("u", "r", "t", "s0");
        assert_eq!(must(o.clone()).generate(), Some(o));
        assert_eq!(SeLinuxStrategy::RunAsAny.generate(), None);
    }

    #[test]
    fn level_equality() {
        let cases = [
            ("s0", "s0", true),
            ("s0:c0,c6", "s0:c6,c0", true),
            ("s0:c0,c6", "s0:c0,c6", true),
            ("s0", "s0:c1", false),
            ("s0:c1", "s1:c1", false),
            ("s0:c1,c2", "s0:c1", false),
            ("", "", true),
            ("s0", "", false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(levels_equal(a, b), expected, "{a} vs {b}");
        }
    }

    #[test]
    fn validation() {
        let s = must(opts("user", "role", "type", "s0:c0,c6"));
        let path = FieldPath::fields(&["spec", "securityContext", "seLinuxOptions"]);
        let cases: [(Option<SELinuxOptions>, Vec<&str>); 7] = [
            (
                None,
                vec!["spec.securityContext.seLinuxOptions: Required value"],
            ),
            (Some(opts("user", "role", "type", "s0:c0,c6")), vec![]),
            (Some(opts("user", "role", "type", "s0:c6,c0")), vec![]),
            (
                Some(opts("user", "role", "type", "s1:c0,c6")),
                vec![
                    "spec.securityContext.seLinuxOptions.level: Invalid value: \"s1:c0,c6\": must be s0:c0,c6",
                ],
            ),
            (
                Some(opts("user", "other", "type", "s0:c0,c6")),
                vec![
                    "spec.securityContext.seLinuxOptions.role: Invalid value: \"other\": must be role",
                ],
            ),
            (
                Some(opts("user", "role", "other", "s0:c0,c6")),
                vec![
                    "spec.securityContext.seLinuxOptions.type: Invalid value: \"other\": must be type",
                ],
            ),
            (
                Some(opts("bad", "bad", "bad", "bad")),
                vec![
                    "spec.securityContext.seLinuxOptions.level: Invalid value: \"bad\": must be s0:c0,c6",
                    "spec.securityContext.seLinuxOptions.role: Invalid value: \"bad\": must be role",
                    "spec.securityContext.seLinuxOptions.type: Invalid value: \"bad\": must be type",
                    "spec.securityContext.seLinuxOptions.user: Invalid value: \"bad\": must be user",
                ],
            ),
        ];
        for (actual, expected) in cases {
            let got: Vec<String> = s
                .validate(&path, actual.as_ref())
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, expected, "{actual:?}");
        }
        assert!(SeLinuxStrategy::RunAsAny.validate(&path, None).is_empty());
    }
}
