//! What a reader downloads to search a built site: the files the search page loads before the
//! first keystroke, and those a one-word query loads, found the way `search.js` finds them —
//! the search page's `<script src>` and `data-index` attributes, then the manifest's chunk list,
//! the chunks' postings and the ranking, to pick the term chunks and the first page files
//! (`SHOWN`) the browser would load. Used by `examples/bench.rs` (`--only search`) and by
//! `tests/search.rs`. Words are folded by the generator's own `words.rs`; the stemmer's endings
//! are the list in `search.js` (tests/search.rs checks they agree).

// The bench uses `search_bytes`, the tests the rest.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "../../src/render/search/words.rs"]
mod words;

/// Appends the folded words of `text` (the inside of a JSON string), each followed by a space.
pub fn words_of(text: &str, out: &mut String) -> usize {
    words::words_of_json(text, out)
}

/// Results the search page shows before "show more".
pub const SHOWN: usize = 10;
/// Query words shorter than this match whole words only.
const SHORT: usize = 3;
/// The stemmer's endings, in `search.js`'s order.
pub const SUFFIXES: [&str; 43] = [
    "issements",
    "issement",
    "ications",
    "ication",
    "atrices",
    "ateurs",
    "ations",
    "ements",
    "atrice",
    "ateur",
    "ation",
    "ement",
    "ments",
    "ment",
    "ances",
    "ance",
    "ences",
    "ence",
    "ities",
    "ity",
    "ings",
    "ing",
    "ised",
    "ized",
    "ises",
    "izes",
    "ise",
    "ize",
    "ness",
    "euses",
    "euse",
    "eurs",
    "eur",
    "ers",
    "er",
    "ies",
    "ied",
    "ees",
    "ee",
    "ed",
    "es",
    "s",
    "x",
];
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Bytes a reader downloads for search.
#[derive(Debug, Clone, Copy)]
pub struct SearchBytes {
    /// Before the first keystroke: `search.js` and the manifest.
    pub first_load: u64,
    /// For the query: its term chunks and the page files of the results shown.
    pub query: u64,
    /// Files loaded in all (first load and query).
    pub files: usize,
}

/// The files behind a query, in the order the browser loads them.
#[derive(Debug)]
pub struct QueryFiles {
    pub first_load: Vec<PathBuf>,
    pub chunks: Vec<PathBuf>,
    pub pages: Vec<PathBuf>,
    /// Every matching page number, best first.
    pub ranked: Vec<u32>,
}

pub fn search_bytes(site: &Path, lang: &str, word: &str) -> Result<SearchBytes, String> {
    let q = query_files(site, lang, word)?;
    let size = |files: &[PathBuf]| -> Result<u64, String> {
        files.iter().try_fold(0, |n, f| {
            Ok(n + std::fs::metadata(f)
                .map_err(|e| format!("{}: {e}", f.display()))?
                .len())
        })
    };
    Ok(SearchBytes {
        first_load: size(&q.first_load)?,
        query: size(&q.chunks)? + size(&q.pages)?,
        files: q.first_load.len() + q.chunks.len() + q.pages.len(),
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The value of the first `name="…"` after `from` in `html`.
fn attr_after<'a>(html: &'a str, from: &str, name: &str) -> Option<&'a str> {
    let at = html.find(from)?;
    let rest = &html[at..];
    let start = rest.find(&format!("{name}=\""))? + name.len() + 2;
    let len = rest[start..].find('"')?;
    Some(&rest[start..start + len])
}

/// `url` (relative, as written in the page at `page`) as a file under `site`.
fn resolve(site: &Path, page: &str, url: &str) -> PathBuf {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for p in url.split(['?', '#']).next().unwrap_or("").split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    let mut path = site.to_path_buf();
    path.extend(parts);
    if url.ends_with('/') {
        path.push("index.html");
    }
    path
}

/// Postings of a chunk: word → postings string.
type Chunk = Vec<(String, String)>;

fn payload<'a>(js: &'a str, call: &str) -> Result<&'a str, String> {
    let start = js.find(call).ok_or(format!("no {call}"))? + call.len();
    let end = js.rfind(");").ok_or("unterminated call")?;
    Ok(&js[start..end])
}

fn terms(word: &str) -> Vec<(String, String, bool)> {
    let mut folded = String::new();
    words::words_of_json(word, &mut folded);
    let mut seen = Vec::new();
    for t in folded.split_ascii_whitespace() {
        if !seen.iter().any(|(s, _, _)| s == t) {
            let whole = t.len() < SHORT;
            let key = if whole { t.to_string() } else { stem(t) };
            seen.push((t.to_string(), key, whole));
        }
    }
    seen
}

pub fn stem(w: &str) -> String {
    for s in SUFFIXES {
        if w.len() >= s.len() + 4 && w.ends_with(s) {
            return w[..w.len() - s.len()].to_string();
        }
    }
    w.to_string()
}

/// Chunks a term can match, as `search.js`'s `chunksOf`.
fn chunks_of(firsts: &[String], key: &str, whole: bool) -> Vec<usize> {
    if firsts.is_empty() {
        return Vec::new();
    }
    let at = firsts
        .partition_point(|f| f.as_str() <= key)
        .saturating_sub(1);
    let end = format!("{key}{{");
    let mut out = vec![at];
    if !whole {
        out.extend((at + 1..firsts.len()).take_while(|&i| firsts[i] < end));
    }
    out
}

