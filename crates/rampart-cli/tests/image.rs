//! `rampart image`: the golden matches on the shared Debian root file system (as a
//! directory and as an image built from it), the Alpine archives and the lockfiles;
//! every output format (SARIF and CycloneDX against their schemas); bad targets beside
//! good ones; the exit codes, `--ignore-unfixed`, the data's age, the image file rules.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rampart_test_support::image::{self as build, Compression, LayerTar, config, image};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A database directory holding copies of the JSON records under `dirs` (the index is
/// written beside them, never into ../shared).
fn database(dirs: &[&Path]) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).expect("dir") {
            let path = entry.expect("entry").path();
            let target = to.join(path.file_name().expect("name"));
            if path.is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
                copy(&path, &target);
            } else if path.extension().is_some_and(|e| e == "json") {
                std::fs::copy(&path, &target).expect("copy");
            }
        }
    }
    let db = tempfile::tempdir().expect("tempdir");
    for (i, dir) in dirs.iter().enumerate() {
        let to = db.path().join(i.to_string());
        std::fs::create_dir_all(&to).expect("mkdir");
        copy(dir, &to);
    }
    db
}

fn rampart(args: &[&str], db: &Path) -> Output {
    Command::cargo_bin("rampart")
        .expect("binary")
        .arg("image")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The shared rootfs's files as a two-layer image: the release files, then dpkg's
/// database.
fn debian_layers(root: &Path) -> Vec<LayerTar> {
    let file = |path: &str| std::fs::read(root.join(path)).expect("rootfs file");
    vec![
        LayerTar::new()
            .file("etc/os-release", file("etc/os-release"), 0o644)
            .file("etc/debian_version", file("etc/debian_version"), 0o644)
            .dir("tmp", 0o1777),
        LayerTar::new()
            .file("var/lib/dpkg/status", file("var/lib/dpkg/status"), 0o644)
            .file("usr/bin/passwd", b"\x7fELF-not-really".to_vec(), 0o4755),
    ]
}

fn debian_archive(root: &Path, dir: &Path) -> PathBuf {
    let layers = debian_layers(root);
    let built = image(
        &layers,
        Compression::None,
        config(
            &[
                "ADD rootfs.tar / # buildkit",
                "RUN /bin/sh -c dpkg -i *.deb # buildkit",
            ],
            json!({"User": "1000"}),
        ),
        ("linux", "amd64"),
    );
    let tars: Vec<Vec<u8>> = layers.iter().map(LayerTar::tar).collect();
    let path = dir.join("debian.tar");
    std::fs::write(&path, build::docker_archive(&built, "debian:golden", &tars)).expect("write");
    path
}

/// `(binary package, DEBIAN-CVE record) -> fixed` for every vulnerability reported.
fn debian_found(report: &Value, target: &str) -> BTreeMap<(String, String), Option<String>> {
    report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .filter(|v| v["target"] == target)
        .map(|v| {
            let record = std::iter::once(&v["id"])
                .chain(v["aliases"].as_array().expect("aliases"))
                .filter_map(Value::as_str)
                .find(|id| id.starts_with("DEBIAN-CVE-"))
                .expect("a Debian record")
                .to_owned();
            (
                (v["package"].as_str().expect("package").to_owned(), record),
                v["fixed"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn debian_golden_matches_through_a_directory_and_an_image() {
    let Some(data) =
        rampart_test_support::shared("vulndata/debian12", "rampart image Debian golden")
    else {
        return;
    };
    let db = database(&[&data.join("osv")]);
    let expected: Value =
        serde_json::from_slice(&std::fs::read(data.join("expected-findings.json")).expect("read"))
            .expect("json");
    let expected: BTreeMap<(String, String), Option<String>> = expected["expected"]
        .as_array()
        .expect("expected")
        .iter()
        .map(|e| {
            (
                (
                    e["binary"].as_str().expect("binary").to_owned(),
                    e["id"].as_str().expect("id").to_owned(),
                ),
                e["fixed"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(expected.len(), 53);
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = debian_archive(&data.join("rootfs-min"), dir.path());
    let rootfs = format!("dir:{}", data.join("rootfs-min").display());
    let archive = format!("docker-archive:{}", archive.display());
    let output = rampart(&[&rootfs, &archive, "--format", "json"], db.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert_eq!(debian_found(&report, &rootfs), expected);
    assert_eq!(debian_found(&report, &archive), expected);
    // In the image, every package came with layer 1, read from dpkg's database.
    for v in report["vulnerabilities"].as_array().expect("list") {
        if v["target"] == archive.as_str() {
            assert_eq!(v["layer"]["index"], 1, "{v}");
            assert_eq!(v["path"], "var/lib/dpkg/status");
        }
    }
    assert_eq!(report["summary"]["packages"], 176);
    assert_eq!(report["summary"]["vulnerabilities"], 106);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(
        report["targets"][1]["os"]["ecosystems"],
        json!(["Debian:12"])
    );
    // The image runs as user 1000 without a health check; its set-uid file is a
    // finding of its own, with its layer.
    let findings = report["findings"].as_array().expect("findings");
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(
        rules,
        ["healthcheck-missing", "image-setid-file"],
        "{findings:?}"
    );
    assert_eq!(findings[0]["path"], "config.Healthcheck");
    assert_eq!(findings[1]["file"], archive.as_str());
    assert_eq!(findings[1]["path"], "usr/bin/passwd");
    assert_eq!(findings[1]["line"], Value::Null);
    assert_eq!(findings[1]["layer"]["index"], 1);
}

#[test]
fn alpine_archives_have_their_packages_and_no_vulnerability() {
    let Some(data) = rampart_test_support::shared("vulndata/alpine", "rampart image Alpine") else {
        return;
    };
    let db = database(&[&data.join("osv")]);
    let targets: Vec<String> = ["alpine-310", "alpine-311"]
        .iter()
        .map(|name| {
            data.join(format!("images/{name}.tar.gz"))
                .display()
                .to_string()
        })
        .collect();
    let output = rampart(&[&targets[0], &targets[1], "--format", "json"], db.path());
    // Both run their shell as root: the image rules say so, with the field.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let findings: Vec<(String, String)> = json_of(&output)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").into(),
                f["path"].as_str().expect("path").into(),
            )
        })
        .collect();
    let root = ("run-as-root".to_owned(), "config.User".to_owned());
    assert_eq!(
        findings.iter().filter(|f| **f == root).count(),
        2,
        "{findings:?}"
    );
    let report = json_of(&output);
    assert_eq!(report["summary"]["packages"], 28);
    assert_eq!(report["vulnerabilities"], json!([]));
    assert_eq!(
        report["targets"][0]["os"]["ecosystems"],
        json!(["Alpine:v3.10"])
    );
    assert_eq!(
        report["targets"][1]["os"]["ecosystems"],
        json!(["Alpine:v3.11"])
    );
}

/// The shared lockfiles, read from a root file system: each gives its expected records.
#[test]
fn lockfiles_in_a_root_file_system() {
    let Some(lang) = rampart_test_support::shared("vulndata/lang", "rampart image lockfiles")
    else {
        return;
    };
    let db = database(&[&lang.join("osv")]);
    let rootfs = format!("dir:{}", lang.join("lockfiles").display());
    let output = rampart(&[&rootfs, "--format", "json"], db.path());
    let report = json_of(&output);
    let records: BTreeSet<String> = ["crates.io", "PyPI", "Go"]
        .iter()
        .flat_map(|e| std::fs::read_dir(lang.join("osv").join(e)).expect("dir"))
        .map(|f| {
            f.expect("entry")
                .path()
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut found: BTreeMap<String, BTreeSet<(String, String, String)>> = BTreeMap::new();
    for v in report["vulnerabilities"].as_array().expect("list") {
        for id in std::iter::once(&v["id"]).chain(v["aliases"].as_array().expect("aliases")) {
            let id = id.as_str().expect("id");
            if records.contains(id) {
                found
                    .entry(v["path"].as_str().expect("path").to_owned())
                    .or_default()
                    .insert((
                        id.to_owned(),
                        v["package"].as_str().expect("package").to_owned(),
                        v["installed"].as_str().expect("version").to_owned(),
                    ));
            }
        }
    }
    let cases = rampart_test_support::lockfile_expectations(&lang);
    for case in &cases {
        let found = found.remove(&case.lockfile).unwrap_or_default();
        assert_eq!(found, case.vulnerable, "{}", case.lockfile);
    }
    assert_eq!(cases.len(), 16);
    assert!(
        found.is_empty(),
        "findings in no expected lockfile: {found:?}"
    );
}

/// A small image of our own: a Debian release with two packages, one vulnerable with a
/// fix and one without, and a world-writable file.
fn small_image(dir: &Path) -> (String, tempfile::TempDir) {
    let status = "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n\
                  Package: tar\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.34+dfsg-1.2+deb12u1\n\n";
    let layers = [LayerTar::new()
        .file(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            0o644,
        )
        .file("var/lib/dpkg/status", status, 0o644)
        .file("srv/shared.conf", "x", 0o666)];
    // A user and a health check: only the vulnerabilities and the file speak.
    let run = json!({"User": "1000", "Healthcheck": {"Test": ["CMD", "/bin/true"]}});
    let built = image(
        &layers,
        Compression::Gzip,
        config(&["ADD"], run),
        ("linux", "amd64"),
    );
    build::write_dir(dir, &build::oci_layout_files(&[built], false, &[]));
    let record = |id: &str, name: &str, fixed: Option<&str>, urgency: &str| {
        let mut events = vec![json!({"introduced": "0"})];
        if let Some(fixed) = fixed {
            events.push(json!({"fixed": fixed}));
        }
        json!({
            "id": id, "modified": "2026-12-01T00:00:00Z", "upstream": [id.trim_start_matches("DEBIAN-")],
            "summary": format!("{name} problem"),
            "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}],
                          "ecosystem_specific": {"urgency": urgency}}],
        })
    };
    let db = tempfile::tempdir().expect("tempdir");
    for (i, record) in [
        record(
            "DEBIAN-CVE-2026-0001",
            "zlib",
            Some("1:1.2.13.dfsg-1+deb12u1"),
            "high",
        ),
        record("DEBIAN-CVE-2026-0002", "tar", None, "unimportant"),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(db.path().join(format!("{i}.json")), record.to_string()).expect("write");
    }
    (format!("oci:{}", dir.display()), db)
}

#[test]
fn every_format_and_the_sarif_and_cyclonedx_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (target, db) = small_image(dir.path());

    let text = rampart(&[&target], db.path());
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "zlib1g 1:1.2.13.dfsg-1 (source zlib 1:1.2.13.dfsg-1) [var/lib/dpkg/status, layer 0"
        ),
        "{text}"
    );
    assert!(text.contains("high     CVE-2026-0001 (DEBIAN-CVE-2026-0001), fixed in 1:1.2.13.dfsg-1+deb12u1: zlib problem"), "{text}");
    assert!(
        text.contains("low      CVE-2026-0002 (DEBIAN-CVE-2026-0002), no fix yet"),
        "{text}"
    );
    assert!(
        text.contains("medium image-world-writable: srv/shared.conf is world-writable (mode 0666)"),
        "{text}"
    );
    assert!(text.contains("2 vulnerabilities (1 high, 1 low; 1 fixable) in 2 of 2 packages, 1 finding, 1 target, 0 errors"), "{text}");
    assert!(
        text.contains("newest record 2026-12-01T00:00:00Z"),
        "{text}"
    );

    let sarif = json_of(&rampart(&[&target, "--format", "sarif"], db.path()));
    let schema_text = std::fs::read_to_string(
        repo().join("crates/rampart-cli/tests/data/sarif-2.1.0-rtm.5.json"),
    )
    .expect("schema")
    .replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&schema_text).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("id"))
        .collect();
    assert_eq!(
        rules,
        ["CVE-2026-0001", "CVE-2026-0002", "image-world-writable"]
    );
    assert_eq!(results[0]["level"], "error");

    let bom = json_of(&rampart(&[&target, "--format", "cyclonedx"], db.path()));
    let schemas = repo().join("crates/rampart-cli/tests/data/cyclonedx");
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(schemas.join(name)).expect("schema")).expect("json")
    };
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            read("spdx.SNAPSHOT.schema.json"),
        )
        .expect("spdx")
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
            read("jsf-0.82.SNAPSHOT.schema.json"),
        )
        .expect("jsf")
        .prepare()
        .expect("registry");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&read("bom-1.5.SNAPSHOT.schema.json"))
        .expect("schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&bom)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let packages = bom["components"][0]["components"]
        .as_array()
        .expect("components");
    assert_eq!(packages[0]["type"], "operating-system");
    assert_eq!(
        packages[1]["purl"],
        "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1"
    );
    let vulnerabilities = bom["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulnerabilities.len(), 2);
    assert_eq!(
        vulnerabilities[0]["affects"][0]["ref"],
        packages[1]["bom-ref"]
    );
    // The same scan gives the same document.
    assert_eq!(
        bom,
        json_of(&rampart(&[&target, "--format", "cyclonedx"], db.path()))
    );

    let junit = rampart(&[&target, "--format", "junit"], db.path());
    let junit = String::from_utf8_lossy(&junit.stdout);
    assert!(junit.contains("<testsuite name=\"oci:"), "{junit}");
    assert_eq!(junit.matches("<testcase").count(), 3, "{junit}");
    assert_eq!(junit.matches("<failure").count(), 3, "{junit}");
    assert!(
        junit.contains(
            "name=\"rampart.vulnerability-data.newest-modified\" value=\"2026-12-01T00:00:00Z\""
        ),
        "{junit}"
    );
}

#[test]
fn fail_on_ignore_unfixed_and_the_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (target, db) = small_image(dir.path());
    let code = |args: &[&str]| {
        rampart(&[&[target.as_str()], args].concat(), db.path())
            .status
            .code()
    };
    assert_eq!(code(&["--fail-on", "high"]), Some(1));
    assert_eq!(code(&["--fail-on", "critical"]), Some(0));
    let report = json_of(&rampart(
        &[&target, "--ignore-unfixed", "--format", "json"],
        db.path(),
    ));
    let ids: Vec<&str> = report["vulnerabilities"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["CVE-2026-0001"]);
    // The configuration selects and rates the image rules.
    let config = dir.path().join("rampart.yaml");
    std::fs::write(&config, "severity:\n  image-world-writable: critical\n").expect("write");
    let config = config.display().to_string();
    let report = json_of(&rampart(
        &[&target, "--config", &config, "--format", "json"],
        db.path(),
    ));
    assert_eq!(report["findings"][0]["severity"], "critical");
    std::fs::write(&config, "rules:\n  disable: [image-world-writable]\n").expect("write");
    let report = json_of(&rampart(
        &[&target, "--config", &config, "--format", "json"],
        db.path(),
    ));
    assert_eq!(report["findings"], json!([]));
}

