//! A synthetic Debian image of about 200 MB for benchmarks: the shared Debian 12
//! rootfs's real dpkg database and release files, real ELF executables of the machine
//! (`/usr/bin`, up to 48 MiB), 500 language packages (Python and npm metadata), and
//! filler files of half-compressible bytes, in three layers (the last replaces dpkg's
//! database and whites files out). Written as an OCI layout (gzip layers) and as a
//! `docker save` archive (plain layers).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use rampart_test_support::image::{self as build, Compression, LayerTar, config, image};

/// A small deterministic generator: the same image every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `size` bytes, every other 4 KiB block random, the others text-like.
    fn bytes(&mut self, size: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(size);
        while out.len() < size {
            let block = (size - out.len()).min(4096);
            if (out.len() / 4096) % 2 == 0 {
                for _ in 0..block {
                    out.push(self.next() as u8);
                }
            } else {
                for i in 0..block {
                    out.push(b"abcdefghij klmnop\n"[(i + self.next() as usize % 3) % 18]);
                }
            }
        }
        out
    }
}

/// Real ELF executables of this machine, up to `budget` bytes.
fn host_binaries(budget: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir("/usr/bin") else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if !bytes.starts_with(b"\x7fELF") || total + bytes.len() > budget {
            continue;
        }
        total += bytes.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((format!("usr/bin/{name}"), bytes));
    }
    out
}

/// The layers of the image.
pub fn layers(debian_root: &Path) -> Vec<LayerTar> {
    let mut random = XorShift(0x2545_f491_4f6c_dd1d);
    let file = |path: &str| std::fs::read(debian_root.join(path)).unwrap_or_default();
    let mut base = LayerTar::new()
        .file("etc/os-release", file("etc/os-release"), 0o644)
        .file("etc/debian_version", file("etc/debian_version"), 0o644)
        .file("var/lib/dpkg/status", file("var/lib/dpkg/status"), 0o644);
    for (path, bytes) in host_binaries(48 << 20) {
        base = base.file(&path, bytes, 0o755);
    }
    for i in 0..6_000 {
        let size = 4096 + (random.next() % 24_000) as usize;
        base = base.file(
            &format!("usr/share/doc/pkg{}/file{i}", i % 300),
            random.bytes(size),
            0o644,
        );
    }
    let mut app = LayerTar::new();
    for i in 0..250 {
        app = app.file(
            &format!("usr/lib/python3/dist-packages/pkg_{i}-1.{i}.0.dist-info/METADATA"),
            format!("Metadata-Version: 2.1\nName: pkg-{i}\nVersion: 1.{i}.0\n"),
            0o644,
        );
        app = app.file(
            &format!("srv/app/node_modules/mod{i}/package.json"),
            format!("{{\"name\":\"mod{i}\",\"version\":\"2.{i}.0\"}}"),
            0o644,
        );
    }
    for i in 0..3_000 {
        let size = 8192 + (random.next() % 40_000) as usize;
        app = app.file(
            &format!("srv/app/assets/a{}/f{i}.bin", i % 100),
            random.bytes(size),
            0o644,
        );
    }
    let update = LayerTar::new()
        .file("var/lib/dpkg/status", file("var/lib/dpkg/status"), 0o644)
        .whiteout("srv/app/assets/a0")
        .opaque("usr/share/doc/pkg1");
    vec![base, app, update]
}

/// Writes `oci/` (gzip layers) and `image.tar` (`docker save`, plain layers) under
/// `dir`; returns their paths.
pub fn write(debian_root: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let layers = layers(debian_root);
    let history = [
        "ADD rootfs / # buildkit",
        "COPY app /srv/app # buildkit",
        "RUN apt-get upgrade # buildkit",
    ];
    let gzipped = image(
        &layers,
        Compression::Gzip,
        config(&history, serde_json::json!({})),
        ("linux", "amd64"),
    );
    let oci = dir.join("oci");
    build::write_dir(&oci, &build::oci_layout_files(&[gzipped], false, &[]));
    let plain = image(
        &layers,
        Compression::None,
        config(&history, serde_json::json!({})),
        ("linux", "amd64"),
    );
    let tars: Vec<Vec<u8>> = plain
        .layers
        .iter()
        .map(|(_, blob, _)| blob.clone())
        .collect();
    let archive = dir.join("image.tar");
    let mut file = std::fs::File::create(&archive).expect("create");
    file.write_all(&build::docker_archive(&plain, "synthetic:1", &tars))
        .expect("write");
    (oci, archive)
}