/// Decodes postings: (page, weight).
pub fn postings(s: &str) -> Vec<(u32, u32)> {
    let digit = |c: u8| DIGITS.iter().position(|d| *d == c).unwrap_or(0) as u32;
    let (mut out, mut next, mut bytes) = (Vec::new(), 0u32, s.bytes());
    while let Some(mut d) = bytes.next().map(digit) {
        let (mut gap, mut shift) = (0u32, 0);
        loop {
            gap |= (d & 31) << shift;
            shift += 5;
            match bytes.next() {
                Some(b) if d >= 32 => d = digit(b),
                Some(b) => {
                    let page = next + gap;
                    next = page + 1;
                    out.push((page, digit(b)));
                    break;
                }
                None => return out,
            }
        }
    }
    out
}

pub fn query_files(site: &Path, lang: &str, word: &str) -> Result<QueryFiles, String> {
    // The search page, where the header's search form goes.
    let home = format!("{lang}/index.html");
    let home_html = read(&site.join(&home))?;
    let action =
        attr_after(&home_html, "class=\"site-search\"", "action").ok_or("no header search form")?;
    let search_page = resolve(site, &home, action);
    let rel = search_page
        .strip_prefix(site)
        .map_err(|_| "search page outside the site")?
        .to_string_lossy()
        .replace('\\', "/");
    let html = read(&search_page)?;
    let manifest = resolve(
        site,
        &rel,
        attr_after(&html, "data-search-form", "data-index").ok_or("no data-index")?,
    );
    let mut first_load = Vec::new();
    for (at, _) in html.match_indices("<script src=\"") {
        let src = &html[at + 13..];
        let src = &src[..src.find('"').unwrap_or(0)];
        if src
            .rsplit('/')
            .next()
            .is_some_and(|f| f.starts_with("search"))
        {
            first_load.push(resolve(site, &rel, src));
        }
    }
    first_load.push(manifest.clone());
    let folder = manifest
        .parent()
        .ok_or("manifest without folder")?
        .to_path_buf();
    let m: serde_json::Value = serde_json::from_str(payload(&read(&manifest)?, "manifest(")?)
        .map_err(|e| e.to_string())?;
    let firsts: Vec<String> = m["chunks"]
        .as_array()
        .ok_or("manifest without chunks")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    // Pages per page file (one in the first split index, which had no `per`).
    let per = m["per"].as_u64().unwrap_or(1).max(1) as u32;

    let ts = terms(word);
    let mut wanted: Vec<usize> = Vec::new();
    for (_, key, whole) in &ts {
        for n in chunks_of(&firsts, key, *whole) {
            if !wanted.contains(&n) {
                wanted.push(n);
            }
        }
    }
    let mut loaded: BTreeMap<usize, Chunk> = BTreeMap::new();
    let mut chunks = Vec::new();
    for &n in &wanted {
        let path = folder.join(format!("terms/{n}.js"));
        let js = read(&path)?;
        let list: Vec<String> = serde_json::from_str(payload(&js, &format!("terms({n},"))?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        loaded.insert(
            n,
            list.chunks(2)
                .map(|p| (p[0].clone(), p.get(1).cloned().unwrap_or_default()))
                .collect(),
        );
        chunks.push(path);
    }

    // Scores as in search.js: AND over the query's words.
    let mut scores: Option<BTreeMap<u32, u32>> = None;
    for (typed, key, whole) in &ts {
        #[derive(Default)]
        struct Found {
            title: bool,
            text: u32,
            exact_title: bool,
            exact_text: bool,
        }
        let mut found: BTreeMap<u32, Found> = BTreeMap::new();
        for n in chunks_of(&firsts, key, *whole) {
            let words = &loaded[&n];
            let from = words.partition_point(|(w, _)| w.as_str() < key.as_str());
            for (w, list) in &words[from..] {
                if if *whole {
                    w != key
                } else {
                    !w.starts_with(key.as_str())
                } {
                    break;
                }
                let exact = w.starts_with(typed.as_str());
                for (page, weight) in postings(list) {
                    let f = found.entry(page).or_default();
                    let (in_title, in_text) = (weight >= 11, weight % 11);
                    f.title |= in_title;
                    f.text += in_text;
                    f.exact_title |= exact && in_title;
                    f.exact_text |= exact && in_text > 0;
                }
            }
        }
        let next: BTreeMap<u32, u32> = found
            .into_iter()
            .filter(|(p, _)| scores.as_ref().is_none_or(|s| s.contains_key(p)))
            .map(|(p, f)| {
                let before = scores.as_ref().map_or(0, |s| s[&p]);
                let score = before
                    + if f.title { 20 } else { 0 }
                    + if f.exact_title { 5 } else { 0 }
                    + f.text.min(10)
                    + if f.exact_text { 3 } else { 0 };
                (p, score)
            })
            .collect();
        scores = Some(next);
    }
    let scores = scores.unwrap_or_default();
    let mut ranked: Vec<u32> = scores.keys().copied().collect();
    ranked.sort_by(|a, b| scores[b].cmp(&scores[a]).then(a.cmp(b)));
    let bundles: std::collections::BTreeSet<u32> =
        ranked.iter().take(SHOWN).map(|n| n / per).collect();
    let pages = bundles
        .into_iter()
        .map(|f| folder.join(format!("pages/{f}.js")))
        .collect();
    Ok(QueryFiles {
        first_load,
        chunks,
        pages,
        ranked,
    })
}
