//! End-to-end tests of the `rampart` binary: inputs, formats, exit codes, bad input.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

mod support;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use support::{json_of, rampart, repo, sarif_problems, stdout_of};

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext:\n      privileged: true\n";

#[test]
fn scanning_the_examples_reports_positions_and_fails() {
    rampart()
        .args(["scan", "examples/insecure.yaml", "examples/hardened.yaml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "examples/insecure.yaml:23:23: critical privileged-container: container \"agent\" runs privileged [Deployment default/legacy-agent]",
        ))
        .stdout(predicate::str::contains("23 |           privileged: true"))
        .stdout(predicate::str::contains("findings (3 critical"));
}

#[test]
fn scanning_the_cluster_example_reports_cis_ids_in_every_kind_of_file() {
    let expected = [
        "examples/cluster/etc/kubernetes/manifests/kube-apiserver.yaml:15:5: high apiserver-anonymous-auth: CIS 1.2.1: kube-apiserver --anonymous-auth is not set and defaults to true; expected false",
        "examples/cluster/etc/kubernetes/manifests/kube-apiserver.yaml:47:7: low apiserver-audit-log-maxage: CIS 1.2.17: kube-apiserver --audit-log-maxage=7; expected at least 30",
        "examples/cluster/etc/kubernetes/enc/encryption.yaml:9:5: medium encryption-provider-weak: CIS 1.2.28",
        "examples/cluster/etc/kubernetes/ci.conf:18:12: medium kubeconfig-static-credentials: CIS 3.1.2",
        "examples/cluster/var/lib/kubelet/kubeadm-flags.env:1:150: medium kubelet-read-only-port: CIS 4.2.4: kubelet --read-only-port=10255; expected 0",
        "examples/cluster/rbac/bindings.yaml:10:3: critical rbac-cluster-admin-binding: CIS 5.1.1: ServiceAccount ci/ci-deployer -> ClusterRoleBinding ci-cluster-admin -> ClusterRole cluster-admin",
    ];
    let mut assert = rampart()
        .args(["scan", "examples/cluster"])
        .assert()
        .code(1);
    for line in expected {
        assert = assert.stdout(predicate::str::contains(line));
    }
    // The systemd drop-in is read (by content) and has nothing to report.
    assert.stdout(predicate::str::contains("10-kubeadm.conf").not());
}

#[test]
fn fail_on_sets_the_threshold() {
    rampart()
        .args(["scan", "examples/hardened.yaml"])
        .assert()
        .code(0);
    rampart()
        .args(["scan", "examples/hardened.yaml", "--fail-on", "info"])
        .assert()
        .code(1);
    rampart()
        .args(["scan", "-", "--fail-on", "critical", "--rule", "host-pid"])
        .write_stdin(PRIVILEGED_POD)
        .assert()
        .code(0);
}

#[test]
fn stdin_json_has_the_documented_shape() {
    let output = stdout_of(
        rampart()
            .args([
                "scan",
                "-",
                "--format",
                "json",
                "--rule",
                "privileged-container",
            ])
            .write_stdin(PRIVILEGED_POD),
        1,
    );
    let json = json_of(&output);
    let finding = &json["findings"][0];
    let expected = serde_json::json!({
        "rule": "privileged-container", "severity": "critical", "file": "-", "line": 11,
        "column": 19, "document": 0, "apiVersion": "v1", "kind": "Pod", "namespace": "ns",
        "name": "p", "path": "spec.containers[0].securityContext.privileged",
        "message": "container \"c\" runs privileged",
        // FNV-1a 64 of "privileged-container\0\0Pod\0ns\0p\0spec.containers[name=c]
        // .securityContext.privileged\0", as the README documents.
        "fingerprint": "8dc64dccf9a28cf4"
    });
    assert_eq!(finding, &expected);
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(json["summary"]["objects"], 1);
}

