//! `playbook build` on the `basic` fixture (French and English pages, a step missing its
//! English translation, YAML front matter, a BOM + CRLF file, footnotes, tables, task lists,
//! highlighted and unknown-language code blocks, `@/…#anchor` links), checked with a real HTML
//! parser: both languages, the language switch, relations both ways, the fallback notice,
//! highlighting, the sitemap, every internal link and anchor, byte-identical rebuilds, `check`
//! writing nothing.

mod common;

use std::collections::BTreeSet;

use common::{attrs, broken_links, html_files, html_lang, page, sel, text_of, Site};

/// The published URL of the fixture (`content/site.toml`).
const BASE_URL: &str = "https://intranet.example/";

fn built() -> Site {
    let site = Site::from_fixture("basic");
    site.build_ok();
    site
}

#[test]
fn both_languages_with_pretty_urls() {
    let site = built();
    let public = site.public();
    for rel in [
        "fr/index.html",
        "en/index.html",
        "fr/obstacles/index.html",
        "en/obstacles/index.html",
        "fr/obstacles/le-budget/index.html",
        "en/obstacles/budget/index.html",
        // Slugs derived from the title, accents folded.
        "fr/obstacles/manque-de-soutien-de-la-direction/index.html",
        "en/obstacles/lack-of-management-support/index.html",
        "fr/steps/designer-un-champion/index.html",
        "en/steps/designate-a-champion/index.html",
        "fr/steps/organiser-un-groupe-de-travail/index.html",
        "en/steps/organiser-un-groupe-de-travail/index.html",
    ] {
        assert!(public.join(rel).is_file(), "missing {rel}");
        let lang = rel.split('/').next().unwrap();
        assert_eq!(html_lang(&page(&public, rel)), lang, "<html lang> of {rel}");
    }
    // No page outside the language folders except the chooser and the root 404.
    for rel in html_files(&public) {
        assert!(
            rel.starts_with("fr/")
                || rel.starts_with("en/")
                || rel == "index.html"
                || rel == "404.html",
            "unexpected page {rel}"
        );
        if rel.starts_with("fr/") || rel.starts_with("en/") {
            assert!(
                rel.ends_with("/index.html") || rel.ends_with("/404.html"),
                "{rel} is not a pretty URL"
            );
        }
    }
    // The YAML home page and the BOM + CRLF page were read.
    assert_eq!(
        text_of(&page(&public, "en/index.html"), "main h1").as_deref(),
        Some("Home")
    );
    assert_eq!(
        text_of(&page(&public, "en/obstacles/budget/index.html"), "main h1").as_deref(),
        Some("Budget")
    );
}

#[test]
fn every_page_has_a_unique_title_skip_link_and_main() {
    let site = built();
    let public = site.public();
    let mut titles = BTreeSet::new();
    for rel in html_files(&public) {
        let html = page(&public, &rel);
        let title = text_of(&html, "head > title").unwrap_or_default();
        assert!(!title.is_empty(), "{rel} has no <title>");
        // The root 404 is the default language's, with the same title; the root chooser is
        // checked on its own (`root_chooser_has_its_own_title`).
        if rel != "404.html" && rel != "index.html" {
            assert!(
                titles.insert(title.clone()),
                "{rel}: <title> {title:?} is used twice"
            );
        }
        assert_eq!(
            html.select(&sel("main#main")).count(),
            1,
            "{rel}: one <main id=main>"
        );
        if rel != "index.html" {
            assert_eq!(
                attrs(&html, "a.skip-link", "href"),
                vec!["#main".to_string()],
                "{rel}: skip link"
            );
        }
    }
}

