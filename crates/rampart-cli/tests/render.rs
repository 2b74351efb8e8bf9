//! Helm charts and Kustomize directories are rendered by their tools before they are
//! scanned. No Helm can be installed here: a stand-in `helm` on the PATH checks the
//! arguments it gets and prints a chart that Helm really rendered (argo-cd's redis-ha,
//! read from ../shared). Kustomize runs for real through `kubectl kustomize`, and through
//! stand-ins for the choice between `kustomize` and `kubectl`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A chart rendered by Helm 3, with its `# Source:` comments.
const RENDERED_CHART: &str =
    "corpus/kubernetes/argoproj__argo-cd/manifests/ha/base/redis-ha/chart/upstream.yaml";

/// A scan of the chart with values passed on to Helm.
const HELM_SCAN: &[&str] = &[
    "scan",
    "chart",
    "--values",
    "prod.yaml",
    "--set",
    "haproxy.enabled=true",
    "--set",
    "a.b=c",
];

/// Writes an executable shell script `name` into `dir`.
fn script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in for `program` that exits 9 unless called with exactly `args`, and then
/// prints `output`.
fn stand_in(dir: &Path, program: &str, args: &str, output: &Path) {
    script(
        dir,
        program,
        &format!(
            "if [ \"$*\" != '{args}' ]; then echo \"{program} stand-in: unexpected arguments: $*\" >&2; exit 9; fi\nexec /bin/cat '{}'\n",
            output.display()
        ),
    );
}

/// `rampart ARGS` in `dir` with only `bin` on the PATH.
fn rampart(dir: &Path, bin: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.current_dir(dir).env("PATH", bin).args(args);
    cmd
}

fn json(cmd: &mut Command, code: i32) -> Value {
    let out = cmd.assert().code(code).get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// A chart whose files are no manifests: a template that is not YAML until rendered,
/// `Chart.yaml` (apiVersion without kind) and `values.yaml`.
fn chart(dir: &Path) -> PathBuf {
    let chart = dir.join("chart");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: redis-ha\nversion: 4.35.10\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "replicas: 3\n").unwrap();
    std::fs::write(
        chart.join("templates/statefulset.yaml"),
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ include \"redis-ha.fullname\" . }}\n{{- with .Values.x }}\n  {{- toYaml . | nindent 2 }}\n{{- end }}\n",
    )
    .unwrap();
    chart
}

/// The line of `rendered` that is line `line` of the text Helm printed for `template`.
fn rendered_line<'a>(rendered: &'a str, template: &str, line: u64) -> &'a str {
    let lines: Vec<&str> = rendered.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == format!("# Source: {template}"))
        .unwrap();
    lines[start + usize::try_from(line).unwrap() - 1]
}

#[test]
fn a_chart_is_rendered_by_helm_with_values_passed_through() {
    let Some(upstream) = rampart_test_support::shared(RENDERED_CHART, "helm rendering") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    chart(work.path());
    std::fs::write(work.path().join("prod.yaml"), "replicas: 5\n").unwrap();
    stand_in(
        bin.path(),
        "helm",
        "template chart --values prod.yaml --set haproxy.enabled=true --set a.b=c",
        &upstream,
    );
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &[HELM_SCAN, &["--format", "json"]].concat(),
        ),
        1,
    );
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 10, "{report:#}");
    let rendered = std::fs::read_to_string(&upstream).unwrap();
    for finding in findings {
        // Named after the template in the chart; positioned in what Helm printed for it.
        let file = finding["file"].as_str().unwrap();
        let template = file.strip_prefix("chart/").unwrap();
        assert!(template.starts_with("charts/redis-ha/templates/"), "{file}");
        let line = rendered_line(
            &rendered,
            &format!("redis-ha/{template}"),
            finding["line"].as_u64().unwrap(),
        );
        // The line holds a key of the field's path (the field, or the nearest ancestor
        // present when the field is missing), or an item of a list on it.
        let path = finding["path"].as_str().unwrap();
        let key = line.trim_start().trim_start_matches("- ");
        let on_path = path
            .split('.')
            .map(|c| c.split('[').next().unwrap())
            .any(|c| key.starts_with(&format!("{c}:")));
        assert!(
            on_path || path.ends_with(']'),
            "{file}:{}: {path} is not at {line:?}",
            finding["line"]
        );
    }
    let token = findings
        .iter()
        .find(|f| f["rule"] == "service-account-token-automount")
        .unwrap();
    assert_eq!(
        token["file"],
        "chart/charts/redis-ha/templates/redis-haproxy-deployment.yaml"
    );
    assert_eq!(token["kind"], "Deployment");

    // The text report shows the rendered line under the template's name.
    let text = rampart(
        work.path(),
        bin.path(),
        &[HELM_SCAN, &["--rule", "service-account-token-automount"]].concat(),
    )
    .assert()
    .code(1);
    let stdout = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(
        stdout.contains("chart/charts/redis-ha/templates/redis-haproxy-deployment.yaml:43:37: low service-account-token-automount"),
        "{stdout}"
    );
    assert!(
        stdout.contains("43 |       automountServiceAccountToken: true"),
        "{stdout}"
    );
}

