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
