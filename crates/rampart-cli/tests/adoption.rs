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
