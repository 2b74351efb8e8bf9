//! `rampart docker` on the local Docker Engine with many objects: the Engine API's time
//! and rampart's own time (judging and writing the report), measured by the binary
//! itself (`--timings`) and reported apart, at 50, 100 and 200 containers with 50
//! images, to show how each grows; peak RSS of the process.
//!
//! `cargo bench -p rampart-cli --bench docker_host` (build the binary in release first:
//! the bench runs the `rampart` Cargo built for it). Every object it makes is named
//! `rampart-bench-<pid>-...` and removed at the end, also on failure. Without an engine
//! (or `/bin/busybox`) it says so and does nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::process::Command;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, PortBinding};
use bollard::query_parameters::{
    CommitContainerOptionsBuilder, CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveImageOptionsBuilder,
};
use futures::stream::{self, StreamExt};

const IMAGES: usize = 50;
const STEPS: [usize; 3] = [50, 100, 200];
const RUNS: usize = 5;

/// What the bench made; removed on drop.
struct Made {
    runtime: tokio::runtime::Runtime,
    docker: Docker,
    containers: Vec<String>,
    images: Vec<String>,
}

impl Drop for Made {
    fn drop(&mut self) {
        let docker = self.docker.clone();
        let containers = std::mem::take(&mut self.containers);
        let images = std::mem::take(&mut self.images);
        self.runtime.block_on(async move {
            let remove = RemoveContainerOptionsBuilder::new()
                .force(true)
                .v(true)
                .build();
            stream::iter(containers)
                .for_each_concurrent(16, |name| {
                    let docker = docker.clone();
                    let remove = remove.clone();
                    async move {
                        let _ = docker.remove_container(&name, Some(remove)).await;
                    }
                })
                .await;
            for image in images.iter().rev() {
                let options = RemoveImageOptionsBuilder::new().force(true).build();
                let _ = docker.remove_image(image, Some(options), None).await;
            }
        });
    }
}

/// A container's configuration: a mix of hardened and careless ones.
fn body(image: &str, i: usize, prefix: &str) -> ContainerCreateBody {
    let mut labels = HashMap::new();
    labels.insert(
        "com.docker.compose.project".to_owned(),
        format!("{prefix}-p{}", i % 7),
    );
    let mut host = HostConfig {
        privileged: Some(i.is_multiple_of(9)),
        cap_add: i.is_multiple_of(5).then(|| vec!["NET_ADMIN".to_owned()]),
        readonly_rootfs: Some(i.is_multiple_of(2)),
        memory: i.is_multiple_of(3).then_some(64 << 20),
        pids_limit: i.is_multiple_of(4).then_some(100),
        ..HostConfig::default()
    };
    if i.is_multiple_of(6) {
        host.mounts = Some(vec![Mount {
            target: Some("/host-etc".to_owned()),
            source: Some("/etc".to_owned()),
            typ: Some(MountType::BIND),
            read_only: Some(true),
            ..Mount::default()
        }]);
    }
    if i.is_multiple_of(8) {
        let mut ports = HashMap::new();
        ports.insert(
            "80/tcp".to_owned(),
            Some(vec![PortBinding {
                host_ip: Some("0.0.0.0".to_owned()),
                host_port: Some(String::new()),
            }]),
        );
        host.port_bindings = Some(ports);
    }
    ContainerCreateBody {
        image: Some(image.to_owned()),
        cmd: Some(vec!["/bin/sleep".to_owned(), "3600".to_owned()]),
        labels: Some(labels),
        host_config: Some(host),
        ..ContainerCreateBody::default()
    }
}

