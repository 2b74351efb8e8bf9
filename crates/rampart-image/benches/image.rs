//! Reading a ~200 MB Debian image (see `examples/synthetic`), each with a baseline in
//! the same run that reads the same bytes without an inventory:
//!
//! * `oci_gzip`: an OCI layout with gzip layers (as registries serve them), against
//!   gunzipping and walking the same layers' tar entries;
//! * `docker_archive`: a `docker save` archive with plain layers, against walking the
//!   outer and inner tars.
//!
//! Run: `cargo bench -p rampart-image --bench image` (needs `../shared/vulndata`). The
//! image is written once under the temporary directory and removed at the end.

#![allow(clippy::expect_used)]

#[path = "../examples/synthetic/mod.rs"]
mod synthetic;

use std::io::Read;
use std::path::PathBuf;
use std::sync::LazyLock;

use divan::Bencher;
use rampart_image::{Options, Target, read};

struct Built {
    dir: PathBuf,
    oci: PathBuf,
    archive: PathBuf,
}

static IMAGE: LazyLock<Built> = LazyLock::new(|| {
    let root = rampart_test_support::shared("vulndata/debian12/rootfs-min", "image benchmarks")
        .expect("the shared Debian rootfs");
    let dir = std::env::temp_dir().join(format!("rampart-image-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (oci, archive) = synthetic::write(&root, &dir);
    let size: u64 = walkdir::WalkDir::new(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "synthetic image written: {} MiB on disk (OCI gzip + docker archive)",
        size >> 20
    );
    Built { dir, oci, archive }
});

fn main() {
    divan::main();
    if let Some(built) = LazyLock::get(&IMAGE) {
        let _ = std::fs::remove_dir_all(&built.dir);
    }
}

fn packages(target: Target) -> usize {
    read(&target, &Options::default())
        .expect("reads")
        .inventory
        .packages
        .len()
}

/// Reads every entry of a tar to its end; the number of entries.
fn walk(reader: impl Read) -> usize {
    let mut archive = tar::Archive::new(reader);
    let mut count = 0;
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        std::io::copy(&mut entry, &mut std::io::sink()).expect("read");
        count += 1;
    }
    count
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn oci_gzip(bencher: Bencher) {
    let oci = IMAGE.oci.clone();
    bencher.bench(|| {
        packages(Target::OciDir {
            dir: oci.clone(),
            reference: None,
        })
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn baseline_oci_gzip_walk(bencher: Bencher) {
    let blobs: Vec<PathBuf> = std::fs::read_dir(IMAGE.oci.join("blobs/sha256"))
        .expect("blobs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 1 << 20))
        .collect();
    bencher.bench(|| {
        blobs
            .iter()
            .map(|blob| {
                walk(flate2::read::GzDecoder::new(
                    std::fs::File::open(blob).expect("blob"),
                ))
            })
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn docker_archive(bencher: Bencher) {
    let archive = IMAGE.archive.clone();
    bencher.bench(|| {
        packages(Target::DockerArchive {
            path: archive.clone(),
            reference: None,
        })
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn baseline_docker_archive_walk(bencher: Bencher) {
    let archive = IMAGE.archive.clone();
    bencher.bench(|| {
        let mut outer = tar::Archive::new(std::fs::File::open(&archive).expect("archive"));
        let mut count = 0;
        for entry in outer.entries().expect("tar").flatten() {
            let is_layer = entry.path().is_ok_and(|p| p.ends_with("layer.tar"));
            if is_layer {
                count += walk(entry);
            }
        }
        count
    });
}
