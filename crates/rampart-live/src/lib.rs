//! rampart's live sources: the I/O that reads a live system into the objects rampart's
//! pure engine judges, the same objects a file would give.
//!
//! * [`docker`]: the Docker Engine API (bollard over a Unix socket, TCP or TLS): the
//!   daemon (`/info`, `/version`, the default bridge), every container (inspect, and
//!   `top` for the running ones) and every image (inspect and history), read
//!   concurrently, each object's error kept with that object.
//! * [`kubernetes`]: a cluster's API server (kube-rs, credentials as kubectl finds
//!   them): every kind the rules read, listed in pages, and each node's kubelet
//!   configuration through the node proxy.
//! * [`host`]: a host's files under a root directory (`/`, or a copy of a host's files):
//!   type, mode and owner of the files the host rules ask for, account names, audit
//!   rules and mount points.
//!
//! Nothing here decides: `rampart_core::live` and `rampart_core::rules` do.

pub mod docker;
#[cfg(unix)]
pub mod host;
pub mod kubernetes;
