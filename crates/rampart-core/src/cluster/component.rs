//! Control-plane components and node agents, recognised in pods by the program their
//! container starts (directly, through a wrapper such as kops' `/go-runner`, or in a
//! `sh -c "exec kube-apiserver ..."` script) or, without a command, by their image.

use std::borrow::Cow;

use crate::field_path::FieldPath;
use crate::object::{ContainerView, PodView};

/// A Kubernetes component whose configuration rampart judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
    /// `kube-scheduler`.
    Scheduler,
    /// `etcd`.
    Etcd,
    /// The `kubelet` (configured by a KubeletConfiguration file and flags).
    Kubelet,
}

/// Programs that start another program named among their arguments.
const WRAPPERS: &[&str] = &[
    "go-runner",
    "tini",
    "dumb-init",
    "catatonit",
    "env",
    "nice",
    "ionice",
    "chroot",
];

/// Shells whose `-c` script may start a component.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// How a container starts a component: which one, and the words of its command line
/// after the program, each with the list item it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch<'c> {
    /// The component started.
    pub component: Component,
    /// Its arguments (for a shell script, split from the script, all at the script's item).
    pub words: Vec<(Cow<'c, str>, FieldPath)>,
    /// Where to point when a flag is absent: the container's `command`, else its
    /// `args`, else the container.
    pub anchor: FieldPath,
}

impl Component {
    /// The components that run as static pods on a control-plane node.
    pub const STATIC_PODS: [Self; 4] = [
        Self::ApiServer,
        Self::ControllerManager,
        Self::Scheduler,
        Self::Etcd,
    ];

    /// The binary's name.
    pub fn binary(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Etcd => "etcd",
            Self::Kubelet => "kubelet",
        }
    }

    /// etcd parses flags with Go's `flag` package, which also accepts `-flag`.
    pub fn accepts_single_dash(self) -> bool {
        self == Self::Etcd
    }

    /// Whether the binary's flag `name` is a list that each occurrence appends to (pflag
    /// string slices and arrays, and the `key=value` maps of feature gates and runtime
    /// config), rather than a value the last occurrence sets. etcd's flags (Go's `flag`
    /// package) are all set by their last occurrence.
    pub fn accumulates(self, flag: &str) -> bool {
        let lists: &[&str] = match self {
            Self::ApiServer => &[
                "admission-control",
                "api-audiences",
                "authorization-mode",
                "cors-allowed-origins",
                "disable-admission-plugins",
                "enable-admission-plugins",
                "etcd-servers",
                "feature-gates",
                "runtime-config",
                "service-account-issuer",
                "service-account-key-file",
                "tls-cipher-suites",
                "tls-sni-cert-key",
            ],
            Self::ControllerManager => &["controllers", "feature-gates", "tls-cipher-suites"],
            Self::Scheduler => &["feature-gates", "tls-cipher-suites"],
            Self::Kubelet => &["feature-gates", "tls-cipher-suites"],
            Self::Etcd => &[],
        };
        lists.contains(&flag)
    }

    fn named(program: &str) -> Option<Self> {
        Self::STATIC_PODS
            .into_iter()
            .chain([Self::Kubelet])
            .find(|component| component.binary() == basename(program))
    }

    /// The component a container runs: its command's program, the program a wrapper
    /// or a shell script starts, or (without a command) its image's repository name.
    pub fn of_container(container: &ContainerView<'_>) -> Option<Self> {
        Launch::of(container).map(|launch| launch.component)
    }

    /// The containers of `pod` that run this component.
    pub fn containers(self, pod: &PodView) -> impl Iterator<Item = ContainerView<'_>> {
        pod.containers()
            .filter(move |c| Self::of_container(c) == Some(self))
    }
}

/// Where a container's component command line starts, among its words (`command`
/// then `args`).
enum Start {
    /// The component's arguments start at this word.
    Words(usize),
    /// The component runs in the shell script at this word.
    Script(usize),
}

/// Which component a container starts and where its arguments begin, from its words
/// (`command` then `args`), whether it has a `command`, and its image.
fn detect(words: &[&str], has_command: bool, image: Option<&str>) -> Option<(Component, Start)> {
    if !has_command {
        return Some((Component::named(image_name(image?))?, Start::Words(0)));
    }
    let program = basename(words.first()?);
    if let Some(component) = Component::named(program) {
        return Some((component, Start::Words(1)));
    }
    if WRAPPERS.contains(&program) {
        let at = words
            .iter()
            .skip(1)
            .position(|w| !w.starts_with('-') && Component::named(w).is_some())?
            + 1;
        return Some((Component::named(words[at])?, Start::Words(at + 1)));
    }
    if SHELLS.contains(&program) {
        let at = words.iter().position(|w| {
            w.strip_prefix('-')
                .is_some_and(|options| !options.starts_with('-') && options.contains('c'))
        })? + 1;
        let (component, _) = script_words(words.get(at)?)?;
        return Some((component, Start::Script(at)));
    }
    None
}