#[test]
fn bad_targets_are_errors_of_their_own_and_the_others_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, db) = small_image(&dir.path().join("good"));
    let truncated = dir.path().join("truncated.tar");
    let archive = build::tar_of(&[
        ("manifest.json".into(), b"[]".to_vec()),
        ("x/layer.tar".into(), vec![0u8; 4096]),
    ]);
    std::fs::write(&truncated, &archive[..1000]).expect("write");
    let traversal = dir.path().join("traversal");
    let evil = LayerTar::new()
        .file("etc/os-release", "ID=debian\nVERSION_ID=12\n", 0o644)
        .file("../../etc/cron.d/evil", "* * * * * root sh", 0o644);
    build::write_dir(
        &traversal,
        &build::oci_layout_files(
            &[image(
                &[evil],
                Compression::Gzip,
                config(&["ADD"], json!({})),
                ("linux", "amd64"),
            )],
            false,
            &[],
        ),
    );
    let targets = [
        format!("docker-archive:{}", truncated.display()),
        good.clone(),
        format!("oci:{}", traversal.display()),
        "docker://".to_owned(),
        "no-such-transport:x".to_owned(),
    ];
    let mut args: Vec<&str> = targets.iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let output = rampart(&args, db.path());
    assert_eq!(output.status.code(), Some(2));
    let report = json_of(&output);
    let errors: Vec<(&str, &str)> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["target"].as_str().expect("target"),
                e["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors[0].1.contains("truncated or corrupt"), "{errors:?}");
    assert_eq!(errors[1].0, targets[2]);
    assert!(errors[1].1.contains("climbs out of the root"), "{errors:?}");
    assert!(errors[3].1.contains("not a transport"), "{errors:?}");
    // The good image is reported in full.
    assert_eq!(report["summary"]["vulnerabilities"], 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("truncated or corrupt"));
    // Nothing was written outside the temporary directories.
    assert!(!Path::new("/etc/cron.d/evil").exists());
}

