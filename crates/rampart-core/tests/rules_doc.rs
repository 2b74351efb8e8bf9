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
