use super::*;
use crate::config::Config;
use crate::pss::Level;

fn options(rules: &[&str], unsafe_fixes: bool) -> FixOptions {
    FixOptions::new(
        ScanOptions::from_config(Config::default().only(rules)),
        unsafe_fixes,
        None,
    )
}

fn fixed_text(fix: &FileFix) -> &str {
    std::str::from_utf8(fix.fixed.as_deref().expect("the file is changed")).expect("UTF-8")
}

fn reasons(fix: &FileFix) -> Vec<String> {
    fix.unfixed.iter().map(|u| u.reason.to_string()).collect()
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: registry.example.com/app:1
    securityContext:
      privileged: true
";

#[test]
fn a_file_that_does_not_parse_is_reported_and_never_changed() {
    let broken = "apiVersion: v1\nkind: Pod\nspec: [\n";
    let fix = fix_file(
        "pod.yaml",
        broken.as_bytes(),
        &options(&["privileged-container"], true),
        &[],
    );
    assert!(fix.fixed.is_none());
    assert_eq!(fix.errors.len(), 1, "{:?}", fix.errors);
    assert!(fix.applied.is_empty());
}

#[test]
fn a_kubelet_flags_file_has_nothing_to_fix_and_is_no_error() {
    let flags = "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--anonymous-auth=true\"\n";
    let fix = fix_file(
        "10-kubeadm.conf",
        flags.as_bytes(),
        &FixOptions::new(ScanOptions::default(), true, None),
        &[],
    );
    assert!(
        fix.fixed.is_none() && fix.errors.is_empty(),
        "{:?}",
        fix.errors
    );
}

#[test]
fn unsafe_fixes_wait_for_unsafe_and_safe_ones_do_not() {
    let rules = ["privileged-container", "run-as-root"];
    let safe = fix_file("pod.yaml", POD.as_bytes(), &options(&rules, false), &[]);
    assert_eq!(
        fixed_text(&safe),
        POD.replace("privileged: true", "privileged: false")
    );
    assert!(
        safe.unfixed
            .iter()
            .all(|u| u.reason == Reason::NeedsUnsafe && u.target.rule == "run-as-root")
    );
    assert!(!safe.unfixed.is_empty());
    let all = fix_file("pod.yaml", POD.as_bytes(), &options(&rules, true), &[]);
    assert!(
        fixed_text(&all).contains("runAsNonRoot: true"),
        "{}",
        fixed_text(&all)
    );
    assert!(all.unfixed.is_empty(), "{:?}", all.unfixed);
    assert!(all.applied.iter().any(|f| f.safety == Safety::Unsafe));
}

#[test]
fn a_byte_order_mark_is_kept_and_edits_count_it() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(POD.as_bytes());
    let fix = fix_file(
        "pod.yaml",
        &bytes,
        &options(&["privileged-container"], false),
        &[],
    );
    let fixed = fix.fixed.as_deref().expect("changed");
    assert!(fixed.starts_with("\u{feff}".as_bytes()));
    let edit = &fix.applied[0].edits[0];
    assert_eq!(&bytes[edit.start..edit.end], b"true");
}

#[test]
fn fields_behind_merge_keys_and_templates_are_not_edited_and_say_why() {
    let merged = "\
x-base: &base
  privileged: true
services:
  web:
    <<: *base
    image: nginx:1.27
";
    let fix = fix_file(
        "compose.yaml",
        merged.as_bytes(),
        &options(&["privileged-container"], true),
        &[],
    );
    assert!(fix.fixed.is_none());
    let why = reasons(&fix);
    assert!(
        why.iter()
            .any(|r| r.contains("alias") || r.contains("anchored")),
        "{why:?}"
    );
    let template = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: \"{{ .Values.image }}\"
";
    let fix = fix_file(
        "pod.yaml",
        template.as_bytes(),
        &options(&["privilege-escalation-allowed"], true),
        &[],
    );
    assert!(fix.fixed.is_none(), "{}", fixed_text(&fix));
    assert!(
        reasons(&fix).iter().any(|r| r.contains("Helm template")),
        "{:?}",
        reasons(&fix)
    );
}

#[test]
fn pss_fixes_what_blocks_the_level_and_says_what_it_cannot() {
    let pod = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: registry.example.com/app:1
    ports:
    - containerPort: 80
      hostPort: 80
";
    let options = FixOptions::new(
        ScanOptions::default(),
        true,
        Some(LevelVersion::latest(Level::Restricted)),
    );
    let fix = fix_file("pod.yaml", pod.as_bytes(), &options, &[]);
    let text = fixed_text(&fix);
    for expected in [
        "allowPrivilegeEscalation: false",
        "- ALL",
        "runAsNonRoot: true",
        "type: RuntimeDefault",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(fix.applied.iter().all(|f| f.target.check.is_some()));
    let left: Vec<_> = fix.unfixed.iter().map(|u| u.target.check).collect();
    assert_eq!(left, vec![Some("hostPorts")], "{:?}", fix.unfixed);
    // The fixed pod meets the level.
    let again = fix_file("pod.yaml", text.as_bytes(), &options, &[]);
    assert!(again.fixed.is_none());
}

#[test]
fn sarif_suggestions_are_the_safe_fixes_as_regions_of_the_original() {
    let suggestions = suggestions(
        "pod.yaml",
        POD.as_bytes(),
        &options(&["privileged-container", "run-as-root"], true),
    );
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    let only = &suggestions[0];
    assert_eq!(only.rule, "privileged-container");
    assert_eq!(only.replacements.len(), 1);
    let r = &only.replacements[0];
    assert_eq!((r.start, r.end), (Pos::new(10, 19), Pos::new(10, 23)));
    assert_eq!(r.text, "false");
    let chars: String = POD
        .chars()
        .skip(r.char_offset)
        .take(r.char_length)
        .collect();
    assert_eq!(chars, "true");
}

#[test]
fn net_edits_turn_the_original_into_the_fixed_text() {
    let old = "a: 1\nb: 2\nc: 3\n";
    let new = "a: 1\nb: 5\nc: 3\nd: 4\n";
    let edits = net_edits(old, new);
    assert_eq!(crate::source::edit::apply_edits(old, &edits), new);
    assert_eq!(edits.len(), 2);
}
