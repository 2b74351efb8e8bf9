//! The edge of `rampart image`: container images read from where they are (image
//! archives, OCI layouts, root file systems, registries, the Docker Engine), their
//! layers streamed once each, front to back, into the pure inventory of
//! `rampart_core::inventory`. Nothing is unpacked to disk: only the files the inventory
//! wants are kept, parsed, in memory.
//!
//! ```text
//! TARGET ──target::parse──▶ Target ──read──▶ manifest, config, layer blobs
//!   each blob ──layer::scan──▶ LayerScan (digests, whiteouts, wanted files parsed)
//!   LayerScans in layer order ──FileSystem::apply──▶ Inventory + set-id / writable files
//! ```
//!
//! Every layer's blob digest and diff id are checked against the manifest and the
//! configuration; tar entries that leave the root are refused; decompression is capped
//! ([`Limits`]).

mod archive;
mod daemon;
pub mod digest;
mod filesystem;
pub mod layer;
mod layout;
pub mod manifest;
pub mod registry;
mod rootfs;
pub mod target;

use rampart_core::inventory::{Inventory, Layer};
use rampart_core::rules::ImageFile;
use serde::Serialize;
use serde_json::Value;

pub use filesystem::FileSystem;
pub use manifest::Platform;
pub use target::{Options, Target, read};

/// Caps on what one layer may unpack to: a decompression bomb is an error, not an
/// afternoon of CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes one layer may unpack to.
    pub layer_bytes: u64,
    /// Most uncompressed bytes per stored byte, once past `ratio_after` bytes.
    pub ratio: u64,
    /// Where the ratio starts to count.
    pub ratio_after: u64,
    /// Largest manifest, index or configuration read.
    pub json_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            layer_bytes: 16 << 30,
            ratio: 100,
            ratio_after: 256 << 20,
            json_bytes: 8 << 20,
        }
    }
}

impl Limits {
    /// Why `produced` uncompressed bytes from `stored` stored bytes break the limits.
    pub fn exceeded(&self, produced: u64, stored: u64) -> Option<String> {
        if produced > self.layer_bytes {
            return Some(format!(
                "the layer unpacks to more than {} bytes: refused as a decompression bomb",
                self.layer_bytes
            ));
        }
        if produced > self.ratio_after && produced > stored.saturating_mul(self.ratio) {
            return Some(format!(
                "the layer unpacks to more than {} times its stored size ({produced} bytes from {stored}): refused as a decompression bomb",
                self.ratio
            ));
        }
        None
    }
}

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file or directory could not be read.
    #[error("{0}")]
    Io(String),
    /// A manifest, index, configuration or archive is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A blob or layer is not what its digest says.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    Digest {
        /// What was checked.
        what: String,
        /// The digest named by the manifest or configuration.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// A layer could not be read.
    #[error("layer {index} ({digest}): {error}")]
    Layer {
        /// Its position.
        index: usize,
        /// Its digest as named.
        digest: String,
        /// What went wrong.
        error: layer::LayerError,
    },
    /// The registry refused or failed a request.
    #[error("{0}")]
    Registry(String),
    /// The Docker Engine refused or failed a request.
    #[error("{0}")]
    Daemon(String),
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerInfo {
    /// Position, base first.
    pub index: usize,
    /// The diff id (`sha256:` of the uncompressed tar).
    pub diff_id: String,
    /// The blob's digest as stored, when it differs from the diff id.
    pub digest: String,
    /// Bytes as stored.
    pub size: u64,
    /// The history step that made it (`created_by`), when recorded.
    pub created_by: Option<String>,
}

/// An image, read.
#[derive(Debug, Clone)]
pub struct Image {
    /// The manifest's digest when there is one (registries, OCI layouts), else the
    /// configuration's (the image id, as `docker images --digests` shows for archives).
    pub digest: Option<String>,
    /// The image configuration (`config`, `history`, `rootfs`...), `None` for a root
    /// file system.
    pub config: Option<Value>,
    /// The layers, base first.
    pub layers: Vec<LayerInfo>,
    /// The packages of the final file system.
    pub inventory: Inventory,
    /// Files of the final file system with set-id or world-write bits, for the image
    /// file rules.
    pub files: Vec<ImageFile>,
    /// Tar entries refused (paths leaving the root): the image was read without them.
    pub problems: Vec<String>,
}

/// Reads a manifest, index or configuration of at most `limit` bytes from `reader`;
/// `what` names it in errors.
pub(crate) fn read_small(
    reader: impl std::io::Read,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, ImageError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImageError::Io(format!("{what}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(ImageError::Invalid(format!(
            "{what}: larger than the {limit} bytes read for a manifest or configuration"
        )));
    }
    Ok(bytes)
}

/// Layers checked and applied in order, building an [`Image`].
pub(crate) struct Assembly {
    config: manifest::ImageConfig,
    history: Vec<Option<String>>,
    fs: FileSystem,
    layers: Vec<LayerInfo>,
    problems: Vec<String>,
}

impl Assembly {
    /// Starts an image whose layers `config` names.
    pub(crate) fn new(config: manifest::ImageConfig) -> Self {
        Self {
            history: config.layer_history(),
            config,
            fs: FileSystem::new(),
            layers: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// How many layers the configuration names.
    pub(crate) fn layer_count(&self) -> usize {
        self.config.diff_ids.len()
    }

    /// Checks the next layer against its blob digest (when the manifest names one)
    /// and its diff id, then applies it.
    pub(crate) fn push(
        &mut self,
        blob_digest: Option<&str>,
        scan: layer::LayerScan,
    ) -> Result<(), ImageError> {
        let index = self.layers.len();
        let Some(diff_id) = self.config.diff_ids.get(index) else {
            return Err(ImageError::Invalid(format!(
                "more layers than the configuration's {} diff ids",
                self.config.diff_ids.len()
            )));
        };
        if let Some(expected) = blob_digest
            && expected != scan.blob_digest
        {
            return Err(ImageError::Digest {
                what: format!("layer {index} blob"),
                expected: expected.to_owned(),
                actual: scan.blob_digest,
            });
        }
        if *diff_id != scan.diff_id {
            return Err(ImageError::Digest {
                what: format!("layer {index} (uncompressed, against rootfs.diff_ids)"),
                expected: diff_id.clone(),
                actual: scan.diff_id,
            });
        }
        let layer = Layer {
            index,
            digest: diff_id.clone(),
        };
        self.problems.extend(
            scan.problems
                .into_iter()
                .map(|p| format!("layer {index} ({diff_id}): {p}")),
        );
        self.fs.apply(Some(&layer), scan.events);
        self.layers.push(LayerInfo {
            index,
            diff_id: diff_id.clone(),
            digest: scan.blob_digest,
            size: scan.blob_size,
            created_by: self.history.get(index).cloned().flatten(),
        });
        Ok(())
    }

    /// The image, once every layer is in.
    pub(crate) fn finish(self, digest: Option<String>) -> Result<Image, ImageError> {
        if self.layers.len() != self.config.diff_ids.len() {
            return Err(ImageError::Invalid(format!(
                "{} layers for the configuration's {} diff ids",
                self.layers.len(),
                self.config.diff_ids.len()
            )));
        }
        let (inventory, files) = self.fs.finish();
        Ok(Image {
            digest,
            config: Some(self.config.json),
            layers: self.layers,
            inventory,
            files,
            problems: self.problems,
        })
    }
}
