//! The declarative table behind the CIS flag and kubelet rules: each rule names the
//! component, the setting(s) with their binary defaults, and the expected effective
//! value. One evaluator judges every entry, from a command line or a config file.

use serde_json::Value;

use crate::cluster::files::value_text;
use crate::cluster::{
    CommandLine, Component, ConfigFile, Kubelet, Launch, Location, NodeFile, NodeFileKind,
    kubelets, list_items, map_item,
};
use crate::field_path::FieldPath;
use crate::object::PodView;
use crate::object::typed::value_at;
use crate::rules::cis::{report_cis, report_run_cis_as};
use crate::rules::{
    CheckContext, Checks, Findings, Rule, RuleMeta, RunContext, RunFindings, RunRule,
};

/// One setting: a flag and, for the kubelet, the KubeletConfiguration field that sets the
/// same thing. Defaults are what the binary uses when the setting is absent; they differ
/// between the kubelet's flags and its config file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting {
    /// Flag name without dashes; empty when only the config file has it.
    pub flag: &'static str,
    /// The value when the flag is absent (`None`: unset).
    pub flag_default: Option<&'static str>,
    /// The KubeletConfiguration field (empty when only the flag exists).
    pub field: &'static [&'static str],
    /// The value when the field is absent from the config file.
    pub file_default: Option<&'static str>,
    /// The config file replaces a zero duration by its default (v1beta1 defaulting of
    /// durations such as `streamingConnectionIdleTimeout`).
    pub file_zero_is_default: bool,
}

/// A flag of a control-plane component.
pub(crate) const fn flag(name: &'static str, default: Option<&'static str>) -> Setting {
    Setting {
        flag: name,
        flag_default: default,
        field: &[],
        file_default: None,
        file_zero_is_default: false,
    }
}

/// A kubelet setting: its flag and config-file field, each with its own default.
pub(crate) const fn kubelet(
    name: &'static str,
    flag_default: Option<&'static str>,
    field: &'static [&'static str],
    file_default: Option<&'static str>,
) -> Setting {
    Setting {
        flag: name,
        flag_default,
        field,
        file_default,
        file_zero_is_default: false,
    }
}

/// A kubelet duration setting: in the config file a zero duration means the default.
pub(crate) const fn kubelet_duration(
    name: &'static str,
    default: &'static str,
    field: &'static [&'static str],
) -> Setting {
    Setting {
        file_zero_is_default: true,
        ..kubelet(name, Some(default), field, Some(default))
    }
}