#[test]
fn bad_input_is_reported_and_the_rest_is_still_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write =
        |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).expect("write");
    write("a-good.yaml", PRIVILEGED_POD.as_bytes());
    write("b-malformed.yaml", b"kind: Pod\nspec: [unclosed\n");
    write("c-latin1.yaml", b"kind: Pod\nmetadata:\n  name: caf\xe9\n");
    write(
        "d-wrong-type.yaml",
        b"apiVersion: v1\nkind: Pod\nspec:\n  hostPID: sometimes\n  containers: []\n",
    );
    let bomb: String = std::iter::once("a0: &a0 [x, x, x, x, x, x, x, x, x]\n".to_owned())
        .chain((1..12).map(|i| {
            format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 9].join(", ")
            )
        }))
        .collect();
    write("e-bomb.yaml", bomb.as_bytes());
    write(
        "f-deep.yaml",
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes(),
    );
    write("g-empty.yaml", b"");
    write("h-no-kind.yaml", b"apiVersion: v1\nmetadata: {name: x}\n");
    let huge = std::fs::File::create(dir.path().join("i-huge.yaml")).expect("create");
    huge.set_len(1 << 30).expect("sparse 1 GiB file");
    let output = stdout_of(
        rampart().arg("scan").arg(dir.path()).args([
            "--format",
            "json",
            "--rule",
            "privileged-container",
        ]),
        2,
    );
    let json = json_of(&output);
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(1),
        "{json:#}"
    );
    let errors: Vec<(String, u64, String)> = json["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let file = Path::new(e["file"].as_str().unwrap_or_default());
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                name,
                e["line"].as_u64().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expect = |file: &str, line: u64, words: &str| {
        assert!(
            errors
                .iter()
                .any(|(f, l, m)| f == file && *l == line && m.contains(words)),
            "no error {file}:{line} containing {words:?} in {errors:#?}"
        );
    };
    expect("b-malformed.yaml", 2, "invalid YAML: unclosed bracket");
    expect("c-latin1.yaml", 3, "invalid UTF-8");
    expect("d-wrong-type.yaml", 4, "spec.hostPID");
    expect("e-bomb.yaml", 6, "safety limit");
    expect("f-deep.yaml", 1, "safety limit");
    expect("h-no-kind.yaml", 1, "kind is required");
    expect("i-huge.yaml", 1, "more than the limit");
    assert_eq!(errors.len(), 7, "{errors:#?}");
}

#[test]
fn directories_are_walked_recursively_honouring_gitignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("deep/er")).expect("mkdir");
    std::fs::write(dir.path().join(".gitignore"), "ignored.yaml\n").expect("write");
    for name in [
        "deep/er/pod.yml",
        "ignored.yaml",
        "notes.txt",
        "deep/pod.json",
    ] {
        let text = if name.ends_with(".json") {
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}"#.to_owned()
        } else {
            PRIVILEGED_POD.to_owned()
        };
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let output = stdout_of(
        rampart().arg("scan").arg(dir.path()).args([
            "--format",
            "json",
            "--rule",
            "privileged-container",
        ]),
        1,
    );
    let json = json_of(&output);
    let mut files: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            f["file"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    files.sort();
    assert_eq!(files, vec!["pod.json", "pod.yml"]);
}

