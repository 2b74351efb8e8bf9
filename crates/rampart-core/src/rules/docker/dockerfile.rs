//! Dockerfile rules (Docker Bench section 4, hadolint, checkov), and the same rules over
//! built images: their configuration and the history of the instructions that built
//! them. The root user, SSH and base image tags are checked by `run-as-root`,
//! `ssh-exposed` and `image-tag-mutable`.

use parse_dockerfile::{HealthcheckArguments, Instruction, Source};

use super::shell::{basename, command_words, pipelines, program};
use crate::docker::{DockerfileView, HistoryStep, ImageSpec};
use crate::finding::Severity;
use crate::rules::{Checks, Findings, Rule, RuleMeta, secrets};

/// Every `RUN` that a build runs, with its index and script (heredocs included,
/// continuations joined): those of every stage, and `ONBUILD RUN` triggers (at the
/// `ONBUILD`), which run in every image built from this one.
fn runs<'v>(view: &'v DockerfileView<'_, '_>) -> impl Iterator<Item = (usize, String)> + 'v {
    view.build_steps()
        .filter_map(|(i, instruction)| match instruction {
            Instruction::Run(_) => DockerfileView::command_text(instruction)
                .map(|text| (i, text.replace("\\\r\n", " ").replace("\\\n", " "))),
            _ => None,
        })
}

pub(super) const ADD_REMOTE_URL: Rule = Rule {
    meta: RuleMeta {
        id: "add-remote-url",
        severity: Severity::Medium,
        title: "ADD downloads a URL without a checksum",
        why: "`ADD https://...` fetches whatever the server returns at build time, with no \
              integrity check: a compromised or spoofed server puts its file in the image.",
        fix: "Use `ADD --checksum=sha256:... <url>`, or download with `curl` and verify the \
              checksum in the same `RUN`; use `COPY` for local files.",
        references: &["CIS Docker 4.9", "Docker Bench 4.9", "checkov CKV_DOCKER_4"],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, instruction) in view.build_steps() {
            let Instruction::Add(add) = instruction else {
                continue;
            };
            if add.options.iter().any(|flag| flag.name.value == "checksum") {
                continue;
            }
            for source in &add.src {
                let Source::Path(path) = source else { continue };
                let url = path.value.as_ref();
                let remote = ["http://", "https://", "git@", "ftp://"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme));
                if remote {
                    out.report(
                        DockerfileView::path(i),
                        format!("ADD downloads {url} without --checksum"),
                    );
                }
            }
        }
    })
    .and_image(image_add_remote_url),
};

/// Schemes of the sources `ADD` downloads.
const REMOTE_SCHEMES: &[&str] = &["http://", "https://", "git@", "ftp://"];

/// An `ADD` step of the history that downloaded a URL. BuildKit records the instruction
/// (`ADD --checksum=... https://x /y`); the classic builder records `ADD <hash> in /y`,
/// where a local source's hash says `file:`, `dir:` or `multi:` and a download's is bare.
fn image_add_remote_url(image: &ImageSpec, out: &mut Findings) {
    for step in image.steps("ADD") {
        let words: Vec<&str> = step.text.split_whitespace().collect();
        if words.iter().any(|w| w.starts_with("--checksum")) {
            continue;
        }
        let sources = words.iter().filter(|w| !w.starts_with("--"));
        let url = sources
            .clone()
            .find(|w| REMOTE_SCHEMES.iter().any(|scheme| w.starts_with(scheme)));
        if let Some(url) = url {
            out.report(
                step.path.clone(),
                format!(
                    "{} was built with ADD of {url} without --checksum",
                    image.describe()
                ),
            );
            continue;
        }
        let classic_download = words.get(1) == Some(&"in")
            && sources.clone().next().is_some_and(|hash| {
                hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())
            });
        if classic_download {
            out.report(
                step.path.clone(),
                format!(
                    "{} was built with ADD of a URL (the history keeps only the download's \
                     hash: ADD {})",
                    image.describe(),
                    step.text
                ),
            );
        }
    }
}

