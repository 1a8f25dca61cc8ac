//! Glossary links: the first use of each term of `content/glossary.<lang>.md` on a page links
//! to its definition (`a.term`, with the definition's first sentence as `title`). On the
//! `glossary` fixture (laid over `basic`): headings, link text and code are left alone, case is
//! ignored but accents and word ends are not, the longest form wins, a term is linked once per
//! page, the `terms` field adds forms, a text shown in the other language uses its own forms and
//! links to the glossary of the page's language, and the glossary page links nothing. On the
//! real content: every link leads to a term of the glossary in the page's language, never from
//! a heading or inside another link, once per page, and at least half the terms are used
//! somewhere.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{attrs, fixture, html_files, page, resolve, sel, Site};
use scraper::{ElementRef, Html};

const LANGS: [&str; 2] = ["fr", "en"];

/// Every `a.term` of a page: (text, target file, anchor, title).
fn term_links(html: &Html, rel: &str) -> Vec<(String, String, String, String)> {
    html.select(&sel("a.term"))
        .map(|a| {
            let href = a.value().attr("href").expect("href");
            let (target, anchor) =
                resolve(rel, href, "/").unwrap_or_else(|| panic!("{rel}: {href} leaves the site"));
            (
                a.text().collect::<String>(),
                target,
                anchor.unwrap_or_default(),
                a.value().attr("title").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn glossary_fixture() -> Site {
    let site = Site::from_fixture("basic");
    site.overlay(&fixture("glossary"));
    site.build_ok();
    site
}

#[test]
fn first_uses_of_terms_link_to_the_glossary() {
    let site = glossary_fixture();
    let public = site.public();
    let links = |rel: &str| term_links(&page(&public, rel), rel);
    let link = |text: &str, target: &str, anchor: &str, title: &str| {
        (
            text.to_string(),
            target.to_string(),
            anchor.to_string(),
            title.to_string(),
        )
    };
    let fr = "fr/glossaire/index.html";
    let en = "en/glossary/index.html";
    assert_eq!(
        links("fr/terms/index.html"),
        vec![
            link("CHAMPION", fr, "champion", "Personne qui porte la démarche."),
            link(
                "groupes de travail",
                fr,
                "working-group",
                "Les responsables des services, réunis autour du champion."
            ),
            link("groupe", fr, "group", "Un ensemble de personnes."),
        ],
        "fr/terms: the heading, the second use, `championnat`, `groupé`, the link and the code are left alone"
    );
    // The French text shown on the English page: French forms, English glossary and titles.
    assert_eq!(
        links("en/terms/index.html"),
        vec![
            link(
                "CHAMPION",
                en,
                "champion",
                "The person who carries the effort."
            ),
            link(
                "groupes de travail",
                en,
                "working-group",
                "Department heads, brought together around the champion."
            ),
            link("groupe", en, "group", "A set of people."),
        ]
    );
    assert_eq!(
        links("en/words/index.html"),
        vec![
            link(
                "CHAMPION",
                en,
                "champion",
                "The person who carries the effort."
            ),
            link(
                "working groups",
                en,
                "working-group",
                "Department heads, brought together around the champion."
            ),
            link("group", en, "group", "A set of people."),
        ]
    );
    // The anchors exist on the glossary pages, which link to nothing of their own.
    for (rel, ids) in [
        (fr, ["champion", "working-group", "group"]),
        (en, ["champion", "working-group", "group"]),
    ] {
        let html = page(&public, rel);
        for id in ids {
            assert_eq!(
                attrs(&html, &format!("h2#{id}"), "id").len(),
                1,
                "{rel}#{id}"
            );
        }
        assert!(term_links(&html, rel).is_empty(), "{rel} links to itself");
    }
}

#[test]
fn a_site_without_a_glossary_links_nothing() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    for rel in html_files(&site.public()) {
        assert!(
            term_links(&page(&site.public(), &rel), &rel).is_empty(),
            "{rel}"
        );
    }
}

/// The real content pages of a language (not the print view, which holds many pages, nor the
/// checklist, which holds every step's actions, nor the diagnostic's path pages).
fn content_pages(public: &Path, lang: &str) -> Vec<String> {
    html_files(public)
        .into_iter()
        .filter(|rel| rel.starts_with(&format!("{lang}/")))
        .filter(|rel| !rel.contains("/q/"))
        .filter(|rel| {
            let html = page(public, rel);
            html.select(&sel("main .print-page, main .checklist-step"))
                .next()
                .is_none()
        })
        .collect()
}

#[test]
fn real_pages_link_their_terms_once_to_the_glossary_of_their_language() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for lang in LANGS {
        let glossary = if lang == "fr" {
            "fr/glossaire/index.html"
        } else {
            "en/glossary/index.html"
        };
        let glossary_html = page(&public, glossary);
        let terms: BTreeSet<String> = attrs(&glossary_html, "main .prose h2[id]", "id")
            .into_iter()
            .collect();
        assert!(
            terms.len() >= 10,
            "{lang}: the glossary has {} terms",
            terms.len()
        );
        assert!(
            term_links(&glossary_html, glossary).is_empty(),
            "{glossary} links to itself"
        );
        let mut used: BTreeMap<String, usize> = BTreeMap::new();
        for rel in content_pages(&public, lang) {
            let html = page(&public, &rel);
            let mut seen = BTreeSet::new();
            for (text, target, anchor, title) in term_links(&html, &rel) {
                assert_eq!(target, glossary, "{rel}: `{text}` links to {target}");
                assert!(
                    terms.contains(&anchor),
                    "{rel}: `{text}` → #{anchor}, no such term"
                );
                assert!(
                    seen.insert(anchor.clone()),
                    "{rel}: `{anchor}` linked twice"
                );
                assert!(!title.trim().is_empty(), "{rel}: `{text}` has no title");
                *used.entry(anchor).or_default() += 1;
            }
            for a in html.select(&sel("a.term")) {
                let inside: Vec<&str> = a
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .map(|e| e.value().name())
                    .filter(|n| matches!(*n, "h1" | "h2" | "h3" | "h4" | "a" | "code" | "pre"))
                    .collect();
                assert!(inside.is_empty(), "{rel}: a term linked inside {inside:?}");
            }
        }
        println!("{lang}: terms linked {used:?}");
        // Some terms are only there for readers who meet them elsewhere.
        assert!(
            used.len() * 2 >= terms.len(),
            "{lang}: only {} of {} terms are linked anywhere: {used:?}",
            used.len(),
            terms.len()
        );
        for term in ["champion", "working-group", "silo"] {
            assert!(used.contains_key(term), "{lang}: `{term}` is never linked");
        }
    }
}