#[test]
fn root_chooses_the_language_with_plain_links() {
    let site = built();
    let public = site.public();
    let root = page(&public, "index.html");
    let mut links: Vec<(String, String)> = root
        .select(&sel("main a[hreflang]"))
        .map(|a| {
            (
                a.value().attr("hreflang").unwrap().to_string(),
                a.value().attr("href").unwrap().to_string(),
            )
        })
        .collect();
    links.sort();
    assert_eq!(
        links,
        vec![
            ("en".to_string(), "en/".to_string()),
            ("fr".to_string(), "fr/".to_string())
        ]
    );
    assert!(
        root.select(&sel("script")).next().is_none(),
        "the chooser needs no script"
    );
    let mut alternates = attrs(&root, "link[rel=alternate][hreflang]", "hreflang");
    alternates.sort();
    assert_eq!(alternates, ["en", "fr"]);
}

#[test]
fn root_chooser_has_its_own_title() {
    let site = built();
    let public = site.public();
    let chooser = text_of(&page(&public, "index.html"), "head > title").unwrap();
    for rel in ["fr/index.html", "en/index.html"] {
        let home = text_of(&page(&public, rel), "head > title").unwrap();
        assert_ne!(chooser, home, "index.html and {rel} have the same <title>");
    }
}

#[test]
fn not_found_pages_in_every_language() {
    let site = built();
    let public = site.public();
    for (rel, lang) in [
        ("404.html", "fr"),
        ("fr/404.html", "fr"),
        ("en/404.html", "en"),
    ] {
        let html = page(&public, rel);
        assert_eq!(html_lang(&html), lang, "{rel}");
        assert!(
            text_of(&html, "main h1").is_some_and(|t| !t.is_empty()),
            "{rel} has a heading"
        );
        // A 404 is served at any address: its links must not be relative.
        for href in attrs(&html, "main a[href]", "href") {
            assert!(href.starts_with('/'), "{rel}: link {href} is relative");
        }
    }
}

/// The pages of the site's two languages, which all carry a language switch.
fn language_pages(public: &std::path::Path) -> Vec<String> {
    html_files(public)
        .into_iter()
        .filter(|r| r.starts_with("fr/") || r.starts_with("en/"))
        .collect()
}

#[test]
fn language_switch_goes_to_the_same_page_and_back() {
    let site = built();
    let public = site.public();
    let pages = language_pages(&public);
    assert!(pages.len() >= 20, "{pages:?}");
    for rel in pages {
        let html = page(&public, &rel);
        let lang = html_lang(&html);
        let switch: Vec<_> = html.select(&sel(".lang-switch a[hreflang]")).collect();
        assert_eq!(switch.len(), 1, "{rel}: one other language to switch to");
        let a = switch[0];
        let other = a.value().attr("hreflang").unwrap();
        assert_ne!(
            other, lang,
            "{rel}: the switch points to the page's own language"
        );
        assert_eq!(
            a.value().attr("lang"),
            Some(other),
            "{rel}: the link text is in {other}"
        );
        let href = a.value().attr("href").unwrap();
        let (target, _) = common::resolve(&rel, href, "/").expect("an internal link");
        assert!(
            public.join(&target).is_file(),
            "{rel}: switch → missing {target}"
        );
        let there = page(&public, &target);
        assert_eq!(
            html_lang(&there),
            other,
            "{rel}: switch → {target} is not in {other}"
        );
        let back: Vec<String> = attrs(&there, &format!(".lang-switch a[hreflang={lang}]"), "href")
            .into_iter()
            .filter_map(|h| common::resolve(&target, &h, "/").map(|(t, _)| t))
            .collect();
        assert_eq!(
            back,
            vec![rel.clone()],
            "{target} does not link back to {rel}"
        );
    }
}

#[test]
fn alternate_links_name_both_languages() {
    let site = built();
    let public = site.public();
    for rel in language_pages(&public) {
        let html = page(&public, &rel);
        let lang = html_lang(&html);
        let mut langs = attrs(&html, "link[rel=alternate][hreflang]", "hreflang");
        langs.sort();
        assert_eq!(langs, ["en", "fr"], "{rel}");
        for href in attrs(&html, "link[rel=alternate][hreflang]", "href") {
            let path = href
                .strip_prefix(BASE_URL)
                .unwrap_or_else(|| panic!("{rel}: alternate {href} is not under {BASE_URL}"));
            let (target, _) = common::resolve("index.html", path, "/").unwrap();
            assert!(
                public.join(&target).is_file(),
                "{rel}: alternate {href} → missing {target}"
            );
        }
        let own = attrs(
            &html,
            &format!("link[rel=alternate][hreflang={lang}]"),
            "href",
        );
        let canonical = attrs(&html, "link[rel=canonical]", "href");
        assert_eq!(
            own, canonical,
            "{rel}: the alternate in its own language is the canonical URL"
        );
        let own_path = own[0].strip_prefix(BASE_URL).unwrap();
        assert_eq!(common::resolve("index.html", own_path, "/").unwrap().0, rel);
    }
}

