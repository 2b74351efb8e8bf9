//! rampart's pure engine: Kubernetes manifests in, findings out.
//!
//! Nothing in this crate touches the file system, the network, the clock or the
//! terminal. Front ends move bytes in and reports out.

pub mod artefact;
pub mod baseline;
pub mod cluster;
pub mod config;
pub mod docker;
pub mod explain;
pub mod field_path;
pub mod finding;
pub mod fix;
pub mod flows;

pub mod host;
pub mod inventory;
pub mod live;
pub mod migrate;
pub mod netpol;
pub mod object;
pub mod psp;
pub mod pss;
pub mod rbac;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suggest;
pub mod vuln;

pub use field_path::FieldPath;
pub use finding::{Finding, Severity};
