//! `verification-disabled`: TLS certificate or package signature verification switched
//! off, by a command's option in `RUN`, by a package manager configuration a `RUN`
//! writes, or by an environment variable (`ENV`, `ARG`, `RUN X=... cmd`, Compose
//! `environment`, `docker inspect` `Config.Env`); in an image, its `Config.Env` and the
//! `RUN` steps and build arguments its history records.

use parse_dockerfile::Instruction;

use super::shell::{basename, command_words, pipelines};
use crate::docker::{ContainerSpec, DockerfileView, ImageSpec, Setting};
use crate::finding::Severity;
use crate::rules::{Checks, Findings, Rule, RuleMeta};

pub(super) const VERIFICATION_DISABLED: Rule = Rule {
    meta: RuleMeta {
        id: "verification-disabled",
        severity: Severity::High,
        title: "TLS or signature verification switched off",
        why: "Without certificate verification anyone on the network path (a proxy, a \
              compromised mirror, a hostile Wi-Fi) can serve their own package, script or \
              module; without signature checks a tampered package installs as if it were \
              genuine. In an image the code fetched that way runs in production; in a \
              container's environment it disables verification for the application itself.",
        fix: "Remove the option or variable (`curl -k`, `wget --no-check-certificate`, `apk \
              --allow-untrusted`, `apt-get --allow-unauthenticated`, `--nogpgcheck`, `pip \
              --trusted-host`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`...). If a \
              private registry or mirror uses its own CA, add the CA to the image's trust \
              store (`update-ca-certificates`) or pass it explicitly (`--cacert`, `--cert`, \
              `NODE_EXTRA_CA_CERTS`) instead; import a repository's signing key rather than \
              skipping the check.",
        references: &[
            "CIS Docker 4.11",
            "Docker Bench 4.11",
            "checkov CKV2_DOCKER_2 to CKV2_DOCKER_16",
        ],
    },
    checks: Checks::dockerfile_only(dockerfile_verification)
        .and_container(container_verification)
        .and_image(image_verification),
};

/// A variable's name, whether a value switches verification off, and what it switches off.
type Switch = (&'static str, fn(&str) -> bool, &'static str);

/// Environment variables that switch verification off, with the values that do it and
/// what they switch off.
const VARIABLES: &[Switch] = &[
    (
        "NODE_TLS_REJECT_UNAUTHORIZED",
        |v| v.trim() == "0",
        "TLS certificate verification in Node.js",
    ),
    // git checks only that the variable exists.
    (
        "GIT_SSL_NO_VERIFY",
        |_| true,
        "TLS certificate verification in git",
    ),
    (
        "PYTHONHTTPSVERIFY",
        |v| v.trim() == "0",
        "TLS certificate verification in Python",
    ),
    (
        "PIP_TRUSTED_HOST",
        |v| !v.trim().is_empty(),
        "TLS certificate verification in pip",
    ),
    (
        "NPM_CONFIG_STRICT_SSL",
        is_false,
        "TLS certificate verification in npm",
    ),
    (
        "npm_config_strict_ssl",
        is_false,
        "TLS certificate verification in npm",
    ),
    (
        "YARN_ENABLE_STRICT_SSL",
        is_false,
        "TLS certificate verification in Yarn",
    ),
    (
        "GOINSECURE",
        |v| !v.trim().is_empty(),
        "TLS certificate verification for Go modules",
    ),
    (
        "GOSUMDB",
        |v| v.trim() == "off",
        "checksum verification of Go modules",
    ),
    (
        "GONOSUMCHECK",
        |v| v.trim() == "1",
        "checksum verification of Go modules",
    ),
];

fn is_false(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "false" | "0" | "no"
    )
}

/// What `name=value` switches off, if anything.
fn variable_problem(name: &str, value: &str) -> Option<&'static str> {
    VARIABLES
        .iter()
        .find(|(n, switches_off, _)| *n == name && switches_off(value))
        .map(|(_, _, what)| *what)
}

/// Strips one pair of surrounding quotes.
fn unquoted(word: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|q| word.strip_prefix(*q).and_then(|w| w.strip_suffix(*q)))
        .unwrap_or(word)
}

/// curl's short options that take a value: in a cluster, what follows them is the value.
const CURL_VALUE_OPTIONS: &str = "AbcCdDeEFHKmoPQrTtuUwxXyYz";

/// A curl short-option cluster (`-fsSLk`) that holds `-k`.
fn curl_insecure_cluster(word: &str) -> bool {
    let Some(flags) = word.strip_prefix('-').filter(|f| !f.starts_with('-')) else {
        return false;
    };
    for c in flags.chars() {
        if c == 'k' {
            return true;
        }
        if CURL_VALUE_OPTIONS.contains(c) {
            return false;
        }
    }
    false
}

