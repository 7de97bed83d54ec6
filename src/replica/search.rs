//! `?search=`: which records a list keeps.
//!
//! The search text is split into terms on commas and whitespace. A record
//! matches when *every* term is found, case-insensitively, inside *one of*
//! its resource's search fields (`name`; films: `title`; vehicles and
//! starships: `name` or `model`). No terms (an empty or all-blank search)
//! keeps every record.

use serde_json::Value;

use super::dataset::Record;

/// Splits a search into lower-cased terms: `"Sky, WALK"` → `["sky", "walk"]`.
pub(crate) fn terms(search: &str) -> Vec<String> {
    search
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|term| !term.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `record` matches all `terms` (lower-cased, as [`terms`] returns)
/// in at least one of `fields`.
pub(crate) fn matches(record: &Record, fields: &[&str], terms: &[String]) -> bool {
    let haystacks: Vec<String> = fields
        .iter()
        .filter_map(|field| record.fields.get(*field).and_then(Value::as_str))
        .map(str::to_lowercase)
        .collect();
    terms
        .iter()
        .all(|term| haystacks.iter().any(|text| text.contains(term.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ship(name: &str, model: &str) -> Record {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), name.into());
        fields.insert("model".into(), model.into());
        Record { id: 1, fields }
    }

    #[test]
    fn terms_split_on_commas_and_spaces_and_ignore_blanks() {
        assert_eq!(terms(" Sky,WALK  er ,"), ["sky", "walk", "er"]);
        assert!(terms(" , ").is_empty());
    }

    #[test]
    fn every_term_must_match_some_field() {
        let falcon = ship("Millennium Falcon", "YT-1300 light freighter");
        let fields = ["name", "model"];
        assert!(matches(&falcon, &fields, &terms("falcon")));
        assert!(matches(&falcon, &fields, &terms("FALCON yt-1300")));
        assert!(!matches(&falcon, &fields, &terms("falcon x-wing")));
        assert!(!matches(&falcon, &["name"], &terms("freighter")));
    }

    #[test]
    fn no_terms_match_everything() {
        assert!(matches(&ship("a", "b"), &["name"], &[]));
    }
}
