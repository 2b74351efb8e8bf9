//! `docker://` against real registries: Debian's docker-registry (the CNCF distribution
//! registry) started by `scripts/ci/start-registry.sh` (anonymous on 127.0.0.1:5741,
//! basic auth on 127.0.0.1:5742), images pushed with skopeo from OCI layouts built
//! here; bearer-token auth against a small registry and token server in this test.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

use rampart_image::registry::{Credentials, Reference, Registry};
use rampart_image::{Image, Options, Target, read};
use rampart_test_support::image::{
    self as build, BuiltImage, Compression, LayerTar, config, image,
};
use serde_json::json;

const ANONYMOUS: &str = "127.0.0.1:5741";
const BASIC: &str = "127.0.0.1:5742";

fn registry_up(host: &str, test: &str) -> bool {
    let answers = std::net::TcpStream::connect(host).is_ok();
    let skopeo = Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if answers && skopeo {
        return true;
    }
    let _: Option<()> = rampart_test_support::skip_or_fail(
        test,
        &format!("no registry on {host} or no skopeo (scripts/ci/start-registry.sh starts them)"),
    );
    false
}

fn debian_image(packages: &[(&str, &str)], platform: (&str, &str)) -> BuiltImage {
    let status: String = packages
        .iter()
        .map(|(name, version)| {
            format!("Package: {name}\nStatus: install ok installed\nVersion: {version}\n\n")
        })
        .collect();
    let base = LayerTar::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0o644);
    let packages = LayerTar::new().file("var/lib/dpkg/status", status, 0o644);
    image(
        &[base, packages],
        Compression::Gzip,
        config(&["ADD", "RUN"], json!({"User": "app"})),
        platform,
    )
}

