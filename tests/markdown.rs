//! What an editor writes in a page body, through the real binary: raw HTML only within the
//! sanitizer's allow-list, safe link schemes, plain heading attributes, GitHub callouts, and the
//! site's Content-Security-Policy on every page.
//!
//! `tests/fixtures/xss/<case>.md` holds one attack a line or two long: the review's vectors
//! (issue 14) and one per family of the OWASP XSS filter evasion cheat sheet. Each becomes the
//! body of a page of the `basic` fixture. A case named `error-…` must stop the build with an
//! error located in that page (exit 1, `public/` untouched); a case named `safe-…` must build
//! into pages where a real HTML parser finds no script, handler, dangerous element or URL
//! scheme (`common::unsafe_markup`).

mod common;

use std::path::{Path, PathBuf};

use common::{attrs, copy_dir, fixture, page, sel, snapshot, text_of, Site};

const PAGE: &str = "content/xss.en.md";

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixture("xss"))
        .expect("tests/fixtures/xss exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    cases.sort();
    cases
}

/// Runs one case on a copy of the built `base`; returns what went wrong, if anything.
fn run_case(base: &Site, case: &Path) -> Vec<String> {
    let name = case.file_stem().unwrap().to_string_lossy().into_owned();
    let body = std::fs::read_to_string(case).unwrap();
    let site = Site::from_fixture("basic");
    copy_dir(&base.public(), &site.public());
    let before = snapshot(&site.public());
    site.write(PAGE, format!("+++\ntitle = \"Attack {name}\"\n+++\n{body}"));
    let run = site.run(&["build"]);
    let mut problems = Vec::new();
    if name.starts_with("error-") {
        // Located in the page: `error: content/xss.en.md:<line>:<col>: …`.
        let prefix = format!("error: {PAGE}:");
        let located = run.stderr.lines().any(|l| {
            l.strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        });
        if run.code != 1 || !located {
            problems.push(format!(
                "{name}: expected a located error in {PAGE}, got exit {}\n{}",
                run.code, run.stderr
            ));
        }
        if snapshot(&site.public()) != before {
            problems.push(format!("{name}: a failed build changed public/"));
        }
    } else {
        if run.code != 0 {
            problems.push(format!(
                "{name}: expected a build, got exit {}\n{}",
                run.code, run.stderr
            ));
        }
        let found = common::unsafe_markup(&site.public());
        if !found.is_empty() {
            problems.push(format!(
                "{name}: unsafe markup in the built site: {found:?}"
            ));
        }
    }
    problems
}

#[test]
fn every_xss_vector_is_refused_with_its_location_or_built_harmless() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} XSS cases", cases.len());
    let base = Site::from_fixture("basic");
    base.build_ok();
    assert_eq!(
        common::unsafe_markup(&base.public()),
        Vec::<String>::new(),
        "the fixture itself is clean"
    );
    let failures = common::two_at_a_time(&cases, |case| run_case(&base, case));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checker used above does find what it looks for (a test that can fail).
#[test]
fn the_unsafe_markup_checker_finds_each_kind_of_problem() {
    let dir = tempfile::tempdir().unwrap();
    let html = "<!DOCTYPE html><html><head><title>x</title></head><body>\
        <script>alert(1)</script><p onclick=\"x()\">a</p><p style=\"color:red\">b</p>\
        <iframe></iframe><a href=\" JaVa\tScript:alert(1)\">c</a><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"></body></html>";
    std::fs::write(dir.path().join("index.html"), html).unwrap();
    let found = common::unsafe_markup(dir.path());
    assert_eq!(found.len(), 6, "{found:?}");
}

/// The review's first vector, word for word: no handler reaches the page, and the message says
/// what to write.
#[test]
fn a_heading_id_must_be_a_plain_identifier() {
    let site = Site::from_fixture("basic");
    site.write(
        PAGE,
        "+++\ntitle = \"Ids\"\n+++\n# Titre {#x\"onmouseover=\"alert(1)}\n\n## Fine {#fine-id .note}\n",
    );
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {PAGE}:4:10: heading id `x\"onmouseover=\"alert(1)` is not a plain identifier\n"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("help: write `{#x-onmouseover-alert-1}`"),
        "{}",
        run.stderr
    );

    site.write(
        PAGE,
        "+++\ntitle = \"Ids\"\n+++\n## Fine {#fine-id .note}\n",
    );
    site.build_ok();
    let html = page(&site.public(), "en/ids/index.html");
    assert_eq!(attrs(&html, ".prose h2", "id"), ["fine-id"]);
    assert_eq!(attrs(&html, ".prose h2", "class"), ["note"]);
}

