//! Images built by the tests: layer tars from real files (with whiteouts, links and
//! modes), compressed as registries serve them, written as `docker save` archives, OCI
//! layouts and OCI archives, single- or multi-platform.

#![allow(clippy::expect_used, missing_docs)] // test helpers fail by panicking

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// One layer's entries, in tar order.
#[derive(Default, Clone)]
pub struct LayerTar {
    builder_entries: Vec<(String, EntryKind, u32)>,
}

#[derive(Clone)]
enum EntryKind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
}

impl LayerTar {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn file(mut self, path: &str, bytes: impl Into<Vec<u8>>, mode: u32) -> Self {
        self.builder_entries
            .push((path.to_owned(), EntryKind::File(bytes.into()), mode));
        self
    }

    pub fn dir(mut self, path: &str, mode: u32) -> Self {
        self.builder_entries
            .push((path.to_owned(), EntryKind::Dir, mode));
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.builder_entries.push((
            path.to_owned(),
            EntryKind::Symlink(target.to_owned()),
            0o777,
        ));
        self
    }

    /// `.wh.NAME` beside `path`.
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let wh = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        self.file(&wh, Vec::new(), 0o644)
    }

    /// `.wh..wh..opq` in `dir`.
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), Vec::new(), 0o644)
    }

    /// The uncompressed tar. Names are written raw (GNU long names when needed), so
    /// tests can put `../` and absolute names in.
    pub fn tar(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind, mode) in &self.builder_entries {
            let mut header = tar::Header::new_gnu();
            header.set_mode(*mode);
            header.set_mtime(1_700_000_000);
            header.set_uid(0);
            header.set_gid(0);
            let name = path.as_bytes();
            assert!(name.len() < 100, "short names only: {path}");
            header.as_old_mut().name[..name.len()].copy_from_slice(name);
            match kind {
                EntryKind::File(bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(bytes.len() as u64);
                    header.set_cksum();
                    builder.append(&header, &bytes[..]).expect("append");
                }
                EntryKind::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    header.set_cksum();
                    builder.append(&header, &[][..]).expect("append");
                }
                EntryKind::Symlink(target) => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_size(0);
                    header.set_link_name(target).expect("link name");
                    header.set_cksum();
                    builder.append(&header, &[][..]).expect("append");
                }
            }
        }
        builder.into_inner().expect("tar")
    }
}

/// How a layer blob is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

pub fn compress(tar: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => tar.to_vec(),
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(tar).expect("gzip");
            encoder.finish().expect("gzip")
        }
        Compression::Zstd => {
            ruzstd::encoding::compress_to_vec(tar, ruzstd::encoding::CompressionLevel::Fastest)
        }
    }
}

/// A built image: blobs by digest, its manifest and configuration.
#[derive(Clone)]
pub struct BuiltImage {
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    /// (blob digest, blob bytes, diff id) per layer.
    pub layers: Vec<(String, Vec<u8>, String)>,
    pub platform: (String, String),
}

impl BuiltImage {
    pub fn config_digest(&self) -> String {
        sha256(&self.config)
    }

    pub fn manifest_digest(&self) -> String {
        sha256(&self.manifest)
    }
}

/// Builds an image from layers; `config` holds `config` and `history` (rootfs is added).
pub fn image(
    layers: &[LayerTar],
    compression: Compression,
    config: Value,
    platform: (&str, &str),
) -> BuiltImage {
    let layers: Vec<(String, Vec<u8>, String)> = layers
        .iter()
        .map(|layer| {
            let tar = layer.tar();
            let blob = compress(&tar, compression);
            (sha256(&blob), blob, sha256(&tar))
        })
        .collect();
    let mut config = config;
    config["architecture"] = json!(platform.1);
    config["os"] = json!(platform.0);
    config["rootfs"] = json!({"type": "layers", "diff_ids": layers.iter().map(|l| l.2.clone()).collect::<Vec<_>>()});
    let config = serde_json::to_vec(&config).expect("config");
    let media = match compression {
        Compression::None => "application/vnd.oci.image.layer.v1.tar",
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    };
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(&config), "size": config.len()},
        "layers": layers.iter().map(|(digest, blob, _)| json!({"mediaType": media, "digest": digest, "size": blob.len()})).collect::<Vec<_>>(),
    });
    BuiltImage {
        manifest: serde_json::to_vec(&manifest).expect("manifest"),
        config,
        layers,
        platform: (platform.0.to_owned(), platform.1.to_owned()),
    }
}

fn append(builder: &mut tar::Builder<Vec<u8>>, name: &str, bytes: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o644);
    header.set_size(bytes.len() as u64);
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, name, bytes)
        .expect("append");
}

/// A `docker save` archive in the classic layout: `<n>/layer.tar` (uncompressed),
/// `<config hex>.json`, `manifest.json` last (as `docker save` writes it).
pub fn docker_archive(image: &BuiltImage, tag: &str, layers_uncompressed: &[Vec<u8>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    for (i, tar) in layers_uncompressed.iter().enumerate() {
        let name = format!("{i:064x}/layer.tar");
        append(&mut builder, &name, tar);
        names.push(name);
    }
    let config_name = format!("{}.json", &image.config_digest()["sha256:".len()..]);
    append(&mut builder, &config_name, &image.config);
    let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    append(
        &mut builder,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    builder.into_inner().expect("tar")
}

/// The files of an OCI layout holding `images` (an index of them when `index` says so,
/// else each a top-level entry named by `names`).
pub fn oci_layout_files(
    images: &[BuiltImage],
    as_index: bool,
    names: &[&str],
) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let blob = |digest: &str| format!("blobs/sha256/{}", &digest["sha256:".len()..]);
    let mut descriptors = Vec::new();
    for (i, image) in images.iter().enumerate() {
        files.push((blob(&image.config_digest()), image.config.clone()));
        files.push((blob(&image.manifest_digest()), image.manifest.clone()));
        for (digest, bytes, _) in &image.layers {
            files.push((blob(digest), bytes.clone()));
        }
        let mut descriptor = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": image.manifest_digest(),
            "size": image.manifest.len(),
            "platform": {"os": image.platform.0, "architecture": image.platform.1},
        });
        if let Some(name) = names.get(i) {
            descriptor["annotations"] = json!({"org.opencontainers.image.ref.name": name});
        }
        descriptors.push(descriptor);
    }
    let index = if as_index {
        let inner = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": descriptors,
        }))
        .expect("json");
        let digest = sha256(&inner);
        files.push((blob(&digest), inner.clone()));
        json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest, "size": inner.len(),
        }]})
    } else {
        json!({"schemaVersion": 2, "manifests": descriptors})
    };
    files.push((
        "index.json".into(),
        serde_json::to_vec(&index).expect("json"),
    ));
    files
}

pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
}

pub fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        append(&mut builder, name, bytes);
    }
    builder.into_inner().expect("tar")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    compress(bytes, Compression::Gzip)
}

/// A config with a history step per layer.
pub fn config(history: &[&str], run: Value) -> Value {
    json!({
        "config": run,
        "history": history.iter().map(|c| json!({"created_by": c})).collect::<Vec<_>>(),
    })
}
