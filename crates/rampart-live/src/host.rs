//! A host's files under a root directory (`/` on the host itself, or a copy of its files),
//! read into [`HostFacts`]: the configuration files that name other files, then the type,
//! mode and owner of every file the host rules ask for ([`rampart_core::rules::host_plan`]),
//! account names from the root's `/etc/passwd` and `/etc/group`, the audit rules in
//! `/etc/audit`, and the mount points (`/proc/mounts`, else `/etc/fstab`).
//!
//! Paths are the host's: symbolic links are followed inside the root (an absolute link
//! target is taken from the root, never from the machine rampart runs on), and `..` never
//! leaves it.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use rampart_core::host::{
    Accounts, CONFIG_FILES, FileFacts, FileType, HostFacts, audit_watches, configured_paths,
    mount_points,
};
use rampart_core::rules::host_plan;

/// Symbolic links followed at most while resolving one path.
const MAX_LINKS: usize = 40;
/// Entries listed at most below one directory (a walk stops there).
const MAX_ENTRIES: usize = 10_000;
/// Directory levels walked at most below one directory.
const MAX_DEPTH: usize = 8;

/// What was read from a host root.
#[derive(Debug, Clone, Default)]
pub struct HostRead {
    /// The facts the host rules judge.
    pub facts: HostFacts,
    /// The host's `daemon.json`, when it has one: its path under the root and its bytes.
    pub daemon_json: Option<(PathBuf, Vec<u8>)>,
    /// Files that exist but could not be read: the host path and why.
    pub errors: Vec<(String, String)>,
    /// Device and inode of each file recorded: one file reached by two paths
    /// (`/lib/systemd` and `/usr/lib/systemd` on a merged `/usr`) is recorded once.
    seen: BTreeSet<(u64, u64)>,
}

/// A host's root directory.
#[derive(Debug, Clone)]
pub struct HostRoot {
    root: PathBuf,
}

impl HostRoot {
    /// The host whose `/` is `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where the host's `path` is on this machine (`<root>/etc/docker/daemon.json`),
    /// without following links.
    pub fn local(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }

    /// Reads everything the host rules need. `docker_root` is the daemon's root directory
    /// (`Info.DockerRootDir`), when the daemon answered.
    pub fn read(&self, docker_root: Option<&str>) -> HostRead {
        let mut read = HostRead::default();
        let texts: Vec<(String, Vec<u8>)> = CONFIG_FILES
            .iter()
            .filter_map(|path| Some(((*path).to_owned(), self.read_file(path, &mut read)?)))
            .collect();
        read.daemon_json = texts
            .iter()
            .find(|(path, _)| path == rampart_core::host::DOCKER_DAEMON_JSON)
            .map(|(path, bytes)| (self.local(path), bytes.clone()));
        read.facts.configured = configured_paths(&texts);
        if let Some(root) = docker_root {
            read.facts
                .configured
                .insert("docker root".to_owned(), root.to_owned());
        }
        let accounts = Accounts::parse(
            &self.text("/etc/passwd", &mut read).unwrap_or_default(),
            &self.text("/etc/group", &mut read).unwrap_or_default(),
        );
        read.facts.docker_group = accounts.members("docker");
        for wanted in host_plan(&read.facts) {
            self.stat(&wanted.path, &accounts, &mut read);
            if wanted.below {
                self.walk(&wanted.path, &accounts, &mut read);
            }
        }
        read.facts.files.sort_by(|a, b| a.path.cmp(&b.path));
        read.facts.files.dedup_by(|a, b| a.path == b.path);
        read.facts.audit_rules = self.audit_rules(&mut read);
        read.facts.mount_points = ["/proc/mounts", "/etc/fstab"]
            .iter()
            .find_map(|path| self.text(path, &mut read))
            .map(|text| mount_points(&text));
        read
    }