pub(super) const SUDO_IN_RUN: Rule = Rule {
    meta: RuleMeta {
        id: "sudo-in-run",
        severity: Severity::Medium,
        title: "RUN uses sudo",
        why: "`sudo` in an image means an unprivileged user can become root at run time, and its \
              TTY and signal handling is unpredictable in builds.",
        fix: "Run the privileged steps before `USER`; use `gosu` or `su-exec` in an entrypoint if \
              a step must change user at run time.",
        references: &[
            "hadolint DL3004",
            "checkov CKV2_DOCKER_1",
            "Trivy AVD-DS-0010",
        ],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, script) in runs(view) {
            if uses_sudo(&script) {
                out.report(DockerfileView::path(i), "RUN uses sudo");
            }
        }
    })
    .and_image(|image, out| {
        report_runs(image, out, |script| {
            uses_sudo(script).then(|| "a RUN that uses sudo".to_owned())
        });
    }),
};

/// Reports each `RUN` step of an image's history for which `problem` says what is wrong
/// (`was built with <problem>`).
pub(super) fn report_runs(
    image: &ImageSpec,
    out: &mut Findings,
    problem: impl Fn(&str) -> Option<String>,
) {
    for step in image.steps("RUN") {
        if let Some(problem) = problem(&step.text) {
            out.report(
                step.path.clone(),
                format!("{} was built with {problem}", image.describe()),
            );
        }
    }
}

fn uses_sudo(script: &str) -> bool {
    pipelines(script)
        .iter()
        .flatten()
        .any(|command| command.first().is_some_and(|w| basename(w) == "sudo"))
}

/// Why `name=value` looks like a secret, if it does.
fn secret(name: &str, value: &str) -> Option<&'static str> {
    if secrets::credential_in(value).is_some() {
        return Some("holds what looks like a credential");
    }
    secrets::named_like_secret(name).then_some("is named like a secret")
}

/// `NAME=value` pairs of an `ENV` (both syntaxes) or `ARG`.
pub(super) fn variables(text: &str, legacy_env: bool) -> Vec<(String, String)> {
    let words = crate::docker::words(text);
    if legacy_env && words.first().is_some_and(|w| !w.contains('=')) {
        let mut words = words.into_iter();
        let name = words.next().unwrap_or_default();
        return vec![(name, words.collect::<Vec<_>>().join(" "))];
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (w, String::new()),
        })
        .collect()
}

pub(super) const SECRET_IN_ENV_OR_ARG: Rule = Rule {
    meta: RuleMeta {
        id: "secret-in-env-or-arg",
        severity: Severity::High,
        title: "Secret in ENV or ARG",
        why: "`ENV` values are stored in the image configuration and `ARG` values in the build \
              history: anyone who can pull the image can read them.",
        fix: "Use build secrets (`RUN --mount=type=secret,id=...`) at build time and inject \
              secrets at run time (Compose `secrets`, Kubernetes Secrets).",
        references: &[
            "CIS Docker 4.10",
            "Docker Bench 4.10",
            "Trivy AVD-DS-0031",
            "Docker build check SecretsUsedInArgOrEnv",
        ],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, instruction) in view.build_steps() {
            let (keyword, pairs) = match instruction {
                Instruction::Env(env) => ("ENV", variables(&env.arguments.value, true)),
                Instruction::Arg(arg) => ("ARG", variables(&arg.arguments.value, false)),
                _ => continue,
            };
            for (name, value) in pairs {
                // An ENV without a value (or set from a build argument) holds no secret
                // itself; an ARG always ends up in the history when it is given.
                let empty = value.is_empty() || value.starts_with('$');
                if keyword == "ENV" && empty {
                    continue;
                }
                if let Some(why) = secret(&name, &value) {
                    out.report(DockerfileView::path(i), format!("{keyword} {name} {why}"));
                }
            }
        }
    })
    .and_image(image_secrets),
};

