//! `docs/rules.md` is generated from the rule registry; this fails when it is stale.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

#[test]
fn docs_rules_md_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
    let committed = std::fs::read_to_string(path).expect("docs/rules.md exists");
    let generated = rampart_core::rules::rules_markdown();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `cargo run -q -p rampart-cli -- rules --markdown > docs/rules.md`"
    );
}

#[test]
fn every_rule_is_documented_with_a_failing_and_a_fixed_example() {
    let missing = rampart_core::rules::rules_without_examples();
    assert!(
        missing.is_empty(),
        "rules without a fail* and a pass* fixture under crates/rampart-core/tests/rules/<id>/ \
         (their documentation has no example): {missing:?}"
    );
    let markdown = rampart_core::rules::rules_markdown();
    let sections = markdown.split("\n## ").skip(1).count();
    let with_examples = markdown.matches("**Fails** (").count();
    assert_eq!(with_examples, sections, "one example per rule section");
}