    /// The host's `path` resolved inside the root: links followed (absolute targets from
    /// the root), `..` clamped at the root. `None` when it does not exist.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let mut pending: Vec<String> = components(path).into_iter().rev().collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                resolved.pop();
                continue;
            }
            resolved.push(part);
            let local = self.root.join(resolved.join("/"));
            let metadata = fs::symlink_metadata(&local).ok()?;
            if !metadata.file_type().is_symlink() {
                continue;
            }
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            let target = fs::read_link(&local).ok()?;
            let target = target.to_string_lossy();
            resolved.pop();
            if target.starts_with('/') {
                resolved.clear();
            }
            pending.extend(components(&target).into_iter().rev());
        }
        Some(self.root.join(resolved.join("/")))
    }

    fn read_file(&self, path: &str, read: &mut HostRead) -> Option<Vec<u8>> {
        let local = self.resolve(path)?;
        match fs::read(&local) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                read.errors
                    .push((path.to_owned(), format!("cannot read: {error}")));
                None
            }
        }
    }

    fn text(&self, path: &str, read: &mut HostRead) -> Option<String> {
        self.read_file(path, read)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Adds the facts of the host's `path`, when it exists.
    fn stat(&self, path: &str, accounts: &Accounts, read: &mut HostRead) {
        let Some(local) = self.resolve(path) else {
            return;
        };
        match fs::metadata(&local) {
            Ok(metadata) => {
                if read.seen.insert((metadata.dev(), metadata.ino())) {
                    read.facts.files.push(facts(path, &metadata, accounts));
                }
            }
            Err(error) => read
                .errors
                .push((path.to_owned(), format!("cannot stat: {error}"))),
        }
    }

    /// Adds the facts of everything below the directory `dir` (bounded).
    fn walk(&self, dir: &str, accounts: &Accounts, read: &mut HostRead) {
        let mut pending = vec![(dir.trim_end_matches('/').to_owned(), 0)];
        let mut seen = 0;
        while let Some((dir, depth)) = pending.pop() {
            let Some(local) = self.resolve(&dir) else {
                continue;
            };
            let Ok(entries) = fs::read_dir(&local) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                seen += 1;
                if seen > MAX_ENTRIES {
                    read.errors.push((
                        dir.clone(),
                        format!("more than {MAX_ENTRIES} entries: the rest is not checked"),
                    ));
                    return;
                }
                let path = format!("{dir}/{name}");
                let before = read.facts.files.len();
                self.stat(&path, accounts, read);
                let is_dir = read.facts.files[before..]
                    .first()
                    .is_some_and(|f| f.kind == FileType::Directory);
                if is_dir && depth < MAX_DEPTH {
                    pending.push((path, depth + 1));
                }
            }
        }
    }

    /// The watches of `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`; `None`
    /// when there is none of those files.
    fn audit_rules(&self, read: &mut HostRead) -> Option<Vec<rampart_core::host::AuditWatch>> {
        let mut files = vec!["/etc/audit/audit.rules".to_owned()];
        if let Some(dir) = self.resolve("/etc/audit/rules.d") {
            let mut names: Vec<String> = fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".rules"))
                .collect();
            names.sort();
            files.extend(names.into_iter().map(|n| format!("/etc/audit/rules.d/{n}")));
        }
        let mut found = false;
        let mut watches = Vec::new();
        for file in files {
            if let Some(text) = self.text(&file, read) {
                found = true;
                watches.extend(audit_watches(&file, &text));
            }
        }
        found.then_some(watches)
    }
}

/// The normal components of a path (no root, no `.`).
fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect()
}

