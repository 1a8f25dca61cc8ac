//! Content pages: each (page, language) of the `Site` through its Tera template — home, section
//! indexes, obstacles, steps and other pages. A page's context holds only what that page shows
//! (its body, table of contents, relations, breadcrumbs, previous/next, notices), never the
//! whole site. Bodies and pages are rendered in one parallel pass, each page handed to the
//! output as soon as it is made. The diagnostic's start page is left to the diagnostic stage.

use rayon::prelude::*;
use serde::Serialize;

use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::kinds::{Kind, KindFront};
use crate::content::model::{Key, Site};
use crate::errors::{Diagnostic, Diagnostics};
use crate::output::Files;
use crate::render::bodies::{render_body, Bodies, BodyJob};
use crate::render::context::{
    link, long_date, render_template, Common, LangLink, Link, Lists, Place,
};
use crate::render::markdown::{Body, Heading, Tools};
use crate::render::theme::Theme;

#[derive(Debug, Serialize)]
struct SourceView {
    author: String,
    title: String,
    publication: String,
    date: String,
    url: Option<String>,
    note: Option<String>,
}

/// The page-specific part of a content page's context.
#[derive(Debug, Serialize)]
struct PageView<'a> {
    kind: &'static str,
    id: String,
    section: String,
    title: String,
    summary: Option<String>,
    content: &'a str,
    toc: Vec<Heading>,
    /// Set when the text shown comes from another language.
    fallback: Option<LangLink>,
    /// Set when the source-language page changed since this translation was made.
    stale: Option<LangLink>,
    sources: Vec<SourceView>,
    signals: Vec<String>,
    actions: Vec<String>,
    roles: Vec<String>,
    number: Option<i64>,
    addresses: Vec<Link>,
    addressed_by: Vec<Link>,
    children: Vec<Link>,
    breadcrumbs: Vec<Link>,
    prev: Option<Link>,
    next: Option<Link>,
    /// When the file last changed and where to edit it.
    meta: PageMeta,
}

/// What a page says about its source file: when it last changed (from git) and where to edit
/// it (when the settings name the repository's editor). Empty for pages built from no file.
#[derive(Debug, Default, Serialize)]
pub(crate) struct PageMeta {
    updated: Option<DateView>,
    edit_url: Option<String>,
}

/// A date for `<time datetime>` and as the reader's language writes it.
#[derive(Debug, Serialize)]
struct DateView {
    datetime: String,
    text: String,
}

/// The meta of the page `key` in `lang`: about the file whose text the page shows.
pub(crate) fn page_meta(site: &Site, theme: &Theme, key: &Key, lang: &str) -> PageMeta {
    let Some((_, t)) = site.entry(key).shown(lang, &site.languages) else {
        return PageMeta::default();
    };
    PageMeta {
        updated: t.updated.as_ref().map(|date| DateView {
            datetime: date.clone(),
            text: long_date(date, theme.string(lang, "months")),
        }),
        edit_url: site
            .settings
            .edit_url
            .as_ref()
            .map(|pattern| pattern.replace("{path}", &t.file)),
    }
}

#[derive(Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    page: PageView<'a>,
}

/// The key of the diagnostic's start page, which the diagnostic renders itself.
fn diagnostic_index() -> Key {
    Key::new(DIAGNOSTIC_SECTION, "_index")
}

fn render_page(
    site: &Site,
    theme: &Theme,
    lists: &Lists,
    key: &Key,
    lang: &str,
    body: Option<&Body>,
) -> Result<(String, Vec<u8>), Diagnostic> {
    let (template, ctx) = page_context(site, theme, lists, key, lang, body);
    let path = format!("{}index.html", site.url(key, lang));
    render_template(theme, template, &ctx).map(|html| (path, html.into_bytes()))
}

/// Renders the templates of the given content pages, in parallel (the diagnostic renders its
/// own start page).
pub(crate) fn render_pages(
    site: &Site,
    theme: &Theme,
    bodies: &Bodies,
    jobs: &[(&Key, &str)],
) -> (Vec<(String, Vec<u8>)>, Diagnostics) {
    let diagnostic_index = diagnostic_index();
    let lists = Lists::new(site);
    let pages: Vec<Result<(String, Vec<u8>), Diagnostic>> = jobs
        .par_iter()
        .filter(|(k, _)| **k != diagnostic_index)
        .map(|&(key, lang)| {
            let body = bodies.map.get(&(key.clone(), lang.to_string()));
            render_page(site, theme, &lists, key, lang, body)
        })
        .collect();
    let mut problems = Diagnostics::default();
    let mut files = Vec::with_capacity(pages.len());
    for r in pages {
        match r {
            Ok(file) => files.push(file),
            Err(d) => problems.push(d),
        }
    }
    (files, problems)
}

/// A page the build cache published again without rendering it: its body as it was (`None`
/// for a page without one); `None` when the page must be rendered.
pub(crate) type Reuse<'a> = dyn Fn(&Key, &str) -> Option<Option<BodyJob>> + Sync + 'a;

