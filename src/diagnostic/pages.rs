//! The diagnostic's pages, per language: the start page, one static page per answer path
//! (question or result, GOV.UK style: one question per page, "Your answers" with Change links,
//! Back and Start again), and the overview with its diagram and text version. A result is
//! assembled from the obstacle and step pages, never from duplicated text. Built on the shared
//! page context of `render::context`; returns files, writes nothing.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::model::{Key, Site};
use crate::diagnostic::flow::{flow_json, order};
use crate::diagnostic::model::{walk, Answer, DecisionTree, Node, NodeKind};
use crate::diagnostic::outcome::outcome;
use crate::diagnostic::rules::describe;
use crate::diagnostic::svg::RulesBox;
use crate::errors::{Diagnostic, Diagnostics};
use crate::output::Output;
use crate::render::context::{link, render_template, Common, Link, Lists, Place};
use crate::render::markdown::Body;
use crate::render::theme::Theme;

#[derive(Serialize)]
struct AnswerView {
    id: String,
    label: String,
    slug: String,
    url: String,
}

#[derive(Serialize)]
struct GivenAnswer {
    node: String,
    question: String,
    answer: String,
    change_url: String,
}

#[derive(Serialize)]
struct DiagnosticView {
    kind: &'static str,
    node: String,
    path: String,
    title: String,
    hint: Option<String>,
    intro: Option<String>,
    content: String,
    answers: Vec<AnswerView>,
    given: Vec<GivenAnswer>,
    back_url: String,
    start_url: String,
    first_url: String,
    overview_url: String,
    flow_url: String,
    /// A result's claim about the answers (`clear`, `check`, `obstacles`).
    tone: Option<&'static str>,
    obstacles: Vec<Link>,
    to_check: Vec<Link>,
    /// The steps to start with (at most three), then the other relevant ones.
    start_steps: Vec<Link>,
    then_steps: Vec<Link>,
    overview: Vec<OverviewNode>,
    /// The rules choosing a result, in the order they are tried (overview).
    rules: Vec<RuleView>,
    svg_url: String,
    /// The same diagram in dark colours, for `prefers-color-scheme: dark`.
    svg_dark_url: String,
    svg_alt: String,
    breadcrumbs: Vec<Link>,
    summary: Option<String>,
}

#[derive(Serialize)]
struct OverviewNode {
    id: String,
    kind: NodeKind,
    title: String,
    answers: Vec<OverviewAnswer>,
}

#[derive(Serialize)]
struct RuleView {
    number: usize,
    target: String,
    target_title: String,
    conditions: Vec<String>,
}

#[derive(Serialize)]
struct OverviewAnswer {
    label: String,
    target: String,
    target_title: String,
}

#[derive(Serialize)]
struct Ctx<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    page: DiagnosticView,
}

/// Site path of the page reached by `answers` (option slugs in `lang`), under the diagnostic.
fn path_url(base: &str, lang: &str, path: &[(&Node, &Answer)]) -> String {
    let mut url = format!("{base}q/");
    for (_, o) in path {
        url.push_str(&o.slug[lang]);
        url.push('/');
    }
    url
}

