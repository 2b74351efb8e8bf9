//! `rampart docker` against the real Docker Engine of the machine (`/var/run/docker.sock`;
//! in CI `scripts/ci/start-docker.sh` starts one). Skipped with one line when there is no
//! engine, a failure in CI. The tests make their own images (`docker import` of a static
//! busybox plus their own files) and containers, each named after the test and the
//! process, and remove them when they end, whatever the outcome; other objects on the
//! host are left alone (and left out of the assertions).
//!
//! The fixtures are set up with the docker CLI: the flags of the hardening list read as
//! they are written. rampart itself only talks to the Engine API.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::Command;

use rampart_test_support::skip_or_fail;
use serde_json::Value;
use support::{json_of, rampart};

/// The static busybox the test images are made of (Debian's busybox-static).
const BUSYBOX: &str = "/bin/busybox";

/// Runs the docker CLI; its standard output, or its error output as the error.
fn docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("docker {}: {e}", args.join(" ")))
}

/// Whether an engine and busybox are here; says why not (and fails in CI) otherwise.
fn engine_ready(test: &str) -> bool {
    if let Err(error) = docker(&["version", "--format", "{{.Server.APIVersion}}"]) {
        return skip_or_fail::<()>(
            test,
            &format!("no Docker Engine answers ({})", error.trim()),
        )
        .is_some();
    }
    if !Path::new(BUSYBOX).exists() {
        return skip_or_fail::<()>(
            test,
            &format!("{BUSYBOX} is absent (install busybox-static)"),
        )
        .is_some();
    }
    true
}

/// What a test created; removed when the test ends.
struct Created {
    prefix: String,
    containers: Vec<String>,
    images: Vec<String>,
    networks: Vec<String>,
}

impl Created {
    fn new(test: &str) -> Self {
        Self {
            prefix: format!("rampart-it-{}-{test}", std::process::id()),
            containers: Vec::new(),
            images: Vec::new(),
            networks: Vec::new(),
        }
    }

    fn name(&self, what: &str) -> String {
        format!("{}-{what}", self.prefix)
    }

    /// `docker import` of busybox, its applets, and `files` (path, text, mode), with
    /// `changes` (`CMD [...]`, `USER 0`...).
    fn import(&mut self, tag: &str, files: &[(&str, &str, u32)], changes: &[&str]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
        for applet in ["sh", "sleep", "true", "cat", "wget", "ps"] {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
        }
        for (path, text, mode) in files {
            support::engine::write_host_file(&root, path, text, *mode);
        }
        let tar = dir.path().join("image.tar");
        let status = Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap();
        assert!(status.success(), "tar");
        let image = self.name(tag);
        let mut args = vec!["import".to_owned()];
        for change in changes {
            args.extend(["--change".to_owned(), (*change).to_owned()]);
        }
        args.extend([tar.display().to_string(), image.clone()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        must(&args);
        self.images.push(image.clone());
        image
    }

    /// `docker create` (`start`: `docker run -d`) of a container called `<prefix>-<what>`,
    /// running `command` (the image's when empty).
    fn container(
        &mut self,
        what: &str,
        flags: &[&str],
        image: &str,
        command: &[&str],
        start: bool,
    ) -> String {
        let name = self.name(what);
        let mut args = vec![if start { "run" } else { "create" }];
        if start {
            args.push("-d");
        }
        args.extend(["--name", &name]);
        args.extend(flags);
        args.push(image);
        args.extend(command);
        self.containers.push(name.clone());
        must(&args);
        name
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        if !self.containers.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(self.containers.iter().map(String::as_str));
            let _ = docker(&args);
        }
        for network in &self.networks {
            let _ = docker(&["network", "rm", network]);
        }
        if !self.images.is_empty() {
            let mut args = vec!["rmi", "-f"];
            args.extend(self.images.iter().rev().map(String::as_str));
            let _ = docker(&args);
        }
    }
}

/// `rampart docker --format json` on the local engine (other objects of the host may
/// fail to read while other tests remove them: exit 1 or 2).
fn audit() -> Value {
    let output = rampart()
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .args(["docker", "--format", "json"])
        .output()
        .unwrap();
    let code = output.status.code();
    assert!(
        matches!(code, Some(1 | 2)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_of(&output.stdout)
}

/// `(rule, path)` of the findings about `file`.
fn about(report: &Value, file: &str) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == file)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn errors_about(report: &Value, prefix: &str) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["file"].as_str().unwrap_or_default().contains(prefix))
        .map(|e| e.to_string())
        .collect()
}

