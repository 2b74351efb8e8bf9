//! apk's database, `/lib/apk/db/installed`: one paragraph of `K:value` lines per
//! package (`P` name, `V` version, `A` architecture, `o` origin).

use super::{FileResult, InventoryError, Kind, SourcePackage, package};

/// The installed packages of an apk database.
pub(crate) fn parse(path: &str, text: &str) -> FileResult {
    let mut result = FileResult::default();
    let mut start = None;
    let mut fields: Vec<(char, &str)> = Vec::new();
    let lines = text.lines().map(Some).chain(std::iter::once(None));
    for (i, line) in lines.enumerate() {
        match line {
            Some(line) if !line.trim().is_empty() => {
                start.get_or_insert(i + 1);
                let mut chars = line.chars();
                if let (Some(key), Some(':')) = (chars.next(), chars.next()) {
                    fields.push((key, &line[2..]));
                }
            }
            _ => {
                if let Some(line) = start.take() {
                    read_package(path, line, &fields, &mut result);
                }
                fields.clear();
            }
        }
    }
    result
}

fn read_package(path: &str, line: usize, fields: &[(char, &str)], result: &mut FileResult) {
    let get = |key: char| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim())
    };
    let (Some(name), Some(version)) = (get('P'), get('V')) else {
        result.errors.push(InventoryError {
            path: path.to_owned(),
            line: Some(line),
            message: "a package without P: (name) or V: (version)".into(),
        });
        return;
    };
    let mut package = package(Kind::Apk, name, version, path);
    package.arch = get('A').map(str::to_owned);
    package.source = Some(SourcePackage {
        name: get('o').unwrap_or(name).to_owned(),
        version: version.to_owned(),
    });
    result.packages.push(package);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_with_origins() {
        let text = "C:Q1abc=\nP:libcrypto1.1\nV:1.1.1d-r2\nA:x86_64\no:openssl\n\nP:broken\n\nP:musl\nV:1.1.22-r3\n";
        let result = parse("lib/apk/db/installed", text);
        let got: Vec<_> = result
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.source.as_ref().map(|s| s.name.as_str())))
            .collect();
        assert_eq!(
            got,
            [("libcrypto1.1", Some("openssl")), ("musl", Some("musl"))]
        );
        assert_eq!(result.errors[0].line, Some(7));
    }
}