#[test]
fn a_chart_that_does_not_render_is_one_error() {
    let work = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    chart(work.path());
    stand_in(bin.path(), "helm", "never these", Path::new("/dev/null"));
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &["scan", "chart", "--format", "json"],
        ),
        2,
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("a Helm chart that does not render")
            && message.contains("helm stand-in: unexpected arguments: template chart")
            && message.contains("try: helm template chart"),
        "{message}"
    );
}

#[test]
fn without_helm_a_chart_is_one_clear_message_not_a_wall_of_yaml_errors() {
    let work = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    chart(work.path());
    std::fs::write(
        work.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx:1.27}]}\n",
    )
    .unwrap();
    let report = json(
        &mut rampart(
            work.path(),
            empty.path(),
            &["scan", ".", "--format", "json"],
        ),
        2,
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["file"], "./chart");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("needs Helm 3"), "{message}");
    assert!(
        message.contains("helm template ./chart | rampart scan -"),
        "{message}"
    );
    // The rest of the directory is still scanned; the chart is not counted as a file.
    assert_eq!(report["summary"]["files"], 1);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"] == "./pod.yaml")
    );

    // The files of a chart given on their own (as pre-commit passes what changed) stand
    // for the chart, rendered once: here, one error for it.
    let report = json(
        &mut rampart(
            work.path(),
            empty.path(),
            &[
                "scan",
                "chart/templates/statefulset.yaml",
                "chart/Chart.yaml",
                "chart/values.yaml",
                "--format",
                "json",
            ],
        ),
        2,
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["file"], "chart");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("needs Helm 3")
    );
}

#[test]
fn a_template_given_on_its_own_renders_its_chart() {
    let Some(upstream) = rampart_test_support::shared(RENDERED_CHART, "helm rendering") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    chart(work.path());
    stand_in(bin.path(), "helm", "template chart", &upstream);
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &[
                "scan",
                "chart/templates/statefulset.yaml",
                "chart/values.yaml",
                "--format",
                "json",
            ],
        ),
        1,
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    assert!(report["findings"].as_array().unwrap().len() > 10);
}

/// A base with a privileged pod and an overlay that prefixes its name.
fn kustomization(dir: &Path) {
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::create_dir_all(dir.join("overlay")).unwrap();
    std::fs::write(
        dir.join("base/kustomization.yaml"),
        "resources: [pod.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("base/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: nginx:1.27, securityContext: {privileged: true}}]\n",
    )
    .unwrap();
    // A patch: not a manifest on its own (no apiVersion), never read as one.
    std::fs::write(
        dir.join("overlay/patch.yaml"),
        "kind: Pod\nmetadata: {name: web}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("overlay/kustomization.yaml"),
        // `bases:` rather than `resources:`, which the kustomize inside Debian's kubectl
        // (v2.0) does not accept for directories; newer ones only warn.
        "bases: [../base]\nnamePrefix: prod-\n",
    )
    .unwrap();
}

#[test]
fn kustomize_directories_are_built_for_real() {
    let kubectl = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kubectl"))
            .find(|path| path.is_file())
    });
    let Some(kubectl) = kubectl.or_else(|| {
        rampart_test_support::skip_or_fail(
            "kustomize_directories_are_built_for_real",
            "kubectl is not installed",
        )
    }) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    kustomization(work.path());
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.current_dir(work.path())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .args([
            "scan",
            ".",
            "--rule",
            "privileged-container",
            "--format",
            "json",
        ]);
    let report = json(&mut cmd, 1);
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{report:#} ({})",
        kubectl.display()
    );
    let names: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["name"].as_str().unwrap()))
        .collect();
    // Each kustomization is built on its own; the base's files are not read raw.
    assert_eq!(
        names,
        [
            ("./base/kustomization.yaml", "web"),
            ("./overlay/kustomization.yaml", "prod-web")
        ]
    );
}

#[test]
fn kustomize_is_preferred_to_kubectl_and_named_after_the_kustomization() {
    let work = tempfile::tempdir().unwrap();
    kustomization(work.path());
    let built = work.path().join("built.yaml");
    std::fs::write(
        &built,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: prod-web}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx:1.27}]\n",
    )
    .unwrap();
    let bin = tempfile::tempdir().unwrap();
    stand_in(bin.path(), "kustomize", "build overlay", &built);
    stand_in(bin.path(), "kubectl", "nothing", Path::new("/dev/null"));
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &["scan", "overlay", "--rule", "host-pid", "--format", "json"],
        ),
        1,
    );
    assert_eq!(report["findings"][0]["file"], "overlay/kustomization.yaml");
    assert_eq!(report["findings"][0]["line"], 5);

    // Without kustomize, kubectl's.
    std::fs::remove_file(bin.path().join("kustomize")).unwrap();
    stand_in(bin.path(), "kubectl", "kustomize overlay", &built);
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &["scan", "overlay", "--rule", "host-pid", "--format", "json"],
        ),
        1,
    );
    assert_eq!(report["findings"][0]["name"], "prod-web");

    // Without either, one message.
    std::fs::remove_file(bin.path().join("kubectl")).unwrap();
    let report = json(
        &mut rampart(
            work.path(),
            bin.path(),
            &["scan", "overlay", "--format", "json"],
        ),
        2,
    );
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("needs kubectl or kustomize")
            && message.contains("kubectl kustomize overlay | rampart scan -"),
        "{message}"
    );
}
