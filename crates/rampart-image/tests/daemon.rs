//! `docker-daemon:` against the real Docker Engine (`scripts/ci/start-docker.sh` starts
//! one in CI): an image made with `docker import` from a tar of busybox and a few real
//! files, exported by the engine and read as it streams.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::io::Write;
use std::process::{Command, Stdio};

use rampart_image::{Options, Target, read};
use rampart_test_support::image::LayerTar;

fn docker(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut child = Command::new("docker")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("docker")
}

#[test]
fn an_imported_image_read_from_the_engine() {
    let engine = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output();
    if !engine.is_ok_and(|o| o.status.success()) {
        let _: Option<()> =
            rampart_test_support::skip_or_fail("docker-daemon:", "no Docker Engine answers");
        return;
    }
    let busybox = std::fs::read("/bin/busybox").ok();
    let mut rootfs = LayerTar::new()
        .file("etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n", 0o644)
        .file("lib/apk/db/installed", "P:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n", 0o644)
        .file("usr/bin/ping", b"#!/bin/sh\n".to_vec(), 0o4755);
    if let Some(busybox) = busybox {
        rootfs = rootfs.file("bin/busybox", busybox, 0o755);
    }
    let name = format!("rampart-test/daemon:{}", std::process::id());
    let imported = docker(&["import", "-", &name], Some(&rootfs.tar()));
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let image = read(
        &Target::parse(&format!("docker-daemon:{name}")).expect("target"),
        &Options::default(),
    );
    let missing = read(
        &Target::parse("docker-daemon:rampart-test/none:missing").expect("target"),
        &Options::default(),
    );
    let _ = docker(&["rmi", "-f", &name], None);
    let image = image.expect("reads");
    let packages: Vec<(&str, &str)> = image
        .inventory
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(packages, [("busybox", "1.36.1-r29"), ("musl", "1.2.5-r0")]);
    assert_eq!(image.layers.len(), 1);
    assert!(
        image
            .digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    assert_eq!(
        image
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        ["usr/bin/ping"]
    );
    let error = missing.expect_err("no such image");
    assert!(error.to_string().contains("has no image"), "{error}");
}
