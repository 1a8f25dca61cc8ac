//! The print view: the whole playbook of one language on one page — the home page's
//! introduction, the obstacles, the steps and the other top-level pages — with bodies rendered
//! again so their heading ids are prefixed per page (unique on one page) and their headings
//! one level below the page's title (section `h2`, page `h3`, body `h4`…). Links between the
//! pages shown lead to their place on this page; other links and pictures stay relative (a
//! printed internal link shows no address, an external one shows its own). A body depends on
//! its page's texts and the site only: `Memo` keeps them between builds (the build cache fills
//! it with the bodies whose page did not change), and the view renders only the others.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::content::kinds::KindFront;
use crate::content::model::{Key, Site};
use crate::errors::{Diagnostics, Severity};
use crate::render::context::{link, render_template, Common, Ctx, Link, Lists};
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

/// Which body of a page: its article (`false`), or the home page's introduction (`true`).
pub(crate) type MemoKey = (Key, String, bool);

/// Bodies of the print view by page, language and kind, as `print_view` renders them: the
/// ones given (from an earlier build) are taken as they are, and every body rendered without
/// an error is added, so that the memo ends up holding the view's bodies.
#[derive(Default)]
pub(crate) struct Memo(Mutex<HashMap<MemoKey, String>>);

impl Memo {
    pub(crate) fn new(known: HashMap<MemoKey, String>) -> Memo {
        Memo(Mutex::new(known))
    }

    fn get(&self, k: &MemoKey) -> Option<String> {
        self.0.lock().ok()?.get(k).cloned()
    }

    fn put(&self, k: MemoKey, html: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(k, html.to_string());
        }
    }

    /// Everything it holds, leaving it empty.
    pub(crate) fn take(&self) -> HashMap<MemoKey, String> {
        self.0
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

/// The print view of one language.
pub(crate) fn print_page(
    site: &Site,
    theme: &Theme,
    lang: &str,
    tools: &Tools,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let lists = Lists::new(site);
    print_page_with(site, theme, lang, (tools, &lists), &Memo::default())
}

/// The print view of one language, with the bodies `memo` holds.
pub(crate) fn print_page_with(
    site: &Site,
    theme: &Theme,
    lang: &str,
    (tools, lists): (&Tools, &Lists),
    memo: &Memo,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let path = &site.generated[lang]["print"];
    let common = Common::generated(site, theme, lang, "print", lists);
    let mut problems = Diagnostics::default();
    let print = print_view(
        site,
        lang,
        &common.root,
        (tools, memo, lists),
        &mut problems,
    );
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

/// The id of a page's article in the print view.
fn print_id(key: &Key) -> String {
    format!(
        "print-{}-{}",
        if key.section.is_empty() {
            "page"
        } else {
            &key.section
        },
        key.id
    )
}

/// A link to a page's article on the print view (to the page itself if the view leaves its
/// section out).
fn print_link(site: &Site, key: &Key, lang: &str, root: &str) -> Link {
    let shown = site.entries.contains_key(&Key::new(&key.section, "_index"));
    let link = link(site, key, lang, root);
    if shown {
        Link {
            url: format!("#{}", print_id(key)),
            ..link
        }
    } else {
        link
    }
}

/// The headings of a body `by` levels lower (`h2` → `h4` for 2), `h6` at most: in the print
/// view a body sits under its section's and its page's titles.
fn demote_headings(html: &str, by: u8) -> String {
    let mut html = html.to_string();
    for level in (1..=6u8).rev() {
        let to = (level + by).min(6);
        if to == level {
            continue;
        }
        html = html
            .replace(&format!("<h{level} "), &format!("<h{to} "))
            .replace(&format!("<h{level}>"), &format!("<h{to}>"))
            .replace(&format!("</h{level}>"), &format!("</h{to}>"));
    }
    html
}

/// Home intro, obstacles, steps and the other pages, bodies rendered again with heading ids
/// prefixed per page (so they stay unique on one page) and headings demoted under the page's.
fn print_view(
    site: &Site,
    lang: &str,
    root: &str,
    (tools, memo, lists): (&Tools, &Memo, &Lists),
    problems: &mut Diagnostics,
) -> PrintView {
    // A body rendered without an error is kept; one with an error is rendered every time.
    let mut rendered = |(key, intro): (&Key, bool), ctx: &markdown::Context, t| -> String {
        let k = (key.clone(), lang.to_string(), intro);
        if let Some(html) = memo.get(&k) {
            return html;
        }
        let (body, ps) = markdown::render(t, ctx);
        let clean = ps.iter().all(|d| d.severity != Severity::Error);
        for p in ps {
            problems.push(p);
        }
        let html = if intro {
            body.html
        } else {
            demote_headings(&body.html, 2)
        };
        if clean {
            memo.put(k, &html);
        }
        html
    };
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
            root,
            tools,
            id_prefix: &prefix,
        };
        rendered((key, false), &ctx, t)
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
            id: print_id(key),
            title: site.title(key, lang),
            summary: site.summary(key, lang),
            number: entry.order,
            content: body(key),
            signals,
            addresses: entry
                .addresses
                .iter()
                .map(|id| print_link(site, &Key::new("obstacles", id), lang, root))
                .collect(),
            addressed_by: site
                .addressed_by
                .get(&key.id)
                .filter(|_| key.section == "obstacles")
                .map(|ids| {
                    ids.iter()
                        .map(|id| print_link(site, &Key::new("steps", id), lang, root))
                        .collect()
                })
                .unwrap_or_default(),
        }
    };
    let mut sections = Vec::new();
    for section in PRINT_SECTIONS {
        let key = Key::new(section, "_index");
        if site.entries.contains_key(&key) {
            let pages = lists.section(section).iter().map(&mut page).collect();
            sections.push(PrintSection {
                id: format!("print-{section}"),
                title: site.title(&key, lang),
                pages,
            });
        }
    }
    let others: Vec<PrintPage> = lists.section("").iter().map(&mut page).collect();
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
            root,
            tools,
            id_prefix: "home-intro",
        };
        rendered((&Key::home(), true), &ctx, t)
    };
    PrintView { intro, sections }
}

#[cfg(test)]
mod tests {
    use super::demote_headings;

    #[test]
    fn body_headings_go_under_the_page_title() {
        assert_eq!(
            demote_headings("<h2 id=\"a\">A</h2><h3 id=\"b\">B</h3><h5>C</h5>", 2),
            "<h4 id=\"a\">A</h4><h5 id=\"b\">B</h5><h6>C</h6>"
        );
    }
}