#[test]
fn old_data_is_said_to_be_old() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (target, db) = small_image(dir.path());
    let old = r#"{"id":"GHSA-old-0001","modified":"2020-01-02T03:04:05Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}"#;
    let stale = tempfile::tempdir().expect("tempdir");
    std::fs::write(stale.path().join("old.json"), old).expect("write");
    let output = rampart(
        &[&target, "--format", "json", "--fail-on", "high"],
        stale.path(),
    );
    let report = json_of(&output);
    assert_eq!(report["database"]["stale"], true);
    assert!(
        report["database"]["age_days"]
            .as_i64()
            .is_some_and(|d| d > 365)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 7 days old"));
    // The Debian packages of the image are not covered by npm data: said, not an error.
    assert_eq!(output.status.code(), Some(0));
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .expect("warning")
            .contains("no records for Debian")
    );
    let fresh = json_of(&rampart(&[&target, "--format", "json"], db.path()));
    assert_eq!(fresh["database"]["newest_modified"], "2026-12-01T00:00:00Z");
}

/// `docker://` through the command line against the basic-auth registry that
/// `scripts/ci/start-registry.sh` starts: credentials from the environment, then from a
/// docker CLI `config.json`.
#[test]
fn registry_credentials_from_the_environment_and_docker_config() {
    const BASIC: &str = "127.0.0.1:5742";
    let skopeo = std::process::Command::new("skopeo")
        .arg("--version")
        .output();
    if std::net::TcpStream::connect(BASIC).is_err() || !skopeo.is_ok_and(|o| o.status.success()) {
        let _: Option<()> = rampart_test_support::skip_or_fail(
            "rampart image docker://",
            "no registry on 127.0.0.1:5742 or no skopeo (scripts/ci/start-registry.sh)",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (layout, db) = small_image(&dir.path().join("layout"));
    let pushed = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--dest-creds",
            "rampart:rampart-test",
        ])
        .arg(&layout)
        .arg(format!("docker://{BASIC}/rampart/cli:1"))
        .output()
        .expect("skopeo");
    assert!(
        pushed.status.success(),
        "{}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    let target = format!("docker://{BASIC}/rampart/cli:1");
    let run = |env: &[(&str, &str)], docker_config: Option<&Path>| {
        let mut command = Command::cargo_bin("rampart").expect("binary");
        command
            .args([
                "image",
                &target,
                "--insecure-registry",
                BASIC,
                "--format",
                "json",
                "--db",
            ])
            .arg(db.path())
            .env_remove("RAMPART_REGISTRY_USERNAME")
            .env_remove("RAMPART_REGISTRY_PASSWORD")
            .env("DOCKER_CONFIG", docker_config.unwrap_or(dir.path()));
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("runs")
    };
    let anonymous = run(&[], None);
    assert_eq!(anonymous.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&anonymous.stderr).contains("asks for a user name and password")
    );
    let from_env = run(
        &[
            ("RAMPART_REGISTRY_USERNAME", "rampart"),
            ("RAMPART_REGISTRY_PASSWORD", "rampart-test"),
        ],
        None,
    );
    assert_eq!(json_of(&from_env)["summary"]["vulnerabilities"], 2);
    let config_dir = dir.path().join("docker");
    std::fs::create_dir_all(&config_dir).expect("mkdir");
    std::fs::write(
        config_dir.join("config.json"),
        json!({"auths": {format!("http://{BASIC}"): {"auth": "cmFtcGFydDpyYW1wYXJ0LXRlc3Q="}}})
            .to_string(),
    )
    .expect("write");
    let from_config = run(&[], Some(&config_dir));
    assert_eq!(json_of(&from_config)["summary"]["vulnerabilities"], 2);
    assert_eq!(
        json_of(&from_config)["targets"][0]["target"],
        target.as_str()
    );
}