/// Secrets an image carries: in its environment (`Config.Env`), and in its history, where
/// build arguments are recorded with their values (`ARG TOKEN=x`, `|1 TOKEN=x ...`).
fn image_secrets(image: &ImageSpec, out: &mut Findings) {
    for entry in &image.env {
        let (name, value) = entry.value.split_once('=').unwrap_or((&entry.value, ""));
        if value.is_empty() || value.starts_with('$') {
            continue;
        }
        if let Some(why) = secret(name, value) {
            out.report(
                entry.path.clone(),
                format!("{} sets ENV {name}, which {why}", image.describe()),
            );
        }
    }
    for step in &image.history {
        let recorded = recorded_arguments(step);
        for (name, value) in recorded.into_iter().filter(|(_, value)| !value.is_empty()) {
            if let Some(why) = secret(&name, &value) {
                out.report(
                    step.path.clone(),
                    format!(
                        "{}'s history records build argument {name} with its value, which {why}",
                        image.describe()
                    ),
                );
            }
        }
    }
}

/// The build arguments a history step records with their values: those a `RUN` ran with
/// (`|1 TOKEN=x /bin/sh -c ...`, set even when empty) and the defaults an `ARG` step
/// declares (`ARG TOKEN=x`; an `ARG` without a default sets nothing).
pub(super) fn recorded_arguments(step: &HistoryStep) -> Vec<(String, String)> {
    let mut recorded = step.build_args.clone();
    if step.keyword == "ARG" {
        recorded.extend(
            variables(&step.text, false)
                .into_iter()
                .filter(|(_, value)| !value.is_empty()),
        );
    }
    recorded.dedup_by(|a, b| a.0 == b.0);
    recorded
}

const DOWNLOADERS: &[&str] = &["curl", "wget"];
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node",
];

/// Whether a simple command runs a shell or interpreter (after `sudo -E`, `env`...).
fn runs_shell(command: &[&str]) -> bool {
    program(command).is_some_and(|p| SHELLS.contains(&p))
}

/// `curl ... | sh`, `wget -O- ... | sudo -E bash`, `curl ... | tee x | env bash`,
/// `sh -c "$(curl ...)"`, `bash <(curl ...)`.
fn pipes_download_to_shell(script: &str) -> bool {
    let commands = pipelines(script);
    let piped = commands.iter().any(|pipeline| {
        let mut downloaded = false;
        pipeline.iter().any(|command| {
            let shell_after_download = downloaded && runs_shell(command);
            downloaded |= program(command).is_some_and(|p| DOWNLOADERS.contains(&p));
            shell_after_download
        })
    });
    let substituted = ["$(", "<(", "`"].iter().any(|opening| {
        DOWNLOADERS.iter().any(|d| {
            script
                .match_indices(opening)
                .any(|(at, _)| script[at + opening.len()..].trim_start().starts_with(d))
        })
    }) && commands.iter().flatten().any(|command| runs_shell(command));
    piped || substituted
}

pub(super) const CURL_PIPE_SHELL: Rule = Rule {
    meta: RuleMeta {
        id: "curl-pipe-shell",
        severity: Severity::High,
        title: "RUN pipes a download into a shell",
        why: "`curl ... | sh` runs whatever the server sends, unverified, as root at build time; \
              without `pipefail` a failed download even passes the build.",
        fix: "Download to a file, verify its checksum or signature, then run it; set \
              `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` when piping.",
        references: &[
            "CIS Docker 4.11",
            "Docker Bench 4.11",
            "hadolint DL4006 (a pipe without pipefail)",
        ],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, script) in runs(view) {
            if pipes_download_to_shell(&script) {
                out.report(
                    DockerfileView::path(i),
                    "RUN pipes a download into a shell without verifying it",
                );
            }
        }
    })
    .and_image(|image, out| {
        report_runs(image, out, |script| {
            pipes_download_to_shell(script)
                .then(|| "a RUN that pipes a download into a shell".to_owned())
        });
    }),
};

