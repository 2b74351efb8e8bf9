//! End-to-end tests of what adopting rampart on an existing estate takes: `rampart
//! explain`, `rampart pss migrate` and scan baselines.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(repository());
    cmd
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let output = cmd.assert().code(code).get_output().stdout.clone();
    String::from_utf8(output).expect("UTF-8")
}

fn json(cmd: &mut Command, code: i32) -> Value {
    serde_json::from_str(&stdout(cmd, code)).expect("JSON output")
}

#[test]
fn explain_text_names_each_setting_its_source_and_line() {
    let text = stdout(rampart().args(["explain", "examples/explain"]), 0);
    insta::assert_snapshot!("explain_text", text);
}

#[test]
fn explain_json_covers_every_source_of_a_setting() {
    let report = json(
        rampart().args(["explain", "examples/explain", "--format", "json"]),
        0,
    );
    insta::assert_json_snapshot!("explain_json", report);
    let origins: BTreeSet<&str> = report["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .flat_map(|c| c["settings"].as_array().expect("settings"))
        .filter_map(|s| s["origin"].as_str())
        .collect();
    let every = [
        "container",
        "pod",
        "container-annotation",
        "pod-annotation",
        "service-account",
        "image",
        "implied",
        "runtime-default",
        "default",
    ];
    assert_eq!(origins, every.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn explain_one_container_by_name() {
    let report = json(
        rampart().args([
            "explain",
            "examples/explain",
            "--container",
            "api",
            "--format",
            "json",
        ]),
        0,
    );
    let containers = report["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1);
    let setting = |name: &str| {
        containers[0]["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .find(|s| s["setting"] == name)
            .cloned()
            .expect("setting")
    };
    let user = setting("runAsUser");
    assert_eq!(
        (
            &user["value"],
            &user["origin"],
            &user["file"],
            &user["line"]
        ),
        (
            &Value::from(10001),
            &Value::from("image"),
            &Value::from("examples/explain/api/Dockerfile"),
            &Value::from(10)
        )
    );
    let token = setting("serviceAccountToken");
    assert_eq!(token["value"]["mounted"], false);
    assert_eq!(
        (&token["origin"], &token["line"]),
        (&Value::from("service-account"), &Value::from(10))
    );
    rampart()
        .args(["explain", "examples/explain", "--container", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no container named \"nope\""));
}

/// `rampart pss FILE --level LEVEL --format json`: whether the object named `name` is
/// allowed.
fn pss_allows(file: &str, kind: &str, name: &str, level: &str) -> bool {
    let report = json(
        rampart().args(["pss", file, "--level", level, "--format", "json"]),
        // 1 when some object of the file is rejected.
        if level == "privileged" {
            0
        } else {
            pss_exit(file, level)
        },
    );
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["kind"] == kind && r["name"] == name)
        .map(|r| r["allowed"] == true)
        .expect("object evaluated")
}

fn pss_exit(file: &str, level: &str) -> i32 {
    rampart()
        .args(["pss", file, "--level", level])
        .output()
        .expect("runs")
        .status
        .code()
        .expect("exit code")
}

#[test]
fn migrate_recommends_levels_that_pss_confirms_on_the_pods_as_written() {
    let report = json(
        rampart().args(["pss", "migrate", "examples/psp", "--format", "json"]),
        0,
    );
    let namespaces = report["namespaces"].as_array().expect("namespaces");
    let level_of = |ns: &str| {
        namespaces
            .iter()
            .find(|n| n["namespace"] == ns)
            .map(|n| n["level"].as_str().expect("level").to_owned())
            .expect("namespace")
    };
    assert_eq!(level_of("shop"), "baseline");
    assert_eq!(level_of("legacy"), "baseline");
    assert_eq!(level_of("kube-system"), "privileged");
    let next = |level: &str| match level {
        "privileged" => "baseline",
        _ => "restricted",
    };
    let mut checked = 0;
    for ns in namespaces {
        let level = ns["level"].as_str().expect("level");
        for pod in ns["pods"].as_array().expect("pods") {
            let (file, kind, name) = (
                pod["file"].as_str().expect("file"),
                pod["kind"].as_str().expect("kind"),
                pod["name"].as_str().expect("name"),
            );
            if pod["admitted"] != true || pod["written"] != "manifest" {
                continue;
            }
            assert!(
                pss_allows(file, kind, name, level),
                "{kind} {name} at {level}"
            );
            checked += 1;
        }
        for blocker in ns["blocking"].as_array().expect("blocking") {
            let (file, kind, name) = (
                blocker["file"].as_str().expect("file"),
                blocker["kind"].as_str().expect("kind"),
                blocker["name"].as_str().expect("name"),
            );
            let as_written = ns["pods"]
                .as_array()
                .expect("pods")
                .iter()
                .any(|p| p["kind"] == kind && p["name"] == name && p["written"] == "manifest");
            if as_written {
                assert!(!pss_allows(file, kind, name, next(level)), "{kind} {name}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{checked}");
    // The Deployment passes restricted only because the `defaults` policy changes it.
    let api = namespaces
        .iter()
        .flat_map(|n| n["pods"].as_array().expect("pods"))
        .find(|p| p["kind"] == "Deployment" && p["name"] == "api")
        .expect("api");
    assert_eq!(
        (&api["policy"], &api["levelWithPsp"], &api["reliesOnPsp"]),
        (
            &Value::from("defaults"),
            &Value::from("restricted"),
            &Value::from(true)
        )
    );
    let fields: Vec<&str> = api["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["path"].as_str().expect("path"))
        .collect();
    assert!(fields.contains(&"spec.template.spec.securityContext.seccompProfile.type"));
    let shop = namespaces
        .iter()
        .find(|n| n["namespace"] == "shop")
        .expect("shop");
    assert_eq!(
        shop["command"],
        "kubectl label --overwrite ns shop pod-security.kubernetes.io/enforce=baseline \
         pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted"
    );
    let text = stdout(rampart().args(["pss", "migrate", "examples/psp"]), 0);
    insta::assert_snapshot!("migrate_text", text);
}

#[test]
fn pss_keeps_its_own_form_next_to_migrate() {
    let report = json(
        rampart().args([
            "pss",
            "examples/psp/pods.yaml",
            "--level",
            "baseline",
            "--format",
            "json",
        ]),
        1,
    );
    assert_eq!(report["results"].as_array().map(Vec::len), Some(2));
    let pinned = json(
        rampart().args([
            "pss",
            "migrate",
            "examples/psp/pods.yaml",
            "examples/psp/policies.yaml",
            "--version",
            "v1.30",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(pinned["version"], "v1.30");
    let command = pinned["namespaces"][0]["command"]
        .as_str()
        .expect("command");
    assert!(
        command.contains("pod-security.kubernetes.io/enforce-version=v1.30"),
        "{command}"
    );
}

/// The tree a team scans before adopting a baseline.
const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: shop/web:latest
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add: [NET_RAW, SYS_ADMIN]
      - name: sidecar
        image: envoyproxy/envoy:v1.31.0
        ports:
        - containerPort: 9901
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

const DEBUG: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: ops
spec:
  hostNetwork: true
  containers:
  - name: shell
    image: busybox:1.36
";

/// The same tree after a round of edits: comments move every line, the documents are
/// swapped, the Deployment is reformatted (flow style, other indentation, keys
/// reordered) with its containers (and added capabilities) reordered and one new
/// privileged container, and the debug pod's file moved to another directory.
const WEB_EDITED: &str = "\
# The web shop.
# Owned by the storefront team.

apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
kind: Deployment
apiVersion: apps/v1
metadata: {namespace: shop, name: web}
spec:
    selector: {matchLabels: {app: web}}
    template:
        metadata: {labels: {app: web}}
        spec:
            containers:
            -   name: sidecar
                ports: [{containerPort: 9901}]
                image: envoyproxy/envoy:v1.31.0
            -   name: tools
                image: shop/tools:1.0
                securityContext:
                    privileged: true
            -   name: app
                image: 'shop/web:latest'
                securityContext:
                    capabilities: {add: [SYS_ADMIN, NET_RAW]}
                    allowPrivilegeEscalation: false
";

fn write_tree(root: &std::path::Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn scan_in(dir: &std::path::Path, args: &[&str], code: i32) -> Value {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(dir)
        .args(["scan", "tree", "--format", "json"])
        .args(args);
    json(&mut cmd, code)
}

fn fingerprints(report: &Value) -> Vec<String> {
    let mut all: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    all
}

#[test]
fn a_baseline_survives_edits_and_reports_only_the_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &[("apps/web.yaml", WEB), ("debug/pod.yaml", DEBUG)]);
    let before = scan_in(dir.path(), &[], 1);
    let accepted = before["findings"].as_array().unwrap().len();
    assert!(accepted > 5, "{before:#}");
    scan_in(dir.path(), &["--write-baseline", "baseline.yaml"], 0);
    let file = std::fs::read_to_string(dir.path().join("baseline.yaml")).unwrap();
    assert!(
        file.contains("path: spec.template.spec.containers[name=app].image"),
        "{file}"
    );
    assert!(
        file.contains("securityContext.capabilities.add[=SYS_ADMIN]"),
        "{file}"
    );
    let unchanged = scan_in(dir.path(), &["--baseline", "baseline.yaml"], 0);
    assert_eq!(unchanged["findings"], serde_json::json!([]));
    assert_eq!(unchanged["baseline"]["baselined"], accepted);

    std::fs::remove_dir_all(&tree).unwrap();
    write_tree(
        &tree,
        &[("apps/web.yaml", WEB_EDITED), ("ops/debug/pod.yaml", DEBUG)],
    );
    let edited = scan_in(dir.path(), &["--baseline", "baseline.yaml"], 1);
    assert_eq!(edited["baseline"]["baselined"], accepted, "{edited:#}");
    assert_eq!(edited["baseline"]["stale"], serde_json::json!([]));
    let new = edited["findings"].as_array().unwrap();
    let rules: BTreeSet<&str> = new.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains("privileged-container"), "{rules:?}");
    for finding in new {
        assert_eq!(finding["name"], "web", "{finding:#}");
        let path = finding["path"].as_str().unwrap();
        assert!(
            path.starts_with("spec.template.spec.containers[1]"),
            "only the new container `tools`: {finding:#}"
        );
    }
    // Code scanning sees the same fingerprints: the old ones all again, plus the new.
    let all_after = fingerprints(&scan_in(dir.path(), &[], 1));
    let old = fingerprints(&before);
    assert!(old.iter().all(|f| all_after.contains(f)));
    assert_eq!(all_after.len(), old.len() + new.len());
    let sarif: Value = {
        let mut cmd = Command::cargo_bin("rampart").expect("binary");
        cmd.current_dir(dir.path())
            .args(["scan", "tree", "--format", "sarif"]);
        json(&mut cmd, 1)
    };
    let mut in_sarif: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["rampartFinding/v2"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    in_sarif.sort();
    assert_eq!(in_sarif, all_after);

    // Fixing the debug pod (here: removing it) leaves its entries stale, and says so.
    std::fs::remove_dir_all(tree.join("ops")).unwrap();
    let fixed = scan_in(dir.path(), &["--baseline", "baseline.yaml"], 1);
    let debug = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "debug")
        .count();
    assert!(debug > 0);
    let stale = fixed["baseline"]["stale"].as_array().unwrap();
    assert_eq!(
        stale
            .iter()
            .map(|e| e["count"].as_u64().unwrap_or(1))
            .sum::<u64>(),
        debug as u64
    );
    assert!(stale.iter().all(|e| e["name"] == "debug"), "{stale:?}");
    assert_eq!(fixed["baseline"]["baselined"], accepted - debug);
    let mut text = Command::cargo_bin("rampart").expect("binary");
    text.current_dir(dir.path()).args([
        "scan",
        "tree",
        "--baseline",
        "baseline.yaml",
        "--fail-on",
        "critical",
    ]);
    let text = stdout(&mut text, 1);
    assert!(
        text.contains(&format!(
            "baseline baseline.yaml: {} findings not reported, {debug} entries no longer found",
            accepted - debug
        )),
        "{text}"
    );
}

#[test]
fn a_broken_baseline_is_a_usage_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("tree/pod.yaml", DEBUG),
            (
                "b.yaml",
                "version: 1\nfindings:\n- rule: x\n  kind: Pod\n  path: spec\n  nmae: debug\n",
            ),
        ],
    );
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(dir.path())
        .args(["scan", "tree", "--baseline", "b.yaml"]);
    let output = cmd.assert().code(2).get_output().stderr.clone();
    let stderr = String::from_utf8(output).unwrap();
    assert!(stderr.contains("b.yaml:6:9:"), "{stderr}");
    assert!(stderr.contains("nmae"), "{stderr}");
}

#[test]
fn an_invalid_policy_is_an_error_at_its_field_and_the_rest_is_planned() {
    let input = "\
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: bad}
spec:
  runAsUser: {rule: RunAsAny}
  privileged: maybe
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  containers: [{name: c, image: x}]
";
    let report = json(
        rampart()
            .args(["pss", "migrate", "-", "--format", "json"])
            .write_stdin(input),
        2,
    );
    let error = &report["errors"][0];
    assert_eq!(
        (&error["line"], &error["column"]),
        (&Value::from(6), &Value::from(15))
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("spec.privileged: invalid type"),
        "{error}"
    );
    assert_eq!(report["namespaces"][0]["namespace"], "a");
    assert_eq!(report["namespaces"][0]["level"], "baseline");
    let text = rampart()
        .args(["pss", "migrate", "-"])
        .write_stdin(input)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(
            "namespace a: no PodSecurityPolicy in the input (every pod counted); baseline"
        ),
        "{text}"
    );
}

/// The `image-user-mismatch` fixture's Deployment (a rule that looks across files) with
/// its containers in reverse order.
const SHOP_REORDERED: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - {name: other, image: 'registry.example.com/other:1.0'}
      - name: metrics
        image: registry.example.com/shop/metrics:1.4.2
        securityContext: {runAsNonRoot: false}
      - name: worker
        image: registry.example.com/shop/worker:1.4.2
        securityContext: {runAsNonRoot: true}
      - {name: api, image: 'registry.example.com/shop/api:1.4.2'}
";

#[test]
fn run_rule_findings_keep_their_fingerprint_when_containers_are_reordered() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repository().join("crates/rampart-core/tests/rules/image-user-mismatch/fail");
    let tree = dir.path().join("tree");
    for image in ["api", "metrics", "worker"] {
        let dockerfile = std::fs::read_to_string(fixture.join(image).join("Dockerfile")).unwrap();
        write_tree(&tree, &[(&format!("{image}/Dockerfile"), &dockerfile)]);
    }
    let deploy = std::fs::read_to_string(fixture.join("deploy.yaml")).unwrap();
    write_tree(&tree, &[("deploy.yaml", &deploy)]);
    let rule = ["--rule", "image-user-mismatch"];
    let before = scan_in(dir.path(), &rule, 1);
    let count = before["findings"].as_array().unwrap().len();
    assert!(count >= 3, "{before:#}");
    scan_in(
        dir.path(),
        &[&rule[..], &["--write-baseline", "b.yaml"]].concat(),
        0,
    );
    write_tree(&tree, &[("deploy.yaml", SHOP_REORDERED)]);
    let after = scan_in(dir.path(), &rule, 1);
    let moved: Vec<&str> = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        moved.contains(&"spec.template.spec.containers[1].securityContext.runAsNonRoot"),
        "{moved:?}"
    );
    assert_eq!(fingerprints(&after), fingerprints(&before));
    let baselined = scan_in(
        dir.path(),
        &[&rule[..], &["--baseline", "b.yaml"]].concat(),
        0,
    );
    assert_eq!(baselined["baseline"]["baselined"], count);
}