/// `rampart scan` of a saved `docker inspect` file: `(rule, path)` with the list index
/// (`[0].`) taken off the paths.
fn scan_saved(inspect: &str, dir: &Path, name: &str) -> BTreeSet<(String, String)> {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, inspect).unwrap();
    let output = rampart()
        .arg("scan")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&output.stdout);
    assert_eq!(
        report["errors"],
        Value::Array(Vec::new()),
        "{name}: {report:#}"
    );
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            (
                f["rule"].as_str().unwrap().to_owned(),
                path.strip_prefix("[0].").unwrap_or(path).to_owned(),
            )
        })
        .collect()
}

const SSHD: &str = "#!/bin/sh\n# Stands for an SSH daemon: what matters is its name in the process list.\nsleep 3600\n";
const START: &str = "#!/bin/sh\n/usr/sbin/sshd -D &\nsleep 3600\n";

#[test]
fn every_bad_flag_is_reported_as_rampart_scan_reports_the_containers_inspect_file() {
    if !engine_ready("every_bad_flag_is_reported") {
        return;
    }
    let mut created = Created::new("flags");
    let image = created.import(
        "base:1",
        &[("/usr/sbin/sshd", SSHD, 0o755), ("/start.sh", START, 0o755)],
        &[r#"CMD ["/bin/sleep", "3600"]"#],
    );
    let shared = tempfile::tempdir().unwrap();
    let shared_mount = format!("{}:/mnt:rshared", shared.path().display());
    let network = created.name("net");
    must(&["network", "create", &network]);
    created.networks.push(network.clone());
    let network_flag = format!("--network={network}");
    // (what, flags, started, the rule each must fire). Flags the sandbox refuses at
    // start (privileged, shared propagation...) are created only: their configuration is
    // what is judged. Ports are created only, so that no host port is taken.
    let cases: Vec<(&str, Vec<&str>, bool, &str)> = vec![
        (
            "privileged",
            vec!["--privileged"],
            false,
            "privileged-container",
        ),
        ("net-host", vec!["--network", "host"], true, "host-network"),
        ("pid-host", vec!["--pid", "host"], true, "host-pid"),
        ("ipc-host", vec!["--ipc", "host"], true, "host-ipc"),
        ("uts-host", vec!["--uts", "host"], true, "host-uts"),
        (
            "userns-host",
            vec!["--userns", "host"],
            true,
            "host-user-namespace",
        ),
        (
            "sys-admin",
            vec!["--cap-add", "SYS_ADMIN"],
            true,
            "dangerous-capabilities",
        ),
        (
            "device",
            vec!["--device", "/dev/null:/dev/xnull"],
            true,
            "host-devices",
        ),
        (
            "etc",
            vec!["-v", "/etc:/host-etc:ro"],
            true,
            "sensitive-host-path",
        ),
        (
            "docker-sock",
            vec!["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            true,
            "sensitive-host-path",
        ),
        (
            "rshared",
            vec!["-v", &shared_mount],
            false,
            "mount-propagation-shared",
        ),
        (
            "restart",
            vec!["--restart", "always"],
            true,
            "restart-policy-unbounded",
        ),
        (
            "all-interfaces",
            vec!["-p", "18080:80"],
            false,
            "port-bound-all-interfaces",
        ),
        (
            "port-80",
            vec!["-p", "127.0.0.1:80:80"],
            false,
            "privileged-port-published",
        ),
        (
            "apparmor",
            vec!["--security-opt", "apparmor=unconfined"],
            true,
            "apparmor-unconfined",
        ),
        (
            "seccomp",
            vec!["--security-opt", "seccomp=unconfined"],
            true,
            "seccomp-unconfined",
        ),
        (
            "selinux",
            vec!["--security-opt", "label=disable"],
            true,
            "selinux-custom-options",
        ),
        (
            "sysctl",
            vec!["--sysctl", "kernel.msgmax=65536"],
            true,
            "unsafe-sysctls",
        ),
        (
            "cgroup",
            vec!["--cgroup-parent", "/rampart-it"],
            false,
            "cgroup-parent-set",
        ),
        ("defaults", vec![], true, "writable-root-filesystem"),
        ("defaults", vec![], true, "memory-limit-missing"),
        ("defaults", vec![], true, "cpu-limit-missing"),
        ("defaults", vec![], true, "pids-limit-missing"),
        ("defaults", vec![], true, "capabilities-not-dropped"),
        ("defaults", vec![], true, "privilege-escalation-allowed"),
        ("defaults", vec![], true, "run-as-root"),
        ("defaults", vec![], true, "default-bridge-network"),
        ("defaults", vec![], true, "healthcheck-missing"),
    ];
    let mut expected: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (what, flags, start, rule) in &cases {
        let name = created.name(what);
        if !expected.contains_key(&name) {
            created.container(what, flags, &image, &[], *start);
        }
        expected.entry(name).or_default().push(rule);
    }
    // SSH seen only in the process list: the command is a script that starts it.
    let sshd = created.container("sshd", &[], &image, &["/bin/sh", "/start.sh"], true);
    let ignored = created.container(
        "ignored",
        &[
            "--privileged",
            "--label",
            "rampart.dev/ignore=privileged-container=a test",
        ],
        &image,
        &[],
        false,
    );
    let hardened = created.container(
        "hardened",
        &[
            "--read-only",
            "--memory",
            "64m",
            "--cpus",
            "0.5",
            "--pids-limit",
            "50",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--user",
            "1000:1000",
            "--restart",
            "on-failure:3",
            &network_flag,
            "--health-cmd",
            "/bin/true",
        ],
        &image,
        &[],
        true,
    );

    let report = audit();
    assert!(
        errors_about(&report, &created.prefix).is_empty(),
        "{report:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut process_only = BTreeMap::new();
    for name in &created.containers {
        let uri = format!("docker://localhost/containers/{name}");
        let live = about(&report, &uri);
        let inspect = must(&["inspect", name]);
        let saved = scan_saved(&inspect, dir.path(), name);
        // Only the live source lists processes (`Top`): everything else is the same.
        let (top, rest): (BTreeSet<_>, BTreeSet<_>) = live
            .into_iter()
            .partition(|(_, path)| path.starts_with("Top."));
        assert_eq!(
            rest, saved,
            "{name}: rampart docker and rampart scan of docker inspect differ"
        );
        if !top.is_empty() {
            process_only.insert(name.clone(), top);
        }
        for rule in expected.get(name).into_iter().flatten() {
            assert!(
                rest.iter().any(|(r, _)| r == rule),
                "{name}: no {rule} in {rest:?}"
            );
        }
    }
    // The sshd script is seen running.
    let top = process_only
        .remove(&sshd)
        .expect("sshd seen in the process list");
    assert!(top.iter().all(|(rule, _)| rule == "ssh-exposed"), "{top:?}");
    assert!(process_only.is_empty(), "{process_only:?}");
    // The shape of a live finding.
    let privileged_uri = format!(
        "docker://localhost/containers/{}",
        created.name("privileged")
    );
    let privileged = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == privileged_uri.as_str() && f["rule"] == "privileged-container")
        .expect("privileged finding");
    assert_eq!(privileged["path"], "HostConfig.Privileged");
    assert_eq!(
        (&privileged["line"], &privileged["column"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        (&privileged["kind"], &privileged["name"]),
        (
            &Value::from("Container"),
            &Value::from(created.name("privileged"))
        )
    );
    // The label silences.
    let silenced = about(&report, &format!("docker://localhost/containers/{ignored}"));
    assert!(
        !silenced
            .iter()
            .any(|(rule, _)| rule == "privileged-container"),
        "{silenced:?}"
    );
    assert!(report["summary"]["suppressed"].as_u64() >= Some(1));
    // The hardened container has none of the hardening list's findings.
    let clean = about(
        &report,
        &format!("docker://localhost/containers/{hardened}"),
    );
    for (_, _, _, rule) in &cases {
        assert!(
            !clean.iter().any(|(r, _)| r == rule),
            "hardened: {rule} in {clean:?}"
        );
    }
}

/// A one-file HTTP server on 127.0.0.1 for `ADD <url>` in a build: the daemon fetches it
/// from the host's network. (A `RUN` runs in a container, which does not reach it.) It
/// serves until the test process ends.
fn serve(body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

#[test]
fn images_are_judged_from_their_configuration_and_their_history() {
    if !engine_ready("images_are_judged") {
        return;
    }
    let mut created = Created::new("images");
    let base = created.import("base:1", &[], &[r#"CMD ["/bin/sh"]"#]);
    let address = serve("true\n");
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "FROM {base}\n\
         ARG TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123\n\
         ENV DB_PASSWORD=hunter2\n\
         ADD http://{address}/install.sh /install.sh\n\
         RUN echo $TOKEN > /dev/null && (sudo true || true)\n\
         RUN wget -qO- http://{address}/install.sh | sh\n\
         RUN apk upgrade || true\n\
         USER 0\n\
         EXPOSE 22\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let built = created.name("built:1");
    created.images.push(built.clone());
    must(&[
        "build",
        "-q",
        "-t",
        &built,
        &dir.path().display().to_string(),
    ]);

    let report = audit();
    assert!(
        errors_about(&report, &created.prefix).is_empty(),
        "{report:#}"
    );
    let live = about(&report, &format!("docker://localhost/images/{built}"));
    let rules = |prefix: &str| -> BTreeSet<String> {
        live.iter()
            .filter(|(_, path)| path.starts_with(prefix))
            .map(|(rule, _)| rule.clone())
            .collect()
    };
    let from_history = rules("History[");
    for rule in [
        "add-remote-url",
        "secret-in-env-or-arg",
        "sudo-in-run",
        "curl-pipe-shell",
        "package-upgrade-unpinned",
    ] {
        assert!(
            from_history.contains(rule),
            "no {rule} from the history: {live:?}"
        );
    }
    let from_config = rules("Config.");
    for rule in [
        "run-as-root",
        "ssh-exposed",
        "secret-in-env-or-arg",
        "healthcheck-missing",
    ] {
        assert!(
            from_config.contains(rule),
            "no {rule} from the configuration: {live:?}"
        );
    }
    // `docker image inspect` has no history: rampart scan of it gives the configuration's.
    let inspect = must(&["image", "inspect", &built]);
    let saved = scan_saved(&inspect, dir.path(), "image");
    let config: BTreeSet<(String, String)> = live
        .iter()
        .filter(|(_, path)| !path.starts_with("History["))
        .cloned()
        .collect();
    assert_eq!(config, saved);
    // The base image, imported: root, no health check.
    let base_findings = about(&report, &format!("docker://localhost/images/{base}"));
    assert!(base_findings.contains(&("run-as-root".to_owned(), "Config.User".to_owned())));
}

#[test]
fn the_daemon_is_judged_from_what_its_api_shows() {
    if !engine_ready("the_daemon_is_judged") {
        return;
    }
    let report = audit();
    let daemon = about(&report, "docker://localhost/daemon");
    assert!(
        errors_about(&report, "docker://localhost/daemon").is_empty(),
        "{report:#}"
    );
    let icc = must(&[
        "network",
        "inspect",
        "bridge",
        "--format",
        r#"{{index .Options "com.docker.network.bridge.enable_icc"}}"#,
    ]);
    let icc_finding = (
        "daemon-icc-enabled".to_owned(),
        "BridgeNetwork.Options[com.docker.network.bridge.enable_icc]".to_owned(),
    );
    assert_eq!(
        daemon.contains(&icc_finding),
        icc.trim() == "true",
        "{daemon:?}"
    );
    let live_restore = must(&["info", "--format", "{{.LiveRestoreEnabled}}"]);
    let restore_finding = (
        "daemon-live-restore-disabled".to_owned(),
        "Info.LiveRestoreEnabled".to_owned(),
    );
    assert_eq!(
        daemon.contains(&restore_finding),
        live_restore.trim() == "false"
    );
    // The API does not show userland-proxy or no-new-privileges: not judged live.
    for rule in [
        "daemon-userland-proxy-enabled",
        "privilege-escalation-allowed",
    ] {
        assert!(!daemon.iter().any(|(r, _)| r == rule), "{rule}: {daemon:?}");
    }
    for (_, path) in &daemon {
        assert!(
            ["Info.", "Version.", "BridgeNetwork."]
                .iter()
                .any(|p| path.starts_with(p)),
            "{path}"
        );
    }
}