/// `manager subcommand` pairs that upgrade every installed package.
const UPGRADES: &[(&str, &str)] = &[
    ("apt-get", "upgrade"),
    ("apt-get", "dist-upgrade"),
    ("apt", "upgrade"),
    ("apt", "full-upgrade"),
    ("apt", "dist-upgrade"),
    ("apk", "upgrade"),
    ("yum", "update"),
    ("yum", "upgrade"),
    ("dnf", "upgrade"),
    ("dnf", "update"),
    ("microdnf", "update"),
    ("microdnf", "upgrade"),
    ("zypper", "update"),
    ("zypper", "up"),
    ("zypper", "dist-upgrade"),
    ("zypper", "dup"),
];

/// The upgrade command of `command` when it names no package (a whole-system upgrade).
fn unpinned_upgrade(command: &[&str]) -> Option<String> {
    let words = command_words(command);
    let manager = basename(words.first()?);
    let mut rest = words.iter().skip(1).filter(|w| !w.starts_with('-'));
    let subcommand = rest.next()?;
    let upgrade = UPGRADES
        .iter()
        .any(|(m, s)| *m == manager && s == subcommand);
    let packages = rest.any(|w| !w.starts_with('$'));
    (upgrade && !packages).then(|| format!("{manager} {subcommand}"))
}

pub(super) const PACKAGE_UPGRADE_UNPINNED: Rule = Rule {
    meta: RuleMeta {
        id: "package-upgrade-unpinned",
        severity: Severity::Low,
        title: "RUN upgrades every package without pinning",
        why: "A blanket upgrade makes the image depend on the day it was built: two builds of the \
              same Dockerfile differ, and a review of the image says nothing about the next one.",
        fix: "Use a patched, pinned base image and install the packages you need with pinned \
              versions (`apt-get install pkg=1.2.3`); rebuild when the base image is updated.",
        references: &[
            "hadolint DL3035 (zypper dist-upgrade)",
            "Trivy AVD-DS-0024 (apt-get dist-upgrade)",
        ],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, script) in runs(view) {
            let upgrade = pipelines(&script)
                .iter()
                .flatten()
                .find_map(|command| unpinned_upgrade(command));
            if let Some(upgrade) = upgrade {
                out.report(
                    DockerfileView::path(i),
                    format!("RUN upgrades every package ({upgrade}) instead of pinning versions"),
                );
            }
        }
    })
    .and_image(|image, out| {
        report_runs(image, out, |script| {
            let upgrade = pipelines(script)
                .iter()
                .flatten()
                .find_map(|command| unpinned_upgrade(command))?;
            Some(format!("a RUN that upgrades every package ({upgrade})"))
        });
    }),
};

pub(super) const HEALTHCHECK_MISSING: Rule = Rule {
    meta: RuleMeta {
        id: "healthcheck-missing",
        severity: Severity::Info,
        title: "Image or container has no health check",
        why: "Without a health check Docker reports a hung service as running, and nothing \
              restarts or replaces it.",
        fix: "Add `HEALTHCHECK CMD ...` to the final stage (Kubernetes ignores it: use probes \
              there); in Compose, do not set `healthcheck.disable: true` or `test: [\"NONE\"]`.",
        references: &[
            "CIS Docker 4.6",
            "Docker Bench 4.6",
            "Docker Bench 5.27",
            "checkov CKV_DOCKER_2",
            "hadolint DL3057",
            "Trivy AVD-DS-0026",
        ],
    },
    checks: Checks::container_only(container_healthcheck)
        .and_dockerfile(|view, out| {
            let Some(stage) = view.final_stage() else {
                return;
            };
            // The final stage inherits the health check of the stages it builds on.
            let last = view
                .final_image_instructions()
                .filter_map(|(i, ins)| match ins {
                    Instruction::Healthcheck(check) => Some((i, check)),
                    _ => None,
                })
                .last();
            match last {
                Some((i, check))
                    if matches!(check.arguments, HealthcheckArguments::None { .. }) =>
                {
                    out.report(
                        DockerfileView::path(i),
                        "HEALTHCHECK NONE disables the health check",
                    );
                }
                Some(_) => {}
                None => out.report(
                    DockerfileView::path(stage.from),
                    "the final stage has no HEALTHCHECK (nor do the stages it builds on)",
                ),
            }
        })
        .and_image(|image, out| match &image.healthcheck {
            Some(check) if check.value => {}
            Some(check) => out.report(
                check.path.clone(),
                format!(
                    "{} disables the health check (HEALTHCHECK NONE)",
                    image.describe()
                ),
            ),
            None => out.report(
                image.config_field("Healthcheck"),
                format!("{} has no HEALTHCHECK", image.describe()),
            ),
        }),
};

