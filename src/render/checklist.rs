//! The checklist: every action of every step on one printable page per language — the task
//! list under each step's `## Actions` heading (its id is `actions`, written or derived), in
//! playbook order, under the step's number and title linking to the step. The actions are
//! rendered from the step's own Markdown, so the step page stays the one place to edit them;
//! problems in that Markdown are reported by the step page's own rendering, not again here.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::content::model::{Key, Site, Translation};
use crate::content::urls::slugify;
use crate::errors::Diagnostics;
use crate::render::context::{render_template, Common, Ctx, Lists};
use crate::render::markdown::{self, Tools};
use crate::render::theme::Theme;

/// The id of the heading whose section holds a step's actions.
const ACTIONS_ID: &str = "actions";

#[derive(Serialize)]
struct ChecklistStep {
    id: String,
    number: Option<i64>,
    title: String,
    url: String,
    /// The Actions section rendered (its task list), or empty.
    actions: String,
}

#[derive(Serialize)]
struct Checklist {
    steps: Vec<ChecklistStep>,
}

/// Whether the checklist shows (part of) this page: the steps do.
pub(crate) fn in_checklist(key: &Key) -> bool {
    key.section == "steps" && !key.is_index()
}

/// The checklist page of one language.
pub(crate) fn checklist_page(
    site: &Site,
    theme: &Theme,
    lang: &str,
    tools: &Tools,
) -> Result<(String, Vec<u8>), Diagnostics> {
    checklist_page_with(site, theme, lang, tools, &Lists::new(site))
}

/// The checklist page of one language, with the site's orderings already worked out.
pub(crate) fn checklist_page_with(
    site: &Site,
    theme: &Theme,
    lang: &str,
    tools: &Tools,
    lists: &Lists,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let path = &site.generated[lang]["checklist"];
    let common = Common::generated(site, theme, lang, "checklist", lists);
    let root = common.root.clone();
    let steps = site
        .steps
        .iter()
        .map(|key| {
            let actions = site
                .entry(key)
                .shown(lang, &site.languages)
                .and_then(|(text_lang, t)| {
                    let section = actions_section(t)?;
                    let ctx = markdown::Context {
                        site,
                        lang,
                        text_lang,
                        root: &root,
                        tools,
                        id_prefix: &format!("checklist-{}", key.id),
                    };
                    Some(markdown::render(&section, &ctx).0.html)
                })
                .unwrap_or_default();
            ChecklistStep {
                id: key.id.clone(),
                number: site.entry(key).order,
                title: site.title(key, lang),
                url: format!("{root}{}", site.url(key, lang)),
                actions,
            }
        })
        .collect();
    render_template(
        theme,
        "checklist.html",
        &Ctx {
            common,
            data: Checklist { steps },
        },
    )
    .map(|html| (format!("{path}index.html"), html.into_bytes()))
    .map_err(Diagnostics::from)
}

/// The translation cut down to the section under its `actions` heading (up to the next heading
/// of the same or a higher level), offsets kept so that positions stay those of the file.
fn actions_section(t: &Translation) -> Option<Translation> {
    let body = t.body();
    let mut start: Option<(usize, u8)> = None;
    let mut heading: Option<(u8, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let level = level as u8;
                if let Some((from, open)) = start {
                    if level <= open {
                        let mut section = t.clone();
                        section.text = t.text.truncated(t.body_offset + range.start);
                        section.body_offset = t.body_offset + from;
                        return Some(section);
                    }
                }
                heading = Some((level, id.map(|s| s.to_string()), String::new()));
            }
            Event::Text(s) | Event::Code(s) => {
                if let Some((_, _, text)) = &mut heading {
                    text.push_str(&s);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, text)) = heading.take() {
                    let id = id.unwrap_or_else(|| slugify(&text));
                    if start.is_none() && id == ACTIONS_ID {
                        start = Some((range.end, level));
                    }
                }
            }
            _ => {}
        }
    }
    let (from, _) = start?;
    let mut section = t.clone();
    section.body_offset = t.body_offset + from;
    Some(section)
}
