//! Image archives: `docker save` output (`manifest.json`, layers as `<id>/layer.tar` or
//! `blobs/sha256/…`), OCI archives (an OCI layout in a tar), plain or gzipped, read in
//! one pass from any reader (a file, or the Engine API's export stream). Layers may
//! come before the manifest that orders them: each is read as it comes, kept as its
//! parsed entries, and applied in layer order at the end.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;

use crate::layer::{self, Compression, LayerError, LayerScan};
use crate::layout::{self, Blobs, Small, blob_path, verified};
use crate::manifest::{ImageConfig, Platform};
use crate::{Assembly, Image, ImageError, Limits};

/// Which manifest an archive is read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `manifest.json` (Docker); `index.json` when it has none.
    Docker,
    /// `index.json` (OCI).
    Oci,
}

/// The archive's entries: small JSON files kept whole, layer candidates read.
#[derive(Default)]
struct Entries {
    small: HashMap<String, Vec<u8>>,
    layers: HashMap<String, Result<LayerScan, LayerError>>,
}

impl Blobs for Entries {
    fn small(&mut self, digest: &str, _: Small, _: u64) -> Result<Vec<u8>, ImageError> {
        let name = blob_path(digest)?;
        let bytes = self
            .small
            .get(&name)
            .cloned()
            .ok_or_else(|| ImageError::Invalid(format!("{name} is not in the archive")))?;
        verified(&format!("blob {digest}"), digest, bytes)
    }
}

/// Reads every entry of the archive once.
fn entries(archive: impl Read, limits: &Limits) -> Result<Entries, ImageError> {
    let mut outer = BufReader::with_capacity(64 << 10, archive);
    let head = outer
        .fill_buf()
        .map_err(|e| ImageError::Io(e.to_string()))?;
    let reader: Box<dyn Read> = match Compression::of(head) {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(outer)),
        Compression::Zstd => {
            return Err(ImageError::Invalid(
                "a zstd-compressed archive: decompress it first (zstd -d)".into(),
            ));
        }
        Compression::None => Box::new(outer),
    };
    let mut tar = tar::Archive::new(reader);
    let mut found = Entries::default();
    let broken = |e: std::io::Error| {
        ImageError::Invalid(format!(
            "not a readable image archive (truncated or corrupt): {e}"
        ))
    };
    for entry in tar.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = layer::clean(&String::from_utf8_lossy(&entry.path_bytes()))
            .map_err(|why| ImageError::Invalid(format!("an archive entry with {why}")))?;
        let size = entry.size();
        let mut peek = BufReader::with_capacity(64 << 10, &mut entry);
        let head = peek.fill_buf().map_err(broken)?;
        let json = head
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
        if json && size <= limits.json_bytes {
            let mut bytes = Vec::new();
            peek.read_to_end(&mut bytes).map_err(broken)?;
            found.small.insert(name, bytes);
        } else if name.ends_with("layer.tar") || name.starts_with("blobs/") {
            let scan = layer::scan(&mut peek, limits);
            // What the layer reader left (a corrupt layer stops early) is passed over.
            std::io::copy(&mut peek, &mut std::io::sink()).map_err(broken)?;
            found.layers.insert(name, scan);
        }
    }
    Ok(found)
}

