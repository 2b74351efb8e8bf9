//! Known vulnerabilities: OSV records, version orderings, the index and the matcher.
//!
//! Pure: records and inventories come in as values, matches go out. The edge that reads
//! a database directory and keeps the index file is the `rampart-vulndb` crate.

pub mod version;
