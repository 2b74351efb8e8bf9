//! `rampart certs`: private keys readable by their owner only, an existing CA kept unless
//! `--force`, and serving certificates issued from an existing CA (rotation).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn certs(dir: &Path, extra: &[&str]) -> Output {
    Command::cargo_bin("rampart")
        .unwrap()
        .args([
            "certs",
            "--service",
            "hook",
            "--namespace",
            "sec",
            "--out-dir",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// The DER of the one certificate in a PEM file.
fn der(pem: &[u8]) -> Vec<u8> {
    x509_parser::pem::parse_x509_pem(pem).unwrap().1.contents
}

#[cfg(unix)]
#[test]
fn private_keys_are_written_for_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A key file left more open by an earlier tool is narrowed too.
    std::fs::write(dir.path().join("tls.key"), "old").unwrap();
    std::fs::set_permissions(
        dir.path().join("tls.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    ok(&certs(dir.path(), &[]));
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("ca.key"), 0o600);
    assert_eq!(mode("tls.key"), 0o600);
    assert_ne!(mode("ca.crt") & 0o044, 0, "certificates stay readable");
}

#[test]
fn an_existing_ca_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    ok(&certs(dir.path(), &[]));
    let ca = read(dir.path(), "ca.crt");
    let tls = read(dir.path(), "tls.crt");

    let refused = certs(dir.path(), &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("ca.crt already exists"), "{stderr}");
    assert!(stderr.contains("--ca-cert"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(read(dir.path(), "ca.crt"), ca, "nothing was written");
    assert_eq!(read(dir.path(), "tls.crt"), tls);

    ok(&certs(dir.path(), &["--force"]));
    assert_ne!(read(dir.path(), "ca.crt"), ca, "--force replaces the CA");
}

#[test]
fn a_serving_certificate_is_issued_from_an_existing_ca() {
    let ca_dir = tempfile::tempdir().unwrap();
    ok(&certs(ca_dir.path(), &[]));
    let ca_pem = read(ca_dir.path(), "ca.crt");

    let out_dir = tempfile::tempdir().unwrap();
    let ca_cert = ca_dir.path().join("ca.crt");
    let ca_key = ca_dir.path().join("ca.key");
    let stdout = ok(&certs(
        out_dir.path(),
        &[
            "--ca-cert",
            ca_cert.to_str().unwrap(),
            "--ca-key",
            ca_key.to_str().unwrap(),
        ],
    ));
    assert!(stdout.contains("wrote tls.crt, tls.key"), "{stdout}");
    assert!(stdout.contains("caBundle stays"), "{stdout}");
    assert!(
        !out_dir.path().join("ca.key").exists(),
        "the CA key is not copied"
    );
    assert_eq!(read(ca_dir.path(), "ca.crt"), ca_pem, "the CA is unchanged");

    let ca_der = der(&ca_pem);
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    let tls_der = der(&read(out_dir.path(), "tls.crt"));
    let (_, tls) = x509_parser::parse_x509_certificate(&tls_der).unwrap();
    assert_eq!(tls.issuer(), ca.subject());
    tls.verify_signature(Some(ca.public_key()))
        .expect("signed by the CA's key");
    assert!(
        tls.validity().not_after <= ca.validity().not_after,
        "never valid beyond its CA"
    );
    let names = format!("{:?}", tls.subject_alternative_name().unwrap().unwrap());
    assert!(names.contains("hook.sec.svc.cluster.local"), "{names}");
    let cert = read(out_dir.path(), "tls.crt");
    let key = read(out_dir.path(), "tls.key");
    rampart_server::tls::certified_key(&cert, &key).expect("a usable key pair");
}

#[test]
fn a_key_that_is_not_the_cas_is_refused() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(&certs(one.path(), &[]));
    ok(&certs(two.path(), &[]));
    let out_dir = tempfile::tempdir().unwrap();
    let out = certs(
        out_dir.path(),
        &[
            "--ca-cert",
            one.path().join("ca.crt").to_str().unwrap(),
            "--ca-key",
            two.path().join("ca.key").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not belong to the certificate"),
        "{stderr}"
    );
    assert!(!out_dir.path().join("tls.crt").exists());

    // A serving certificate is not a CA.
    let out = certs(
        out_dir.path(),
        &[
            "--ca-cert",
            one.path().join("tls.crt").to_str().unwrap(),
            "--ca-key",
            one.path().join("tls.key").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a CA certificate"));
}
