//! Runs the YAML case files under `testdata/`: each case describes a cluster, the
//! policy errors it must produce, expected truth tables (as ordered edits on an all-true
//! table, like the upstream e2e suite) and single probes with their explanation.
//!
//! Every table is checked against both evaluators: the fast engine ([`Cluster::matrix`])
//! and the reference evaluator pair by pair.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::fixtures::{ClusterDef, EndpointDef, NamespaceDef, NodeDef, PolicyDef, protocol, tcp};
use crate::netpol::{Cluster, Options, Peer, PortSpec, QueryError, Verdict, naive};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    model: Base,
    #[serde(default)]
    options: Option<OptionsDef>,
    #[serde(default)]
    namespaces: Vec<NamespaceDef>,
    #[serde(default)]
    endpoints: Vec<EndpointDef>,
    #[serde(default)]
    nodes: Vec<NodeDef>,
    #[serde(default)]
    policies: Vec<PolicyDef>,
    #[serde(default)]
    errors: Vec<ErrorDef>,
    #[serde(default)]
    matrices: Vec<MatrixDef>,
    #[serde(default)]
    probes: Vec<ProbeDef>,
    #[serde(default)]
    isolation: Option<IsolationDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Base {
    #[default]
    E2e,
    Empty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsDef {
    #[serde(default = "yes")]
    ipblock_matches_pod_ips: bool,
    #[serde(default = "yes")]
    hostnetwork_as_node: bool,
    #[serde(default = "yes")]
    node_local_ingress: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorDef {
    policy: String,
    path: String,
    message: String,
    #[serde(default)]
    warning: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixDef {
    port: u16,
    #[serde(default = "tcp")]
    protocol: String,
    #[serde(default)]
    edits: Vec<Edit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    from: String,
    to: String,
    allowed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PortValue {
    Number(u16),
    Name(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeDef {
    from: String,
    to: String,
    port: PortValue,
    #[serde(default = "tcp")]
    protocol: String,
    allowed: bool,
    #[serde(default)]
    ingress_allowed_by: Option<Vec<String>>,
    #[serde(default)]
    egress_allowed_by: Option<Vec<String>>,
    #[serde(default)]
    ingress_selected_by: Option<Vec<String>>,
    #[serde(default)]
    egress_selected_by: Option<Vec<String>>,
    #[serde(default)]
    notes: Option<Vec<String>>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IsolationDef {
    ingress: Vec<String>,
    egress: Vec<String>,
    #[serde(default)]
    namespaces_without_default_deny_ingress: Option<Vec<String>>,
    #[serde(default)]
    namespaces_without_default_deny_egress: Option<Vec<String>>,
}

impl Case {
    fn cluster_def(&self) -> ClusterDef {
        let mut def = match self.model {
            Base::E2e => ClusterDef::e2e(),
            Base::Empty => ClusterDef::default(),
        };
        if let Some(o) = &self.options {
            def.options = Options {
                ipblock_matches_pod_ips: o.ipblock_matches_pod_ips,
                hostnetwork_as_node: o.hostnetwork_as_node,
                node_local_ingress: o.node_local_ingress,
            };
        }
        def.namespaces.extend(self.namespaces.iter().cloned());
        def.endpoints.extend(self.endpoints.iter().cloned());
        def.nodes.extend(self.nodes.iter().cloned());
        def.policies.extend(self.policies.iter().cloned());
        def
    }
}

/// `ns/pod` against a pattern where either side may be `*`.
fn matches_pattern(pattern: &str, id: &str) -> bool {
    let (pns, ppod) = pattern.split_once('/').unwrap_or((pattern, "*"));
    let (ns, pod) = id.split_once('/').unwrap_or((id, ""));
    (pns == "*" || pns == ns) && (ppod == "*" || ppod == pod)
}

fn expected_table(pods: &[String], edits: &[Edit]) -> Vec<Vec<bool>> {
    let mut table = vec![vec![true; pods.len()]; pods.len()];
    for edit in edits {
        for (s, src) in pods.iter().enumerate() {
            for (d, dst) in pods.iter().enumerate() {
                if matches_pattern(&edit.from, src) && matches_pattern(&edit.to, dst) {
                    table[s][d] = edit.allowed;
                }
            }
        }
    }
    table
}

fn render(pods: &[String], table: &[Vec<bool>]) -> String {
    let mut out = String::from("      ");
    for p in pods {
        out += &format!("{p:>5}");
    }
    for (p, row) in pods.iter().zip(table) {
        out += &format!("\n{p:>5} ");
        for cell in row {
            out += if *cell { "    ." } else { "    X" };
        }
    }
    out
}

fn check_errors(case: &Case, cluster_errors: &[crate::netpol::PolicyError]) -> Vec<String> {
    let got: Vec<String> = cluster_errors
        .iter()
        .map(|e| {
            let warn = if e.severity == crate::netpol::Severity::Warning {
                " (warning)"
            } else {
                ""
            };
            format!(
                "{}/{} {} => {}{warn}",
                e.namespace, e.name, e.path, e.message
            )
        })
        .collect();
    let want: Vec<String> = case
        .errors
        .iter()
        .map(|e| {
            let warn = if e.warning { " (warning)" } else { "" };
            format!("{} {} => {}{warn}", e.policy, e.path, e.message)
        })
        .collect();
    if got == want {
        Vec::new()
    } else {
        vec![format!(
            "errors differ\n  got:  {got:#?}\n  want: {want:#?}"
        )]
    }
}

fn check_matrices(case: &Case, cluster: &Cluster) -> Vec<String> {
    let mut failures = Vec::new();
    for m in &case.matrices {
        let proto = protocol(&m.protocol);
        let fast = cluster.matrix(m.port, proto);
        let expected = expected_table(&fast.pods, &m.edits);
        let reference = naive::matrix(&cluster.model, m.port, proto);
        for (label, got) in [("engine", &fast.allowed), ("reference", &reference)] {
            if *got != expected {
                failures.push(format!(
                    "{label} matrix {}/{}\n got:\n{}\n want:\n{}",
                    m.port,
                    m.protocol,
                    render(&fast.pods, got),
                    render(&fast.pods, &expected)
                ));
            }
        }
    }
    failures
}

fn check_probe(cluster: &Cluster, probe: &ProbeDef) -> Result<(), String> {
    let port = match &probe.port {
        PortValue::Number(n) => PortSpec::Number(*n),
        PortValue::Name(name) => PortSpec::Name(name.clone()),
    };
    let query = || -> Result<Verdict, QueryError> {
        let from: Peer = probe.from.parse()?;
        let to: Peer = probe.to.parse()?;
        cluster.query(&from, &to, &port, protocol(&probe.protocol))
    };
    let result = query();
    let verdict = match (result, &probe.error) {
        (Err(e), Some(want)) if e.to_string() == *want => return Ok(()),
        (Err(e), _) => return Err(format!("query failed: {e}")),
        (Ok(_), Some(want)) => return Err(format!("expected error {want:?}")),
        (Ok(v), None) => v,
    };
    let mut problems = Vec::new();
    if verdict.allowed != probe.allowed {
        problems.push(format!("allowed = {}", verdict.allowed));
    }
    let lists = [
        (
            &probe.ingress_allowed_by,
            &verdict.ingress.allowed_by,
            "ingress.allowed_by",
        ),
        (
            &probe.egress_allowed_by,
            &verdict.egress.allowed_by,
            "egress.allowed_by",
        ),
        (
            &probe.ingress_selected_by,
            &verdict.ingress.selected_by,
            "ingress.selected_by",
        ),
        (
            &probe.egress_selected_by,
            &verdict.egress.selected_by,
            "egress.selected_by",
        ),
    ];
    for (want, got, label) in lists {
        if let Some(want) = want
            && want != got
        {
            problems.push(format!("{label} = {got:?}, want {want:?}"));
        }
    }
    if let Some(notes) = &probe.notes {
        let got: Vec<String> = verdict
            .notes
            .iter()
            .filter_map(|n| serde_json::to_value(n).ok())
            .filter_map(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
            .collect();
        if got != *notes {
            problems.push(format!("notes = {got:?}, want {notes:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n  verdict: {verdict:?}", problems.join("; ")))
    }
}

fn check_isolation(case: &Case, cluster: &Cluster) -> Vec<String> {
    let Some(want) = &case.isolation else {
        return Vec::new();
    };
    let got = cluster.isolation();
    let mut failures = Vec::new();
    let mut compare = |label: &str, got: &Vec<String>, want: &Vec<String>| {
        if got != want {
            failures.push(format!("isolation.{label} = {got:?}, want {want:?}"));
        }
    };
    compare("ingress", &got.ingress, &want.ingress);
    compare("egress", &got.egress, &want.egress);
    if let Some(w) = &want.namespaces_without_default_deny_ingress {
        compare(
            "ns_ingress",
            &got.namespaces_without_default_deny.ingress,
            w,
        );
    }
    if let Some(w) = &want.namespaces_without_default_deny_egress {
        compare("ns_egress", &got.namespaces_without_default_deny.egress, w);
    }
    failures
}

fn run_case(case: &Case) -> Vec<String> {
    let (cluster, errors) = case.cluster_def().build();
    let mut failures = check_errors(case, &errors);
    failures.extend(check_matrices(case, &cluster));
    for probe in &case.probes {
        if let Err(e) = check_probe(&cluster, probe) {
            failures.push(format!(
                "probe {} -> {} {:?}: {e}",
                probe.from, probe.to, probe.port
            ));
        }
    }
    failures.extend(check_isolation(case, &cluster));
    failures
}

/// YAML 1.2 booleans only: `y` and `n` are namespace names here, not booleans.
fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options
}

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/netpol/testdata")
}

fn load(file: &str) -> CaseFile {
    let path = testdata().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_saphyr::from_str_with_options(&text, yaml_options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs every case of `file`; returns the number of cases.
fn run_file(file: &str) -> usize {
    let cases = load(file).cases;
    let mut names = BTreeMap::new();
    let mut report = String::new();
    for case in &cases {
        if names.insert(case.name.clone(), ()).is_some() {
            report += &format!("\nduplicate case name {}", case.name);
        }
        let failures = run_case(case);
        if !failures.is_empty() {
            report += &format!("\n=== {file}: {}\n{}", case.name, failures.join("\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
    cases.len()
}

/// One expected truth table: port, protocol, pods (rows and columns), allowed cells.
pub(super) type Table = (u16, crate::netpol::Protocol, Vec<String>, Vec<Vec<bool>>);

/// The truth tables of the e2e cases on the plain e2e model (no added namespaces,
/// endpoints or nodes), by case name.
pub(super) fn e2e_tables() -> Vec<(String, Vec<Table>)> {
    load("e2e.yaml")
        .cases
        .iter()
        .filter(|c| {
            matches!(c.model, Base::E2e)
                && c.namespaces.is_empty()
                && c.endpoints.is_empty()
                && c.nodes.is_empty()
        })
        .map(|case| {
            let (cluster, _) = case.cluster_def().build();
            let pods: Vec<String> = cluster.endpoints().iter().map(|e| e.id()).collect();
            let tables = case
                .matrices
                .iter()
                .map(|m| {
                    let table = expected_table(&pods, &m.edits);
                    (m.port, protocol(&m.protocol), pods.clone(), table)
                })
                .collect();
            (case.name.clone(), tables)
        })
        .collect()
}

#[test]
fn e2e_scenarios() {
    assert!(run_file("e2e.yaml") >= 40);
}

#[test]
fn semantics() {
    assert!(run_file("semantics.yaml") > 0);
}

#[test]
fn validation() {
    assert!(run_file("validation.yaml") > 0);
}

#[test]
fn every_file_is_run() {
    let mut files: Vec<String> = std::fs::read_dir(testdata())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["e2e.yaml", "semantics.yaml", "validation.yaml"]);
}
