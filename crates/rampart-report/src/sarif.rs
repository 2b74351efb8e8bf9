//! SARIF 2.1.0 for code-scanning UIs: rule metadata, real regions, fingerprints. Live
//! objects (a container read from the Docker Engine) have no file: their results carry
//! logical locations only; a host file judged by its owner and mode is a physical location
//! without a region.

use std::io::{self, Write};

use rampart_core::Severity;
use rampart_core::baseline::Fingerprint;
use rampart_core::fix::{Replacement, Suggestion};
use rampart_core::rules::{RuleMeta, squash};
use rampart_core::scan::LocatedFinding;
use rampart_core::source::{InputError, Pos};
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{FileReport, ScanReport, Source};
use crate::stream::Streamed;

pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub(crate) const INFORMATION_URI: &str = "https://github.com/rampart-dev/rampart";

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's numeric `security-severity` for a severity.
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub(crate) fn rule_descriptor(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": squash(meta.why)},
        "help": {
            "text": squash(meta.fix),
            "markdown": crate::sarif::help_markdown(meta),
        },
        "helpUri": format!("{INFORMATION_URI}/blob/main/docs/rules.md#{}", meta.id),
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {
            "tags": ["security", "kubernetes"],
            "security-severity": security_severity(meta.severity),
            "references": meta.references,
        },
    })
}

fn help_markdown(meta: &RuleMeta) -> String {
    format!(
        "{}\n\n**Fix:** {}\n\n**References:** {}",
        squash(meta.why),
        squash(meta.fix),
        meta.references.join("; ")
    )
}

/// The hash of `parts` for `partialFingerprints` (the baselines' FNV-1a).
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    rampart_core::baseline::hash_parts(parts)
}

/// A file name as SARIF names it: `/` separators, no leading `./`.
fn uri(file: &str) -> String {
    file.trim_start_matches("./").replace('\\', "/")
}

/// Percent-encodes every byte of `text` that is neither ASCII alphanumeric nor in `keep`.
pub(crate) fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes what a URI path cannot hold as it is (spaces, `%`, `#`, `?`, non-ASCII
/// bytes...); `/` and the characters RFC 3986 allows in a path segment stay.
fn encode_path(path: &str) -> String {
    percent_encode(path, b"-._~!$&'()*+,;=:@/")
}

/// True for a Windows path that starts at a drive (`C:/...`, after [`uri`]).
fn is_drive_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/'
}

/// Where a result or a notification is: the file and the line and column in it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

impl PhysicalLocation {
    fn new(file: &str, pos: Pos) -> Self {
        Self {
            artifact_location: ArtifactLocation::new(file),
            region: Some(Region {
                start_line: pos.line,
                start_column: pos.column,
            }),
        }
    }

    /// Where a report's findings are: the file with a region, a host file without one, or
    /// nothing physical for a live object named by a URI (`docker://...`).
    fn of(file: &FileReport, pos: Option<Pos>) -> Option<Self> {
        match (file.source, pos) {
            (Source::Text, Some(pos)) => Some(Self::new(&file.file, pos)),
            _ if is_uri(&file.file) => None,
            _ => Some(Self {
                artifact_location: ArtifactLocation::new(&file.file),
                region: None,
            }),
        }
    }
}

/// True for `scheme://...` (a live object), false for a path.
fn is_uri(file: &str) -> bool {
    file.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

impl ArtifactLocation {
    /// Where a file is, as the SARIF spec (3.4.3, 3.4.4) wants it: a relative path is a
    /// relative reference resolved against `%SRCROOT%` (the directory the scan ran in);
    /// an absolute path (`/etc/docker/daemon.json`, `C:\k8s\app.yaml`,
    /// `\\server\share\app.yaml`) is a `file://` URI of its own, without a base (an
    /// absolute URI with a `uriBaseId` is forbidden). Characters a URI cannot hold are
    /// percent-encoded.
    pub(crate) fn new(file: &str) -> Self {
        let uri = uri(file);
        let absolute = if let Some(unc) = uri.strip_prefix("//") {
            Some(format!("file://{}", encode_path(unc)))
        } else if let Some(rooted) = uri.strip_prefix('/') {
            Some(format!("file:///{}", encode_path(rooted)))
        } else if is_drive_path(&uri) {
            Some(format!("file:///{}", encode_path(&uri)))
        } else {
            None
        };
        match absolute {
            Some(uri) => Self {
                uri,
                uri_base_id: None,
            },
            None => Self {
                uri: encode_path(&uri),
                uri_base_id: Some("%SRCROOT%"),
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

/// A finding's location: physical (none for a live object), and logical (the object and
/// field path).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    logical_locations: [LogicalLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// The finding's fingerprint (rule, object, field path with containers named: the one
/// baselines match on), so that code scanning tracks an alert across edits and moves.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "rampartFinding/v2")]
    finding: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
}

/// One `result`: a finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    level: &'static str,
    message: Message,
    locations: [ResultLocation; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    /// The finding's safe fix, which code-scanning UIs offer as a suggestion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Value>,
}

/// A SARIF `fix`: the replacements of one file.
fn sarif_fix(file: &str, fix: &Suggestion) -> Value {
    let region = |r: &Replacement| {
        json!({
            "startLine": r.start.line,
            "startColumn": r.start.column,
            "endLine": r.end.line,
            "endColumn": r.end.column,
            "charOffset": r.char_offset,
            "charLength": r.char_length,
        })
    };
    json!({
        "description": {"text": squash(fix.description)},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri(file), "uriBaseId": "%SRCROOT%"},
            "replacements": fix.replacements.iter().map(|r| json!({
                "deletedRegion": region(r),
                "insertedContent": {"text": r.text},
            })).collect::<Vec<_>>(),
        }],
    })
}

impl SarifResult {
    fn new(file: &FileReport, f: &LocatedFinding, rule_index: Option<usize>) -> Self {
        let object = format!(
            "{}/{}/{}",
            f.object.kind,
            f.object.namespace.as_deref().unwrap_or_default(),
            f.object.name.as_deref().unwrap_or_default()
        );
        let path = f.finding.path.to_string();
        // A live object is qualified by its URI (`docker://localhost/containers/web`).
        let qualified = match file.source {
            Source::Text => format!("{object}:{path}"),
            Source::Live => format!("{}#{path}", file.file),
        };
        Self {
            rule_id: f.finding.rule,
            level: level(f.finding.severity),
            message: Message {
                text: format!("{} [{object}: {path}]", f.finding.message),
            },
            partial_fingerprints: Fingerprints {
                finding: Fingerprint::of(f).hash(),
            },
            locations: [ResultLocation {
                physical_location: PhysicalLocation::of(file, f.pos),
                logical_locations: [LogicalLocation {
                    fully_qualified_name: qualified,
                    name: path,
                    kind: "member",
                }],
            }],
            properties: ResultProperties {
                severity: f.finding.severity.as_str(),
            },
            rule_index,
            fixes: file
                .fix_for(f)
                .map(|fix| sarif_fix(&file.file, fix))
                .into_iter()
                .collect(),
        }
    }
}

/// One tool execution notification: an input error or warning.
#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: MessageRef<'a>,
    locations: [NotificationLocation; 1],
}

