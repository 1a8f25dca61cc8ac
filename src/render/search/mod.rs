//! Search index, split so that a query downloads only what it needs (Pagefind's design, without
//! its WebAssembly). Per language, under `<lang>/search-index/`:
//!
//! - `index.js`, the manifest: the number of pages, the pages per page file and the first word
//!   of each term chunk. The search page loads it up front; it is a few kilobytes even at
//!   thousands of pages.
//! - `terms/<n>.js`: chunk `n` of the site's words in alphabetical order, each word with its
//!   postings (`terms.rs`). A query loads only the chunks whose words its terms can match.
//! - `pages/<f>.js`: pages `4f` to `4f + 3` (pages are numbered in title order; `PER_FILE` a
//!   file) — title, section, URL and text of each (blocks on their own lines, cut at 6,000
//!   characters) — loaded only for the results shown.
//!
//! Each file is a classic script that calls a callback `themes/*/static/search.js` registers
//! (`window.playbookSearch.manifest`, `.terms`, `.pages`) with JSON data. Scripts, because they
//! load under `default-src 'self'` and from `file://`, where Chromium refuses `fetch` of local
//! files; no `eval`, and no WebAssembly, which would need `'wasm-unsafe-eval'` in the policy.
//!
//! Words are folded here exactly as the browser folds the query (`words.rs`): accents and case
//! ignored. The browser strips common French and English endings from each query word (a light
//! stemmer: "organisations", "organising" → "organis") and matches it as the start of indexed
//! words; a query word of one or two letters matches whole words only, so that typing "e" does
//! not load every chunk of words starting with "e". Every word of the query must match (AND).
//!
//! Results rank as before the split: a word in the title first, then how often in the text
//! (up to ten), the typed form before the stem; equal scores in title order, which is page order.
//!
//! The pipeline keeps one line per page (`entry`, the page's JSON data, made when its body is
//! rendered); `search_index` numbers the pages, folds their words in parallel batches of
//! `BATCH` pages into postings (page numbers and weights, not text: a few bytes per word and
//! page) and writes the files. It holds little besides the lines it is given and the page files
//! it returns. Same input, same bytes: pages are ordered by title, words alphabetically, chunks
//! cut by content. In watch mode each language's `Index` is kept between edits (`live_index`);
//! an edit re-folds only the edited pages (`update_index`) and only the files whose bytes changed
//! are written: the page's page file and the chunks of the words it gained or lost, since the
//! cuts between chunks depend on their words, not on offsets. When an edit adds or drops a
//! chunk, `authoring::incremental` falls back to a full build, which removes the file that went.

mod index;
mod terms;
mod words;

use std::borrow::Cow;
use std::collections::BTreeSet;

pub(crate) use index::Index;

use crate::content::model::{Key, Site};
use crate::render::bodies::Bodies;

/// One searchable page.
pub(crate) struct Doc {
    pub(crate) title: String,
    pub(crate) section: String,
    /// Site path, relative to the site root.
    pub(crate) url: String,
    pub(crate) text: String,
}

/// Longest text kept per page, in characters, for matching and snippets.
const MAX_TEXT: usize = 6000;

/// One page's data, a JSON array `[title, section, url, text]`: the body of its page file.
/// Pages are indexed as they are rendered, so that watch mode only redoes the lines of the
/// pages that changed.
pub(crate) fn entry(d: &Doc) -> String {
    let text: String = squeeze(&d.text).chars().take(MAX_TEXT).collect();
    format!(
        "[{},{},{},{}]",
        json(&d.title),
        json(&d.section),
        json(&d.url),
        json(&text)
    )
}

/// Runs of white space as one space, or one line break when they hold one: the body's text
/// has a line break between blocks (headings, paragraphs, list items, table rows), which the
/// browser side uses to cut excerpts.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap: Option<char> = None;
    for c in text.chars() {
        if c.is_whitespace() {
            if c == '\n' || gap.is_none() {
                gap = Some(if c == '\n' { '\n' } else { ' ' });
            }
            continue;
        }
        if let Some(g) = gap.take() {
            if !out.is_empty() {
                out.push(g);
            }
        }
        out.push(c);
    }
    out
}

fn json(s: &str) -> String {
    // `</script>` cannot close anything in a separate file, but keep `<` escaped anyway.
    serde_json::to_string(s)
        .expect("strings serialise")
        .replace('<', "\\u003c")
}

/// Where a language's index lives, under the site root.
pub(crate) fn index_folder(lang: &str) -> String {
    format!("{lang}/search-index/")
}

/// Every page's line in one language, in `site.entries` order: the entries indexed with the
/// bodies, and a line made here for a page without a body of its own (such as a section
/// without an `_index` file).
pub(crate) fn lines<'a>(site: &Site, lang: &str, bodies: &'a Bodies) -> Vec<Cow<'a, str>> {
    // `bodies.search` is sorted by page then language, like `site.entries`: walk both at once.
    let mut indexed = bodies
        .search
        .iter()
        .filter(|((_, l), _)| l == lang)
        .peekable();
    let mut lines: Vec<Cow<str>> = Vec::with_capacity(site.entries.len());
    for key in site.entries.keys() {
        while indexed.next_if(|((k, _), _)| k < key).is_some() {}
        lines.push(match indexed.next_if(|((k, _), _)| k == key) {
            Some((_, line)) => Cow::Borrowed(line.as_str()),
            None => Cow::Owned(search_entry(site, key, lang, "")),
        });
    }
    lines
}

