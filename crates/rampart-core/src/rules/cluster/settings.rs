//! The declarative table behind the CIS flag and kubelet rules: each rule names the
//! component, the setting(s) with their binary defaults, and the expected effective
//! value. One evaluator judges every entry, from a command line or a config file.

use serde_json::Value;

use crate::cluster::files::value_text;
use crate::cluster::{CommandLine, Component, ConfigFile, list_items, map_item};
use crate::field_path::FieldPath;
use crate::object::typed::value_at;
use crate::rules::cis::report_cis;
use crate::rules::{CheckContext, Checks, Findings, Rule, RuleMeta};

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

    /// The catalogue rule for this entry.
    pub(crate) const fn rule(&'static self) -> Rule {
        Rule {
            meta: self.meta,
            checks: Checks::kubernetes(check_settings),
        }
    }
}

/// Where settings are read from.
enum Source<'a> {
    /// A command line. Absent flags take the binary's default only when the line is the
    /// whole story (a container's command); a flags file sits next to a config file,
    /// which decides what the flags leave out.
    CommandLine {
        line: &'a CommandLine,
        absent_uses_default: bool,
    },
    KubeletFile(&'a Value),
}

/// A setting's effective value and where it is (or would be).
struct Observed {
    value: Option<String>,
    path: FieldPath,
    shown: String,
    explicit: bool,
}

impl Source<'_> {
    fn observe(&self, setting: &Setting) -> Option<Observed> {
        match self {
            Self::CommandLine {
                line,
                absent_uses_default,
            } => {
                if setting.flag.is_empty() {
                    return None;
                }
                let shown = format!("--{}", setting.flag);
                Some(match line.get(setting.flag) {
                    Some(word) => Observed {
                        value: Some(word.value.clone()),
                        path: word.path.clone(),
                        shown,
                        explicit: true,
                    },
                    None if !absent_uses_default => return None,
                    None => Observed {
                        value: setting.flag_default.map(str::to_owned),
                        path: line.anchor.clone(),
                        shown,
                        explicit: false,
                    },
                })
            }
            Self::KubeletFile(object) => {
                if setting.field.is_empty() {
                    return None;
                }
                let path = FieldPath::fields(setting.field);
                let found = value_at(object, &path)
                    .and_then(value_text)
                    .filter(|v| !(setting.file_zero_is_default && is_zero_duration(v)));
                Some(Observed {
                    explicit: found.is_some(),
                    value: found.or_else(|| setting.file_default.map(str::to_owned)),
                    shown: setting.field.join("."),
                    path,
                })
            }
        }
    }
}

fn evaluate(check: &SettingCheck, source: &Source<'_>, who: &str, out: &mut Findings) {
    for setting in check.settings {
        let Some(observed) = source.observe(setting) else {
            continue;
        };
        if !observed.explicit
            && check.waiver.is_some_and(|w| {
                source
                    .observe(&w.setting)
                    .is_some_and(|o| w.expect.holds(o.value.as_deref()))
            })
        {
            continue;
        }
        if check.expect.holds(observed.value.as_deref()) {
            continue;
        }
        let state = match (&observed.value, observed.explicit) {
            (Some(value), true) => format!("{}={value}", observed.shown),
            (Some(value), false) => {
                format!("{} is not set and defaults to {value}", observed.shown)
            }
            (None, _) => format!("{} is not set", observed.shown),
        };
        report_cis(
            out,
            observed.path,
            format!("{who} {state}; {}", check.expect.wanted()),
        );
    }
}

/// The check of every [`SettingCheck`] rule: finds its table entry by id.
fn check_settings(ctx: &CheckContext<'_>, out: &mut Findings) {
    let runs_component = ctx.pod.is_some_and(|pod| {
        pod.containers()
            .any(|c| Component::of_container(&c).is_some())
    });
    let kubelet_file = matches!(
        ConfigFile::of(&ctx.object.id),
        Some(ConfigFile::Kubelet | ConfigFile::KubeletFlags)
    );
    if !runs_component && !kubelet_file {
        return;
    }
    let Some(check) = super::setting_check(out.rule().id) else {
        return;
    };
    if let Some(pod) = ctx.pod {
        for container in check.component.containers(pod) {
            let line = CommandLine::of_container(&container, check.component.accepts_single_dash());
            let source = Source::CommandLine {
                line: &line,
                absent_uses_default: true,
            };
            evaluate(check, &source, check.component.binary(), out);
        }
    }
    if check.component != Component::Kubelet {
        return;
    }
    match ConfigFile::of(&ctx.object.id) {
        Some(ConfigFile::Kubelet) => {
            evaluate(
                check,
                &Source::KubeletFile(ctx.object.value),
                "kubelet config",
                out,
            );
        }
        Some(ConfigFile::KubeletFlags) => {
            let line = CommandLine::of_flags_document(ctx.object.value);
            let source = Source::CommandLine {
                line: &line,
                absent_uses_default: false,
            };
            evaluate(check, &source, "kubelet", out);
        }
        _ => {}
    }
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
