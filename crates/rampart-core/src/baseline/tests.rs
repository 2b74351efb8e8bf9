use serde_json::json;

use super::*;
use crate::scan::{ScanOptions, scan_file};

fn findings(yaml: &str) -> Vec<LocatedFinding> {
    let scan = scan_file("a.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    scan.findings
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: app:1.0
    securityContext: {privileged: true}
  - name: sidecar
    image: proxy:1.0
";

#[test]
fn containers_and_other_named_elements_are_named_not_indexed() {
    let value = json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "ports": [{"containerPort": 80}]}],
                                "x": [{"name": 3}]},
                       "metadata": {"annotations": {"k/v": "1"}}});
    let path = FieldPath::fields(&["spec", "containers"])
        .index(1)
        .child("ports")
        .index(0)
        .child("containerPort");
    assert_eq!(
        stable_path(Some(&value), &path),
        "spec.containers[name=b].ports[0].containerPort"
    );
    // A name that is not a string, a missing element, an unknown value: the index stays.
    let odd = FieldPath::fields(&["spec", "x"]).index(0);
    assert_eq!(stable_path(Some(&value), &odd), "spec.x[0]");
    let missing = FieldPath::fields(&["spec", "containers"])
        .index(7)
        .child("image");
    assert_eq!(
        stable_path(Some(&value), &missing),
        "spec.containers[7].image"
    );
    assert_eq!(stable_path(None, &path), path.to_string());
    // Short strings stand for themselves; long or multi-line ones (scripts) do not.
    let lists =
        json!({"add": ["NET_RAW", "SYS_ADMIN"], "args": ["-c", "echo a\necho b", "x".repeat(101)]});
    let add = FieldPath::root().child("add").index(1);
    assert_eq!(stable_path(Some(&lists), &add), "add[=SYS_ADMIN]");
    let args = FieldPath::root().child("args");
    let named: Vec<String> = (0..3)
        .map(|i| stable_path(Some(&lists), &args.index(i)))
        .collect();
    assert_eq!(named, ["args[=-c]", "args[1]", "args[2]"]);
    let key = FieldPath::fields(&["metadata", "annotations"]).key("k/v");
    assert_eq!(stable_path(Some(&value), &key), "metadata.annotations[k/v]");
}

#[test]
fn a_fingerprint_ignores_file_position_order_and_api_version() {
    let before = findings(POD);
    // Reordered containers, flow style, other indentation, another apiVersion spelling
    // of the same group, a document in front.
    let after = findings(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n\
         kind: Pod\napiVersion: v1\nmetadata:\n    namespace: shop\n    name: web\n\
         spec:\n    containers:\n    -   {name: sidecar, image: 'proxy:1.0'}\n\
         \x20   -   name: app\n        securityContext:\n            privileged: true\n\
         \x20       image: app:1.0\n",
    );
    let set = |f: &[LocatedFinding]| {
        let mut v: Vec<Fingerprint> = f.iter().map(Fingerprint::of).collect();
        v.sort();
        v
    };
    assert!(!before.is_empty());
    assert_eq!(set(&before), set(&after));
    let privileged = before
        .iter()
        .find(|f| f.finding.rule == "privileged-container")
        .expect("privileged finding");
    assert_eq!(
        privileged.stable_path,
        "spec.containers[name=app].securityContext.privileged"
    );
    // The hash is the one documented: stable across builds.
    assert_eq!(
        Fingerprint::of(privileged).hash(),
        Fingerprint {
            namespace: Some("shop".into()),
            kind: "Pod".into(),
            name: Some("web".into()),
            group: String::new(),
            rule: "privileged-container".into(),
            path: "spec.containers[name=app].securityContext.privileged".into(),
        }
        .hash()
    );
}

