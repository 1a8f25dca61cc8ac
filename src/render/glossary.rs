//! Glossary links: the first use of each glossary term on a page becomes a link to its
//! definition, `<a class="term" href="…/glossary/#id" title="first sentence">`. Works on the
//! Markdown event stream before `markdown` renders it: only body text is linked (not headings,
//! link or image text, code, raw HTML or table headers), forms are matched case-insensitively
//! as whole words with accents respected, the longest form first where several start at the
//! same place, and the glossary page itself is left alone. The terms come from
//! `content::glossary`, in the language the text is written in; the link leads to the glossary
//! in the page's language, with that language's definition as title (term ids are the same in
//! every language).

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::content::glossary::{key, Term};
use crate::render::highlight::escape;
use crate::render::markdown::Context;

/// One term ready for matching: its forms lowercased, longest first.
struct Matcher {
    id: String,
    forms: Vec<Vec<char>>,
    open: String,
}

/// Wraps a page's events so that the first use of each term links to the glossary.
pub(crate) fn link<'a, I>(events: I, ctx: &Context, file: &str) -> Linker<'a, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    let glossary = key();
    let terms = match ctx.site.entries.get(&glossary) {
        Some(entry) if !entry.translations.values().any(|t| t.file == file) => ctx
            .site
            .glossary
            .terms
            .get(ctx.text_lang)
            .map(|terms| {
                let url = format!("{}{}", ctx.root, ctx.site.url(&glossary, ctx.lang));
                // The definition in the page's language, for a reader of a text left untranslated.
                let own = ctx.site.glossary.terms.get(ctx.lang);
                let definition = |t: &Term| {
                    own.and_then(|own| own.iter().find(|o| o.id == t.id))
                        .unwrap_or(t)
                        .definition
                        .clone()
                };
                terms
                    .iter()
                    .map(|t| matcher(t, &definition(t), &url))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Linker {
        events,
        terms,
        linked: BTreeSet::new(),
        skip: 0,
        pending: VecDeque::new(),
    }
}

fn matcher(term: &Term, definition: &str, url: &str) -> Matcher {
    let mut forms: Vec<Vec<char>> = term
        .forms
        .iter()
        .map(|f| f.to_lowercase().chars().collect())
        .collect();
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    // `=` written as a reference keeps the attribute clear of the raw-HTML safety check.
    let title = escape(definition).replace('=', "&#61;");
    Matcher {
        id: term.id.clone(),
        forms,
        open: format!(
            "<a class=\"term\" href=\"{url}#{}\" title=\"{title}\">",
            term.id
        ),
    }
}

/// The event stream with the terms linked.
pub(crate) struct Linker<'a, I> {
    events: I,
    terms: Vec<Matcher>,
    /// Terms already linked on this page.
    linked: BTreeSet<String>,
    /// How deep inside an element whose text is never linked.
    skip: usize,
    pending: VecDeque<(Event<'a>, Range<usize>)>,
}

impl<'a, I> Iterator for Linker<'a, I>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.pop_front() {
            return Some(e);
        }
        let (event, range) = self.events.next()?;
        match &event {
            Event::Start(
                Tag::Heading { .. }
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::TableHead,
            ) => self.skip += 1,
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::TableHead,
            ) => self.skip = self.skip.saturating_sub(1),
            Event::Text(text) if self.skip == 0 && self.linked.len() < self.terms.len() => {
                let pieces = self.split(text);
                if pieces.len() > 1 {
                    self.pending
                        .extend(pieces.into_iter().map(|e| (e, range.clone())));
                    return self.pending.pop_front();
                }
            }
            _ => {}
        }
        Some((event, range))
    }
}

impl<'a, I> Linker<'a, I> {
    /// The text as events, with the first use of each term not linked yet wrapped in a link.
    fn split(&mut self, text: &str) -> Vec<Event<'a>> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut out = Vec::new();
        let mut from = 0; // byte offset of the text not emitted yet
        let mut i = 0;
        while i < chars.len() {
            let boundary_before = i == 0 || !chars[i - 1].1.is_alphanumeric();
            let found = boundary_before.then(|| self.match_at(&chars, i)).flatten();
            let Some((t, end)) = found else {
                i += 1;
                continue;
            };
            let (start, stop) = (chars[i].0, chars.get(end).map_or(text.len(), |c| c.0));
            if start > from {
                out.push(Event::Text(CowStr::from(text[from..start].to_string())));
            }
            // `Html`, not `InlineHtml`: markup made here, which the renderer does not take for
            // the editor's raw HTML.
            out.push(Event::Html(CowStr::from(self.terms[t].open.clone())));
            out.push(Event::Text(CowStr::from(text[start..stop].to_string())));
            out.push(Event::Html(CowStr::from("</a>")));
            self.linked.insert(self.terms[t].id.clone());
            from = stop;
            i = end;
        }
        if !out.is_empty() && from < text.len() {
            out.push(Event::Text(CowStr::from(text[from..].to_string())));
        }
        out
    }

    /// The longest form of a term not linked yet that starts at `i` and ends a word: the
    /// term's index and the char index after the match.
    fn match_at(&self, chars: &[(usize, char)], i: usize) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize, usize)> = None; // (term, end, length)
        for (t, term) in self.terms.iter().enumerate() {
            if self.linked.contains(&term.id) {
                continue;
            }
            for form in &term.forms {
                if best.is_some_and(|(_, _, len)| len >= form.len()) {
                    break;
                }
                if let Some(end) = matches(chars, i, form) {
                    if chars.get(end).is_none_or(|c| !c.1.is_alphanumeric()) {
                        best = Some((t, end, form.len()));
                        break;
                    }
                }
            }
        }
        best.map(|(t, end, _)| (t, end))
    }
}

/// Where `form` (lowercase) ends if the text matches it from char `i`, case-insensitively.
fn matches(chars: &[(usize, char)], i: usize, form: &[char]) -> Option<usize> {
    let (mut k, mut j) = (0, i);
    while k < form.len() {
        let (_, c) = chars.get(j)?;
        for lower in c.to_lowercase() {
            if form.get(k) != Some(&lower) {
                return None;
            }
            k += 1;
        }
        j += 1;
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn chars(s: &str) -> Vec<(usize, char)> {
        s.char_indices().collect()
    }

    #[test]
    fn matches_ignore_case_but_not_accents() {
        let form: Vec<char> = "groupe de travail".chars().collect();
        assert_eq!(matches(&chars("Groupe de travail."), 0, &form), Some(17));
        assert_eq!(matches(&chars("Groupé de travail"), 0, &form), None);
        let form: Vec<char> = "veille".chars().collect();
        assert_eq!(matches(&chars("la VEILLE"), 3, &form), Some(9));
    }
}
