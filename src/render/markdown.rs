//! Markdown: renders one page's body in one language to HTML once every URL is known. Headings
//! get stable ids (accent-folded, unique on the page, `{#custom}` honoured) and feed the table
//! of contents; `@/section/id.md#anchor` links become the same-language URL of that page; code
//! blocks are highlighted. Broken links and unsafe raw HTML are located diagnostics; anchors are
//! handed back to be checked once every page's headings are known.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::content::model::{Key, Site, Translation};
use crate::content::urls::slugify;
use crate::errors::{did_you_mean, Diagnostic, Locator};
use crate::render::highlight::Highlighter;

/// Ids the templates use; headings never take them.
const RESERVED_IDS: [&str; 20] = [
    "main",
    "top",
    "site-nav",
    "site-search-q",
    "toc-title",
    "signals-title",
    "addressed-title",
    "addresses-title",
    "actions-title",
    "roles-title",
    "sources-title",
    "search-q",
    "search-help",
    "search-status",
    "search-results",
    "matrix-caption",
    "print-toc",
    "your-answers",
    "diagnostic-overview",
    "answers-title",
];

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Heading {
    pub(crate) level: u8,
    pub(crate) id: String,
    pub(crate) text: String,
}

/// A `#anchor` in a link, to be checked against the target page's headings.
#[derive(Debug, Clone)]
pub(crate) struct AnchorRef {
    pub(crate) target: Key,
    pub(crate) anchor: String,
    pub(crate) diagnostic: Diagnostic,
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    pub(crate) html: String,
    pub(crate) headings: Vec<Heading>,
    /// The body as plain text, for search.
    pub(crate) text: String,
    pub(crate) anchors: Vec<AnchorRef>,
}

/// A heading being read: its events and plain text are collected until it ends, when its id
/// is known.
struct OpenHeading<'a> {
    level: HeadingLevel,
    custom: Option<String>,
    classes: Vec<String>,
    inner: Vec<Event<'a>>,
    plain: String,
}

/// What rendering needs besides the text.
pub(crate) struct Context<'a> {
    pub(crate) site: &'a Site,
    pub(crate) lang: &'a str,
    /// The language the text is written in: not `lang` when a page shows another language's
    /// text for want of a translation. Its `@/…#anchor` links name headings of that language,
    /// so they lead to the target in that language.
    pub(crate) text_lang: &'a str,
    /// Prefix from the page to the site root (`../../`).
    pub(crate) root: &'a str,
    pub(crate) highlighter: &'a Highlighter,
    /// Prepended to heading ids when several bodies share one page (the print view).
    pub(crate) id_prefix: &'a str,
}

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders a translation's body; problems are returned alongside the (partial) result.
pub(crate) fn render(t: &Translation, ctx: &Context) -> (Body, Vec<Diagnostic>) {
    let body = t.body();
    let base = t.body_offset;
    let mut problems = Vec::new();
    let mut out: Vec<Event> = Vec::new();
    let mut headings = Vec::new();
    let mut used: BTreeSet<String> = RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    // The next number to try for each repeated heading id: counting again from 1 for every
    // repeat made a page of many same-named headings quadratic (found by fuzzing).
    let mut next_number: BTreeMap<String, usize> = BTreeMap::new();
    // Problems are met in the order of the text: each is located from the one before.
    let mut locate = Locator::new(&t.file, &t.text);
    let mut text = String::new();
    let mut anchors = Vec::new();

    // State for the element being captured.
    let mut heading: Option<OpenHeading> = None;
    let mut code: Option<(String, String)> = None;

    let events = Parser::new_ext(body, options()).into_offset_iter();
    for (event, range) in crate::render::glossary::link(events, ctx, &t.file) {
        if let Some((lang, buf)) = &mut code {
            match event {
                Event::Text(s) => buf.push_str(&s),
                Event::End(TagEnd::CodeBlock) => {
                    text.push_str(buf);
                    text.push('\n');
                    out.push(Event::Html(CowStr::from(ctx.highlighter.block(buf, lang))));
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        let event = match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
                continue;
            }
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                heading = Some(OpenHeading {
                    level,
                    custom: id.map(|s| s.to_string()),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    inner: Vec::new(),
                    plain: String::new(),
                });
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                let OpenHeading {
                    level,
                    custom,
                    classes,
                    inner,
                    plain,
                } = heading.take().expect("heading started");
                let base_id = custom.unwrap_or_else(|| {
                    let s = slugify(&plain);
                    if s.is_empty() {
                        "section".into()
                    } else {
                        s
                    }
                });
                let base_id = if ctx.id_prefix.is_empty() {
                    base_id
                } else {
                    format!("{}-{base_id}", ctx.id_prefix)
                };
                let mut id = base_id.clone();
                let n = next_number.entry(base_id.clone()).or_insert(1);
                while !used.insert(id.clone()) {
                    id = format!("{base_id}-{n}");
                    *n += 1;
                }
                let lvl = level as u8;
                let class = if classes.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{}\"", classes.join(" "))
                };
                out.push(Event::Html(CowStr::from(format!(
                    "<h{lvl} id=\"{id}\"{class}>"
                ))));
                out.extend(inner);
                out.push(Event::Html(CowStr::from(format!("</h{lvl}>\n"))));
                text.push_str(&plain);
                text.push('\n');
                headings.push(Heading {
                    level: lvl,
                    id,
                    text: plain,
                });
                continue;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with("@/") => {
                let offset = base + range.start + body[range.clone()].find("@/").unwrap_or(0);
                match resolve(&dest_url, ctx) {
                    Ok((url, anchor)) => {
                        if let Some((target, anchor)) = anchor {
                            anchors.push(AnchorRef {
                                target,
                                anchor: anchor.clone(),
                                diagnostic: locate.at(
                                    offset,
                                    dest_url.len(),
                                    format!(
                                        "link to a missing anchor `#{anchor}` in `{}`",
                                        &dest_url[2..dest_url.find('#').unwrap_or(dest_url.len())]
                                    ),
                                ),
                            });
                        }
                        Event::Start(Tag::Link {
                            link_type,
                            dest_url: CowStr::from(url),
                            title,
                            id,
                        })
                    }
                    Err((message, help)) => {
                        problems.push(locate.at(offset, dest_url.len(), message).help(help));
                        Event::Start(Tag::Link {
                            link_type,
                            dest_url: CowStr::from("#"),
                            title,
                            id,
                        })
                    }
                }
            }
            Event::Html(ref html) | Event::InlineHtml(ref html) => {
                if let Some(what) = unsafe_html(html) {
                    let offset = base + range.start;
                    problems.push(
                        locate.at(offset, range.len().min(40), format!("raw HTML with {what} is not allowed"))
                            .help("the site runs under a strict Content-Security-Policy: use Markdown, or ask a maintainer to add it to the theme"),
                    );
                    continue;
                }
                event
            }
            Event::TaskListMarker(done) => Event::Html(CowStr::from(if done {
                "<span class=\"task done\" aria-hidden=\"true\"></span>"
            } else {
                "<span class=\"task\" aria-hidden=\"true\"></span>"
            })),
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html(CowStr::from(
                    "<div class=\"table-wrap\" tabindex=\"0\">",
                )));
                event
            }
            Event::End(TagEnd::Table) => {
                out.push(event);
                out.push(Event::Html(CowStr::from("</div>\n")));
                continue;
            }
            other => other,
        };
        if let Event::Text(s) | Event::Code(s) = &event {
            match &mut heading {
                Some(h) => h.plain.push_str(s),
                None => text.push_str(s),
            }
        } else if matches!(
            event,
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::TableCell)
        ) {
            text.push(' ');
        } else if matches!(
            event,
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableHead | TagEnd::TableRow)
        ) {
            // A line break between blocks (as after a heading): search excerpts keep it, so
            // they never run a heading or a paragraph into the next.
            text.push('\n');
        }
        match &mut heading {
            Some(h) => h.inner.push(event),
            None => out.push(event),
        }
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html.shrink_to_fit();
    (
        Body {
            html,
            headings,
            text,
            anchors,
        },
        problems,
    )
}