#[test]
fn relations_link_both_ways() {
    let site = built();
    let public = site.public();
    // champion addresses support and budget; group addresses support.
    for (step, lang, obstacles) in [
        (
            "fr/steps/designer-un-champion/index.html",
            "fr",
            &["budget", "support"][..],
        ),
        (
            "en/steps/designate-a-champion/index.html",
            "en",
            &["budget", "support"][..],
        ),
        (
            "fr/steps/organiser-un-groupe-de-travail/index.html",
            "fr",
            &["support"][..],
        ),
        (
            "en/steps/organiser-un-groupe-de-travail/index.html",
            "en",
            &["support"][..],
        ),
    ] {
        let html = page(&public, step);
        let mut ids = attrs(&html, "[data-obstacle]", "data-obstacle");
        ids.sort();
        assert_eq!(ids, obstacles, "{step}: obstacles listed");
        for card in html.select(&sel("[data-obstacle]")) {
            let href = card
                .select(&sel("a[href]"))
                .next()
                .and_then(|a| a.value().attr("href"))
                .unwrap_or_else(|| panic!("{step}: a card without a link"));
            let (target, _) = common::resolve(step, href, "/").unwrap();
            assert!(
                target.starts_with(&format!("{lang}/obstacles/")),
                "{step} → {target}"
            );
            let obstacle = page(&public, &target);
            let back = attrs(&obstacle, "[data-step] a[href]", "href")
                .into_iter()
                .map(|h| common::resolve(&target, &h, "/").unwrap().0)
                .collect::<Vec<_>>();
            assert!(
                back.contains(&step.to_string()),
                "{target} does not list {step}: {back:?}"
            );
        }
    }
    // And from the obstacles' side, in order of the steps.
    let support = page(
        &public,
        "fr/obstacles/manque-de-soutien-de-la-direction/index.html",
    );
    assert_eq!(
        attrs(&support, "[data-step]", "data-step"),
        ["champion", "group"]
    );
    let budget = page(&public, "en/obstacles/budget/index.html");
    assert_eq!(attrs(&budget, "[data-step]", "data-step"), ["champion"]);
}

#[test]
fn missing_translation_falls_back_with_a_notice() {
    let site = built();
    let public = site.public();
    let rel = "en/steps/organiser-un-groupe-de-travail/index.html";
    let html = page(&public, rel);
    assert_eq!(html_lang(&html), "en");
    let notice = text_of(&html, "main .notice").expect("a not-yet-translated notice");
    assert!(notice.contains("not been translated"), "{notice}");
    // The French text is shown, marked as French.
    assert_eq!(attrs(&html, "main h1", "lang"), ["fr"]);
    assert_eq!(
        text_of(&html, "main h1").as_deref(),
        Some("Organiser un groupe de travail")
    );
    // The notice links to the original.
    let original = attrs(&html, "main .notice a[hreflang=fr]", "href");
    assert_eq!(original.len(), 1, "{original:?}");
    assert_eq!(
        common::resolve(rel, &original[0], "/").unwrap().0,
        "fr/steps/organiser-un-groupe-de-travail/index.html"
    );
    // Translated pages carry no such notice (a notice that the original changed since, maybe)
    // and are not marked as written in the other language.
    for rel in [
        "fr/steps/organiser-un-groupe-de-travail/index.html",
        "en/steps/designate-a-champion/index.html",
        "fr/steps/designer-un-champion/index.html",
        "en/obstacles/budget/index.html",
    ] {
        let html = page(&public, rel);
        for notice in html.select(&sel("main .notice")) {
            let text: String = notice.text().collect();
            assert!(!text.contains("not been translated"), "{rel}: {text}");
            assert!(!text.contains("pas encore traduite"), "{rel}: {text}");
        }
        assert!(attrs(&html, "main h1", "lang").is_empty(), "{rel}");
    }
}

