//! Helpers shared by rampart-core's integration tests and benches.

pub mod growth;
