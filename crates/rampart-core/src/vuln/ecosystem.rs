//! OSV ecosystem names: which version ordering each uses, how package names are
//! normalised, and which ecosystem an operating system's packages belong to.

use super::version::Scheme;

/// The version ordering of an OSV ecosystem (`Debian:12` → dpkg), or `None` for
/// ecosystems rampart does not inventory (their records are counted, not indexed).
pub fn scheme(ecosystem: &str) -> Option<Scheme> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    Some(match base {
        "Debian" | "Ubuntu" => Scheme::Dpkg,
        "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "MinimOS" => Scheme::Apk,
        "Rocky Linux" | "AlmaLinux" | "openSUSE" | "SUSE" | "Photon OS" | "Azure Linux"
        | "CBL-Mariner" | "Mariner" | "openEuler" | "Mageia" | "Red Hat" => Scheme::Rpm,
        "crates.io" | "npm" | "Go" => Scheme::SemVer,
        "PyPI" => Scheme::Pep440,
        _ => return None,
    })
}

/// The name under which a package is looked up: PyPI names per PEP 503 (lower case,
/// runs of `-`, `_` and `.` as one `-`); every other ecosystem as spelled.
pub(crate) fn normalise_name(ecosystem: &str, name: &str) -> String {
    if ecosystem != "PyPI" {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The fields of `/etc/os-release` that name a distribution release.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OsRelease {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `rocky`...).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.20.3`, `22.04`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
    /// A more precise version from the distribution's own file (`/etc/debian_version`:
    /// `12.15`), used in package URLs as Trivy writes them.
    pub point_release: Option<String>,
}

impl OsRelease {
    /// Reads os-release text (`KEY=value` lines, values optionally quoted).
    pub fn parse(text: &str) -> Self {
        let mut release = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = unquote(value.trim());
            match key.trim() {
                "ID" => release.id = value.to_ascii_lowercase(),
                "VERSION_ID" => release.version_id = Some(value),
                "VERSION_CODENAME" if !value.is_empty() => release.codename = Some(value),
                "PRETTY_NAME" => release.pretty_name = Some(value),
                _ => {}
            }
        }
        release
    }

    /// The distribution's version as package URLs name it (`debian-12.15`).
    pub fn distro(&self) -> String {
        let version = self
            .point_release
            .as_deref()
            .or(self.version_id.as_deref())
            .unwrap_or("");
        if version.is_empty() {
            self.id.clone()
        } else {
            format!("{}-{version}", self.id)
        }
    }

    /// The OSV ecosystems that hold this release's OS packages, most specific first
    /// (`Debian:12`; `Ubuntu:22.04:LTS` then `Ubuntu:22.04`; `Alpine:v3.20`). Empty for
    /// an unknown distribution or release.
    pub fn ecosystems(&self) -> Vec<String> {
        let version = self.version_id.as_deref().unwrap_or("");
        let major = version.split('.').next().unwrap_or("");
        let major_minor = || version.split('.').take(2).collect::<Vec<_>>().join(".");
        match self.id.as_str() {
            "debian" => {
                let release = if major.is_empty() {
                    self.codename
                        .as_deref()
                        .and_then(debian_release)
                        .unwrap_or("")
                        .to_owned()
                } else {
                    major.to_owned()
                };
                nonempty(&release, |r| vec![format!("Debian:{r}")])
            }
            "ubuntu" => nonempty(version, |v| {
                let lts = v.ends_with(".04")
                    && v.split('.')
                        .next()
                        .and_then(|y| y.parse::<u32>().ok())
                        .is_some_and(|y| y % 2 == 0);
                let mut names = Vec::new();
                if lts {
                    names.push(format!("Ubuntu:{v}:LTS"));
                }
                names.push(format!("Ubuntu:{v}"));
                names
            }),
            "alpine" => nonempty(version, |_| vec![format!("Alpine:v{}", major_minor())]),
            "wolfi" => vec!["Wolfi".to_owned()],
            "chainguard" => vec!["Chainguard".to_owned()],
            "rocky" => nonempty(major, |m| vec![format!("Rocky Linux:{m}")]),
            "almalinux" => nonempty(major, |m| vec![format!("AlmaLinux:{m}")]),
            "opensuse-leap" => nonempty(version, |v| vec![format!("openSUSE:Leap {v}")]),
            "opensuse-tumbleweed" => vec!["openSUSE:Tumbleweed".to_owned()],
            "photon" => nonempty(version, |v| vec![format!("Photon OS:{v}")]),
            "azurelinux" => nonempty(version, |v| vec![format!("Azure Linux:{v}")]),
            "mariner" => nonempty(version, |v| vec![format!("CBL-Mariner:{v}")]),
            "mageia" => nonempty(major, |m| vec![format!("Mageia:{m}")]),
            _ => Vec::new(),
        }
    }
}

fn nonempty(value: &str, names: impl FnOnce(&str) -> Vec<String>) -> Vec<String> {
    if value.is_empty() {
        Vec::new()
    } else {
        names(value)
    }
}

/// Debian's release numbers by codename (for os-release files without `VERSION_ID`).
fn debian_release(codename: &str) -> Option<&'static str> {
    Some(match codename {
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        _ => return None,
    })
}

fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(text: &str) -> OsRelease {
        OsRelease::parse(text)
    }

    #[test]
    fn releases_name_their_ecosystems() {
        assert_eq!(
            release("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm").ecosystems(),
            ["Debian:12"]
        );
        assert_eq!(
            release("ID=debian\nVERSION_CODENAME=trixie").ecosystems(),
            ["Debian:13"]
        );
        assert_eq!(
            release("ID=alpine\nVERSION_ID=3.20.3").ecosystems(),
            ["Alpine:v3.20"]
        );
        assert_eq!(
            release("ID=ubuntu\nVERSION_ID=\"22.04\"").ecosystems(),
            ["Ubuntu:22.04:LTS", "Ubuntu:22.04"]
        );
        assert_eq!(
            release("ID=ubuntu\nVERSION_ID=\"23.10\"").ecosystems(),
            ["Ubuntu:23.10"]
        );
        assert_eq!(
            release("ID=\"rocky\"\nVERSION_ID=\"9.3\"").ecosystems(),
            ["Rocky Linux:9"]
        );
        assert!(release("ID=plan9").ecosystems().is_empty());
    }

    #[test]
    fn pypi_names_are_normalised_per_pep_503() {
        assert_eq!(
            normalise_name("PyPI", "Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(normalise_name("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(normalise_name("PyPI", "a--_.b"), "a-b");
        assert_eq!(normalise_name("npm", "Foo_Bar"), "Foo_Bar");
    }
}