/// The value of an option written `-o value`, `-ovalue`, `--opt=value` or `--opt value`.
fn option_values<'a>(args: &[&'a str], short: &str, long: &str) -> Vec<&'a str> {
    let mut values = Vec::new();
    let mut words = args.iter().map(|w| unquoted(w)).peekable();
    while let Some(word) = words.next() {
        if word == short || word == long {
            if let Some(value) = words.next() {
                values.push(value);
            }
        } else if let Some(value) = word.strip_prefix(&format!("{long}=")) {
            values.push(value);
        } else if let Some(value) = word.strip_prefix(short).filter(|v| !v.is_empty()) {
            values.push(value);
        }
    }
    values
}

/// What one simple command switches off, as the words that do it.
fn command_problem(words: &[&str]) -> Option<String> {
    let command = command_words(words);
    // Assignments before the program, also after wrappers (`sudo env X=1 cmd`).
    let assignments = words[..words.len() - command.len()]
        .iter()
        .filter(|w| w.contains('=') && !w.starts_with('-'));
    for word in assignments {
        if let Some((name, value)) = word.split_once('=')
            && let Some(what) = variable_problem(name, unquoted(value))
        {
            return Some(format!("{name}={} ({what})", unquoted(value)));
        }
    }
    let (program, args) = command.split_first()?;
    let program = basename(program);
    let flag = |names: &[&str]| {
        args.iter()
            .map(|w| unquoted(w))
            .find(|a| {
                names
                    .iter()
                    .any(|n| a == n || a.starts_with(&format!("{n}=")))
            })
            .map(|a| format!("{program} {a}"))
    };
    match program {
        "export" | "declare" | "typeset" => args.iter().find_map(|word| {
            let (name, value) = word.split_once('=')?;
            let what = variable_problem(name, unquoted(value))?;
            Some(format!("{name}={} ({what})", unquoted(value)))
        }),
        "curl" => args
            .iter()
            .map(|w| unquoted(w))
            .find(|a| matches!(*a, "--insecure" | "--proxy-insecure") || curl_insecure_cluster(a))
            .map(|a| format!("curl {a}")),
        "wget" => flag(&["--no-check-certificate"]),
        "apk" => flag(&["--allow-untrusted"]),
        "apt-get" | "apt" | "aptitude" => flag(&[
            "--allow-unauthenticated",
            "--allow-insecure-repositories",
            "--force-yes",
        ])
        .or_else(|| {
            option_values(args, "-o", "--option")
                .into_iter()
                .find(|v| apt_option_disables(v))
                .map(|v| format!("{program} -o {v}"))
        }),
        "yum" | "dnf" | "microdnf" | "tdnf" | "yum-config-manager" | "dnf-3" => {
            flag(&["--nogpgcheck"]).or_else(|| {
                option_values(args, "--setopt", "--setopt")
                    .into_iter()
                    .find(|v| repo_option_disables(v))
                    .map(|v| format!("{program} --setopt={v}"))
            })
        }
        "zypper" => flag(&["--no-gpg-checks"]),
        "rpm" => flag(&[
            "--nosignature",
            "--nodigest",
            "--nofiledigest",
            "--noverify",
        ]),
        "pip" | "pip3" => pip_problem(program, args),
        python if python.starts_with("python") => {
            let pip = args
                .windows(2)
                .position(|w| w[0] == "-m" && w[1].starts_with("pip"))?;
            pip_problem("pip", &args[pip + 2..])
        }
        "npm" | "yarn" | "pnpm" => {
            let strict_off = args
                .windows(2)
                .any(|w| unquoted(w[0]) == "strict-ssl" && is_false(unquoted(w[1])))
                || args.iter().any(|a| {
                    let a = unquoted(a);
                    a.strip_prefix("strict-ssl=")
                        .or_else(|| a.strip_prefix("--strict-ssl="))
                        .is_some_and(is_false)
                });
            strict_off.then(|| format!("{program} strict-ssl false"))
        }
        "git" => {
            let key_off = |key: &str, value: &str| {
                key.eq_ignore_ascii_case("http.sslverify") && is_false(value)
            };
            let inline = option_values(args, "-c", "-c")
                .into_iter()
                .any(|v| v.split_once('=').is_some_and(|(k, v)| key_off(k, v)));
            let configured = args
                .windows(2)
                .any(|w| key_off(unquoted(w[0]), unquoted(w[1])));
            (inline || configured).then(|| "git http.sslVerify false".to_owned())
        }
        _ => None,
    }
}