/// Renders every diagnostic page of every language.
pub(crate) fn render(
    tree: &DecisionTree,
    (site, theme, lists): (&Site, &Theme, &Lists),
    bodies: &BTreeMap<(Key, String), Body>,
) -> Result<Output, Diagnostics> {
    let mut out = Output::new();
    let mut problems = Diagnostics::default();
    let index_key = Key::new(DIAGNOSTIC_SECTION, "_index");
    for lang in &site.languages {
        let lang = lang.as_str();
        let base_in = |l: &str| site.url(&index_key, l).to_string();
        let base = base_in(lang);
        let overview_slug = |l: &str| theme.string(l, "slug_overview").to_string();
        let empty_view = |kind: &'static str, root: &str| DiagnosticView {
            kind,
            node: String::new(),
            path: String::new(),
            title: String::new(),
            hint: None,
            intro: None,
            content: String::new(),
            answers: Vec::new(),
            given: Vec::new(),
            back_url: format!("{root}{}", site.url(&Key::home(), lang)),
            start_url: format!("{root}{base}"),
            first_url: format!("{root}{base}q/"),
            overview_url: format!("{root}{base}{}/", overview_slug(lang)),
            flow_url: format!("{root}{base}flow.json"),
            tone: None,
            obstacles: Vec::new(),
            to_check: Vec::new(),
            start_steps: Vec::new(),
            then_steps: Vec::new(),
            overview: Vec::new(),
            rules: Vec::new(),
            svg_url: String::new(),
            svg_dark_url: String::new(),
            svg_alt: String::new(),
            breadcrumbs: vec![Link {
                title: site.title(&Key::home(), lang),
                url: format!("{root}{}", site.url(&Key::home(), lang)),
                summary: None,
                number: None,
                id: None,
            }],
            summary: None,
        };

        // Start page.
        let common = Common::with_lists(
            site,
            theme,
            lang,
            &base,
            Place::Page(&index_key),
            false,
            lists,
        );
        let mut view = empty_view("start", &common.root);
        view.node = tree.start.clone();
        view.title = site.title(&index_key, lang);
        view.summary = site.summary(&index_key, lang);
        view.content = bodies
            .get(&(index_key.clone(), lang.to_string()))
            .map(|b| b.html.clone())
            .unwrap_or_default();
        push(
            &mut out,
            &mut problems,
            format!("{base}index.html"),
            render_template(theme, "diagnostic.html", &Ctx { common, page: view }),
        );

        // One page per answer path: the paths first, then their pages in parallel.
        let mut paths: Vec<(&Node, Vec<(&Node, &Answer)>)> = Vec::new();
        walk(tree, &tree.start, &mut Vec::new(), &mut |node, path| {
            paths.push((node, path.to_vec()));
            true
        });
        let path_page = |(node, path): &(&Node, Vec<(&Node, &Answer)>)| {
            let path = path.as_slice();
            let url = path_url(&base, lang, path);
            let same_path = |l: &str| path_url(&base_in(l), l, path);
            let place = Place::Custom(&same_path, Some(&index_key));
            let mut common = Common::with_lists(site, theme, lang, &url, place, false, lists);
            common.noindex = true;
            let root = common.root.clone();
            let mut view = empty_view(
                if node.kind == NodeKind::Question {
                    "question"
                } else {
                    "result"
                },
                &root,
            );
            view.node = node.id.clone();
            view.path = path
                .iter()
                .map(|(n, o)| format!("{}={}", n.id, o.id))
                .collect::<Vec<_>>()
                .join("&");
            view.title = node.heading(lang).to_string();
            view.hint = node.text[lang].hint.clone();
            view.intro = node.text[lang].intro.clone();
            view.back_url = if path.is_empty() {
                format!("{root}{base}")
            } else {
                format!("{root}{}", path_url(&base, lang, &path[..path.len() - 1]))
            };
            view.given = path
                .iter()
                .enumerate()
                .map(|(i, (n, o))| GivenAnswer {
                    node: n.id.clone(),
                    question: n.heading(lang).to_string(),
                    answer: o.label[lang].clone(),
                    change_url: format!(
                        "{root}{}#answer-{}",
                        path_url(&base, lang, &path[..i]),
                        o.slug[lang]
                    ),
                })
                .collect();
            view.answers = node
                .options
                .iter()
                .map(|o| {
                    let mut next = path.to_vec();
                    next.push((node, o));
                    AnswerView {
                        id: o.id.clone(),
                        label: o.label[lang].clone(),
                        slug: o.slug[lang].clone(),
                        url: format!("{root}{}", path_url(&base, lang, &next)),
                    }
                })
                .collect();
            if node.kind == NodeKind::Result {
                let shown = outcome(site, node, path);
                let links = |section: &str, ids: &[String]| -> Vec<Link> {
                    ids.iter()
                        .map(|id| link(site, &Key::new(section, id), lang, &root))
                        .collect()
                };
                view.tone = node.tone.map(|t| t.name());
                view.obstacles = links("obstacles", &shown.obstacles);
                view.to_check = links("obstacles", &shown.to_check);
                view.start_steps = links("steps", &shown.start);
                view.then_steps = links("steps", &shown.then);
            }
            view.breadcrumbs.push(Link {
                title: site.title(&index_key, lang),
                url: format!("{root}{base}"),
                summary: None,
                number: None,
                id: None,
            });
            render_template(theme, "diagnostic.html", &Ctx { common, page: view })
                .map(|html| (format!("{url}index.html"), html))
        };
        let pages: Vec<_> = paths.par_iter().map(path_page).collect();
        for page in pages {
            match page {
                Ok((path, html)) => {
                    out.insert(path, html.into_bytes());
                }
                Err(d) => problems.push(d),
            }
        }

        // Overview: SVG and text version.
        let overview = format!("{base}{}/", overview_slug(lang));
        let same = |l: &str| format!("{}{}/", base_in(l), overview_slug(l));
        let place = Place::Custom(&same, Some(&index_key));
        let common = Common::with_lists(site, theme, lang, &overview, place, false, lists);
        let root = common.root.clone();
        let mut view = empty_view("overview", &root);
        view.node = tree.start.clone();
        // The overview is reached from the start page: Back leads there.
        view.back_url = format!("{root}{base}");
        view.title = theme.string(lang, "diagnostic_overview").to_string();
        view.breadcrumbs.push(Link {
            title: site.title(&index_key, lang),
            url: format!("{root}{base}"),
            summary: None,
            number: None,
            id: None,
        });
        let by_rules = theme.string(lang, "diagnostic_by_rules").to_string();
        view.overview = order(tree)
            .into_iter()
            .map(|id| {
                let n = &tree.nodes[&id];
                OverviewNode {
                    id: n.id.clone(),
                    kind: n.kind,
                    title: n.heading(lang).to_string(),
                    answers: n
                        .options
                        .iter()
                        .map(|o| OverviewAnswer {
                            label: o.label[lang].clone(),
                            target: o.next.clone(),
                            target_title: match tree.nodes.get(&o.next) {
                                Some(n) => n.heading(lang).to_string(),
                                None => by_rules.clone(),
                            },
                        })
                        .collect(),
                }
            })
            .collect();
        view.rules = rule_views(tree, site, theme, lang);
        view.svg_url = "tree.svg".into();
        view.svg_dark_url = "tree-dark.svg".into();
        view.svg_alt = theme.string(lang, "diagnostic_svg_alt").to_string();
        let rules_box = RulesBox {
            text: &by_rules,
            labels: view
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "{}{} {}",
                        theme
                            .string(lang, "diagnostic_rule")
                            .replace("{n}", &r.number.to_string()),
                        theme.string(lang, "colon"),
                        r.conditions.join(theme.string(lang, "diagnostic_and"))
                    )
                })
                .collect(),
        };
        // Two files rather than one with a stylesheet: no inline <style>, so the diagram lives
        // under the site's one Content-Security-Policy (see netlify.toml).
        for (file, palette) in [
            (&view.svg_url, &crate::diagnostic::svg::LIGHT),
            (&view.svg_dark_url, &crate::diagnostic::svg::DARK),
        ] {
            let svg = crate::diagnostic::svg::draw(
                tree,
                lang,
                &order(tree),
                &rules_box,
                theme.string(lang, "diagnostic_overview"),
                &view.svg_alt,
                palette,
            );
            out.insert(format!("{overview}{file}"), svg.into_bytes());
        }
        push(
            &mut out,
            &mut problems,
            format!("{overview}index.html"),
            render_template(theme, "diagnostic.html", &Ctx { common, page: view }),
        );

        out.insert(
            format!("{base}flow.json"),
            flow_json(tree, lang).into_bytes(),
        );
    }
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(out)
    }
}

