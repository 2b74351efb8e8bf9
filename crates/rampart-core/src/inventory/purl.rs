//! Package URLs (<https://github.com/package-url/purl-spec>), written as Trivy writes
//! them so SBOMs from both tools name packages alike.

use crate::vuln::OsRelease;

use super::{Kind, Package};

/// Percent-encodes everything but letters, digits and `.-_~` (so `+` is `%2B`).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".-_~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `pkg:TYPE/NAMESPACE/NAME@VERSION?k=v&…`, qualifiers in the order given (sorted by
/// key, as the spec asks), empty ones left out.
fn build(
    kind: &str,
    namespace: &[&str],
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut out = format!("pkg:{kind}/");
    for part in namespace.iter().filter(|p| !p.is_empty()) {
        out.push_str(&encode(part));
        out.push('/');
    }
    out.push_str(&encode(name));
    if !version.is_empty() {
        out.push('@');
        out.push_str(&encode(version));
    }
    let mut first = true;
    for (key, value) in qualifiers.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(key);
        out.push('=');
        out.push_str(&encode(value));
    }
    out
}

/// The URL of an OS package, given the distribution (`pkg:deb/debian/libc6@2.36-9?
/// arch=amd64&distro=debian-12.15`; the epoch is a qualifier).
pub(crate) fn os_package(package: &Package, os: Option<&OsRelease>) -> String {
    let id = os.map_or("", |os| os.id.as_str());
    let arch = package.arch.as_deref().unwrap_or("");
    match package.kind {
        Kind::Deb | Kind::Rpm => {
            let (epoch, version) = match package.version.split_once(':') {
                Some((epoch, version)) if epoch != "0" => (epoch, version),
                Some((_, version)) => ("", version),
                None => ("", package.version.as_str()),
            };
            let distro = os.map(OsRelease::distro).unwrap_or_default();
            let kind = if package.kind == Kind::Deb {
                "deb"
            } else {
                "rpm"
            };
            build(
                kind,
                &[id],
                &package.name,
                version,
                &[("arch", arch), ("distro", &distro), ("epoch", epoch)],
            )
        }
        Kind::Apk => {
            let distro = os.and_then(|os| os.version_id.as_deref()).unwrap_or("");
            build(
                "apk",
                &[id],
                &package.name,
                &package.version,
                &[("arch", arch), ("distro", distro)],
            )
        }
        _ => language(package.kind, &package.name, &package.version),
    }
}

/// The URL of a language package.
pub(crate) fn language(kind: Kind, name: &str, version: &str) -> String {
    match kind {
        Kind::Python => build(
            "pypi",
            &[],
            &name.to_lowercase().replace('_', "-"),
            version,
            &[],
        ),
        Kind::Npm => match name.split_once('/') {
            Some((scope, name)) if scope.starts_with('@') => {
                build("npm", &[scope], name, version, &[])
            }
            _ => build("npm", &[], name, version, &[]),
        },
        Kind::Cargo => build("cargo", &[], name, version, &[]),
        Kind::Go => {
            let (namespace, name) = name.rsplit_once('/').unwrap_or(("", name));
            let parts: Vec<&str> = namespace.split('/').collect();
            build("golang", &parts, name, version, &[])
        }
        Kind::Deb | Kind::Apk | Kind::Rpm => {
            build(&format!("{kind:?}").to_lowercase(), &[], name, version, &[])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_urls() {
        assert_eq!(
            language(Kind::Npm, "@babel/core", "7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            language(Kind::Python, "Flask_Cors", "1.0"),
            "pkg:pypi/flask-cors@1.0"
        );
        assert_eq!(
            language(
                Kind::Go,
                "github.com/docker/docker",
                "v20.10.11+incompatible"
            ),
            "pkg:golang/github.com/docker/docker@v20.10.11%2Bincompatible"
        );
        assert_eq!(
            language(Kind::Cargo, "serde", "1.0.0"),
            "pkg:cargo/serde@1.0.0"
        );
    }
}
