//! Images: what an image runs as (its configuration) and how it was built (its history),
//! from the Engine API's image inspect answer (`docker image inspect`, `GET
//! /images/{name}/json`, with the `GET /images/{name}/history` answer under `History`)
//! or an OCI image configuration (`config` and `history`, as in an image archive). The
//! image rules share their ids with the Dockerfile rules that judge the same things.

use serde_json::Value;

use super::compose::scalar_text;
use super::container::Setting;
use crate::field_path::FieldPath;

/// Whether `value` is one image: an image inspect answer or an OCI image configuration.
pub fn is_image(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    let container = map.contains_key("HostConfig") || map.contains_key("State");
    let image = map.contains_key("RootFS")
        || map.contains_key("RepoTags")
        || (map.contains_key("rootfs") && map.contains_key("config"));
    image && !container
}

/// The images of a document: a list of images (`docker image inspect` output), or one.
pub fn inspect_images(document: &Value) -> Vec<ImageSpec> {
    match document {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter(|(_, item)| is_image(item))
            .map(|(i, item)| ImageSpec::read(item, FieldPath::root().index(i)))
            .collect(),
        one if is_image(one) => vec![ImageSpec::read(one, FieldPath::root())],
        _ => Vec::new(),
    }
}

/// One step of an image's history: the instruction that made a layer (or changed the
/// configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryStep {
    /// The Dockerfile keyword, upper case (`RUN`, `ADD`, `ENV`...); `RUN` for a command
    /// the history records without one (`docker commit`, the classic builder's `RUN`).
    pub keyword: String,
    /// What follows the keyword: a `RUN`'s shell command without the shell
    /// (`apt-get update`), an `ADD`'s sources and destination.
    pub text: String,
    /// Build arguments the step ran with, as recorded (`|1 TOKEN=x /bin/sh -c ...`).
    pub build_args: Vec<(String, String)>,
    /// Where the step is (`History[3].CreatedBy`).
    pub path: FieldPath,
}

/// Dockerfile keywords BuildKit writes at the start of a history entry.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl HistoryStep {
    /// Reads one `CreatedBy` (`created_by`) text as the classic builder (`/bin/sh -c
    /// #(nop)  ENV A=b`, `|1 A=b /bin/sh -c cmd`) or BuildKit (`RUN /bin/sh -c cmd #
    /// buildkit`, `ENV A=b`) writes it. `None` for an empty one (`docker import`).
    pub fn parse(created_by: &str, path: FieldPath) -> Option<Self> {
        let text = created_by.trim();
        let text = text.strip_suffix("# buildkit").unwrap_or(text).trim();
        if text.is_empty() {
            return None;
        }
        // Classic metadata instructions: `/bin/sh -c #(nop)  KEYWORD args`.
        if let Some((_, rest)) = text.split_once("#(nop)") {
            let rest = rest.trim();
            let (keyword, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            return Some(Self {
                keyword: keyword.to_ascii_uppercase(),
                text: args.trim().to_owned(),
                build_args: Vec::new(),
                path,
            });
        }
        let (keyword, rest) = match text.split_once(char::is_whitespace) {
            Some((word, rest)) if KEYWORDS.contains(&word) => (word, rest.trim()),
            _ => ("RUN", text),
        };
        if keyword != "RUN" {
            return Some(Self {
                keyword: keyword.to_owned(),
                text: rest.to_owned(),
                build_args: Vec::new(),
                path,
            });
        }
        let (build_args, command) = split_build_args(rest);
        Some(Self {
            keyword: "RUN".to_owned(),
            text: without_shell(command).to_owned(),
            build_args,
            path,
        })
    }
}

/// `|2 A=1 B=2 rest` into the build arguments and `rest`.
fn split_build_args(text: &str) -> (Vec<(String, String)>, &str) {
    let Some(count) = text
        .strip_prefix('|')
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return (Vec::new(), text);
    };
    let mut rest = text[1..].trim_start();
    rest = rest
        .split_once(char::is_whitespace)
        .map_or("", |(_, r)| r.trim_start());
    let mut args = Vec::new();
    for _ in 0..count {
        let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Some((name, value)) = word.split_once('=') {
            args.push((name.to_owned(), value.to_owned()));
        }
        rest = tail.trim_start();
    }
    (args, rest)
}

