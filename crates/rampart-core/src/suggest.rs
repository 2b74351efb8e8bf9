//! "Did you mean": the known name closest to a mistyped one, as clap suggests
//! subcommands and values.

/// How alike two names must be (Jaro-Winkler similarity) to be suggested.
const THRESHOLD: f64 = 0.8;

/// The candidate most like `word`, if one is alike enough (case is ignored).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&word, &candidate.to_ascii_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean "privileged-container"?)` for a rule id of the catalogue like `id`;
/// empty when none is.
pub fn rule_hint(id: &str) -> String {
    nearest(id, crate::rules::catalogue().map(|meta| meta.id))
        .map(|near| format!(" (did you mean {near:?}?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_rule_id_gets_the_catalogue_s_nearest() {
        assert_eq!(
            rule_hint("privileged-containr"),
            " (did you mean \"privileged-container\"?)"
        );
        assert_eq!(
            rule_hint("Privileged-Container"),
            " (did you mean \"privileged-container\"?)"
        );
        assert_eq!(rule_hint("zzzz"), "");
    }

    #[test]
    fn the_most_alike_candidate_wins() {
        assert_eq!(
            nearest("sarf", ["text", "json", "sarif", "junit"]),
            Some("sarif")
        );
        assert_eq!(nearest("xml", ["text", "json", "sarif", "junit"]), None);
    }
}
