//! OCI image layouts: `index.json` and `blobs/sha256/…`, in a directory (`oci:DIR`) or
//! inside an archive (`oci-archive:`), and the walk from an index to one image that
//! registries share.

use std::path::Path;

use crate::digest::sha256;
use crate::manifest::{Descriptor, ImageConfig, Manifest, Platform, choose};
use crate::{Assembly, Image, ImageError, Limits, layer};

/// The annotation that names an image in an OCI layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// What a small blob is (registries serve manifests and other blobs apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Small {
    /// A manifest or an index.
    Manifest,
    /// An image configuration.
    Config,
}

/// Where small blobs (manifests, indexes, configurations) come from.
pub(crate) trait Blobs {
    /// The blob `digest`, at most `limit` bytes, checked against its digest.
    fn small(&mut self, digest: &str, kind: Small, limit: u64) -> Result<Vec<u8>, ImageError>;
}

/// Checks `bytes` against the digest that named them.
pub(crate) fn verified(what: &str, digest: &str, bytes: Vec<u8>) -> Result<Vec<u8>, ImageError> {
    let actual = sha256(&bytes);
    if actual == digest {
        Ok(bytes)
    } else {
        Err(ImageError::Digest {
            what: what.to_owned(),
            expected: digest.to_owned(),
            actual,
        })
    }
}

/// One image found: the manifest's digest, its configuration and its layers.
pub(crate) struct Resolved {
    pub digest: String,
    pub config: ImageConfig,
    pub layers: Vec<Descriptor>,
}

/// Walks from `manifest` (with `digest`) through indexes to the image of `platform`.
pub(crate) fn resolve(
    blobs: &mut dyn Blobs,
    mut manifest: Manifest,
    mut digest: String,
    platform: &Platform,
    limits: &Limits,
) -> Result<Resolved, ImageError> {
    // Indexes of indexes exist (an index.json pointing at an image index); a bound
    // keeps a cycle from looping.
    for _ in 0..4 {
        match manifest {
            Manifest::Index(entries) => {
                let chosen = match entries.as_slice() {
                    [only] if only.platform.is_none() => only.clone(),
                    _ => choose(&entries, platform)?,
                };
                digest = chosen.checked_digest()?.to_owned();
                manifest =
                    Manifest::parse(&blobs.small(&digest, Small::Manifest, limits.json_bytes)?)?;
            }
            Manifest::Image { config, layers } => {
                let config_digest = config.checked_digest()?;
                let config = ImageConfig::parse(&blobs.small(
                    config_digest,
                    Small::Config,
                    limits.json_bytes,
                )?)?;
                if config.diff_ids.len() != layers.len() {
                    return Err(ImageError::Invalid(format!(
                        "the manifest lists {} layers, the configuration {} diff ids",
                        layers.len(),
                        config.diff_ids.len()
                    )));
                }
                return Ok(Resolved {
                    digest,
                    config,
                    layers,
                });
            }
        }
    }
    Err(ImageError::Invalid(
        "indexes nested more than 4 deep".into(),
    ))
}

/// The top of a layout: the entry of `index.json` named `reference` (its
/// `org.opencontainers.image.ref.name`), else its only entry, else the entries as one
/// multi-platform index.
pub(crate) fn top(
    index_json: &[u8],
    reference: Option<&str>,
) -> Result<(Manifest, String), ImageError> {
    let Manifest::Index(entries) = Manifest::parse(index_json)? else {
        return Err(ImageError::Invalid(
            "index.json is not an image index".into(),
        ));
    };
    if let Some(reference) = reference {
        let named: Vec<&Descriptor> = entries
            .iter()
            .filter(|d| d.annotations.get(REF_NAME).is_some_and(|r| r == reference))
            .collect();
        return match named.as_slice() {
            [one] => Ok((Manifest::Index(vec![strip_platform(one)]), String::new())),
            [] => Err(ImageError::Invalid(format!(
                "no image named {reference:?} in index.json (names: {})",
                names(&entries)
            ))),
            more => Ok((
                Manifest::Index(more.iter().map(|d| (*d).clone()).collect()),
                String::new(),
            )),
        };
    }
    let mut named: Vec<&str> = entries
        .iter()
        .filter_map(|d| d.annotations.get(REF_NAME).map(String::as_str))
        .collect();
    named.sort_unstable();
    named.dedup();
    if named.len() > 1 {
        return Err(ImageError::Invalid(format!(
            "index.json names several images ({}): add :REF to the target",
            named.join(", ")
        )));
    }
    match entries.as_slice() {
        [one] => Ok((Manifest::Index(vec![strip_platform(one)]), String::new())),
        _ => Ok((Manifest::Index(entries), String::new())),
    }
}

/// The single entry, to be followed whatever its platform says.
fn strip_platform(descriptor: &Descriptor) -> Descriptor {
    Descriptor {
        platform: None,
        ..descriptor.clone()
    }
}

fn names(entries: &[Descriptor]) -> String {
    let names: Vec<&str> = entries
        .iter()
        .filter_map(|d| d.annotations.get(REF_NAME).map(String::as_str))
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The path of a blob in a layout.
pub(crate) fn blob_path(digest: &str) -> Result<String, ImageError> {
    crate::digest::is_sha256(digest)
        .then(|| format!("blobs/sha256/{}", &digest["sha256:".len()..]))
        .ok_or_else(|| ImageError::Invalid(format!("malformed digest {digest:?}")))
}

/// Blobs of a layout directory.
struct DirBlobs<'a> {
    dir: &'a Path,
}

impl Blobs for DirBlobs<'_> {
    fn small(&mut self, digest: &str, _: Small, limit: u64) -> Result<Vec<u8>, ImageError> {
        let path = self.dir.join(blob_path(digest)?);
        let file = std::fs::File::open(&path)
            .map_err(|e| ImageError::Io(format!("{}: {e}", path.display())))?;
        let bytes = crate::read_small(file, limit, &path.display().to_string())?;
        verified(&format!("blob {digest}"), digest, bytes)
    }
}

/// Reads the image of an OCI layout directory (`oci:DIR[:REF]`).
pub(crate) fn read_dir(
    dir: &Path,
    reference: Option<&str>,
    platform: &Platform,
    limits: &Limits,
) -> Result<Image, ImageError> {
    let index_path = dir.join("index.json");
    let index = std::fs::read(&index_path)
        .map_err(|e| ImageError::Io(format!("{}: {e}", index_path.display())))?;
    let (manifest, digest) = top(&index, reference)?;
    let mut blobs = DirBlobs { dir };
    let resolved = resolve(&mut blobs, manifest, digest, platform, limits)?;
    assemble(resolved, limits, |digest| {
        let path = dir.join(blob_path(digest)?);
        std::fs::File::open(&path).map_err(|e| ImageError::Io(format!("{}: {e}", path.display())))
    })
}

/// The image of `resolved`: each layer blob opened by `open` (given its checked
/// digest), streamed, checked and applied in order.
pub(crate) fn assemble<R: std::io::Read>(
    resolved: Resolved,
    limits: &Limits,
    mut open: impl FnMut(&str) -> Result<R, ImageError>,
) -> Result<Image, ImageError> {
    let mut assembly = Assembly::new(resolved.config);
    for (index, descriptor) in resolved.layers.iter().enumerate() {
        let digest = descriptor.checked_digest()?;
        let scan = layer::scan(open(digest)?, limits).map_err(|error| ImageError::Layer {
            index,
            digest: digest.to_owned(),
            error,
        })?;
        assembly.push(Some(digest), scan)?;
    }
    assembly.finish(Some(resolved.digest))
}
