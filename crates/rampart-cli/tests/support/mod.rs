//! What the binary's tests share: running `rampart`, reading its JSON, validating SARIF,
//! and a stand-in Docker Engine ([`engine`]).

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, missing_docs)]

pub mod engine;

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// `(file, rule, path)` of every finding of a JSON report.
pub fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_owned();
            (text("file"), text("rule"), text("path"))
        })
        .collect()
}

/// Whether a JSON report has the finding of `rule` at `path` in `file`.
pub fn has(report: &Value, file: &str, rule: &str, path: &str) -> bool {
    findings(report)
        .iter()
        .any(|(f, r, p)| f == file && r == rule && p == path)
}

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `rampart` binary, run from the repository's root.
pub fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").expect("binary");
    cmd.current_dir(repo());
    cmd
}

pub fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("valid JSON output")
}

/// Runs `cmd`, checks its exit code and returns its standard output.
pub fn stdout_of(cmd: &mut Command, code: i32) -> Vec<u8> {
    cmd.assert().code(code).get_output().stdout.clone()
}

/// Where `sarif` breaks the SARIF 2.1.0 schema (the official one, in tests/data).
pub fn sarif_problems(sarif: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(
        repo().join("crates/rampart-cli/tests/data/sarif-2.1.0-rtm.5.json"),
    )
    .expect("schema");
    // The published schema's `run.language` pattern has a stray `]` that strict regex
    // engines reject; use the pattern the SARIF spec describes (a BCP 47 language tag).
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let mut problems: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    artifact_location_problems(sarif, "", &mut problems);
    problems
}

/// What the schema cannot say about an `artifactLocation` (SARIF 2.1.0 §3.4.3): a
/// `uriBaseId` only with a relative reference, and a relative reference only with one.
fn artifact_location_problems(value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(location) = object.get("artifactLocation") {
                let uri = location["uri"].as_str().unwrap_or_default();
                let absolute = uri
                    .split_once(':')
                    .is_some_and(|(scheme, _)| scheme.len() > 1 && !scheme.contains('/'));
                match (absolute, location.get("uriBaseId")) {
                    (true, Some(base)) => problems.push(format!(
                        "{at}/artifactLocation: absolute URI {uri:?} with uriBaseId {base}"
                    )),
                    (false, None) => problems.push(format!(
                        "{at}/artifactLocation: relative reference {uri:?} without uriBaseId"
                    )),
                    _ => {}
                }
            }
            for (key, child) in object {
                artifact_location_problems(child, &format!("{at}/{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                artifact_location_problems(child, &format!("{at}/{index}"), problems);
            }
        }
        _ => {}
    }
}

/// A recorded Engine API answer from tests/data/engine.
pub fn recorded(name: &str) -> Value {
    let path = repo()
        .join("crates/rampart-cli/tests/data/engine")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("recorded answer"))
        .expect("recorded JSON")
}
