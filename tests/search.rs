//! The split search index, through the real binary: the manifest, term chunks and page files a
//! build writes; that a query's chunks hold its words and that the pages they point to are
//! exactly those a brute-force scan of every page file finds (accents, case, endings, prefixes,
//! AND); ranking with the title first; byte-identical output; and that the stemmer the bench
//! (and these tests) use is the one in `search.js`. The browser side is checked by
//! tests/browser/search.mjs.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use common::{assert_same_tree, snapshot, Site};

#[path = "../examples/bench_parts/search.rs"]
mod search;

/// A site of `n` generated pages per language: text from a vocabulary of 4,000 made-up words,
/// drawn so that some are common and most rare; page 7 has "quasarité" in its title, pages 3
/// and 11 in their text.
fn generated(n: usize) -> Site {
    let site = Site::from_fixture("basic");
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    let syllables = [
        "pro", "jé", "qui", "pe", "ré", "seau", "ges", "tion", "con", "fi", "an",
    ];
    let vocabulary: Vec<String> = (0..4000)
        .map(|i| {
            let mut w = String::new();
            let mut k = i + 11;
            while k > 0 {
                w.push_str(syllables[k % syllables.len()]);
                k /= syllables.len();
            }
            w
        })
        .collect();
    for lang in ["fr", "en"] {
        for p in 0..n {
            let mut text = String::new();
            for _ in 0..120 {
                // Small indexes far more often than large ones.
                let bound = next(vocabulary.len()) + 1;
                let i = next(bound);
                let _ = write!(text, "{} ", vocabulary[i]);
            }
            let quasar = if lang == "fr" {
                "quasarité"
            } else {
                "quasarity"
            };
            let title = if p == 7 {
                format!("{quasar} {p}")
            } else {
                format!("Page {p}")
            };
            if p == 3 || p == 11 {
                let _ = write!(text, "{quasar} {quasar}.");
            }
            site.write(
                &format!("content/generated/p{p:04}.{lang}.md"),
                format!("+++\ntitle = \"{title}\"\nweight = {p}\n+++\n{text}\n"),
            );
        }
        site.write(
            &format!("content/generated/_index.{lang}.md"),
            "+++\ntitle = \"Generated\"\n+++\nGenerated pages.\n",
        );
    }
    site.build_ok();
    site
}

fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Folded words of a text, as the index folds them.
fn folded_words(text: &str) -> Vec<String> {
    let json = serde_json::to_string(text).unwrap();
    let mut out = String::new();
    search::words_of(&json[1..json.len() - 1], &mut out);
    out.split_ascii_whitespace().map(str::to_string).collect()
}

/// The manifest of a language's index.
fn manifest(public: &Path, lang: &str) -> serde_json::Value {
    let js = std::fs::read_to_string(public.join(lang).join("search-index/index.js")).unwrap();
    let data = js
        .strip_prefix("window.playbookSearch.manifest(")
        .and_then(|s| s.strip_suffix(");\n"))
        .unwrap_or_else(|| panic!("{js}"));
    serde_json::from_str(data).unwrap()
}

/// Every page of a language, from its page files: number → [title, section, url, text].
fn page_files(public: &Path, lang: &str) -> Vec<(u32, Vec<String>)> {
    let dir = public.join(lang).join("search-index/pages");
    let per = manifest(public, lang)["per"].as_u64().unwrap() as u32;
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    for name in files(&dir) {
        let f: u32 = name.trim_end_matches(".js").parse().unwrap();
        let js = std::fs::read_to_string(dir.join(&name)).unwrap();
        let call = format!("window.playbookSearch.pages({},", f * per);
        let data = js
            .strip_prefix(&call)
            .and_then(|s| s.strip_suffix(");\n"))
            .unwrap_or_else(|| panic!("{name}: {js}"));
        let pages: Vec<Vec<String>> = serde_json::from_str(data).unwrap();
        assert!(!pages.is_empty() && pages.len() <= per as usize, "{name}");
        out.extend((f * per..).zip(pages));
    }
    out.sort();
    out
}

