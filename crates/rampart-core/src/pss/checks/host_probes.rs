//! `hostProbesAndHostLifecycle` (baseline, v1.34): probes and lifecycle handlers must not
//! target another host.

use k8s_openapi::api::core::v1::{HTTPGetAction, LifecycleHandler, Probe, TCPSocketAction};

use super::{Forbidden, Outcome};
use crate::field_path::FieldPath;
use crate::pss::message::{SortedSet, pluralize, quote_list};
use crate::pss::pod::{ContainerView, PodView};

/// The `httpGet` and `tcpSocket` actions of one handler, and where the handler sits
/// below the container.
struct Handler<'a> {
    location: &'static [&'static str],
    http_get: Option<&'a HTTPGetAction>,
    tcp_socket: Option<&'a TCPSocketAction>,
}

impl Handler<'_> {
    fn path(&self, container: &ContainerView<'_>, action: &'static str) -> FieldPath {
        let mut path = container.path();
        for field in self.location {
            path = path.child(field);
        }
        path.child(action).child("host")
    }
}

/// Every probe and lifecycle handler of a container that can name a host.
fn handlers<'a>(container: &ContainerView<'a>) -> impl Iterator<Item = Handler<'a>> + use<'a> {
    let of_probe = |location, probe: Option<&'a Probe>| {
        probe.map(|p| Handler {
            location,
            http_get: p.http_get.as_ref(),
            tcp_socket: p.tcp_socket.as_ref(),
        })
    };
    let of_hook = |location, hook: Option<&'a LifecycleHandler>| {
        hook.map(|h| Handler {
            location,
            http_get: h.http_get.as_ref(),
            tcp_socket: h.tcp_socket.as_ref(),
        })
    };
    let lifecycle = container.lifecycle;
    [
        of_probe(&["livenessProbe"], container.liveness_probe),
        of_probe(&["readinessProbe"], container.readiness_probe),
        of_probe(&["startupProbe"], container.startup_probe),
        of_hook(
            &["lifecycle", "postStart"],
            lifecycle.and_then(|l| l.post_start.as_ref()),
        ),
        of_hook(
            &["lifecycle", "preStop"],
            lifecycle.and_then(|l| l.pre_stop.as_ref()),
        ),
    ]
    .into_iter()
    .flatten()
}

/// v1.34: every `httpGet.host` and `tcpSocket.host` must be empty or absent.
pub(crate) fn v1_34(pod: &PodView<'_>) -> Outcome {
    let mut bad_containers = SortedSet::new();
    let mut hosts = SortedSet::new();
    let mut paths = Vec::new();
    for container in pod.containers() {
        for handler in handlers(&container) {
            let targets = [
                ("httpGet", handler.http_get.and_then(|a| a.host.as_deref())),
                (
                    "tcpSocket",
                    handler.tcp_socket.and_then(|a| a.host.as_deref()),
                ),
            ];
            for (action, host) in targets {
                let Some(host) = host.filter(|h| !h.is_empty()) else {
                    continue;
                };
                bad_containers.insert(container.name.to_owned());
                hosts.insert(host.to_owned());
                paths.push(handler.path(&container, action));
            }
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let detail = format!(
        "{} {} {} {} {}",
        pluralize(bad_containers.len(), "container", "containers"),
        quote_list(&bad_containers),
        pluralize(bad_containers.len(), "uses", "use"),
        pluralize(
            hosts.len(),
            "probe or lifecycle host",
            "probe or lifecycle hosts"
        ),
        quote_list(&hosts)
    );
    Some(Forbidden::new("probe or lifecycle host", detail, paths))
}
