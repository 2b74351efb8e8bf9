use serde_json::{Value, json};

use super::*;
use crate::source::{Limits, parse_text};

/// The text after one edit made by `edit` on document `index` of `text`; the result must
/// parse.
fn edited(
    text: &str,
    index: usize,
    edit: impl Fn(&DocumentEditor<'_>) -> Result<TextEdit, Refusal>,
) -> String {
    let parsed = parse_text(text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let file = FileText::new(text);
    let editor = file.document(&parsed.documents[index].positions);
    let edit = edit(&editor).expect("an edit");
    let out = apply_edits(text, &[edit]);
    let reparsed = parse_text(&out, &Limits::default());
    assert!(reparsed.errors.is_empty(), "{out}\n{:?}", reparsed.errors);
    out
}

fn refusal(text: &str, edit: impl Fn(&DocumentEditor<'_>) -> Result<TextEdit, Refusal>) -> Refusal {
    let parsed = parse_text(text, &Limits::default());
    let file = FileText::new(text);
    let editor = file.document(&parsed.documents[0].positions);
    edit(&editor).expect_err("a refusal")
}

fn value_of(text: &str) -> Value {
    parse_text(text, &Limits::default()).documents[0]
        .value
        .clone()
}

fn path(text: &str) -> FieldPath {
    let mut out = FieldPath::root();
    for part in text.split('.') {
        match part.parse::<usize>() {
            Ok(i) => out = out.index(i),
            Err(_) => out = out.child_owned(part.to_owned()),
        }
    }
    out
}

fn entry(name: &str, value: Value) -> Vec<(String, Value)> {
    vec![(name.to_owned(), value)]
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web # the name
spec:
  containers:
  - name: app
    image: nginx  # pinned later
    # a comment about ports
    ports:
    - containerPort: 80
  - name: sidecar
    image: envoy
";

#[test]
fn a_key_goes_after_the_last_entry_of_a_sequence_item_at_its_indentation() {
    let out = edited(POD, 0, |e| {
        e.insert(
            &path("spec.containers.0"),
            &entry(
                "securityContext",
                json!({"allowPrivilegeEscalation": false}),
            ),
        )
    });
    assert_eq!(
        out,
        POD.replace(
            "    - containerPort: 80\n",
            "    - containerPort: 80\n    securityContext:\n      allowPrivilegeEscalation: false\n"
        )
    );
    let last = edited(POD, 0, |e| {
        e.insert(&path("spec.containers.1"), &entry("a", json!(true)))
    });
    assert!(last.ends_with("    image: envoy\n    a: true\n"), "{last}");
}

#[test]
fn indented_sequences_and_a_missing_final_line_end() {
    let text = "services:\n  web:\n    image: nginx\n    cap_add:\n      - NET_ADMIN";
    let out = edited(text, 0, |e| {
        e.insert(&path("services.web"), &entry("cap_drop", json!(["ALL"])))
    });
    assert_eq!(out, format!("{text}\n    cap_drop:\n      - ALL"));
    let out = edited(text, 0, |e| {
        e.append(&path("services.web.cap_add"), &[json!("SYS_TIME")])
    });
    assert_eq!(out, format!("{text}\n      - SYS_TIME"));
}

#[test]
fn flow_mappings_and_sequences_grow_inline() {
    let text = "spec:\n  containers:\n  - {name: app, image: nginx, securityContext: {}}\n  - name: b\n    securityContext: {capabilities: {drop: [NET_RAW]}}\n";
    let out = edited(text, 0, |e| {
        e.insert(
            &path("spec.containers.0.securityContext"),
            &entry("privileged", json!(false)),
        )
    });
    assert!(
        out.contains("securityContext: {privileged: false}}"),
        "{out}"
    );
    let out = edited(text, 0, |e| {
        e.insert(&path("spec.containers.0"), &entry("x", json!({"w": "z"})))
    });
    assert!(
        out.contains("{name: app, image: nginx, securityContext: {}, x: {w: z}}"),
        "{out}"
    );
    let out = edited(text, 0, |e| {
        e.append(
            &path("spec.containers.1.securityContext.capabilities.drop"),
            &[json!("ALL")],
        )
    });
    assert!(out.contains("drop: [NET_RAW, ALL]"), "{out}");
}

#[test]
fn json_keeps_its_indentation_and_quoting() {
    let text = "{\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n      {\n        \"name\": \"app\"\n      }\n    ]\n  }\n}\n";
    let out = edited(text, 0, |e| {
        e.insert(
            &path("spec.containers.0"),
            &entry(
                "securityContext",
                json!({"capabilities": {"drop": ["ALL"]}}),
            ),
        )
    });
    assert_eq!(
        out,
        text.replace(
            "        \"name\": \"app\"\n",
            "        \"name\": \"app\",\n        \"securityContext\": {\n          \"capabilities\": {\n            \"drop\": [\n              \"ALL\"\n            ]\n          }\n        }\n"
        )
    );
    let compact = "{\"kind\":\"Pod\",\"spec\":{\"hostPID\":true}}";
    let out = edited(compact, 0, |e| {
        e.replace(&path("spec.hostPID"), &json!(false))
    });
    assert_eq!(out, "{\"kind\":\"Pod\",\"spec\":{\"hostPID\":false}}");
    let out = edited(compact, 0, |e| {
        e.insert(&path("spec"), &entry("hostIPC", json!(false)))
    });
    assert_eq!(
        out,
        "{\"kind\":\"Pod\",\"spec\":{\"hostPID\":true,\"hostIPC\":false}}"
    );
}

#[test]
fn scalars_keep_their_quoting() {
    let text = "a: \"true\"\nb: 'x'\nc: yes # why\nd: \"it's\"\n";
    assert_eq!(
        edited(text, 0, |e| e.replace(&path("a"), &json!("false"))),
        text.replace("\"true\"", "\"false\"")
    );
    assert_eq!(
        edited(text, 0, |e| e.replace(&path("b"), &json!("it's"))),
        text.replace("'x'", "'it''s'")
    );
    assert_eq!(
        edited(text, 0, |e| e.replace(&path("c"), &json!(false))),
        text.replace("yes", "false")
    );
    assert_eq!(
        edited(text, 0, |e| e.replace(&path("b"), &json!("on"))),
        text.replace("'x'", "'on'")
    );
    let plain = "a: x\n";
    assert_eq!(
        edited(plain, 0, |e| e.replace(&path("a"), &json!("10001:10001"))),
        "a: \"10001:10001\"\n"
    );
}

#[test]
fn entries_and_items_are_removed_with_their_lines() {
    let text = "services:\n  web:\n    image: nginx\n    network_mode: host # shared\n    pid: host\n    security_opt: [a, b, c]\n    ports:\n      - 80:80\n      - 443:443\n";
    let out = edited(text, 0, |e| e.remove(&path("services.web.network_mode")));
    assert_eq!(out, text.replace("    network_mode: host # shared\n", ""));
    let out = edited(text, 0, |e| e.remove(&path("services.web.security_opt.1")));
    assert!(out.contains("security_opt: [a, c]"), "{out}");
    let out = edited(text, 0, |e| e.remove(&path("services.web.security_opt.2")));
    assert!(out.contains("security_opt: [a, b]"), "{out}");
    let out = edited(text, 0, |e| e.remove(&path("services.web.ports.0")));
    assert!(out.ends_with("    ports:\n      - 443:443\n"), "{out}");
    let only = "a:\n  b: 1\n";
    assert!(matches!(
        refusal(only, |e| e.remove(&path("a.b"))),
        Refusal::Layout(_)
    ));
}

#[test]
fn crlf_line_ends_are_kept() {
    let text = "spec:\r\n  containers:\r\n  - name: app\r\n    image: nginx\r\n";
    let out = edited(text, 0, |e| {
        e.insert(
            &path("spec.containers.0"),
            &entry("securityContext", json!({"privileged": false})),
        )
    });
    assert_eq!(
        out,
        format!("{text}    securityContext:\r\n      privileged: false\r\n")
    );
}

#[test]
fn empty_values_are_filled_on_the_lines_below() {
    let text = "spec:\n  securityContext:\n  hostPID: true\n";
    let out = edited(text, 0, |e| {
        e.insert(
            &path("spec.securityContext"),
            &entry("runAsNonRoot", json!(true)),
        )
    });
    assert_eq!(
        out,
        "spec:\n  securityContext:\n    runAsNonRoot: true\n  hostPID: true\n"
    );
}

#[test]
fn the_second_document_is_edited_in_place() {
    let text = "a: 1\n---\n# about b\nb:\n  c: 1\n---\nd: 2\n";
    let out = edited(text, 1, |e| e.insert(&path("b"), &entry("e", json!(2))));
    assert_eq!(out, "a: 1\n---\n# about b\nb:\n  c: 1\n  e: 2\n---\nd: 2\n");
    let parsed = parse_text(&out, &Limits::default());
    assert_eq!(parsed.documents[1].value, json!({"b": {"c": 1, "e": 2}}));
}

#[test]
fn aliases_anchors_merges_and_templates_are_refused() {
    let text = "base: &sc\n  privileged: true\nspec:\n  a: *sc\n  b:\n    <<: *sc\n    x: 1\n";
    assert_eq!(
        refusal(text, |e| e
            .replace(&path("spec.a.privileged"), &json!(false))),
        Refusal::Alias
    );
    assert_eq!(
        refusal(text, |e| e
            .replace(&path("spec.b.privileged"), &json!(false))),
        Refusal::Alias
    );
    assert_eq!(
        refusal(text, |e| e.replace(&path("base.privileged"), &json!(false))),
        Refusal::Anchored
    );
    // A key the merge does not bring is the mapping's own.
    let out = edited(text, 0, |e| {
        e.insert(&path("spec.b"), &entry("y", json!(2)))
    });
    assert_eq!(
        value_of(&out)["spec"]["b"],
        json!({"privileged": true, "x": 1, "y": 2})
    );
    let template = "spec:\n  hostPID: true\n  image: \"{{ .Values.image }}\"\n";
    assert_eq!(
        refusal(template, |e| e.insert(&path("spec"), &entry("x", json!(1)))),
        Refusal::Template
    );
    assert_eq!(
        refusal(template, |e| e.replace(&path("spec.image"), &json!("x"))),
        Refusal::Template
    );
    // A template expression elsewhere in the mapping is no reason to refuse.
    let earlier = "spec:\n  image: \"{{ .Values.image }}\"\n  hostPID: true\n\nother: 1\n";
    let out = edited(earlier, 0, |e| {
        e.replace(&path("spec.hostPID"), &json!(false))
    });
    assert!(out.contains("hostPID: false"));
}

#[test]
fn overlapping_edits_are_detected() {
    let a = TextEdit::new(0, 4, "x".into());
    let b = TextEdit::new(4, 4, "y".into());
    let c = TextEdit::new(3, 5, "z".into());
    assert!(disjoint(&[a.clone(), b.clone()]));
    assert!(!disjoint(&[a.clone(), c]));
    assert!(!disjoint(&[b.clone(), b]));
    assert_eq!(
        apply_edits("abcdef", &[TextEdit::new(4, 4, "y".into()), a]),
        "xyef"
    );
}

#[test]
fn the_first_entry_after_a_dash_gives_its_place_to_the_next() {
    let text = "ports:\n- hostPort: 6700 # node\n  containerPort: 6700\n- containerPort: 1\n";
    let out = edited(text, 0, |e| e.remove(&path("ports.0.hostPort")));
    assert_eq!(out, "ports:\n- containerPort: 6700\n- containerPort: 1\n");
    let commented = "ports:\n- hostPort: 6700\n  # why\n  containerPort: 6700\n";
    assert!(matches!(
        refusal(commented, |e| e.remove(&path("ports.0.hostPort"))),
        Refusal::Layout(_)
    ));
}

#[test]
fn block_scalars_end_at_their_last_line() {
    let text = "c:\n- name: a\n  command:\n  - >-\n    one\n\n    two\n- name: b\n";
    let out = edited(text, 0, |e| e.insert(&path("c.0"), &entry("x", json!(1))));
    assert_eq!(
        out,
        "c:\n- name: a\n  command:\n  - >-\n    one\n\n    two\n  x: 1\n- name: b\n"
    );
}

#[test]
fn a_null_written_as_tilde_or_null_is_filled_keeping_its_comment() {
    let text = "spec:\n  securityContext: ~ # none yet\n  hostPID: true\n";
    let out = edited(text, 0, |e| {
        e.insert(
            &path("spec.securityContext"),
            &entry("runAsNonRoot", json!(true)),
        )
    });
    assert_eq!(
        out,
        "spec:\n  securityContext: # none yet\n    runAsNonRoot: true\n  hostPID: true\n"
    );
    let last = "spec:\n  drop: null";
    let out = edited(last, 0, |e| e.append(&path("spec.drop"), &[json!("ALL")]));
    assert_eq!(out, "spec:\n  drop:\n    - ALL");
}

#[test]
fn double_quoted_flow_collections_get_double_quoted_additions() {
    let text = "c: {\"name\": \"a\", \"drop\": [\"NET_RAW\"]}\n";
    let out = edited(text, 0, |e| {
        e.insert(&path("c"), &entry("sc", json!({"caps": ["ALL"]})))
    });
    assert_eq!(
        out,
        "c: {\"name\": \"a\", \"drop\": [\"NET_RAW\"], \"sc\": {\"caps\": [\"ALL\"]}}\n"
    );
    let out = edited(text, 0, |e| e.append(&path("c.drop"), &[json!("ALL")]));
    assert_eq!(
        out,
        "c: {\"name\": \"a\", \"drop\": [\"NET_RAW\", \"ALL\"]}\n"
    );
}

#[test]
fn compact_flow_collections_stay_compact() {
    let text = "a: {\"b\":[\"X\"],\"c\":1}\nd: [x,y]\n";
    let out = edited(text, 0, |e| {
        e.insert(&path("a"), &entry("e", json!({"f": [true, "g"]})))
    });
    assert_eq!(
        out,
        "a: {\"b\":[\"X\"],\"c\":1,\"e\":{\"f\":[true,\"g\"]}}\nd: [x,y]\n"
    );
    let out = edited(text, 0, |e| e.append(&path("d"), &[json!("ALL")]));
    assert_eq!(out, "a: {\"b\":[\"X\"],\"c\":1}\nd: [x,y,ALL]\n");
}
