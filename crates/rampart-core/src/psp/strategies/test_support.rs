//! Builders shared by the strategy tests.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::psp::types::{IdRange, IdStrategyOptions, PodSecurityPolicy};

/// A policy whose only content is the given annotations (`None` values left out).
pub(crate) fn policy_with_annotations(pairs: &[(&str, Option<&str>)]) -> PodSecurityPolicy {
    let annotations: BTreeMap<String, String> = pairs
        .iter()
        .filter_map(|(key, value)| Some(((*key).to_string(), (*value)?.to_string())))
        .collect();
    PodSecurityPolicy {
        metadata: ObjectMeta {
            annotations: Some(annotations),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// `{rule, ranges}` of a user or group strategy.
pub(crate) fn id_options(rule: &str, ranges: &[(i64, i64)]) -> IdStrategyOptions {
    IdStrategyOptions {
        rule: rule.to_string(),
        ranges: ranges
            .iter()
            .map(|&(min, max)| IdRange { min, max })
            .collect(),
    }
}