/// The rules in the order they are tried, each with its conditions in words.
fn rule_views(tree: &DecisionTree, site: &Site, theme: &Theme, lang: &str) -> Vec<RuleView> {
    let string = |key: &str| theme.string(lang, key).to_string();
    let title = |id: &str| site.title(&Key::new("obstacles", id), lang);
    let answer = |a: &str| {
        let (q, o) = a.split_once('=').unwrap_or((a, ""));
        let q = &tree.nodes[q];
        let label = q
            .options
            .iter()
            .find(|x| x.id == o)
            .map_or("", |x| x.label[lang].as_str());
        format!(
            "{}{q_close} → {}{}{}",
            string("quote_open") + q.heading(lang),
            string("quote_open"),
            label,
            string("quote_close"),
            q_close = string("quote_close"),
        )
    };
    tree.rules
        .iter()
        .enumerate()
        .map(|(i, id)| RuleView {
            number: i + 1,
            target: id.clone(),
            target_title: tree.nodes[id].heading(lang).to_string(),
            conditions: describe(tree.nodes[id].when.as_ref(), &string, &title, &answer),
        })
        .collect()
}

fn push(out: &mut Output, problems: &mut Diagnostics, path: String, r: Result<String, Diagnostic>) {
    match r {
        Ok(html) => {
            out.insert(path, html.into_bytes());
        }
        Err(d) => problems.push(d),
    }
}