#[test]
fn node_files_are_walked_by_content_kops_manifests_and_systemd_units_included() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (
            "etc/kubernetes/manifests/kube-apiserver.manifest",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    command: [/go-runner]\n    args: [--also-stdout, /usr/local/bin/kube-apiserver, --profiling=true]\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n",
        ),
        (
            "usr/lib/systemd/system/kubelet.service",
            "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/usr/bin/kubelet \\\n  --kubeconfig=/etc/kubernetes/kubelet.conf\n",
        ),
        // Not cluster configuration: skipped.
        (
            "usr/lib/systemd/system/containerd.service",
            "[Service]\nExecStart=/usr/bin/containerd\n",
        ),
        ("app.manifest", "<?xml version=\"1.0\"?><assembly/>\n"),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let output = stdout_of(
        rampart().arg("scan").arg(dir.path()).args([
            "--format",
            "json",
            "--rule",
            "apiserver-profiling",
            "--rule",
            "kubelet-anonymous-auth",
        ]),
        1,
    );
    let json = json_of(&output);
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let name = file.rsplit('/').next().unwrap_or_default().to_owned();
            (name, f["rule"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "kube-apiserver.manifest".to_owned(),
                "apiserver-profiling".to_owned()
            ),
            (
                "kubelet.service".to_owned(),
                "kubelet-anonymous-auth".to_owned()
            ),
        ]
    );
    assert!(
        json["errors"].as_array().is_none_or(Vec::is_empty),
        "{json}"
    );
}

#[test]
fn missing_paths_and_unknown_rules_exit_2() {
    rampart()
        .args(["scan", "no/such/dir"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "no/such/dir:1:1: error: no such file or directory",
        ));
    rampart()
        .args(["scan", "examples", "--rule", "nope"])
        .assert()
        .code(2);
    rampart()
        .args(["scan", "examples", "--format", "xml"])
        .assert()
        .code(2);
    rampart().args(["rules", "nope"]).assert().code(2);
}

#[test]
fn annotations_suppress_rules_per_object_and_per_container() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    rampart.dev/ignore: \"host-pid=monitoring agent needs it\"\n    rampart.dev/ignore.debug: privileged-container\nspec:\n  hostPID: true\n  containers:\n  - name: debug\n    securityContext: {privileged: true}\n  - name: app\n    securityContext: {privileged: true}\n";
    let output = stdout_of(
        rampart()
            .args([
                "scan",
                "-",
                "--format",
                "json",
                "--rule",
                "host-pid,privileged-container",
            ])
            .write_stdin(pod),
        1,
    );
    let json = json_of(&output);
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, vec!["spec.containers[1].securityContext.privileged"]);
    assert_eq!(json["summary"]["suppressed"], 2);
}

#[test]
fn the_config_file_selects_rerates_and_excludes() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("vendor")).expect("mkdir");
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).expect("write");
    std::fs::write(dir.path().join("vendor/pod.yaml"), PRIVILEGED_POD).expect("write");
    std::fs::write(
        dir.path().join(".rampart.yaml"),
        "rules:\n  enable: [privileged-container, image-digest-missing]\n  disable: [image-digest-missing]\nseverity:\n  privileged-container: low\nexclude: ['vendor/**']\nfail-on: medium\n",
    )
    .expect("write");
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    let output = stdout_of(
        cmd.current_dir(dir.path())
            .args(["scan", ".", "--format", "json"]),
        0,
    );
    let json = json_of(&output);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{json:#}");
    assert_eq!(findings[0]["severity"], "low");
    assert_eq!(findings[0]["file"], "./pod.yaml");
    // The same files are excluded when the directory is given as an absolute path.
    let mut absolute = Command::cargo_bin("rampart").expect("binary");
    let output = stdout_of(
        absolute
            .current_dir(dir.path())
            .arg("scan")
            .arg(dir.path().canonicalize().expect("canonical"))
            .args(["--format", "json"]),
        0,
    );
    let json = json_of(&output);
    let files: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("/pod.yaml") && !files[0].contains("vendor"));
    let mut bad = Command::cargo_bin("rampart").expect("binary");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "rules: {disable: [typo-rule]}\n",
    )
    .expect("write");
    bad.current_dir(dir.path())
        .args(["scan", ".", "--config", "bad.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.yaml:1:19: unknown rule id \"typo-rule\"",
        ));
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let output = stdout_of(
        rampart().args([
            "scan",
            "examples/insecure.yaml",
            "examples/hardened.yaml",
            "--format",
            "sarif",
        ]),
        1,
    );
    let sarif = json_of(&output);
    let problems = sarif_problems(&sarif);
    assert!(problems.is_empty(), "{problems:#?}");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 24);
    let privileged = results
        .iter()
        .find(|r| {
            r["ruleId"] == "privileged-container"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|uri| uri.ends_with("examples/insecure.yaml"))
        })
        .expect("privileged");
    let region = &privileged["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(23), Some(23))
    );
    let index = privileged["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][index]["id"],
        "privileged-container"
    );
}

