//! Rendering: from the assembled `Site` and the theme to the `Output` map. Markdown bodies are
//! rendered in parallel once every URL is known, `#anchor` links are checked against the
//! headings they found, then each page's context — only what that page shows, never the whole
//! site — goes through its Tera template. Generated pages (language chooser, 404s, matrix, print
//! view, page index, search, sitemap, robots.txt) are rendered here too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::DecisionTree;
use crate::errors::{Diagnostic, Diagnostics};
use crate::frontmatter::{Kind, KindFront};
use crate::highlight::Highlighter;
use crate::markdown::{self, Body, Heading};
use crate::output::Output;
use crate::site::{Key, Site};
use crate::theme::Theme;

pub fn register_filters(_tera: &mut tera::Tera) {}

/// A link to a page, with what a card shows.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LangLink {
    pub lang: String,
    pub name: String,
    pub url: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    pub current: bool,
}

/// What every page's template receives.
#[derive(Debug, Serialize)]
pub struct Common<'a> {
    pub lang: &'a str,
    pub root: String,
    pub t: &'a BTreeMap<String, String>,
    pub site_title: String,
    pub site_description: String,
    /// Published asset URLs by logical name, relative to this page.
    pub assets: BTreeMap<&'a str, String>,
    pub nav: Vec<NavItem>,
    /// This page in every language.
    pub languages: Vec<LangLink>,
    pub canonical: String,
    /// Absolute URLs of this page per language, for `<link rel="alternate" hreflang>`.
    pub alternates: Vec<LangLink>,
    pub noindex: bool,
    /// Generated pages and the home page, relative to this page.
    pub links: BTreeMap<&'static str, String>,
}

/// Where a page is: a content page, a generated page, or the language chooser.
#[derive(Clone, Copy)]
pub enum Place<'a> {
    Page(&'a Key),
    Generated(&'a str),
    Custom(&'a dyn Fn(&str) -> String),
}

/// `../` repeated once per folder level of a site path, so links work under any base path and
/// from `file://`.
pub fn root_for(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Orderings every content page needs (the header navigation, each section's pages in reading
/// order and where each page stands in it), worked out once per render: asking the `Site`
/// for them page by page costs a scan and a sort of every page, for every page.
pub struct Lists {
    nav: Vec<Key>,
    sections: BTreeMap<String, Vec<Key>>,
    position: HashMap<Key, usize>,
}

impl Lists {
    pub fn new(site: &Site) -> Lists {
        let mut sections = BTreeMap::new();
        let mut position = HashMap::new();
        let names: BTreeSet<&str> = site.entries.keys().map(|k| k.section.as_str()).collect();
        for section in names {
            let pages = site.section_pages(section);
            for (i, key) in pages.iter().enumerate() {
                position.insert(key.clone(), i);
            }
            sections.insert(section.to_string(), pages);
        }
        Lists {
            nav: site.nav(),
            sections,
            position,
        }
    }

    /// The pages of a section in reading order (as `Site::section_pages`).
    pub fn section(&self, section: &str) -> &[Key] {
        self.sections.get(section).map_or(&[], Vec::as_slice)
    }
}

impl<'a> Common<'a> {
    pub fn new(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        path: &str,
        place: Place,
        absolute_root: bool,
    ) -> Common<'a> {
        Self::with_nav(site, theme, lang, path, place, absolute_root, &site.nav())
    }

    /// `new`, with the navigation already worked out.
    pub fn with_nav(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        path: &str,
        place: Place,
        absolute_root: bool,
        nav: &[Key],
    ) -> Common<'a> {
        let root = if absolute_root {
            site.settings.base_path()
        } else {
            root_for(path)
        };
        let url_in = |l: &str| -> Option<String> {
            match place {
                Place::Page(key) => Some(site.url(key, l).to_string()),
                Place::Generated(name) => site.generated[l].get(name).cloned(),
                Place::Custom(f) => Some(f(l)),
            }
        };
        let languages = site
            .languages
            .iter()
            .filter_map(|l| {
                url_in(l).map(|u| LangLink {
                    lang: l.clone(),
                    name: theme.string(l, "language_name").to_string(),
                    url: format!("{root}{u}"),
                    current: l == lang,
                })
            })
            .collect();
        let alternates = site
            .languages
            .iter()
            .filter_map(|l| {
                url_in(l).map(|u| LangLink {
                    lang: l.clone(),
                    name: theme.string(l, "language_name").to_string(),
                    url: site.settings.absolute(&u),
                    current: l == lang,
                })
            })
            .collect();
        let current_section = match place {
            Place::Page(key) => Some(if key.section.is_empty() {
                key.clone()
            } else {
                Key::new(&key.section, "_index")
            }),
            _ => None,
        };
        let nav = nav
            .iter()
            .map(|k| NavItem {
                title: site.title(k, lang),
                url: format!("{root}{}", site.url(k, lang)),
                current: current_section.as_ref() == Some(k),
            })
            .collect();
        let mut links = BTreeMap::new();
        links.insert("home", format!("{root}{}", site.url(&Key::home(), lang)));
        for (name, url) in &site.generated[lang] {
            let name: &'static str = match name.as_str() {
                "search" => "search",
                "matrix" => "matrix",
                "print" => "print",
                "pages" => "pages",
                _ => continue,
            };
            links.insert(name, format!("{root}{url}"));
        }
        if let Some(url) = site
            .entries
            .get(&Key::new(crate::discover::DIAGNOSTIC_SECTION, "_index"))
            .map(|e| &e.urls[lang])
        {
            links.insert("diagnostic", format!("{root}{url}"));
        }
        Common {
            lang,
            t: &theme.strings[lang],
            site_title: site.settings.title(lang),
            site_description: site
                .settings
                .description
                .get(lang)
                .cloned()
                .unwrap_or_default(),
            assets: theme
                .assets
                .iter()
                .map(|(k, v)| (k.as_str(), format!("{root}{v}")))
                .collect(),
            nav,
            languages,
            canonical: site.settings.absolute(path),
            alternates,
            noindex: site.settings.noindex,
            links,
            root,
        }
    }
}

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
}

