//! rampart's printers: text (with source snippets, or one line per finding), JSON, SARIF 2.1.0 and JUnit XML;
//! for `rampart image` ([`image`]) also a CycloneDX 1.5 SBOM.
//!
//! Printers take the engine's data ([`ScanReport`]) and only format it: they never
//! decide anything.

pub mod image;
mod json;
mod junit;
mod model;
mod sarif;
mod stream;
mod text;

pub use json::write_json;
pub use junit::write_junit;
pub use model::{BaselineReport, FileReport, RuleCount, ScanReport, Source, Summary};
pub use sarif::write_sarif;
pub use text::{write_compact, write_rule_table, write_summary_line, write_text};
