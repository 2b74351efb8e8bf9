//! A real `rpmdb.sqlite` (written by rpm 4.18, see tests/data/rpm/README.md) read
//! through the collector: packages with epoch, release, architecture and source RPM,
//! Trivy's package URLs, and one broken header reported without losing the other.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::io::Read;

use rampart_core::inventory::{Collector, Inventory, Kind};

const PATH: &str = "var/lib/rpm/rpmdb.sqlite";
const OS_RELEASE: &str = "ID=\"rocky\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3\"\n";

fn database() -> Vec<u8> {
    let gz = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/rpm/rpmdb.sqlite.gz"
    ))
    .expect("test database");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut bytes)
        .expect("gzip");
    bytes
}

fn inventory(database: &[u8]) -> Inventory {
    let mut collector = Collector::new();
    assert!(collector.add("etc/os-release", None, OS_RELEASE.as_bytes()));
    assert!(collector.add(PATH, None, database));
    collector.finish()
}

#[test]
fn a_real_rpm_database_gives_its_packages_in_installation_order() {
    let inventory = inventory(&database());
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    let got: Vec<_> = inventory
        .packages
        .iter()
        .map(|p| {
            assert_eq!(p.kind, Kind::Rpm);
            assert_eq!(p.path, PATH);
            let source = p.source.as_ref().expect("source rpm");
            (
                p.name.as_str(),
                p.version.as_str(),
                p.arch.as_deref().unwrap_or(""),
                source.name.as_str(),
                source.version.as_str(),
                p.purl.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "openssl-libs",
                "1:3.0.7-24.el9",
                "x86_64",
                "openssl",
                "1:3.0.7-24.el9",
                "pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1"
            ),
            (
                "hello-rampart",
                "2:1.2.3-4.el9",
                "noarch",
                "hello-rampart",
                "2:1.2.3-4.el9",
                "pkg:rpm/rocky/hello-rampart@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2"
            ),
        ]
    );
}

/// The database with the header of package `hnum` replaced by `blob`.
fn with_blob(database: &[u8], hnum: i64, blob: &[u8]) -> Vec<u8> {
    let mut connection = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut bytes = database.to_vec();
    (bytes[18], bytes[19]) = (1, 1);
    connection
        .deserialize_read_exact(rusqlite::MAIN_DB, &bytes[..], bytes.len(), false)
        .expect("deserialize");
    connection
        .execute(
            "UPDATE Packages SET blob = ?1 WHERE hnum = ?2",
            rusqlite::params![blob, hnum],
        )
        .expect("update");
    connection
        .serialize(rusqlite::MAIN_DB)
        .expect("serialize")
        .to_vec()
}

#[test]
fn a_broken_header_is_an_error_and_the_others_are_read() {
    let database = database();
    for (blob, message) in [
        (&[0u8, 0, 0, 1][..], "truncated header"),
        (&[0, 0, 0, 2, 0, 0, 0, 0][..], "truncated header"),
        (
            &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0][..],
            "implausible header",
        ),
    ] {
        let inventory = inventory(&with_blob(&database, 1, blob));
        assert_eq!(inventory.packages.len(), 1, "{message}");
        assert_eq!(inventory.errors.len(), 1, "{message}");
        assert!(
            inventory.errors[0]
                .message
                .starts_with("package header 1: ")
                && inventory.errors[0].message.contains(message),
            "{}",
            inventory.errors[0].message
        );
    }
    let cut = &database[..database.len() / 2];
    let inventory = inventory(cut);
    assert!(inventory.packages.is_empty());
    assert_eq!(inventory.errors.len(), 1, "{:?}", inventory.errors);
    assert!(inventory.errors[0].message.starts_with("rpmdb.sqlite: "));
}

#[test]
fn berkeley_db_and_ndb_databases_are_reported_unsupported() {
    for path in ["var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db"] {
        let (packages, errors) =
            rampart_core::inventory::read_file(path, b"\0\0\0\0").expect("a database path");
        assert!(packages.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("not supported"),
            "{}",
            errors[0].message
        );
    }
}

fn record(id: &str, name: &str, fixed: &str) -> rampart_core::vuln::osv::Record {
    let json = serde_json::json!({
        "id": id,
        "modified": "2026-12-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": "Rocky Linux:9", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    });
    rampart_core::vuln::osv::from_json(json.to_string().as_bytes()).expect("record")
}

/// RPM distributions' advisories name binary packages: `openssl-libs` is matched by its
/// own name and epoch-version-release, not by its source RPM's name.
#[test]
fn rpm_packages_are_matched_by_binary_name_with_epoch() {
    let inventory = inventory(&database());
    let mut builder = rampart_core::vuln::IndexBuilder::new();
    builder.add(record("RLSA-2026:1", "openssl-libs", "1:3.0.7-25.el9"));
    builder.add(record("RLSA-2026:2", "openssl", "1:3.0.7-25.el9"));
    builder.add(record("RLSA-2026:3", "hello-rampart", "1:9.9-1.el9"));
    let found = rampart_core::vuln::matches(&inventory, &builder.finish());
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let got: Vec<_> = found
        .matches
        .iter()
        .map(|m| {
            (
                inventory.packages[m.package].name.as_str(),
                m.id.as_str(),
                m.fixed.as_deref(),
            )
        })
        .collect();
    // hello-rampart has epoch 2: 2:1.2.3 is above 1:9.9, so it is not affected.
    assert_eq!(
        got,
        [("openssl-libs", "RLSA-2026:1", Some("1:3.0.7-25.el9"))]
    );
}
