//! `privileged` (baseline, v1.0): no container may run privileged.

use super::{Forbidden, Outcome, names};
use crate::pss::message::containers_phrase;
use crate::pss::pod::PodView;

/// v1.0: `securityContext.privileged` must not be `true`.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let bad: Vec<_> = pod
        .containers()
        .filter(|c| c.security_context.and_then(|sc| sc.privileged) == Some(true))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names(&bad))
        ),
        bad.iter().map(|c| c.security_path("privileged")).collect(),
    ))
}
