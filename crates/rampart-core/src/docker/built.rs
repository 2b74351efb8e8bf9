//! Images built from a Dockerfile of the input, and how workloads name them: the one
//! matching of images to Dockerfiles (`image-user-mismatch`, `rampart explain`).

use serde::{Deserialize, Serialize};

use super::dockerfile::{DockerfileView, ImageRef, parse_dockerfile};
use crate::source::{InputError, Limits, PosNode, decode};

/// What a Dockerfile of the input builds: the names a workload may run it by and the user
/// its final stage runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuiltImage {
    /// The Dockerfile's name as given.
    pub file: String,
    /// The image names it builds, lower case: its directory's name (`api/Dockerfile`),
    /// the prefix of `api.Dockerfile`, its `org.opencontainers.image.title` label.
    pub images: Vec<String>,
    /// The final stage's `USER`, variables substituted.
    pub user: Option<String>,
    /// The instruction index of that `USER`.
    #[serde(rename = "userInstruction")]
    pub user_instruction: Option<usize>,
    /// The instruction index of the final stage's `FROM`.
    #[serde(rename = "finalStage")]
    pub final_stage: Option<usize>,
}

impl BuiltImage {
    /// What the Dockerfile named `file` builds.
    pub fn of(file: &str, view: &DockerfileView<'_, '_>) -> Self {
        let mut images: Vec<String> = Vec::new();
        let mut parts = file.rsplit(['/', '\\']);
        let base = parts.next().unwrap_or(file).to_ascii_lowercase();
        if let Some(prefix) = base.strip_suffix(".dockerfile") {
            images.push(prefix.to_owned());
        } else if let Some(dir) = parts.next().filter(|d| !d.is_empty() && *d != ".") {
            images.push(dir.to_ascii_lowercase());
        }
        images.extend(
            view.labels()
                .into_iter()
                .filter(|(key, _)| key == "org.opencontainers.image.title")
                .map(|(_, title)| title.to_ascii_lowercase()),
        );
        let user = view.final_user();
        Self {
            file: file.to_owned(),
            images,
            user_instruction: user.as_ref().map(|(i, _)| *i),
            user: user.map(|(_, u)| u),
            final_stage: view.final_stage().map(|s| s.from),
        }
    }

    /// Reads the Dockerfile named `file`: what it builds, and where its instructions
    /// are.
    pub fn read(file: &str, bytes: &[u8], limits: &Limits) -> Result<(Self, PosNode), InputError> {
        let parsed = decode(bytes, limits).and_then(parse_dockerfile)?;
        let image = Self::of(file, &DockerfileView::new(&parsed.dockerfile));
        Ok((image, parsed.positions))
    }

    /// Whether a container's `image` (any registry, tag or digest) is this image: its
    /// last path component, case-insensitively, is one of [`images`](Self::images).
    pub fn builds(&self, image: &str) -> bool {
        let short = ImageRef::parse(image).short_name().to_ascii_lowercase();
        self.images.contains(&short)
    }

    /// The user the image runs as.
    pub fn image_user(&self) -> ImageUser {
        ImageUser::of(self.user.as_deref())
    }

    /// The group of `USER user:group`, as written, when the `USER` names one.
    pub fn image_group(&self) -> Option<&str> {
        let (_, group) = self.user.as_deref()?.split_once(':')?;
        Some(group.trim()).filter(|g| !g.is_empty())
    }
}

/// The user an image's final stage runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUser {
    /// UID 0 (no `USER`, `USER root`, `USER 0`).
    Root,
    /// A numeric user.
    Uid(u32),
    /// A user name the kubelet cannot check.
    Name(String),
}

impl ImageUser {
    /// The user a `USER` value (`name`, `uid`, `name:group`...) names; `None` is root.
    pub fn of(user: Option<&str>) -> Self {
        let Some(user) = user else {
            return Self::Root;
        };
        let name = user.split(':').next().unwrap_or(user).trim();
        match name.parse::<u32>() {
            Ok(0) => Self::Root,
            Ok(uid) => Self::Uid(uid),
            Err(_) if name == "root" => Self::Root,
            Err(_) => Self::Name(name.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_groups() {
        assert_eq!(ImageUser::of(None), ImageUser::Root);
        assert_eq!(ImageUser::of(Some("root:wheel")), ImageUser::Root);
        assert_eq!(ImageUser::of(Some("10001:10001")), ImageUser::Uid(10001));
        assert_eq!(ImageUser::of(Some("app")), ImageUser::Name("app".into()));
        let image = BuiltImage {
            user: Some("app:staff".into()),
            images: vec!["api".into()],
            ..BuiltImage::default()
        };
        assert_eq!(image.image_group(), Some("staff"));
        assert!(image.builds("ghcr.io/team/API:1.2@sha256:00"));
        assert!(!image.builds("ghcr.io/team/web:1.2"));
    }
}
