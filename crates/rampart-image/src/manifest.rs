//! Image manifests and indexes (OCI and Docker v2 schema 2), image configurations, and
//! the choice of one platform's image from a multi-arch index.

use std::str::FromStr;

use serde::Deserialize;
use serde_json::Value;

use crate::ImageError;
use crate::digest::is_sha256;

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// A content descriptor: what a manifest or index points at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type.
    #[serde(default)]
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// The platform, in indexes.
    #[serde(default)]
    pub platform: Option<PlatformSpec>,
    /// Annotations (`org.opencontainers.image.ref.name`...).
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Descriptor {
    /// The descriptor's digest, refused unless it is a well-formed SHA-256 (it becomes a
    /// file name and a URL path).
    pub fn checked_digest(&self) -> Result<&str, ImageError> {
        if is_sha256(&self.digest) {
            Ok(&self.digest)
        } else {
            Err(ImageError::Invalid(format!(
                "unsupported or malformed digest {:?}",
                self.digest
            )))
        }
    }
}

/// A descriptor's platform.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlatformSpec {
    /// `linux`.
    #[serde(default)]
    pub os: String,
    /// `amd64`, `arm64`...
    #[serde(default)]
    pub architecture: String,
    /// `v7`, `v8`...
    #[serde(default)]
    pub variant: Option<String>,
}

/// The platform asked for: `OS/ARCH[/VARIANT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The operating system.
    pub os: String,
    /// The architecture.
    pub architecture: String,
    /// The variant, when asked for.
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Self {
                    os: (*os).to_owned(),
                    architecture: (*arch).to_owned(),
                    variant: Some((*variant).to_owned()),
                })
            }
            _ => Err(format!(
                "{text:?}: expected OS/ARCH[/VARIANT], e.g. linux/arm64"
            )),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

impl Platform {
    /// Whether an index entry's platform is this one. Without an asked variant any
    /// variant matches (`linux/arm64` takes `v8`); `arm64` without a variant is `v8`.
    pub fn matches(&self, spec: &PlatformSpec) -> bool {
        if spec.os != self.os || spec.architecture != self.architecture {
            return false;
        }
        let Some(wanted) = &self.variant else {
            return true;
        };
        let normal = |variant: Option<&str>| match (self.architecture.as_str(), variant) {
            ("arm64", None) => Some("v8".to_owned()),
            (_, variant) => variant.map(str::to_owned),
        };
        normal(spec.variant.as_deref()) == normal(Some(wanted))
    }
}

/// A manifest or an index, as read.
#[derive(Debug, Clone)]
pub enum Manifest {
    /// An index (manifest list): one manifest per platform.
    Index(Vec<Descriptor>),
    /// One image: its configuration and layers, base first.
    Image {
        /// The configuration blob.
        config: Descriptor,
        /// The layers, base first.
        layers: Vec<Descriptor>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

impl Manifest {
    /// Reads a manifest or index.
    pub fn parse(bytes: &[u8]) -> Result<Self, ImageError> {
        let raw: RawManifest = serde_json::from_slice(bytes)
            .map_err(|e| ImageError::Invalid(format!("a manifest that is not valid: {e}")))?;
        if raw.schema_version == Some(1) {
            return Err(ImageError::Invalid(
                "a Docker schema 1 manifest: not supported (deprecated since 2017)".into(),
            ));
        }
        match (raw.manifests, raw.config, raw.layers) {
            (Some(manifests), _, _) => Ok(Self::Index(manifests)),
            (None, Some(config), Some(layers)) => Ok(Self::Image { config, layers }),
            _ => Err(ImageError::Invalid(format!(
                "neither an index nor an image manifest (media type {})",
                raw.media_type.as_deref().unwrap_or("not given")
            ))),
        }
    }
}

/// Picks the manifest of `platform` from an index's entries.
pub fn choose(entries: &[Descriptor], platform: &Platform) -> Result<Descriptor, ImageError> {
    entries
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
        .cloned()
        .ok_or_else(|| {
            let offered: Vec<String> = entries
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(|p| {
                    let mut name = format!("{}/{}", p.os, p.architecture);
                    if let Some(variant) = &p.variant {
                        name.push('/');
                        name.push_str(variant);
                    }
                    name
                })
                .collect();
            ImageError::Invalid(format!(
                "no image for platform {platform} in the index (it has: {}); choose one with --platform",
                if offered.is_empty() {
                    "none".to_owned()
                } else {
                    offered.join(", ")
                }
            ))
        })
}

/// The parts of an image configuration rampart uses beside the whole JSON.
#[derive(Debug, Clone)]
pub struct ImageConfig {
    /// The configuration, as read.
    pub json: Value,
    /// `rootfs.diff_ids`: the digests of the uncompressed layers, base first.
    pub diff_ids: Vec<String>,
}

impl ImageConfig {
    /// Reads an image configuration.
    pub fn parse(bytes: &[u8]) -> Result<Self, ImageError> {
        let json: Value = serde_json::from_slice(bytes).map_err(|e| {
            ImageError::Invalid(format!(
                "an image configuration that is not valid JSON: {e}"
            ))
        })?;
        let diff_ids = json
            .pointer("/rootfs/diff_ids")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ImageError::Invalid("an image configuration without rootfs.diff_ids".into())
            })?
            .iter()
            .map(|id| {
                id.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ImageError::Invalid("a diff id that is not a string".into()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { json, diff_ids })
    }

    /// The `created_by` of each history step that made a layer, in layer order (steps
    /// with `empty_layer` made none).
    pub fn layer_history(&self) -> Vec<Option<String>> {
        self.json
            .get("history")
            .and_then(Value::as_array)
            .map(|steps| {
                steps
                    .iter()
                    .filter(|step| step.get("empty_layer").and_then(Value::as_bool) != Some(true))
                    .map(|step| {
                        step.get("created_by")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(os: &str, arch: &str, variant: Option<&str>) -> PlatformSpec {
        PlatformSpec {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(Into::into),
        }
    }

    #[test]
    fn platforms() {
        let default = Platform::default();
        assert!(default.matches(&spec("linux", "amd64", None)));
        assert!(!default.matches(&spec("linux", "arm64", Some("v8"))));
        let arm64: Platform = "linux/arm64/v8".parse().expect("platform");
        assert!(arm64.matches(&spec("linux", "arm64", None)));
        let arm7: Platform = "linux/arm/v7".parse().expect("platform");
        assert!(!arm7.matches(&spec("linux", "arm", Some("v6"))));
        assert!("linux".parse::<Platform>().is_err());
        assert_eq!(arm7.to_string(), "linux/arm/v7");
    }

    #[test]
    fn manifests_and_indexes() {
        let index = br#"{"schemaVersion":2,"manifests":[{"digest":"sha256:aa","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        let Ok(Manifest::Index(entries)) = Manifest::parse(index) else {
            panic!("an index");
        };
        let error = choose(&entries, &Platform::default()).expect_err("no amd64");
        assert!(error.to_string().contains("has: none"), "{error}");
        assert!(Manifest::parse(br#"{"schemaVersion":1,"fsLayers":[]}"#).is_err());
        assert!(Manifest::parse(b"[]").is_err());
    }
}
