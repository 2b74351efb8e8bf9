//! `rampart completions SHELL` and `rampart man`, generated from the command line itself.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::process::{Command as Process, Stdio};

use assert_cmd::Command;

fn stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .args(args)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn completions_cover_every_command_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for word in [
            "scan",
            "netpol",
            "matrix",
            "fail-on",
            "values",
            "completions",
        ] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    Command::cargo_bin("rampart")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn bash_loads_the_completion_and_completes_subcommands() {
    let script = stdout(&["completions", "bash"]);
    // Source the script, then complete `rampart netpol ma` as bash would.
    let probe = r#"source /dev/stdin
complete -p rampart
COMP_WORDS=(rampart netpol ma); COMP_CWORD=2; COMP_LINE="rampart netpol ma"; COMP_POINT=${#COMP_LINE}
_rampart rampart ma netpol
echo "reply: ${COMPREPLY[*]}""#;
    let mut bash = Process::new("bash")
        .args(["--norc", "-c", probe])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    std::io::Write::write_all(&mut bash.stdin.take().unwrap(), script.as_bytes()).unwrap();
    let out = bash.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("-F _rampart"), "{text}");
    assert!(text.contains("reply: matrix"), "{text}");
}

#[test]
fn the_manual_pages_describe_every_command() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH rampart 1"), "{page}");
    for command in ["scan", "pss", "psp", "netpol", "rules", "serve", "certs"] {
        assert!(
            page.contains(&format!("rampart\\-{command}(1)")),
            "{command}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    stdout(&["man", "--dir", dir.path().to_str().unwrap()]);
    let scan = std::fs::read_to_string(dir.path().join("rampart-scan.1")).unwrap();
    assert!(scan.contains(".TH rampart-scan 1"), "{scan}");
    assert!(scan.contains("\\-\\-fail\\-on"), "{scan}");
    let matrix = std::fs::read_to_string(dir.path().join("rampart-netpol-matrix.1")).unwrap();
    assert!(matrix.contains("\\-\\-port"), "{matrix}");

    // groff, where installed, formats every page without a warning.
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() >= 12, "{pages:?}");
    for page in pages {
        match Process::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
        {
            Ok(out) => assert!(
                out.status.success() && out.stderr.is_empty(),
                "{}: {}",
                page.display(),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => {
                eprintln!("groff is not installed: the pages' formatting is not checked");
                break;
            }
        }
    }
}
