//! Bodies: the Markdown of every (page, language) rendered once every URL is known, in
//! parallel, keeping for each its headings (for the table of contents and anchor checks), its
//! `#anchor` links and site paths, the media it uses, its warnings and its line of the search
//! index. `check_anchors` then checks every anchor against the headings of its target, and
//! `check_site_paths` every site path against the finished site. Templates are not involved.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::content::model::{Key, Site};
use crate::errors::{Diagnostic, Diagnostics, Severity};
use crate::output::Manifest;
use crate::render::context::root_for;
use crate::render::markdown::{self, Body, Tools};
use crate::render::search::search_entry;

/// Rendered Markdown bodies by (page, language), whether each is the page's own language, and
/// each page's line of the search index.
#[derive(Debug, Default, Clone)]
pub(crate) struct Bodies {
    pub(crate) map: BTreeMap<(Key, String), Body>,
    pub(crate) own: BTreeMap<(Key, String), bool>,
    pub(crate) search: BTreeMap<(Key, String), String>,
    /// Warnings of each body (a picture without alt text), kept so that re-rendering one page
    /// replaces its own.
    pub(crate) warnings: BTreeMap<(Key, String), Vec<Diagnostic>>,
}

/// Every (page, language) of the site.
pub(crate) fn all_jobs(site: &Site) -> Vec<(&Key, &str)> {
    site.entries
        .keys()
        .flat_map(|k| site.languages.iter().map(move |l| (k, l.as_str())))
        .collect()
}

/// One rendered body: the body, its problems, whether it is the page's own language, and its
/// line of the search index.
pub(crate) type BodyJob = (Body, Vec<Diagnostic>, bool, String);

pub(crate) fn render_body(site: &Site, tools: &Tools, key: &Key, lang: &str) -> Option<BodyJob> {
    let (shown_lang, t) = site.entry(key).shown(lang, &site.languages)?;
    let root = root_for(site.url(key, lang));
    let ctx = markdown::Context {
        site,
        lang,
        text_lang: shown_lang,
        root: &root,
        tools,
        id_prefix: "",
    };
    let (mut body, problems) = markdown::render(t, &ctx);
    // The plain text only feeds the search index: keep its line, not the text too.
    let text = std::mem::take(&mut body.text);
    let mut search = search_entry(site, key, lang, &text);
    // Kept for the whole build: no spare capacity.
    search.shrink_to_fit();
    Some((body, problems, shown_lang == lang, search))
}

impl Bodies {
    /// The bodies of a whole render, in one go: each map is built from its entries sorted
    /// (tens of thousands of entries, not inserted one by one). Errors go to `problems` in
    /// the order of `jobs`.
    pub(crate) fn collect<'a>(
        jobs: impl Iterator<Item = ((&'a Key, &'a str), BodyJob)>,
        problems: &mut Diagnostics,
    ) -> Bodies {
        let mut all: Vec<((Key, String), BodyJob)> = Vec::new();
        for ((key, lang), (body, ps, is_own, search)) in jobs {
            let warnings = keep_warnings(ps, problems);
            all.push((
                (key.clone(), lang.to_string()),
                (body, warnings, is_own, search),
            ));
        }
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut bodies = Bodies::default();
        let mut map = Vec::with_capacity(all.len());
        let mut own = Vec::with_capacity(all.len());
        let mut search = Vec::with_capacity(all.len());
        let mut warnings = Vec::new();
        for (k, (body, ws, is_own, line)) in all {
            if !ws.is_empty() {
                warnings.push((k.clone(), ws));
            }
            own.push((k.clone(), is_own));
            search.push((k.clone(), line));
            map.push((k, body));
        }
        bodies.map = map.into_iter().collect();
        bodies.own = own.into_iter().collect();
        bodies.search = search.into_iter().collect();
        bodies.warnings = warnings.into_iter().collect();
        bodies
    }

    pub(crate) fn add(&mut self, key: &Key, lang: &str, job: BodyJob, problems: &mut Diagnostics) {
        let (body, ps, is_own, search) = job;
        let k = (key.clone(), lang.to_string());
        let warnings = keep_warnings(ps, problems);
        if warnings.is_empty() {
            self.warnings.remove(&k);
        } else {
            self.warnings.insert(k.clone(), warnings);
        }
        self.own.insert(k.clone(), is_own);
        self.search.insert(k.clone(), search);
        self.map.insert(k, body);
    }

    /// Pictures and attachments no page uses: probably forgotten.
    pub(crate) fn unused_media(&self, site: &Site) -> Diagnostics {
        let used: std::collections::BTreeSet<&str> = self
            .map
            .values()
            .flat_map(|b| b.media.iter().map(String::as_str))
            .collect();
        let mut problems = Diagnostics::default();
        for (path, m) in &site.media {
            if !used.contains(path.as_str()) {
                let name = path.rsplit('/').next().unwrap_or(path);
                problems.push(
                    Diagnostic::file(&m.rel, "no page uses this file (forgotten?)")
                        .help(format!(
                            "it is published all the same: link it from a page (`[text]({name})` or `![what it shows]({name})` next to it), or delete it"
                        ))
                        .warning(),
                );
            }
        }
        problems
    }

    /// Every body's warnings.
    pub(crate) fn warnings(&self) -> Diagnostics {
        let mut all = Diagnostics::default();
        for d in self.warnings.values().flatten() {
            all.push(d.clone());
        }
        all
    }
}

