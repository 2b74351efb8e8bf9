//! Images built here from real files, read through every file transport: layers in
//! order with whiteouts and opaque directories, the layer that added each package,
//! set-id and world-writable files, multi-platform indexes, and bad input.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use rampart_core::rules::FILE_RULES;
use rampart_image::{Image, ImageError, Limits, Options, Target, read};
use rampart_test_support::image::{self as common, Compression, LayerTar, config, image};
use serde_json::json;

const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

fn status(packages: &[(&str, &str)]) -> String {
    packages
        .iter()
        .map(|(name, version)| {
            format!("Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n")
        })
        .collect()
}

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
}

/// Three layers: a base with dpkg and a Python package, a second that upgrades dpkg's
/// database (adds `curl`), removes the Python package with a whiteout and adds a
/// set-uid binary, a third that makes `/opt/app` opaque (hiding its npm package) and a
/// world-writable directory.
fn layers() -> Vec<LayerTar> {
    vec![
        LayerTar::new()
            .dir("etc", 0o755)
            .file("etc/os-release", OS_RELEASE, 0o644)
            .file(
                "var/lib/dpkg/status",
                status(&[("base-files", "12.4+deb12u5"), ("libc6", "2.36-9+deb12u7")]),
                0o644,
            )
            .file(
                "usr/lib/python3/dist-packages/requests-2.25.0.dist-info/METADATA",
                metadata("requests", "2.25.0"),
                0o644,
            )
            .file(
                "opt/app/node_modules/lodash/package.json",
                r#"{"name":"lodash","version":"4.17.20"}"#,
                0o644,
            )
            .dir("tmp", 0o1777),
        LayerTar::new()
            .file(
                "var/lib/dpkg/status",
                status(&[
                    ("base-files", "12.4+deb12u5"),
                    ("libc6", "2.36-9+deb12u7"),
                    ("curl", "7.88.1-10+deb12u5"),
                ]),
                0o644,
            )
            .whiteout("usr/lib/python3/dist-packages/requests-2.25.0.dist-info")
            .file("usr/bin/su-helper", b"#!/bin/sh\n".to_vec(), 0o4755),
        LayerTar::new()
            .opaque("opt/app")
            .file("opt/app/README", "app", 0o666)
            .dir("var/cache/shared", 0o777),
    ]
}

fn built(compression: Compression) -> common::BuiltImage {
    image(
        &layers(),
        compression,
        config(
            &[
                "ADD base.tar / # buildkit",
                "RUN /bin/sh -c apt-get install -y curl # buildkit",
                "COPY app /opt/app # buildkit",
            ],
            json!({"User": "0", "Env": ["PATH=/usr/bin"]}),
        ),
        ("linux", "amd64"),
    )
}

fn packages(image: &Image) -> Vec<(String, String, Option<usize>)> {
    image
        .inventory
        .packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.layer.as_ref().map(|l| l.index),
            )
        })
        .collect()
}

fn assert_layered(image: &Image) {
    assert!(
        image.inventory.errors.is_empty(),
        "{:?}",
        image.inventory.errors
    );
    assert!(image.problems.is_empty(), "{:?}", image.problems);
    // Packages by path: the Python package is whited out, the npm one hidden by the
    // opaque directory; curl came with layer 1, the others with layer 0.
    assert_eq!(
        packages(image),
        [
            ("base-files".into(), "12.4+deb12u5".into(), Some(0)),
            ("libc6".into(), "2.36-9+deb12u7".into(), Some(0)),
            ("curl".into(), "7.88.1-10+deb12u5".into(), Some(1)),
        ]
    );
    assert_eq!(
        image.inventory.os.as_ref().map(|os| os.ecosystems()),
        Some(vec!["Debian:12".to_owned()])
    );
    // /tmp (sticky) is kept, but no rule reports it.
    let files: Vec<(&str, Vec<&str>, Option<usize>)> = image
        .files
        .iter()
        .map(|f| {
            let rules = FILE_RULES
                .iter()
                .filter(|rule| (rule.check)(f).is_some())
                .map(|rule| rule.meta.id)
                .collect();
            (f.path.as_str(), rules, f.layer.as_ref().map(|l| l.index))
        })
        .collect();
    assert_eq!(
        files,
        [
            ("opt/app/README", vec!["image-world-writable"], Some(2)),
            ("tmp", vec![], Some(0)),
            ("usr/bin/su-helper", vec!["image-setid-file"], Some(1)),
            ("var/cache/shared", vec!["image-world-writable"], Some(2)),
        ]
    );
    assert_eq!(image.layers.len(), 3);
    assert_eq!(
        image.layers[1].created_by.as_deref(),
        Some("RUN /bin/sh -c apt-get install -y curl # buildkit")
    );
}