/// True for a Go duration of zero (`0`, `0s`, `0h0m0s`).
fn is_zero_duration(text: &str) -> bool {
    !text.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// What the effective value must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect {
    /// Equal to this (booleans compared case-insensitively).
    Is(&'static str),
    /// Set to anything non-empty.
    Set,
    /// Not set.
    Unset,
    /// A comma list containing this item.
    Includes(&'static str),
    /// A comma list without this item (unset passes).
    Excludes(&'static str),
    /// A number at least this large.
    AtLeast(i64),
    /// A loopback address.
    Loopback,
    /// A duration other than zero (unset passes only through its default).
    NonZeroDuration,
    /// A feature-gate list that does not switch this gate off.
    GateNotOff(&'static str),
    /// A cipher-suite list of only AEAD suites with forward secrecy.
    StrongCiphers,
    /// A URL list without plaintext `http://` URLs, except on loopback addresses.
    NoRemotePlaintextUrls,
}

/// TLS 1.2 ECDHE suites with AEAD ciphers, and the TLS 1.3 suites (CIS 1.2.29, 4.2.12).
const STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

impl Expect {
    /// Whether the effective value (`None`: unset) is acceptable.
    pub(crate) fn holds(self, value: Option<&str>) -> bool {
        let value = value.map(str::trim);
        match self {
            Self::Is(wanted) => value.is_some_and(|v| v.eq_ignore_ascii_case(wanted)),
            Self::Set => value.is_some_and(|v| !v.is_empty()),
            Self::Unset => value.is_none_or(str::is_empty),
            Self::Includes(item) => value.is_some_and(|v| list_items(v).any(|i| i == item)),
            Self::Excludes(item) => value.is_none_or(|v| list_items(v).all(|i| i != item)),
            Self::AtLeast(min) => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|n| n >= min),
            Self::Loopback => value.is_some_and(is_loopback),
            Self::NonZeroDuration => {
                value.is_some_and(|v| v.chars().any(|c| c.is_ascii_digit() && c != '0'))
            }
            Self::GateNotOff(gate) => value
                .and_then(|v| map_item(v, gate))
                .is_none_or(|v| !v.eq_ignore_ascii_case("false")),
            Self::NoRemotePlaintextUrls => value.is_none_or(|v| {
                list_items(v).all(|url| {
                    url.strip_prefix("http://")
                        .is_none_or(|rest| is_loopback(rest.split('/').next().unwrap_or(rest)))
                })
            }),
            Self::StrongCiphers => value.is_some_and(|v| {
                let mut items = list_items(v).peekable();
                items.peek().is_some() && items.all(|c| STRONG_CIPHERS.contains(&c))
            }),
        }
    }

    /// The accepted value in a few words (`set`, `true`).
    fn describe_value(self) -> String {
        match self {
            Self::Is(v) => v.to_owned(),
            Self::Set => "set".to_owned(),
            other => other.wanted(),
        }
    }

    /// Which of a list flag's occurrences decides the verdict, to point at it: the one
    /// holding the offending item where there is one, else the last.
    pub(crate) fn culprit(self, parts: &[&str]) -> usize {
        let last = parts.len().saturating_sub(1);
        let offending =
            |bad: &dyn Fn(&str) -> bool| parts.iter().rposition(|part| bad(part)).unwrap_or(last);
        match self {
            Self::Excludes(item) => offending(&|p| list_items(p).any(|i| i == item)),
            Self::GateNotOff(gate) => offending(&|p| map_item(p, gate).is_some()),
            Self::StrongCiphers | Self::NoRemotePlaintextUrls => {
                offending(&|p| !self.holds(Some(p)))
            }
            _ => last,
        }
    }

    /// The expectation in words, for messages.
    pub(crate) fn wanted(self) -> String {
        match self {
            Self::Is(v) => format!("expected {v}"),
            Self::Set => "expected it set".to_owned(),
            Self::Unset => "expected it unset".to_owned(),
            Self::Includes(item) => format!("expected a list including {item}"),
            Self::Excludes(item) => format!("expected {item} not listed"),
            Self::AtLeast(min) => format!("expected at least {min}"),
            Self::Loopback => "expected a loopback address such as 127.0.0.1".to_owned(),
            Self::NonZeroDuration => "expected a non-zero duration".to_owned(),
            Self::GateNotOff(gate) => format!("expected {gate} not switched off"),
            Self::StrongCiphers => {
                "expected only ECDHE suites with AES-GCM or CHACHA20-POLY1305".to_owned()
            }
            Self::NoRemotePlaintextUrls => {
                "expected https:// URLs (http:// only on loopback)".to_owned()
            }
        }
    }
}

fn is_loopback(address: &str) -> bool {
    let host = address
        .rsplit_once(':')
        .filter(|(host, _)| !host.is_empty() && !address.starts_with("::"))
        .map_or(address, |(host, _)| host)
        .trim_matches(['[', ']']);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A condition that moves the decision elsewhere when the checked settings are absent,
/// e.g. `--authorization-config` replaces `--authorization-mode`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiver {
    /// The setting that takes over.
    pub setting: Setting,
    /// When it takes over.
    pub expect: Expect,
}

/// One catalogue rule over component settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SettingCheck {
    /// The rule (its references carry the CIS id).
    pub meta: RuleMeta,
    /// The component whose settings are judged.
    pub component: Component,
    /// The settings; each must satisfy `expect`.
    pub settings: &'static [Setting],
    /// The expected effective value.
    pub expect: Expect,
    /// When absent settings are decided by something else.
    pub waiver: Option<Waiver>,
}

impl SettingCheck {
    /// What the rule reads and the defaults it assumes, for the rule's documentation:
    /// ``kube-apiserver `--profiling` (default when absent: `true`); expected false``.
    pub(crate) fn settings_doc(&self) -> String {
        let shown = |value: Option<&str>| value.map_or("unset".to_owned(), |v| format!("`{v}`"));
        let mut sources = Vec::new();
        for setting in self.settings {
            if !setting.flag.is_empty() {
                sources.push(format!(
                    "{} `--{}` (default when absent: {})",
                    self.component.binary(),
                    setting.flag,
                    shown(setting.flag_default)
                ));
            }
            if !setting.field.is_empty() {
                sources.push(format!(
                    "KubeletConfiguration `{}` (default when absent: {})",
                    setting.field.join("."),
                    shown(setting.file_default)
                ));
            }
        }
        let mut doc = format!("{}; {}", sources.join("; "), self.expect.wanted());
        if let Some(waiver) = self.waiver {
            let flag =
                (!waiver.setting.flag.is_empty()).then(|| format!("`--{}`", waiver.setting.flag));
            let field = (!waiver.setting.field.is_empty())
                .then(|| format!("`{}`", waiver.setting.field.join(".")));
            let by = flag
                .into_iter()
                .chain(field)
                .collect::<Vec<_>>()
                .join(" / ");
            doc.push_str(&format!(
                "; not judged when absent and {by} is {} (it decides instead)",
                waiver.expect.describe_value()
            ));
        }
        doc.push('.');
        doc
    }

    /// The catalogue rule for this entry: a control-plane component's settings are
    /// judged in its pod, one object at a time.
    pub(crate) const fn rule(&'static self) -> Rule {
        Rule {
            meta: self.meta,
            checks: Checks::kubernetes(check_settings),
        }
    }

    /// The run rule for a kubelet entry: a kubelet's settings come from several files
    /// (flags, units, configuration), put together across the run.
    pub(crate) const fn run_rule(&'static self) -> RunRule {
        RunRule {
            meta: self.meta,
            check: check_kubelet_settings,
            fix: None,
        }
    }
}

/// Where settings are read from.
enum Source<'a> {
    /// A control-plane component's command line in its pod: absent flags take the
    /// binary's defaults.
    CommandLine {
        line: &'a CommandLine,
        component: Component,
    },
    /// A kubelet: its command line over its configuration files (see [`Kubelet`]).
    Kubelet {
        kubelet: &'a Kubelet,
        /// The configuration files' objects and documents, lowest first.
        configs: &'a [(usize, Value)],
    },
}

/// A setting's effective value and where it was set (or, for a default, where the
/// component or file that applies it is).
struct Observed {
    value: Option<String>,
    at: Location,
    /// Who set it, for messages: `kube-apiserver`, `kubelet`, `kubelet config`.
    who: &'static str,
    /// The setting as written: `--profiling`, `authentication.anonymous.enabled`.
    shown: String,
    explicit: bool,
    /// How many flag occurrences made up a list value.
    occurrences: usize,
}

impl Source<'_> {
    fn observe(&self, setting: &Setting, expect: Expect) -> Option<Observed> {
        let (line, component) = match self {
            Self::CommandLine { line, component } => (*line, *component),
            Self::Kubelet { kubelet, .. } => (&kubelet.line, Component::Kubelet),
        };
        if let Expect::GateNotOff(gate) = expect {
            return self.observe_gate(setting, gate, line);
        }
        if let Some(flag) = from_flag(line, component, setting.flag, expect) {
            return Some(flag);
        }
        match self {
            Self::CommandLine { line, component } => (!setting.flag.is_empty()).then(|| Observed {
                value: setting.flag_default.map(str::to_owned),
                at: line.anchor.clone(),
                who: component.binary(),
                shown: format!("--{}", setting.flag),
                explicit: false,
                occurrences: 0,
            }),
            Self::Kubelet { kubelet, configs } => {
                if let Some(found) = from_configs(configs, setting) {
                    return Some(found);
                }
                let path = FieldPath::fields(setting.field);
                match configs.first() {
                    Some((object, _)) if !setting.field.is_empty() => Some(Observed {
                        value: setting.file_default.map(str::to_owned),
                        at: Location::new(*object, path),
                        who: "kubelet config",
                        shown: setting.field.join("."),
                        explicit: false,
                        occurrences: 0,
                    }),
                    // The whole command line is known and no file can set it.
                    _ if !setting.flag.is_empty()
                        && kubelet.complete
                        && (setting.field.is_empty()
                            || (configs.is_empty() && !kubelet.config_unknown)) =>
                    {
                        Some(Observed {
                            value: setting.flag_default.map(str::to_owned),
                            at: kubelet.line.anchor.clone(),
                            who: "kubelet",
                            shown: format!("--{}", setting.flag),
                            explicit: false,
                            occurrences: 0,
                        })
                    }
                    _ => None,
                }
            }
        }
    }

    /// A feature gate, key by key: a flag naming it wins over the files, a later file
    /// over an earlier one (the kubelet merges gates this way); unnamed, it is at its
    /// default (on, for the gates rules ask about).
    fn observe_gate(&self, setting: &Setting, gate: &str, line: &CommandLine) -> Option<Observed> {
        let named = |text: &str| map_item(text, gate).is_some();
        let flag = line
            .flags
            .iter()
            .rev()
            .find(|f| f.name == setting.flag && named(&f.value));
        if let Some(word) = flag {
            let value = map_item(&word.value, gate).map(|v| format!("{gate}={v}"));
            return Some(Observed {
                value,
                at: word.at.clone(),
                who: self.who(),
                shown: format!("--{}", setting.flag),
                explicit: true,
                occurrences: 1,
            });
        }
        let Self::Kubelet { configs, .. } = self else {
            return None;
        };
        configs.iter().rev().find_map(|(object, config)| {
            let path = FieldPath::fields(setting.field).key(gate);
            let value = value_at(config, &path).and_then(value_text)?;
            Some(Observed {
                value: Some(format!("{gate}={value}")),
                at: Location::new(*object, path),
                who: "kubelet config",
                shown: setting.field.join("."),
                explicit: true,
                occurrences: 1,
            })
        })
    }

    fn who(&self) -> &'static str {
        match self {
            Self::CommandLine { component, .. } => component.binary(),
            Self::Kubelet { .. } => "kubelet",
        }
    }
}

