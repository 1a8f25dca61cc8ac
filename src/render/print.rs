//! The print view: the whole playbook of one language on one page — the home page's
//! introduction, the obstacles, the steps and the other top-level pages — with bodies rendered
//! again so their heading ids are prefixed per page (unique on one page) and their links and
//! pictures are absolute (they are read on paper, or saved as one file).

use serde::Serialize;

use crate::content::kinds::KindFront;
use crate::content::model::{Key, Site};
use crate::errors::Diagnostics;
use crate::render::context::{link, render_template, Common, Ctx, Link, Place};
use crate::render::markdown::{self, Tools};
use crate::render::theme::Theme;

#[derive(Serialize)]
struct PrintSection {
    id: String,
    title: String,
    pages: Vec<PrintPage>,
}

#[derive(Serialize)]
struct PrintPage {
    id: String,
    title: String,
    summary: Option<String>,
    number: Option<i64>,
    content: String,
    signals: Vec<String>,
    addresses: Vec<Link>,
    addressed_by: Vec<Link>,
}

#[derive(Serialize)]
struct PrintView {
    intro: String,
    sections: Vec<PrintSection>,
}

/// The print view of one language.
pub(crate) fn print_page(
    site: &Site,
    theme: &Theme,
    lang: &str,
    tools: &Tools,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let path = &site.generated[lang]["print"];
    let common = Common::new(site, theme, lang, path, Place::Generated("print"), false);
    let mut problems = Diagnostics::default();
    let print = print_view(site, lang, tools, &mut problems);
    match render_template(
        theme,
        "print.html",
        &Ctx {
            common,
            data: print,
        },
    ) {
        Ok(html) if !problems.has_errors() => Ok((format!("{path}index.html"), html.into_bytes())),
        Ok(_) => Err(problems),
        Err(d) => {
            problems.push(d);
            Err(problems)
        }
    }
}

/// The sections the print view shows after the home page's introduction, with the top-level
/// pages after them.
const PRINT_SECTIONS: [&str; 2] = ["obstacles", "steps"];

/// Whether the print view shows (part of) this page.
pub(crate) fn in_print_view(key: &Key) -> bool {
    key.section.is_empty() || PRINT_SECTIONS.contains(&key.section.as_str())
}

/// Home intro, obstacles, steps and the other pages, bodies rendered again with heading ids
/// prefixed per page (so they stay unique on one page) and links made absolute for paper.
fn print_view(site: &Site, lang: &str, tools: &Tools, problems: &mut Diagnostics) -> PrintView {
    let root = site.settings.base_url.clone();
    let mut body = |key: &Key| -> String {
        let Some((shown_lang, t)) = site.entry(key).shown(lang, &site.languages) else {
            return String::new();
        };
        let prefix = if key.is_index() {
            format!(
                "{}-intro",
                if key.section.is_empty() {
                    "home"
                } else {
                    &key.section
                }
            )
        } else {
            key.id.clone()
        };
        let ctx = markdown::Context {
            site,
            lang,
            text_lang: shown_lang,
            root: &root,
            tools,
            id_prefix: &prefix,
        };
        let (body, ps) = markdown::render(t, &ctx);
        for p in ps {
            problems.push(p);
        }
        body.html
    };
    let mut page = |key: &Key| -> PrintPage {
        let entry = site.entry(key);
        let signals = match entry
            .shown(lang, &site.languages)
            .map(|(_, t)| &t.front.kind)
        {
            Some(KindFront::Obstacle { signals }) => signals.clone(),
            _ => Vec::new(),
        };
        PrintPage {
            id: format!(
                "print-{}-{}",
                if key.section.is_empty() {
                    "page"
                } else {
                    &key.section
                },
                key.id
            ),
            title: site.title(key, lang),
            summary: site.summary(key, lang),
            number: entry.order,
            content: body(key),
            signals,
            addresses: entry
                .addresses
                .iter()
                .map(|id| link(site, &Key::new("obstacles", id), lang, &root))
                .collect(),
            addressed_by: site
                .addressed_by
                .get(&key.id)
                .filter(|_| key.section == "obstacles")
                .map(|ids| {
                    ids.iter()
                        .map(|id| link(site, &Key::new("steps", id), lang, &root))
                        .collect()
                })
                .unwrap_or_default(),
        }
    };
    let mut sections = Vec::new();
    for section in PRINT_SECTIONS {
        let key = Key::new(section, "_index");
        if site.entries.contains_key(&key) {
            let pages = site.section_pages(section).iter().map(&mut page).collect();
            sections.push(PrintSection {
                id: format!("print-{section}"),
                title: site.title(&key, lang),
                pages,
            });
        }
    }
    let others: Vec<PrintPage> = site.section_pages("").iter().map(&mut page).collect();
    if !others.is_empty() {
        sections.push(PrintSection {
            id: "print-more".into(),
            title: String::new(),
            pages: others,
        });
    }
    let intro = {
        let Some((shown_lang, t)) = site.entry(&Key::home()).shown(lang, &site.languages) else {
            return PrintView {
                intro: String::new(),
                sections,
            };
        };
        let ctx = markdown::Context {
            site,
            lang,
            text_lang: shown_lang,
            root: &root,
            tools,
            id_prefix: "home-intro",
        };
        let (body, ps) = markdown::render(t, &ctx);
        for p in ps {
            problems.push(p);
        }
        body.html
    };
    PrintView { intro, sections }
}
