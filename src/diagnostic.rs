//! The diagnostic: a decision tree generated from `content/diagnostic/`. Loads the start pages
//! (`_index.<lang>.md`, which name the first question) and one file per node holding both
//! languages inline, validates the whole graph (targets, cycles, reachability, languages, slugs,
//! size), then renders one static page per answer path — question or result — plus the start
//! page, an overview (SVG drawn in `tree_svg.rs` and a text version) and `flow.json`. Results
//! are assembled from the obstacle and step pages, never from duplicated text.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::discover::{SourceFile, DIAGNOSTIC_SECTION};
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};
use crate::frontmatter::{self, Front, KindFront, Split};
use crate::markdown::Body;
use crate::output::Output;
use crate::render::{link, render_template, Common, Link, Place};
use crate::site::{is_safe_slug, Key, Site};
use crate::theme::Theme;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartFront {
    title: String,
    summary: Option<String>,
    slug: Option<String>,
    /// Id of the first question.
    start: String,
    translated_from: Option<String>,
}

/// Reads a start page's front matter (`content/diagnostic/_index.<lang>.md`).
pub fn parse_start(rel: &str, text: &str, split: &Split) -> Result<Front, Diagnostic> {
    let f: StartFront = frontmatter::parse(rel, text, split)?;
    Ok(Front {
        title: f.title,
        summary: f.summary,
        slug: f.slug,
        weight: Some(0),
        sources: None,
        aliases: Vec::new(),
        translated_from: f.translated_from,
        kind: KindFront::DiagnosticStart { start: f.start },
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Question,
    Result,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeText {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub id: String,
    pub next: String,
    #[serde(default)]
    pub obstacles: Vec<String>,
    pub label: BTreeMap<String, String>,
    pub slug: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeFront {
    kind: NodeKind,
    text: BTreeMap<String, NodeText>,
    #[serde(default)]
    options: Vec<Answer>,
    #[serde(default)]
    obstacles: Vec<String>,
    #[serde(default)]
    always_steps: Vec<String>,
}

/// One question or result.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub text: BTreeMap<String, NodeText>,
    pub options: Vec<Answer>,
    pub obstacles: Vec<String>,
    pub always_steps: Vec<String>,
    file: String,
    source: String,
    front: (usize, usize),
}

impl Node {
    /// A diagnostic on the line of `key` holding `needle` (or the nearest sensible place).
    fn error(&self, key: &str, needle: Option<&str>, message: impl Into<String>) -> Diagnostic {
        let (at, len) = locate(&self.source, self.front, key, needle);
        Diagnostic::at(&self.file, &self.source, at, len, message)
    }

    fn heading(&self, lang: &str) -> &str {
        let t = &self.text[lang];
        match self.kind {
            NodeKind::Question => t.question.as_deref().unwrap_or(""),
            NodeKind::Result => t.title.as_deref().unwrap_or(""),
        }
    }
}

fn locate(
    text: &str,
    (start, end): (usize, usize),
    key: &str,
    needle: Option<&str>,
) -> (usize, usize) {
    let front = &text[start..end];
    let is_key_line = |line: &str| {
        let t = line.trim_start().trim_start_matches("- ");
        t.starts_with(key) && t[key.len()..].trim_start().starts_with(['=', ':'])
            || line.contains(&format!("{key} ="))
            || line.contains(&format!("{key}:"))
    };
    let mut offset = start;
    let mut key_line = None;
    let mut any_line = None;
    for line in front.split_inclusive('\n') {
        let quoted = needle.map(|n| format!("\"{n}\""));
        let hit = needle.and_then(|n| {
            line.find(quoted.as_deref().unwrap_or(n))
                .map(|i| (i + 1, n.len()))
                .or_else(|| line.find(n).map(|i| (i, n.len())))
        });
        if is_key_line(line) {
            if let Some((i, len)) = hit {
                return (offset + i, len);
            }
            key_line.get_or_insert((offset + line.len() - line.trim_start().len(), key.len()));
        } else if let (Some((i, len)), None) = (hit, any_line) {
            any_line = Some((offset + i, len));
        }
        offset += line.len();
    }
    any_line.or(key_line).unwrap_or((0, 3))
}

/// The validated decision tree.
#[derive(Debug)]
pub struct DecisionTree {
    pub start: String,
    pub nodes: BTreeMap<String, Node>,
}

/// Loads and validates the tree. `None` when the site has no diagnostic.
pub fn load(site: &Site) -> (Option<DecisionTree>, Diagnostics) {
    let mut problems = Diagnostics::default();
    let index = site.entries.get(&Key::new(DIAGNOSTIC_SECTION, "_index"));
    if index.is_none() && site.diagnostic_files.is_empty() {
        return (None, problems);
    }
    let Some(index) = index else {
        let first = &site.diagnostic_files[0].rel;
        problems.push(
            Diagnostic::file(first, "the diagnostic has nodes but no start page")
                .help(format!("add `content/{DIAGNOSTIC_SECTION}/_index.{}.md` with `title` and `start = \"<first question id>\"`", site.languages[0])),
        );
        return (None, problems);
    };

    let mut nodes = BTreeMap::new();
    for file in &site.diagnostic_files {
        match parse_node(file) {
            Ok(node) => {
                nodes.insert(node.id.clone(), node);
            }
            Err(d) => problems.push(d),
        }
    }
    if problems.has_errors() {
        return (None, problems);
    }

    // The first question, the same in every language.
    let mut start: Option<(String, &crate::site::Translation)> = None;
    for lang in &site.languages {
        let Some(t) = index.translations.get(lang) else {
            continue;
        };
        let KindFront::DiagnosticStart { start: s } = &t.front.kind else {
            continue;
        };
        match &start {
            None => start = Some((s.clone(), t)),
            Some((first, ft)) if first != s => problems.push(
                t.error_at(
                    "start",
                    Some(s),
                    format!("`start` is `{s}` here but `{first}` in `{}`", ft.file),
                )
                .help("every language starts the diagnostic with the same question"),
            ),
            Some(_) => {}
        }
    }
    let Some((start, start_file)) = start else {
        return (None, problems);
    };
    if !nodes.contains_key(&start) {
        let ids: Vec<&str> = nodes.keys().map(String::as_str).collect();
        let d = start_file.error_at(
            "start",
            Some(&start),
            format!("unknown first question `{start}`"),
        );
        problems.push(match did_you_mean(&start, ids.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None => d.help(format!(
                "name a node file of content/{DIAGNOSTIC_SECTION}/: {}",
                ids.join(", ")
            )),
        });
        return (None, problems);
    }
    let tree = DecisionTree { start, nodes };
    validate(&tree, site, &mut problems);
    if problems.has_errors() {
        (None, problems)
    } else {
        (Some(tree), problems)
    }
}

fn parse_node(file: &SourceFile) -> Result<Node, Diagnostic> {
    let text = frontmatter::decode(&file.rel, &file.bytes)?;
    let split = frontmatter::split(&file.rel, &text)?;
    let f: NodeFront = frontmatter::parse(&file.rel, &text, &split)?;
    let front = (split.front_offset, split.front_offset + split.front.len());
    Ok(Node {
        id: file.id.clone(),
        kind: f.kind,
        text: f.text,
        options: f.options,
        obstacles: f.obstacles,
        always_steps: f.always_steps,
        file: file.rel.clone(),
        source: text,
        front,
    })
}

fn validate(tree: &DecisionTree, site: &Site, problems: &mut Diagnostics) {
    let langs = &site.languages;
    let node_ids: Vec<&str> = tree.nodes.keys().map(String::as_str).collect();
    let obstacle_ids: Vec<&str> = site.obstacles.iter().map(|k| k.id.as_str()).collect();
    let step_ids: Vec<&str> = site.steps.iter().map(|k| k.id.as_str()).collect();
    let unknown = |node: &Node, key: &str, id: &str, known: &[&str], what: &str| {
        let d = node.error(key, Some(id), format!("unknown {what} `{id}`"));
        match did_you_mean(id, known.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None => d.help(format!("the {what}s are: {}", known.join(", "))),
        }
    };

    for node in tree.nodes.values() {
        // Text in exactly the site's languages.
        for lang in node.text.keys() {
            if !langs.contains(lang) {
                problems.push(
                    node.error(
                        "text",
                        Some(&format!("text.{lang}")),
                        format!("unknown language `{lang}` in `text`"),
                    )
                    .help(format!("this site's languages are {}", langs.join(", "))),
                );
            }
        }
        for lang in langs {
            let Some(t) = node.text.get(lang) else {
                problems.push(
                    node.error("kind", None, format!("missing text in `{lang}`"))
                        .help(format!("add a `[text.{lang}]` table")),
                );
                continue;
            };
            let (field, value) = match node.kind {
                NodeKind::Question => ("question", &t.question),
                NodeKind::Result => ("title", &t.title),
            };
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                problems.push(
                    node.error(
                        "text",
                        Some(&format!("text.{lang}")),
                        format!("missing `{field}` in `text.{lang}`"),
                    )
                    .help(format!("add `{field} = \"…\"` under `[text.{lang}]`")),
                );
            }
        }
        match node.kind {
            NodeKind::Question if node.options.is_empty() => problems.push(
                node.error(
                    "kind",
                    None,
                    format!(
                        "question `{}` has no options, so every path reaching it ends without a result",
                        node.id
                    ),
                )
                .help("add at least two `[[options]]`, or make it `kind = \"result\"`"),
            ),
            NodeKind::Question if node.options.len() < 2 => problems.push(
                node.error(
                    "kind",
                    None,
                    format!(
                        "question `{}` has {} option(s); a question needs at least two",
                        node.id,
                        node.options.len()
                    ),
                )
                .help("add `[[options]]` entries, each with `id`, `next`, `label` and `slug`"),
            ),
            NodeKind::Result if !node.options.is_empty() => problems.push(
                node.error(
                    "kind",
                    None,
                    format!(
                        "result `{}` has options; a result ends the diagnostic",
                        node.id
                    ),
                )
                .help("make it `kind = \"question\"`, or remove its options"),
            ),
            _ => {}
        }
        if node.kind == NodeKind::Question {
            // Only results read these; on a question they would be silently ignored.
            for (field, list) in [
                ("obstacles", &node.obstacles),
                ("always_steps", &node.always_steps),
            ] {
                if let Some(first) = list.first() {
                    problems.push(
                        node.error(
                            field,
                            Some(first),
                            format!(
                                "question `{}` has `{field}`, which only a result takes",
                                node.id
                            ),
                        )
                        .help(if field == "obstacles" {
                            "flag obstacles on the answers (`obstacles` under `[[options]]`)"
                        } else {
                            "list the steps on the results this question leads to"
                        }),
                    );
                }
            }
        }
        let mut option_ids = BTreeSet::new();
        let mut slugs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for o in &node.options {
            if !is_safe_slug(&o.id) {
                // Option ids appear in `data-diagnostic-path` (`<node>=<option>&…`).
                problems.push(
                    node.error(
                        "id",
                        Some(&o.id),
                        format!("option id `{}` is not a plain id", o.id),
                    )
                    .help(format!(
                        "use lowercase letters, digits and hyphens, e.g. `{}`",
                        crate::site::slugify(&o.id)
                    )),
                );
            } else if !option_ids.insert(o.id.as_str()) {
                problems.push(
                    node.error(
                        "id",
                        Some(&o.id),
                        format!("option id `{}` is used twice in this question", o.id),
                    )
                    .help("give each option its own id"),
                );
            }
            if o.next == node.id {
                problems.push(
                    node.error(
                        "next",
                        Some(&o.next),
                        format!("option `{}` leads back to its own question", o.id),
                    )
                    .help("point `next` at another question or a result"),
                );
            } else if !tree.nodes.contains_key(&o.next) {
                problems.push(unknown(node, "next", &o.next, &node_ids, "node"));
            }
            for id in &o.obstacles {
                if !obstacle_ids.contains(&id.as_str()) {
                    problems.push(unknown(node, "obstacles", id, &obstacle_ids, "obstacle"));
                }
            }
            for (field, map) in [("label", &o.label), ("slug", &o.slug)] {
                for lang in map.keys() {
                    if !langs.contains(lang) {
                        problems.push(
                            node.error(
                                field,
                                Some(&format!("{lang} =")),
                                format!(
                                    "unknown language `{lang}` in the `{field}` of option `{}`",
                                    o.id
                                ),
                            )
                            .help(format!("this site's languages are {}", langs.join(", "))),
                        );
                    }
                }
                for lang in langs {
                    if map.get(lang).is_none_or(|v| v.trim().is_empty()) {
                        problems.push(
                            node.error(
                                field,
                                Some(&o.id),
                                format!("option `{}` has no `{field}` in `{lang}`", o.id),
                            )
                            .help(format!(
                                "write `{field} = {{ {} }}`",
                                langs
                                    .iter()
                                    .map(|l| format!("{l} = \"…\""))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        );
                    }
                }
            }
            for (lang, slug) in &o.slug {
                if !is_safe_slug(slug) {
                    problems.push(
                        node.error(
                            "slug",
                            Some(slug),
                            format!("slug `{slug}` of option `{}` is not URL-safe", o.id),
                        )
                        .help(format!(
                            "use lowercase letters, digits and hyphens, e.g. `{}`",
                            crate::site::slugify(slug)
                        )),
                    );
                } else if !slugs.entry(lang).or_default().insert(slug) {
                    problems.push(
                        node.error(
                            "slug",
                            Some(slug),
                            format!("slug `{slug}` is used by two options of this question"),
                        )
                        .help("give each answer its own slug"),
                    );
                } else if slug == "q" {
                    problems.push(
                        node.error("slug", Some(slug), "slug `q` is reserved")
                            .help("choose another slug"),
                    );
                }
            }
        }
        for id in &node.obstacles {
            if !obstacle_ids.contains(&id.as_str()) {
                problems.push(unknown(node, "obstacles", id, &obstacle_ids, "obstacle"));
            }
        }
        for id in &node.always_steps {
            if !step_ids.contains(&id.as_str()) {
                problems.push(unknown(node, "always_steps", id, &step_ids, "step"));
            }
        }
    }
    if problems.has_errors() {
        return;
    }

    // Cycles, then reachability.
    if let Some(cycle) = find_cycle(tree) {
        let first = &tree.nodes[&cycle[0]];
        problems.push(
            first
                .error(
                    "next",
                    Some(&cycle[1]),
                    format!("the diagnostic loops: {}", cycle.join(" → ")),
                )
                .help("every answer must lead further down, to another question or a result"),
        );
        return;
    }
    let mut reachable = BTreeSet::new();
    let mut stack = vec![tree.start.clone()];
    while let Some(id) = stack.pop() {
        if reachable.insert(id.clone()) {
            stack.extend(tree.nodes[&id].options.iter().map(|o| o.next.clone()));
        }
    }
    for node in tree.nodes.values() {
        if !reachable.contains(&node.id) {
            problems.push(
                node.error(
                    "kind",
                    None,
                    format!(
                        "node `{}` cannot be reached from the first question `{}`",
                        node.id, tree.start
                    ),
                )
                .help("point an option's `next` at it, or delete the file"),
            );
        }
    }

    // Size: pages per language and depth.
    let limits = &site.settings.diagnostic;
    let mut count = 0usize;
    let mut deepest = 0usize;
    let mut too_deep = None;
    walk(tree, &tree.start, &mut Vec::new(), &mut |node, path| {
        count += 1;
        deepest = deepest.max(path.len());
        if path.len() > limits.max_depth && too_deep.is_none() {
            too_deep = Some((node.id.clone(), path.len()));
        }
        count <= limits.max_paths && path.len() <= limits.max_depth
    });
    if count > limits.max_paths {
        let first = &tree.nodes[&tree.start];
        problems.push(
            first.error("kind", None, format!("the diagnostic has more than {} answer paths per language", limits.max_paths))
                .help("merge branches (several answers may lead to the same node), or raise `[diagnostic] max_paths` in content/site.toml"),
        );
    }
    if let Some((id, depth)) = too_deep {
        problems.push(
            tree.nodes[&id]
                .error(
                    "kind",
                    None,
                    format!(
                        "a path reaches `{id}` after {depth} answers, more than `max_depth = {}`",
                        limits.max_depth
                    ),
                )
                .help("shorten the path, or raise `[diagnostic] max_depth` in content/site.toml"),
        );
    }
    if problems.has_errors() {
        return;
    }

    // Warnings: obstacles and steps no result ever shows.
    let mut shown_obstacles = BTreeSet::new();
    let mut shown_steps = BTreeSet::new();
    walk(tree, &tree.start, &mut Vec::new(), &mut |node, path| {
        if node.kind == NodeKind::Result {
            let (obstacles, steps) = outcome(site, node, path);
            shown_obstacles.extend(obstacles);
            shown_steps.extend(steps);
        }
        true
    });
    let start_node = &tree.nodes[&tree.start];
    for id in obstacle_ids
        .iter()
        .filter(|id| !shown_obstacles.contains(**id))
    {
        problems.push(
            start_node
                .error(
                    "kind",
                    None,
                    format!("no path of the diagnostic shows the obstacle `{id}`"),
                )
                .help("flag it with `obstacles = [\"…\"]` on an answer")
                .warning(),
        );
    }
    for id in step_ids.iter().filter(|id| !shown_steps.contains(**id)) {
        problems.push(
            start_node
                .error(
                    "kind",
                    None,
                    format!("no path of the diagnostic shows the step `{id}`"),
                )
                .help("flag an obstacle it addresses, or list it in a result's `always_steps`")
                .warning(),
        );
    }
}

/// A cycle as node ids, first repeated at the end, if there is one.
fn find_cycle(tree: &DecisionTree) -> Option<Vec<String>> {
    fn visit(
        tree: &DecisionTree,
        id: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == id) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(id.to_string());
            return Some(cycle);
        }
        if done.contains(id) {
            return None;
        }
        stack.push(id.to_string());
        for o in &tree.nodes.get(id)?.options {
            if let Some(c) = visit(tree, &o.next, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(id.to_string());
        None
    }
    let mut done = BTreeSet::new();
    let mut ids: Vec<&String> = vec![&tree.start];
    ids.extend(tree.nodes.keys());
    ids.into_iter()
        .find_map(|id| visit(tree, id, &mut Vec::new(), &mut done))
}

/// The answers that led to a node: (question, option chosen) from the start.
type Path<'t> = [(&'t Node, &'t Answer)];

/// Visits every (node, answers that led there) in depth-first order; `f` returns false to stop
/// descending.
fn walk<'t>(
    tree: &'t DecisionTree,
    id: &str,
    path: &mut Vec<(&'t Node, &'t Answer)>,
    f: &mut dyn FnMut(&'t Node, &Path<'t>) -> bool,
) {
    let node = &tree.nodes[id];
    if !f(node, path) {
        return;
    }
    for o in &node.options {
        path.push((node, o));
        walk(tree, &o.next, path, f);
        path.pop();
    }
}

/// Obstacles flagged along a path (by weight) and the steps that address them (in step order).
fn outcome(site: &Site, result: &Node, path: &[(&Node, &Answer)]) -> (Vec<String>, Vec<String>) {
    let flagged: BTreeSet<&str> = path
        .iter()
        .flat_map(|(_, o)| o.obstacles.iter())
        .chain(result.obstacles.iter())
        .map(String::as_str)
        .collect();
    let obstacles: Vec<String> = site
        .obstacles
        .iter()
        .filter(|k| flagged.contains(k.id.as_str()))
        .map(|k| k.id.clone())
        .collect();
    let steps = site
        .steps
        .iter()
        .filter(|k| {
            result.always_steps.contains(&k.id)
                || site
                    .entry(k)
                    .addresses
                    .iter()
                    .any(|a| flagged.contains(a.as_str()))
        })
        .map(|k| k.id.clone())
        .collect();
    (obstacles, steps)
}

// ---------------------------------------------------------------------------------------------
// Pages

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
    obstacles: Vec<Link>,
    steps: Vec<Link>,
    overview: Vec<OverviewNode>,
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
pub fn render(
    tree: &DecisionTree,
    site: &Site,
    theme: &Theme,
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
            obstacles: Vec::new(),
            steps: Vec::new(),
            overview: Vec::new(),
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
        let common = Common::new(site, theme, lang, &base, Place::Page(&index_key), false);
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
        let nav = site.nav();
        let path_page = |(node, path): &(&Node, Vec<(&Node, &Answer)>)| {
            let path = path.as_slice();
            let url = path_url(&base, lang, path);
            let same_path = |l: &str| path_url(&base_in(l), l, path);
            let place = Place::Custom(&same_path);
            let mut common = Common::with_nav(site, theme, lang, &url, place, false, &nav);
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
                let (obstacles, steps) = outcome(site, node, path);
                view.obstacles = obstacles
                    .iter()
                    .map(|id| link(site, &Key::new("obstacles", id), lang, &root))
                    .collect();
                view.steps = steps
                    .iter()
                    .map(|id| link(site, &Key::new("steps", id), lang, &root))
                    .collect();
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
        let common = Common::new(site, theme, lang, &overview, Place::Custom(&same), false);
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
                            target_title: tree.nodes[&o.next].heading(lang).to_string(),
                        })
                        .collect(),
                }
            })
            .collect();
        view.svg_url = "tree.svg".into();
        view.svg_dark_url = "tree-dark.svg".into();
        view.svg_alt = theme.string(lang, "diagnostic_svg_alt").to_string();
        // Two files rather than one with a stylesheet: no inline <style>, so the diagram lives
        // under the site's one Content-Security-Policy (see netlify.toml).
        for (file, palette) in [
            (&view.svg_url, &crate::tree_svg::LIGHT),
            (&view.svg_dark_url, &crate::tree_svg::DARK),
        ] {
            let svg = crate::tree_svg::draw(
                tree,
                lang,
                &order(tree),
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

fn push(out: &mut Output, problems: &mut Diagnostics, path: String, r: Result<String, Diagnostic>) {
    match r {
        Ok(html) => {
            out.insert(path, html.into_bytes());
        }
        Err(d) => problems.push(d),
    }
}

/// Node ids breadth-first from the start: the reading order of the overview.
pub fn order(tree: &DecisionTree) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([tree.start.clone()]);
    let mut list = Vec::new();
    while let Some(id) = queue.pop_front() {
        if seen.insert(id.clone()) {
            queue.extend(tree.nodes[&id].options.iter().map(|o| o.next.clone()));
            list.push(id);
        }
    }
    list
}

fn flow_json(tree: &DecisionTree, lang: &str) -> String {
    let nodes: Vec<serde_json::Value> = order(tree)
        .iter()
        .map(|id| {
            let n = &tree.nodes[id];
            serde_json::json!({
                "id": n.id,
                "kind": n.kind,
                "text": n.text.get(lang),
                "obstacles": n.obstacles,
                "always_steps": n.always_steps,
                "options": n.options.iter().map(|o| serde_json::json!({
                    "id": o.id,
                    "label": o.label.get(lang),
                    "slug": o.slug.get(lang),
                    "next": o.next,
                    "obstacles": o.obstacles,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let flow = serde_json::json!({ "lang": lang, "start": tree.start, "nodes": nodes });
    serde_json::to_string_pretty(&flow).expect("json") + "\n"
}
