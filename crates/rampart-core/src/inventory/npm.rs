//! npm: installed packages (`node_modules/**/package.json`) and `package-lock.json`
//! (lockfile versions 1, 2 and 3).

use serde_json::Value;

use super::{FileResult, InventoryError, Kind, Package, package, purl};

fn npm(name: &str, version: &str, path: &str) -> Package {
    let mut package = package(Kind::Npm, name, version, path);
    package.purl = purl::language(Kind::Npm, name, version);
    package
}

fn json(path: &str, contents: &[u8]) -> Result<Value, FileResult> {
    serde_json::from_slice(contents)
        .map_err(|e| FileResult::error(path, Some(e.line()), format!("not valid JSON: {e}")))
}

/// An installed package's `package.json`: its `name` and `version`.
pub(crate) fn package_json(path: &str, contents: &[u8]) -> FileResult {
    let value = match json(path, contents) {
        Ok(value) => value,
        Err(result) => return result,
    };
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match (field("name"), field("version")) {
        (Some(name), Some(version)) => FileResult {
            packages: vec![npm(name, version, path)],
            errors: Vec::new(),
        },
        // Some packages ship stub package.json files without a version: nothing installed.
        _ => FileResult::default(),
    }
}

/// `package-lock.json`: v2/v3 `packages` (keyed by install path), else v1
/// `dependencies` (nested). Links and the root project are not packages.
pub(crate) fn package_lock(path: &str, contents: &[u8]) -> FileResult {
    let value = match json(path, contents) {
        Ok(value) => value,
        Err(result) => return result,
    };
    let mut result = FileResult::default();
    if let Some(packages) = value.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            if key.is_empty() || entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .or_else(|| key.rsplit_once("node_modules/").map(|(_, name)| name));
            let version = entry.get("version").and_then(Value::as_str);
            match (name, version) {
                (Some(name), Some(version)) => result.packages.push(npm(name, version, path)),
                _ if !key.contains("node_modules/") => {} // a workspace member
                _ => result.errors.push(InventoryError {
                    path: path.to_owned(),
                    line: None,
                    message: format!("packages[{key:?}] has no version"),
                }),
            }
        }
    } else if let Some(dependencies) = value.get("dependencies").and_then(Value::as_object) {
        v1_dependencies(path, dependencies, &mut result);
    }
    result
}

fn v1_dependencies(
    path: &str,
    dependencies: &serde_json::Map<String, Value>,
    result: &mut FileResult,
) {
    for (name, entry) in dependencies {
        match entry.get("version").and_then(Value::as_str) {
            // `file:` and git versions name no registry release.
            Some(version) if !version.contains(':') => {
                result.packages.push(npm(name, version, path))
            }
            Some(_) => {}
            None => result.errors.push(InventoryError {
                path: path.to_owned(),
                line: None,
                message: format!("dependency {name:?} has no version"),
            }),
        }
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            v1_dependencies(path, nested, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_versions() {
        let v3 = br#"{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/@a/b":{"version":"1.0.0"},"node_modules/x/node_modules/y":{"version":"2.0.0"},"node_modules/l":{"link":true}}}"#;
        let got = package_lock("package-lock.json", v3).names_and_versions();
        assert_eq!(
            got,
            [
                ("@a/b".into(), "1.0.0".into()),
                ("y".into(), "2.0.0".into())
            ]
        );
        let v1 = br#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"0.1.0"}}}}}"#;
        assert_eq!(package_lock("package-lock.json", v1).packages.len(), 2);
        assert_eq!(
            package_lock("package-lock.json", b"{").errors[0].line,
            Some(1)
        );
    }
}
