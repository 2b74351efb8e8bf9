//! End-to-end tests of `rampart pss`, `rampart psp` and `rampart netpol` on the bundled
//! examples: verdicts, upstream messages, JSON shapes and exit codes.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    cmd
}

fn json(cmd: &mut Command, code: i32) -> Value {
    let output = cmd.assert().code(code).get_output().stdout.clone();
    serde_json::from_slice(&output).expect("JSON output")
}

#[test]
fn pss_takes_the_level_from_the_namespace_labels() {
    let report = json(
        rampart().args([
            "pss",
            "examples/insecure.yaml",
            "examples/hardened.yaml",
            "--format",
            "json",
        ]),
        0,
    );
    let results = report["results"].as_array().expect("results");
    let web = results
        .iter()
        .find(|r| r["name"] == "web" && r["namespace"] == "shop")
        .expect("web");
    assert_eq!(
        (web["level"].as_str(), web["source"].as_str()),
        (Some("restricted"), Some("namespace"))
    );
    assert_eq!(web["allowed"], true);
    let agent = results
        .iter()
        .find(|r| r["name"] == "legacy-agent")
        .expect("agent");
    assert_eq!(
        (agent["level"].as_str(), agent["source"].as_str()),
        (Some("privileged"), Some("default"))
    );
}

#[test]
fn pss_with_a_level_gives_upstream_messages_and_exit_1() {
    let report = json(
        rampart().args([
            "pss",
            "examples/insecure.yaml",
            "--level",
            "baseline",
            "--version",
            "v1.30",
            "--format",
            "json",
        ]),
        1,
    );
    let result = &report["results"][0];
    assert_eq!(result["allowed"], false);
    let message = result["message"].as_str().expect("message");
    assert!(
        message.starts_with("violates PodSecurity \"baseline:v1.30\": "),
        "{message}"
    );
    assert!(
        message.contains("host namespaces (hostNetwork=true, hostPID=true)"),
        "{message}"
    );
    assert!(
        message.contains(
            "privileged (container \"agent\" must not set securityContext.privileged=true)"
        ),
        "{message}"
    );
    let checks: Vec<&str> = result["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["check"].as_str())
        .collect();
    assert!(
        checks.contains(&"hostNamespaces") && checks.contains(&"privileged"),
        "{checks:?}"
    );
    rampart()
        .args(["pss", "examples/insecure.yaml", "--level", "strict"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "must be one of privileged, baseline, restricted",
        ));
}

#[test]
fn scan_with_pss_reports_violations_at_their_fields() {
    let report = json(
        rampart().args([
            "scan",
            "examples/insecure.yaml",
            "--pss",
            "baseline",
            "--rule",
            "pod-security",
            "--format",
            "json",
        ]),
        1,
    );
    let lines: Vec<(u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        lines.contains(&(15, "spec.template.spec.hostNetwork".to_owned())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(
            23,
            "spec.template.spec.containers[0].securityContext.privileged".to_owned()
        )),
        "{lines:?}"
    );
}

#[test]
fn psp_selects_mutates_and_rejects_like_the_1_24_plugin() {
    let report = json(
        rampart().args([
            "psp",
            "examples/psp/pods.yaml",
            "--policies",
            "examples/psp/policies.yaml",
            "--format",
            "json",
        ]),
        1,
    );
    let results = report["results"].as_array().expect("results");
    let web = results.iter().find(|r| r["name"] == "web").expect("web");
    assert_eq!(
        (web["allowed"].as_bool(), web["policy"].as_str()),
        (Some(true), Some("restricted"))
    );
    assert_eq!(
        web["pod"]["metadata"]["annotations"]["kubernetes.io/psp"],
        "restricted"
    );
    assert_eq!(
        web["pod"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert!(!web["patch"].as_array().expect("patch").is_empty());
    let debug = results
        .iter()
        .find(|r| r["name"] == "debug")
        .expect("debug");
    assert_eq!(debug["namespace"], "legacy");
    assert_eq!(debug["allowed"], false);
    assert_eq!(
        debug["message"],
        "pods \"debug\" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]"
    );
}

#[test]
fn psp_without_a_usable_policy_has_no_providers() {
    let report = json(
        rampart().args([
            "psp",
            "examples/psp/pods.yaml",
            "--policies",
            "examples/psp/policies.yaml",
            "--service-account",
            "x/y",
            "--user",
            "alice",
            "--format",
            "json",
        ]),
        1,
    );
    assert_eq!(report["results"].as_array().map(Vec::len), Some(2));
}

/// Writes `objects` as one JSON List file in `dir`.
fn write_list(dir: &std::path::Path, name: &str, objects: &[Value]) -> String {
    let path = dir.join(name);
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
    std::fs::write(&path, list.to_string()).expect("write");
    path.to_string_lossy().into_owned()
}

fn psp_pod(name: &str, extra: Value) -> Value {
    let mut pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "legacy"},
        "spec": {"hostPID": true, "containers": [{"name": "c", "image": "busybox:1.36"}]},
    });
    json_patch::merge(&mut pod, &extra);
    pod
}

