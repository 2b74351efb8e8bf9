//! A vulnerability's severity, from what its record says: a CVSS vector's base score
//! (v4, then v3, then v2), else a database's own word (GitHub's `database_specific
//! .severity`, Ubuntu's priority, Debian's urgency).

use std::str::FromStr;

use crate::finding::Severity;

use super::osv::{Affected, Record, SeverityScore};

/// The severity of `record` for one of its `affected` entries (whose own scores win),
/// or `None` when nothing in the record rates it.
pub fn of(record: &Record, affected: Option<&Affected>) -> Option<Severity> {
    let scores = affected.map(|a| a.severity.as_slice()).unwrap_or_default();
    from_scores(scores)
        .or_else(|| from_scores(&record.severity))
        .or_else(|| {
            let specific = affected.and_then(|a| a.database_specific.as_ref());
            specific
                .and_then(|d| d.cvss.as_deref())
                .and_then(cvss_level)
        })
        .or_else(|| {
            let words = [
                affected
                    .and_then(|a| a.database_specific.as_ref())
                    .and_then(|d| d.severity.as_deref()),
                record
                    .database_specific
                    .as_ref()
                    .and_then(|d| d.severity.as_deref()),
                affected
                    .and_then(|a| a.ecosystem_specific.as_ref())
                    .and_then(|e| e.severity.as_deref()),
                affected
                    .and_then(|a| a.ecosystem_specific.as_ref())
                    .and_then(|e| e.urgency.as_deref()),
            ];
            words.into_iter().flatten().find_map(word_level)
        })
}

/// The most telling score of a `severity[]` list: CVSS v4, v3, v2 (the first that
/// parses), then an Ubuntu priority.
fn from_scores(scores: &[SeverityScore]) -> Option<Severity> {
    ["CVSS_V4", "CVSS_V3", "CVSS_V2", "Ubuntu"]
        .into_iter()
        .find_map(|kind| {
            scores
                .iter()
                .filter(|s| s.kind == kind)
                .find_map(|s| match kind {
                    "Ubuntu" => word_level(&s.score),
                    _ => cvss_level(&s.score),
                })
        })
}

/// The base score of a CVSS vector (`CVSS:4.0/…`, `CVSS:3.x/…`, or a bare v2 vector),
/// rated as CVSS rates it (0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0– critical;
/// 0.0 is info here).
pub(crate) fn cvss_level(vector: &str) -> Option<Severity> {
    let rating = match cvss::Cvss::from_str(vector.trim()) {
        Ok(parsed) => parsed.severity(),
        Err(_) => cvss::v2::Vector::from_str(vector.trim())
            .ok()?
            .score()
            .severity(),
    };
    Some(match rating {
        cvss::Severity::None => Severity::Info,
        cvss::Severity::Low => Severity::Low,
        cvss::Severity::Medium => Severity::Medium,
        cvss::Severity::High => Severity::High,
        cvss::Severity::Critical => Severity::Critical,
    })
}

/// A database's own severity word. Debian's `unimportant` and Ubuntu's `negligible` are
/// low (as Trivy reports them); `not yet assigned`, `untriaged` and unknown words rate
/// nothing.
pub(crate) fn word_level(word: &str) -> Option<Severity> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" | "unimportant" | "negligible" | "end-of-life" => Severity::Low,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_vectors_are_scored() {
        assert_eq!(
            cvss_level("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(Severity::Critical)
        );
        assert_eq!(
            cvss_level("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"),
            Some(Severity::Medium)
        );
        assert_eq!(
            cvss_level("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N"),
            Some(Severity::Medium)
        );
        assert_eq!(
            cvss_level("AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            Some(Severity::High)
        );
        assert_eq!(cvss_level("not a vector"), None);
    }

    #[test]
    fn words_are_rated() {
        assert_eq!(word_level("MODERATE"), Some(Severity::Medium));
        assert_eq!(word_level("unimportant"), Some(Severity::Low));
        assert_eq!(word_level("not yet assigned"), None);
    }
}
