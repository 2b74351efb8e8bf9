//! Tests of the NetworkPolicy engine: case files (semantics, upstream e2e scenarios,
//! validation) and the differential property test of the fast engine against the
//! reference evaluator.

mod api;
mod cases;
mod differential;
mod fixtures;
mod flows;