#[test]
fn the_file_round_trips_sorted_and_readable() {
    let all = findings(POD);
    let baseline = Baseline::of(&all);
    let yaml = baseline.to_yaml();
    assert!(yaml.starts_with("# rampart baseline"), "{yaml}");
    assert!(yaml.contains("version: 1"), "{yaml}");
    assert!(
        yaml.contains("path: spec.containers[name=app].securityContext.privileged"),
        "{yaml}"
    );
    assert!(
        !yaml.contains("group:"),
        "the core group is left out: {yaml}"
    );
    assert_eq!(Baseline::parse(&yaml), Ok(baseline.clone()));
    // Sorted: rules within the object in order.
    let rules: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim_start_matches(['-', ' ']).strip_prefix("rule: "))
        .collect();
    let mut sorted = rules.clone();
    sorted.sort_unstable();
    assert_eq!(rules, sorted);
    assert_eq!(baseline.len(), all.len());
}

#[test]
fn counts_accept_that_many_findings_and_the_rest_is_stale() {
    let all = findings(POD);
    let privileged = all
        .iter()
        .find(|f| f.finding.rule == "privileged-container")
        .expect("privileged")
        .clone();
    // Accepts the privileged finding twice, and one finding that no longer exists.
    let yaml = "version: 1\nfindings:\n\
         - {rule: privileged-container, kind: Pod, namespace: shop, name: web, count: 2,\n\
         \x20  path: 'spec.containers[name=app].securityContext.privileged'}\n\
         - {rule: host-network, kind: Pod, namespace: shop, name: gone, path: spec.hostNetwork}\n";
    let baseline = Baseline::parse(yaml).expect("baseline");
    let mut outcome = Outcome::default();
    let three = vec![privileged.clone(), privileged.clone(), privileged];
    let left = baseline.filter(three, &mut outcome);
    assert_eq!((left.len(), outcome.baselined), (1, 2));
    assert!(
        baseline
            .stale(&outcome)
            .iter()
            .all(|e| e.name.as_deref() == Some("gone"))
    );
    let mut fresh = Outcome::default();
    baseline.filter(Vec::new(), &mut fresh);
    let stale = baseline.stale(&fresh);
    assert_eq!(stale.iter().map(|e| e.count).sum::<usize>(), 3);
}

#[test]
fn bad_files_are_errors_with_their_position() {
    let typo = "version: 1\nfindings:\n- rule: a\n  kind: Pod\n  path: spec\n  nmae: x\n";
    let error = Baseline::parse(typo).expect_err("unknown field");
    assert!(error.message.contains("nmae"), "{}", error.message);
    assert_eq!(error.pos.line, 6, "the unknown field's own line: {error:?}");
    let version = Baseline::parse("version: 9\n").expect_err("version");
    assert_eq!(
        (version.pos.line, version.pos.column),
        (1, 10),
        "{version:?}"
    );
    assert!(version.message.contains("version 9"), "{}", version.message);
    let missing = Baseline::parse("findings: []\n").expect_err("no version");
    assert!(missing.message.contains("version"), "{}", missing.message);
    assert!(Baseline::parse("version: 1\n---\nversion: 1\n").is_err());
    assert_eq!(Baseline::parse(""), Ok(Baseline::default()));
}

#[test]
fn dockerfile_instructions_are_named_by_keyword_and_rank() {
    let scan = |text: &str| {
        let scan = scan_file("Dockerfile", text.as_bytes(), &ScanOptions::default());
        assert!(scan.errors.is_empty(), "{:?}", scan.errors);
        let mut found: Vec<(String, String)> = scan
            .findings
            .iter()
            .map(|f| (f.finding.rule.to_owned(), f.stable_path.clone()))
            .collect();
        found.sort();
        found
    };
    let before = scan(
        "FROM debian:12.6\n\
         RUN curl -fsSL https://example.com/install.sh | sh\n\
         USER 10001\n",
    );
    assert!(
        before.contains(&(
            "curl-pipe-shell".to_owned(),
            "instructions[=RUN#1]".to_owned()
        )),
        "{before:?}"
    );
    // A comment, blank lines, an ENV and a new base image tag above it: same names.
    let after = scan(
        "# syntax=docker/dockerfile:1\n\n\
         FROM debian:12.7\n\
         ENV LANG=C.UTF-8\n\n\
         # the installer\n\
         RUN curl -fsSL https://example.com/install.sh | sh\n\
         USER 10001\n",
    );
    assert_eq!(before, after);
}