/// The setting's flag on the command line: its last occurrence, or for a list flag
/// every occurrence together, located at the occurrence that decides the verdict.
fn from_flag(
    line: &CommandLine,
    component: Component,
    flag: &str,
    expect: Expect,
) -> Option<Observed> {
    if flag.is_empty() {
        return None;
    }
    let found = line.value(flag, component.accumulates(flag))?;
    let parts: Vec<&str> = found.words.iter().map(|w| w.value.as_str()).collect();
    let blamed = found.words.get(expect.culprit(&parts))?;
    Some(Observed {
        value: Some(found.value.clone()),
        at: blamed.at.clone(),
        who: component.binary(),
        shown: format!("--{flag}"),
        explicit: true,
        occurrences: found.words.len(),
    })
}

/// The setting's field in the kubelet's configuration files, the last file setting it
/// winning. A zero duration is the default where the file format says so.
fn from_configs(configs: &[(usize, Value)], setting: &Setting) -> Option<Observed> {
    if setting.field.is_empty() {
        return None;
    }
    let path = FieldPath::fields(setting.field);
    configs.iter().rev().find_map(|(object, config)| {
        let found = value_at(config, &path)
            .and_then(value_text)
            .filter(|v| !(setting.file_zero_is_default && is_zero_duration(v)))?;
        Some(Observed {
            value: Some(found),
            at: Location::new(*object, path.clone()),
            who: "kubelet config",
            shown: setting.field.join("."),
            explicit: true,
            occurrences: 1,
        })
    })
}

