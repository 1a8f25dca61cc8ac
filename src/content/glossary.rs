//! The glossary: the terms of the glossary page (`content/glossary.<lang>.md`), read once its
//! files are parsed. Each term is a `## Term {#id}` heading, with the same id in every
//! language, followed by its definition; the page's `terms` field gives a term's other forms in
//! that language (`terms = { working-group = ["working groups"] }`). Checked here with located
//! errors: every term heading has an explicit id used once, every id of `terms` is a term of
//! the page, and every language defines the same terms. Linking the terms from the other pages
//! is `render::glossary`'s job; nothing here renders.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::content::kinds::{KindFront, GLOSSARY_ID};
use crate::content::model::{Entry, Key, Translation};
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};

/// One term of the glossary, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    pub(crate) id: String,
    /// What a page may write: the heading's text, then the forms listed in `terms`.
    pub(crate) forms: Vec<String>,
    /// The first sentence of the definition, as plain text.
    pub(crate) definition: String,
}

/// The glossary's terms per language of text (empty when the site has no glossary page).
#[derive(Debug, Clone, Default)]
pub(crate) struct Glossary {
    pub(crate) terms: BTreeMap<String, Vec<Term>>,
}

/// The glossary page's key: the top-level page `glossary`.
pub(crate) fn key() -> Key {
    Key::new("", GLOSSARY_ID)
}

/// A term heading as written: its id (if any), text, and where it is in the file.
struct Heading {
    id: Option<String>,
    text: String,
    at: usize,
    len: usize,
}

/// Reads and checks the glossary page's terms, in every language it is written in.
pub(crate) fn read(entries: &BTreeMap<Key, Entry>, problems: &mut Diagnostics) -> Glossary {
    let mut glossary = Glossary::default();
    let Some(entry) = entries.get(&key()) else {
        return glossary;
    };
    let mut headings: BTreeMap<&str, Vec<Heading>> = BTreeMap::new();
    let at = |t: &Translation, h: &Heading, message: String| {
        Diagnostic::at(&t.file, t.text(), h.at, h.len, message)
    };
    for (lang, t) in &entry.translations {
        let (list, definitions) = term_headings(t);
        let mut terms = Vec::new();
        let mut seen = BTreeSet::new();
        for (h, definition) in list.iter().zip(definitions) {
            let Some(id) = &h.id else {
                problems.push(
                    at(t, h, format!("glossary term `{}` has no id", h.text))
                        .help(format!("write `## {} {{#{}}}`: the same id in every language lets the other pages link to the term", h.text, crate::content::urls::slugify(&h.text))),
                );
                continue;
            };
            if !seen.insert(id.clone()) {
                problems.push(
                    at(t, h, format!("glossary term id `{id}` is used twice"))
                        .help("give every term its own id"),
                );
                continue;
            }
            terms.push(Term {
                id: id.clone(),
                forms: vec![h.text.clone()],
                definition,
            });
        }
        if let KindFront::Glossary { terms: extra } = &t.front.kind {
            add_forms(t, &mut terms, extra, problems);
        }
        glossary.terms.insert(lang.clone(), terms);
        headings.insert(lang, list);
    }
    // Every language defines the same terms.
    for (lang, terms) in &glossary.terms {
        let t = &entry.translations[lang];
        for (other, other_terms) in &glossary.terms {
            let theirs: BTreeSet<&str> = other_terms.iter().map(|t| t.id.as_str()).collect();
            for term in terms
                .iter()
                .filter(|term| !theirs.contains(term.id.as_str()))
            {
                let h = headings[lang.as_str()]
                    .iter()
                    .find(|h| h.id.as_deref() == Some(&term.id))
                    .expect("a term comes from a heading");
                problems.push(
                    at(
                        t,
                        h,
                        format!(
                            "glossary term `{}` is missing from `{}`",
                            term.id, entry.translations[other].file
                        ),
                    )
                    .help(format!(
                        "add it there as `## … {{#{}}}`, or remove it here: both languages define the same terms",
                        term.id
                    )),
                );
            }
        }
    }
    glossary
}

