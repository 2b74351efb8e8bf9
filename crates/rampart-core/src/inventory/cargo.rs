//! Rust: `Cargo.lock`, and binaries built with cargo-auditable (the `.dep-v0` section:
//! zlib-compressed JSON listing every crate compiled in).

use std::io::Read;

use super::{FileResult, Kind, Package, package, purl};

fn krate(name: &str, version: &str, path: &str) -> Package {
    let mut package = package(Kind::Cargo, name, version, path);
    package.purl = purl::language(Kind::Cargo, name, version);
    package
}

/// `Cargo.lock`: every `[[package]]` from a registry or git; workspace members and path
/// dependencies (no `source`) are the project's own code, not published crates (a local
/// crate named like a published one must not take its advisories).
pub(crate) fn cargo_lock(path: &str, text: &str) -> FileResult {
    super::toml_packages(path, text, |entry| entry.contains_key("source"), krate)
}

/// The crates recorded by cargo-auditable in an ELF binary, if it has them.
pub(crate) fn auditable(path: &str, contents: &[u8]) -> FileResult {
    use object::{Object, ObjectSection};
    let Ok(file) = object::File::parse(contents) else {
        return FileResult::default();
    };
    let Some(section) = file.section_by_name(".dep-v0") else {
        return FileResult::default();
    };
    let Ok(compressed) = section.data() else {
        return FileResult::error(path, None, "the .dep-v0 section cannot be read");
    };
    // The JSON is small; a cap keeps a hostile section from inflating without end.
    let mut json = Vec::new();
    let inflated = flate2::read::ZlibDecoder::new(compressed)
        .take(64 << 20)
        .read_to_end(&mut json);
    if let Err(e) = inflated {
        return FileResult::error(
            path,
            None,
            format!("the .dep-v0 section is not zlib data: {e}"),
        );
    }
    #[derive(serde::Deserialize)]
    struct Audit {
        packages: Vec<Crate>,
    }
    #[derive(serde::Deserialize)]
    struct Crate {
        name: String,
        version: String,
        #[serde(default)]
        source: String,
        #[serde(default)]
        kind: String,
    }
    match serde_json::from_slice::<Audit>(&json) {
        Ok(audit) => FileResult {
            packages: audit
                .packages
                .iter()
                // Build dependencies are not in the binary; local crates are not published.
                .filter(|c| c.kind != "build" && c.source != "local")
                .map(|c| krate(&c.name, &c.version, path))
                .collect(),
            errors: Vec::new(),
        },
        Err(e) => FileResult::error(
            path,
            None,
            format!("the .dep-v0 section is not cargo-auditable JSON: {e}"),
        ),
    }
}