/// Judges one source against `check`, reporting each failing setting.
fn evaluate(check: &SettingCheck, source: &Source<'_>, report: &mut dyn FnMut(Location, String)) {
    for setting in check.settings {
        let Some(observed) = source.observe(setting, check.expect) else {
            continue;
        };
        if !observed.explicit
            && check.waiver.is_some_and(|w| {
                source
                    .observe(&w.setting, w.expect)
                    .is_some_and(|o| w.expect.holds(o.value.as_deref()))
            })
        {
            continue;
        }
        if check.expect.holds(observed.value.as_deref()) {
            continue;
        }
        let state = match (&observed.value, observed.explicit) {
            (Some(value), true) if observed.occurrences > 1 => format!(
                "{}={value} (given {} times: the lists add up)",
                observed.shown, observed.occurrences
            ),
            (Some(value), true) => format!("{}={value}", observed.shown),
            (Some(value), false) => {
                format!("{} is not set and defaults to {value}", observed.shown)
            }
            (None, _) => format!("{} is not set", observed.shown),
        };
        report(
            observed.at,
            format!("{} {state}; {}", observed.who, check.expect.wanted()),
        );
    }
}

/// The check of every control-plane [`SettingCheck`] rule: finds its table entry by id
/// and judges the command line of each container running the component.
fn check_settings(ctx: &CheckContext<'_>, out: &mut Findings) {
    let Some(pod) = ctx.pod else { return };
    let Some(check) = super::setting_check(out.rule().id) else {
        return;
    };
    for container in pod.containers() {
        let Some(launch) = Launch::of(&container).filter(|l| l.component == check.component) else {
            continue;
        };
        let line = CommandLine::of_launch(&launch, &container);
        let source = Source::CommandLine {
            line: &line,
            component: check.component,
        };
        evaluate(check, &source, &mut |at, message| {
            report_cis(out, at.path, message);
        });
    }
}

