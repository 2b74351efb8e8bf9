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

/// The start of Go's build information blob (`debug/buildinfo`).
const BUILDINFO_MAGIC: &[u8] = b"\xff Go buildinf:";

/// The modules compiled into a Go binary, from its build information: the main module
/// (unless a development build), every `dep` (with `=>` replacements applied) and the
/// standard library as `stdlib` at the toolchain's version. Reads both layouts: Go
/// 1.18+ (strings inline after the header) and older (pointers to Go strings).
pub(crate) fn binary(path: &str, contents: &[u8]) -> FileResult {
    use object::{Object, ObjectSection};
    let Ok(file) = object::File::parse(contents) else {
        return FileResult::default();
    };
    let section = file
        .section_by_name(".go.buildinfo")
        .and_then(|s| s.data().ok());
    let data_sections = || {
        file.sections()
            .filter_map(|s| Some((s.address(), s.data().ok()?)))
    };
    // Without the section (stripped headers), the blob is in a data section, 16-aligned.
    let blob = section
        .and_then(|d| d.starts_with(BUILDINFO_MAGIC).then_some(d))
        .or_else(|| {
            data_sections().find_map(|(_, data)| {
                (0..data.len())
                    .step_by(16)
                    .map(|i| &data[i..])
                    .find(|d| d.starts_with(BUILDINFO_MAGIC))
            })
        });
    let Some(blob) = blob else {
        return FileResult::default();
    };
    let read = |address: u64, size: u64| -> Option<&[u8]> {
        data_sections().find_map(|(start, data)| {
            let offset = usize::try_from(address.checked_sub(start)?).ok()?;
            data.get(offset..offset.checked_add(usize::try_from(size).ok()?)?)
        })
    };
    match buildinfo(blob, read) {
        Some((version, modinfo)) => modules(path, &version, &modinfo),
        None => FileResult::error(path, None, "Go build information that cannot be read"),
    }
}

/// The Go version and module information of a build information blob; `read` maps a
/// virtual address range to bytes (for the pre-1.18 pointer layout).
pub(crate) fn buildinfo<'a>(
    blob: &'a [u8],
    read: impl Fn(u64, u64) -> Option<&'a [u8]>,
) -> Option<(String, String)> {
    if blob.len() < 32 || !blob.starts_with(BUILDINFO_MAGIC) {
        return None;
    }
    let (pointer_size, flags) = (usize::from(blob[14]), blob[15]);
    if flags & 2 != 0 {
        let (version, rest) = varint_string(&blob[32..])?;
        let (modinfo, _) = varint_string(rest)?;
        return Some((
            String::from_utf8_lossy(version).into_owned(),
            strip_sentinels(modinfo),
        ));
    }
    let big_endian = flags & 1 != 0;
    let word = |bytes: &[u8]| -> Option<u64> {
        let bytes = bytes.get(..pointer_size)?;
        let mut value = 0u64;
        for i in 0..pointer_size {
            let byte = if big_endian {
                bytes[i]
            } else {
                bytes[pointer_size - 1 - i]
            };
            value = value << 8 | u64::from(byte);
        }
        Some(value)
    };
    if pointer_size != 4 && pointer_size != 8 {
        return None;
    }
    let go_string = |header_address: u64| -> Option<&'a [u8]> {
        let header = read(header_address, 2 * pointer_size as u64)?;
        let (data, length) = (word(header)?, word(&header[pointer_size..])?);
        if length > 64 << 20 {
            return None;
        }
        read(data, length)
    };
    let version = go_string(word(&blob[16..])?)?;
    let modinfo = go_string(word(&blob[16 + pointer_size..])?)?;
    Some((
        String::from_utf8_lossy(version).into_owned(),
        strip_sentinels(modinfo),
    ))
}

/// An unsigned LEB128 length, then that many bytes.
fn varint_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut length = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        length |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let start = i + 1;
            let end = start.checked_add(usize::try_from(length).ok()?)?;
            return Some((bytes.get(start..end)?, &bytes[end..]));
        }
    }
    None
}

/// Module information is framed by 16-byte sentinels.
fn strip_sentinels(modinfo: &[u8]) -> String {
    let inner = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        modinfo
    };
    String::from_utf8_lossy(inner).into_owned()
}

/// The packages named by module information lines (`mod`, `dep`, `=>`).
fn modules(path: &str, version: &str, modinfo: &str) -> FileResult {
    let mut result = FileResult::default();
    for line in modinfo.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["mod", name, module_version, ..] if *module_version != "(devel)" => {
                result.packages.push(module(name, module_version, path))
            }
            ["dep", name, module_version, ..] => {
                result.packages.push(module(name, module_version, path))
            }
            ["=>", name, module_version, ..] => {
                // Replaces the dependency before it; a local directory has no version.
                result.packages.pop();
                if !module_version.is_empty() {
                    result.packages.push(module(name, module_version, path));
                }
            }
            _ => {}
        }
    }
    if let Some(stdlib) = go_version(version) {
        result.packages.push(module("stdlib", &stdlib, path));
    }
    result
}

/// `go1.21.3` → `v1.21.3`; `go1.21` → `v1.21.0`; `go1.21rc2` → `v1.21.0-rc.2`.
fn go_version(version: &str) -> Option<String> {
    let version = version
        .trim()
        .strip_prefix("go")?
        .split([' ', '+'])
        .next()?;
    let (release, pre) = match version.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&version[..i], Some(&version[i..])),
        None => (version, None),
    };
    let mut parts: Vec<&str> = release.split('.').collect();
    if parts.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    parts.resize(3, "0");
    let mut out = format!("v{}", parts.join("."));
    if let Some(pre) = pre {
        let digits = pre.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        out.push_str(&format!("-{}.{digits}", &pre[..pre.len() - digits.len()]));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_and_replacements() {
        let text = "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.0 // indirect\n\tgithub.com/a/b v1.0.0\n)\nrequire github.com/c/d v2.0.0+incompatible\nreplace github.com/a/b => github.com/fork/b v1.0.1\nreplace github.com/c/d => ../d\n";
        let got = go_mod("go.mod", text).names_and_versions();
        assert_eq!(
            got,
            [
                ("golang.org/x/text".into(), "v0.3.0".into()),
                ("github.com/fork/b".into(), "v1.0.1".into())
            ]
        );
    }
}
