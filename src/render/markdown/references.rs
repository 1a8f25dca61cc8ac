//! Links and pictures in the event stream: each link's target resolved (`links`) and written
//! as a URL relative to the page (an attachment's type and size added before the link closes),
//! each picture's alt text collected and the picture written with its size and copies
//! (`figures`), a titled picture alone in its paragraph turned into a `<figure>`. Anchors and
//! site paths are noted in the body, to be checked once every page is rendered.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::links::{self, Origin, Target};
use super::{figures, AnchorRef, Figure, OpenImage, Renderer, SitePathRef};
use crate::content::model::Key;

impl<'a> Renderer<'a> {
    pub(super) fn origin(&self) -> Origin<'a> {
        let file = self.t.file.trim_start_matches("content/");
        Origin {
            site: self.ctx.site,
            media: self.ctx.tools.media,
            dir: file.rsplit_once('/').map_or("", |(dir, _)| dir),
        }
    }

    pub(super) fn open_link(
        &mut self,
        link_type: LinkType,
        dest: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: Range<usize>,
    ) {
        let mut meta = None;
        let dest_url = if link_type == LinkType::Email {
            dest // `<name@example.org>`: written as a mailto: link
        } else {
            let at = self.locate(&range, &dest);
            match links::target(&dest, &self.origin()) {
                Ok(Target::AsWritten) => dest,
                Ok(Target::Page { key, lang, anchor }) => {
                    CowStr::from(self.page_url(&dest, key, lang, anchor, at))
                }
                Ok(Target::Media { path, fragment }) => {
                    let item = &self.ctx.tools.media.items[&path];
                    meta = Some(figures::attachment_meta(
                        item,
                        self.ctx.tools.strings,
                        self.ctx.text_lang,
                    ));
                    let mut url = format!("{}{}", self.ctx.root, item.url);
                    if let Some(f) = fragment {
                        url.push('#');
                        url.push_str(&f);
                    }
                    self.body.media.push(path);
                    CowStr::from(url)
                }
                Ok(Target::SitePath { path, fragment }) => {
                    let diagnostic = self.locator.at(at.0,
                        at.1,
                        format!("link to a page that does not exist: `{dest}`"),
                    )
                    .help("site paths are the addresses of the built site, e.g. `/fr/etapes/designer-un-champion/`; links to a page's Markdown file (`@/steps/champion.md`) are safer");
                    self.body.site_paths.push(SitePathRef {
                        path: path.clone(),
                        diagnostic,
                    });
                    let mut url = format!("{}{path}", self.ctx.root);
                    if let Some(f) = fragment {
                        url.push('#');
                        url.push_str(&f);
                    }
                    CowStr::from(url)
                }
                Err(p) => {
                    self.error(at, p.message, p.help);
                    CowStr::from("#")
                }
            }
        };
        self.links.push(meta);
        self.push(Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }));
    }

    /// The URL of a page, relative to this one, noting its anchor to check. A link that names
    /// the language the text is written in is a link to "the same language".
    pub(super) fn page_url(
        &mut self,
        written: &str,
        key: Key,
        lang: Option<String>,
        anchor: Option<String>,
        at: (usize, usize),
    ) -> String {
        let ctx = self.ctx;
        let named = lang.filter(|l| l != ctx.text_lang);
        let link_lang = match (&named, &anchor) {
            (Some(l), _) => l.as_str(),
            (None, Some(_)) => ctx.text_lang,
            (None, None) => ctx.lang,
        };
        let mut url = format!("{}{}", ctx.root, ctx.site.url(&key, link_lang));
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(&anchor);
            let page = written.split('#').next().unwrap_or(written);
            let page = page.strip_prefix("@/").unwrap_or(page);
            self.body.anchors.push(AnchorRef {
                diagnostic: self.locator.at(
                    at.0,
                    at.1,
                    format!("link to a missing anchor `#{anchor}` in `{page}`"),
                ),
                target: key,
                anchor,
                lang: named,
            });
        }
        url
    }

    pub(super) fn open_image(&mut self, dest: &str, title: &str, range: Range<usize>) {
        let at = self.locate(&range, dest);
        let not_a_picture = |what: &str| {
            links::Problem {
            message: format!("`{dest}` is {what}, not a picture"),
            help: format!(
                "show a picture of the site with `![what it shows](picture.png)` ({}); link to other things with `[text]({dest})`",
                crate::content::media::IMAGE_TYPES.join(", ")
            ),
        }
        };
        let picture = match links::target(dest, &self.origin()) {
            Ok(Target::Media { path, .. }) => {
                let item = &self.ctx.tools.media.items[&path];
                let picture = item.picture.clone();
                self.body.media.push(path);
                picture.ok_or_else(|| not_a_picture("an attachment"))
            }
            Ok(Target::AsWritten) if links::scheme(dest).is_some() || dest.starts_with("//") => {
                Err(links::Problem {
                    message: format!("picture from another site: `{dest}`"),
                    help: "pages only show pictures of the site (its Content-Security-Policy blocks other hosts): save the file next to the page and write `![what it shows](picture.png)`".into(),
                })
            }
            Ok(Target::Page { .. }) => Err(not_a_picture("a page")),
            Ok(_) => Err(not_a_picture("not a file of content/")),
            Err(p) => Err(p),
        };
        let picture = match picture {
            Ok(p) => Some(p),
            Err(p) => {
                self.error(at, p.message, p.help);
                None
            }
        };
        self.image = Some(OpenImage {
            picture,
            title: title.to_string(),
            alt: String::new(),
            depth: 0,
            at,
            dest: dest.to_string(),
        });
    }

    pub(super) fn image_event(&mut self, event: Event<'a>) {
        let Some(image) = &mut self.image else {
            return;
        };
        match event {
            Event::Start(Tag::Image { .. }) => image.depth += 1,
            Event::End(TagEnd::Image) if image.depth > 0 => image.depth -= 1,
            Event::End(TagEnd::Image) => self.close_image(),
            Event::Text(s) | Event::Code(s) => image.alt.push_str(&s),
            Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
            _ => {}
        }
    }

    pub(super) fn close_image(&mut self) {
        let Some(image) = self.image.take() else {
            return;
        };
        let alt = image.alt.trim();
        if alt.is_empty() {
            self.problems.push(
                self.locator.at(image.at.0, image.at.1, "picture without a text alternative")
                    .help(format!("say what it shows, for readers who cannot see it: `![the working group in a workshop]({})`", image.dest))
                    .warning(),
            );
        }
        let Some(picture) = image.picture else {
            return;
        };
        self.body.text.push_str(alt);
        self.body.text.push(' ');
        let root = self.ctx.root;
        let title = Some(image.title.as_str()).filter(|t| !t.is_empty());
        if let (Some(title), None) = (title, &self.heading) {
            self.figure = Some(Figure {
                index: self.out.len(),
                html: figures::figure(&figures::img(&picture, root, alt, None), title),
            });
        }
        self.emit(figures::img(&picture, root, alt, title));
    }

    pub(super) fn close_paragraph(&mut self) {
        if let (Some(start), Some(figure)) = (self.paragraph.take(), self.figure.take()) {
            if figure.index == start + 1 && self.out.len() == start + 2 {
                self.out.truncate(start);
                self.body.text.push(' ');
                self.out.push(Event::Html(CowStr::from(figure.html)));
                return;
            }
        }
        self.push(Event::End(TagEnd::Paragraph));
    }
}
