//! `hostNamespaces` (baseline, v1.0): no sharing of the host's network, PID or IPC
//! namespace.

use super::{Forbidden, Outcome};
use crate::pss::pod::{PodView, spec_field};

/// v1.0: `hostNetwork`, `hostPID` and `hostIPC` must not be `true`.
pub(crate) fn v1_0(pod: &PodView<'_>) -> Outcome {
    let spec = pod.spec;
    let namespaces = [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ];
    let shared: Vec<&'static str> = namespaces
        .into_iter()
        .filter(|(_, value)| *value == Some(true))
        .map(|(field, _)| field)
        .collect();
    if shared.is_empty() {
        return None;
    }
    let detail = shared
        .iter()
        .map(|field| format!("{field}=true"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Forbidden::new(
        "host namespaces",
        detail,
        shared.into_iter().map(spec_field).collect(),
    ))
}