#[test]
fn psp_update_is_validated_unless_only_gc_fields_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stored = write_list(
        dir.path(),
        "stored.json",
        &[
            psp_pod("gc", serde_json::json!({})),
            psp_pod("relabel", serde_json::json!({})),
        ],
    );
    let updated = write_list(
        dir.path(),
        "updated.json",
        &[
            psp_pod(
                "gc",
                serde_json::json!({"metadata": {"finalizers": ["foregroundDeletion"]}}),
            ),
            psp_pod(
                "relabel",
                serde_json::json!({"metadata": {"labels": {"tier": "debug"}}}),
            ),
        ],
    );
    let base = [
        "psp",
        updated.as_str(),
        "--policies",
        "examples/psp/policies.yaml",
        "--operation",
        "update",
        "--format",
        "json",
    ];
    let verdicts = |report: &Value| -> Vec<(String, bool, Option<String>)> {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().expect("name").to_owned(),
                    r["allowed"].as_bool().expect("allowed"),
                    r["policy"].as_str().map(str::to_owned),
                )
            })
            .collect()
    };
    // No stored pod: every update is validated (hostPID is not allowed).
    let report = json(rampart().args(base), 1);
    assert_eq!(
        verdicts(&report),
        [("gc".into(), false, None), ("relabel".into(), false, None)]
    );
    assert!(
        report["results"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unable to validate pod: [spec.securityContext.hostPID"))
    );
    // With the stored pods: the finalizer-only update is not evaluated, the label change is.
    let report = json(rampart().args(base).args(["--old", &stored]), 1);
    assert_eq!(
        verdicts(&report),
        [("gc".into(), true, None), ("relabel".into(), false, None)]
    );
    // An object with no stored counterpart is an input error, and still validated.
    let lonely = write_list(
        dir.path(),
        "lonely.json",
        &[psp_pod("other", serde_json::json!({}))],
    );
    let report = json(
        rampart()
            .args([
                "psp",
                lonely.as_str(),
                "--policies",
                "examples/psp/policies.yaml",
            ])
            .args([
                "--operation",
                "update",
                "--format",
                "json",
                "--old",
                &stored,
            ]),
        2,
    );
    assert_eq!(report["results"][0]["allowed"], false);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no stored object")),
        "{report}"
    );
    // --old belongs to updates.
    rampart()
        .args(["psp", updated.as_str(), "--old", &stored])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--operation update"));
}

#[test]
fn psp_pod_is_the_input_with_the_patch_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No namespace and no service account: the plugin sees `default` for both, but
    // neither is a change of the plugin.
    let input = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginxinc/nginx-unprivileged:1.27.3"}]},
    });
    let seccomp = serde_json::json!({
        "apiVersion": "policy/v1beta1",
        "kind": "PodSecurityPolicy",
        "metadata": {"name": "seccomp", "annotations": {
            "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
            "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default",
        }},
        "spec": {
            "runAsUser": {"rule": "MustRunAsNonRoot"},
            "seLinux": {"rule": "RunAsAny"},
            "fsGroup": {"rule": "RunAsAny"},
            "supplementalGroups": {"rule": "RunAsAny"},
        },
    });
    let pods = write_list(dir.path(), "pods.json", std::slice::from_ref(&input));
    for policies in [
        "examples/psp/policies.yaml".to_owned(),
        write_list(dir.path(), "seccomp.json", std::slice::from_ref(&seccomp)),
    ] {
        let report = json(
            rampart().args(["psp", &pods, "--policies", &policies, "--format", "json"]),
            0,
        );
        let result = &report["results"][0];
        assert_eq!(result["allowed"], true, "{result}");
        let patch: json_patch::Patch =
            serde_json::from_value(result["patch"].clone()).expect("patch");
        assert!(!patch.0.is_empty());
        let mut patched = input.clone();
        json_patch::patch(&mut patched, &patch).expect("the patch applies to the input");
        assert_eq!(patched, result["pod"], "{policies}");
        assert_eq!(
            result["pod"]["spec"]["securityContext"]["seccompProfile"],
            Value::Null
        );
    }
}

