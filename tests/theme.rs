//! The reader's site as HTML (issue 15), checked with a real parser on built sites: the site
//! navigation marks the current section and page (steps numbered), diagnostic pages included;
//! the table of contents and the header's menu (a `<details>`) are there; the colour theme is
//! set by an external blocking script in `<head>` and the code colours follow it; the print
//! view numbers once and links within itself; search text keeps blocks apart; the 12 × 9
//! matrix fixture. How it looks and behaves in a browser is `tests/browser/`.

mod common;

use common::{attrs, html_files, page, resolve, sel, text_of, Site};
use scraper::Html;

fn basic() -> Site {
    let site = Site::from_fixture("basic");
    site.build_ok();
    site
}

/// `aria-current` values and texts of the site navigation's links matching `css` (in the
/// sidebar's copy; the menu holds the same).
fn marked(html: &Html, css: &str) -> Vec<(String, String)> {
    html.select(&sel(&format!(".sidebar .sitenav {css}")))
        .filter_map(|a| {
            a.value().attr("aria-current").map(|v| {
                let text = a.text().collect::<String>();
                (
                    v.to_string(),
                    text.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
        })
        .collect()
}

#[test]
fn site_navigation_marks_the_current_section_and_page() {
    let site = basic();
    let public = site.public();

    // A step: its section is current, the step is the current page, numbered.
    let step = page(&public, "fr/steps/designer-un-champion/index.html");
    assert_eq!(
        marked(&step, ".nav-sections > li > a"),
        [("true".to_string(), "Steps".to_string())],
        "the steps section is current"
    );
    assert_eq!(
        marked(&step, ".nav-pages a"),
        [("page".to_string(), "1 Désigner un champion".to_string())],
        "the step is the current page, with its number"
    );
    assert_eq!(
        text_of(
            &step,
            ".sidebar .nav-pages a[aria-current=page] .nav-number"
        )
        .as_deref(),
        Some("1")
    );
    // Every page of the section is listed, in reading order.
    let listed = attrs(&step, ".sidebar .nav-pages a", "href");
    assert_eq!(listed.len(), 2, "{listed:?}");

    // A section index: the section is the current page; its pages are listed, none current.
    let section = page(&public, "fr/obstacles/index.html");
    assert_eq!(
        marked(&section, ".nav-sections > li > a"),
        [("page".to_string(), "Obstacles".to_string())]
    );
    assert!(marked(&section, ".nav-pages a").is_empty());
    assert_eq!(attrs(&section, ".sidebar .nav-pages a", "href").len(), 2);

    // The home page is in no section; a generated page marks itself among the overviews.
    let home = page(&public, "fr/index.html");
    assert!(
        marked(&home, "a").is_empty(),
        "nothing is current on the home page"
    );
    for (rel, title) in [
        ("fr/matrice/index.html", "Matrice obstacles × étapes"),
        ("fr/imprimer/index.html", "Version imprimable"),
        ("en/all-pages/index.html", "All pages"),
    ] {
        let html = page(&public, rel);
        assert_eq!(
            marked(&html, ".nav-tools a"),
            [("page".to_string(), title.to_string())],
            "{rel}"
        );
        assert!(marked(&html, ".nav-sections a").is_empty(), "{rel}");
    }

    // The menu holds the same navigation, on every page but the language chooser.
    for rel in html_files(&public) {
        if rel == "index.html" {
            continue;
        }
        let html = page(&public, &rel);
        assert_eq!(
            html.select(&sel("header details.menu > summary")).count(),
            1,
            "{rel}: one menu button"
        );
        for css in [
            ".menu-panel .sitenav",
            ".menu-panel form[role=search] input[name=q]",
        ] {
            assert_eq!(html.select(&sel(css)).count(), 1, "{rel}: {css}");
        }
        assert_eq!(
            marked(&html, "a"),
            html.select(&sel(".menu-panel .sitenav a[aria-current]"))
                .map(|a| (
                    a.value().attr("aria-current").unwrap().to_string(),
                    a.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
                .collect::<Vec<_>>(),
            "{rel}: the menu marks what the sidebar marks"
        );
    }
}

#[test]
fn diagnostic_pages_mark_their_section_and_only_path_pages_have_back() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let mut kinds = std::collections::BTreeSet::new();
    for rel in html_files(&public) {
        let html = page(&public, &rel);
        let Some(kind) = attrs(&html, "main", "data-diagnostic-kind").pop() else {
            continue;
        };
        kinds.insert(kind.clone());
        let lang = rel.split('/').next().unwrap();
        let current = attrs(
            &html,
            ".sidebar .nav-sections > li > a[aria-current]",
            "href",
        );
        assert_eq!(current.len(), 1, "{rel}: one current section");
        let (target, _) = resolve(&rel, &current[0], "/").unwrap();
        assert_eq!(
            target,
            format!("{lang}/diagnostic/index.html"),
            "{rel} ({kind}): the diagnostic is the current section"
        );
        let backs = html.select(&sel("a.back-link")).count();
        let expected = usize::from(kind != "start");
        assert_eq!(backs, expected, "{rel} ({kind}): back links");
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["overview", "question", "result", "start"]
    );
}

#[test]
fn table_of_contents_lists_the_headings_and_loads_its_script() {
    let site = Site::from_fixture("matrix-large");
    site.build_ok();
    let public = site.public();
    let html = page(&public, "fr/code/index.html");
    let links = attrs(&html, "main nav.toc ul a", "href");
    assert_eq!(links.len(), 3, "{links:?}");
    for href in &links {
        let id = href.strip_prefix('#').expect("an in-page link");
        assert_eq!(
            html.select(&sel(&format!("main [id='{id}']"))).count(),
            1,
            "{href} names one heading"
        );
    }
    assert_eq!(
        attrs(&html, "script[src*='toc.']", "defer").len(),
        1,
        "toc.js loads, deferred"
    );
    // A page without contents does not load it.
    let home = page(&public, "fr/index.html");
    assert!(attrs(&home, "script[src*='toc.']", "src").is_empty());
}

#[test]
fn theme_script_is_an_external_blocking_file_before_the_stylesheet() {
    let site = basic();
    let public = site.public();
    for rel in html_files(&public) {
        if rel == "index.html" {
            continue; // the language chooser needs no script
        }
        let text = std::fs::read_to_string(public.join(&rel)).unwrap();
        let head = &text[..text.find("</head>").expect("a head")];
        let script = head
            .find("<script src=\"")
            .unwrap_or_else(|| panic!("{rel}: no script in <head>"));
        let tag = &head[script..head[script..].find('>').unwrap() + script];
        assert!(tag.contains("/theme."), "{rel}: {tag}");
        assert!(
            !tag.contains("defer") && !tag.contains("async") && !tag.contains("module"),
            "{rel}: the theme script must block, to run before the first paint: {tag}"
        );
        assert!(
            script < head.find("rel=\"stylesheet\"").unwrap(),
            "{rel}: the theme script comes before the stylesheet"
        );
        let html = Html::parse_document(&text);
        let src = attrs(&html, "head script", "src").pop().unwrap();
        let (file, _) = resolve(&rel, &src, "/").unwrap();
        let js = std::fs::read_to_string(public.join(&file)).unwrap();
        assert!(
            js.contains("data-theme") && js.contains("localStorage"),
            "{file}"
        );
    }
    // Highlighted code follows the chosen theme as well as the system's.
    let css_rel = attrs(
        &page(&public, "fr/index.html"),
        "link[rel=stylesheet]",
        "href",
    )
    .pop()
    .unwrap();
    let css = std::fs::read_to_string(public.join("fr").join(&css_rel)).unwrap();
    assert!(css.contains(r#":root[data-theme="dark"] { color-scheme: dark; }"#));
    assert!(css.contains(".hl-comment") && css.contains("color: light-dark("));
}

#[test]
fn print_view_numbers_once_and_links_within_itself() {
    let site = basic();
    let public = site.public();
    let rel = "fr/imprimer/index.html";
    let html = page(&public, rel);
    assert!(
        html.select(&sel(".print-contents ol")).next().is_none(),
        "the contents are not an <ol>: the steps carry their own numbers"
    );
    let entries: Vec<String> = html
        .select(&sel(".print-contents li li"))
        .map(|li| li.text().collect::<String>().trim().to_string())
        .collect();
    assert!(
        entries.iter().any(|e| e == "1. Désigner un champion"),
        "{entries:?}"
    );
    // Relations lead to the page's own articles.
    let relations = attrs(&html, ".print-relations a", "href");
    assert!(!relations.is_empty());
    for href in &relations {
        let id = href.strip_prefix("#print-").expect("an in-page link");
        assert_eq!(
            html.select(&sel(&format!("article[id='print-{id}']")))
                .count(),
            1,
            "{href}"
        );
    }
    // Internal links are relative: on paper they print no address.
    let absolute: Vec<String> = attrs(&html, "main a[href]", "href")
        .into_iter()
        .filter(|h| h.starts_with("https://intranet.example/"))
        .collect();
    assert!(absolute.is_empty(), "{absolute:?}");
    // Headings: section h2, page h3, body h4 and below.
    assert!(html.select(&sel("h2.print-section-title")).count() >= 2);
    assert!(
        html.select(&sel("article.print-page > h3.print-page-title"))
            .count()
            >= 3
    );
    assert!(html
        .select(&sel(".print-page .prose h2, .print-page .prose h3"))
        .next()
        .is_none());
    assert!(html.select(&sel(".print-page .prose h4")).count() >= 2);
}

#[test]
fn search_text_keeps_headings_and_paragraphs_apart() {
    let site = basic();
    // A few pages per file under fr/search-index/pages/, each [title, section, url, text].
    let dir = site.public().join("fr/search-index/pages");
    let docs: Vec<Vec<String>> = std::fs::read_dir(&dir)
        .unwrap()
        .flat_map(|e| {
            let js = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let data = js
                .strip_prefix("window.playbookSearch.pages(")
                .and_then(|s| s.split_once(','))
                .and_then(|(_, s)| s.strip_suffix(");\n"))
                .unwrap();
            serde_json::from_str::<Vec<Vec<String>>>(data).unwrap()
        })
        .collect();
    let budget = docs.iter().find(|d| d[0] == "Le budget").unwrap();
    assert!(
        budget[3].starts_with("Les plateformes sont gratuites, pas le temps.\nPourquoi c’est important\nLe temps coûte.\n"),
        "{:?}",
        budget[3]
    );
}

#[test]
fn large_matrix_fixture_has_twelve_steps_and_nine_obstacles_in_a_frame() {
    let site = Site::from_fixture("matrix-large");
    site.build_ok();
    let html = page(&site.public(), "en/matrix/index.html");
    let frame = ".matrix-frame[tabindex='0'][role=region]";
    assert_eq!(
        html.select(&sel(&format!("{frame} table.matrix thead th[scope=col]")))
            .count(),
        13,
        "the obstacle column and 12 steps"
    );
    assert_eq!(
        html.select(&sel(&format!(
            "{frame} tbody tr[data-obstacle] > th[scope=row]"
        )))
        .count(),
        9
    );
}
