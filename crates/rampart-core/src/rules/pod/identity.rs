//! Which user a container runs as.

use std::borrow::Cow;

use super::quoted;
use crate::docker::{ContainerSpec, DockerfileView, ImageSpec, Origin};
use crate::finding::Severity;
use crate::fix::{Fix, Op, Patch, Safety, set_flag, set_text};
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

pub(super) const RUN_AS_ROOT: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-root",
        severity: Severity::High,
        title: "Container may run as root",
        why: "A process running as UID 0 is root on the node once it escapes the container, and owns \
              every file the container can reach.",
        fix: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod or container \
              securityContext, and build the image with a numeric non-root USER. \
              Compose: `user: \"10001:10001\"`; Dockerfile: end the final stage with a numeric non-root `USER`.",
        references: &[
            "CIS 5.2.7",
            "NSA/CISA Kubernetes Hardening: non-root containers",
            "PSS restricted: runAsNonRoot",
            "Docker Bench 4.1",
            "hadolint DL3002",
            "checkov CKV_DOCKER_8",
            "Trivy AVD-DS-0002",
        ],
    },
    checks: Checks::kubernetes(check_run_as_root)
        .and_container(container_run_as_root)
        .and_dockerfile(dockerfile_run_as_root)
        .and_image(image_run_as_root)
        .fixed_by(&NON_ROOT_FIX),
};

/// The user the Compose and Dockerfile fixes run as: a numeric UID (and GID) that no
/// distribution gives to an account.
const NON_ROOT_USER: &str = "10001";

const NON_ROOT_FIX: Fix = Fix {
    summary: "Unsafe (the image may need root, or a user of its own): sets `runAsNonRoot: \
              true` where it is absent or false (a container that sets `runAsUser: 0` has no \
              automatic fix). Compose: sets `user: \"10001:10001\"` where `user` is absent. \
              Dockerfile: appends `USER 10001` to a final stage without `USER`.",
    kubernetes: Some(|site| match site.field() {
        Some("runAsNonRoot") => set_flag(site, true, Safety::Unsafe),
        _ => Err(Cow::Borrowed(
            "the container runs as UID 0 by its own runAsUser: choose a non-root UID",
        )),
    }),
    compose: Some(|site| match site.value() {
        None => set_text(
            site,
            &format!("{NON_ROOT_USER}:{NON_ROOT_USER}"),
            Safety::Unsafe,
        ),
        Some(_) => Err(Cow::Borrowed(
            "the service runs as root by its own `user`: choose a non-root user",
        )),
    }),
    dockerfile: Some(|view, _| match view.final_user() {
        None => Ok(Patch::risky(vec![Op::Line {
            text: format!("USER {NON_ROOT_USER}"),
        }])),
        Some(_) => Err(Cow::Borrowed(
            "the final stage runs as root by its own USER: choose a non-root user",
        )),
    }),
};

fn is_windows(ctx: &CheckContext<'_>) -> bool {
    ctx.pod
        .and_then(|p| p.spec.os.as_ref())
        .is_some_and(|os| os.name == "windows")
}

fn check_run_as_root(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    if is_windows(ctx) {
        return;
    }
    for c in pod.containers() {
        let c = &c;
        let effective = pod.effective(c);
        match (&effective.run_as_user, &effective.run_as_non_root) {
            (Some(user), _) if user.value == 0 => {
                out.report_container(c, user.path.clone(), format!("{} runs as root (runAsUser: 0)", quoted(c)));
            }
            (Some(_), _) => {}
            (None, Some(non_root)) if non_root.value => {}
            (None, Some(non_root)) => out.report_container(
                c,
                non_root.path.clone(),
                format!("{} may run as root (runAsNonRoot: false and no runAsUser)", quoted(c)),
            ),
            (None, None) => out.report_container(
                c,
                c.security_path("runAsNonRoot"),
                format!("{} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set", quoted(c)),
            ),
        }
    }
}

/// Whether a Docker `user` (`name`, `uid`, `name:group`, `uid:gid`) is root.
pub(crate) fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

fn container_run_as_root(spec: &ContainerSpec, out: &mut Findings) {
    match &spec.user {
        Some(user) if is_root_user(&user.value) => out.report(
            user.path.clone(),
            format!("{} runs as root (user: {})", spec.describe(), user.value),
        ),
        Some(_) => {}
        None => {
            let message = match spec.origin {
                Origin::Compose => format!(
                    "{} does not set user: the image's USER applies, root unless the image sets one",
                    spec.describe()
                ),
                Origin::Inspect => {
                    format!("{} runs as root (Config.User is empty)", spec.describe())
                }
            };
            out.report(spec.field("user", &["Config", "User"]), message);
        }
    }
}

fn dockerfile_run_as_root(view: &DockerfileView<'_, '_>, out: &mut Findings) {
    let Some(stage) = view.final_stage() else {
        return;
    };
    match view.final_user() {
        Some((i, user)) if is_root_user(&user) => out.report(
            DockerfileView::path(i),
            format!("the final stage runs as root (USER {user})"),
        ),
        Some(_) => {}
        None => out.report(
            DockerfileView::path(stage.from),
            "the final stage has no USER instruction: the image runs as root",
        ),
    }
}

/// An image's `Config.User`: what its containers run as unless they set a user.
fn image_run_as_root(image: &ImageSpec, out: &mut Findings) {
    match &image.user {
        Some(user) if is_root_user(&user.value) => out.report(
            user.path.clone(),
            format!("{} runs as root (User: {})", image.describe(), user.value),
        ),
        Some(_) => {}
        None => out.report(
            image.config_field("User"),
            format!("{} runs as root (Config.User is empty)", image.describe()),
        ),
    }
}