#[test]
fn junit_output_has_a_failing_case_per_object() {
    let output = stdout_of(
        rampart().args([
            "scan",
            "examples/insecure.yaml",
            "examples/hardened.yaml",
            "--format",
            "junit",
        ]),
        1,
    );
    let xml = String::from_utf8(output).expect("utf-8");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"examples/insecure.yaml\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"Deployment default/legacy-agent\""),
        "{xml}"
    );
    assert!(
        xml.contains("examples/insecure.yaml:23:23: critical privileged-container"),
        "{xml}"
    );
}

#[test]
fn output_file_and_deterministic_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let run = |threads: &str| {
        rampart()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "scan",
                "examples/",
                "crates/rampart-core/tests/rules",
                "--format",
                "json",
                "--output",
            ])
            .arg(&out)
            .assert()
            .code(1)
            .stdout("");
        std::fs::read_to_string(&out).expect("report written")
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert!(
        json_of(one.as_bytes())["findings"]
            .as_array()
            .is_some_and(|f| f.len() > 50)
    );
}

#[test]
fn rules_lists_and_explains() {
    rampart().arg("rules").assert().success().stdout(
        predicate::str::contains("privileged-container")
            .and(predicate::str::contains("ignored-field")),
    );
    rampart()
        .args(["rules", "sensitive-host-path"])
        .assert()
        .success()
        .stdout(predicate::str::contains("docker.sock"));
}

#[test]
fn a_rule_is_explained_with_its_failing_and_fixed_fixtures() {
    let output = stdout_of(rampart().args(["rules", "privileged-container"]), 0);
    let text = String::from_utf8(output).unwrap();
    let fails = text
        .find("Fails (> marks what the rule reports):")
        .expect(&text);
    let passes = text.find("Passes:").expect(&text);
    assert!(fails < passes, "{text}");
    let failing = &text[fails..passes];
    assert!(
        failing.contains("crates/rampart-core/tests/rules/privileged-container/fail.yaml"),
        "{failing}"
    );
    // The lines the fixture's `# expect:` comments name, marked; the comments left out.
    let fixture = std::fs::read_to_string(
        repo().join("crates/rampart-core/tests/rules/privileged-container/fail.yaml"),
    )
    .unwrap();
    let line = fixture.lines().nth(13).unwrap();
    assert!(failing.contains(&format!("14 > {line}")), "{failing}");
    assert!(!failing.contains("# expect"), "{failing}");
    assert!(
        text[passes..].contains("privileged-container/pass.yaml"),
        "{text}"
    );
}

/// Rule ids whose findings `examples/docker/insecure` must show: every rule with a
/// Docker check, and the rule that joins a Dockerfile with the Deployment running it.
fn docker_rule_ids() -> Vec<String> {
    let output = stdout_of(rampart().args(["rules", "--markdown"]), 0);
    let markdown = String::from_utf8(output).expect("utf-8");
    let mut ids = Vec::new();
    let mut current = None;
    for line in markdown.lines() {
        if let Some(id) = line.strip_prefix("## ") {
            current = Some(id.to_owned());
        } else if let (Some(id), Some(applies)) = (&current, line.strip_prefix("**Applies to.** "))
        {
            let docker = ["Compose", "daemon.json", "Dockerfile"]
                .iter()
                .any(|artefact| applies.contains(artefact));
            if docker {
                ids.push(id.clone());
            }
        }
    }
    ids.push("image-user-mismatch".to_owned());
    ids
}