#[test]
fn code_is_highlighted_with_classes_and_unknown_languages_stay_plain() {
    let site = built();
    let public = site.public();
    let html = page(&public, "fr/steps/designer-un-champion/index.html");
    let spans = html.select(&sel(r#"pre.code span[class^="hl-"]"#)).count();
    assert!(
        spans > 3,
        "the yaml block has highlighting classes ({spans} spans)"
    );
    assert!(
        html.select(&sel("pre.code[data-lang=yaml]"))
            .next()
            .is_some(),
        "the yaml block is marked as yaml"
    );
    let plain: Vec<_> = html
        .select(&sel("pre.code > code"))
        .filter(|c| c.text().collect::<String>().contains("plain <text>"))
        .collect();
    assert_eq!(plain.len(), 1, "the unknown-language block is shown");
    assert!(
        plain[0].select(&sel("span")).next().is_none(),
        "the unknown-language block is not highlighted"
    );
    assert_eq!(plain[0].text().collect::<String>(), "plain <text>\n");
    // The highlighting colours come from the stylesheet, for light and dark.
    let css: String = common::snapshot(&public)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".css"))
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .collect();
    assert!(
        css.contains(".hl-"),
        "the stylesheet styles the hl- classes"
    );
    assert!(
        css.contains("color: light-dark(#"),
        "a dark variant of each colour, following the reader's theme"
    );
}

#[test]
fn markdown_extensions_render() {
    let site = built();
    let public = site.public();
    let html = page(&public, "fr/steps/designer-un-champion/index.html");
    assert_eq!(html.select(&sel("main table th")).count(), 2, "table");
    assert_eq!(html.select(&sel("main .task")).count(), 2, "task list");
    assert_eq!(
        html.select(&sel("main .task.done")).count(),
        1,
        "checked task"
    );
    assert_eq!(
        text_of(&html, "main del").as_deref(),
        Some("barré"),
        "strikethrough"
    );
    assert!(
        html.select(&sel("main .footnote-definition"))
            .next()
            .is_some(),
        "footnote"
    );
}

#[test]
fn no_inline_style_script_or_handlers() {
    let site = built();
    let problems = common::csp_violations(&site.public());
    assert!(problems.is_empty(), "{problems:#?}");
    // And no third-party hosts in src attributes or stylesheets.
    for rel in html_files(&site.public()) {
        let html = page(&site.public(), &rel);
        for url in attrs(&html, "[src]", "src").into_iter().chain(attrs(
            &html,
            "link[rel=stylesheet]",
            "href",
        )) {
            assert!(!url.contains("://"), "{rel}: loads {url} from another host");
        }
    }
}