/// One image of `manifest.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// Reads the image of an archive. `reference` picks one of several images (a
/// `RepoTags` entry, or an OCI `ref.name`).
pub(crate) fn read(
    archive: impl Read,
    kind: Kind,
    reference: Option<&str>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Image, ImageError> {
    let mut entries = entries(archive, limits)?;
    let docker = entries.small.get("manifest.json").cloned();
    match (kind, docker) {
        (Kind::Docker, Some(manifest)) => read_docker(&mut entries, &manifest, reference),
        _ => {
            let Some(index) = entries.small.get("index.json").cloned() else {
                return Err(ImageError::Invalid(match kind {
                    Kind::Docker => {
                        "neither manifest.json nor index.json: not an image archive".into()
                    }
                    Kind::Oci => "no index.json: not an OCI archive".into(),
                }));
            };
            let (manifest, digest) = layout::top(&index, reference)?;
            let resolved = layout::resolve(&mut entries, manifest, digest, platform, limits)?;
            let mut assembly = Assembly::new(resolved.config);
            for descriptor in &resolved.layers {
                let digest = descriptor.checked_digest()?;
                let name = blob_path(digest)?;
                let scan = take_layer(&entries, &name, assembly.layers.len(), digest)?;
                assembly.push(Some(digest), scan)?;
            }
            assembly.finish(Some(resolved.digest))
        }
    }
}

/// The layer read from entry `name`, or why there is none.
fn take_layer(
    entries: &Entries,
    name: &str,
    index: usize,
    digest: &str,
) -> Result<LayerScan, ImageError> {
    // An image may use one layer twice (empty layers share a digest): kept, cloned.
    match entries.layers.get(name).cloned() {
        Some(Ok(scan)) => Ok(scan),
        Some(Err(error)) => Err(ImageError::Layer {
            index,
            digest: digest.to_owned(),
            error,
        }),
        None => Err(ImageError::Invalid(format!(
            "layer {index}: {name} is not in the archive"
        ))),
    }
}

fn read_docker(
    entries: &mut Entries,
    manifest: &[u8],
    reference: Option<&str>,
) -> Result<Image, ImageError> {
    let images: Vec<DockerManifest> = serde_json::from_slice(manifest)
        .map_err(|e| ImageError::Invalid(format!("manifest.json: {e}")))?;
    let tags = |image: &DockerManifest| image.repo_tags.clone().unwrap_or_default();
    let image = match (reference, images.as_slice()) {
        (Some(reference), _) => images
            .iter()
            .find(|image| tags(image).iter().any(|t| t == reference))
            .ok_or_else(|| {
                ImageError::Invalid(format!("no image tagged {reference:?} in the archive"))
            })?,
        (None, [one]) => one,
        (None, []) => return Err(ImageError::Invalid("manifest.json lists no image".into())),
        (None, more) => {
            let all: Vec<String> = more.iter().flat_map(tags).collect();
            return Err(ImageError::Invalid(format!(
                "the archive holds {} images ({}): add :TAG to the target",
                more.len(),
                all.join(", ")
            )));
        }
    };
    let config_name = layer::clean(&image.config)
        .map_err(|why| ImageError::Invalid(format!("manifest.json: Config with {why}")))?;
    let config_bytes = entries
        .small
        .get(&config_name)
        .cloned()
        .ok_or_else(|| ImageError::Invalid(format!("{config_name} is not in the archive")))?;
    // The configuration is named by its digest (the image id): `<hex>.json` or
    // `blobs/sha256/<hex>`.
    let hex = config_name
        .trim_start_matches("blobs/sha256/")
        .trim_end_matches(".json");
    let config_digest = format!("sha256:{hex}");
    let config_bytes = if crate::digest::is_sha256(&config_digest) {
        verified("the image configuration", &config_digest, config_bytes)?
    } else {
        config_bytes
    };
    let config = ImageConfig::parse(&config_bytes)?;
    let mut assembly = Assembly::new(config);
    if image.layers.len() != assembly.layer_count() {
        return Err(ImageError::Invalid(format!(
            "manifest.json lists {} layers, the configuration {} diff ids",
            image.layers.len(),
            assembly.layer_count()
        )));
    }
    for (index, name) in image.layers.iter().enumerate() {
        let name = layer::clean(name)
            .map_err(|why| ImageError::Invalid(format!("manifest.json: a layer with {why}")))?;
        // `blobs/sha256/<hex>` names the stored blob's digest; `<id>/layer.tar` is the
        // uncompressed layer, checked against its diff id.
        let blob_digest = name
            .strip_prefix("blobs/sha256/")
            .map(|hex| format!("sha256:{hex}"));
        let scan = take_layer(
            entries,
            &name,
            index,
            blob_digest.as_deref().unwrap_or(&name),
        )?;
        assembly.push(blob_digest.as_deref(), scan)?;
    }
    assembly.finish(Some(crate::digest::sha256(&config_bytes)))
}
