//! Input that must not pass silently: kinds the API never served, wrong field types,
//! invalid NetworkPolicies and ignore annotations, each reported with its position.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

mod support;

use rampart_core::config::Config;
use rampart_core::scan::{FileScan, ScanOptions, run_checks, scan_file};
use support::growth::annotated_pod;

fn scan_text(text: &str, rules: &[&str]) -> FileScan {
    let options = ScanOptions::from_config(Config::default().only(rules));
    scan_file("manifest.yaml", text.as_bytes(), &options)
}

/// `(line, column, message)` of every error.
fn errors(scan: &FileScan) -> Vec<(u32, u32, String)> {
    scan.errors
        .iter()
        .map(|e| (e.pos.line, e.pos.column, e.message.clone()))
        .collect()
}

const PRIVILEGED_DEPLOYMENT: &str = "apiVersion: API_VERSION
kind: KIND
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        securityContext: {privileged: true}
";

fn deployment(api_version: &str, kind: &str) -> String {
    PRIVILEGED_DEPLOYMENT
        .replace("API_VERSION", api_version)
        .replace("KIND", kind)
}

#[test]
fn a_known_kind_under_a_version_the_api_never_served_is_an_error_not_a_clean_object() {
    let scan = scan_text(&deployment("v1", "Deployment"), &["privileged-container"]);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!(
        errors(&scan),
        vec![(
            1,
            13,
            "no matches for kind \"Deployment\" in version \"v1\" (Deployment is served as apps/v1)"
                .to_owned()
        )]
    );
    let scan = scan_text(
        &deployment("apps/v1", "Deploymnet"),
        &["privileged-container"],
    );
    assert!(scan.findings.is_empty());
    assert_eq!(
        errors(&scan),
        vec![(
            2,
            7,
            "no matches for kind \"Deploymnet\" in version \"apps/v1\" (did you mean \"Deployment\"?)"
                .to_owned()
        )]
    );
    // Versions the API served once are read and checked.
    for api_version in [
        "apps/v1",
        "apps/v1beta2",
        "apps/v1beta1",
        "extensions/v1beta1",
    ] {
        let scan = scan_text(
            &deployment(api_version, "Deployment"),
            &["privileged-container"],
        );
        assert!(scan.errors.is_empty(), "{api_version}: {:?}", scan.errors);
        assert_eq!(scan.findings.len(), 1, "{api_version}");
    }
    // Custom resources stay allowed.
    let scan = scan_text(
        &deployment("example.com/v1", "Deploymnet"),
        &["privileged-container"],
    );
    assert!(scan.errors.is_empty());
}

#[test]
fn a_wrong_field_type_anywhere_in_a_known_kind_is_an_error_at_the_field() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: three\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext: {privileged: true}\n";
    let scan = scan_text(text, &["privileged-container"]);
    assert!(scan.findings.is_empty());
    assert_eq!(
        errors(&scan),
        vec![(
            5,
            13,
            "spec.replicas: invalid type: expected integer, got string \"three\"".to_owned()
        )]
    );
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - port: 80\n    targetPort: [8080]\n";
    assert_eq!(
        errors(&scan_text(service, &["privileged-container"])),
        vec![(
            7,
            5,
            "spec.ports[0].targetPort: invalid type: expected integer or string, got array"
                .to_owned()
        )]
    );
    // The other items of a List are still checked.
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {a: [1]}\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: c\n      securityContext: {privileged: true}\n";
    let scan = scan_text(list, &["privileged-container"]);
    assert_eq!(scan.findings.len(), 1);
    assert_eq!(
        errors(&scan),
        vec![(
            6,
            10,
            "data[a]: invalid type: expected string, got array".to_owned()
        )]
    );
}

const NETWORK: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
";

#[test]
fn an_invalid_network_policy_is_an_error_in_scan_as_in_netpol() {
    let options = ScanOptions::from_config(Config::default().only(&["cloud-metadata-reachable"]));
    let scan = scan_file("net.yaml", NETWORK.as_bytes(), &options);
    assert_eq!(
        errors(&scan),
        vec![(
            19,
            7,
            "NetworkPolicy shop/egress: spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer (policy left out)".to_owned()
        )]
    );
    // The policy is left out, as `rampart netpol` leaves it out, and the run says so.
    assert_eq!(scan.collected.len(), 1);
    let findings: Vec<_> = run_checks(&scan.collected, &options).into_iter().collect();
    assert_eq!(findings.len(), 1);
    // A policy the API server accepts with a warning is kept, with the warning.
    let host_bits = NETWORK
        .replace("      podSelector: {}\n", "")
        .replace("10.0.0.0/8", "10.0.0.1/8");
    let scan = scan_file("net.yaml", host_bits.as_bytes(), &options);
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(scan.warnings.len(), 1, "{:?}", scan.warnings);
    assert_eq!(scan.collected.len(), 2);
}

#[test]
fn a_reason_in_an_ignore_annotation_does_not_swallow_the_ids_after_it() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    rampart.dev/ignore: \"host-pid=the agent reads /proc,privileged-container, no-such-rule=typo\"\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    securityContext: {privileged: true}\n";
    let scan = scan_text(pod, &["host-pid", "privileged-container"]);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!(scan.suppressed, 2);
    let warnings: Vec<_> = scan
        .warnings
        .iter()
        .map(|w| (w.pos.line, w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        vec![(
            6,
            "rampart.dev/ignore: unknown rule id \"no-such-rule\" (`rampart rules` lists them)"
        )]
    );
}

#[test]
fn findings_of_run_rules_silenced_by_an_annotation_count_as_suppressed() {
    let quiet = NETWORK
        .split("---")
        .next()
        .unwrap()
        .replace(
            "metadata: {name: web, namespace: shop}",
            "metadata:\n  name: web\n  namespace: shop\n  annotations: {rampart.dev/ignore: cloud-metadata-reachable}",
        );
    let options = ScanOptions::from_config(Config::default().only(&["cloud-metadata-reachable"]));
    let scan = scan_file("quiet.yaml", quiet.as_bytes(), &options);
    let outcome = run_checks(&scan.collected, &options);
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.suppressed, vec![0]);
}

/// A pod with thousands of containers, each with an ignore annotation and an AppArmor
/// annotation of its own: each finding looked its annotation up among all of them (a
/// scan of the keys per finding, and of the per-container ignores per finding), 16 s at
/// 20,000 containers; now one lookup each.
#[test]
fn per_container_annotations_cost_one_lookup_per_finding() {
    let containers = 5_000;
    let text = annotated_pod(containers);
    let scan = scan_text(&text, &["privileged-container", "apparmor-unconfined"]);
    assert!(scan.errors.is_empty(), "{:?}", &scan.errors[..1]);
    assert_eq!(scan.suppressed, containers);
    assert_eq!(scan.findings.len(), containers);
    // Each finding points at its own annotation.
    let last = scan.findings.last().expect("findings");
    assert_eq!(last.pos.map(|p| p.line), Some(5 + 2 * containers as u32));
}