#[derive(Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    page: PageView<'a>,
}

/// Formats `2011-08-19` with the language's month names (`19 août 2011`).
fn long_date(date: &str, months: &str) -> String {
    let months: Vec<&str> = months.split(',').map(str::trim).collect();
    let parts: Vec<&str> = date.split('-').collect();
    let month = |m: &str| {
        m.parse::<usize>()
            .ok()
            .and_then(|m| months.get(m.wrapping_sub(1)).copied())
    };
    match parts.as_slice() {
        [y, m, d] => match month(m) {
            Some(name) => format!("{} {name} {y}", d.trim_start_matches('0')),
            None => date.to_string(),
        },
        [y, m] => month(m).map_or_else(|| date.to_string(), |name| format!("{name} {y}")),
        _ => date.to_string(),
    }
}

/// Rendered Markdown bodies by (page, language), whether each is the page's own language, and
/// each page's line of the search index.
#[derive(Debug, Default, Clone)]
pub struct Bodies {
    pub map: BTreeMap<(Key, String), Body>,
    pub own: BTreeMap<(Key, String), bool>,
    pub search: BTreeMap<(Key, String), String>,
}

/// Everything a full render produced; `bodies` lets watch mode re-render only what changed.
#[derive(Debug)]
pub struct Rendered {
    pub output: Output,
    pub pages: BTreeMap<String, usize>,
    pub bodies: Bodies,
}

/// Every (page, language) of the site.
pub fn all_jobs(site: &Site) -> Vec<(&Key, &str)> {
    site.entries
        .keys()
        .flat_map(|k| site.languages.iter().map(move |l| (k, l.as_str())))
        .collect()
}

/// One rendered body: the body, its problems, whether it is the page's own language, and its
/// line of the search index.
type BodyJob = (Body, Vec<Diagnostic>, bool, String);

fn render_body(site: &Site, highlighter: &Highlighter, key: &Key, lang: &str) -> Option<BodyJob> {
    let (shown_lang, t) = site.entry(key).shown(lang, &site.languages)?;
    let root = root_for(site.url(key, lang));
    let ctx = markdown::Context {
        site,
        lang,
        text_lang: shown_lang,
        root: &root,
        highlighter,
        id_prefix: "",
    };
    let (mut body, problems) = markdown::render(t, &ctx);
    // The plain text only feeds the search index: keep its line, not the text too.
    let text = std::mem::take(&mut body.text);
    let search = crate::generated::search_entry(site, key, lang, &text);
    Some((body, problems, shown_lang == lang, search))
}