#[derive(Serialize)]
struct MessageRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

impl<'a> Notification<'a> {
    fn new(file: &FileReport, error: &'a InputError, level: &'static str) -> Self {
        let pos = file.has_positions().then_some(error.pos);
        let physical_location = PhysicalLocation::of(file, pos);
        // A live object without a physical location is named logically.
        let logical_locations = match physical_location {
            Some(_) => Vec::new(),
            None => vec![LogicalLocation {
                name: file.file.clone(),
                fully_qualified_name: file.file.clone(),
                kind: "resource",
            }],
        };
        Self {
            level,
            message: MessageRef {
                text: &error.message,
            },
            locations: [NotificationLocation {
                physical_location,
                logical_locations,
            }],
        }
    }
}

/// The whole log, its results and notifications serialized as they are made.
#[derive(Serialize)]
struct Log<R, N> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<R, N>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<R, N> {
    tool: Tool,
    invocations: [Invocation<N>; 1],
    results: R,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<N> {
    execution_successful: bool,
    tool_execution_notifications: N,
}

/// Writes one SARIF run describing every rule in `rules` and every finding.
pub fn write_sarif(
    report: &ScanReport,
    rules: &[RuleMeta],
    version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let index_of = |id: &str| rules.iter().position(|r| r.id == id);
    let results = Streamed(|| {
        report
            .findings()
            .map(|(file, f)| SarifResult::new(file, f, index_of(f.finding.rule)))
    });
    let notifications = Streamed(|| {
        report.files.iter().flat_map(|file| {
            let errors = file
                .errors
                .iter()
                .map(move |e| Notification::new(file, e, "error"));
            let warnings =
                (file.warnings.iter()).map(move |w| Notification::new(file, w, "warning"));
            errors.chain(warnings)
        })
    });
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rampart",
                    version: version.to_owned(),
                    semantic_version: version.to_owned(),
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(rule_descriptor).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: report.files.iter().all(|f| f.errors.is_empty()),
                tool_execution_notifications: notifications,
            }],
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(file: &str) -> (String, Option<&'static str>) {
        let location = ArtifactLocation::new(file);
        (location.uri, location.uri_base_id)
    }

    #[test]
    fn a_relative_path_is_under_the_source_root() {
        let root = Some("%SRCROOT%");
        assert_eq!(location("./k8s/app.yaml"), ("k8s/app.yaml".into(), root));
        assert_eq!(location("k8s\\app.yaml"), ("k8s/app.yaml".into(), root));
        assert_eq!(location("-"), ("-".into(), root));
        assert_eq!(
            location("my charts/a#1 %.yaml"),
            ("my%20charts/a%231%20%25.yaml".into(), root)
        );
    }

    #[test]
    fn an_absolute_path_is_a_file_uri_without_a_base() {
        assert_eq!(
            location("/etc/docker/daemon.json"),
            ("file:///etc/docker/daemon.json".into(), None)
        );
        assert_eq!(
            location("/tmp/my dir/é.yaml"),
            ("file:///tmp/my%20dir/%C3%A9.yaml".into(), None)
        );
        assert_eq!(
            location("C:\\k8s\\app.yaml"),
            ("file:///C:/k8s/app.yaml".into(), None)
        );
        assert_eq!(
            location("\\\\server\\share\\app.yaml"),
            ("file://server/share/app.yaml".into(), None)
        );
    }
}