fn facts(path: &str, metadata: &fs::Metadata, accounts: &Accounts) -> FileFacts {
    let file_type = metadata.file_type();
    let kind = if file_type.is_dir() {
        FileType::Directory
    } else if file_type.is_file() {
        FileType::File
    } else if file_type.is_socket() {
        FileType::Socket
    } else {
        FileType::Other
    };
    FileFacts {
        path: path.to_owned(),
        kind,
        mode: metadata.mode() & 0o7777,
        uid: metadata.uid(),
        gid: metadata.gid(),
        user: accounts.user(metadata.uid()).map(str::to_owned),
        group: accounts.group(metadata.gid()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail by panicking

    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn write(root: &Path, path: &str, text: &str, mode: u32) {
        let local = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(local.parent().unwrap()).unwrap();
        fs::write(&local, text).unwrap();
        fs::set_permissions(&local, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn reads_the_planned_files_with_owner_names_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "/etc/passwd", "root:x:0:4242::/root:/bin/sh\n", 0o644);
        // Whatever group this test's files get is called docker on this host.
        let gid = fs::metadata(root.join("etc/passwd")).unwrap().gid();
        write(
            root,
            "/etc/group",
            &format!("docker:x:{gid}:alice\n"),
            0o644,
        );
        write(
            root,
            "/etc/docker/daemon.json",
            r#"{"tlscacert": "/etc/docker/tls/ca.pem"}"#,
            0o664,
        );
        write(root, "/etc/docker/tls/real-ca.pem", "CA", 0o644);
        // An absolute link is followed inside the root.
        symlink(
            "/etc/docker/tls/real-ca.pem",
            root.join("etc/docker/tls/ca.pem"),
        )
        .unwrap();
        write(root, "/etc/kubernetes/pki/ca.key", "KEY", 0o640);
        write(
            root,
            "/etc/audit/rules.d/docker.rules",
            "-w /usr/bin/dockerd -k docker\n",
            0o640,
        );
        write(root, "/etc/fstab", "/dev/sda1 / ext4 defaults 0 1\n", 0o644);
        let read = HostRoot::new(root).read(Some("/var/lib/docker"));
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        let facts = &read.facts;
        let daemon = facts.file("/etc/docker/daemon.json").unwrap();
        assert_eq!(daemon.mode, 0o664);
        assert_eq!(daemon.group.as_deref(), Some("docker"));
        let ca = facts.file("/etc/docker/tls/ca.pem").unwrap();
        assert_eq!((ca.kind, ca.mode), (FileType::File, 0o644));
        assert!(facts.file("/etc/kubernetes/pki/ca.key").is_some());
        assert!(facts.file("/etc/kubernetes/pki").is_some());
        assert_eq!(
            facts.audit_rules.as_ref().unwrap()[0].path,
            "/usr/bin/dockerd"
        );
        assert_eq!(facts.mount_points.as_deref(), Some(&["/".to_owned()][..]));
        assert_eq!(facts.docker_group.as_ref().unwrap().members, ["alice"]);
        assert_eq!(facts.configured("docker root"), Some("/var/lib/docker"));
        assert!(read.daemon_json.is_some());
    }

    #[test]
    fn links_and_dot_dots_never_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("host");
        write(&root, "/etc/kubernetes/admin.conf", "x", 0o600);
        fs::create_dir_all(root.join("var")).unwrap();
        symlink("../../../../../etc/kubernetes", root.join("var/k")).unwrap();
        let host = HostRoot::new(&root);
        assert_eq!(
            host.resolve("/var/k/admin.conf"),
            Some(root.join("etc/kubernetes/admin.conf"))
        );
        assert_eq!(
            host.resolve("/../../etc/kubernetes/admin.conf"),
            Some(root.join("etc/kubernetes/admin.conf"))
        );
        symlink("loop", root.join("var/loop")).unwrap();
        assert_eq!(host.resolve("/var/loop/x"), None);
        assert_eq!(host.resolve("/etc/missing"), None);
    }

    #[test]
    fn one_file_reached_by_two_paths_is_recorded_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "/usr/lib/systemd/system/docker.service",
            "[Service]",
            0o644,
        );
        symlink("usr/lib", root.join("lib")).unwrap();
        let read = HostRoot::new(root).read(None);
        let units: Vec<&str> = read
            .facts
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| p.ends_with("docker.service"))
            .collect();
        assert_eq!(units, ["/lib/systemd/system/docker.service"]);
    }
}
