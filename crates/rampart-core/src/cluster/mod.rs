//! Cluster hardening inputs: control-plane command lines, node and API server
//! configuration files, recognised by content.

pub mod command_line;
pub mod component;
pub mod files;

pub use command_line::{CommandLine, FlagWord, list_items, map_item};
pub use component::Component;
pub use files::ConfigFile;