type Resolved = (String, Option<(Key, String)>);

/// `@/steps/champion.md#goal` → the page's URL in this language (relative to the page) and the
/// anchor to check.
fn resolve(dest: &str, ctx: &Context) -> Result<Resolved, (String, String)> {
    let (path, anchor) = match dest[2..].split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (&dest[2..], None),
    };
    let key = path.strip_suffix(".md").map(|p| match p.split_once('/') {
        Some((section, id)) => Key::new(section, id),
        None => Key::new("", p),
    });
    let found = key.filter(|k| ctx.site.entries.contains_key(k));
    let Some(key) = found else {
        let known: Vec<String> = ctx.site.entries.keys().map(Key::link_path).collect();
        let help = match did_you_mean(path, known.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `@/{best}`?"),
            None => "links name a content file: `@/<section>/<id>.md`, e.g. `@/steps/champion.md`"
                .to_string(),
        };
        return Err((
            format!("link to a page that does not exist: `{dest}`"),
            help,
        ));
    };
    let anchor = anchor.filter(|a| !a.is_empty());
    let link_lang = if anchor.is_some() {
        ctx.text_lang
    } else {
        ctx.lang
    };
    let mut url = format!("{}{}", ctx.root, ctx.site.url(&key, link_lang));
    let anchor = anchor.map(|a| {
        url.push('#');
        url.push_str(a);
        (key, a.to_string())
    });
    Ok((url, anchor))
}

/// What makes raw HTML unsafe under the site's CSP, if anything.
fn unsafe_html(html: &str) -> Option<&'static str> {
    let lower = html.to_ascii_lowercase();
    if lower.contains("<script") {
        return Some("a <script> element");
    }
    if lower.contains("<style") {
        return Some("a <style> element");
    }
    if lower.contains("style=") {
        return Some("a style attribute");
    }
    let bytes = lower.as_bytes();
    for (i, w) in bytes.windows(3).enumerate() {
        if w[0].is_ascii_whitespace() && w[1] == b'o' && w[2] == b'n' {
            let rest = &lower[i + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
                return Some("an event-handler attribute");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unsafe_html;

    #[test]
    fn finds_unsafe_html() {
        assert!(unsafe_html("<div onclick=\"x()\">").is_some());
        assert!(unsafe_html("<p style=\"color:red\">").is_some());
        assert!(unsafe_html("<abbr title=\"one\">").is_none());
    }
}