/// A body's warnings, kept with it; its errors go to `problems`.
fn keep_warnings(ps: Vec<Diagnostic>, problems: &mut Diagnostics) -> Vec<Diagnostic> {
    let (warnings, errors): (Vec<Diagnostic>, Vec<Diagnostic>) = ps
        .into_iter()
        .partition(|d| d.severity == Severity::Warning);
    for p in errors {
        problems.push(p);
    }
    warnings
}

/// Renders the Markdown of the given pages, in parallel.
pub(crate) fn render_bodies(
    site: &Site,
    tools: &Tools,
    jobs: &[(&Key, &str)],
    bodies: &mut Bodies,
) -> Diagnostics {
    let rendered: Vec<Option<BodyJob>> = jobs
        .par_iter()
        .map(|&(key, lang)| render_body(site, tools, key, lang))
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
pub(crate) fn check_anchors(
    bodies: &Bodies,
    wanted: impl Fn(&Key, &Key) -> bool + Sync,
) -> Diagnostics {
    // Page by page in parallel, the problems in the pages' order.
    let found: Vec<Diagnostics> = bodies
        .map
        .par_iter()
        .map(|((from, lang), body)| check_page_anchors(bodies, (from, lang), body, &wanted))
        .collect();
    let mut problems = Diagnostics::default();
    for page in found {
        problems.extend(page);
    }
    problems
}

/// The anchor links of page `from`'s body in `lang`.
fn check_page_anchors(
    bodies: &Bodies,
    (from, lang): (&Key, &String),
    body: &Body,
    wanted: &impl Fn(&Key, &Key) -> bool,
) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let mut anchors = body
        .anchors
        .iter()
        .filter(|a| wanted(from, &a.target))
        .peekable();
    // A fallback text (shown in a language it was not written in) is checked where it is
    // its own, against the headings of its language: once, and with the right list.
    if anchors.peek().is_none() || bodies.own.get(&(from.clone(), lang.clone())) == Some(&false) {
        return problems;
    }
    for a in anchors {
        let target = (
            a.target.clone(),
            a.lang.clone().unwrap_or_else(|| lang.clone()),
        );
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
    problems
}

/// Checks links to site paths no Markdown file describes against the finished site; `wanted`
/// picks which pages' links to check.
pub(crate) fn check_site_paths(
    bodies: &Bodies,
    output: &Manifest,
    wanted: impl Fn(&Key) -> bool,
) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for ((from, _), body) in &bodies.map {
        if !wanted(from) {
            continue;
        }
        for link in &body.site_paths {
            let p = link.path.as_str();
            let found = output.contains_key(p)
                || output.contains_key(&format!("{p}index.html"))
                || output.contains_key(&format!("{p}/index.html"));
            if !found {
                problems.push(link.diagnostic.clone());
            }
        }
    }
    problems
}