#[test]
fn a_mixed_docker_directory_reports_every_docker_rule_with_positions() {
    let output = stdout_of(
        rampart().args(["scan", "examples/docker/insecure", "--format", "json"]),
        1,
    );
    let report = json_of(&output);
    assert_eq!(report["errors"], serde_json::json!([]));
    let findings = report["findings"].as_array().expect("findings");
    for finding in findings {
        assert!(finding["line"].as_u64() > Some(0), "{finding}");
        assert!(finding["column"].as_u64() > Some(0), "{finding}");
    }
    let found: std::collections::BTreeSet<&str> =
        findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    let missing: Vec<String> = docker_rule_ids()
        .into_iter()
        .filter(|id| !found.contains(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "rules without a finding: {missing:?}");
    let kinds: std::collections::BTreeSet<&str> =
        findings.iter().filter_map(|f| f["kind"].as_str()).collect();
    for kind in [
        "ComposeService",
        "Container",
        "DaemonConfig",
        "Dockerfile",
        "Deployment",
    ] {
        assert!(kinds.contains(kind), "no finding on a {kind}: {kinds:?}");
    }
}

#[test]
fn the_hardened_docker_examples_are_clean() {
    rampart()
        .args(["scan", "examples/docker/hardened", "--fail-on", "info"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 findings"));
}

#[test]
fn dockerfiles_and_compose_files_are_recognised_by_name_and_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile.dev"),
        "FROM alpine:3.20\nUSER 0\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("stack.yml"),
        "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
    )
    .expect("write");
    let output = stdout_of(
        rampart()
            .args([
                "scan",
                "--rule",
                "run-as-root,privileged-container",
                "--format",
                "json",
            ])
            .arg(dir.path()),
        1,
    );
    let report = json_of(&output);
    let located: Vec<(String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        located.contains(&("run-as-root".to_owned(), 2)),
        "{located:?}"
    );
    assert!(
        located.contains(&("privileged-container".to_owned(), 4)),
        "{located:?}"
    );
    // Compose from standard input, by content.
    rampart()
        .args(["scan", "-", "--rule", "privileged-container"])
        .write_stdin("services:\n  web:\n    image: nginx:1.27\n    privileged: true\n")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "-:4:17: critical privileged-container",
        ));
}

#[test]
fn input_the_api_server_would_refuse_exits_2_and_warnings_are_reported() {
    let wrong_group = PRIVILEGED_POD.replace("kind: Pod", "kind: Deployment");
    rampart()
        .args(["scan", "-"])
        .write_stdin(wrong_group)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "-:1:13: error: no matches for kind \"Deployment\" in version \"v1\" (Deployment is served as apps/v1)",
        ));
    let three = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: \"three\"\n";
    rampart()
        .args(["scan", "-"])
        .write_stdin(three)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "-:5:13: error: spec.replicas: invalid type: expected integer, got string \"three\"",
        ));
    let typo = PRIVILEGED_POD.replace(
        "  namespace: ns\n",
        "  namespace: ns\n  annotations: {rampart.dev/ignore: privileged-containr}\n",
    );
    let output = stdout_of(
        rampart()
            .args([
                "scan",
                "-",
                "--format",
                "json",
                "--rule",
                "privileged-container",
            ])
            .write_stdin(typo.clone()),
        1,
    );
    let json = json_of(&output);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["summary"]["warnings"], 1);
    assert_eq!(json["warnings"][0]["line"], 6);
    assert!(
        json["warnings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown rule id \"privileged-containr\"")),
        "{json:#}"
    );
    rampart()
        .args(["scan", "-", "--rule", "privileged-container"])
        .write_stdin(typo)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "-:6:37: warning: rampart.dev/ignore: unknown rule id",
        ))
        .stdout(predicate::str::contains(", 1 warning"));
}