/// A shell command without its shell (`/bin/sh -c apt-get update` -> `apt-get update`).
fn without_shell(command: &str) -> &str {
    let shell = command
        .split_once(" -c ")
        .filter(|(shell, _)| {
            let program = shell.split_whitespace().next().unwrap_or_default();
            let name = program.rsplit('/').next().unwrap_or(program);
            matches!(name, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
        })
        .map(|(_, script)| script);
    shell.unwrap_or(command).trim()
}

/// An image, as the image rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// How reports name it: its first tag, else its short id.
    pub name: String,
    /// The image itself, from the document's root.
    pub path: FieldPath,
    /// Where its run configuration is (`Config`, or `config` in an OCI configuration).
    pub config_path: FieldPath,
    /// `Config.User`, when set and not empty.
    pub user: Option<Setting<String>>,
    /// `Config.Env` entries, `NAME=value`.
    pub env: Vec<Setting<String>>,
    /// `Config.ExposedPorts` keys (`22/tcp`).
    pub exposed: Vec<Setting<String>>,
    /// `Config.Healthcheck`: `Some(false)` when it is disabled (`NONE`), `Some(true)` when
    /// one is defined, `None` when there is none.
    pub healthcheck: Option<Setting<bool>>,
    /// `Config.Entrypoint` and `Config.Cmd` words.
    pub command: Vec<Setting<String>>,
    /// `Config.Labels`.
    pub labels: Vec<(String, String)>,
    /// The history, in the order given (the Engine API lists the newest step first).
    pub history: Vec<HistoryStep>,
}

