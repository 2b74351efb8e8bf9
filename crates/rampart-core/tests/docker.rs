//! Docker artefacts end to end through `scan_file`: Compose features (anchors, merge
//! keys, `extends`, `include`, interpolation), labels as suppressions, `docker inspect`
//! detection, Dockerfile syntax (heredocs, continuations, directives, errors).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use rampart_core::config::Config;
use rampart_core::scan::{FileScan, ScanOptions, scan_file};

fn scan_text(name: &str, text: &str, rules: &[&str]) -> FileScan {
    let options = ScanOptions::from_config(Config::default().only(rules));
    scan_file(name, text.as_bytes(), &options)
}

/// `(rule, line, path)` of every finding.
fn located(scan: &FileScan) -> Vec<(&'static str, u32, String)> {
    scan.findings
        .iter()
        .map(|f| {
            let line = f.pos.expect("a file finding has a position").line;
            (f.finding.rule, line, f.finding.path.to_string())
        })
        .collect()
}

const COMPOSE: &str = r#"x-common: &common
  privileged: true
  restart: "${RESTART:-always}"
services:
  base:
    image: example/base:1.0
    cap_add: [SYS_ADMIN]
  web:
    <<: *common
    extends:
      service: base
    image: example/web:1.0
  remote:
    extends:
      file: other.yaml
      service: base
    image: example/remote:1.0
  quiet:
    image: example/quiet:1.0
    privileged: true
    labels:
      rampart.dev/ignore: "privileged-container=reviewed"
include:
  - other.yaml
"#;

#[test]
fn compose_anchors_merge_keys_and_same_file_extends() {
    let scan = scan_text(
        "docker-compose.yml",
        COMPOSE,
        &[
            "privileged-container",
            "dangerous-capabilities",
            "restart-policy-unbounded",
        ],
    );
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(scan.objects, 4);
    let found = located(&scan);
    // The merge key brings `privileged` in; its position is the alias.
    assert!(
        found.contains(&("privileged-container", 9, "services.web.privileged".into())),
        "{found:?}"
    );
    // `extends` brings `cap_add` in from `base`, located where `base` defines it.
    assert!(
        found.contains(&(
            "dangerous-capabilities",
            7,
            "services.base.cap_add[0]".into()
        )),
        "{found:?}"
    );
    // Interpolation is kept as written: an unknown policy is not guessed at.
    assert!(
        !found
            .iter()
            .any(|(rule, _, path)| *rule == "restart-policy-unbounded"
                && path.starts_with("services.web")),
        "{found:?}"
    );
    // `extends` of another file is not followed; the service is checked as written.
    assert!(
        !found
            .iter()
            .any(|(_, _, path)| path.starts_with("services.remote.cap_add")),
        "{found:?}"
    );
    // Labels suppress like annotations do.
    assert!(
        !found
            .iter()
            .any(|(rule, _, path)| *rule == "privileged-container"
                && path.starts_with("services.quiet")),
        "{found:?}"
    );
    assert_eq!(scan.suppressed, 1);
}

#[test]
fn inspect_output_of_one_container_or_a_list() {
    let one = r#"{"Id": "abc", "Name": "/web", "HostConfig": {"Privileged": true}, "Config": {}}"#;
    let scan_one = scan_text("web.json", one, &["privileged-container"]);
    assert_eq!(
        located(&scan_one),
        [("privileged-container", 1, "HostConfig.Privileged".into())]
    );
    let list = format!("[{one}, {one}]");
    assert_eq!(
        scan_text("-", &list, &["privileged-container"])
            .findings
            .len(),
        2
    );
}

#[test]
fn kubernetes_manifests_are_unchanged_by_the_file_name() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext: {privileged: true}\n";
    for name in ["pod.yaml", "compose.yaml", ""] {
        let scan = scan_text(name, pod, &["privileged-container"]);
        assert_eq!(scan.findings.len(), 1, "{name}");
    }
}