/// The check of every kubelet [`SettingCheck`] rule, over the whole run: each kubelet
/// the scan describes (see [`crate::cluster::node`]) judged on its effective settings.
fn check_kubelet_settings(ctx: &RunContext<'_>, out: &mut RunFindings) {
    let Some(check) = super::setting_check(out.rule().id) else {
        return;
    };
    for (kubelet, configs) in kubelets_of_run(ctx) {
        let source = Source::Kubelet {
            kubelet: &kubelet,
            configs: &configs,
        };
        let severity = out.rule().severity;
        evaluate(check, &source, &mut |at, message| {
            report_run_cis_as(out, severity, at.object, at.path, message);
        });
    }
}

/// The kubelets of a run with their configuration documents: from the node files
/// (flags files, units, KubeletConfigurations) and from pods that run the kubelet.
pub(super) fn kubelets_of_run(ctx: &RunContext<'_>) -> Vec<(Kubelet, Vec<(usize, Value)>)> {
    let mut values: Vec<(usize, NodeFileKind, Value)> = Vec::new();
    let mut found = Vec::new();
    for (index, object) in ctx.objects.iter().enumerate() {
        let kind = match ConfigFile::of(&object.id) {
            Some(ConfigFile::Kubelet) => NodeFileKind::Config,
            Some(ConfigFile::KubeletFlags) => NodeFileKind::Flags,
            _ => {
                if object.whole {
                    found.extend(pod_kubelets(ctx, index));
                }
                continue;
            }
        };
        values.push((index, kind, object.value()));
    }
    let files: Vec<NodeFile<'_>> = values
        .iter()
        .map(|(index, kind, value)| NodeFile {
            object: *index,
            file: &ctx.objects[*index].file_name,
            kind: *kind,
            value,
        })
        .collect();
    let documents: std::collections::HashMap<usize, &Value> =
        values.iter().map(|(i, _, v)| (*i, v)).collect();
    let mut from_files: Vec<(Kubelet, Vec<(usize, Value)>)> = kubelets(&files)
        .into_iter()
        .map(|kubelet| {
            let configs = kubelet
                .configs
                .iter()
                .filter_map(|i| Some((*i, (*documents.get(i)?).clone())))
                .collect();
            (kubelet, configs)
        })
        .collect();
    from_files.append(&mut found);
    from_files
}

/// The kubelets a pod runs (a kubelet in a container: its command line is the whole
/// story), located in the pod's object.
fn pod_kubelets(ctx: &RunContext<'_>, index: usize) -> Vec<(Kubelet, Vec<(usize, Value)>)> {
    let object = &ctx.objects[index];
    let Some(location) = ctx.workloads.template_of(&object.id) else {
        return Vec::new();
    };
    let value = object.value();
    let Ok(Some(pod)) = PodView::read(&value, location) else {
        return Vec::new();
    };
    pod.containers()
        .filter_map(|container| {
            let launch = Launch::of(&container).filter(|l| l.component == Component::Kubelet)?;
            let mut line = CommandLine::of_launch(&launch, &container);
            line.anchor.object = index;
            for flag in &mut line.flags {
                flag.at.object = index;
            }
            Some((Kubelet::of_command_line(line), Vec::new()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates() {
        assert!(Expect::Loopback.holds(Some("127.0.0.1")));
        assert!(Expect::Loopback.holds(Some("127.0.0.1:10257")));
        assert!(Expect::Loopback.holds(Some("::1")));
        assert!(Expect::Loopback.holds(Some("[::1]:80")));
        assert!(!Expect::Loopback.holds(Some("0.0.0.0")));
        assert!(!Expect::Loopback.holds(None));
        assert!(Expect::NonZeroDuration.holds(Some("4h0m0s")));
        assert!(!Expect::NonZeroDuration.holds(Some("0s")));
        assert!(Expect::GateNotOff("G").holds(Some("A=true")));
        assert!(!Expect::GateNotOff("G").holds(Some("A=true,G=false")));
        assert!(Expect::Excludes("AlwaysAdmit").holds(None));
        assert!(!Expect::Includes("Node").holds(Some("AlwaysAllow")));
        assert!(Expect::StrongCiphers.holds(Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")));
        assert!(!Expect::StrongCiphers.holds(Some("TLS_RSA_WITH_AES_128_CBC_SHA")));
        assert!(Expect::Is("false").holds(Some("False")));
        assert!(Expect::AtLeast(30).holds(Some("30")));
        let urls = Expect::NoRemotePlaintextUrls;
        assert!(urls.holds(Some("https://10.0.0.1:2379,http://127.0.0.1:2379")));
        assert!(urls.holds(Some("http://localhost:2379")));
        assert!(!urls.holds(Some("https://127.0.0.1:2379,http://10.0.0.1:2379")));
        assert!(!Expect::AtLeast(30).holds(Some("x")));
    }
}
