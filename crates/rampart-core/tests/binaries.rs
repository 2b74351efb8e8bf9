//! Real binaries: a cargo-auditable executable (tests/data/auditable, with its recipe)
//! and a Go executable built here by the Go toolchain, read as an image streamer hands
//! them over. The Go inventory is held to `go version -m`, Go's own reader.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::io::Read;
use std::path::Path;
use std::process::Command;

use rampart_core::inventory::{Kind, Wanted, is_elf, read_file, wanted};

fn names_and_versions(packages: &[rampart_core::inventory::Package]) -> Vec<(String, String)> {
    packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

#[test]
fn a_cargo_auditable_binary_lists_its_crates() {
    let gz = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/auditable/auditable-demo.gz"
    ))
    .expect("test binary");
    let mut binary = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut binary)
        .expect("gzip");
    let path = "usr/local/bin/auditable-demo";
    assert_eq!(wanted(path, true, binary.len() as u64), Wanted::IfElf);
    assert!(is_elf(&binary[..4]));
    let (packages, errors) = read_file(path, &binary).expect("an ELF binary is read");
    assert!(errors.is_empty(), "{errors:?}");
    // The local root crate is not a published crate.
    assert_eq!(
        names_and_versions(&packages),
        [("smallvec".to_owned(), "1.6.0".to_owned())]
    );
    assert_eq!(packages[0].kind, Kind::Cargo);
    assert_eq!(packages[0].purl, "pkg:cargo/smallvec@1.6.0");

    let Some(osv) = rampart_test_support::shared(
        "vulndata/lang/osv/crates.io/RUSTSEC-2021-0003.json",
        "cargo-auditable binary against RUSTSEC-2021-0003",
    ) else {
        return;
    };
    let mut builder = rampart_core::vuln::IndexBuilder::new();
    builder.add(
        rampart_core::vuln::osv::from_json(&std::fs::read(osv).expect("record")).expect("osv"),
    );
    let inventory = rampart_core::inventory::Inventory {
        packages,
        ..Default::default()
    };
    let found = rampart_core::vuln::matches(&inventory, &builder.finish());
    let got: Vec<_> = found
        .matches
        .iter()
        .map(|m| (m.id.as_str(), m.aliases.clone(), m.fixed.as_deref()))
        .collect();
    assert_eq!(
        got,
        [(
            "CVE-2021-25900",
            vec![
                "GHSA-43w2-9j62-hq99".to_owned(),
                "RUSTSEC-2021-0003".to_owned()
            ],
            Some("1.6.1")
        )]
    );
}

/// A module with two vendored dependencies, one replaced by another module: built
/// offline (`-mod=vendor`, no proxy), so the build information has `dep` and `=>` lines.
fn write_go_module(dir: &Path) {
    let files = [
        (
            "go.mod",
            "module example.com/rampart-demo\n\ngo 1.19\n\nrequire (\n\texample.com/dep v1.2.3\n\texample.com/old v0.1.0\n)\n\nreplace example.com/old v0.1.0 => example.com/new v0.2.0\n",
        ),
        (
            "main.go",
            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n\t\"example.com/old\"\n)\n\nfunc main() { fmt.Println(dep.Name, old.Name) }\n",
        ),
        (
            "vendor/example.com/dep/dep.go",
            "package dep\n\nconst Name = \"dep\"\n",
        ),
        (
            "vendor/example.com/old/old.go",
            "package old\n\nconst Name = \"old\"\n",
        ),
        (
            "vendor/modules.txt",
            "# example.com/dep v1.2.3\n## explicit\nexample.com/dep\n# example.com/old v0.1.0 => example.com/new v0.2.0\n## explicit\nexample.com/old\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// `go version -m`'s modules: `dep` lines with `=>` replacements applied, and the
/// toolchain as `stdlib` (`go1.19.8` -> `v1.19.8`).
fn go_version_m(binary: &Path) -> Vec<(String, String)> {
    let out = Command::new("go")
        .arg("version")
        .arg("-m")
        .arg(binary)
        .output()
        .expect("go version -m");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut modules: Vec<(String, String)> = Vec::new();
    let mut toolchain = String::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        match fields.as_slice() {
            [first] if !first.is_empty() => {
                toolchain = first.rsplit_once(": ").map_or("", |(_, v)| v).to_owned();
            }
            ["", "dep", name, version, ..] => modules.push((name.to_string(), version.to_string())),
            ["", "=>", name, version, ..] => {
                modules.pop();
                modules.push((name.to_string(), version.to_string()));
            }
            _ => {}
        }
    }
    let release = toolchain.trim_start_matches("go");
    modules.push(("stdlib".to_owned(), format!("v{release}")));
    modules
}

#[test]
fn a_go_binary_has_the_modules_go_version_m_lists() {
    let go_present = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !go_present {
        let _: Option<()> =
            rampart_test_support::skip_or_fail("Go binary build information", "no `go` toolchain");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    write_go_module(dir.path());
    let built = Command::new("go")
        .args(["build", "-trimpath", "-o", "demo", "."])
        .current_dir(dir.path())
        .env("GOFLAGS", "-mod=vendor")
        .env("GOPROXY", "off")
        .env("GOPATH", dir.path().join("gopath"))
        .output()
        .expect("go build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let binary_path = dir.path().join("demo");
    let binary = std::fs::read(&binary_path).expect("binary");
    let (packages, errors) = read_file("app/demo", &binary).expect("an ELF binary is read");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(packages.iter().all(|p| p.kind == Kind::Go));
    let expected = go_version_m(&binary_path);
    assert_eq!(expected.len(), 3, "{expected:?}");
    assert_eq!(names_and_versions(&packages), expected);
}
