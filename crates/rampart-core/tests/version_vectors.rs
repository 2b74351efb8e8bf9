//! Every comparison vector of osv-scalibr's `semantic/testdata` (in
//! `../shared/vulndata/version-vectors`), both ways round, against each ordering.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::cmp::Ordering;
use std::path::Path;

use rampart_core::vuln::version::{Scheme, apk};

/// One `a OP b` line with its line number and whether a comment above it (up to the
/// previous blank line) marks its group as malformed or apk-line-dependent.
struct Vector {
    line: usize,
    a: String,
    b: String,
    expected: Ordering,
    marked: bool,
}

fn vectors(path: &Path) -> Vec<Vector> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut marked = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            marked = false;
            continue;
        }
        if line.starts_with('#') || line.starts_with("//") {
            let lower = line.to_lowercase();
            marked = lower.contains("invalid") || lower.contains("on latest apk");
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{}:{}: {line:?}", path.display(), i + 1);
        let expected = match parts[1] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            other => panic!("{}:{}: operator {other:?}", path.display(), i + 1),
        };
        out.push(Vector {
            line: i + 1,
            a: parts[0].into(),
            b: parts[2].into(),
            expected,
            marked,
        });
    }
    out
}

/// Runs every vector of `files` through `scheme`; returns the lines that disagree.
fn disagreements(scheme: Scheme, files: &[&str]) -> Option<Vec<(String, usize, Vector)>> {
    let dir = rampart_test_support::shared("vulndata/version-vectors", "version vectors")?;
    let mut wrong = Vec::new();
    let mut total = 0;
    for file in files {
        for vector in vectors(&dir.join(file)) {
            total += 1;
            let forward = scheme.compare(&vector.a, &vector.b).expect("comparable");
            let backward = scheme.compare(&vector.b, &vector.a).expect("comparable");
            if forward != vector.expected || backward != vector.expected.reverse() {
                wrong.push(((*file).to_owned(), vector.line, vector));
            }
        }
    }
    assert!(total > 0, "no vectors read for {scheme}");
    eprintln!("{scheme}: {total} vectors, {} disagree", wrong.len());
    Some(wrong)
}

fn assert_all_agree(scheme: Scheme, files: &[&str]) {
    let Some(wrong) = disagreements(scheme, files) else {
        return;
    };
    let listed: Vec<String> = wrong
        .iter()
        .map(|(f, line, v)| format!("{f}:{line}: {} vs {}", v.a, v.b))
        .collect();
    assert!(
        wrong.is_empty(),
        "{scheme} disagrees with:\n{}",
        listed.join("\n")
    );
}

#[test]
fn dpkg_agrees_with_every_debian_vector() {
    assert_all_agree(
        Scheme::Dpkg,
        &["debian-versions.txt", "debian-versions-generated.txt"],
    );
}

#[test]
fn rpm_agrees_with_every_red_hat_vector() {
    assert_all_agree(Scheme::Rpm, &["redhat-versions.txt"]);
}

#[test]
fn semver_agrees_with_every_semver_vector() {
    assert_all_agree(Scheme::SemVer, &["semver-versions.txt"]);
}

#[test]
fn pep440_agrees_with_every_pypi_vector() {
    assert_all_agree(
        Scheme::Pep440,
        &["pypi-versions.txt", "pypi-versions-generated.txt"],
    );
}

/// Vectors that the real `apk version -t` of apk-tools 2.10.4 (Alpine 3.10, run from
/// the shared `alpine-310` image) answers the other way, though the file does not mark
/// them: apk-tools 3 refuses both sides (a dot before a letter) and the file records
/// its answer. rampart follows apk-tools 2, which Alpine v3.x ships and which agrees
/// with all 13,979 generated vectors (apk-tools 3 does not: it calls `6.0.2p1-r0` and
/// `6.0.2p1-r1` equal).
const APK_2_ANSWERS_OTHERWISE: [(&str, &str); 2] = [("0.r1", "0r2"), ("0.8.21.r2", "0.8.21r2")];

#[test]
fn apk_agrees_with_every_alpine_vector_but_the_marked_malformed_ones() {
    let Some(wrong) = disagreements(
        Scheme::Apk,
        &["alpine-versions.txt", "alpine-versions-generated.txt"],
    ) else {
        return;
    };
    for (file, line, vector) in &wrong {
        let malformed = !apk::is_valid(&vector.a) || !apk::is_valid(&vector.b);
        let checked = APK_2_ANSWERS_OTHERWISE.contains(&(vector.a.as_str(), vector.b.as_str()));
        assert!(
            (vector.marked && malformed) || checked,
            "{file}:{line}: {} vs {} disagrees and is not a marked malformed vector",
            vector.a,
            vector.b
        );
    }
    // The checked ones are answered as apk-tools 2 answers: the other way round.
    for (a, b) in APK_2_ANSWERS_OTHERWISE {
        assert_eq!(apk::compare(a, b), Ordering::Greater, "{a} vs {b}");
    }
    assert!(wrong.len() <= 8, "{} disagreements", wrong.len());
}
