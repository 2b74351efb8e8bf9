//! Python: installed distributions' metadata (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`) and lockfiles (`requirements*.txt` pins, `poetry.lock`,
//! `Pipfile.lock`, `uv.lock`).

use super::{FileResult, Kind, Package, package, purl};

fn python(name: &str, version: &str, path: &str) -> Package {
    let mut package = package(Kind::Python, name, version, path);
    package.purl = purl::language(Kind::Python, name, version);
    package
}

/// An installed distribution's core metadata: its `Name` and `Version` headers.
pub(crate) fn metadata(path: &str, text: &str) -> FileResult {
    let header = |key: &str| {
        text.lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| {
                line.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v.trim())
            })
    };
    match (header("Name"), header("Version")) {
        (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => FileResult {
            packages: vec![python(name, version, path)],
            errors: Vec::new(),
        },
        _ => FileResult::error(path, Some(1), "metadata without Name or Version"),
    }
}

/// `name==version` pins (extras and environment markers allowed); other lines
/// (ranges, options, URLs, comments) pin nothing and are passed over.
pub(crate) fn requirements(path: &str, text: &str) -> FileResult {
    let mut result = FileResult::default();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        let line = line.trim_end_matches('\\').trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        let requirement = line.split(';').next().unwrap_or(line).trim();
        let Some((name, version)) = requirement.split_once("==") else {
            continue;
        };
        let version = version
            .trim_start_matches('=')
            .trim_start()
            .split([' ', ','])
            .next()
            .unwrap_or("")
            .trim();
        let name = name.split('[').next().unwrap_or(name).trim();
        if name.is_empty() || version.is_empty() || version.contains('*') {
            continue;
        }
        result.packages.push(python(name, version, path));
    }
    result
}

/// `poetry.lock`.
pub(crate) fn poetry_lock(path: &str, text: &str) -> FileResult {
    super::toml_packages(path, text, |_| true, python)
}

/// `uv.lock`, less the project itself and other local sources (editable, virtual,
/// directory).
pub(crate) fn uv_lock(path: &str, text: &str) -> FileResult {
    let registry = |entry: &toml::Table| {
        let source = entry.get("source").and_then(toml::Value::as_table);
        !source.is_some_and(|s| {
            s.contains_key("editable") || s.contains_key("virtual") || s.contains_key("directory")
        })
    };
    super::toml_packages(path, text, registry, python)
}

/// `Pipfile.lock`: `default` and `develop` sections of `name: {"version": "==x"}`.
pub(crate) fn pipfile_lock(path: &str, contents: &[u8]) -> FileResult {
    let value: serde_json::Value = match serde_json::from_slice(contents) {
        Ok(value) => value,
        Err(e) => return FileResult::error(path, Some(e.line()), format!("not valid JSON: {e}")),
    };
    let mut result = FileResult::default();
    for section in ["default", "develop"] {
        let Some(entries) = value.get(section).and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (name, entry) in entries {
            let Some(version) = entry.get("version").and_then(serde_json::Value::as_str) else {
                continue;
            };
            if let Some(version) = version.strip_prefix("==") {
                result
                    .packages
                    .push(python(name, version.trim_start_matches('='), path));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_pins() {
        let text = "# c\nFlask[async]==2.0.1 ; python_version > '3'\n-r other.txt\nrequests>=2\nurllib3==1.26.5 \\\n    --hash=sha256:abc\nDjango === 3.2\n";
        let got = requirements("r.txt", text).names_and_versions();
        assert_eq!(
            got,
            [
                ("Flask".into(), "2.0.1".into()),
                ("urllib3".into(), "1.26.5".into()),
                ("Django".into(), "3.2".into())
            ]
        );
    }

    #[test]
    fn metadata_headers() {
        let result = metadata(
            "x.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n\nVersion: 9\n",
        );
        assert_eq!(result.packages[0].version, "3.1.2");
        assert_eq!(result.packages[0].purl, "pkg:pypi/jinja2@3.1.2");
        assert_eq!(metadata("y", "Name: x\n").errors.len(), 1);
    }

    #[test]
    fn broken_toml_is_an_error_with_its_line() {
        let result = poetry_lock("poetry.lock", "[[package]]\nname = \"a\"\nversion = \n");
        assert_eq!(result.errors[0].line, Some(3));
    }
}