impl Bodies {
    fn add(&mut self, key: &Key, lang: &str, job: BodyJob, problems: &mut Diagnostics) {
        let (body, ps, is_own, search) = job;
        for p in ps {
            problems.push(p);
        }
        let k = (key.clone(), lang.to_string());
        self.own.insert(k.clone(), is_own);
        self.search.insert(k.clone(), search);
        self.map.insert(k, body);
    }
}

/// Renders the Markdown of the given pages, in parallel.
pub fn render_bodies(
    site: &Site,
    highlighter: &Highlighter,
    jobs: &[(&Key, &str)],
    bodies: &mut Bodies,
) -> Diagnostics {
    let rendered: Vec<Option<BodyJob>> = jobs
        .par_iter()
        .map(|&(key, lang)| render_body(site, highlighter, key, lang))
        .collect();
    let mut problems = Diagnostics::default();
    for (&(key, lang), job) in jobs.iter().zip(rendered) {
        if let Some(job) = job {
            bodies.add(key, lang, job, &mut problems);
        }
    }
    problems
}

/// Checks `#anchor` links against the headings of their targets; `wanted` picks which links
/// (by the page holding them and the page they target) to check.
pub fn check_anchors(bodies: &Bodies, wanted: impl Fn(&Key, &Key) -> bool) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for ((from, lang), body) in &bodies.map {
        let mut anchors = body
            .anchors
            .iter()
            .filter(|a| wanted(from, &a.target))
            .peekable();
        // A fallback text (shown in a language it was not written in) is checked where it is
        // its own, against the headings of its language: once, and with the right list.
        if anchors.peek().is_none() || bodies.own.get(&(from.clone(), lang.clone())) == Some(&false)
        {
            continue;
        }
        for a in anchors {
            let target = (a.target.clone(), lang.clone());
            let found = bodies
                .map
                .get(&target)
                .is_some_and(|b| b.headings.iter().any(|h| h.id == a.anchor));
            // A fallback text links to headings of its own language; check it there.
            if !found && bodies.own.get(&target).copied().unwrap_or(true) {
                let known: Vec<&str> = bodies
                    .map
                    .get(&target)
                    .map(|b| b.headings.iter().map(|h| h.id.as_str()).collect())
                    .unwrap_or_default();
                let d = a.diagnostic.clone();
                problems.push(if known.is_empty() {
                    d.help("that page has no headings to link to")
                } else {
                    d.help(format!(
                        "the anchors of that page are: {}",
                        known.join(", ")
                    ))
                });
            }
        }
    }
    problems
}

/// The key of the diagnostic's start page, which the diagnostic renders itself.
fn diagnostic_index() -> Key {
    Key::new(crate::discover::DIAGNOSTIC_SECTION, "_index")
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
    render_template(theme, template, &ctx).map(|html| {
        // The whole site stays in memory until it is written: no spare capacity.
        let mut bytes = html.into_bytes();
        bytes.shrink_to_fit();
        (path, bytes)
    })
}

