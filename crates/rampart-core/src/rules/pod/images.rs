//! Image references: mutable tags and digests.

use super::quoted;
use crate::finding::Severity;
use crate::rules::{Rule, RuleMeta};

/// The parts of an image reference that matter for pinning.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `registry:port/repo/name:tag@sha256:...` into its tag and digest.
pub(crate) fn parse_image(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let tag = name[last_slash..].split_once(':').map(|(_, tag)| tag);
    ImageRef { tag, digest }
}

pub(super) const IMAGE_TAG_MUTABLE: Rule = Rule {
    meta: RuleMeta {
        id: "image-tag-mutable",
        severity: Severity::Medium,
        title: "Image has no tag or uses `latest`",
        why: "`latest` or no tag means every pull may run different code: no review, no rollback, \
              and a registry compromise takes effect at the next restart.",
        fix: "Pin a version tag, better a digest (`image: repo/app:1.4.2@sha256:...`).",
        references: &[
            "CIS 5.5.1 (image provenance)",
            "NSA/CISA Kubernetes Hardening: supply chain",
        ],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            let Some(image) = c.container.image else {
                continue;
            };
            let parsed = parse_image(image);
            if parsed.digest.is_some() {
                continue;
            }
            let problem = match parsed.tag {
                None => "has no tag (means latest)",
                Some("latest") => "uses the latest tag",
                Some(_) => continue,
            };
            out.report_container(
                c,
                c.path.child("image"),
                format!("{} image {image:?} {problem}", quoted(c)),
            );
        }
    },
};

pub(super) const IMAGE_DIGEST_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "image-digest-missing",
        severity: Severity::Info,
        title: "Image is not pinned by digest",
        why: "Tags can be moved; only a digest names exactly the image that was reviewed and scanned.",
        fix: "Reference the image by digest (`@sha256:...`), e.g. with your CD tool's image pinning.",
        references: &["SLSA", "NSA/CISA Kubernetes Hardening: supply chain"],
    },
    check: |ctx, out| {
        let Some(pod) = ctx.pod else { return };
        for c in pod.containers() {
            let c = &c;
            let Some(image) = c.container.image else {
                continue;
            };
            if parse_image(image).digest.is_none() {
                out.report_container(
                    c,
                    c.path.child("image"),
                    format!("{} image {image:?} is not pinned by digest", quoted(c)),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let cases = [
            ("nginx", None, None),
            ("nginx:1.27", Some("1.27"), None),
            ("registry:5000/team/app", None, None),
            ("registry:5000/team/app:v2", Some("v2"), None),
            ("app@sha256:abc", None, Some("sha256:abc")),
            ("app:1@sha256:abc", Some("1"), Some("sha256:abc")),
        ];
        for (image, tag, digest) in cases {
            assert_eq!(parse_image(image), ImageRef { tag, digest }, "{image}");
        }
    }
}
