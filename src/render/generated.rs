//! Generated pages: the pages of the site that no content file describes — the root language
//! chooser, the 404 pages, the obstacles × steps matrix, the index of all pages, the search
//! page — plus the files that go with them (the print view from `print.rs`, the checklist from
//! `checklist.rs`, the search index from `search.rs`, sitemap and robots.txt from `sitemap.rs`;
//! the redirects come last, from `build`, once every other file is known). Each takes the
//! assembled site and the already-rendered bodies; none re-reads a file.

use rayon::prelude::*;
use serde::Serialize;

use crate::content::model::{Key, Site};
use crate::errors::{Diagnostic, Diagnostics};
use crate::output::Files;
use crate::render::bodies::Bodies;
use crate::render::checklist::checklist_page;
use crate::render::context::{link, render_template, Common, Ctx, Empty, Link, Place};
use crate::render::markdown::Tools;
use crate::render::print::print_page;
use crate::render::search::{index_folder, search_index};
use crate::render::sitemap;
use crate::render::theme::Theme;

#[derive(Serialize)]
struct MatrixRow {
    obstacle: Link,
    cells: Vec<Option<Link>>,
}

#[derive(Serialize)]
struct Matrix {
    steps: Vec<Link>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct PageGroup {
    title: String,
    url: String,
    pages: Vec<Link>,
}

#[derive(Serialize)]
struct AllPages {
    groups: Vec<PageGroup>,
}

#[derive(Serialize)]
struct SearchPage {
    index: String,
}

/// Renders every generated file, handing each to `files` as soon as it is made: the
/// languages' pages in parallel, then their search indexes one after the other (they are big:
/// never two in memory at once).
pub(crate) fn render_all(
    site: &Site,
    theme: &Theme,
    bodies: &Bodies,
    tools: &Tools,
    files: &Files,
) -> Result<(), Diagnostics> {
    let mut problems = Diagnostics::default();
    let default = site.languages[0].as_str();

    // The language chooser at the root.
    let chooser = |l: &str| site.url(&Key::home(), l).to_string();
    let common = Common::new(
        site,
        theme,
        default,
        "",
        Place::Custom(&chooser, None),
        false,
    );
    add(
        files,
        &mut problems,
        "index.html".into(),
        render_template(
            theme,
            "root.html",
            &Ctx {
                common,
                data: Empty {},
            },
        ),
    );

    // The languages' pages side by side (small), then their search indexes one at a time
    // (each a few megabytes at 5,000 pages, built on every core), written as they come.
    let pages: Vec<Diagnostics> = site
        .languages
        .par_iter()
        .map(|lang| language_pages(site, theme, tools, files, lang))
        .collect();
    pages.into_iter().for_each(|ds| problems.extend(ds));
    for lang in &site.languages {
        search_index(site, lang, bodies)
            .into_par_iter()
            .for_each(|(path, bytes)| files.put(path, bytes));
    }

    files.put("sitemap.xml".into(), sitemap::sitemap(site).into_bytes());
    files.put("robots.txt".into(), sitemap::robots(site).into_bytes());
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(())
    }
}

/// The pages of one language besides its search index — its 404 page, matrix, print view,
/// checklist, list of all pages and search page — handed to `files`; the problems found.
fn language_pages(
    site: &Site,
    theme: &Theme,
    tools: &Tools,
    files: &Files,
    lang: &str,
) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let default = site.languages[0].as_str();
    let gen = &site.generated[lang];

    // 404: served at any depth, so its links are absolute.
    let not_found = |l: &str| format!("{l}/404.html");
    let common = Common::new(
        site,
        theme,
        lang,
        &not_found(lang),
        Place::Custom(&not_found, None),
        true,
    );
    let html = render_template(
        theme,
        "404.html",
        &Ctx {
            common,
            data: Empty {},
        },
    );
    if lang == default {
        add(files, &mut problems, "404.html".into(), html.clone());
    }
    add(files, &mut problems, not_found(lang), html);

    // Matrix.
    let path = &gen["matrix"];
    let common = Common::new(site, theme, lang, path, Place::Generated("matrix"), false);
    let root = common.root.clone();
    let steps: Vec<Link> = site
        .steps
        .iter()
        .map(|k| link(site, k, lang, &root))
        .collect();
    let rows = site
        .obstacles
        .iter()
        .map(|o| MatrixRow {
            obstacle: link(site, o, lang, &root),
            cells: site
                .steps
                .iter()
                .zip(&steps)
                .map(|(s, l)| site.entry(s).addresses.contains(&o.id).then(|| l.clone()))
                .collect(),
        })
        .collect();
    add(
        files,
        &mut problems,
        format!("{path}index.html"),
        render_template(
            theme,
            "matrix.html",
            &Ctx {
                common,
                data: Matrix { steps, rows },
            },
        ),
    );

    // Print view: the playbook in reading order on one page; the checklist of its actions.
    for page in [print_page, checklist_page] {
        match page(site, theme, lang, tools) {
            Ok((path, bytes)) => files.put(path, bytes),
            Err(ds) => problems.extend(ds),
        }
    }

    // Every page, grouped by section: the search page's no-JavaScript fallback.
    let path = &gen["pages"];
    let common = Common::new(site, theme, lang, path, Place::Generated("pages"), false);
    let root = common.root.clone();
    let mut groups = vec![PageGroup {
        title: site.title(&Key::home(), lang),
        url: format!("{root}{}", site.url(&Key::home(), lang)),
        pages: site
            .section_pages("")
            .iter()
            .map(|k| link(site, k, lang, &root))
            .collect(),
    }];
    for key in site.nav().into_iter().filter(|k| k.is_index()) {
        groups.push(PageGroup {
            title: site.title(&key, lang),
            url: format!("{root}{}", site.url(&key, lang)),
            pages: site
                .section_pages(&key.section)
                .iter()
                .map(|k| link(site, k, lang, &root))
                .collect(),
        });
    }
    add(
        files,
        &mut problems,
        format!("{path}index.html"),
        render_template(
            theme,
            "pages.html",
            &Ctx {
                common,
                data: AllPages { groups },
            },
        ),
    );

    // Search page and its index.
    let path = &gen["search"];
    let common = Common::new(site, theme, lang, path, Place::Generated("search"), false);
    let index = format!("{}{}index.js", common.root, index_folder(lang));
    add(
        files,
        &mut problems,
        format!("{path}index.html"),
        render_template(
            theme,
            "search.html",
            &Ctx {
                common,
                data: SearchPage { index },
            },
        ),
    );
    problems
}

/// Hands a rendered page to `files`, or its problem to `problems`.
fn add(files: &Files, problems: &mut Diagnostics, path: String, r: Result<String, Diagnostic>) {
    match r {
        Ok(s) => files.put(path, s.into_bytes()),
        Err(d) => problems.push(d),
    }
}
