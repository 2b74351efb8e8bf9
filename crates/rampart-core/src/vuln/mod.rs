//! Known vulnerabilities: OSV records, version orderings, the index and the matcher.
//!
//! Pure: records and inventories come in as values, matches go out. The edge that reads
//! a database directory and keeps the index file is the `rampart-vulndb` crate.
//!
//! ```text
//! OSV JSON/YAML ──osv──▶ Record ──IndexBuilder──▶ Index ──(postcard)──▶ index file
//! Inventory + Index ──matcher::matches──▶ Vec<Match>   (one per package and vulnerability)
//! ```

pub(crate) mod ecosystem;
pub(crate) mod index;
pub(crate) mod matcher;
pub mod osv;
pub(crate) mod severity;
pub mod version;

pub use ecosystem::OsRelease;
pub use index::{Index, IndexBuilder};
pub use matcher::{Match, matches};