/// The pages where every word of `query` starts a word of the title or text (or is one, for a
/// word of one or two letters), after the same stemming: what the old single-file search found.
fn brute_force(public: &Path, lang: &str, query: &str) -> BTreeSet<u32> {
    let terms: Vec<(String, bool)> = folded_words(query)
        .into_iter()
        .map(|t| {
            if t.len() < 3 {
                (t, true)
            } else {
                (search::stem(&t), false)
            }
        })
        .collect();
    page_files(public, lang)
        .into_iter()
        .filter(|(_, d)| {
            let words = folded_words(&format!("{}\n{}", d[0], d[3]));
            terms.iter().all(|(key, whole)| {
                words.iter().any(|w| {
                    if *whole {
                        w == key
                    } else {
                        w.starts_with(key.as_str())
                    }
                })
            })
        })
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn the_index_is_a_manifest_term_chunks_and_page_files_of_a_few_pages() {
    let site = generated(300);
    let public = site.public();
    for lang in ["fr", "en"] {
        let dir = public.join(lang).join("search-index");
        assert!(!public.join(format!("{lang}/search-index.js")).exists());
        let data = manifest(&public, lang);
        let firsts: Vec<&str> = data["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        // Every page of the language once, numbered from 0, `per` to a page file: the 300
        // generated ones and the fixture's.
        let per = data["per"].as_u64().unwrap();
        assert!((2..=16).contains(&per), "{per} pages a file");
        let pages = page_files(&public, lang);
        let numbers: Vec<u32> = pages.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, (0..numbers.len() as u32).collect::<Vec<_>>());
        assert_eq!(pages.len() as u64, data["pages"].as_u64().unwrap());
        assert!(pages.len() > 300, "{}", pages.len());
        assert_eq!(
            files(&dir.join("pages")).len() as u64,
            (pages.len() as u64).div_ceil(per)
        );
        // Several chunks, each at most 32 KB, holding the words from its first to the next's.
        let chunks = files(&dir.join("terms"));
        assert_eq!(chunks.len(), firsts.len());
        assert!(chunks.len() >= 3, "{lang}: {} chunk(s)", chunks.len());
        let mut all = Vec::new();
        for (n, first) in firsts.iter().enumerate() {
            let js = std::fs::read_to_string(dir.join(format!("terms/{n}.js"))).unwrap();
            assert!(
                js.len() <= 32 * 1024 + 64,
                "{lang} chunk {n}: {} bytes",
                js.len()
            );
            let list: Vec<String> = serde_json::from_str(
                js.strip_prefix(&format!("window.playbookSearch.terms({n},"))
                    .and_then(|s| s.strip_suffix(");\n"))
                    .unwrap(),
            )
            .unwrap();
            let words: Vec<&String> = list.iter().step_by(2).collect();
            assert_eq!(words[0], first, "{lang} chunk {n}");
            if let Some(next) = firsts.get(n + 1) {
                assert!(words.iter().all(|w| w.as_str() < *next));
            }
            all.extend(words.into_iter().cloned());
        }
        let sorted: Vec<String> = all
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(all, sorted, "{lang}: words out of order or repeated");
        // The manifest is small: what the search page loads before the first keystroke.
        let size = std::fs::metadata(dir.join("index.js")).unwrap().len();
        assert!(size < 4096, "{lang}: manifest of {size} bytes");
    }
}

#[test]
fn a_query_loads_the_chunks_holding_its_words_and_finds_what_a_full_scan_finds() {
    let site = generated(300);
    let public = site.public();
    for (lang, query) in [
        ("fr", "quasarité"),
        ("en", "QUASARITY"),
        ("fr", "proré"),
        ("en", "conan qui"),
        ("fr", "PROJÉ jéjé"),
        ("en", "quijé"),
        ("fr", "gestion"),
        ("en", "anfi"),
    ] {
        let q = search::query_files(&public, lang, query).unwrap();
        let found: BTreeSet<u32> = q.ranked.iter().copied().collect();
        assert_eq!(found, brute_force(&public, lang, query), "{lang} “{query}”");
        assert!(!found.is_empty(), "{lang} “{query}” finds nothing");
        // Few chunks, and the files holding the shown pages only.
        let chunks = files(&public.join(lang).join("search-index/terms")).len();
        assert!(
            q.chunks.len() < chunks,
            "{lang} “{query}”: every chunk loaded"
        );
        let per = manifest(&public, lang)["per"].as_u64().unwrap() as u32;
        let holding: BTreeSet<String> = q.ranked[..found.len().min(search::SHOWN)]
            .iter()
            .map(|n| format!("pages/{}.js", n / per))
            .collect();
        let loaded: BTreeSet<String> = q
            .pages
            .iter()
            .map(|p| format!("pages/{}", p.file_name().unwrap().to_string_lossy()))
            .collect();
        assert_eq!(loaded, holding, "{lang} “{query}”");
    }
    // The word in a title comes first; the two pages with it in their text follow.
    let q = search::query_files(&public, "fr", "quasarite").unwrap();
    assert_eq!(q.ranked.len(), 3);
    let pages = page_files(&public, "fr");
    let title = |n: u32| pages.iter().find(|(m, _)| *m == n).unwrap().1[0].clone();
    assert_eq!(title(q.ranked[0]), "quasarité 7");
}

#[test]
fn accents_case_endings_and_prefixes_on_the_real_playbook() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for (lang, query, expected) in [
        ("fr", "equipe", "équipe"),
        ("fr", "ÉQUIPES", "équipe"),
        ("fr", "réseau", "réseau"),
        ("fr", "un", "un"),
        ("fr", "champ", "champion"),
        ("en", "organising", "organis"),
        ("en", "Departments", "department"),
        ("en", "silo", "silos"),
    ] {
        let q = search::query_files(&public, lang, query).unwrap();
        assert_eq!(
            q.ranked.iter().copied().collect::<BTreeSet<u32>>(),
            brute_force(&public, lang, query),
            "{lang} “{query}”"
        );
        assert!(!q.ranked.is_empty(), "{lang} “{query}” finds nothing");
        // The chunk holds the word and the first page shown has it.
        let chunk = std::fs::read_to_string(&q.chunks[0]).unwrap();
        let stem = search::stem(&folded_words(query)[0]);
        assert!(
            chunk.contains(&format!("\"{stem}")),
            "{lang} “{query}”: no {stem}… in its chunk"
        );
        let first = std::fs::read_to_string(&q.pages[0]).unwrap().to_lowercase();
        assert!(
            first.contains(expected),
            "{lang} “{query}”: first result lacks {expected}"
        );
    }
}

#[test]
fn the_same_content_gives_the_same_index_bytes() {
    let site = Site::real();
    site.build_ok();
    let first = snapshot(&site.public());
    std::fs::remove_dir_all(site.public()).unwrap();
    site.build_ok();
    let second = snapshot(&site.public());
    let index = |s: &std::collections::BTreeMap<String, Vec<u8>>| {
        s.iter()
            .filter(|(k, _)| k.contains("search-index/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert!(index(&first).len() > 10);
    assert_same_tree(
        &index(&first),
        &index(&second),
        "two builds' search indexes",
    );
}

#[test]
fn the_bench_stems_like_search_js() {
    let js =
        std::fs::read_to_string(common::repo().join("themes/default/static/search.js")).unwrap();
    let start = js.find("var SUFFIXES = [").unwrap();
    let list = &js[start..start + js[start..].find("];").unwrap()];
    let suffixes: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    assert_eq!(suffixes, search::SUFFIXES);
    assert!(js.contains("var SHORT = 3;"));
}