/// Raw HTML on the allow-list is published exactly as written.
#[test]
fn allowed_raw_html_is_kept_as_written() {
    let site = Site::from_fixture("basic");
    site.write(
        PAGE,
        "+++\ntitle = \"Allowed\"\n+++\nPress <kbd>Ctrl</kbd> + <kbd>S</kbd>, see <abbr title=\"Réseau social d’entreprise\">RSE</abbr>, H<sub>2</sub>O.\n\n<details>\n<summary>More</summary>\n\nHidden *Markdown*.\n\n</details>\n\n<!-- a note for editors -->\n",
    );
    site.build_ok();
    let html = page(&site.public(), "en/allowed/index.html");
    assert_eq!(text_of(&html, ".prose kbd").as_deref(), Some("Ctrl"));
    assert_eq!(
        attrs(&html, ".prose abbr", "title"),
        ["Réseau social d’entreprise"]
    );
    assert_eq!(
        text_of(&html, ".prose details summary").as_deref(),
        Some("More")
    );
    assert_eq!(
        text_of(&html, ".prose details em").as_deref(),
        Some("Markdown")
    );
    assert_eq!(common::unsafe_markup(&site.public()), Vec::<String>::new());
}

#[test]
fn callouts_have_a_localised_label_and_the_role_of_a_note() {
    let site = Site::from_fixture("basic");
    let body = "> [!NOTE]\n> Un.\n\n> [!TIP]\n> Deux.\n\n> [!IMPORTANT]\n> Trois.\n\n> [!WARNING]\n> Quatre.\n\n> [!CAUTION]\n> Cinq.\n\n> A plain quote.\n";
    site.write(
        "content/callouts.fr.md",
        format!("+++\ntitle = \"Encadrés\"\n+++\n{body}"),
    );
    site.write(
        "content/callouts.en.md",
        format!("+++\ntitle = \"Callouts\"\n+++\n{body}"),
    );
    site.build_ok();
    for (rel, labels) in [
        (
            "fr/encadres/index.html",
            ["Remarque", "Conseil", "Important", "Attention", "Prudence"],
        ),
        (
            "en/callouts/index.html",
            ["Note", "Tip", "Important", "Warning", "Caution"],
        ),
    ] {
        let html = page(&site.public(), rel);
        let found: Vec<String> = html
            .select(&sel(".prose .callout[role=note] > .callout-title"))
            .map(|e| e.text().collect())
            .collect();
        assert_eq!(found, labels, "{rel}");
        assert_eq!(
            attrs(&html, ".prose .callout", "class"),
            [
                "callout callout-note",
                "callout callout-tip",
                "callout callout-important",
                "callout callout-warning",
                "callout callout-caution"
            ]
        );
        assert_eq!(
            html.select(&sel(".prose blockquote")).count(),
            1,
            "plain quotes stay quotes"
        );
    }
}

/// Every page carries the site's CSP in a meta tag (root chooser, 404s, redirect pages
/// included), the same policy Netlify sends as a header, less what a meta tag cannot carry.
#[test]
fn every_page_carries_the_csp_in_a_meta_tag() {
    let site = Site::from_fixture("basic");
    site.write(
        "content/steps/group.fr.md",
        site.read("content/steps/group.fr.md").replacen(
            "+++\n",
            "+++\naliases = [\"/fr/ancien-groupe/\"]\n",
            1,
        ),
    );
    site.build_ok();
    let netlify = std::fs::read_to_string(common::repo().join("netlify.toml")).unwrap();
    let header = netlify
        .lines()
        .find_map(|l| l.trim().strip_prefix("Content-Security-Policy = \""))
        .expect("netlify.toml sets a CSP")
        .trim_end_matches('"')
        .to_string();
    let public = site.public();
    let files = common::html_files(&public);
    assert!(
        files.contains(&"fr/ancien-groupe/index.html".to_string()),
        "{files:?}"
    );
    for rel in files {
        let html = page(&public, &rel);
        let csp = attrs(
            &html,
            "head meta[http-equiv=Content-Security-Policy]",
            "content",
        );
        assert_eq!(csp.len(), 1, "{rel}: one CSP meta tag");
        let csp = &csp[0];
        assert!(csp.starts_with("default-src 'self'"), "{rel}: {csp}");
        for directive in csp.split(';').map(str::trim) {
            assert!(
                header.contains(directive),
                "{rel}: `{directive}` is not in the header {header}"
            );
            for not_in_meta in ["frame-ancestors", "report-uri", "sandbox"] {
                assert!(!directive.starts_with(not_in_meta), "{rel}: {directive}");
            }
        }
    }
}

/// The real playbook and every fixture site that builds pass the same parser-based check as
/// the XSS fixtures: no script of its own, handler, style, embedding element or foreign URL
/// scheme on any page, the theme's own controls aside.
#[test]
fn the_real_site_and_the_fixture_sites_carry_no_unsafe_markup() {
    let overlaid = |overlay: &str| {
        let site = Site::from_fixture("basic");
        site.overlay(&common::fixture(overlay));
        site
    };
    for site in [
        Site::real(),
        Site::from_fixture("basic"),
        Site::from_fixture("editor"),
        Site::from_fixture("matrix-large"),
        overlaid("media"),
        overlaid("glossary"),
        overlaid("diagnostic"),
    ] {
        site.build_ok();
        let public = site.public();
        assert!(
            common::html_files(&public).len() > 5,
            "{}",
            public.display()
        );
        assert_eq!(
            common::unsafe_markup(&public),
            Vec::<String>::new(),
            "{}",
            public.display()
        );
    }
}
