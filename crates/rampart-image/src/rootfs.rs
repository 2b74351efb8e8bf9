//! An unpacked root file system on disk (`dir:ROOTFS`): walked without following
//! links; a wanted path that is a link (`etc/os-release -> ../usr/lib/os-release`) is
//! resolved as the image would see it, inside the root, so no link reads a file of the
//! host.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use rampart_core::inventory::{self, Wanted};

use crate::layer::{Content, Entry, Event};
use crate::{FileSystem, Image, ImageError};

/// Most links followed while resolving one path (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Reads the packages and files of a root file system.
pub(crate) fn read(root: &Path) -> Result<Image, ImageError> {
    if !root.is_dir() {
        return Err(ImageError::Io(format!(
            "{}: not a directory",
            root.display()
        )));
    }
    let mut events = Vec::new();
    let mut problems = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!("{e}"));
                continue;
            }
        };
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let path = relative.to_string_lossy().replace('\\', "/");
        let file_type = entry.file_type();
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(e) => {
                problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        let mode = if file_type.is_symlink() {
            0
        } else {
            metadata.permissions().mode() & 0o7777
        };
        let content = if file_type.is_file() {
            let executable = mode & 0o111 != 0;
            read_wanted(entry.path(), &path, executable, metadata.len()).unwrap_or_else(|e| {
                problems.push(format!("{path}: {e}"));
                Content::Other
            })
        } else if file_type.is_symlink() && inventory::wanted(&path, false, 0) == Wanted::Yes {
            match resolve_in_root(root, relative) {
                Some(target) if target.is_file() => {
                    let size = target.metadata().map(|m| m.len()).unwrap_or(0);
                    read_wanted(&target, &path, false, size).unwrap_or_else(|e| {
                        problems.push(format!("{path}: {e}"));
                        Content::Other
                    })
                }
                _ => Content::Other,
            }
        } else {
            Content::Other
        };
        events.push(Event::Entry(Entry {
            path,
            directory: file_type.is_dir(),
            mode,
            content,
        }));
    }
    let mut fs = FileSystem::new();
    fs.apply(None, events);
    let (inventory, files) = fs.finish();
    Ok(Image {
        digest: None,
        config: None,
        layers: Vec::new(),
        inventory,
        files,
        problems,
    })
}

/// Reads the file at `on_disk` for the image path `path`, if the inventory wants it.
fn read_wanted(
    on_disk: &Path,
    path: &str,
    executable: bool,
    size: u64,
) -> std::io::Result<Content> {
    Ok(match inventory::wanted(path, executable, size) {
        Wanted::No => Content::Other,
        Wanted::TooLarge(limit) => Content::TooLarge { size, limit },
        Wanted::Yes | Wanted::IfElf => {
            let mut bytes = Vec::new();
            std::fs::File::open(on_disk)?
                .take(size)
                .read_to_end(&mut bytes)?;
            match inventory::read(path, &bytes) {
                Some(file) => Content::Read(file),
                None => Content::Other,
            }
        }
    })
}

/// `relative` resolved as a process chrooted at `root` would: links followed, an
/// absolute link target taken from the root, `..` never above the root. `None` for a
/// loop of links.
pub(crate) fn resolve_in_root(root: &Path, relative: &Path) -> Option<PathBuf> {
    let mut resolved: Vec<std::ffi::OsString> = Vec::new();
    let mut pending: Vec<std::ffi::OsString> = components(relative);
    pending.reverse();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        if part == "." || part.is_empty() {
            continue;
        }
        resolved.push(part);
        let candidate: PathBuf = std::iter::once(root.as_os_str().to_owned())
            .chain(resolved.iter().cloned())
            .collect();
        let Ok(target) = std::fs::read_link(&candidate) else {
            continue;
        };
        links += 1;
        if links > MAX_LINKS {
            return None;
        }
        resolved.pop();
        if target.is_absolute() {
            resolved.clear();
        }
        let mut next = components(&target);
        next.reverse();
        pending.extend(next);
    }
    Some(
        std::iter::once(root.as_os_str().to_owned())
            .chain(resolved)
            .collect(),
    )
}

fn components(path: &Path) -> Vec<std::ffi::OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_owned()),
            Component::ParentDir => Some("..".into()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stay_inside_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        std::fs::create_dir_all(root.join("usr/lib")).expect("mkdir");
        std::fs::write(root.join("usr/lib/os-release"), "ID=debian\n").expect("write");
        std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release"))
            .expect("link");
        // Links that would leave the root on the host stay inside it.
        std::os::unix::fs::symlink("/../../../../etc/hostname", root.join("etc/escape"))
            .expect("link");
        std::os::unix::fs::symlink("../../../../../usr/lib/os-release", root.join("etc/up"))
            .expect("link");
        std::os::unix::fs::symlink("loop", root.join("etc/loop")).expect("link");
        assert_eq!(
            resolve_in_root(&root, Path::new("etc/os-release")),
            Some(root.join("usr/lib/os-release"))
        );
        assert_eq!(
            resolve_in_root(&root, Path::new("etc/escape")),
            Some(root.join("etc/hostname"))
        );
        assert_eq!(
            resolve_in_root(&root, Path::new("etc/up")),
            Some(root.join("usr/lib/os-release"))
        );
        assert_eq!(resolve_in_root(&root, Path::new("etc/loop")), None);
    }
}