#[test]
fn sitemap_has_hreflang_alternates_and_robots_exists() {
    let site = built();
    let public = site.public();
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(sitemap.starts_with("<?xml"), "{sitemap}");
    assert!(sitemap.contains(r#"xmlns:xhtml="http://www.w3.org/1999/xhtml""#));
    let urls: Vec<&str> = sitemap.split("<url>").skip(1).collect();
    assert!(urls.len() >= 20, "{} urls", urls.len());
    let mut locs = BTreeSet::new();
    for url in &urls {
        let loc = url
            .split("<loc>")
            .nth(1)
            .and_then(|s| s.split("</loc>").next())
            .expect("a <loc>");
        assert!(locs.insert(loc.to_string()), "{loc} listed twice");
        let path = loc
            .strip_prefix(BASE_URL)
            .expect("absolute URL under the base URL");
        let (file, _) = common::resolve("index.html", path, "/").unwrap();
        assert!(
            public.join(&file).is_file(),
            "sitemap {loc} → missing {file}"
        );
        for lang in ["fr", "en"] {
            let needle =
                format!(r#"<xhtml:link rel="alternate" hreflang="{lang}" href="{BASE_URL}"#);
            assert!(url.contains(&needle), "{loc} has no {lang} alternate");
        }
    }
    assert!(locs.contains(&format!("{BASE_URL}fr/steps/designer-un-champion/")));
    assert!(locs.contains(&format!("{BASE_URL}en/steps/designate-a-champion/")));
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(robots.contains("User-agent:"), "{robots}");
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    let site = built();
    let problems = broken_links(&site.public(), "/");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn links_to_pages_use_the_readers_language_and_keep_the_anchor() {
    let site = built();
    let public = site.public();
    // `[…](@/steps/champion.md#pieges-a-eviter)` on the French home page.
    let fr = page(&public, "fr/index.html");
    let hrefs = attrs(&fr, "main .prose a[href], main a[href]", "href");
    assert!(
        hrefs
            .iter()
            .any(|h| h.ends_with("fr/steps/designer-un-champion/#pieges-a-eviter")),
        "{hrefs:?}"
    );
    // `[…](@/steps/champion.md#pitfalls)` on the English home page.
    let en = page(&public, "en/index.html");
    let hrefs = attrs(&en, "main a[href]", "href");
    assert!(
        hrefs
            .iter()
            .any(|h| h.ends_with("en/steps/designate-a-champion/#pitfalls")),
        "{hrefs:?}"
    );
}

#[test]
fn heading_ids_are_unique_accent_folded_and_custom_ids_honoured() {
    let site = built();
    let public = site.public();
    let fr = page(&public, "fr/obstacles/le-budget/index.html");
    let ids = attrs(&fr, "main .prose h2", "id");
    assert_eq!(
        ids,
        ["pourquoi-c-est-important", "pourquoi-c-est-important-1"]
    );
    let en = page(&public, "en/obstacles/budget/index.html");
    assert_eq!(attrs(&en, "main .prose h2", "id"), ["why"]);
    assert_eq!(
        text_of(&en, "main .prose h2#why").as_deref(),
        Some("Why it matters")
    );
    let champion = page(&public, "fr/steps/designer-un-champion/index.html");
    assert_eq!(
        attrs(&champion, "main .prose h2", "id"),
        ["actions", "pieges-a-eviter"]
    );
    // No id is used twice on any page.
    for rel in html_files(&public) {
        let mut seen = BTreeSet::new();
        for id in attrs(&page(&public, &rel), "[id]", "id") {
            assert!(seen.insert(id.clone()), "{rel}: id `{id}` is used twice");
        }
    }
}

#[test]
fn section_without_index_file_still_gets_an_index_page() {
    // `content/steps/` has no `_index.*.md`.
    let site = Site::from_fixture("basic");
    assert!(common::entries(&site.path("content/steps"))
        .iter()
        .all(|f| !f.starts_with("_index")));
    site.build_ok();
    let public = site.public();
    for (rel, steps) in [
        (
            "fr/steps/index.html",
            ["designer-un-champion", "organiser-un-groupe-de-travail"],
        ),
        (
            "en/steps/index.html",
            ["designate-a-champion", "organiser-un-groupe-de-travail"],
        ),
    ] {
        let html = page(&public, rel);
        assert!(
            text_of(&html, "main h1").is_some_and(|t| !t.is_empty()),
            "{rel} has a title"
        );
        let links: Vec<String> = attrs(&html, "main a[href]", "href")
            .into_iter()
            .map(|h| common::resolve(rel, &h, "/").unwrap().0)
            .collect();
        for step in steps {
            let lang = &rel[..2];
            let want = format!("{lang}/steps/{step}/index.html");
            assert!(
                links.contains(&want),
                "{rel} does not list {want}: {links:?}"
            );
        }
    }
}

#[test]
fn rebuild_is_byte_identical() {
    let site = built();
    let first = common::snapshot(&site.public());
    site.build_ok();
    let second = common::snapshot(&site.public());
    common::assert_same_tree(&first, &second, "a second build");
    // The site folder's own path leaves no trace in the output either.
    let elsewhere = built();
    let third = common::snapshot(&elsewhere.public());
    common::assert_same_tree(&first, &third, "a build in another folder");
    // Nothing is left beside the output but the hidden spare the next build starts from, and
    // the build cache (git-ignored).
    assert_eq!(
        common::entries(site.root()),
        [
            ".playbook-cache",
            ".public.spare",
            "content",
            "public",
            "themes"
        ]
    );
    assert_eq!(common::entries(&site.path(".playbook-cache")), ["build"]);
}

#[test]
fn build_prints_a_summary() {
    let site = Site::from_fixture("basic");
    let run = site.build_ok();
    assert!(run.stdout.starts_with("built "), "{}", run.stdout);
    // `built 24 pages (en 12, fr 12) in 9 ms into …`
    assert!(run.stdout.contains(" pages (en "), "{}", run.stdout);
    assert!(run.stdout.contains(", fr "), "{}", run.stdout);
    assert_eq!(run.stderr, "", "a clean build prints no warnings");
    let quiet = site.run(&["build", "--quiet"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stdout, "");
}

#[test]
fn check_writes_nothing() {
    let site = Site::from_fixture("basic");
    let before = common::snapshot(site.root());
    let run = site.run(&["check"]);
    run.assert_code(0);
    assert!(!site.public().exists(), "check created public/");
    common::assert_same_tree(&before, &common::snapshot(site.root()), "check");
    // It still reports the missing translation.
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("missing") && l.contains("content/steps/group.en.md")),
        "{}",
        run.stdout
    );
}

#[test]
fn builds_without_a_settings_file() {
    let site = Site::from_fixture("basic");
    site.remove("content/site.toml");
    // The only thing that needs the settings: the cited source.
    let budget = site.read("content/obstacles/budget.fr.md");
    site.write(
        "content/obstacles/budget.fr.md",
        budget.replace("sources = [\"test-2020\"]\n", ""),
    );
    site.build_ok();
    let public = site.public();
    for rel in [
        "index.html",
        "fr/index.html",
        "en/index.html",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(public.join(rel).is_file(), "missing {rel}");
    }
    // Default languages: French first.
    assert_eq!(html_lang(&page(&public, "index.html")), "fr");
    let problems = broken_links(&public, "/");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn output_folder_can_be_chosen() {
    let site = Site::from_fixture("basic");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let run = site.run(&["build", "--output", target.to_str().unwrap()]);
    run.assert_code(0);
    assert!(target.join("fr/index.html").is_file());
    assert!(!site.public().exists(), "--output was ignored");
}

#[test]
fn sub_path_base_url_keeps_links_inside_the_site() {
    let site = Site::from_fixture("basic");
    let run = site.run(&["build", "--base-url", "https://intranet.example/playbook/"]);
    run.assert_code(0);
    let public = site.public();
    let problems = broken_links(&public, "/playbook/");
    assert!(problems.is_empty(), "{problems:#?}");
    let html = page(&public, "fr/steps/designer-un-champion/index.html");
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        ["https://intranet.example/playbook/fr/steps/designer-un-champion/"]
    );
}

#[test]
fn an_untranslated_texts_anchor_links_lead_to_its_own_languages_heading() {
    let site = built();
    let public = site.public();
    // `group` has no English text: the English page shows the French one, whose link names a
    // French heading of the champion step. It leads there, not to an English page without it.
    let rel = "en/steps/organiser-un-groupe-de-travail/index.html";
    let links = attrs(&page(&public, rel), ".prose a", "href");
    assert!(
        links.contains(&"../../../fr/steps/designer-un-champion/#pieges-a-eviter".to_string()),
        "{links:?}"
    );
    // Links without an anchor stay in the reader's language.
    assert!(
        links.contains(&"../../../en/steps/designate-a-champion/".to_string()),
        "{links:?}"
    );
}
