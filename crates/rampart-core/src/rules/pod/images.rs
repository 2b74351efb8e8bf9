//! Image references: mutable tags and digests.

use super::quoted;
use crate::docker::{ContainerSpec, DockerfileView, ImageRef, Origin};
use crate::finding::Severity;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

/// Splits `registry:port/repo/name:tag@sha256:...` into repository, tag and digest.
pub(crate) fn parse_image(image: &str) -> ImageRef<'_> {
    ImageRef::parse(image)
}

/// What is wrong with an image reference's tag, if anything.
fn mutable_tag(image: &str) -> Option<&'static str> {
    let parsed = parse_image(image);
    if parsed.digest.is_some() {
        return None;
    }
    match parsed.tag {
        None => Some("has no tag (means latest)"),
        Some("latest") => Some("uses the latest tag"),
        Some(_) => None,
    }
}

pub(super) const IMAGE_TAG_MUTABLE: Rule = Rule {
    meta: RuleMeta {
        id: "image-tag-mutable",
        severity: Severity::Medium,
        title: "Image has no tag or uses `latest`",
        why: "`latest` or no tag means every pull may run different code: no review, no rollback, \
              and a registry compromise takes effect at the next restart.",
        fix: "Pin a version tag, better a digest (`image: repo/app:1.4.2@sha256:...`). \
              Compose: `image: app:1.4.2`; Dockerfile: `FROM base:1.2@sha256:...`.",
        references: &[
            "NSA/CISA Kubernetes Hardening: supply chain",
            "checkov CKV_DOCKER_7",
            "Trivy AVD-DS-0001",
            "hadolint DL3006",
            "hadolint DL3007",
        ],
    },
    checks: Checks::kubernetes(|ctx, out| report_images(ctx, out, mutable_tag))
        .and_container(container_tag)
        .and_dockerfile(dockerfile_base_tag),
};

pub(super) const IMAGE_DIGEST_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "image-digest-missing",
        severity: Severity::Info,
        title: "Image is not pinned by digest",
        why: "Tags can be moved; only a digest names exactly the image that was reviewed and scanned.",
        fix: "Reference the image by digest (`@sha256:...`), e.g. with your CD tool's image pinning. \
              Compose: `image: app:1.4.2@sha256:...`.",
        references: &["SLSA", "NSA/CISA Kubernetes Hardening: supply chain"],
    },
    checks: Checks::kubernetes(|ctx, out| {
        report_images(ctx, out, |image| {
            parse_image(image)
                .digest
                .is_none()
                .then_some("is not pinned by digest")
        })
    })
    .and_container(container_digest),
};

/// Reports every container whose image `problem` judges wrong, at its `image` field.
fn report_images(
    ctx: &CheckContext<'_>,
    out: &mut Findings,
    problem: fn(&str) -> Option<&'static str>,
) {
    let Some(pod) = ctx.pod else { return };
    for c in pod.containers() {
        let Some(image) = c.container.image else {
            continue;
        };
        if let Some(problem) = problem(image) {
            let message = format!("{} image {image:?} {problem}", quoted(&c));
            out.report_container(&c, c.path.child("image"), message);
        }
    }
}

fn container_tag(spec: &ContainerSpec, out: &mut Findings) {
    let Some(image) = &spec.image else { return };
    if let Some(problem) = mutable_tag(&image.value) {
        out.report(
            image.path.clone(),
            format!("{} image {:?} {problem}", spec.describe(), image.value),
        );
    }
}

fn container_digest(spec: &ContainerSpec, out: &mut Findings) {
    let Some(image) = &spec.image else { return };
    if spec.origin == Origin::Compose && parse_image(&image.value).digest.is_none() {
        out.report(
            image.path.clone(),
            format!(
                "{} image {:?} is not pinned by digest",
                spec.describe(),
                image.value
            ),
        );
    }
}

/// `FROM` of an external image (not an earlier stage, not `scratch`) without a tag or
/// with `latest`, after substituting the global `ARG` defaults (`FROM ${BASE}` with
/// `ARG BASE=alpine:latest`); a base that depends on an `ARG` without a default is not
/// known here and is skipped.
fn dockerfile_base_tag(view: &DockerfileView<'_, '_>, out: &mut Findings) {
    for stage in &view.stages {
        let Some(base) = stage.base.as_deref() else {
            continue;
        };
        if base.eq_ignore_ascii_case("scratch") || stage.parent.is_some() {
            continue;
        }
        if let Some(problem) = mutable_tag(base) {
            let image = if base == stage.image {
                format!("{base:?}")
            } else {
                format!("{:?} ({base})", stage.image)
            };
            out.report(
                DockerfileView::path(stage.from),
                format!("base image {image} {problem}"),
            );
        }
    }
}

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
            let parsed = parse_image(image);
            assert_eq!((parsed.tag, parsed.digest), (tag, digest), "{image}");
        }
    }
}
