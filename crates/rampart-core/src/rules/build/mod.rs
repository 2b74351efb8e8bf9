//! Rules that join an image built in the scan (its Dockerfile) with the Kubernetes
//! workloads that run it.

use crate::docker::{BuiltImage, DockerfileView, ImageUser};
use crate::finding::Severity;
use crate::object::PodView;
use crate::rules::{DOCKERFILE_KIND, RuleMeta, RunContext, RunFindings, RunRule};

/// The run rules about built images, in documentation order.
pub(super) static RULES: &[RunRule] = &[IMAGE_USER_MISMATCH];

pub(super) const IMAGE_USER_MISMATCH: RunRule = RunRule {
    meta: RuleMeta {
        id: "image-user-mismatch",
        severity: Severity::High,
        title: "runAsNonRoot does not match the USER of the image built in the scan",
        why: "With `runAsNonRoot: true` and no `runAsUser`, the kubelet refuses to start a container \
              whose image runs as root, and also one whose USER is a name (it cannot tell a name \
              from root): the pod never starts. The other way round, an image with a numeric \
              non-root USER is only guaranteed non-root once the pod asks for it.",
        fix: "End the Dockerfile's final stage with a numeric `USER 10001` (or set `runAsUser` in \
              the pod), and set `runAsNonRoot: true` on pods running images with a numeric USER.",
        references: &[
            "Kubernetes docs: Configure a Security Context (runAsNonRoot)",
            "CIS Docker 4.1",
        ],
    },
    fix: None,
    check: check_image_user,
};

/// A Dockerfile of the run: its index among the collected objects and what it builds.
struct Built {
    index: usize,
    image: BuiltImage,
}

fn built_images(ctx: &RunContext<'_>) -> Vec<Built> {
    ctx.objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.id.kind == DOCKERFILE_KIND && o.id.api_version.is_empty())
        .filter_map(|(index, o)| {
            let image = serde_json::from_value(o.value()).ok()?;
            Some(Built { index, image })
        })
        .collect()
}

fn check_image_user(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let built = built_images(ctx);
    if built.is_empty() {
        return;
    }
    for (index, object) in ctx.objects.iter().enumerate() {
        let Some(location) = ctx.workloads.template_of(&object.id) else {
            continue;
        };
        let Ok(Some(pod)) = PodView::read(&object.value(), location) else {
            continue;
        };
        for c in pod.containers() {
            let Some(image) = c.container.image else {
                continue;
            };
            let Some(dockerfile) = built.iter().find(|b| b.image.builds(image)) else {
                continue;
            };
            let source = match dockerfile.image.file.as_str() {
                "" => "a Dockerfile",
                file => file,
            };
            let effective = pod.effective(&c);
            if effective.run_as_user.is_some() {
                continue;
            }
            let non_root = effective.run_as_non_root.filter(|n| n.value);
            match (&non_root, &dockerfile.image.image_user()) {
                (Some(flag), ImageUser::Root) => out.report(
                    index,
                    flag.path.clone(),
                    format!(
                        "container {:?} will not start: runAsNonRoot is true but image {image:?} \
                         (built from {source}) runs as root",
                        c.name()
                    ),
                ),
                (Some(flag), ImageUser::Name(name)) => {
                    out.report(
                        index,
                        flag.path.clone(),
                        format!(
                            "container {:?} will not start: runAsNonRoot is true but image \
                             {image:?} (built from {source}) runs as user {name:?}, a name the \
                             kubelet cannot verify",
                            c.name()
                        ),
                    );
                    out.report_as(
                        Severity::Info,
                        dockerfile.index,
                        DockerfileView::path(
                            dockerfile
                                .image
                                .user_instruction
                                .or(dockerfile.image.final_stage)
                                .unwrap_or(0),
                        ),
                        format!(
                            "USER {name} is a name: {} {:?} sets runAsNonRoot, so use a numeric \
                             USER (e.g. USER 10001)",
                            object.id.kind,
                            object.id.name.as_deref().unwrap_or_default()
                        ),
                    );
                }
                (None, ImageUser::Uid(uid)) => out.report_as(
                    Severity::Info,
                    index,
                    c.security_path("runAsNonRoot"),
                    format!(
                        "container {:?} runs image {image:?} whose USER is {uid}: set \
                         runAsNonRoot: true so the kubelet enforces it",
                        c.name()
                    ),
                ),
                _ => {}
            }
        }
    }
}