/// An image built as BuildKit builds this Dockerfile (its history and configuration as
/// BuildKit writes them) is judged by the same rules, with the same ids, as
/// `rampart scan` judges the Dockerfile.
#[test]
fn an_image_and_its_dockerfile_break_the_same_rules() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let dockerfile = format!(
        "FROM debian:12\nENV API_TOKEN={token}\nADD https://example.com/tool.tar.gz /opt/\n\
         RUN apt-get update && apt-get install -y openssh-server\nEXPOSE 22\nCMD [\"/usr/sbin/sshd\", \"-D\"]\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let dockerfile_path = dir.path().join("Dockerfile");
    std::fs::write(&dockerfile_path, &dockerfile).expect("write");
    let scanned = Command::cargo_bin("rampart")
        .expect("binary")
        .args(["scan", "--format", "json"])
        .arg(&dockerfile_path)
        .output()
        .expect("runs");
    let scanned = json_of(&scanned);
    let from_dockerfile: BTreeSet<String> = scanned["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect();

    let status = "Package: openssh-server\nStatus: install ok installed\nSource: openssh\nVersion: 1:9.2p1-2+deb12u3\n\n";
    let layers = [
        LayerTar::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0o644),
        LayerTar::new().file("opt/tool.tar.gz", "tool", 0o600),
        LayerTar::new().file("var/lib/dpkg/status", status, 0o644),
    ];
    let history = json!([
        {"created_by": "# debian.sh --arch 'amd64' out/ 'bookworm' '@1733097600'"},
        {"created_by": format!("ENV API_TOKEN={token}"), "comment": "buildkit.dockerfile.v0", "empty_layer": true},
        {"created_by": "ADD https://example.com/tool.tar.gz /opt/ # buildkit", "comment": "buildkit.dockerfile.v0"},
        {"created_by": "RUN /bin/sh -c apt-get update && apt-get install -y openssh-server # buildkit", "comment": "buildkit.dockerfile.v0"},
        {"created_by": "EXPOSE map[22/tcp:{}]", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
        {"created_by": "CMD [\"/usr/sbin/sshd\" \"-D\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
    ]);
    let run = json!({
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", format!("API_TOKEN={token}")],
        "ExposedPorts": {"22/tcp": {}},
        "Cmd": ["/usr/sbin/sshd", "-D"],
    });
    let built = image(
        &layers,
        Compression::Gzip,
        json!({"config": run, "history": history}),
        ("linux", "amd64"),
    );
    let layout = dir.path().join("layout");
    build::write_dir(&layout, &build::oci_layout_files(&[built], false, &[]));
    let db = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        db.path().join("none.json"),
        r#"{"id":"GHSA-none-0001","modified":"2026-12-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"none"}}]}"#,
    )
    .expect("write");
    let report = json_of(&rampart(
        &[&format!("oci:{}", layout.display()), "--format", "json"],
        db.path(),
    ));
    let from_image: BTreeSet<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect();
    assert_eq!(
        from_dockerfile,
        BTreeSet::from(
            [
                "add-remote-url",
                "healthcheck-missing",
                "run-as-root",
                "secret-in-env-or-arg",
                "ssh-exposed"
            ]
            .map(String::from)
        ),
        "{scanned}"
    );
    assert_eq!(from_image, from_dockerfile, "{report}");
    for finding in report["findings"].as_array().expect("findings") {
        assert_eq!(finding["line"], Value::Null);
        assert_eq!(finding["kind"], "Image");
    }
}
