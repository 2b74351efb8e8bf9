//! NetworkPolicy loading and evaluation: validation, the model, the matrix, isolation
//! and a query with its explanation.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::netpol::load::network_object;
use rampart_core::netpol::{Cluster, Peer, PortSpec, Protocol};
use rampart_core::object::{WorkloadKinds, load};
use rampart_core::source::Limits;

fuzz_target!(|data: &[u8]| {
    let loaded = load(data, &Limits::default());
    let kinds = WorkloadKinds::default();
    let mut builder = Cluster::builder();
    for object in &loaded.objects {
        if let Ok(Some(network)) = network_object(&object.id, &object.value, &kinds) {
            builder = builder.object(network);
        }
    }
    let (cluster, _problems) = builder.build();
    let _ = cluster.matrix(80, Protocol::Tcp);
    let _ = cluster.isolation();
    let endpoints = cluster.endpoints();
    if let (Some(from), Some(to)) = (endpoints.first(), endpoints.last()) {
        let peer = |e: &rampart_core::netpol::Endpoint| Peer::Endpoint {
            namespace: e.namespace.clone(),
            name: e.name.clone(),
        };
        for port in [PortSpec::Number(443), PortSpec::Name("http".to_owned())] {
            let _ = cluster.query(&peer(from), &peer(to), &port, Protocol::Tcp);
        }
        let metadata = "169.254.169.254".parse().map(Peer::Ip);
        if let Ok(ip) = metadata {
            let _ = cluster.query(&peer(from), &ip, &PortSpec::Number(80), Protocol::Tcp);
        }
    }
});
