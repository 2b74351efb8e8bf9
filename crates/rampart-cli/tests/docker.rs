//! `rampart docker` against a stand-in Engine that answers with recorded Engine API
//! answers: what a local engine cannot show (a TLS `tcp://` host, a rootless daemon with
//! an authorization plugin, an object removed while it is read, an unreachable daemon),
//! and the report formats of live objects. Tests against the real engine are in
//! `docker_live.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

mod support;

use serde_json::{Value, json};
use support::engine::{Answers, FakeEngine, Pki, recorded_host, write_host_file};
use support::{findings, has, json_of, rampart, sarif_problems, stdout_of};

fn has_rule(report: &Value, rule: &str) -> bool {
    findings(report).iter().any(|(_, r, _)| r == rule)
}

/// A rootless daemon with an authorization plugin, that also serves TCP without TLS.
fn rootless_daemon_with_a_plugin() -> Answers {
    let mut info = support::recorded("info");
    info["SecurityOptions"] = json!([
        "name=seccomp,profile=builtin",
        "name=rootless",
        "name=cgroupns"
    ]);
    info["Plugins"]["Authorization"] = json!(["opa-docker-authz:0.8"]);
    info["LiveRestoreEnabled"] = json!(true);
    info["Warnings"] = json!([
        "WARNING: API is accessible on http://0.0.0.0:2375 without encryption.\n         Access to the remote API is equivalent to root access on the host."
    ]);
    recorded_host().ok("/info", info)
}

#[test]
fn a_tls_engine_is_audited_with_the_certificate_flags() {
    let pki = Pki::new();
    let engine = FakeEngine::start(rootless_daemon_with_a_plugin(), Some(&pki));
    let output = stdout_of(
        rampart()
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .args(["docker", "--host", &engine.host(), "--format", "json"])
            .arg("--tls-ca")
            .arg(pki.path("ca.pem"))
            .arg("--tls-cert")
            .arg(pki.path("cert.pem"))
            .arg("--tls-key")
            .arg(pki.path("key.pem")),
        1,
    );
    let report = json_of(&output);
    assert_eq!(report["errors"], json!([]), "{report:#}");
    let daemon = format!("docker://{}/daemon", engine.address);
    // Rootless: no user namespace finding, not rootful; a plugin authorizes commands.
    for rule in [
        "daemon-userns-remap-missing",
        "daemon-rootful",
        "daemon-authorization-plugin-missing",
        "daemon-live-restore-disabled",
    ] {
        assert!(!has_rule(&report, rule), "{rule}: {report:#}");
    }
    assert!(has(
        &report,
        &daemon,
        "daemon-tcp-without-tls",
        "Info.Warnings[0]"
    ));
    assert!(has(
        &report,
        &daemon,
        "daemon-icc-enabled",
        "BridgeNetwork.Options[com.docker.network.bridge.enable_icc]"
    ));
    // The recorded container and image, named by URIs, located by their API fields alone.
    let container = format!("docker://{}/containers/rampart-dl-rec", engine.address);
    assert!(has(
        &report,
        &container,
        "restart-policy-unbounded",
        "HostConfig.RestartPolicy"
    ));
    let image = format!("docker://{}/images/rampart-dl-hist:1", engine.address);
    assert!(has(
        &report,
        &image,
        "add-remote-url",
        "History[5].CreatedBy"
    ));
    for finding in report["findings"].as_array().unwrap() {
        assert_eq!(
            (&finding["line"], &finding["column"]),
            (&Value::Null, &Value::Null)
        );
    }
    let web = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == container.as_str())
        .unwrap();
    assert_eq!(
        (&web["kind"], &web["namespace"], &web["name"]),
        (
            &json!("Container"),
            &json!("shop"),
            &json!("rampart-dl-rec")
        )
    );
}

#[test]
fn tls_files_come_from_docker_cert_path_as_the_docker_cli_takes_them() {
    let pki = Pki::new();
    let engine = FakeEngine::start(recorded_host(), Some(&pki));
    let output = stdout_of(
        rampart()
            .env("DOCKER_HOST", engine.host())
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", pki.dir.path())
            .args(["docker", "--format", "json", "--rule", "daemon-rootful"]),
        0,
    );
    let report = json_of(&output);
    assert_eq!(report["errors"], json!([]));
    // Daemon-rootful is info: exit 0, and it is there.
    assert!(has_rule(&report, "daemon-rootful"));

    // Without a client certificate the engine refuses the connection: the daemon's error.
    let refused = json_of(&stdout_of(
        rampart()
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .args(["docker", "--host", &engine.host(), "--format", "json"]),
        2,
    ));
    let error = &refused["errors"][0];
    assert_eq!(error["file"], format!("docker://{}/daemon", engine.address));
    assert_eq!(
        (&error["line"], &error["column"]),
        (&Value::Null, &Value::Null)
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach the Docker daemon"),
        "{error}"
    );
}