/// The search index files of one language.
pub(crate) fn search_index(site: &Site, lang: &str, bodies: &Bodies) -> Vec<(String, Vec<u8>)> {
    live_index(site, lang, bodies).1
}

/// A language's index to keep between watch-mode rebuilds, and its files.
pub(crate) fn live_index(
    site: &Site,
    lang: &str,
    bodies: &Bodies,
) -> (Index, Vec<(String, Vec<u8>)>) {
    let lines = lines(site, lang, bodies);
    let index = Index::build(&index_folder(lang), &lines);
    let files = index.files(&lines, None);
    (index, files)
}

/// Updates a kept index after the text of `changed` pages changed (their titles cannot have:
/// that is a full build), and returns the files that can differ: the manifest, the chunks
/// and the changed pages' files.
pub(crate) fn update_index(
    index: &mut Index,
    site: &Site,
    lang: &str,
    bodies: &Bodies,
    changed: &BTreeSet<Key>,
) -> Vec<(String, Vec<u8>)> {
    let lines = lines(site, lang, bodies);
    let positions: Vec<usize> = site
        .entries
        .keys()
        .enumerate()
        .filter(|(_, k)| changed.contains(*k))
        .map(|(i, _)| i)
        .collect();
    for &i in &positions {
        index.update(i, &lines[i]);
    }
    index.files(&lines, Some(&positions))
}

/// A page's line of the search index, with the plain text of its body.
pub(crate) fn search_entry(site: &Site, key: &Key, lang: &str, text: &str) -> String {
    entry(&Doc {
        title: site.title(key, lang),
        section: key
            .parent()
            .map(|p| site.title(&p, lang))
            .unwrap_or_default(),
        url: site.url(key, lang).to_string(),
        text: format!("{}\n{text}", site.summary(key, lang).unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, text: &str) -> String {
        entry(&Doc {
            title: title.into(),
            section: "S".into(),
            url: format!("fr/{}/", title.to_lowercase()),
            text: text.into(),
        })
    }

    fn file<'a>(files: &'a [(String, Vec<u8>)], path: &str) -> &'a str {
        let (_, bytes) = files.iter().find(|(p, _)| p == path).expect(path);
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn entry_is_valid_javascript_data() {
        let line = entry(&Doc {
            title: "Équipe \"A\"".into(),
            section: "S".into(),
            url: "fr/a/".into(),
            text: "x  <b>\n y\t z ".into(),
        });
        assert_eq!(line, r#"["Équipe \"A\"","S","fr/a/","x \u003cb>\ny z"]"#);
    }

    #[test]
    fn pages_are_numbered_in_title_order_and_words_point_at_them() {
        let entries: Vec<Cow<str>> = [
            doc("Zèbre", "une équipe"),
            doc("Abeille", "Les équipes, l’équipe"),
        ]
        .into_iter()
        .map(Cow::Owned)
        .collect();
        let files = Index::build("fr/search-index/", &entries).files(&entries, None);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "fr/search-index/pages/0.js",
                "fr/search-index/index.js",
                "fr/search-index/terms/0.js"
            ]
        );
        // Both pages in one page file, in title order.
        let pages = file(&files, "fr/search-index/pages/0.js");
        assert!(pages.starts_with(r#"window.playbookSearch.pages(0,[["Abeille","#));
        assert!(pages.contains(r#"],["Zèbre","#) && pages.ends_with("]]);\n"));
        assert_eq!(
            file(&files, "fr/search-index/index.js"),
            "window.playbookSearch.manifest({\"chunks\":[\"abeille\"],\"pages\":2,\"per\":4});\n"
        );
        let terms = file(&files, "fr/search-index/terms/0.js");
        // "equipe": once in the text of page 0 (gap 0, weight 1), once in page 1's.
        assert!(terms.contains(r#""equipe","ABAB""#), "{terms}");
        assert!(terms.contains(r#""equipes","AB""#), "{terms}");
        // "zebre": page 1, in the title (weight 11 = L).
        assert!(terms.contains(r#""zebre","BL""#), "{terms}");
    }

    #[test]
    fn same_entries_same_bytes() {
        let entries: Vec<Cow<str>> = (0..600)
            .map(|i| {
                Cow::Owned(doc(
                    &format!("Page {}", i % 97),
                    &format!("mot{} texte {i}", i % 13),
                ))
            })
            .collect();
        let files = || Index::build("en/search-index/", &entries).files(&entries, None);
        assert_eq!(files(), files());
        // A page's text changed in a kept index gives the files of a fresh build.
        let mut index = Index::build("en/search-index/", &entries);
        let mut edited = entries.clone();
        edited[5] = Cow::Owned(doc("Page 5", "un texte neuf"));
        index.update(5, &edited[5]);
        let partial = index.files(&edited, Some(&[5]));
        let fresh = Index::build("en/search-index/", &edited).files(&edited, None);
        for (path, bytes) in &partial {
            assert_eq!(
                Some(bytes),
                fresh.iter().find(|(p, _)| p == path).map(|(_, b)| b),
                "{path}"
            );
        }
        assert!(
            partial
                .iter()
                .filter(|(p, _)| p.contains("/pages/"))
                .count()
                == 1
        );
    }
}