impl ImageSpec {
    /// Reads one image at `path`.
    pub fn read(value: &Value, path: FieldPath) -> Self {
        let (config_key, history_key, created_by_key) = if value.get("Config").is_some() {
            ("Config", "History", "CreatedBy")
        } else if value.get("config").is_some() {
            ("config", "history", "created_by")
        } else {
            ("Config", "History", "CreatedBy")
        };
        let config = value.get(config_key).filter(|c| c.is_object());
        let config_path = path.child(config_key);
        let field = |key: &'static str| {
            config
                .and_then(|c| c.get(key))
                .filter(|v| !v.is_null())
                .map(|v| (v, config_path.child(key)))
        };
        let words = |key: &'static str| -> Vec<Setting<String>> {
            match field(key) {
                Some((Value::Array(items), at)) => items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| scalar_text(v).map(|t| Setting::new(t, at.index(i))))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut command = words("Entrypoint");
        command.extend(words("Cmd"));
        let history = value
            .get(history_key)
            .and_then(Value::as_array)
            .map(|steps| {
                steps
                    .iter()
                    .enumerate()
                    .filter_map(|(i, step)| {
                        let text = step.get(created_by_key).and_then(Value::as_str)?;
                        let at = path.child(history_key).index(i).child(created_by_key);
                        HistoryStep::parse(text, at)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            name: image_name(value),
            path,
            user: field("User")
                .and_then(|(v, at)| scalar_text(v).map(|t| Setting::new(t, at)))
                .filter(|user| !user.value.trim().is_empty()),
            env: words("Env"),
            exposed: match field("ExposedPorts") {
                Some((Value::Object(ports), at)) => ports
                    .keys()
                    .map(|port| Setting::new(port.clone(), at.key(port.clone())))
                    .collect(),
                _ => Vec::new(),
            },
            healthcheck: field("Healthcheck").map(|(check, at)| {
                Setting::new(!super::compose::is_none_test(check.get("Test")), at)
            }),
            command,
            labels: match field("Labels") {
                Some((Value::Object(labels), _)) => labels
                    .iter()
                    .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
                    .collect(),
                _ => Vec::new(),
            },
            history,
            config_path,
        }
    }

    /// Where the configuration field `key` is, or would be (`Config.User`).
    pub fn config_field(&self, key: &'static str) -> FieldPath {
        self.config_path.child(key)
    }

    /// `image "app:1.2"`, to name it in messages.
    pub fn describe(&self) -> String {
        format!("image {:?}", self.name)
    }

    /// The history steps with `keyword` (`RUN`, `ADD`...).
    pub fn steps<'s>(&'s self, keyword: &'s str) -> impl Iterator<Item = &'s HistoryStep> + 's {
        self.history.iter().filter(move |s| s.keyword == keyword)
    }
}

/// The first tag (`app:1.2`), else the short id (`3f57d9401f8d`), else empty.
fn image_name(value: &Value) -> String {
    let tag = value
        .get("RepoTags")
        .and_then(Value::as_array)
        .and_then(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "<none>:<none>")
        });
    if let Some(tag) = tag {
        return tag.to_owned();
    }
    value
        .get("Id")
        .and_then(Value::as_str)
        .map(|id| id.trim_start_matches("sha256:").chars().take(12).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(text: &str) -> HistoryStep {
        HistoryStep::parse(text, FieldPath::root()).expect("a step")
    }

    #[test]
    fn classic_builder_history() {
        let env = step("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2");
        assert_eq!(
            (env.keyword.as_str(), env.text.as_str()),
            ("ENV", "DB_PASSWORD=hunter2")
        );
        let add = step("/bin/sh -c #(nop) ADD 14836025bacea2b4 in /f.txt ");
        assert_eq!(
            (add.keyword.as_str(), add.text.as_str()),
            ("ADD", "14836025bacea2b4 in /f.txt")
        );
        let run = step("|1 TOKEN=ghp_x /bin/sh -c echo $TOKEN > /dev/null");
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.text, "echo $TOKEN > /dev/null");
        assert_eq!(
            run.build_args,
            vec![("TOKEN".to_owned(), "ghp_x".to_owned())]
        );
        assert_eq!(step("/bin/sh -c apt-get update").text, "apt-get update");
        assert!(HistoryStep::parse("", FieldPath::root()).is_none());
    }

    #[test]
    fn buildkit_history() {
        let run = step("RUN |2 A=1 B=2 /bin/sh -c curl -fsSL https://x | sh # buildkit");
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.text, "curl -fsSL https://x | sh");
        assert_eq!(run.build_args.len(), 2);
        let add = step("ADD https://example.com/app.tgz /opt/ # buildkit");
        assert_eq!(
            (add.keyword.as_str(), add.text.as_str()),
            ("ADD", "https://example.com/app.tgz /opt/")
        );
        assert_eq!(step("USER app").keyword, "USER");
        let commit = step("/bin/sh");
        assert_eq!(
            (commit.keyword.as_str(), commit.text.as_str()),
            ("RUN", "/bin/sh")
        );
    }

    #[test]
    fn engine_and_oci_shapes() {
        let engine = json!({
            "Id": "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
            "RepoTags": ["app:1.2"],
            "RootFS": {"Type": "layers"},
            "Config": {"User": "", "Env": ["A=b"], "ExposedPorts": {"22/tcp": {}}},
            "History": [{"CreatedBy": "/bin/sh -c #(nop)  USER 0"}]
        });
        let image = ImageSpec::read(&engine, FieldPath::root());
        assert_eq!(image.name, "app:1.2");
        assert_eq!(image.user, None);
        assert_eq!(image.config_field("User").to_string(), "Config.User");
        assert_eq!(
            image.exposed[0].path.to_string(),
            "Config.ExposedPorts[22/tcp]"
        );
        assert_eq!(image.history[0].path.to_string(), "History[0].CreatedBy");
        assert!(is_image(&engine));

        let oci = json!({
            "rootfs": {"type": "layers"},
            "config": {"User": "app", "Healthcheck": {"Test": ["NONE"]}},
            "history": [{"created_by": "RUN /bin/sh -c apk upgrade # buildkit"}]
        });
        let image = ImageSpec::read(&oci, FieldPath::root());
        assert_eq!(
            image.user.map(|u| u.path.to_string()),
            Some("config.User".to_owned())
        );
        assert_eq!(image.healthcheck.map(|h| h.value), Some(false));
        assert_eq!(image.history[0].path.to_string(), "history[0].created_by");
        assert!(is_image(&oci));
        assert!(!is_image(
            &json!({"Id": "x", "Config": {}, "HostConfig": {}})
        ));
    }
}
