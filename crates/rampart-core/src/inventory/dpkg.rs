//! dpkg's database: `/var/lib/dpkg/status` and distroless `status.d/*` files
//! (RFC 822-style paragraphs), with each binary package's source package.

use crate::vuln::version::dpkg::DebianVersion;

use super::{FileResult, InventoryError, Kind, SourcePackage, package};

/// One paragraph's fields, with the line it starts on.
pub(crate) struct Paragraph<'a> {
    pub line: usize,
    pub fields: Vec<(&'a str, String)>,
}

impl Paragraph<'_> {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits control-file text into paragraphs of `Key: value` fields (continuation lines
/// are kept only for the first line of each field: no field rampart reads spans lines).
pub(crate) fn paragraphs(text: &str) -> Vec<Paragraph<'_>> {
    let mut out = Vec::new();
    let mut current: Option<Paragraph<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let paragraph = current.get_or_insert_with(|| Paragraph {
            line: i + 1,
            fields: Vec::new(),
        });
        if let Some((key, value)) = line.split_once(':') {
            paragraph.fields.push((key.trim(), value.trim().to_owned()));
        }
    }
    out.extend(current);
    out
}

/// The installed packages of a dpkg status file (or one `status.d` file).
pub(crate) fn parse(path: &str, text: &str) -> FileResult {
    let mut result = FileResult::default();
    for paragraph in paragraphs(text) {
        let error = |message: String| InventoryError {
            path: path.to_owned(),
            line: Some(paragraph.line),
            message,
        };
        // A status file lists removed packages too; status.d files have no Status.
        if paragraph
            .get("Status")
            .is_some_and(|status| status.split_whitespace().nth(2) != Some("installed"))
        {
            continue;
        }
        let (Some(name), Some(version)) = (paragraph.get("Package"), paragraph.get("Version"))
        else {
            result
                .errors
                .push(error("a package without Package or Version".into()));
            continue;
        };
        if let Err(e) = DebianVersion::parse(version) {
            result.errors.push(error(format!("package {name}: {e}")));
            continue;
        }
        let source = match paragraph.get("Source") {
            Some(source) => match source.split_once('(') {
                Some((source, version)) => SourcePackage {
                    name: source.trim().to_owned(),
                    version: version.trim_end().trim_end_matches(')').trim().to_owned(),
                },
                None => SourcePackage {
                    name: source.trim().to_owned(),
                    version: version.to_owned(),
                },
            },
            None => SourcePackage {
                name: name.to_owned(),
                version: version.to_owned(),
            },
        };
        let mut package = package(Kind::Deb, name, version, path);
        package.arch = paragraph.get("Architecture").map(str::to_owned);
        package.source = Some(source);
        result.packages.push(package);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_removed_packages_and_broken_records() {
        let text = "Package: libcap2\nStatus: install ok installed\nArchitecture: amd64\nSource: libcap2 (1:2.66-4+deb12u3)\nVersion: 1:2.66-4+deb12u3+b1\nDescription: x\n more\n\n\
                    Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\n\
                    Package: broken\nStatus: install ok installed\n\n\
                    Package: login\nStatus: install ok installed\nSource: shadow\nVersion: 1:4.13+dfsg1-1\n";
        let result = parse("var/lib/dpkg/status", text);
        let names: Vec<_> = result
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.source
                        .as_ref()
                        .map(|s| (s.name.as_str(), s.version.as_str())),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("libcap2", Some(("libcap2", "1:2.66-4+deb12u3"))),
                ("login", Some(("shadow", "1:4.13+dfsg1-1")))
            ]
        );
        assert_eq!(result.errors.len(), 1);
        assert_eq!(result.errors[0].line, Some(13));
    }
}
