use super::*;
use crate::field_path::FieldPath;

fn parse_ok(text: &str) -> Vec<Document> {
    let parsed = parse_text(text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.documents
}

fn container_field(field: &'static str) -> FieldPath {
    FieldPath::fields(&["spec", "containers"])
        .index(0)
        .child(field)
}

const POD: &str = "\
# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: yes
      runAsUser: 0
    volumeMounts: []
---
---
apiVersion: v1
kind: Service
metadata: {name: svc, labels: {a: b}}
";

#[test]
fn locates_fields_values_and_keys() {
    let docs = parse_ok(POD);
    assert_eq!(docs.len(), 2);
    let pod = &docs[0].positions;
    let privileged = container_field("securityContext").child("privileged");
    assert_eq!(
        pod.locate(&privileged),
        Located {
            pos: Pos::new(11, 19),
            exact: true
        }
    );
    assert_eq!(
        pod.locate(&container_field("securityContext")).pos,
        Pos::new(10, 5)
    );
    assert_eq!(pod.locate(&container_field("image")).pos, Pos::new(9, 12));
    let item = FieldPath::fields(&["spec", "containers"]).index(0);
    assert_eq!(pod.locate(&item).pos, Pos::new(8, 5));
}

#[test]
fn absent_fields_point_at_the_nearest_ancestor() {
    let docs = parse_ok(POD);
    let missing = container_field("resources").child("limits");
    let located = docs[0].positions.locate(&missing);
    assert!(!located.exact);
    assert_eq!(located.pos, Pos::new(8, 5));
}

#[test]
fn documents_after_empty_ones_keep_their_lines() {
    let docs = parse_ok(POD);
    let service = &docs[1];
    assert_eq!(service.index, 1);
    assert_eq!(service.value["kind"], "Service");
    let label = FieldPath::fields(&["metadata", "labels"]).key("a");
    assert_eq!(service.positions.locate(&label).pos, Pos::new(18, 35));
}

#[test]
fn scalars_follow_kubectl() {
    let docs = parse_ok(POD);
    let sc = &docs[0].value["spec"]["containers"][0]["securityContext"];
    assert_eq!(sc["privileged"], true);
    assert_eq!(sc["runAsUser"], 0);
    let modes = parse_ok("a: 0644\nb: on\nc: '0644'\nd: 1.5\ne: ~\n");
    assert_eq!(modes[0].value["a"], 420);
    assert_eq!(modes[0].value["b"], true);
    assert_eq!(modes[0].value["c"], "0644");
    assert_eq!(modes[0].value["d"], 1.5);
    assert!(modes[0].value["e"].is_null());
}

#[test]
fn json_documents_have_positions() {
    let docs = parse_ok("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}\n");
    let path = FieldPath::fields(&["spec", "hostPID"]);
    assert_eq!(docs[0].positions.locate(&path).pos, Pos::new(3, 23));
}

#[test]
fn a_broken_document_does_not_hide_the_others() {
    let parsed = parse_text("a: 1\n---\nb: [1, 2\n---\nc: 3\n", &Limits::default());
    assert_eq!(parsed.documents.len(), 2);
    assert_eq!(parsed.documents[1].value["c"], 3);
    assert_eq!(parsed.errors.len(), 1);
    assert!(parsed.errors[0].pos.line >= 3, "{:?}", parsed.errors);
    assert!(parsed.errors[0].message.starts_with("invalid YAML"));
}

#[test]
fn duplicate_keys_are_errors_with_a_position() {
    let parsed = parse_text(
        "kind: Pod\nspec:\n  hostPID: false\n  hostPID: true\n",
        &Limits::default(),
    );
    assert!(parsed.documents.is_empty());
    assert_eq!(parsed.errors.len(), 1);
    assert!(
        parsed.errors[0].message.contains("duplicate"),
        "{:?}",
        parsed.errors
    );
    assert_eq!(parsed.errors[0].pos.line, 4);
}

#[test]
fn alias_bombs_are_stopped() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let parsed = parse_text(&bomb, &Limits::default());
    assert!(parsed.documents.is_empty());
    assert_eq!(parsed.errors.len(), 1);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let block: String = (0..10_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let dash = format!("{}x\n", "- ".repeat(10_000));
    for text in [flow, block, dash] {
        let parsed = parse_text(&text, &Limits::default());
        assert!(parsed.documents.is_empty());
        assert_eq!(parsed.errors.len(), 1);
        assert!(
            parsed.errors[0].message.contains("limit"),
            "{:?}",
            parsed.errors
        );
    }
}

#[test]
fn non_utf8_and_oversized_input_are_reported() {
    let parsed = parse(
        b"kind: Pod\nmetadata:\n  name: caf\xE9\n",
        &Limits::default(),
    );
    assert_eq!(
        parsed.errors,
        vec![InputError::new(
            Pos::new(3, 12),
            "invalid UTF-8: the file must be UTF-8 text"
        )]
    );
    let small = Limits {
        max_file_bytes: 4,
        ..Limits::default()
    };
    let parsed = parse(b"kind: Pod\n", &small);
    assert!(parsed.errors[0].message.contains("limit"));
}

#[test]
fn empty_and_comment_only_input_has_no_documents() {
    for text in ["", "\n\n", "# nothing\n---\n---\n", "---\n...\n"] {
        let parsed = parse_text(text, &Limits::default());
        assert!(
            parsed.documents.is_empty() && parsed.errors.is_empty(),
            "{text:?}"
        );
    }
}

/// A `kind: List` with `count` ConfigMaps, as `kubectl get -o yaml` writes a cluster.
fn list_of_config_maps(count: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..count {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n    namespace: n\n  data:\n    a: '1'\n    b: '2'\n"
        ));
    }
    text
}

