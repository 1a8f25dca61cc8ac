//! Search index: one small JavaScript file per language (`<lang>/search-index.js`), built at
//! build time from every page's title, section and text. Shipped as a script rather than JSON so
//! it also loads from `file://` and offline. The browser side (`themes/*/static/search.js`)
//! folds accents and case on both sides and matches word prefixes, which also covers plural and
//! most inflected forms in French and English.

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

/// The index script for one language.
#[cfg(test)]
pub(crate) fn index_script(docs: &[Doc]) -> String {
    let entries: Vec<String> = docs.iter().map(entry).collect();
    script(entries.iter().map(String::as_str))
}

/// The index script from its entries, in order.
pub(crate) fn script<'a>(entries: impl Iterator<Item = &'a str> + Clone) -> String {
    const HEAD: &str = "window.playbookSearch=[\n";
    const TAIL: &str = "];\n";
    let len = HEAD.len() + entries.clone().map(str::len).sum::<usize>() + TAIL.len();
    let mut js = String::with_capacity(len);
    js.push_str(HEAD);
    for e in entries {
        js.push_str(e);
    }
    js.push_str(TAIL);
    js
}

/// One page's line of the index script. Pages are indexed as they are rendered, so that watch
/// mode only redoes the lines of the pages that changed.
pub(crate) fn entry(d: &Doc) -> String {
    let text: String = squeeze(&d.text).chars().take(MAX_TEXT).collect();
    format!(
        "[{},{},{},{}],\n",
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

/// The search index script of one language, from the entries indexed with the bodies (a page
/// without a body of its own, such as a section without an `_index` file, is indexed here).
pub(crate) fn search_index(site: &Site, lang: &str, bodies: &Bodies) -> (String, Vec<u8>) {
    // `bodies.search` is sorted by page then language, like `site.entries`: walk both at once.
    let mut indexed = bodies
        .search
        .iter()
        .filter(|((_, l), _)| l == lang)
        .peekable();
    let mut entries: Vec<std::borrow::Cow<str>> = Vec::with_capacity(site.entries.len());
    for key in site.entries.keys() {
        while indexed.next_if(|((k, _), _)| k < key).is_some() {}
        entries.push(match indexed.next_if(|((k, _), _)| k == key) {
            Some((_, line)) => std::borrow::Cow::Borrowed(line.as_str()),
            None => std::borrow::Cow::Owned(search_entry(site, key, lang, "")),
        });
    }
    (
        format!("{lang}/search-index.js"),
        script(entries.iter().map(|e| e.as_ref())).into_bytes(),
    )
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

    #[test]
    fn script_is_valid_javascript_data() {
        let js = index_script(&[Doc {
            title: "Équipe \"A\"".into(),
            section: "S".into(),
            url: "fr/a/".into(),
            text: "x  <b>\n y\t z ".into(),
        }]);
        assert!(js.starts_with("window.playbookSearch=["));
        assert!(
            js.contains(r#"["Équipe \"A\"","S","fr/a/","x \u003cb>\ny z"]"#),
            "{js}"
        );
    }
}