/// Renders the bodies and the pages of the given jobs in one parallel pass, handing each page
/// to `files` as soon as its body is ready, so the site is never in memory (as bodies or as
/// pages); a page `reuse` could publish as it was is not rendered. The bodies keep their headings, anchors and search lines, but their HTML only for
/// the diagnostic's start page (the one page rendered later from its body).
pub(crate) fn render_content(
    site: &Site,
    (theme, lists): (&Theme, &Lists),
    tools: &Tools,
    jobs: &[(&Key, &str)],
    files: &Files,
    reuse: &Reuse,
) -> (Bodies, Diagnostics) {
    type Done = (Option<BodyJob>, Option<Diagnostic>);
    let diagnostic_index = diagnostic_index();
    let done: Vec<Done> = jobs
        .par_iter()
        .map(|&(key, lang)| {
            if let Some(body) = reuse(key, lang) {
                return (body, None);
            }
            let mut body = render_body(site, tools, key, lang);
            if *key == diagnostic_index {
                return (body, None);
            }
            let page = render_page(site, theme, lists, key, lang, body.as_ref().map(|b| &b.0));
            if let Some((b, ..)) = &mut body {
                b.html = String::new();
            }
            match page {
                Ok((path, bytes)) => {
                    files.put(path, bytes);
                    (body, None)
                }
                Err(d) => (body, Some(d)),
            }
        })
        .collect();
    let mut problems = Diagnostics::default();
    let mut template_problems = Diagnostics::default();
    let mut rendered = Vec::with_capacity(done.len());
    for (&(key, lang), (body, page)) in jobs.iter().zip(done) {
        if let Some(job) = body {
            rendered.push(((key, lang), job));
        }
        if let Some(d) = page {
            template_problems.push(d);
        }
    }
    let bodies = Bodies::collect(rendered.into_iter(), &mut problems);
    problems.extend(template_problems);
    (bodies, problems)
}

fn page_context<'a>(
    site: &'a Site,
    theme: &'a Theme,
    lists: &Lists,
    key: &Key,
    lang: &'a str,
    body: Option<&'a Body>,
) -> (&'static str, PageContext<'a>) {
    let entry = site.entry(key);
    let path = site.url(key, lang);
    let common = Common::with_lists(site, theme, lang, path, Place::Page(key), false, lists);
    let root = common.root.clone();
    let shown = entry.shown(lang, &site.languages);
    let fallback = shown.filter(|(l, _)| *l != lang).map(|(l, _)| LangLink {
        lang: l.to_string(),
        name: theme.string(l, "language_name").to_string(),
        url: format!("{root}{}", site.url(key, l)),
        current: false,
    });
    let source_lang = site.languages[0].as_str();
    let stale = crate::content::translations::is_stale(site, entry, lang).then(|| LangLink {
        lang: source_lang.to_string(),
        name: theme.string(source_lang, "language_name").to_string(),
        url: format!("{root}{}", site.url(key, source_lang)),
        current: false,
    });
    let (signals, actions, roles) = match shown.map(|(_, t)| &t.front.kind) {
        Some(KindFront::Obstacle { signals }) => (signals.clone(), Vec::new(), Vec::new()),
        Some(KindFront::Step { actions, roles, .. }) => {
            (Vec::new(), actions.clone(), roles.clone())
        }
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let months = theme.string(lang, "months");
    let sources = entry
        .sources
        .iter()
        .filter_map(|id| site.settings.sources.get(id))
        .map(|s| SourceView {
            author: s.author.clone(),
            title: s.title.clone(),
            publication: s.publication.clone(),
            date: long_date(&s.date, months),
            url: s.url.clone(),
            note: s.note.get(lang).cloned(),
        })
        .collect();
    let addresses = entry
        .addresses
        .iter()
        .map(|id| link(site, &Key::new("obstacles", id), lang, &root))
        .collect();
    let addressed_by = if entry.kind == Kind::Obstacle {
        site.addressed_by
            .get(&key.id)
            .map(|ids| {
                ids.iter()
                    .map(|id| link(site, &Key::new("steps", id), lang, &root))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let children = if key.is_index() && !key.section.is_empty() {
        lists
            .section(&key.section)
            .iter()
            .map(|k| link(site, k, lang, &root))
            .collect()
    } else {
        Vec::new()
    };
    let mut breadcrumbs = Vec::new();
    let mut parent = key.parent();
    while let Some(p) = parent {
        breadcrumbs.insert(
            0,
            Link {
                title: site.title(&p, lang),
                url: format!("{root}{}", site.url(&p, lang)),
                summary: None,
                number: None,
                id: None,
            },
        );
        parent = p.parent();
    }
    let (prev, next) = if key.is_index() || key.section.is_empty() {
        (None, None)
    } else {
        let list = lists.section(&key.section);
        let i = lists.position(key).unwrap_or(0);
        (
            i.checked_sub(1).map(|j| link(site, &list[j], lang, &root)),
            list.get(i + 1).map(|k| link(site, k, lang, &root)),
        )
    };
    let (kind, template) = if *key == Key::home() {
        ("home", "home.html")
    } else if key.is_index() {
        ("section", "section.html")
    } else {
        match entry.kind {
            Kind::Obstacle => ("obstacle", "obstacle.html"),
            Kind::Step => ("step", "step.html"),
            Kind::Page | Kind::Glossary => ("page", "page.html"),
        }
    };
    let toc = body
        .map(|b| {
            b.headings
                .iter()
                .filter(|h| h.level <= 3)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let page = PageView {
        kind,
        id: key.id.clone(),
        section: key.section.clone(),
        title: site.title(key, lang),
        summary: site.summary(key, lang),
        content: body.map_or("", |b| b.html.as_str()),
        toc,
        fallback,
        stale,
        sources,
        signals,
        actions,
        roles,
        number: entry.order,
        addresses,
        addressed_by,
        children,
        breadcrumbs,
        prev,
        next,
        meta: page_meta(site, theme, key, lang),
    };
    (template, PageContext { common, page })
}