/// A Compose service that disables the image's health check, or a container that has
/// none. A Compose service without `healthcheck` keeps the image's and is not reported.
fn container_healthcheck(spec: &crate::docker::ContainerSpec, out: &mut Findings) {
    if let Some(check) = spec.healthcheck.as_ref().filter(|c| !c.value) {
        out.report(
            check.path.clone(),
            format!("{} runs without a health check", spec.describe()),
        );
    }
}

pub(super) const PASSWORD_IN_RUN: Rule = Rule {
    meta: RuleMeta {
        id: "password-in-run",
        severity: Severity::High,
        title: "RUN sets a password written in the Dockerfile",
        why: "`echo 'root:secret' | chpasswd` puts the password in the Dockerfile and in the \
              image's history (`docker history` shows every RUN), where anyone who can pull \
              the image reads it; the account then has a known password in every container.",
        fix: "Do not give image accounts passwords: use key-based access or none at all. If a \
              password is unavoidable, pass it as a build secret (`RUN \
              --mount=type=secret,id=pw chpasswd < /run/secrets/pw`) or set it at run time.",
        references: &[
            "checkov CKV2_DOCKER_17",
            "CIS Docker 4.10",
            "Docker Bench 4.10",
        ],
    },
    checks: Checks::dockerfile_only(|view, out| {
        for (i, script) in runs(view) {
            if let Some(how) = literal_password(&script) {
                out.report(
                    DockerfileView::path(i),
                    format!("RUN sets a password written in the Dockerfile ({how})"),
                );
            }
        }
    })
    .and_image(|image, out| {
        report_runs(image, out, |script| {
            let how = literal_password(script)?;
            Some(format!("a RUN that sets a password written in it ({how})"))
        });
    }),
};

/// A shell word that holds a value written in the Dockerfile, not read from a
/// variable or a command substitution: in single quotes, or without `$` and backticks.
fn is_literal(word: &str) -> bool {
    (word.starts_with('\'') && word.ends_with('\'') && word.len() > 1)
        || (!word.contains('$') && !word.contains('`'))
}