fn pip_problem(program: &str, args: &[&str]) -> Option<String> {
    args.iter()
        .map(|w| unquoted(w))
        .find(|a| {
            *a == "--trusted-host"
                || a.starts_with("--trusted-host=")
                || a.ends_with(".trusted-host")
        })
        .map(|a| format!("{program} {a}"))
}

/// An APT option that trusts unsigned or unverified repositories.
fn apt_option_disables(option: &str) -> bool {
    let lower = option.to_ascii_lowercase().replace(' ', "");
    let off = |key: &str| {
        lower
            .strip_prefix(key)
            .is_some_and(|v| matches!(v.trim_start_matches('='), "false" | "0" | "no"))
    };
    let on = |key: &str| {
        lower
            .strip_prefix(key)
            .is_some_and(|v| matches!(v.trim_start_matches('='), "true" | "1" | "yes"))
    };
    off("acquire::https::verify-peer")
        || off("acquire::https::verify-host")
        || on("apt::get::allowunauthenticated")
        || on("acquire::allowinsecurerepositories")
}

/// A yum/dnf repository option that switches certificate or signature checks off.
fn repo_option_disables(option: &str) -> bool {
    let Some((key, value)) = option.split_once('=') else {
        return false;
    };
    let key = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    matches!(key.as_str(), "sslverify" | "gpgcheck" | "repo_gpgcheck") && is_false(value)
}

/// The `key=value` settings written anywhere in `text` (`printf 'gpgcheck=0\n'`,
/// `deb [trusted=yes] ...`, `echo 'strict-ssl = false' >> .npmrc`), lower case.
fn settings_in(text: &str) -> Vec<(String, String)> {
    let text = text.replace("\\n", "\n").replace(['"', '\''], " ");
    let key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*');
    text.match_indices('=')
        .filter_map(|(at, _)| {
            let before = text[..at].trim_end();
            let key = &before[before.trim_end_matches(key_char).len()..];
            let value = text[at + 1..]
                .trim_start()
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | ']'))
                .next()
                .unwrap_or_default();
            (!key.is_empty()).then(|| (key.to_ascii_lowercase(), value.to_ascii_lowercase()))
        })
        .collect()
}

/// Configuration a `RUN` writes that switches verification off: APT sources marked
/// `[trusted=yes]` or APT options, yum/dnf repositories with `gpgcheck=0` or
/// `sslverify=0`, npm's `strict-ssl=false`.
fn written_configuration(script: &str) -> Option<&'static str> {
    let compact: String = script
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.contains("acquire::https::verify-peerfalse")
        || compact.contains("acquire::https::verify-hostfalse")
    {
        return Some("APT configuration with Verify-Peer/Verify-Host false");
    }
    settings_in(script).into_iter().find_map(|(key, value)| {
        let key = key.rsplit('.').next().unwrap_or(&key).to_owned();
        match key.as_str() {
            "trusted" if value == "yes" => {
                Some("an APT source marked [trusted=yes] (no signature check)")
            }
            "gpgcheck" | "repo_gpgcheck" if is_false(&value) => {
                Some("a repository with gpgcheck=0 (no signature check)")
            }
            "sslverify" if is_false(&value) => {
                Some("a repository with sslverify=0 (no certificate check)")
            }
            "strict-ssl" if is_false(&value) => Some("npm configuration with strict-ssl=false"),
            _ => None,
        }
    })
}

/// Every problem of one `RUN` script.
fn script_problems(script: &str) -> Vec<String> {
    let mut found: Vec<String> = pipelines(script)
        .iter()
        .flatten()
        .filter_map(|command| command_problem(command))
        .collect();
    if let Some(written) = written_configuration(script) {
        found.push(written.to_owned());
    }
    found.dedup();
    found
}

fn dockerfile_verification(view: &DockerfileView<'_, '_>, out: &mut Findings) {
    for (i, instruction) in view.build_steps() {
        let (keyword, problems) = match instruction {
            Instruction::Run(_) => {
                let Some(text) = DockerfileView::command_text(instruction) else {
                    continue;
                };
                let text = text.replace("\\\r\n", " ").replace("\\\n", " ");
                ("RUN", script_problems(&text))
            }
            Instruction::Env(env) => ("ENV", variable_problems(&env.arguments.value, true)),
            Instruction::Arg(arg) => ("ARG", variable_problems(&arg.arguments.value, false)),
            _ => continue,
        };
        if !problems.is_empty() {
            out.report(
                DockerfileView::path(i),
                format!(
                    "{keyword} switches off verification: {}",
                    problems.join("; ")
                ),
            );
        }
    }
}

/// The problems of an `ENV` (both syntaxes) or `ARG`.
fn variable_problems(text: &str, legacy_env: bool) -> Vec<String> {
    super::dockerfile::variables(text, legacy_env)
        .into_iter()
        .filter_map(|(name, value)| {
            let what = variable_problem(&name, &value)?;
            Some(format!("{name}={value} ({what})"))
        })
        .collect()
}

