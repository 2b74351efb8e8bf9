//! The ways to install and run rampart, tested offline: the GitHub Action (its steps use
//! real inputs, and its scan and verdict scripts run), the pre-commit hooks (their
//! patterns and entries), the container image's Dockerfile (rampart finds nothing in it),
//! and one image reference everywhere. CI builds and runs the image itself
//! (scripts/ci/container.sh).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The one document of a YAML file of the repository.
fn yaml(path: &str) -> Value {
    let bytes = std::fs::read(repo().join(path)).unwrap();
    let parsed = rampart_core::source::parse(&bytes, &rampart_core::source::Limits::default());
    assert!(parsed.errors.is_empty(), "{path}: {:?}", parsed.errors);
    assert_eq!(parsed.documents.len(), 1, "{path}");
    parsed.documents.into_iter().next().unwrap().value
}

/// Every string inside `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The `${{ ... }}` expressions in `text`, trimmed.
fn expressions(text: &str) -> Vec<String> {
    text.split("${{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(expression, _)| expression.trim().to_owned())
        .collect()
}

/// The directory of the `rampart` binary under test.
fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("rampart")
        .parent()
        .unwrap()
        .to_path_buf()
}

fn path_with_rampart() -> std::ffi::OsString {
    let mut dirs = vec![bin_dir()];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    std::env::join_paths(dirs).unwrap()
}

#[test]
fn the_action_is_a_composite_whose_steps_use_its_inputs() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs: BTreeSet<String> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let steps = action["runs"]["steps"].as_array().unwrap();
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let mut texts = Vec::new();
    strings(&action["runs"], &mut texts);
    strings(&action["outputs"], &mut texts);
    // `if:` conditions are expressions without the `${{ }}`.
    let conditions = steps
        .iter()
        .filter_map(|s| s["if"].as_str())
        .map(str::to_owned);
    let mut used = BTreeSet::new();
    for expression in texts.iter().flat_map(|t| expressions(t)).chain(conditions) {
        for word in expression.split(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))) {
            if let Some(input) = word.strip_prefix("inputs.") {
                assert!(
                    inputs.contains(input),
                    "unknown input in ${{{{ {expression} }}}}"
                );
                used.insert(input.to_owned());
            }
            if let Some(rest) = word.strip_prefix("steps.") {
                let (id, output) = rest.split_once(".outputs.").unwrap();
                let step = steps
                    .iter()
                    .find(|s| s["id"] == id)
                    .unwrap_or_else(|| panic!("{expression}: no step {id:?} among {ids:?}"));
                let run = step["run"].as_str().unwrap();
                assert!(
                    run.contains(&format!("echo \"{output}=")) && run.contains("$GITHUB_OUTPUT"),
                    "{expression}: step {id} does not set {output}"
                );
            }
        }
    }
    assert_eq!(used, inputs, "every input is used");
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert_eq!(step["shell"], "bash", "{step}");
            // Inputs reach scripts through env only: no expression is pasted into a script.
            assert!(!run.contains("${{"), "expression inside a script: {run}");
        } else {
            let uses = step["uses"].as_str().unwrap();
            assert_eq!(uses, "github/codeql-action/upload-sarif@v3");
            assert_eq!(step["with"]["category"], "rampart");
        }
    }
}

