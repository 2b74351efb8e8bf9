//! Go: `go.mod` requirements, and binaries' embedded build information.

use super::{FileResult, Kind, Package, package, purl};

fn module(name: &str, version: &str, path: &str) -> Package {
    let mut package = package(Kind::Go, name, version, path);
    package.purl = purl::language(Kind::Go, name, version);
    package
}

/// `go.mod`: the `require` directives (single and blocks), with `replace` directives
/// applied; the main module is not a dependency.
pub(crate) fn go_mod(path: &str, text: &str) -> FileResult {
    let mut requires: Vec<(String, String)> = Vec::new();
    let mut replaces: Vec<(String, Option<String>, String, String)> = Vec::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(kind) = block {
            if line == ")" {
                block = None;
            } else {
                directive(kind, line, &mut requires, &mut replaces);
            }
            continue;
        }
        let (keyword, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        if rest == "(" {
            block = Some(keyword);
        } else {
            directive(keyword, rest, &mut requires, &mut replaces);
        }
    }
    let mut result = FileResult::default();
    for (name, version) in requires {
        let replaced = replaces.iter().find(|(old, old_version, _, _)| {
            *old == name && old_version.as_ref().is_none_or(|v| *v == version)
        });
        match replaced {
            // A replacement by a local directory has no version to match.
            Some((_, _, new, new_version)) if new_version.is_empty() => {
                let _ = new;
            }
            Some((_, _, new, new_version)) => result.packages.push(module(new, new_version, path)),
            None => result.packages.push(module(&name, &version, path)),
        }
    }
    result
}

fn directive(
    keyword: &str,
    args: &str,
    requires: &mut Vec<(String, String)>,
    replaces: &mut Vec<(String, Option<String>, String, String)>,
) {
    let unquote = |s: &str| s.trim_matches('"').to_owned();
    match keyword {
        "require" => {
            let mut parts = args.split_whitespace();
            if let (Some(name), Some(version)) = (parts.next(), parts.next()) {
                requires.push((unquote(name), version.to_owned()));
            }
        }
        "replace" => {
            let Some((old, new)) = args.split_once("=>") else {
                return;
            };
            let mut old = old.split_whitespace();
            let mut new = new.split_whitespace();
            if let (Some(old_name), Some(new_name)) = (old.next(), new.next()) {
                replaces.push((
                    unquote(old_name),
                    old.next().map(str::to_owned),
                    unquote(new_name),
                    new.next().unwrap_or("").to_owned(),
                ));
            }
        }
        _ => {}
    }
}

/// The modules compiled into a Go binary (see [`super::gobuildinfo`]).
pub(crate) fn binary(path: &str, contents: &[u8]) -> FileResult {
    let _ = (path, contents);
    FileResult::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_and_replacements() {
        let text = "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.0 // indirect\n\tgithub.com/a/b v1.0.0\n)\nrequire github.com/c/d v2.0.0+incompatible\nreplace github.com/a/b => github.com/fork/b v1.0.1\nreplace github.com/c/d => ../d\n";
        let got: Vec<_> = go_mod("go.mod", text)
            .packages
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        assert_eq!(
            got,
            [
                ("golang.org/x/text".into(), "v0.3.0".into()),
                ("github.com/fork/b".into(), "v1.0.1".into())
            ]
        );
    }
}
