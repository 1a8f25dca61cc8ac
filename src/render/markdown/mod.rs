//! Markdown: renders one page's body in one language to HTML once every URL is known. The
//! parser's events go through one pass (`Renderer::event`), one arm per construct: headings
//! get stable ids and feed the table of contents (`headings`); links and pictures are resolved
//! to pages, pictures and attachments of the site (`links`, `references`), pictures shown with
//! their size and copies, attachments with their type and size (`figures`); raw HTML is checked
//! against the sanitizer's allow-list (`sanitize`); GitHub alerts (`> [!WARNING]`) become
//! callouts; code blocks are highlighted. Problems are located diagnostics; `#anchor` links and
//! site paths are handed back to be checked once every page is rendered.

mod dom;
mod figures;
mod headings;
pub(crate) mod links;
mod references;
mod sanitize;

use std::ops::Range;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};

use crate::content::model::{ui_string, Key, Site, Strings, Translation};
use crate::errors::{Diagnostic, Locator};
use crate::render::highlight::{escape, Highlighter};
use crate::render::media::{Catalog, Picture};
use headings::Ids;
use sanitize::Sanitizer;

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
    /// The language of the target when the link names one (`champion.en.md#x`); otherwise the
    /// language of the page holding the link.
    pub(crate) lang: Option<String>,
    pub(crate) diagnostic: Diagnostic,
}

/// A link to a path of the site that only the finished site can confirm (`/fr/diagnostic/…`).
#[derive(Debug, Clone)]
pub(crate) struct SitePathRef {
    /// Site path, e.g. `fr/diagnostic/budget/`.
    pub(crate) path: String,
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
    pub(crate) site_paths: Vec<SitePathRef>,
    /// Pictures and attachments it uses, by path under `content/`.
    pub(crate) media: Vec<String>,
}

/// What every body of a build is rendered with.
pub(crate) struct Tools<'a> {
    pub(crate) highlighter: &'a Highlighter,
    pub(crate) media: &'a Catalog,
    /// The theme's interface strings (callout labels, size units).
    pub(crate) strings: &'a Strings,
}

