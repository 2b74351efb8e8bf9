//! A host's files as facts (type, mode, owner), read at the edge under a host root (`/`
//! on the host itself, or a copy of its files), for the file checks of Docker Bench
//! sections 1 and 3 and CIS Kubernetes 1.1 and 4.1. Which files to look at is decided
//! here ([`crate::rules::host_plan`]), from the configuration files the host has
//! ([`CONFIG_FILES`]); the edge stats them and parses nothing itself: account names,
//! audit rules and mount points are read from their files' text by the functions below.
//!
//! Host findings are about one file each: a host check reports at the path
//! `[<file>].<field>` (`[/etc/docker/daemon.json].mode`), which reports split into the
//! object (the file) and the field ([`split_finding_path`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cluster::{CommandLine, Location};
use crate::field_path::{FieldPath, Segment};
use crate::source::{Limits, parse};

/// What kind of file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A Unix socket.
    Socket,
    /// Anything else (device, pipe).
    Other,
}

/// One file of the host: where it is (on the host, not under the root it was read from),
/// its type, permission bits and owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// The path on the host (`/etc/docker/daemon.json`).
    pub path: String,
    /// The file's type (after following symbolic links inside the host root).
    #[serde(rename = "type")]
    pub kind: FileType,
    /// Permission bits (`0o644`; set-id and sticky bits included), written in octal.
    #[serde(with = "octal")]
    pub mode: u32,
    /// Owner's user id.
    pub uid: u32,
    /// Owner's group id.
    pub gid: u32,
    /// Owner's user name, from the host's `/etc/passwd`.
    #[serde(default)]
    pub user: Option<String>,
    /// Owner's group name, from the host's `/etc/group`.
    #[serde(default)]
    pub group: Option<String>,
}

impl FileFacts {
    /// `root:docker` (names where known, ids otherwise).
    pub fn owner(&self) -> String {
        let user = self.user.clone().unwrap_or_else(|| self.uid.to_string());
        let group = self.group.clone().unwrap_or_else(|| self.gid.to_string());
        format!("{user}:{group}")
    }
}

/// Permission bits as an octal string (`"0644"`).
mod octal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(mode: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{mode:04o}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        let text = String::deserialize(deserializer)?;
        u32::from_str_radix(text.trim_start_matches("0o"), 8).map_err(serde::de::Error::custom)
    }
}

/// An audit rule that watches a path (`-w /etc/docker -k docker`, `-a always,exit -F
/// path=/usr/bin/dockerd ...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditWatch {
    /// The watched path.
    pub path: String,
    /// Where the rule is: `file:line`.
    pub source: String,
}

/// Members of a group: listed in `/etc/group`, or with it as their primary group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembers {
    /// The group's name.
    pub name: String,
    /// The group's id.
    pub gid: u32,
    /// User names.
    pub members: Vec<String>,
}

/// Everything the host checks judge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFacts {
    /// The files found, by path.
    pub files: Vec<FileFacts>,
    /// Paths named in the host's configuration (`docker tlscacert` ->
    /// `/etc/docker/ca.pem`), see [`configured_paths`].
    pub configured: BTreeMap<String, String>,
    /// The audit rules that watch paths; `None` when the host has no audit rules file.
    pub audit_rules: Option<Vec<AuditWatch>>,
    /// Mount points (from `/proc/mounts`, else `/etc/fstab`); `None` when neither exists.
    pub mount_points: Option<Vec<String>>,
    /// The `docker` group, when the host has one.
    pub docker_group: Option<GroupMembers>,
}

impl HostFacts {
    /// The facts of `path`, when it exists.
    pub fn file(&self, path: &str) -> Option<&FileFacts> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The files below the directory `dir` (not `dir` itself).
    pub fn below<'s>(&'s self, dir: &'s str) -> impl Iterator<Item = &'s FileFacts> + 's {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files
            .iter()
            .filter(move |f| f.path.starts_with(&prefix))
    }

    /// The path configured for `setting`, if any.
    pub fn configured(&self, setting: &str) -> Option<&str> {
        self.configured.get(setting).map(String::as_str)
    }
}

/// A path the edge should look at: the path itself, and with `below` everything under it
/// (a directory walk).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    /// The path on the host.
    pub path: String,
    /// Also every file below it.
    pub below: bool,
}

/// Configuration files whose contents name other files the checks need (TLS files, the
/// kubelet's client CA, etcd's data directory). The edge reads them first.
pub const CONFIG_FILES: &[&str] = &[DOCKER_DAEMON_JSON, KUBELET_CONFIG, ETCD_MANIFEST];

/// The Docker daemon's configuration file.
pub const DOCKER_DAEMON_JSON: &str = "/etc/docker/daemon.json";
/// The kubelet's configuration file (kubeadm's place).
pub(crate) const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";
/// etcd's static pod manifest (kubeadm's place).
pub(crate) const ETCD_MANIFEST: &str = "/etc/kubernetes/manifests/etcd.yaml";

