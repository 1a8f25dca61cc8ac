//! Generated pages: the pages of the site that no content file describes — the root language
//! chooser, the 404 pages, the obstacles × steps matrix, the index of all pages, the search
//! page — plus the files that go with them (the print view from `print.rs`, the checklist from
//! `checklist.rs`, sitemap and robots.txt from `sitemap.rs`; the search index's files, from
//! `search`, and the redirects, which come last once every other file is known, are written by
//! `build`, which can take them from its build cache). Each takes the assembled site; none re-reads a
//! file.

use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::content::model::{Key, Site};
use crate::errors::{Diagnostic, Diagnostics};
use crate::output::Files;
use crate::render::checklist::checklist_page_with;
use crate::render::context::{link, render_template, Common, Ctx, Empty, Link, Lists, Place};
use crate::render::markdown::Tools;
use crate::render::print::{print_page_with, Memo};
use crate::render::search::index_folder;
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

/// Renders the generated files made from the site alone — the root chooser, the 404 pages,
/// the matrix, the index of all pages, the search page, sitemap and robots.txt: titles,
/// addresses, front matter, settings and theme, no page's text — handing each to `files` as
/// soon as it is made (the languages side by side); their paths.
pub(crate) fn site_pages(
    site: &Site,
    theme: &Theme,
    lists: &Lists,
    files: &Files,
) -> Result<Vec<String>, Diagnostics> {
    let mut problems = Diagnostics::default();
    let written = Mutex::new(Vec::new());
    let put = |path: String, bytes: Vec<u8>| {
        if let Ok(mut w) = written.lock() {
            w.push(path.clone());
        }
        files.put(path, bytes);
    };
    let add = |problems: &mut Diagnostics, path: String, r: Result<String, Diagnostic>| match r {
        Ok(s) => put(path, s.into_bytes()),
        Err(d) => problems.push(d),
    };
    let default = site.languages[0].as_str();

    // The language chooser at the root.
    let chooser = |l: &str| site.url(&Key::home(), l).to_string();
    let common = Common::with_lists(
        site,
        theme,
        default,
        "",
        Place::Custom(&chooser, None),
        false,
        lists,
    );
    add(
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

    problems.extend(per_language(site, |lang| {
        language_pages(site, theme, lists, lang, &add)
    }));

    put("sitemap.xml".into(), sitemap::sitemap(site).into_bytes());
    put("robots.txt".into(), sitemap::robots(site).into_bytes());
    if problems.has_errors() {
        Err(problems)
    } else {
        let mut written = written.into_inner().unwrap_or_default();
        written.sort();
        Ok(written)
    }
}

/// What `site_pages` hands on: a rendered page, or the problem that stopped it.
type Add<'a> = dyn Fn(&mut Diagnostics, String, Result<String, Diagnostic>) + Sync + 'a;

/// One language's generated pages made from the site alone: its 404 (and the root one for
/// the default language), matrix, index of all pages and search page.
fn language_pages(site: &Site, theme: &Theme, lists: &Lists, lang: &str, add: &Add) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let default = site.languages[0].as_str();
    let gen = &site.generated[lang];

    // 404: served at any depth, so its links are absolute.
    let not_found = |l: &str| format!("{l}/404.html");
    let common = Common::with_lists(
        site,
        theme,
        lang,
        &not_found(lang),
        Place::Custom(&not_found, None),
        true,
        lists,
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
        add(&mut problems, "404.html".into(), html.clone());
    }
    add(&mut problems, not_found(lang), html);

    // Matrix.
    let path = &gen["matrix"];
    let common = Common::generated(site, theme, lang, "matrix", lists);
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

    // Every page, grouped by section: the search page's no-JavaScript fallback.
    let path = &gen["pages"];
    let common = Common::generated(site, theme, lang, "pages", lists);
    let root = common.root.clone();
    let mut groups = vec![PageGroup {
        title: site.title(&Key::home(), lang),
        url: format!("{root}{}", site.url(&Key::home(), lang)),
        pages: lists
            .section("")
            .iter()
            .map(|k| link(site, k, lang, &root))
            .collect(),
    }];
    for key in site.nav().into_iter().filter(|k| k.is_index()) {
        groups.push(PageGroup {
            title: site.title(&key, lang),
            url: format!("{root}{}", site.url(&key, lang)),
            pages: lists
                .section(&key.section)
                .iter()
                .map(|k| link(site, k, lang, &root))
                .collect(),
        });
    }
    add(
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

    // Search page (`build` writes its index).
    let path = &gen["search"];
    let common = Common::generated(site, theme, lang, "search", lists);
    let index = format!("{}{}index.js", common.root, index_folder(lang));
    add(
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

/// `each` run for every language, side by side; their problems in the languages' order.
fn per_language(site: &Site, each: impl Fn(&str) -> Diagnostics + Sync) -> Diagnostics {
    let all: Vec<Diagnostics> = site.languages.par_iter().map(|l| each(l)).collect();
    let mut problems = Diagnostics::default();
    all.into_iter().for_each(|ds| problems.extend(ds));
    problems
}

/// Renders the generated files made from the pages' texts: per language the print view (with
/// the bodies `print` holds, adding those it renders) and the checklist, the languages side by
/// side.
pub(crate) fn text_pages(
    site: &Site,
    theme: &Theme,
    (lists, tools): (&Lists, &Tools),
    print: &Memo,
    files: &Files,
) -> Diagnostics {
    per_language(site, |lang| {
        let mut problems = Diagnostics::default();
        // The playbook in reading order on one page; the checklist of its actions.
        for page in [
            print_page_with(site, theme, lang, (tools, lists), print),
            checklist_page_with(site, theme, lang, tools, lists),
        ] {
            match page {
                Ok((path, bytes)) => files.put(path, bytes),
                Err(ds) => problems.extend(ds),
            }
        }
        problems
    })
}