/// What rendering needs besides the text.
pub(crate) struct Context<'a> {
    pub(crate) site: &'a Site,
    pub(crate) tools: &'a Tools<'a>,
    pub(crate) lang: &'a str,
    /// The language the text is written in: not `lang` when a page shows another language's
    /// text for want of a translation. Its `@/…#anchor` links name headings of that language,
    /// so they lead to the target in that language; its callout labels and file sizes are
    /// written in that language too, as the text around them.
    pub(crate) text_lang: &'a str,
    /// Prefix from the page to the site root (`../../`).
    pub(crate) root: &'a str,
    /// Prepended to heading ids when several bodies share one page (the print view).
    pub(crate) id_prefix: &'a str,
}

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Renders a translation's body; problems (errors and warnings) are returned alongside the
/// (partial) result.
pub(crate) fn render(t: &Translation, ctx: &Context) -> (Body, Vec<Diagnostic>) {
    let mut r = Renderer::new(t, ctx);
    let events = Parser::new_ext(t.body(), options()).into_offset_iter();
    for (event, range) in crate::render::glossary::link(events, ctx, &t.file) {
        r.event(event, range);
    }
    r.finish()
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

/// A picture being read: its alt text is collected until it ends.
struct OpenImage {
    /// `None` when the picture could not be found (already reported).
    picture: Option<Picture>,
    title: String,
    alt: String,
    /// Pictures nested in the alt text (`![a ![b](c)](d)`).
    depth: usize,
    /// Where it is written, and how, for the missing-alt warning.
    at: (usize, usize),
    dest: String,
}

/// A titled picture just written: it becomes a `<figure>` if it is alone in its paragraph.
struct Figure {
    index: usize,
    html: String,
}

struct Renderer<'a> {
    t: &'a Translation,
    ctx: &'a Context<'a>,
    out: Vec<Event<'a>>,
    body: Body,
    problems: Vec<Diagnostic>,
    /// Problems are met in the order of the text: each is located from the one before.
    locator: Locator<'a>,
    ids: Ids,
    heading: Option<OpenHeading<'a>>,
    /// A code block being read: its language and text.
    code: Option<(String, String)>,
    image: Option<OpenImage>,
    /// An HTML block being read: its lines and where each starts in the file.
    html_block: Option<Vec<(usize, CowStr<'a>)>>,
    /// Where the current paragraph starts in `out`.
    paragraph: Option<usize>,
    figure: Option<Figure>,
    /// For each open link, what to write before it closes (an attachment's type and size).
    links: Vec<Option<String>>,
    sanitizer: Option<Sanitizer>,
}

impl<'a> Renderer<'a> {
    fn new(t: &'a Translation, ctx: &'a Context<'a>) -> Renderer<'a> {
        Renderer {
            t,
            ctx,
            out: Vec::new(),
            body: Body::default(),
            problems: Vec::new(),
            locator: Locator::new(&t.file, t.text()),
            ids: Ids::new(ctx.id_prefix),
            heading: None,
            code: None,
            image: None,
            html_block: None,
            paragraph: None,
            figure: None,
            links: Vec::new(),
            sanitizer: None,
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        if self.code.is_some() {
            return self.code_event(event);
        }
        if self.image.is_some() {
            return self.image_event(event);
        }
        if self.html_block.is_some() {
            return self.html_block_event(event, range);
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => self.open_heading(level, id, classes, attrs, range),
            Event::End(TagEnd::Heading(_)) => self.close_heading(),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.open_link(link_type, dest_url, title, id, range),
            Event::End(TagEnd::Link) => {
                if let Some(meta) = self.links.pop().flatten() {
                    self.emit(meta);
                }
                self.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => self.open_image(&dest_url, &title, range),
            Event::Start(Tag::HtmlBlock) => self.html_block = Some(Vec::new()),
            // Outside an HTML block the parser never yields `Html`: it is markup the pipeline
            // made (the glossary's term links), not the editor's.
            Event::Html(html) => self.push(Event::Html(html)),
            Event::InlineHtml(html) => {
                let at = self.t.body_offset + range.start;
                self.raw_html(vec![(at, html)]);
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => self.emit(self.callout(kind)),
            Event::End(TagEnd::BlockQuote(Some(_))) => self.emit("</div>\n".into()),
            Event::Start(Tag::Paragraph) => {
                if self.heading.is_none() {
                    self.paragraph = Some(self.out.len());
                }
                self.push(event);
            }
            Event::End(TagEnd::Paragraph) => self.close_paragraph(),
            Event::TaskListMarker(done) => self.emit(
                if done {
                    "<span class=\"task done\" aria-hidden=\"true\"></span>"
                } else {
                    "<span class=\"task\" aria-hidden=\"true\"></span>"
                }
                .into(),
            ),
            Event::Start(Tag::Table(_)) => {
                self.emit("<div class=\"table-wrap\" tabindex=\"0\">".into());
                self.push(event);
            }
            Event::End(TagEnd::Table) => {
                self.push(event);
                self.emit("</div>\n".into());
            }
            other => self.push(other),
        }
    }

    /// Adds an event to the output (or to the heading being read), noting its plain text.
    fn push(&mut self, event: Event<'a>) {
        if let Event::Text(s) | Event::Code(s) = &event {
            match &mut self.heading {
                Some(h) => h.plain.push_str(s),
                None => self.body.text.push_str(s),
            }
        } else if matches!(
            event,
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::TableCell)
        ) {
            self.body.text.push(' ');
        } else if matches!(
            event,
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableHead | TagEnd::TableRow)
        ) {
            // A line break between blocks (as after a heading): search excerpts keep it, so
            // they never run a heading or a paragraph into the next.
            self.body.text.push('\n');
        }
        match &mut self.heading {
            Some(h) => h.inner.push(event),
            None => self.out.push(event),
        }
    }

    /// Adds markup made here.
    fn emit(&mut self, html: String) {
        self.push(Event::Html(CowStr::from(html)));
    }

    /// `needle` within the source of an event, as (file offset, length); the event's start
    /// when it is not found as written (an entity-encoded URL, a reference link).
    fn locate(&self, range: &Range<usize>, needle: &str) -> (usize, usize) {
        let base = self.t.body_offset + range.start;
        match self.t.body()[range.clone()].find(needle) {
            Some(i) if !needle.is_empty() => (base + i, needle.len()),
            _ => (base, range.len().min(40)),
        }
    }

    fn error(&mut self, (at, len): (usize, usize), message: String, help: String) {
        self.problems
            .push(self.locator.at(at, len, message).help(help));
    }

    fn code_event(&mut self, event: Event<'a>) {
        let Some((lang, buf)) = &mut self.code else {
            return;
        };
        match event {
            Event::Text(s) => buf.push_str(&s),
            Event::End(TagEnd::CodeBlock) => {
                let html = self.ctx.tools.highlighter.block(buf, lang);
                self.body.text.push_str(buf);
                self.body.text.push('\n');
                self.code = None;
                self.out.push(Event::Html(CowStr::from(html)));
            }
            _ => {}
        }
    }

    fn open_heading(
        &mut self,
        level: HeadingLevel,
        id: Option<CowStr<'a>>,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
        range: Range<usize>,
    ) {
        let classes: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        let others: Vec<(String, Option<String>)> = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_ref().map(|v| v.to_string())))
            .collect();
        let problems = headings::attribute_problems(id.as_deref(), &classes, &others);
        for (needle, message, help) in problems {
            let at = self.locate(&range, &needle);
            self.error(at, message, help);
        }
        self.heading = Some(OpenHeading {
            level,
            custom: id
                .filter(|id| headings::is_identifier(id))
                .map(|s| s.to_string()),
            classes: classes
                .into_iter()
                .filter(|c| headings::is_identifier(c))
                .collect(),
            inner: Vec::new(),
            plain: String::new(),
        });
    }

    fn close_heading(&mut self) {
        let Some(OpenHeading {
            level,
            custom,
            classes,
            inner,
            plain,
        }) = self.heading.take()
        else {
            return;
        };
        let id = self.ids.next(custom.as_deref(), &plain);
        let lvl = level as u8;
        let class = if classes.is_empty() {
            String::new()
        } else {
            format!(" class=\"{}\"", classes.join(" "))
        };
        self.out.push(Event::Html(CowStr::from(format!(
            "<h{lvl} id=\"{id}\"{class}>"
        ))));
        self.out.extend(inner);
        self.out
            .push(Event::Html(CowStr::from(format!("</h{lvl}>\n"))));
        self.body.text.push_str(&plain);
        self.body.text.push('\n');
        self.body.headings.push(Heading {
            level: lvl,
            id,
            text: plain,
        });
    }

    fn html_block_event(&mut self, event: Event<'a>, range: Range<usize>) {
        match event {
            // Its lines, and the indentation the parser gives back as text.
            Event::Html(html) | Event::Text(html) => {
                let at = self.t.body_offset + range.start;
                self.html_block
                    .get_or_insert_with(Vec::new)
                    .push((at, html));
            }
            Event::End(TagEnd::HtmlBlock) => {
                let pieces = self.html_block.take().unwrap_or_default();
                self.raw_html(pieces);
            }
            _ => {}
        }
    }

    /// Raw HTML written by an editor (an HTML block's lines, or one inline tag), published as
    /// written if the sanitizer would leave it unchanged.
    fn raw_html(&mut self, pieces: Vec<(usize, CowStr<'a>)>) {
        let joined: String = pieces.iter().map(|(_, s)| s.as_ref()).collect();
        let sanitizer = self.sanitizer.get_or_insert_with(Sanitizer::new);
        match sanitizer.check(&joined) {
            Ok(()) => {
                for (_, html) in pieces {
                    self.push(Event::Html(html));
                }
            }
            Err(refusal) => {
                // Back from a position in the joined text to the file.
                let mut start = 0;
                let mut at = pieces.first().map_or(0, |(a, _)| *a);
                for (offset, s) in &pieces {
                    if refusal.at < start + s.len() {
                        at = offset + (refusal.at - start);
                        break;
                    }
                    start += s.len();
                }
                self.error((at, refusal.len), refusal.message, refusal.help);
            }
        }
    }

    fn callout(&self, kind: BlockQuoteKind) -> String {
        let (class, key) = match kind {
            BlockQuoteKind::Note => ("note", "callout_note"),
            BlockQuoteKind::Tip => ("tip", "callout_tip"),
            BlockQuoteKind::Important => ("important", "callout_important"),
            BlockQuoteKind::Warning => ("warning", "callout_warning"),
            BlockQuoteKind::Caution => ("caution", "callout_caution"),
        };
        let label = ui_string(self.ctx.tools.strings, self.ctx.text_lang, key);
        format!(
            "<div class=\"callout callout-{class}\" role=\"note\">\n<p class=\"callout-title\">{}</p>\n",
            escape(label)
        )
    }

    fn finish(self) -> (Body, Vec<Diagnostic>) {
        let mut body = self.body;
        let mut html = String::with_capacity(self.t.body().len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, self.out.into_iter());
        html.shrink_to_fit();
        body.html = html;
        (body, self.problems)
    }
}