/// Adds the forms of the `terms` field to the terms, reporting ids that are not terms.
fn add_forms(
    t: &Translation,
    terms: &mut [Term],
    extra: &BTreeMap<String, Vec<String>>,
    problems: &mut Diagnostics,
) {
    let ids: Vec<String> = terms.iter().map(|t| t.id.clone()).collect();
    // `terms = { id = [...] }` on one line, or a `[terms]` table with a line per id.
    let front = &t.text()[t.front_offset..t.front_offset + t.front_len];
    let inline = front.lines().any(|l| {
        l.trim_start()
            .strip_prefix("terms")
            .is_some_and(|r| r.trim_start().starts_with(['=', ':']))
    });
    let at = |id: &str, message: String| {
        if inline {
            t.error_at("terms", Some(id), message)
        } else {
            t.error_at(id, None, message)
        }
    };
    for (id, forms) in extra {
        let Some(term) = terms.iter_mut().find(|term| &term.id == id) else {
            let d = at(
                id,
                format!("`terms` names `{id}`, which is not a term of this page"),
            );
            problems.push(match did_you_mean(id, ids.iter().map(String::as_str)) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help(format!(
                    "the ids of the `## Term {{#id}}` headings are: {}",
                    ids.join(", ")
                )),
            });
            continue;
        };
        for form in forms {
            if form.trim().is_empty() {
                problems.push(
                    t.error_at(
                        "terms",
                        Some(id),
                        format!("an empty form of the term `{id}`"),
                    )
                    .help("write the words as a page would, e.g. \"working groups\""),
                );
            } else if !term
                .forms
                .iter()
                .any(|f| f.to_lowercase() == form.trim().to_lowercase())
            {
                term.forms.push(form.trim().to_string());
            }
        }
    }
}

/// The page's level-2 headings and, for each, the first sentence of the paragraph after it.
fn term_headings(t: &Translation) -> (Vec<Heading>, Vec<String>) {
    let body = t.body();
    let mut headings: Vec<Heading> = Vec::new();
    let mut definitions: Vec<String> = Vec::new();
    let mut in_heading = false;
    // The paragraph being read after a heading, until its first sentence is known.
    let mut paragraph: Option<String> = None;
    let options = Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_TABLES;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                id,
                ..
            }) => {
                let line = &body[range.clone()];
                headings.push(Heading {
                    id: id.map(|s| s.to_string()),
                    text: String::new(),
                    at: t.body_offset + range.start,
                    len: line.trim_end().len(),
                });
                definitions.push(String::new());
                in_heading = true;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => in_heading = false,
            Event::Start(Tag::Paragraph)
                if !headings.is_empty() && definitions.last().is_some_and(String::is_empty) =>
            {
                paragraph = Some(String::new());
            }
            Event::End(TagEnd::Paragraph) => {
                if let (Some(text), Some(last)) = (paragraph.take(), definitions.last_mut()) {
                    *last = first_sentence(&text);
                }
            }
            Event::Text(s) | Event::Code(s) => {
                if in_heading {
                    if let Some(h) = headings.last_mut() {
                        h.text.push_str(&s);
                    }
                } else if let Some(p) = &mut paragraph {
                    p.push_str(&s);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(p) = &mut paragraph {
                    p.push(' ');
                }
            }
            _ => {}
        }
    }
    for h in &mut headings {
        h.text = h.text.trim().to_string();
    }
    (headings, definitions)
}

/// The text up to and including its first full stop, question or exclamation mark followed by a
/// space (or the end).
fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && text[i + c.len_utf8()..].starts_with(' ') {
            end = i + c.len_utf8();
            break;
        }
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_stops_at_the_first_full_stop() {
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("No stop at all"), "No stop at all");
        assert_eq!(
            first_sentence("Version 2.0 is out. Yes."),
            "Version 2.0 is out."
        );
    }
}
