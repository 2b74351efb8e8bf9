//! Targets as skopeo and podman users write them, and reading one.

use std::path::{Path, PathBuf};

use crate::archive::{self, Kind};
use crate::registry::{self, Reference, Registry};
use crate::{Image, ImageError, Limits, Platform, daemon, layout, rootfs};

/// Where an image is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `docker-archive:PATH[:TAG]`: `docker save` output, plain or gzipped.
    DockerArchive {
        /// The archive.
        path: PathBuf,
        /// The image to read when the archive holds several.
        reference: Option<String>,
    },
    /// `oci-archive:PATH[:REF]`: an OCI layout in a tar.
    OciArchive {
        /// The archive.
        path: PathBuf,
        /// The `org.opencontainers.image.ref.name` to read.
        reference: Option<String>,
    },
    /// `oci:DIR[:REF]`: an OCI layout directory.
    OciDir {
        /// The layout.
        dir: PathBuf,
        /// The `org.opencontainers.image.ref.name` to read.
        reference: Option<String>,
    },
    /// `dir:ROOTFS`: an unpacked root file system.
    Dir(PathBuf),
    /// `docker-daemon:NAME[:TAG]`: an image of the Docker Engine.
    DockerDaemon(String),
    /// `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`: an image in a registry.
    Registry(Reference),
}

/// `PATH[:REF]`: the whole text when it names an existing path, else split at the
/// last `:` when the part before it does.
fn path_and_reference(text: &str) -> (PathBuf, Option<String>) {
    if Path::new(text).exists() {
        return (PathBuf::from(text), None);
    }
    match text.rsplit_once(':') {
        Some((path, reference)) if !reference.is_empty() && Path::new(path).exists() => {
            (PathBuf::from(path), Some(reference.to_owned()))
        }
        _ => (PathBuf::from(text), None),
    }
}

impl Target {
    /// Reads a target. A plain path is told apart by what it is: a directory with an
    /// `index.json` and `oci-layout` is an OCI layout, another directory a root file
    /// system, a file an image archive (Docker or OCI, by its manifest).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (transport, rest) = text.split_once(':').unwrap_or(("", text));
        Ok(match transport {
            "docker-archive" => {
                let (path, reference) = path_and_reference(rest);
                Self::DockerArchive { path, reference }
            }
            "oci-archive" => {
                let (path, reference) = path_and_reference(rest);
                Self::OciArchive { path, reference }
            }
            "oci" => {
                let (dir, reference) = path_and_reference(rest);
                Self::OciDir { dir, reference }
            }
            "dir" => Self::Dir(PathBuf::from(rest)),
            "docker-daemon" if !rest.is_empty() => Self::DockerDaemon(rest.to_owned()),
            "docker" => Self::Registry(Reference::parse(rest)?),
            _ => {
                let path = PathBuf::from(text);
                if path.is_dir() {
                    if path.join("index.json").is_file() && path.join("oci-layout").is_file() {
                        Self::OciDir {
                            dir: path,
                            reference: None,
                        }
                    } else {
                        Self::Dir(path)
                    }
                } else if path.exists() {
                    Self::DockerArchive {
                        path,
                        reference: None,
                    }
                } else {
                    return Err(format!(
                        "{text:?}: no such file or directory, and not a transport \
                         (docker-archive:, oci-archive:, oci:, dir:, docker-daemon:, docker://)"
                    ));
                }
            }
        })
    }
}

/// How targets are read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The platform picked from multi-arch indexes.
    pub platform: Platform,
    /// Decompression and size limits.
    pub limits: Limits,
    /// Registries spoken to over plain HTTP (`HOST[:PORT]`).
    pub insecure_registries: Vec<String>,
}

/// Reads the image at `target`.
pub fn read(target: &Target, options: &Options) -> Result<Image, ImageError> {
    let open = |path: &Path| {
        std::fs::File::open(path).map_err(|e| ImageError::Io(format!("{}: {e}", path.display())))
    };
    match target {
        Target::DockerArchive { path, reference } => archive::read(
            open(path)?,
            Kind::Docker,
            reference.as_deref(),
            &options.platform,
            &options.limits,
        ),
        Target::OciArchive { path, reference } => archive::read(
            open(path)?,
            Kind::Oci,
            reference.as_deref(),
            &options.platform,
            &options.limits,
        ),
        Target::OciDir { dir, reference } => layout::read_dir(
            dir,
            reference.as_deref(),
            &options.platform,
            &options.limits,
        ),
        Target::Dir(root) => rootfs::read(root),
        Target::DockerDaemon(name) => daemon::read(name, &options.platform, &options.limits),
        Target::Registry(reference) => {
            let insecure = options
                .insecure_registries
                .iter()
                .any(|host| host == &reference.registry);
            let credentials = registry::credentials(&reference.registry);
            Registry::new(reference, insecure, credentials)?
                .read(&options.platform, &options.limits)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        assert_eq!(
            Target::parse("docker-daemon:alpine:3.20"),
            Ok(Target::DockerDaemon("alpine:3.20".into()))
        );
        assert_eq!(Target::parse("dir:/x"), Ok(Target::Dir("/x".into())));
        assert!(matches!(
            Target::parse("docker://127.0.0.1:5000/app:1"),
            Ok(Target::Registry(r)) if r.registry == "127.0.0.1:5000" && r.tag.as_deref() == Some("1")
        ));
        assert_eq!(
            Target::parse("oci:/no/such/layout:v1"),
            Ok(Target::OciDir {
                dir: "/no/such/layout:v1".into(),
                reference: None
            })
        );
        assert!(Target::parse("/no/such/path").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let layout = dir.path().to_string_lossy().into_owned();
        assert_eq!(
            Target::parse(&format!("oci:{layout}:v1")),
            Ok(Target::OciDir {
                dir: dir.path().into(),
                reference: Some("v1".into())
            })
        );
        assert_eq!(Target::parse(&layout), Ok(Target::Dir(dir.path().into())));
    }
}