/// Configured path settings: `docker tlscacert`, `docker tlscert`, `docker tlskey`
/// (daemon.json), `kubelet clientCAFile` (the kubelet's config), `etcd data-dir` (etcd's
/// manifest). `texts` are the [`CONFIG_FILES`] that exist, by path. Files that do not
/// parse name nothing (they are judged as files by `rampart scan`).
pub fn configured_paths(texts: &[(String, Vec<u8>)]) -> BTreeMap<String, String> {
    let mut configured = BTreeMap::new();
    let limits = Limits::default();
    for (path, bytes) in texts {
        let Some(document) = parse(bytes, &limits).documents.into_iter().next() else {
            continue;
        };
        let value = document.value;
        match path.as_str() {
            DOCKER_DAEMON_JSON => {
                for key in ["tlscacert", "tlscert", "tlskey"] {
                    if let Some(file) = value.get(key).and_then(Value::as_str) {
                        configured.insert(format!("docker {key}"), file.to_owned());
                    }
                }
            }
            KUBELET_CONFIG => {
                let ca = value
                    .pointer("/authentication/x509/clientCAFile")
                    .and_then(Value::as_str);
                if let Some(ca) = ca {
                    configured.insert("kubelet clientCAFile".to_owned(), ca.to_owned());
                }
            }
            ETCD_MANIFEST => {
                if let Some(dir) = etcd_data_dir(&value) {
                    configured.insert("etcd data-dir".to_owned(), dir);
                }
            }
            _ => {}
        }
    }
    configured
}

/// `--data-dir` of the etcd container in a static pod manifest.
fn etcd_data_dir(pod: &Value) -> Option<String> {
    let containers = pod.pointer("/spec/containers")?.as_array()?;
    containers.iter().find_map(|container| {
        let words = ["command", "args"]
            .iter()
            .filter_map(|key| container.get(*key).and_then(Value::as_array))
            .flatten()
            .filter_map(|w| Some((w.as_str()?, Location::new(0, FieldPath::root()))));
        let line = CommandLine::parse(words, true, Location::new(0, FieldPath::root()));
        line.get("data-dir").map(|flag| flag.value.clone())
    })
}

/// User and group names by id, from the host's `/etc/passwd` and `/etc/group`.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    users: BTreeMap<u32, String>,
    primary: BTreeMap<u32, Vec<String>>,
    groups: BTreeMap<u32, (String, Vec<String>)>,
}

impl Accounts {
    /// Parses `passwd` and `group` files (`name:x:id:...`); malformed lines are skipped.
    pub fn parse(passwd: &str, group: &str) -> Self {
        let mut accounts = Self::default();
        for fields in records(passwd) {
            if let (Some(name), Some(uid), Some(gid)) = (
                fields.first(),
                fields.get(2).and_then(|f| f.parse().ok()),
                fields.get(3).and_then(|f| f.parse::<u32>().ok()),
            ) {
                accounts
                    .users
                    .entry(uid)
                    .or_insert_with(|| (*name).to_owned());
                accounts
                    .primary
                    .entry(gid)
                    .or_default()
                    .push((*name).to_owned());
            }
        }
        for fields in records(group) {
            if let (Some(name), Some(gid)) =
                (fields.first(), fields.get(2).and_then(|f| f.parse().ok()))
            {
                let members = fields
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                accounts
                    .groups
                    .entry(gid)
                    .or_insert_with(|| ((*name).to_owned(), members));
            }
        }
        accounts
    }

    /// The name of user `uid`.
    pub fn user(&self, uid: u32) -> Option<&str> {
        self.users.get(&uid).map(String::as_str)
    }

    /// The name of group `gid`.
    pub fn group(&self, gid: u32) -> Option<&str> {
        self.groups.get(&gid).map(|(name, _)| name.as_str())
    }

    /// The group called `name` and its members: those listed, then those for whom it is
    /// the primary group.
    pub fn members(&self, name: &str) -> Option<GroupMembers> {
        let (gid, (_, listed)) = self.groups.iter().find(|(_, (n, _))| n == name)?;
        let mut members = listed.clone();
        for user in self.primary.get(gid).into_iter().flatten() {
            if !members.contains(user) {
                members.push(user.clone());
            }
        }
        Some(GroupMembers {
            name: name.to_owned(),
            gid: *gid,
            members,
        })
    }
}

/// The `:`-separated fields of each line that is not a comment.
fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split(':').collect())
}

