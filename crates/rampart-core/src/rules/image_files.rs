//! Rules over the files of a container image's final file system (`rampart image`):
//! set-id executables and files or directories anyone may write. The image edge keeps,
//! for each path of the final file system, its mode and the layer that wrote it; these
//! checks decide.

use crate::finding::Severity;
use crate::inventory::Layer;
use crate::rules::RuleMeta;

/// One file of an image's final file system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageFile {
    /// The path, relative to the root.
    pub path: String,
    /// Permission bits, with the set-id and sticky bits.
    pub mode: u32,
    /// Whether it is a directory.
    pub directory: bool,
    /// The layer that wrote it (`None` for a root file system on disk).
    pub layer: Option<Layer>,
}

impl ImageFile {
    /// Whether a rule may have something to say about a file of this mode: the edge
    /// keeps only these.
    pub fn worth_keeping(mode: u32) -> bool {
        mode & 0o6002 != 0
    }
}

/// A rule over one image file: its metadata and a check that says why the file is
/// reported, if it is.
#[derive(Clone, Copy)]
pub struct FileRule {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// The check: a message when the file breaks the rule.
    pub check: fn(&ImageFile) -> Option<String>,
}

impl std::fmt::Debug for FileRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRule")
            .field("id", &self.meta.id)
            .finish()
    }
}

const IMAGE_SETID_FILE: FileRule = FileRule {
    meta: RuleMeta {
        id: "image-setid-file",
        severity: Severity::Low,
        title: "Image has a set-user-id or set-group-id file",
        why: "A set-id executable runs with its owner's (usually root's) privileges whoever \
              starts it: a bug in it, or a writable path it trusts, turns any process of the \
              container into root. Few containers need one.",
        fix: "Remove the set-id bits in the image (`RUN find / -xdev -perm /6000 -type f -exec \
              chmod a-s {} +`), or remove the program; run the container with \
              `no-new-privileges` so the bits have no effect.",
        references: &["CIS Docker 4.8", "NIST SP 800-190 4.1.5"],
    },
    check: |file| {
        if file.directory {
            return None;
        }
        let what = match (file.mode & 0o4000 != 0, file.mode & 0o2000 != 0) {
            (true, true) => "set-user-id and set-group-id",
            (true, false) => "set-user-id",
            (false, true) => "set-group-id",
            (false, false) => return None,
        };
        Some(format!("{} is {what} (mode {:04o})", file.path, file.mode))
    },
};

const IMAGE_WORLD_WRITABLE: FileRule = FileRule {
    meta: RuleMeta {
        id: "image-world-writable",
        severity: Severity::Medium,
        title: "Image has a world-writable file or a world-writable directory without the sticky bit",
        why: "Any user in the container can change a world-writable file (a script, a \
              configuration, a library) that another user, often root, then trusts; in a \
              world-writable directory without the sticky bit anyone can replace others' files.",
        fix: "Remove write permission for others (`chmod o-w`), or set the sticky bit on shared \
              directories (`chmod +t`, as `/tmp` has).",
        references: &[
            "CIS Distribution Independent Linux 6.1.10, 1.1.21",
            "NIST SP 800-190 4.1.5",
        ],
    },
    check: |file| {
        if file.mode & 0o002 == 0 || (file.directory && file.mode & 0o1000 != 0) {
            return None;
        }
        Some(if file.directory {
            format!(
                "directory {} is world-writable without the sticky bit (mode {:04o})",
                file.path, file.mode
            )
        } else {
            format!("{} is world-writable (mode {:04o})", file.path, file.mode)
        })
    },
};

/// The image file rules, in documentation order.
pub static FILE_RULES: &[FileRule] = &[IMAGE_SETID_FILE, IMAGE_WORLD_WRITABLE];

/// A finding of an image file rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFinding<'f> {
    /// The rule id.
    pub rule: &'static str,
    /// Its severity, after the configuration's overrides.
    pub severity: Severity,
    /// The file.
    pub file: &'f ImageFile,
    /// What is wrong.
    pub message: String,
}

/// Runs the image file rules the configuration enables over `files`.
pub fn judge_image_files<'f>(
    files: &'f [ImageFile],
    config: &crate::config::Config,
) -> Vec<FileFinding<'f>> {
    let rules: Vec<&FileRule> = FILE_RULES
        .iter()
        .filter(|rule| config.is_enabled(rule.meta.id))
        .collect();
    files
        .iter()
        .flat_map(|file| {
            rules.iter().filter_map(move |rule| {
                (rule.check)(file).map(|message| FileFinding {
                    rule: rule.meta.id,
                    severity: config.severity_of(rule.meta.id, rule.meta.severity),
                    file,
                    message,
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(mode: u32, directory: bool) -> ImageFile {
        ImageFile {
            path: "x".into(),
            mode,
            directory,
            layer: None,
        }
    }

    fn fired(mode: u32, directory: bool) -> Vec<&'static str> {
        FILE_RULES
            .iter()
            .filter(|rule| (rule.check)(&file(mode, directory)).is_some())
            .map(|rule| rule.meta.id)
            .collect()
    }

    #[test]
    fn modes() {
        assert_eq!(fired(0o4755, false), ["image-setid-file"]);
        assert_eq!(fired(0o2755, false), ["image-setid-file"]);
        assert_eq!(
            fired(0o6777, false),
            ["image-setid-file", "image-world-writable"]
        );
        assert_eq!(fired(0o666, false), ["image-world-writable"]);
        assert_eq!(fired(0o777, true), ["image-world-writable"]);
        assert!(fired(0o1777, true).is_empty());
        assert!(fired(0o2775, true).is_empty());
        assert!(fired(0o755, false).is_empty());
        assert!(!ImageFile::worth_keeping(0o755));
        assert!(ImageFile::worth_keeping(0o4755) && ImageFile::worth_keeping(0o1777));
    }
}
