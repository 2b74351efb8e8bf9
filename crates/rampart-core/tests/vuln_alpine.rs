//! The shared Alpine `docker save` archives (alpine 3.10.4 and 3.11.5), read layer by
//! layer through the collector as an image streamer would, give their 14 apk packages
//! (by origin) and no finding against the Alpine secdb records of their releases.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rampart_core::inventory::{Collector, Inventory, Layer, Wanted, is_elf, wanted};
use rampart_core::vuln::{Index, IndexBuilder, matches, osv};
use serde_json::Value;

/// A `docker save` archive's files, by name.
fn archive_files(path: &Path) -> HashMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).expect("archive");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = HashMap::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        files.insert(name, bytes);
    }
    files
}

/// Streams each layer's entries through the collector: whiteouts first, then the
/// wanted files.
fn inventory(path: &Path) -> Inventory {
    let files = archive_files(path);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).expect("manifest");
    let config: Value =
        serde_json::from_slice(&files[manifest[0]["Config"].as_str().expect("config")])
            .expect("config");
    let mut collector = Collector::new();
    for (index, layer) in manifest[0]["Layers"]
        .as_array()
        .expect("layers")
        .iter()
        .enumerate()
    {
        let digest = config["rootfs"]["diff_ids"][index]
            .as_str()
            .expect("diff id")
            .to_owned();
        let layer_ref = Layer { index, digest };
        let mut archive = tar::Archive::new(&files[layer.as_str().expect("layer")][..]);
        for entry in archive.entries().expect("layer tar") {
            let mut entry = entry.expect("entry");
            let name = entry.path().expect("path").to_string_lossy().into_owned();
            let (dir, base) = name.rsplit_once('/').unwrap_or(("", &name));
            if base == ".wh..wh..opq" {
                collector.remove_under(dir);
                continue;
            }
            if let Some(hidden) = base.strip_prefix(".wh.") {
                collector.remove(&format!("{dir}/{hidden}"));
                continue;
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let executable = entry.header().mode().is_ok_and(|m| m & 0o111 != 0);
            let size = entry.header().size().expect("size");
            match wanted(&name, executable, size) {
                Wanted::No => {}
                Wanted::TooLarge(limit) => collector.too_large(&name, size, limit),
                Wanted::Yes | Wanted::IfElf => {
                    let mut bytes = Vec::new();
                    entry.read_to_end(&mut bytes).expect("read");
                    if wanted(&name, executable, size) == Wanted::IfElf && !is_elf(&bytes) {
                        collector.remove(&name);
                        continue;
                    }
                    collector.add(&name, Some(&layer_ref), &bytes);
                }
            }
        }
    }
    collector.finish()
}

fn index_of(dir: &Path) -> Index {
    let mut builder = IndexBuilder::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("record");
        builder.add(osv::from_json(&bytes).expect("record"));
    }
    builder.finish()
}

/// Every record of the frozen secdb conversion (1950, both releases).
fn secdb_index(path: &Path) -> Index {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(path).expect("tarball"),
    ));
    let mut builder = IndexBuilder::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        if !entry
            .path()
            .expect("path")
            .to_string_lossy()
            .ends_with(".json")
        {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        builder.add(osv::from_json(&bytes).expect("record"));
    }
    builder.finish()
}

#[test]
fn alpine_images_have_their_packages_and_no_findings() {
    let Some(data) = rampart_test_support::shared("vulndata/alpine", "Alpine images") else {
        return;
    };
    let expected: Value =
        serde_json::from_slice(&std::fs::read(data.join("expected.json")).expect("expected"))
            .expect("json");
    let images = index_of(&data.join("osv"));
    let secdb = secdb_index(&data.join("osv-alpine-secdb-v3.10-v3.11.tar.gz"));
    assert_eq!(secdb.stats.records, 1950);
    for (image, release) in [("alpine-310", "v3.10"), ("alpine-311", "v3.11")] {
        let inventory = inventory(&data.join(format!("images/{image}.tar.gz")));
        assert!(
            inventory.errors.is_empty(),
            "{image}: {:?}",
            inventory.errors
        );
        assert_eq!(
            inventory.os.as_ref().map(|os| os.ecosystems()),
            Some(vec![format!("Alpine:{release}")])
        );
        assert_eq!(inventory.packages.len(), 14, "{image}");
        let libcrypto = inventory
            .packages
            .iter()
            .find(|p| p.name.starts_with("libcrypto"))
            .expect("libcrypto");
        assert_eq!(
            libcrypto.source.as_ref().map(|s| s.name.as_str()),
            Some("openssl")
        );
        assert_eq!(libcrypto.layer.as_ref().map(|l| l.index), Some(0));
        assert!(
            libcrypto.purl.starts_with("pkg:apk/alpine/libcrypto1.1@"),
            "{}",
            libcrypto.purl
        );
        // Every package against the records of its origin: none affected, and the
        // comparisons happen (the pairs the expectations count as not affected).
        let ecosystem = format!("Alpine:{release}");
        let pairs: usize = inventory
            .packages
            .iter()
            .map(|p| {
                images
                    .entries(&ecosystem, &p.source.as_ref().expect("origin").name)
                    .len()
            })
            .sum();
        assert_eq!(
            pairs as u64,
            expected[image]["not_affected_pairs"]
                .as_u64()
                .expect("count"),
            "{image}"
        );
        for index in [&images, &secdb] {
            let found = matches(&inventory, index);
            assert!(found.matches.is_empty(), "{image}: {:?}", found.matches);
            assert!(found.problems.is_empty(), "{image}: {:?}", found.problems);
        }
    }
}