#[test]
fn objects_that_cannot_be_read_are_errors_of_their_own() {
    let mut containers = support::recorded("containers");
    let mut gone = containers[0].clone();
    gone["Id"] = json!("0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e");
    gone["Names"] = json!(["/gone"]);
    containers.as_array_mut().unwrap().push(gone);
    let mut images = support::recorded("images");
    let mut broken = images[0].clone();
    broken["Id"] = json!("sha256:badbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbad1");
    broken["RepoTags"] = json!(["broken:1"]);
    images.as_array_mut().unwrap().push(broken);
    let answers = recorded_host()
        .ok("/containers/json", containers)
        .error(
            "/containers/0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e0b5e/json",
            404,
            "No such container: 0b5e0b5e0b5e",
        )
        .ok("/images/json", images)
        .error(
            "/images/sha256:badbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbad1/json",
            500,
            "layer does not exist",
        );
    let engine = FakeEngine::start(answers, None);
    let report = json_of(&stdout_of(
        rampart().args(["docker", "--host", &engine.host(), "--format", "json"]),
        2,
    ));
    let errors: Vec<(String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let host = &engine.address;
    assert_eq!(
        errors,
        [
            (
                format!("docker://{host}/containers/gone"),
                "the container was removed while it was being read".to_owned()
            ),
            (
                format!("docker://{host}/images/broken:1"),
                "cannot inspect the image: the Engine API answered 500: layer does not exist"
                    .to_owned()
            ),
        ]
    );
    // The rest is still judged.
    assert!(has_rule(&report, "daemon-icc-enabled"));
    assert!(has(
        &report,
        &format!("docker://{host}/containers/rampart-dl-rec"),
        "privilege-escalation-allowed",
        "HostConfig.SecurityOpt"
    ));
}

#[test]
fn an_unreachable_daemon_is_an_error_and_the_host_files_are_still_judged() {
    let root = tempfile::tempdir().unwrap();
    write_host_file(
        root.path(),
        "/etc/docker/daemon.json",
        "{\n  \"icc\": true\n}\n",
        0o666,
    );
    let socket = root.path().join("no-such.sock");
    let output = stdout_of(
        rampart()
            .args(["docker", "--format", "json", "--host"])
            .arg(format!("unix://{}", socket.display()))
            .arg("--host-root")
            .arg(root.path()),
        2,
    );
    let report = json_of(&output);
    assert_eq!(report["errors"][0]["file"], "docker://localhost/daemon");
    let daemon_json = root
        .path()
        .join("etc/docker/daemon.json")
        .display()
        .to_string();
    // The file's owner and mode: no position.
    let mode = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "docker-daemon-json-permissions")
        .expect("a mode finding");
    assert_eq!(mode["file"], daemon_json.as_str());
    assert_eq!(
        (&mode["path"], &mode["line"]),
        (&json!("mode"), &Value::Null)
    );
    assert_eq!(mode["name"], "/etc/docker/daemon.json");
    // Its contents, judged whole without a daemon to ask: at their line.
    let icc = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "daemon-icc-enabled")
        .expect("icc from the file");
    assert_eq!(
        (&icc["file"], &icc["line"]),
        (&json!(daemon_json), &json!(2))
    );
}

#[test]
fn live_reports_in_every_format() {
    let engine = FakeEngine::start(recorded_host(), None);
    let host = engine.host();
    let args = ["docker", "--host", host.as_str(), "--format"];
    let root = tempfile::tempdir().unwrap();
    write_host_file(
        root.path(),
        "/etc/docker/daemon.json",
        "{\n  \"userland-proxy\": true\n}\n",
        0o666,
    );

    let sarif = json_of(&stdout_of(
        rampart()
            .args(args)
            .arg("sarif")
            .arg("--host-root")
            .arg(root.path()),
        1,
    ));
    let problems = sarif_problems(&sarif);
    assert!(problems.is_empty(), "{problems:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    // A host file: a physical location without a region; its text findings: with one.
    let mode = results
        .iter()
        .find(|r| r["ruleId"] == "docker-daemon-json-permissions")
        .expect("a host file result");
    let physical = &mode["locations"][0]["physicalLocation"];
    assert!(
        physical["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
    assert_eq!(physical.get("region"), None);
    let proxy = results
        .iter()
        .find(|r| r["ruleId"] == "daemon-userland-proxy-enabled")
        .expect("daemon.json judged beside the daemon");
    assert_eq!(
        proxy["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "restart-policy-unbounded")
        .expect("a container result");
    let location = &result["locations"][0];
    assert_eq!(location.get("physicalLocation"), None, "{location}");
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        format!(
            "docker://{}/containers/rampart-dl-rec#HostConfig.RestartPolicy",
            engine.address
        )
    );

    let text = String::from_utf8(stdout_of(rampart().args(args).arg("text"), 1)).unwrap();
    let header = format!(
        "docker://{}/containers/rampart-dl-rec [Container shop/rampart-dl-rec]",
        engine.address
    );
    let block: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .collect();
    assert!(
        block.contains(&"  low restart-policy-unbounded: container \"rampart-dl-rec\" restarts forever (always) (HostConfig.RestartPolicy)"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .ends_with("in 3 objects, 0 errors"),
        "{text}"
    );

    let junit = String::from_utf8(stdout_of(rampart().args(args).arg("junit"), 1)).unwrap();
    assert!(
        junit.contains(&format!(
            "docker://{}/daemon: medium daemon-icc-enabled",
            engine.address
        )),
        "{junit}"
    );
}

#[test]
fn a_host_root_that_is_not_a_directory_is_a_usage_error() {
    rampart()
        .args(["docker", "--host-root", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--host-root no/such/dir: not a directory",
        ));
}