/// The environment of `step` that comes from inputs: `${{ inputs.NAME }}` replaced by
/// `inputs`' values or the action's defaults.
fn step_env(action: &Value, step: &Value, inputs: &[(&str, &str)]) -> Vec<(String, String)> {
    let value_of = |name: &str| {
        inputs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
            .unwrap_or_else(|| {
                action["inputs"][name]["default"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
    };
    step["env"]
        .as_object()
        .map(|env| {
            env.iter()
                .filter_map(|(key, value)| {
                    let expression = expressions(value.as_str()?).pop()?;
                    let name = expression.strip_prefix("inputs.")?;
                    Some((key.clone(), value_of(name)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the `run` script of the step with id or name `which`, in the repository, with
/// rampart on the PATH and `GITHUB_OUTPUT` in `dir`: its exit code and its outputs.
fn run_step(
    which: &str,
    inputs: &[(&str, &str)],
    extra_env: &[(&str, &str)],
    dir: &Path,
) -> (i32, String, String) {
    let action = yaml("action.yml");
    let step = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == which || s["name"] == which)
        .unwrap()
        .clone();
    let output = dir.join("github-output");
    std::fs::write(&output, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(step["run"].as_str().unwrap())
        .current_dir(repo())
        .env("PATH", path_with_rampart())
        .env("GITHUB_OUTPUT", &output)
        .envs(step_env(&action, &step, inputs))
        .envs(extra_env.iter().copied());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap(),
        std::fs::read_to_string(&output).unwrap(),
        stdout,
    )
}

#[test]
fn the_actions_scan_writes_sarif_and_its_verdict_fails_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let sarif_file = sarif.to_str().unwrap();
    let (code, outputs, log) = run_step(
        "scan",
        &[
            ("path", "examples/insecure.yaml\nexamples/hardened.yaml"),
            ("sarif-file", sarif_file),
            ("pss", "baseline"),
            ("args", "--rule privileged-container,pod-security"),
        ],
        &[],
        dir.path(),
    );
    assert_eq!(
        code, 0,
        "the scan step records the verdict, the last step acts on it"
    );
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(
        outputs.contains(&format!("sarif-file={sarif_file}\n")),
        "{outputs}"
    );
    assert!(
        log.contains("examples/insecure.yaml:23:23: critical privileged-container"),
        "{log}"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(report["version"], "2.1.0");
    let rules: BTreeSet<&str> = report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        BTreeSet::from(["pod-security", "privileged-container"])
    );

    let (_, outputs, _) = run_step(
        "scan",
        &[
            ("path", "examples/hardened.yaml"),
            ("sarif-file", sarif_file),
        ],
        &[],
        dir.path(),
    );
    assert!(outputs.contains("exit-code=0\n"), "{outputs}");
    let (_, outputs, _) = run_step(
        "scan",
        &[("path", "no/such/dir"), ("sarif-file", sarif_file)],
        &[],
        dir.path(),
    );
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");

    for (exit, expected) in [("0", 0), ("1", 1), ("2", 2)] {
        let (code, _, log) = run_step("Verdict", &[], &[("EXIT_CODE", exit)], dir.path());
        assert_eq!(code, expected, "{log}");
        assert_eq!(
            log.contains("::error title=rampart::"),
            expected != 0,
            "{log}"
        );
    }
}

#[test]
fn the_pre_commit_hooks_match_what_rampart_reads_and_run_it() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["rampart", "rampart-docker"]);
    for hook in hooks {
        let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
        for path in [
            "k8s/app.yaml",
            "compose.yml",
            "inspect.json",
            "Dockerfile",
            "api/Dockerfile.dev",
            "Dockerfile-alpine",
            "web.Dockerfile",
            "Containerfile",
            "chart/templates/_helpers.tpl",
        ] {
            assert!(files.is_match(path), "{}: {path}", hook["id"]);
        }
        for path in [
            "README.md",
            "src/main.rs",
            "Dockerfiles/notes.txt",
            "yaml.md",
        ] {
            assert!(!files.is_match(path), "{}: {path}", hook["id"]);
        }
        assert_eq!(hook["require_serial"], true);
    }

    // The system hook: pre-commit runs its entry with the files that matched.
    let system = &hooks[0];
    assert_eq!(system["language"], "system");
    let entry: Vec<&str> = system["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    let files = regex::Regex::new(system["files"].as_str().unwrap()).unwrap();
    let run = |changed: &[&str]| {
        let matched: Vec<&str> = changed
            .iter()
            .copied()
            .filter(|f| files.is_match(f))
            .collect();
        Command::new(entry[0])
            .args(&entry[1..])
            .args(&matched)
            .current_dir(repo())
            .env("PATH", path_with_rampart())
            .output()
            .unwrap()
    };
    let failing = run(&[
        "README.md",
        "examples/insecure.yaml",
        "examples/hardened.yaml",
    ]);
    assert_eq!(failing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failing.stdout).contains("examples/insecure.yaml:23:23"));
    let passing = run(&[
        "README.md",
        "examples/hardened.yaml",
        ".pre-commit-hooks.yaml",
        "action.yml",
    ]);
    assert_eq!(
        passing.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&passing.stdout)
    );

    // The image hook: pre-commit runs `docker run ... IMAGE scan FILES`.
    let docker = &hooks[1];
    assert_eq!(docker["language"], "docker_image");
    let entry: Vec<&str> = docker["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(entry[1..], ["scan"]);
}

#[test]
fn one_image_reference_names_this_version_everywhere() {
    let image = format!("ghcr.io/rampart-dev/rampart:{}", env!("CARGO_PKG_VERSION"));
    let action = yaml("action.yml");
    assert_eq!(action["inputs"]["image"]["default"], image.as_str());
    let hooks = yaml(".pre-commit-hooks.yaml");
    let entry = hooks[1]["entry"].as_str().unwrap();
    assert_eq!(entry.split_whitespace().next(), Some(image.as_str()));
    let deployment = std::fs::read_to_string(repo().join("deploy/deployment.yaml")).unwrap();
    assert!(
        deployment.contains(&format!("image: {image}\n")),
        "deploy/deployment.yaml"
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for found in readme.match_indices("ghcr.io/rampart-dev/rampart:") {
        let tag: String = readme[found.0..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '`')
            .collect();
        assert_eq!(tag, image, "README.md");
    }
}

#[test]
fn rampart_finds_nothing_in_its_own_dockerfile_and_deployment() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("rampart"))
        .args([
            "scan",
            "Dockerfile",
            "deploy/",
            "--fail-on",
            "info",
            "--format",
            "json",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["errors"], serde_json::json!([]));
    // Only the binary, as a numeric non-root user the Deployment's runAsUser matches.
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && !l.trim().is_empty())
        .collect();
    assert_eq!(instructions[0], "FROM scratch");
    assert_eq!(
        instructions
            .iter()
            .filter(|l| l.starts_with("COPY"))
            .copied()
            .collect::<Vec<&str>>(),
        ["COPY dist/bin/rampart /usr/local/bin/rampart"]
    );
    assert!(instructions.contains(&"USER 65532:65532"));
    assert!(instructions.contains(&"ENTRYPOINT [\"/usr/local/bin/rampart\"]"));
    let deployment = std::fs::read_to_string(repo().join("deploy/deployment.yaml")).unwrap();
    assert!(deployment.contains("runAsUser: 65532"));
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    let rules: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rules, ["*", "!dist/bin/rampart"]);
}
