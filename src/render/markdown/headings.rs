//! Heading ids and attributes. Every heading gets a stable id, unique on its page: the one
//! written in `{#custom}` or else its text accent-folded (`## Étape 1` → `etape-1`), never one
//! the templates use. What `{…}` may hold is checked here: `#id` and `.class` made of plain
//! identifier characters (letters, digits, `-`, `_`), nothing else — so attribute syntax can
//! never smuggle markup into a tag.

use std::collections::{BTreeMap, BTreeSet};

use crate::content::urls::slugify;

/// Ids the templates use; headings never take them.
const RESERVED_IDS: [&str; 29] = [
    "main",
    "top",
    "site-nav",
    "site-search-q",
    "menu-search-q",
    "matrix-legend",
    "node-result",
    "node-result-title",
    "question-hint",
    "result-obstacles",
    "result-start",
    "result-then",
    "result-to-check",
    "toc-title",
    "signals-title",
    "addressed-title",
    "addresses-title",
    "actions-title",
    "roles-title",
    "sources-title",
    "search-q",
    "search-help",
    "search-status",
    "search-results",
    "matrix-caption",
    "print-toc",
    "your-answers",
    "diagnostic-overview",
    "answers-title",
];

/// The ids given so far on one page.
pub(crate) struct Ids {
    used: BTreeSet<String>,
    /// The next number to try for each repeated id: counting again from 1 for every repeat
    /// made a page of many same-named headings quadratic (found by fuzzing).
    next_number: BTreeMap<String, usize>,
    /// Prepended to every id when several bodies share one page (the print view).
    prefix: String,
}

impl Ids {
    pub(crate) fn new(prefix: &str) -> Ids {
        Ids {
            used: RESERVED_IDS.iter().map(|s| s.to_string()).collect(),
            next_number: BTreeMap::new(),
            prefix: prefix.to_string(),
        }
    }

    /// The id of a heading: `custom`, or else made from its text; `-1`, `-2`… when taken.
    pub(crate) fn next(&mut self, custom: Option<&str>, text: &str) -> String {
        let base = match custom {
            Some(id) => id.to_string(),
            None => match slugify(text) {
                s if s.is_empty() => "section".to_string(),
                s => s,
            },
        };
        let base = if self.prefix.is_empty() {
            base
        } else {
            format!("{}-{base}", self.prefix)
        };
        let mut id = base.clone();
        let n = self.next_number.entry(base.clone()).or_insert(1);
        while !self.used.insert(id.clone()) {
            id = format!("{base}-{n}");
            *n += 1;
        }
        id
    }
}

/// True for an id or class made only of ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit.
pub(crate) fn is_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What is wrong with a heading's `{…}` attributes: the text to underline, the message and
/// what to write instead.
pub(crate) fn attribute_problems(
    id: Option<&str>,
    classes: &[String],
    others: &[(String, Option<String>)],
) -> Vec<(String, String, String)> {
    let mut problems = Vec::new();
    if let Some(id) = id.filter(|id| !is_identifier(id)) {
        let suggestion = slugify(id);
        problems.push((
            format!("#{id}"),
            format!("heading id `{id}` is not a plain identifier"),
            if suggestion.is_empty() {
                "write `{#my-id}`: letters, digits, `-` and `_` only".to_string()
            } else {
                format!("write `{{#{suggestion}}}`: letters, digits, `-` and `_` only")
            },
        ));
    }
    for class in classes.iter().filter(|c| !is_identifier(c)) {
        problems.push((
            format!(".{class}"),
            format!("heading class `{class}` is not a plain identifier"),
            "write `{.my-class}`: letters, digits, `-` and `_` only".to_string(),
        ));
    }
    for (name, value) in others {
        let written = match value {
            Some(v) => format!("{name}={v}"),
            None => name.clone(),
        };
        problems.push((
            name.clone(),
            format!("heading attribute `{written}` is not allowed"),
            "a heading takes only an id and classes: `## Title {#my-id .my-class}`".to_string(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("actions"));
        assert!(is_identifier("step_2-b"));
        assert!(!is_identifier("x\"onmouseover=\"alert(1)"));
        assert!(!is_identifier("étape"));
        assert!(!is_identifier("-x"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn ids_are_unique_and_never_reserved() {
        let mut ids = Ids::new("");
        assert_eq!(ids.next(None, "Étape 1"), "etape-1");
        assert_eq!(ids.next(None, "Étape 1"), "etape-1-1");
        assert_eq!(ids.next(Some("main"), ""), "main-1");
        assert_eq!(ids.next(None, "!!!"), "section");
        let mut print = Ids::new("champion");
        assert_eq!(print.next(None, "Actions"), "champion-actions");
    }

    /// Every id the default theme's templates write is reserved, so that no heading of a page
    /// takes it (a heading "Menu search q" made a second `menu-search-q` before it was listed).
    #[test]
    fn every_id_of_the_templates_is_reserved() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/templates");
        let mut seen = 0;
        for entry in std::fs::read_dir(folder).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (at, _) in text.match_indices(" id=\"") {
                let rest = &text[at + 5..];
                let id = &rest[..rest.find('"').unwrap()];
                if id.contains("{{") {
                    continue;
                }
                seen += 1;
                assert!(
                    RESERVED_IDS.contains(&id),
                    "the templates use id {id:?}: add it to RESERVED_IDS"
                );
            }
        }
        assert!(seen >= 20, "only {seen} ids found in the templates");
    }
}