#[test]
fn one_list_of_a_whole_cluster_is_one_document_within_the_default_budget() {
    // 16,000 items of 17 nodes: 272,000 nodes in a 1.5 MB file, past serde-saphyr's own
    // default of 250,000 (and past rampart's, before it followed the file size).
    let text = list_of_config_maps(16_000);
    let parsed = parse_text(&text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        parsed.documents[0].value["items"].as_array().map(Vec::len),
        Some(16_000)
    );
}

#[test]
fn the_node_budget_follows_the_file_size_limit() {
    assert_eq!(Limits::for_file_size(32 << 20).max_nodes, 4 << 20);
    assert_eq!(Limits::for_file_size(1024).max_nodes, 250_000);
    assert_eq!(Limits::default(), Limits::for_file_size(32 << 20));
    // Past the budget, the document is an error with its position; the file's others
    // are still read.
    let budget = Limits {
        max_nodes: 1_000,
        ..Limits::default()
    };
    let text = format!("{}---\nkind: Pod\n", list_of_config_maps(100));
    let parsed = parse_text(&text, &budget);
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(parsed.documents[0].value["kind"], "Pod");
    assert_eq!(parsed.errors.len(), 1);
    assert!(
        parsed.errors[0].message.contains("limit"),
        "{:?}",
        parsed.errors
    );
    assert!(parsed.errors[0].pos.line > 3, "{:?}", parsed.errors);
}

#[test]
fn each_document_gets_a_node_budget_that_follows_its_own_size() {
    let limits = Limits::default();
    assert_eq!(limits.nodes_for(100), 250_000);
    assert_eq!(limits.nodes_for(8 << 20), 2 << 20);
    assert_eq!(limits.nodes_for(usize::MAX), limits.max_nodes);
    // A flow sequence of two bytes a node has more nodes than its size allows: refused
    // once the budget is spent, rather than built whole up to the file-size limit's.
    let items = 300_000;
    let flow = format!("[{}]", vec!["1"; items].join(","));
    let parsed = parse_text(&flow, &limits);
    assert!(parsed.documents.is_empty());
    assert_eq!(parsed.errors.len(), 1);
    assert!(
        parsed.errors[0].message.contains("safety limit"),
        "{:?}",
        parsed.errors
    );
    // A List as kubectl writes it stays readable: see
    // `one_list_of_a_whole_cluster_is_one_document_within_the_default_budget`.
}
