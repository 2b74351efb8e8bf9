//! `allowPrivilegeEscalation` (restricted, v1.8 and v1.25): containers must explicitly
//! forbid privilege escalation.

use super::{Forbidden, Outcome, names, unless_windows};
use crate::pss::message::containers_phrase;
use crate::pss::pod::PodView;

/// v1.8: `allowPrivilegeEscalation` must be set to `false`.
pub(crate) fn v1_8(pod: &PodView<'_>) -> Outcome {
    let bad: Vec<_> = pod
        .containers()
        .filter(|c| {
            c.security_context
                .and_then(|sc| sc.allow_privilege_escalation)
                != Some(false)
        })
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names(&bad))
        ),
        bad.iter()
            .map(|c| c.security_path("allowPrivilegeEscalation"))
            .collect(),
    ))
}

/// v1.25: as v1.8, but Windows pods pass.
pub(crate) fn v1_25(pod: &PodView<'_>) -> Outcome {
    unless_windows(pod, v1_8)
}