#[test]
fn dockerfile_syntax_heredocs_continuations_directives_and_errors() {
    let text = "# syntax=docker/dockerfile:1\n# escape=\\\nFROM alpine:3.20 AS build\nRUN <<EOF bash\nset -eu\necho hi\nEOF\n# a comment after a heredoc\nRUN apk add --no-cache \\\n    curl=8.9.1-r0 \\\n # a comment inside a continuation\n    jq=1.7.1-r0\nFROM build\nUSER root\n";
    let scan = scan_text("build/Dockerfile.release", text, &["run-as-root"]);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(
        located(&scan),
        [("run-as-root", 14, "instructions[4]".into())]
    );

    let broken = scan_text(
        "Dockerfile",
        "FROM alpine:3.20\nRUN <<EOF\necho never closed\n",
        &["run-as-root"],
    );
    assert_eq!(broken.errors.len(), 1, "{:?}", broken.errors);
    assert!(broken.errors[0].message.starts_with("invalid Dockerfile"));
    assert!(broken.findings.is_empty());
}

#[test]
fn daemon_configuration_by_name_and_by_content() {
    let text = "{\"icc\": true}\n";
    for name in ["daemon.json", "etc/docker.json"] {
        let scan = scan_text(name, text, &["daemon-icc-enabled"]);
        assert_eq!(
            located(&scan),
            [("daemon-icc-enabled", 1, "icc".into())],
            "{name}"
        );
    }
    let wrong = scan_text("daemon.json", "[\"icc\"]\n", &["daemon-icc-enabled"]);
    assert_eq!(wrong.errors.len(), 1, "{:?}", wrong.errors);
    assert!(wrong.findings.is_empty());
}

#[test]
fn compose_extends_merges_lists_as_compose_does() {
    let text = "services:\n\
                \x20 base:\n\
                \x20   image: example/base:1.0\n\
                \x20   cap_add: [SYS_ADMIN]\n\
                \x20   volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n\
                \x20 app:\n\
                \x20   extends: base\n\
                \x20   cap_add: [SYS_ADMIN, NET_ADMIN]\n\
                \x20   volumes: [\"sock:/var/run/docker.sock\"]\n";
    let scan = scan_text(
        "compose.yaml",
        text,
        &["dangerous-capabilities", "sensitive-host-path"],
    );
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let mut found = located(&scan);
    found.sort();
    // `app` has SYS_ADMIN once (its own entry replaces the base's) and its own volume
    // on the same target replaces the socket mount.
    assert_eq!(
        found,
        [
            (
                "dangerous-capabilities",
                4,
                "services.base.cap_add[0]".into()
            ),
            (
                "dangerous-capabilities",
                8,
                "services.app.cap_add[0]".into()
            ),
            (
                "dangerous-capabilities",
                8,
                "services.app.cap_add[1]".into()
            ),
            ("sensitive-host-path", 5, "services.base.volumes[0]".into()),
        ]
    );
}

#[test]
fn a_long_extends_chain_gives_each_service_its_findings_once() {
    let mut text =
        String::from("services:\n  s0:\n    image: example/app:1.0\n    cap_add: [SYS_ADMIN]\n");
    for i in 1..3000 {
        text.push_str(&format!(
            "  s{i}:\n    extends: {{service: s{}}}\n    cap_add: [SYS_ADMIN]\n",
            i - 1
        ));
    }
    let scan = scan_text("compose.yaml", &text, &["dangerous-capabilities"]);
    assert_eq!(scan.objects, 3000);
    assert_eq!(scan.findings.len(), 3000);
    for (i, finding) in scan.findings.iter().enumerate() {
        assert_eq!(
            finding.finding.path.to_string(),
            format!("services.s{i}.cap_add[0]")
        );
    }
}

#[test]
fn a_dockerfile_with_many_stages_follows_its_final_lineage() {
    let mut text = String::from("FROM alpine:3.20 AS s0\nUSER root\n");
    for i in 1..5000 {
        text.push_str(&format!("FROM s{} AS s{i}\nRUN echo {i}\n", i - 1));
    }
    let scan = scan_text("Dockerfile", &text, &["run-as-root", "image-tag-mutable"]);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    // Only the first stage has an image base; the final stage inherits its USER root.
    assert_eq!(
        located(&scan),
        [("run-as-root", 2, "instructions[1]".into())]
    );
}