fn options() -> Options {
    Options::default()
}

#[test]
fn docker_archives_plain_and_gzipped() {
    let built = built(Compression::None);
    let tars: Vec<Vec<u8>> = layers().iter().map(LayerTar::tar).collect();
    let archive = common::docker_archive(&built, "app:1", &tars);
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [
        ("app.tar", archive.clone()),
        ("app.tar.gz", common::gzip(&archive)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let target = Target::parse(&format!("docker-archive:{}", path.display())).expect("target");
        let image = read(&target, &options()).expect("reads");
        assert_layered(&image);
        assert_eq!(image.digest, Some(built.config_digest()));
        // A plain path is told apart by its content.
        let image = read(
            &Target::parse(&path.to_string_lossy()).expect("target"),
            &options(),
        )
        .expect("reads");
        assert_layered(&image);
    }
}

#[test]
fn oci_layouts_and_archives_with_every_compression() {
    for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let built = built(compression);
        let files = common::oci_layout_files(std::slice::from_ref(&built), false, &["v1"]);
        let dir = tempfile::tempdir().expect("tempdir");
        let layout = dir.path().join("layout");
        common::write_dir(&layout, &files);
        for target in [
            format!("oci:{}", layout.display()),
            format!("oci:{}:v1", layout.display()),
            layout.display().to_string(),
        ] {
            let image = read(&Target::parse(&target).expect("target"), &options())
                .unwrap_or_else(|e| panic!("{target} ({compression:?}): {e}"));
            assert_layered(&image);
            assert_eq!(image.digest, Some(built.manifest_digest()));
        }
        let archive = dir.path().join("app.oci.tar");
        std::fs::write(&archive, common::tar_of(&files)).expect("write");
        let image = read(
            &Target::parse(&format!("oci-archive:{}", archive.display())).expect("target"),
            &options(),
        )
        .expect("reads");
        assert_layered(&image);
        let error = read(
            &Target::parse(&format!("oci:{}:v2", layout.display())).expect("target"),
            &options(),
        )
        .expect_err("no such name");
        assert!(
            error.to_string().contains("no image named \"v2\""),
            "{error}"
        );
    }
}