/// Renders the templates of the given content pages, in parallel (the diagnostic renders its
/// own start page).
pub fn render_pages(
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

/// Renders the bodies and the pages of the given jobs in one parallel pass, each page as soon
/// as its body is ready, so the site is never in memory twice (as bodies and as pages). The
/// bodies keep their headings, anchors and search lines, but their HTML only for the
/// diagnostic's start page (the one page rendered later from its body).
fn render_content(
    site: &Site,
    theme: &Theme,
    highlighter: &Highlighter,
    jobs: &[(&Key, &str)],
) -> (Bodies, Vec<(String, Vec<u8>)>, Diagnostics) {
    type Done = (
        Option<BodyJob>,
        Option<Result<(String, Vec<u8>), Diagnostic>>,
    );
    let diagnostic_index = diagnostic_index();
    let lists = Lists::new(site);
    let done: Vec<Done> = jobs
        .par_iter()
        .map(|&(key, lang)| {
            let mut body = render_body(site, highlighter, key, lang);
            if *key == diagnostic_index {
                return (body, None);
            }
            let page = render_page(site, theme, &lists, key, lang, body.as_ref().map(|b| &b.0));
            if let Some((b, ..)) = &mut body {
                b.html = String::new();
            }
            (body, Some(page))
        })
        .collect();
    let mut bodies = Bodies::default();
    let mut problems = Diagnostics::default();
    let mut files = Vec::with_capacity(done.len());
    let mut template_problems = Diagnostics::default();
    for (&(key, lang), (body, page)) in jobs.iter().zip(done) {
        if let Some(job) = body {
            bodies.add(key, lang, job, &mut problems);
        }
        match page {
            Some(Ok(file)) => files.push(file),
            Some(Err(d)) => template_problems.push(d),
            None => {}
        }
    }
    problems.extend(template_problems);
    (bodies, files, problems)
}

/// Renders the whole site.
pub fn render(
    site: &Site,
    theme: &Theme,
    tree: Option<&DecisionTree>,
    highlighter: &Highlighter,
) -> Result<Rendered, Diagnostics> {
    let jobs = all_jobs(site);
    let (bodies, files, mut problems) = render_content(site, theme, highlighter, &jobs);
    problems.extend(check_anchors(&bodies, |_, _| true));
    if problems.has_errors() {
        return Err(problems);
    }
    let mut output: Output = files.into_iter().collect();
    match crate::generated::render_all(site, theme, &bodies, highlighter) {
        Ok(files) => output.extend(files),
        Err(ds) => problems.extend(ds),
    }
    if let Some(tree) = tree {
        match crate::diagnostic::render(tree, site, theme, &bodies.map) {
            Ok(files) => output.extend(files),
            Err(ds) => problems.extend(ds),
        }
    }
    for (path, bytes) in &theme.files {
        output.insert(path.clone(), bytes.clone());
    }
    if problems.has_errors() {
        return Err(problems);
    }
    let pages = count_pages(site, &output);
    Ok(Rendered {
        output,
        pages,
        bodies,
    })
}

/// HTML pages per language.
pub fn count_pages(site: &Site, output: &Output) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> =
        site.languages.iter().map(|l| (l.clone(), 0)).collect();
    for path in output.keys().filter(|p| p.ends_with(".html")) {
        if let Some(n) = path.split('/').next().and_then(|l| counts.get_mut(l)) {
            *n += 1;
        }
    }
    counts
}

/// Renders a template with a serialisable context; errors point into the template.
pub fn render_template<T: Serialize>(
    theme: &Theme,
    template: &str,
    ctx: &T,
) -> Result<String, Diagnostic> {
    let context = tera::Context::from_serialize(ctx).map_err(|e| theme.template_error(&e))?;
    theme
        .tera
        .render(template, &context)
        .map_err(|e| theme.template_error(&e))
}

/// A card linking to another page, from this page.
pub fn link(site: &Site, key: &Key, lang: &str, root: &str) -> Link {
    let entry = site.entry(key);
    Link {
        title: site.title(key, lang),
        url: format!("{root}{}", site.url(key, lang)),
        summary: site.summary(key, lang),
        number: entry.order,
        id: Some(key.id.clone()),
    }
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
    let common = Common::with_nav(site, theme, lang, path, Place::Page(key), false, &lists.nav);
    let root = common.root.clone();
    let shown = entry.shown(lang, &site.languages);
    let fallback = shown.filter(|(l, _)| *l != lang).map(|(l, _)| LangLink {
        lang: l.to_string(),
        name: theme.string(l, "language_name").to_string(),
        url: format!("{root}{}", site.url(key, l)),
        current: false,
    });
    let source_lang = site.languages[0].as_str();
    let stale = crate::translations::is_stale(site, entry, lang).then(|| LangLink {
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
        let i = lists.position[key];
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
            Kind::Page => ("page", "page.html"),
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
    };
    (template, PageContext { common, page })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let fr =
            "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre";
        assert_eq!(long_date("2011-08-19", fr), "19 août 2011");
        assert_eq!(long_date("2014-09", fr), "septembre 2014");
        assert_eq!(long_date("2014", fr), "2014");
    }

    #[test]
    fn roots_climb_to_the_site() {
        assert_eq!(root_for("fr/etapes/champion/"), "../../../");
        assert_eq!(root_for(""), "");
    }
}