/// The component a container of a pod's JSON starts, without typing the pod (for
/// deciding what to keep of an object cheaply).
pub(crate) fn starts_component(container: &serde_json::Value) -> Option<Component> {
    let strings = |field: &str| -> Vec<&str> {
        container[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .collect()
    };
    let command = strings("command");
    let mut words = command.clone();
    words.extend(strings("args"));
    detect(&words, !command.is_empty(), container["image"].as_str()).map(|(c, _)| c)
}

impl<'c> Launch<'c> {
    /// How `container` starts a component, if it does.
    pub fn of(container: &ContainerView<'c>) -> Option<Self> {
        let c = &container.container;
        let words: Vec<(&'c str, FieldPath)> = [("command", c.command), ("args", c.args)]
            .into_iter()
            .flat_map(|(field, list)| {
                let base = container.path.child(field);
                list.iter()
                    .enumerate()
                    .map(move |(i, word)| (word.as_str(), base.index(i)))
            })
            .collect();
        let anchor = if !c.command.is_empty() {
            container.path.child("command")
        } else if !c.args.is_empty() {
            container.path.child("args")
        } else {
            container.path.clone()
        };
        let texts: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
        let (component, start) = detect(&texts, !c.command.is_empty(), c.image)?;
        let words = match start {
            Start::Words(from) => words
                .get(from..)
                .unwrap_or_default()
                .iter()
                .map(|(w, p)| (Cow::Borrowed(*w), p.clone()))
                .collect(),
            Start::Script(at) => {
                let (script, path) = words.get(at)?;
                script_words(script)?
                    .1
                    .into_iter()
                    .map(|w| (Cow::Owned(w), path.clone()))
                    .collect()
            }
        };
        Some(Self {
            component,
            words,
            anchor,
        })
    }
}

/// A shell script that starts a component (`exec kube-apiserver --flag ...`): the
/// component and its words up to the first shell operator.
fn script_words(script: &str) -> Option<(Component, Vec<String>)> {
    let mut split = crate::docker::words(script)
        .into_iter()
        .skip_while(|w| w == "exec" || (w.contains('=') && !w.starts_with('-')));
    let component = Component::named(&split.next()?)?;
    let mut out = Vec::new();
    for word in split {
        if matches!(word.as_str(), "&&" | "||" | ";" | "|" | "&") {
            break;
        }
        if let Some(last) = word.strip_suffix(';') {
            out.push(last.to_owned());
            break;
        }
        out.push(word);
    }
    Some((component, out))
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `registry.k8s.io/kube-apiserver:v1.31.0@sha256:...` -> `kube-apiserver`.
fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = basename(without_digest);
    last.split(':').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(image_name("registry.k8s.io/etcd:3.5.15-0"), "etcd");
        assert_eq!(image_name("kube-apiserver@sha256:abc"), "kube-apiserver");
        assert_eq!(basename("/usr/local/bin/kube-scheduler"), "kube-scheduler");
    }

    #[test]
    fn shell_scripts() {
        let apiserver = [
            "/bin/sh",
            "-c",
            "exec /usr/local/bin/kube-apiserver --a=1 --b 2 && echo x",
        ];
        assert!(matches!(
            detect(&apiserver, true, None),
            Some((Component::ApiServer, Start::Script(2)))
        ));
        assert_eq!(
            script_words(apiserver[2]).map(|(_, w)| w),
            Some(vec!["--a=1".into(), "--b".into(), "2".into()])
        );
        let scheduler = ["sh", "-ec", "GOGC=50 kube-scheduler --profiling=true;"];
        assert_eq!(
            script_words(scheduler[2]),
            Some((Component::Scheduler, vec!["--profiling=true".into()]))
        );
        assert!(detect(&["sh", "-c", "echo kube-apiserver"], true, None).is_none());
        let go_runner = [
            "/go-runner",
            "--log-file=/var/log/kube-apiserver.log",
            "--also-stdout",
            "/usr/local/bin/kube-apiserver",
            "--anonymous-auth=false",
        ];
        assert!(matches!(
            detect(&go_runner, true, None),
            Some((Component::ApiServer, Start::Words(4)))
        ));
        assert!(
            detect(
                &["/go-runner", "/usr/local/bin/app", "--etcd=etcd"],
                true,
                None
            )
            .is_none()
        );
        assert!(matches!(
            detect(&[], false, Some("registry.k8s.io/etcd:3.5.15-0")),
            Some((Component::Etcd, Start::Words(0)))
        ));
    }
}