/// An index of two platforms: the default is linux/amd64, `--platform` picks another,
/// and a platform the index lacks is an error naming the ones it has.
#[test]
fn multi_platform_indexes() {
    let amd64 = built(Compression::Gzip);
    let arm64 = image(
        &[LayerTar::new()
            .file("etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\n", 0o644)
            .file(
                "lib/apk/db/installed",
                "P:musl\nV:1.2.5-r0\nA:aarch64\no:musl\n\n",
                0o644,
            )],
        Compression::Gzip,
        config(&["ADD alpine.tar /"], json!({})),
        ("linux", "arm64"),
    );
    let files = common::oci_layout_files(&[amd64.clone(), arm64], true, &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(dir.path(), &files);
    let target = Target::parse(&format!("oci:{}", dir.path().display())).expect("target");
    let image = read(&target, &options()).expect("reads");
    assert_layered(&image);
    assert_eq!(image.digest, Some(amd64.manifest_digest()));
    let arm = Options {
        platform: "linux/arm64".parse().expect("platform"),
        ..options()
    };
    let image = read(&target, &arm).expect("reads");
    assert_eq!(
        packages(&image),
        [("musl".into(), "1.2.5-r0".into(), Some(0))]
    );
    let s390 = Options {
        platform: "linux/s390x".parse().expect("platform"),
        ..options()
    };
    let error = read(&target, &s390).expect_err("no such platform");
    assert!(
        error.to_string().contains("has: linux/amd64, linux/arm64"),
        "{error}"
    );
}

/// The shared Debian 12 root file system's real dpkg database, assembled into a
/// two-layer image: the same inventory as the directory itself.
#[test]
fn a_debian_root_file_system_as_a_directory_and_as_layers() {
    let Some(root) =
        rampart_test_support::shared("vulndata/debian12/rootfs-min", "Debian rootfs image")
    else {
        return;
    };
    let file = |path: &str| std::fs::read(root.join(path)).expect("rootfs file");
    let base = LayerTar::new()
        .file("etc/os-release", file("etc/os-release"), 0o644)
        .file("etc/debian_version", file("etc/debian_version"), 0o644);
    let packages_layer =
        LayerTar::new().file("var/lib/dpkg/status", file("var/lib/dpkg/status"), 0o644);
    let built = image(
        &[base, packages_layer],
        Compression::Gzip,
        config(&["ADD", "RUN"], json!({})),
        ("linux", "amd64"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(dir.path(), &common::oci_layout_files(&[built], false, &[]));
    let layered = read(
        &Target::parse(&format!("oci:{}", dir.path().display())).expect("target"),
        &options(),
    )
    .expect("reads");
    let plain = read(&Target::Dir(root.clone()), &options()).expect("reads");
    assert_eq!(layered.inventory.packages.len(), 88);
    assert!(
        layered
            .inventory
            .packages
            .iter()
            .all(|p| p.layer.as_ref().map(|l| l.index) == Some(1))
    );
    let strip = |image: &Image| {
        image
            .inventory
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.source.clone(),
                    p.purl.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&layered), strip(&plain));
    assert_eq!(layered.inventory.os, plain.inventory.os);
}

/// The shared Alpine `docker save` archives (real, gzipped): 14 packages each.
#[test]
fn real_alpine_docker_save_archives() {
    let Some(images) = rampart_test_support::shared("vulndata/alpine/images", "Alpine archives")
    else {
        return;
    };
    for name in ["alpine-310.tar.gz", "alpine-311.tar.gz"] {
        let path = images.join(name);
        let image = read(
            &Target::parse(&format!("docker-archive:{}", path.display())).expect("target"),
            &options(),
        )
        .expect("reads");
        assert_eq!(image.inventory.packages.len(), 14, "{name}");
        assert_eq!(image.layers.len(), 1);
        assert!(image.inventory.errors.is_empty());
    }
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> Target {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    Target::parse(&format!("docker-archive:{}", path.display())).expect("target")
}

#[test]
fn truncated_and_corrupt_archives_are_errors() {
    let built = built(Compression::None);
    let tars: Vec<Vec<u8>> = layers().iter().map(LayerTar::tar).collect();
    let archive = common::docker_archive(&built, "app:1", &tars);
    let dir = tempfile::tempdir().expect("tempdir");
    let truncated = write(&dir, "cut.tar", &archive[..archive.len() / 2]);
    let error = read(&truncated, &options()).expect_err("truncated");
    assert!(matches!(error, ImageError::Invalid(_)), "{error}");
    let gz = common::gzip(&archive);
    let cut_gz = write(&dir, "cut.tar.gz", &gz[..gz.len() - 100]);
    assert!(read(&cut_gz, &options()).is_err());
    let garbage = write(&dir, "garbage.tar", b"this is not an archive at all");
    assert!(read(&garbage, &options()).is_err());
}

/// A layer whose bytes are not those its digest names is refused, in an OCI layout
/// (blob digest) and in a `docker save` archive (diff id).
#[test]
fn layers_that_do_not_match_their_digests_are_refused() {
    let built = built(Compression::Gzip);
    let mut files = common::oci_layout_files(std::slice::from_ref(&built), false, &[]);
    let (digest, _, _) = &built.layers[1];
    let name = format!("blobs/sha256/{}", &digest["sha256:".len()..]);
    let other = common::compress(
        &LayerTar::new().file("etc/evil", "x", 0o644).tar(),
        Compression::Gzip,
    );
    for (file, bytes) in &mut files {
        if *file == name {
            *bytes = other.clone();
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(dir.path(), &files);
    let error = read(
        &Target::parse(&format!("oci:{}", dir.path().display())).expect("target"),
        &options(),
    )
    .expect_err("bad digest");
    assert!(
        matches!(&error, ImageError::Digest { what, .. } if what.contains("layer 1 blob")),
        "{error}"
    );
    let mut tars: Vec<Vec<u8>> = layers().iter().map(LayerTar::tar).collect();
    tars[2] = LayerTar::new().file("etc/evil", "x", 0o644).tar();
    let archive = common::docker_archive(&built, "app:1", &tars);
    let error = read(&write(&dir, "bad.tar", &archive), &options()).expect_err("bad diff id");
    assert!(error.to_string().contains("rootfs.diff_ids"), "{error}");
}

/// Entries named `../…` or `/…` are refused (reported, not read); a link pointing out
/// of the root is never followed.
#[test]
fn path_traversal_in_layers_is_refused() {
    let evil = LayerTar::new()
        .file("etc/os-release", OS_RELEASE, 0o644)
        .file("../var/lib/dpkg/status", status(&[("evil", "1.0")]), 0o644)
        .file("/lib/apk/db/installed", "P:evil\nV:1.0\n\n", 0o644)
        .symlink("var/lib/dpkg", "../../../../etc")
        .file("var/lib/dpkg/status", status(&[("good", "1.0")]), 0o644);
    let built = image(
        &[evil],
        Compression::Gzip,
        config(&["ADD"], json!({})),
        ("linux", "amd64"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(dir.path(), &common::oci_layout_files(&[built], false, &[]));
    let image = read(
        &Target::parse(&format!("oci:{}", dir.path().display())).expect("target"),
        &options(),
    )
    .expect("reads what it may");
    assert_eq!(packages(&image), [("good".into(), "1.0".into(), Some(0))]);
    assert_eq!(image.problems.len(), 2, "{:?}", image.problems);
    assert!(
        image.problems[0].contains("climbs out of the root"),
        "{:?}",
        image.problems
    );
    assert!(
        image.problems[1].contains("an absolute path"),
        "{:?}",
        image.problems
    );
}

/// A layer that unpacks far beyond its size is refused once past the limits.
#[test]
fn decompression_bombs_are_refused() {
    let zeros = vec![0u8; 8 << 20];
    let bomb = LayerTar::new().file("var/zeros", zeros, 0o644);
    let built = image(
        &[bomb],
        Compression::Gzip,
        config(&["ADD"], json!({})),
        ("linux", "amd64"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(dir.path(), &common::oci_layout_files(&[built], false, &[]));
    let target = Target::parse(&format!("oci:{}", dir.path().display())).expect("target");
    let tight = Options {
        limits: Limits {
            ratio_after: 1 << 20,
            ..Limits::default()
        },
        ..options()
    };
    let error = read(&target, &tight).expect_err("a bomb");
    assert!(error.to_string().contains("decompression bomb"), "{error}");
    let small = Options {
        limits: Limits {
            layer_bytes: 4 << 20,
            ..Limits::default()
        },
        ..options()
    };
    assert!(
        read(&target, &small)
            .expect_err("too big")
            .to_string()
            .contains("more than 4194304 bytes")
    );
    // The default limits read it: 8 MiB of zeros is no bomb.
    assert!(read(&target, &options()).is_ok());
}

/// A zstd layer of several frames (as zstd:chunked writes) is one stream.
#[test]
fn zstd_layers_of_several_frames() {
    let first = LayerTar::new()
        .file("etc/os-release", OS_RELEASE, 0o644)
        .tar();
    let second_part = LayerTar::new()
        .file(
            "var/lib/dpkg/status",
            status(&[("zlib1g", "1:1.2.13.dfsg-1")]),
            0o644,
        )
        .tar();
    // One tar split over two frames: the first without its end blocks.
    let mut tar = first[..first.len() - 1024].to_vec();
    tar.extend(&second_part);
    let (a, b) = tar.split_at(700);
    let mut blob = common::compress(a, Compression::Zstd);
    blob.extend(common::compress(b, Compression::Zstd));
    let scan = rampart_image::layer::scan(&blob[..], &Limits::default()).expect("reads");
    assert_eq!(scan.diff_id, rampart_image::digest::sha256(&tar));
    assert_eq!(scan.compression, rampart_image::layer::Compression::Zstd);
    let mut fs = rampart_image::FileSystem::new();
    fs.apply(None, scan.events);
    let (inventory, _) = fs.finish();
    assert_eq!(inventory.packages.len(), 1);
    assert!(inventory.os.is_some());
}

/// A root file system with a broken package database: the error names the file and
/// line, the other packages are read.
#[test]
fn broken_package_records_are_errors_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dir(
        dir.path(),
        &[
            ("etc/os-release".into(), OS_RELEASE.as_bytes().to_vec()),
            (
                "var/lib/dpkg/status".into(),
                format!(
                    "{}Package: broken\nStatus: install ok installed\n\n",
                    status(&[("bash", "5.2.15-2+b7")])
                )
                .into_bytes(),
            ),
        ],
    );
    let image = read(&Target::Dir(dir.path().to_owned()), &options()).expect("reads");
    assert_eq!(
        packages(&image),
        [("bash".into(), "5.2.15-2+b7".into(), None)]
    );
    assert_eq!(image.inventory.errors.len(), 1);
    assert_eq!(image.inventory.errors[0].path, "var/lib/dpkg/status");
    assert_eq!(image.inventory.errors[0].line, Some(6));
}