/// The paths watched by the audit rules in `text` (an `audit.rules` or `rules.d/*.rules`
/// file called `source`): `-w PATH`, and `-F path=PATH` / `-F dir=PATH` of `-a` rules.
pub fn audit_watches(source: &str, text: &str) -> Vec<AuditWatch> {
    let mut watches = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            let path = match pair {
                ["-w", path] => Some(*path),
                ["-F", field] => field
                    .strip_prefix("path=")
                    .or_else(|| field.strip_prefix("dir=")),
                _ => None,
            };
            if let Some(path) = path {
                watches.push(AuditWatch {
                    path: path.trim_end_matches('/').to_owned(),
                    source: format!("{source}:{number}"),
                });
            }
        }
    }
    watches
}

/// The mount points listed in `/proc/mounts` or `/etc/fstab` text (the second field; `\040`
/// and the other octal escapes decoded).
pub fn mount_points(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(unescape_mount)
        .collect()
}

fn unescape_mount(field: &str) -> String {
    let mut out = String::new();
    let mut rest = field;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 4)
            .and_then(|o| u8::from_str_radix(o, 8).ok());
        match code {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A host finding's path split into the file it is about and the field
/// (`[/etc/docker/daemon.json].mode` -> `/etc/docker/daemon.json`, `mode`).
pub fn split_finding_path(path: &FieldPath) -> Option<(String, FieldPath)> {
    let (first, rest) = path.segments().split_first()?;
    let Segment::Key(file) = first else {
        return None;
    };
    let mut field = FieldPath::root();
    for segment in rest {
        field = match segment {
            Segment::Field(name) => field.child_owned(name.to_string()),
            Segment::Index(index) => field.index(*index),
            Segment::Key(key) => field.key(key.clone()),
        };
    }
    Some((file.clone(), field))
}

/// The path a host check reports at: `[<file>].<field>`.
pub fn finding_path(file: &str, field: &'static str) -> FieldPath {
    FieldPath::root().key(file.to_owned()).child(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_groups() {
        let accounts = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:999::/home/alice:/bin/sh\nbad line\n",
            "root:x:0:\ndocker:x:999:bob,carol\n",
        );
        assert_eq!(accounts.user(0), Some("root"));
        assert_eq!(accounts.group(999), Some("docker"));
        let docker = accounts.members("docker").expect("a docker group");
        assert_eq!(docker.members, ["bob", "carol", "alice"]);
        assert_eq!(accounts.user(5), None);
    }

    #[test]
    fn audit_rules() {
        let text = "# comment\n-w /usr/bin/dockerd -k docker\n\
                    -a exit,always -F path=/run/containerd -F perm=war -k docker\n\
                    -a always,exit -F arch=b64 -S execve\n-w /etc/docker/ -p wa\n";
        let watches = audit_watches("/etc/audit/rules.d/docker.rules", text);
        let paths: Vec<&str> = watches.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/usr/bin/dockerd", "/run/containerd", "/etc/docker"]
        );
        assert_eq!(watches[1].source, "/etc/audit/rules.d/docker.rules:3");
    }

    #[test]
    fn mounts() {
        let text = "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /var/lib/docker xfs rw 0 0\n\
                    # UUID=x /mnt/a\\040b ext4\n/dev/sdc /mnt/a\\040b ext4 rw 0 0\n";
        assert_eq!(mount_points(text), ["/", "/var/lib/docker", "/mnt/a b"]);
    }

    #[test]
    fn configured_files() {
        let texts = vec![
            (
                DOCKER_DAEMON_JSON.to_owned(),
                br#"{"tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem"}"#.to_vec(),
            ),
            (
                ETCD_MANIFEST.to_owned(),
                b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command: [etcd, --data-dir=/data/etcd]\n"
                    .to_vec(),
            ),
        ];
        let configured = configured_paths(&texts);
        assert_eq!(
            configured.get("docker tlscacert").map(String::as_str),
            Some("/etc/docker/tls/ca.pem")
        );
        assert_eq!(
            configured.get("etcd data-dir").map(String::as_str),
            Some("/data/etcd")
        );
    }

    #[test]
    fn finding_paths_split_into_file_and_field() {
        let path = finding_path("/etc/docker/daemon.json", "mode");
        assert_eq!(path.to_string(), "[/etc/docker/daemon.json].mode");
        let (file, field) = split_finding_path(&path).expect("a host path");
        assert_eq!(
            (file.as_str(), field.to_string().as_str()),
            ("/etc/docker/daemon.json", "mode")
        );
    }

    #[test]
    fn modes_are_octal_text() {
        let facts = FileFacts {
            path: "/x".to_owned(),
            kind: FileType::File,
            mode: 0o640,
            uid: 0,
            gid: 0,
            user: None,
            group: None,
        };
        let json = serde_json::to_value(&facts).expect("serializes");
        assert_eq!(json["mode"], "0640");
        let back: FileFacts = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back.mode, 0o640);
    }
}