/// How a script sets a password written in it: `echo 'user:pw' | chpasswd`,
/// `chpasswd <<< 'user:pw'`, a `chpasswd` heredoc, `echo pw | passwd --stdin user`,
/// `usermod -p HASH user` / `useradd --password HASH user`.
fn literal_password(script: &str) -> Option<&'static str> {
    // A heredoc body line such as `root:toor` (read once, whatever the number of commands).
    let literal_line = script
        .lines()
        .any(|l| l.contains(':') && !l.contains('$') && !l.contains("chpasswd"));
    for pipeline in pipelines(script) {
        let Some((last, feeders)) = pipeline.split_last() else {
            continue;
        };
        let command = command_words(last);
        let fed_literal = feeders.iter().any(|feeder| {
            matches!(program(feeder), Some("echo" | "printf"))
                && command_words(feeder)[1..].iter().all(|w| is_literal(w))
        });
        let here_string = command
            .iter()
            .position(|w| w.starts_with("<<<"))
            .map(|at| command[at..].join(" "));
        match program(last) {
            Some("chpasswd") => {
                if fed_literal || here_string.is_some_and(|h| h.contains(':') && !h.contains('$')) {
                    return Some("chpasswd");
                }
                let heredoc = command
                    .iter()
                    .any(|w| w.starts_with("<<") && !w.starts_with("<<<"));
                if heredoc && literal_line {
                    return Some("chpasswd");
                }
            }
            Some("passwd") if command.contains(&"--stdin") && fed_literal => {
                return Some("passwd --stdin");
            }
            Some(manager @ ("usermod" | "useradd")) => {
                let hash = command
                    .windows(2)
                    .find_map(|w| matches!(w[0], "-p" | "--password").then_some(w[1]));
                let locked = |h: &str| matches!(h.trim_matches(['"', '\'']), "*" | "!" | "!!" | "");
                if hash.is_some_and(|h| is_literal(h) && !locked(h)) {
                    return Some(if manager == "usermod" {
                        "usermod -p"
                    } else {
                        "useradd -p"
                    });
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_piped_to_shells() {
        assert!(pipes_download_to_shell(
            "curl -fsSL https://x/install.sh | sh"
        ));
        assert!(pipes_download_to_shell(
            "wget -qO- https://x | sudo bash -s --"
        ));
        assert!(pipes_download_to_shell(
            "wget -qO- https://deb.nodesource.com/setup_20.x | sudo -E bash -"
        ));
        assert!(pipes_download_to_shell("curl -fsSL https://x | sudo sh"));
        assert!(pipes_download_to_shell("curl -fsSL https://x | env bash"));
        assert!(pipes_download_to_shell(
            "/usr/bin/curl -sL https://x | tee /tmp/i.sh | sh"
        ));
        assert!(pipes_download_to_shell("bash <(wget -qO- https://x)"));
        assert!(pipes_download_to_shell("sh -c \"$(curl -fsSL https://x)\""));
        assert!(!pipes_download_to_shell(
            "curl -o x.tgz https://x && tar xzf x.tgz"
        ));
        assert!(!pipes_download_to_shell("curl https://x | tar xz"));
    }

    #[test]
    fn commands_in_subshells_and_groups() {
        assert!(uses_sudo("echo x && (sudo true || true)"));
        assert!(uses_sudo("{ sudo apt-get update; }"));
        assert!(!uses_sudo("echo sudo"));
        assert!(pipes_download_to_shell("(curl -fsSL https://x | sh)"));
    }

    #[test]
    fn upgrades() {
        let up = |t: &str| unpinned_upgrade(&t.split_whitespace().collect::<Vec<_>>());
        assert!(up("apt-get -y upgrade").is_some());
        assert!(up("apk upgrade --no-cache").is_some());
        assert!(up("apk upgrade openssl").is_none());
        assert!(up("apt-get install -y curl").is_none());
    }

    #[test]
    fn literal_passwords() {
        for script in [
            "echo 'root:Passw0rd' | chpasswd",
            "echo \"app:secret\" | sudo chpasswd -e",
            "chpasswd <<< 'root:toor'",
            "chpasswd <<EOF\nroot:toor\nEOF",
            "echo hunter2 | passwd --stdin root",
            "usermod -p '$6$salt$hash' root",
        ] {
            assert!(literal_password(script).is_some(), "{script}");
        }
        for script in [
            "chpasswd < /run/secrets/passwords",
            "echo \"app:${APP_PASSWORD}\" | chpasswd",
            "usermod -p '*' app",
            "echo done | tee /tmp/log",
        ] {
            assert!(literal_password(script).is_none(), "{script}");
        }
    }

    #[test]
    fn secrets() {
        assert!(secret("DB_PASSWORD", "x").is_some());
        assert!(secret("DB_PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(secret("KEY", "AKIAABCDEFGHIJKLMNOP").is_some());
        assert!(secret("PATH", "/usr/bin").is_none());
    }
}