#[test]
fn scan_reports_the_pods_netpol_isolation_leaves_open() {
    let ids = |value: &Value| -> std::collections::BTreeSet<String> {
        value
            .as_array()
            .expect("list")
            .iter()
            .map(|id| id.as_str().expect("id").to_owned())
            .collect()
    };
    let netpol = |command: &str, extra: &[&str]| {
        json(
            rampart()
                .args(["netpol", command, "examples/netpol", "--format", "json"])
                .args(extra),
            0,
        )
    };
    let all = ids(&netpol("matrix", &["--port", "80"])["pods"]);
    let isolated = ids(&netpol("isolation", &[])["ingress"]);
    let open: std::collections::BTreeSet<String> = all.difference(&isolated).cloned().collect();
    assert!(!open.is_empty() && !isolated.is_empty());
    let output = rampart()
        .args(["scan", "examples/netpol", "--format", "json"])
        .args(["--rule", "namespace-ingress-not-isolated"])
        .output()
        .expect("scan runs");
    let scan: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    // Every namespace of the example is defined there, so every one is judged.
    let reported: std::collections::BTreeSet<String> = scan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| {
            let message = f["message"].as_str().expect("message");
            let (_, pods) = message.rsplit_once(": ").expect("pods listed");
            pods.split(", ").map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(reported, open);
}

#[test]
fn netpol_matrix_query_explain_and_isolation() {
    let matrix = json(
        rampart().args([
            "netpol",
            "matrix",
            "examples/netpol",
            "--port",
            "5432",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        matrix["pods"],
        serde_json::json!(["retail/db", "retail/web", "tools/debug"])
    );
    assert_eq!(matrix["allowed"][1][0], true, "web -> db");
    assert_eq!(matrix["allowed"][2][0], false, "debug -> db");
    rampart()
        .args([
            "netpol",
            "query",
            "examples/netpol",
            "--from",
            "tools/debug",
            "--to",
            "retail/db",
            "--port",
            "pg",
        ])
        .assert()
        .code(1)
        .stdout("tools/debug -> retail/db on pg/TCP: denied\n");
    let verdict = json(
        rampart().args([
            "netpol",
            "query",
            "examples/netpol",
            "--from",
            "retail/web",
            "--to",
            "retail/db",
            "--port",
            "5432",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        verdict["ingress"]["allowed_by"],
        serde_json::json!(["retail/db-from-web#ingress[0]"])
    );
    rampart()
        .args([
            "netpol",
            "explain",
            "examples/netpol",
            "--from",
            "tools/debug",
            "--to",
            "retail/db",
            "--port",
            "pg",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "isolated by retail/db-from-web, retail/default-deny",
        ));
    let isolation = json(
        rampart().args(["netpol", "isolation", "examples/netpol", "--format", "json"]),
        0,
    );
    assert_eq!(
        isolation["ingress"],
        serde_json::json!(["retail/db", "retail/web"])
    );
    assert_eq!(isolation["egress"], serde_json::json!([]));
}

#[test]
fn netpol_reports_invalid_policies_with_their_position() {
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n";
    rampart()
        .args(["netpol", "isolation", "-"])
        .write_stdin(policy)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("-:8:").and(predicate::str::contains("NetworkPolicy x/bad")),
        );
}

/// Every JSON value of a stream (`netpol matrix` prints one object per port).
fn json_stream(output: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(output)
        .into_iter::<Value>()
        .map(|v| v.expect("JSON values"))
        .collect()
}

#[test]
fn netpol_matrix_without_a_port_covers_every_declared_port_in_aligned_columns() {
    let out = rampart()
        .args(["netpol", "matrix", "examples/netpol"])
        .assert()
        .code(0);
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "reachability on 5432/TCP (rows: from, columns: to; . allowed, X denied)\n\
         \x20            retail/db  retail/web  tools/debug\n\
         retail/db    X          X           .\n\
         retail/web   .          X           .\n\
         tools/debug  X          X           .\n\
         \n\
         reachability on 8080/TCP (rows: from, columns: to; . allowed, X denied)\n\
         \x20            retail/db  retail/web  tools/debug\n\
         retail/db    X          .           .\n\
         retail/web   X          .           .\n\
         tools/debug  X          .           .\n"
    );
    let output = rampart()
        .args(["netpol", "matrix", "examples/netpol", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ports: Vec<Value> = json_stream(&output)
        .iter()
        .map(|m| serde_json::json!([m["port"], m["protocol"]]))
        .collect();
    assert_eq!(
        ports,
        [
            serde_json::json!([5432, "TCP"]),
            serde_json::json!([8080, "TCP"])
        ]
    );

    // Each port with its own protocol; --protocol keeps one.
    let dns = "apiVersion: v1\nkind: Pod\nmetadata: {name: dns, namespace: kube-system}\nspec:\n  containers:\n  - name: coredns\n    ports:\n    - {containerPort: 53, protocol: UDP}\n    - {containerPort: 53, protocol: TCP}\n    - {containerPort: 9153}\n";
    let all = rampart()
        .args(["netpol", "matrix", "-", "--format", "json"])
        .write_stdin(dns)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ports: Vec<String> = json_stream(&all)
        .iter()
        .map(|m| format!("{}/{}", m["port"], m["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(ports, ["53/TCP", "53/UDP", "9153/TCP"]);
    let udp = rampart()
        .args(["netpol", "matrix", "-", "--protocol", "udp"])
        .write_stdin(dns)
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&udp.get_output().stdout).into_owned();
    assert!(text.starts_with("reachability on 53/UDP"), "{text}");
    assert_eq!(text.matches("reachability on").count(), 1, "{text}");

    // Nothing declared: say so instead of guessing a port.
    rampart()
        .args(["netpol", "matrix", "-"])
        .write_stdin(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n",
        )
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no pod in the input declares a container port: give --port",
        ));
}

#[test]
fn netpol_matrix_accepts_named_ports() {
    let matrix = json(
        rampart().args([
            "netpol",
            "matrix",
            "examples/netpol",
            "--port",
            "pg",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(matrix["port"], "pg");
    assert_eq!(matrix["ports"], serde_json::json!([5432, null, null]));
    assert_eq!(matrix["allowed"][1][0], true, "web -> db on pg");
    assert_eq!(matrix["allowed"][2][0], false, "debug -> db on pg");
    assert_eq!(matrix["allowed"][1][1], false, "web has no port pg");
    rampart()
        .args(["netpol", "matrix", "examples/netpol", "--port", "pg"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "retail/web   .          -           -\n",
        ));
    rampart()
        .args(["netpol", "matrix", "examples/netpol", "--port", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no pod in the input has a TCP container port named \"nope\"",
        ));
}

#[test]
fn netpol_explain_prints_sentences_not_json() {
    let out = rampart()
        .args([
            "netpol",
            "explain",
            "examples/netpol",
            "--from",
            "retail/web",
            "--to",
            "retail/db",
            "--port",
            "pg",
        ])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("  Note: port \"pg\" is 5432/TCP on the destination.\n"),
        "{text}"
    );
    assert!(!text.contains('{'), "{text}");
}

#[test]
fn pss_without_any_level_says_everything_is_privileged_and_how_to_choose() {
    let out = rampart()
        .args(["pss", "examples/insecure.yaml"])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("for every pod and pod template"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"privileged\", which allows everything"),
        "{stderr}"
    );
    assert!(stderr.contains("--level baseline"), "{stderr}");
    // Only the pods nothing chose a level for are counted.
    rampart()
        .args(["pss", "examples/insecure.yaml", "examples/hardened.yaml"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "for 1 of 2 pods and pod templates",
        ));
    rampart()
        .args(["pss", "examples/insecure.yaml", "--level", "baseline"])
        .assert()
        .code(1)
        .stderr("");
}

#[test]
fn psp_says_when_no_rbac_grants_use_and_suggests_user_and_group() {
    let policy = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: open}\nspec:\n  privileged: true\n  seLinux: {rule: RunAsAny}\n  runAsUser: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n  volumes: ['*']\n";
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: pod-reader}\nrules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c, image: nginx:1.27}]}\n";
    let input = format!("{policy}---\n{role}---\n{pod}");
    let out = rampart()
        .args(["psp", "-"])
        .write_stdin(input.clone())
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("unable to admit pod: []"), "{text}");
    assert!(
        text.contains("grant `use` of none to the service account shop/default"),
        "{text}"
    );
    assert!(text.contains("--user U --group G"), "{text}");
    // Without any PodSecurityPolicy, that is what is said.
    rampart()
        .args(["psp", "-"])
        .write_stdin(format!("{role}---\n{pod}"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "no usable PodSecurityPolicy is in the input",
        ));
    // A policy that is tried and refuses the pod needs no hint.
    let granted = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: all}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: use-open}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: 'system:serviceaccounts'}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: use-open}\nrules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [open]}]\n";
    rampart()
        .args(["psp", "-"])
        .write_stdin(format!("{input}---\n{granted}"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("grant `use`").not());
}
