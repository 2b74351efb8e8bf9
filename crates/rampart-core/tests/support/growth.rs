//! Inputs whose cost once grew faster than their size, shared by the regression tests
//! (tests/input.rs) and the benchmark that shows the growth (benches/growth.rs).

/// A pod of `containers` containers, each with an ignore annotation and an AppArmor
/// annotation of its own (quadratic before: every finding searched all annotations).
pub fn annotated_pod(containers: usize) -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n");
    for i in 0..containers {
        text.push_str(&format!(
            "    rampart.dev/ignore.c{i}: privileged-container\n    container.apparmor.security.beta.kubernetes.io/c{i}: unconfined\n"
        ));
    }
    text.push_str("spec:\n  containers:\n");
    for i in 0..containers {
        text.push_str(&format!(
            "  - name: c{i}\n    securityContext: {{privileged: true}}\n"
        ));
    }
    text
}