/// Pushes the OCI layout of `images` (an index when there are several) with skopeo.
fn push(images: &[BuiltImage], reference: &str, credentials: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    build::write_dir(
        dir.path(),
        &build::oci_layout_files(images, images.len() > 1, &[]),
    );
    let mut skopeo = Command::new("skopeo");
    skopeo.args(["copy", "--quiet", "--dest-tls-verify=false"]);
    if images.len() > 1 {
        skopeo.arg("--all");
    }
    if let Some(credentials) = credentials {
        skopeo.args(["--dest-creds", credentials]);
    }
    let out = skopeo
        .arg(format!("oci:{}", dir.path().display()))
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn insecure(hosts: &[&str]) -> Options {
    Options {
        insecure_registries: hosts.iter().map(|h| (*h).to_owned()).collect(),
        ..Options::default()
    }
}

fn names(image: &Image) -> Vec<(String, String)> {
    image
        .inventory
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

#[test]
fn anonymous_registry_by_tag_and_by_digest() {
    if !registry_up(ANONYMOUS, "anonymous registry") {
        return;
    }
    let built = debian_image(
        &[("bash", "5.2.15-2+b7"), ("zlib1g", "1:1.2.13.dfsg-1")],
        ("linux", "amd64"),
    );
    push(&[built], &format!("{ANONYMOUS}/rampart/anonymous:1"), None);
    let target =
        Target::parse(&format!("docker://{ANONYMOUS}/rampart/anonymous:1")).expect("target");
    let image = read(&target, &insecure(&[ANONYMOUS])).expect("reads");
    assert_eq!(
        names(&image),
        [
            ("bash".into(), "5.2.15-2+b7".into()),
            ("zlib1g".into(), "1:1.2.13.dfsg-1".into())
        ]
    );
    assert_eq!(image.layers.len(), 2);
    assert_eq!(
        image.inventory.packages[0].layer.as_ref().map(|l| l.index),
        Some(1)
    );
    let digest = image.digest.clone().expect("a manifest digest");
    let by_digest =
        Target::parse(&format!("docker://{ANONYMOUS}/rampart/anonymous@{digest}")).expect("target");
    let again = read(&by_digest, &insecure(&[ANONYMOUS])).expect("reads by digest");
    assert_eq!(names(&again), names(&image));
    // HTTPS to a plain-HTTP registry fails clearly; so does an unknown tag.
    let error = read(&target, &Options::default()).expect_err("not TLS");
    assert!(error.to_string().contains(ANONYMOUS), "{error}");
    let missing =
        Target::parse(&format!("docker://{ANONYMOUS}/rampart/anonymous:nope")).expect("target");
    let error = read(&missing, &insecure(&[ANONYMOUS])).expect_err("no such tag");
    assert!(error.to_string().contains("MANIFEST_UNKNOWN"), "{error}");
}

#[test]
fn multi_platform_index_in_a_registry() {
    if !registry_up(ANONYMOUS, "multi-platform registry image") {
        return;
    }
    let amd64 = debian_image(&[("amd64-only", "1.0")], ("linux", "amd64"));
    let arm64 = debian_image(&[("arm64-only", "2.0")], ("linux", "arm64"));
    push(
        &[amd64, arm64],
        &format!("{ANONYMOUS}/rampart/multi:1"),
        None,
    );
    let target = Target::parse(&format!("docker://{ANONYMOUS}/rampart/multi:1")).expect("target");
    let image = read(&target, &insecure(&[ANONYMOUS])).expect("reads");
    assert_eq!(names(&image), [("amd64-only".into(), "1.0".into())]);
    let arm = Options {
        platform: "linux/arm64".parse().expect("platform"),
        ..insecure(&[ANONYMOUS])
    };
    assert_eq!(
        names(&read(&target, &arm).expect("reads")),
        [("arm64-only".into(), "2.0".into())]
    );
}

#[test]
fn basic_auth_registry() {
    if !registry_up(BASIC, "basic-auth registry") {
        return;
    }
    let built = debian_image(&[("curl", "7.88.1-10+deb12u5")], ("linux", "amd64"));
    push(
        &[built],
        &format!("{BASIC}/rampart/basic:1"),
        Some("rampart:rampart-test"),
    );
    let reference = Reference::parse(&format!("{BASIC}/rampart/basic:1")).expect("reference");
    let options = Options::default();
    let error = Registry::new(&reference, true, None)
        .expect("client")
        .read(&options.platform, &options.limits)
        .expect_err("needs credentials");
    assert!(
        error
            .to_string()
            .contains("asks for a user name and password"),
        "{error}"
    );
    let wrong = Credentials {
        username: "rampart".into(),
        password: "wrong".into(),
    };
    let error = Registry::new(&reference, true, Some(wrong))
        .expect("client")
        .read(&options.platform, &options.limits)
        .expect_err("wrong password");
    assert!(error.to_string().contains("401"), "{error}");
    let right = Credentials {
        username: "rampart".into(),
        password: "rampart-test".into(),
    };
    let image = Registry::new(&reference, true, Some(right))
        .expect("client")
        .read(&options.platform, &options.limits)
        .expect("reads");
    assert_eq!(names(&image), [("curl".into(), "7.88.1-10+deb12u5".into())]);
}

/// A registry that wants bearer tokens, and its token server, on one port: blobs and
/// manifests of `image` under repository `app`, answered only with the token the token
/// endpoint gives for the right user, service and scope.
fn token_registry(image: BuiltImage) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    let realm = format!("http://{host}/token");
    std::thread::spawn(move || {
        let mut blobs: Vec<(String, Vec<u8>, &str)> = vec![
            (
                image.manifest_digest(),
                image.manifest.clone(),
                "application/vnd.oci.image.manifest.v1+json",
            ),
            (
                image.config_digest(),
                image.config.clone(),
                "application/octet-stream",
            ),
        ];
        blobs.extend(
            image
                .layers
                .iter()
                .map(|(d, b, _)| (d.clone(), b.clone(), "application/octet-stream")),
        );
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request");
            let mut authorization = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("header");
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    authorization = value.trim().to_owned();
                }
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned();
            let basic = format!("Basic {}", base64_encode("robot:s3cret"));
            let (status, headers, body): (&str, Vec<String>, Vec<u8>) = if path
                .starts_with("/token?")
            {
                let wanted = path.contains("scope=repository%3Aapp%3Apull")
                    && path.contains("service=test-registry");
                if authorization == basic && wanted {
                    (
                        "200 OK",
                        vec!["Content-Type: application/json".into()],
                        br#"{"token":"good-token"}"#.to_vec(),
                    )
                } else {
                    ("401 Unauthorized", vec![], Vec::new())
                }
            } else if authorization != "Bearer good-token" {
                let challenge = format!(
                    "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"test-registry\",scope=\"repository:app:pull\""
                );
                (
                    "401 Unauthorized",
                    vec![challenge],
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#
                        .to_vec(),
                )
            } else {
                let wanted = path.rsplit('/').next().unwrap_or("");
                let wanted = if wanted == "1" {
                    image.manifest_digest()
                } else {
                    wanted.to_owned()
                };
                match blobs.iter().find(|(digest, _, _)| *digest == wanted) {
                    Some((_, bytes, media)) => (
                        "200 OK",
                        vec![format!("Content-Type: {media}")],
                        bytes.clone(),
                    ),
                    None => ("404 Not Found", vec![], Vec::new()),
                }
            };
            let mut response = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for header in headers {
                response.push_str(&header);
                response.push_str("\r\n");
            }
            response.push_str("\r\n");
            let _ = stream.write_all(response.as_bytes());
            let _ = stream.write_all(&body);
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        }
    });
    host
}

fn base64_encode(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn bearer_token_auth_as_registries_ask_for_it() {
    let built = debian_image(&[("openssl", "3.0.15-1~deb12u1")], ("linux", "amd64"));
    let host = token_registry(built);
    let reference = Reference::parse(&format!("{host}/app:1")).expect("reference");
    let options = Options::default();
    let robot = Credentials {
        username: "robot".into(),
        password: "s3cret".into(),
    };
    let image = Registry::new(&reference, true, Some(robot))
        .expect("client")
        .read(&options.platform, &options.limits)
        .expect("reads with a token");
    assert_eq!(
        names(&image),
        [("openssl".into(), "3.0.15-1~deb12u1".into())]
    );
    // Without the right credentials the token server refuses, and that is the error.
    let error = Registry::new(&reference, true, None)
        .expect("client")
        .read(&options.platform, &options.limits)
        .expect_err("no token");
    assert!(error.to_string().contains("/token"), "{error}");
}

#[test]
fn insecure_registries_are_only_those_named() {
    let target = Target::parse("docker://127.0.0.1:9/app:1").expect("target");
    let error = read(&target, &insecure(&["127.0.0.1:10"])).expect_err("nothing there");
    assert!(
        error
            .to_string()
            .starts_with("https://127.0.0.1:9/v2/app/manifests/1"),
        "{error}"
    );
}