/// An image's environment (`Config.Env`), the `RUN` steps of its history, and the build
/// arguments the history records (`ARG X=v`, `|1 X=v /bin/sh -c ...`).
fn image_verification(image: &ImageSpec, out: &mut Findings) {
    report_environment(&image.env, &image.describe(), out);
    super::dockerfile::report_runs(image, out, |script| {
        let problems = script_problems(script);
        (!problems.is_empty()).then(|| {
            format!(
                "a RUN that switches off verification: {}",
                problems.join("; ")
            )
        })
    });
    for step in &image.history {
        for (name, value) in super::dockerfile::recorded_arguments(step) {
            if let Some(what) = variable_problem(&name, &value) {
                out.report(
                    step.path.clone(),
                    format!(
                        "{}'s history records build argument {name}={value}, which switches \
                         off {what}",
                        image.describe()
                    ),
                );
            }
        }
    }
}

fn container_verification(spec: &ContainerSpec, out: &mut Findings) {
    report_environment(&spec.env, &spec.describe(), out);
}

/// The `NAME=value` entries of an environment that switch verification off, reported as
/// what `subject` (`container "web"`, `image "app:1"`) sets.
fn report_environment(env: &[Setting<String>], subject: &str, out: &mut Findings) {
    for variable in env {
        let (name, value) = variable
            .value
            .split_once('=')
            .unwrap_or((variable.value.as_str(), ""));
        if let Some(what) = variable_problem(name, value) {
            out.report(
                variable.path.clone(),
                format!("{subject} sets {name}={value}, which switches off {what}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(script: &str) -> Vec<String> {
        script_problems(script)
    }

    #[test]
    fn commands_that_switch_verification_off() {
        for script in [
            "curl -fsSLk https://x/install.sh -o /tmp/i.sh",
            "curl --insecure -o x https://x",
            "wget --no-check-certificate -qO- https://x",
            "apk add --allow-untrusted /tmp/pkg.apk",
            "apt-get install -y --allow-unauthenticated x",
            "apt-get update -o Acquire::https::Verify-Peer=false",
            "apt-get -oAcquire::AllowInsecureRepositories=true update",
            "yum install -y --nogpgcheck x",
            "dnf --setopt=*.sslverify=0 install x",
            "rpm -i --nosignature x.rpm",
            "pip install --trusted-host pypi.internal x",
            "python3 -m pip install --trusted-host=pypi.internal x",
            "npm config set strict-ssl false",
            "yarn config set strict-ssl false",
            "git -c http.sslVerify=false clone https://x",
            "git config --global http.sslverify false",
            "NODE_TLS_REJECT_UNAUTHORIZED=0 npm install",
            "export GIT_SSL_NO_VERIFY=1 && git clone https://x",
            "sudo -E env PYTHONHTTPSVERIFY=0 python3 fetch.py",
            "echo 'deb [trusted=yes] http://repo.internal/ stable main' > /etc/apt/sources.list.d/x.list",
            "printf '[x]\\nbaseurl=http://r\\ngpgcheck=0\\n' > /etc/yum.repos.d/x.repo",
        ] {
            assert!(!problems(script).is_empty(), "{script}");
        }
    }

    #[test]
    fn ordinary_commands_pass() {
        for script in [
            "curl -fsSL -o x https://x && sha256sum -c x.sha256",
            "curl -K /etc/curlrc https://x",
            "curl -Hkey:value https://x",
            "wget -q https://x",
            "apt-get install -y --no-install-recommends ca-certificates",
            "apt-get -o Acquire::Retries=3 update",
            "dnf --setopt=install_weak_deps=False install x",
            "pip install --index-url https://pypi.internal/simple x",
            "npm config set registry https://npm.internal",
            "git config --global http.sslverify true",
            "echo gpgcheck=1 >> /etc/yum.repos.d/x.repo",
            "NODE_TLS_REJECT_UNAUTHORIZED=1 npm install",
        ] {
            assert_eq!(problems(script), Vec::<String>::new(), "{script}");
        }
    }

    #[test]
    fn settings_next_to_non_ascii_text_are_read() {
        // A multi-byte character right before a key once split the text mid-character.
        assert_eq!(
            settings_in("echo Ӕgpgcheck=0 ÿ=1 é.x=y"),
            [
                ("gpgcheck".to_owned(), "0".to_owned()),
                (".x".to_owned(), "y".to_owned())
            ]
        );
        assert!(!problems("printf 'Ӕ\\ngpgcheck=0\\n' > /etc/yum.repos.d/x.repo").is_empty());
    }
}