/// `docker import` of a static busybox: the base image.
fn import_base(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    for applet in ["sh", "sleep"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    let tar = dir.path().join("base.tar");
    assert!(
        Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap()
            .success()
    );
    let status = Command::new("docker")
        .arg("import")
        .arg(&tar)
        .arg(name)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

struct Timing {
    api: f64,
    rampart: f64,
    rss_mib: f64,
    containers: usize,
    images: usize,
}

/// Runs `rampart docker --timings` and reads its timings line.
fn audit() -> Timing {
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "docker",
            "--format",
            "json",
            "--output",
            "/dev/null",
            "--timings",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("rampart: engine API"))
        .expect("timings");
    let number_after = |marker: &str| -> f64 {
        let rest = &line[line.find(marker).expect(marker) + marker.len()..];
        rest.split_whitespace()
            .next()
            .unwrap()
            .trim_matches(['(', ')', ',', ';'])
            .parse()
            .unwrap()
    };
    Timing {
        api: number_after("engine API "),
        rampart: number_after("; rampart "),
        rss_mib: number_after("peak RSS "),
        containers: number_after("s (") as usize,
        images: number_after("containers, ") as usize,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    if Command::new("docker")
        .arg("version")
        .output()
        .map_or(true, |o| !o.status.success())
        || !std::path::Path::new("/bin/busybox").exists()
    {
        eprintln!("docker_host: no Docker Engine (or no /bin/busybox): nothing measured");
        return;
    }
    let prefix = format!("rampart-bench-{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let docker = Docker::connect_with_unix_defaults().unwrap();
    let docker = runtime.block_on(docker.negotiate_version()).unwrap();
    let mut made = Made {
        runtime,
        docker: docker.clone(),
        containers: Vec::new(),
        images: Vec::new(),
    };
    let base = format!("{prefix}-base:1");
    import_base(&base);
    made.images.push(base.clone());

    // 49 more images: commits of a created container with another configuration each.
    let seed = format!("{prefix}-seed");
    let create = CreateContainerOptionsBuilder::new().name(&seed).build();
    made.runtime
        .block_on(docker.create_container(Some(create), body(&base, 1, &prefix)))
        .unwrap();
    made.containers.push(seed.clone());
    for i in 1..IMAGES {
        let repo = format!("{prefix}-img");
        let tag = i.to_string();
        let changes = format!("ENV BENCH_IMAGE={i}\nUSER {}\nEXPOSE {}", i % 3, 8000 + i);
        let options = CommitContainerOptionsBuilder::new()
            .container(&seed)
            .repo(&repo)
            .tag(&tag)
            .changes(&changes)
            .build();
        made.runtime
            .block_on(docker.commit_container(options, bollard::models::ContainerConfig::default()))
            .unwrap();
        made.images.push(format!("{repo}:{tag}"));
    }

    println!(
        "| containers | images | engine API (median of {RUNS}) | rampart: judging + report (median) | peak RSS (max) |"
    );
    println!("| --- | --- | --- | --- | --- |");
    let mut created = 0;
    for step in STEPS {
        let names: Vec<(String, usize)> = (created..step)
            .map(|i| (format!("{prefix}-c{i}"), i))
            .collect();
        let images = made.images.clone();
        let new: Vec<String> = made.runtime.block_on(async {
            stream::iter(names)
                .map(|(name, i)| {
                    let docker = docker.clone();
                    let image = images[i % images.len()].clone();
                    let prefix = prefix.clone();
                    async move {
                        let options = CreateContainerOptionsBuilder::new().name(&name).build();
                        docker
                            .create_container(Some(options), body(&image, i, &prefix))
                            .await
                            .unwrap();
                        // A quarter run, so that their processes are listed too.
                        if i % 4 == 1 {
                            let _ = docker
                                .start_container(
                                    &name,
                                    None::<bollard::query_parameters::StartContainerOptions>,
                                )
                                .await;
                        }
                        name
                    }
                })
                .buffer_unordered(16)
                .collect()
                .await
        });
        made.containers.extend(new);
        created = step;
        let runs: Vec<Timing> = (0..RUNS).map(|_| audit()).collect();
        let last = &runs[RUNS - 1];
        println!(
            "| {} | {} | {:.3} s | {:.3} s | {:.1} MiB |",
            last.containers,
            last.images,
            median(runs.iter().map(|t| t.api).collect()),
            median(runs.iter().map(|t| t.rampart).collect()),
            runs.iter().map(|t| t.rss_mib).fold(0.0, f64::max),
        );
    }
}
