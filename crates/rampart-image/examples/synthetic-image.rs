//! Writes the benchmarks' synthetic ~200 MB Debian image to a directory, for measuring
//! the whole command (peak memory): `cargo run --release -p rampart-image --example
//! synthetic-image -- DIR`, then `rampart image oci:DIR/oci` or `DIR/image.tar`.

#![allow(clippy::expect_used)]

mod synthetic;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: synthetic-image DIR");
    let root = rampart_test_support::shared("vulndata/debian12/rootfs-min", "synthetic image")
        .expect("the shared Debian rootfs");
    let (oci, archive) = synthetic::write(&root, std::path::Path::new(&dir));
    println!("{}\n{}", oci.display(), archive.display());
}
