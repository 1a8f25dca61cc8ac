//! The diagnostic (decision tree) against its contract, `DIAGNOSTIC.md`: the real content
//! crawled as a reader without JavaScript (only `a.answer` links, in both languages, checking
//! the HTML hooks, Back, Start again, Change, the language switch, `noindex`, `flow.json` and
//! results assembled from the obstacle and step pages); one invalid case per validation rule in
//! `tests/fixtures/diagnostic-invalid/<case>/`, laid over the `basic` and `diagnostic` fixtures,
//! each failing with its exact located message and writing nothing; the overview SVG parsed as
//! XML; and a site without a diagnostic.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use common::{
    assert_same_tree, attrs, broken_links, fixture, page, resolve, sel, snapshot, text_of, Run,
    Site,
};
use scraper::{ElementRef, Html};
use serde_json::Value;

const LANGS: [&str; 2] = ["fr", "en"];

fn other(lang: &str) -> &'static str {
    if lang == "fr" {
        "en"
    } else {
        "fr"
    }
}

// ---------------------------------------------------------------------------------------------
// The playbook pages, read from the content (the single source of truth for results)

/// One obstacle or step: its title per language, `weight` / `order`, an obstacle's
/// `priority` and a step's `addresses`.
#[derive(Debug, Default)]
struct Entry {
    titles: BTreeMap<String, String>,
    order: i64,
    priority: Option<i64>,
    addresses: Vec<String>,
}

/// The obstacles and steps of a site's `content/`, by id.
struct Playbook {
    obstacles: BTreeMap<String, Entry>,
    steps: BTreeMap<String, Entry>,
}

/// The TOML front matter of a content file (`+++` fences).
fn front_matter(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let rest = text
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("{}: expected TOML front matter", path.display()));
    let end = rest.find("\n+++").expect("closing +++");
    toml::from_str(&rest[..end]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_section(content: &Path, section: &str, number: &str) -> BTreeMap<String, Entry> {
    let mut out: BTreeMap<String, Entry> = BTreeMap::new();
    for file in std::fs::read_dir(content.join(section)).unwrap() {
        let name = file.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        let Some((id, lang)) = stem.rsplit_once('.') else {
            continue;
        };
        if id == "_index" {
            continue;
        }
        let front = front_matter(&content.join(section).join(&name));
        let entry = out.entry(id.to_string()).or_default();
        entry.titles.insert(
            lang.to_string(),
            front["title"].as_str().unwrap().to_string(),
        );
        if let Some(n) = front.get(number).and_then(|v| v.as_integer()) {
            entry.order = n;
        }
        if let Some(n) = front.get("priority").and_then(|v| v.as_integer()) {
            entry.priority = Some(n);
        }
        if let Some(list) = front.get("addresses").and_then(|v| v.as_array()) {
            entry.addresses = list
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
        }
    }
    out
}

fn playbook(content: &Path) -> Playbook {
    Playbook {
        obstacles: read_section(content, "obstacles", "weight"),
        steps: read_section(content, "steps", "order"),
    }
}

// ---------------------------------------------------------------------------------------------
// Crawling

/// The single value of `attr` on `<main id="main">`.
fn main_attr(html: &Html, attr: &str) -> String {
    let values = attrs(html, "main#main", attr);
    assert_eq!(
        values.len(),
        1,
        "one <main id=main {attr}=…>, got {values:?}"
    );
    values[0].clone()
}

/// The one element matching `css`; its `href` resolved from `from`: (file, anchor).
fn one_link(html: &Html, from: &str, css: &str) -> (String, Option<String>) {
    let hrefs = attrs(html, css, "href");
    assert_eq!(
        hrefs.len(),
        1,
        "{from}: expected one `{css}`, got {hrefs:?}"
    );
    resolve(from, &hrefs[0], "/").unwrap_or_else(|| panic!("{from}: `{css}` leaves the site"))
}

/// The `<main>` attributes of a diagnostic page.
const HOOKS: [&str; 3] = [
    "data-diagnostic-kind",
    "data-diagnostic-node",
    "data-diagnostic-path",
];

/// What the crawl needs to know of a page it links to: its `<h1>`, its `<main>` hooks and its
/// answers (`id` → `data-option`). Read once per page and thread: the real diagnostic has
/// hundreds of pages, each linking to a dozen others.
struct Facts {
    h1: String,
    hooks: [Option<String>; 3],
    answers: BTreeMap<String, String>,
}

thread_local! {
    static FACTS: std::cell::RefCell<BTreeMap<std::path::PathBuf, std::rc::Rc<Facts>>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

fn facts(public: &Path, rel: &str) -> std::rc::Rc<Facts> {
    let key = public.join(rel);
    if let Some(f) = FACTS.with(|c| c.borrow().get(&key).cloned()) {
        return f;
    }
    let html = page(public, rel);
    let hook = |h: &str| attrs(&html, "main#main", h).into_iter().next();
    let f = std::rc::Rc::new(Facts {
        h1: h1(&html),
        hooks: [hook(HOOKS[0]), hook(HOOKS[1]), hook(HOOKS[2])],
        answers: html
            .select(&sel("a.answer[id]"))
            .filter_map(|a| {
                Some((
                    a.value().attr("id")?.to_string(),
                    a.value().attr("data-option")?.to_string(),
                ))
            })
            .collect(),
    });
    FACTS.with(|c| c.borrow_mut().insert(key, f.clone()));
    f
}

/// Text with runs of white space (including the no-break spaces of French typography) as one
/// space.
fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The page's `<h1>`, normalized.
fn h1(html: &Html) -> String {
    normalize(&text_of(html, "main h1").unwrap_or_default())
}

fn element_text(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text of the first element matching `css` inside `el`, normalized.
fn text_of_el(el: ElementRef, css: &str) -> String {
    el.select(&sel(css))
        .next()
        .map(element_text)
        .unwrap_or_default()
}

/// One answer on the way to a page: the question asked, its page, the option chosen.
#[derive(Clone, Debug)]
struct Step {
    node: String,
    page: String,
    option: String,
    slug: String,
}

/// What the crawl found for one page under `/{lang}/diagnostic/q/`.
#[derive(Debug)]
struct Visited {
    kind: String,
    node: String,
    path: String,
    /// The file the language switch leads to.
    switch: String,
    /// A result page's content.
    shown: Option<Shown>,
}

/// The parsed `flow.json` of a language, nodes by id, and the rule results in the order they
/// are tried.
struct Flow {
    start: String,
    nodes: BTreeMap<String, Value>,
    rules: Vec<String>,
}

/// The `next` of an answer that lets the rules choose the result.
const BY_RULES: &str = "result";

fn flow(public: &Path, lang: &str) -> Flow {
    let rel = format!("{lang}/diagnostic/flow.json");
    let text = std::fs::read_to_string(public.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(json["lang"], lang, "{rel}: lang");
    let nodes: BTreeMap<String, Value> = json["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("node id").to_string(), n.clone()))
        .collect();
    let start = json["start"].as_str().expect("start").to_string();
    assert!(
        nodes.contains_key(&start),
        "{rel}: start `{start}` is a node"
    );
    for n in nodes.values() {
        for o in n["options"].as_array().expect("options") {
            let next = o["next"].as_str().expect("next");
            assert!(
                next == BY_RULES || nodes.contains_key(next),
                "{rel}: next `{next}` is a node"
            );
        }
    }
    let rules = strings(&json["rules"]);
    for id in &rules {
        assert_eq!(
            nodes[id]["kind"], "result",
            "{rel}: rule `{id}` is a result"
        );
    }
    Flow {
        start,
        nodes,
        rules,
    }
}

/// What the answers of a trail say: obstacles flagged, and those left to check (flagged wins).
#[derive(Debug, Clone, Default, PartialEq)]
struct Situation {
    flagged: BTreeSet<String>,
    to_check: BTreeSet<String>,
}

fn situation(flow: &Flow, trail: &[Step]) -> Situation {
    let mut s = Situation::default();
    for step in trail {
        let o = flow.nodes[&step.node]["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == step.option.as_str())
            .expect("the option chosen");
        s.flagged.extend(strings(&o["obstacles"]));
        s.to_check.extend(strings(&o["to_check"]));
    }
    s.to_check = &s.to_check - &s.flagged;
    s
}

/// The result the rules of flow.json choose after `trail`: the first whose `when` holds.
fn chosen_by_rules(flow: &Flow, trail: &[Step]) -> String {
    let s = situation(flow, trail);
    let n = s.flagged.len();
    let count = |w: &Value, key: &str| w[key].as_u64().map(|v| v as usize);
    for id in &flow.rules {
        let w = &flow.nodes[id]["when"];
        let holds = strings(&w["flagged"]).iter().all(|o| s.flagged.contains(o))
            && {
                let any = strings(&w["flagged_any"]);
                any.is_empty() || any.iter().any(|o| s.flagged.contains(o))
            }
            && !strings(&w["not_flagged"])
                .iter()
                .any(|o| s.flagged.contains(o))
            && count(w, "flagged_at_least").is_none_or(|k| n >= k)
            && count(w, "flagged_at_most").is_none_or(|k| n <= k)
            && count(w, "to_check_at_least").is_none_or(|k| s.to_check.len() >= k)
            && strings(&w["answered"]).iter().all(|a| {
                trail
                    .iter()
                    .any(|t| format!("{}={}", t.node, t.option) == *a)
            });
        if holds {
            return id.clone();
        }
    }
    panic!("no rule of flow.json matches {trail:?}");
}

fn heading(node: &Value) -> String {
    let key = if node["kind"] == "question" {
        "question"
    } else {
        "title"
    };
    node["text"][key].as_str().expect("heading").to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Follows only `a.answer` links from `/{lang}/diagnostic/q/`, checking every page on the way
/// against the contract. Returns the pages by file.
fn crawl(public: &Path, lang: &str, book: &Playbook) -> BTreeMap<String, Visited> {
    let flow = flow(public, lang);
    let start_page = format!("{lang}/diagnostic/index.html");
    let first = format!("{lang}/diagnostic/q/index.html");

    // The start page leads to the first question.
    let html = page(public, &start_page);
    assert_eq!(main_attr(&html, "data-diagnostic-kind"), "start");
    assert_eq!(main_attr(&html, "data-diagnostic-node"), flow.start);
    assert_eq!(
        one_link(&html, &start_page, "main a.start-diagnostic").0,
        first
    );

    let mut visited: BTreeMap<String, Visited> = BTreeMap::new();
    let mut queue: VecDeque<(String, Vec<Step>, Option<String>)> =
        VecDeque::from([(first.clone(), Vec::new(), None)]);
    while let Some((rel, trail, expected_node)) = queue.pop_front() {
        assert!(
            public.join(&rel).is_file(),
            "an answer leads to {rel}, which does not exist"
        );
        assert!(
            !visited.contains_key(&rel),
            "two paths lead to the same page {rel}"
        );
        let html = page(public, &rel);
        let kind = main_attr(&html, "data-diagnostic-kind");
        let node = main_attr(&html, "data-diagnostic-node");
        let path = main_attr(&html, "data-diagnostic-path");
        let f = flow
            .nodes
            .get(&node)
            .unwrap_or_else(|| panic!("{rel}: node `{node}` is not in flow.json"));
        assert_eq!(kind, f["kind"].as_str().unwrap(), "{rel}: kind of `{node}`");
        match &expected_node {
            Some(next) => assert_eq!(
                &node, next,
                "{rel}: flow.json says the answer leads to `{next}`"
            ),
            None => assert_eq!(node, flow.start, "{rel}: the first question"),
        }
        let expected_path: Vec<String> = trail
            .iter()
            .map(|s| format!("{}={}", s.node, s.option))
            .collect();
        assert_eq!(path, expected_path.join("&"), "{rel}: data-diagnostic-path");
        let expected_url = format!(
            "{lang}/diagnostic/q/{}index.html",
            trail
                .iter()
                .map(|s| format!("{}/", s.slug))
                .collect::<String>()
        );
        assert_eq!(rel, expected_url, "the URL is the answers' slugs");
        assert_eq!(h1(&html), normalize(&heading(f)), "{rel}: <h1>");
        let main_text = html
            .select(&sel("main"))
            .next()
            .map(element_text)
            .unwrap_or_default();
        for key in ["hint", "intro"] {
            if let Some(text) = f["text"][key].as_str() {
                assert!(
                    main_text.contains(&normalize(text)),
                    "{rel}: shows the {key}"
                );
            }
        }

        // Path pages are not for search engines.
        let robots = attrs(&html, "meta[name=robots]", "content");
        assert!(
            robots.iter().any(|c| c.contains("noindex")),
            "{rel}: a path page carries noindex, got {robots:?}"
        );

        // Back, Start again.
        let back = one_link(&html, &rel, "a.back-link").0;
        let expected_back = trail.last().map_or(start_page.clone(), |s| s.page.clone());
        assert_eq!(back, expected_back, "{rel}: Back");
        assert_eq!(
            one_link(&html, &rel, "a.start-again").0,
            first,
            "{rel}: Start again"
        );

        // Change: one per earlier answer, to the page that asked, at the answer given.
        let changes: Vec<ElementRef> = html.select(&sel("a[data-change-for]")).collect();
        assert_eq!(
            changes.len(),
            trail.len(),
            "{rel}: one Change link per answer"
        );
        for (a, step) in changes.iter().zip(&trail) {
            assert_eq!(
                a.value().attr("data-change-for"),
                Some(step.node.as_str()),
                "{rel}"
            );
            let href = a.value().attr("href").unwrap();
            let (target, anchor) = resolve(&rel, href, "/").unwrap();
            assert_eq!(target, step.page, "{rel}: Change for `{}`", step.node);
            let anchor = anchor.unwrap_or_default();
            assert_eq!(
                anchor,
                format!("answer-{}", step.slug),
                "{rel}: Change anchor"
            );
            let options = facts(public, &target).answers.get(&anchor).cloned();
            assert_eq!(
                options,
                Some(step.option.clone()),
                "{rel}: Change → {target}#{anchor} is the earlier answer"
            );
        }

        // The language switch: same node, same path.
        let switch = one_link(
            &html,
            &rel,
            &format!("nav.lang-switch a[hreflang={}]", other(lang)),
        )
        .0;
        assert!(
            public.join(&switch).is_file(),
            "{rel}: language switch → missing {switch}"
        );
        let there = facts(public, &switch);
        for (i, hook) in HOOKS.iter().enumerate() {
            assert_eq!(
                there.hooks[i].as_deref(),
                Some(main_attr(&html, hook).as_str()),
                "{rel} → {switch}: {hook}"
            );
        }

        let answers: Vec<ElementRef> = html.select(&sel("main a.answer")).collect();
        let options = f["options"].as_array().unwrap();
        let mut shown = None;
        if kind == "question" {
            assert!(
                answers.len() >= 2,
                "{rel}: a question has at least two answers"
            );
            assert_eq!(
                html.select(&sel("main fieldset > legend > h1")).count(),
                1,
                "{rel}: the question is the legend's <h1>"
            );
            assert_eq!(
                answers.len(),
                options.len(),
                "{rel}: answers as in flow.json"
            );
            for (a, o) in answers.iter().zip(options) {
                let slug = o["slug"].as_str().unwrap();
                assert_eq!(a.value().attr("data-option"), o["id"].as_str(), "{rel}");
                assert_eq!(
                    a.value().attr("id"),
                    Some(format!("answer-{slug}").as_str()),
                    "{rel}"
                );
                assert_eq!(
                    element_text(*a),
                    normalize(o["label"].as_str().unwrap()),
                    "{rel}: label"
                );
                assert!(
                    a.ancestors()
                        .filter_map(ElementRef::wrap)
                        .any(|p| p.value().name() == "fieldset"),
                    "{rel}: answers sit in the fieldset"
                );
                let (target, anchor) = resolve(&rel, a.value().attr("href").unwrap(), "/")
                    .expect("an answer stays on the site");
                assert_eq!(anchor, None, "{rel}: an answer is a plain link");
                let mut next = trail.clone();
                next.push(Step {
                    node: node.clone(),
                    page: rel.clone(),
                    option: o["id"].as_str().unwrap().to_string(),
                    slug: slug.to_string(),
                });
                let expected = match o["next"].as_str().unwrap() {
                    BY_RULES => chosen_by_rules(&flow, &next),
                    id => id.to_string(),
                };
                queue.push_back((target, next, Some(expected)));
            }
        } else {
            assert!(answers.is_empty(), "{rel}: a result has no answers");
            assert!(
                options.is_empty(),
                "{rel}: a result has no options in flow.json"
            );
            shown = Some(check_result(
                public, lang, &rel, &html, &trail, &flow, f, book,
            ));
        }
        visited.insert(
            rel,
            Visited {
                kind,
                node,
                path,
                switch,
                shown,
            },
        );
    }

    // Every path page was reached, every node of the flow too.
    let written: BTreeSet<String> = snapshot(&public.join(format!("{lang}/diagnostic/q")))
        .into_keys()
        .map(|k| format!("{lang}/diagnostic/q/{k}"))
        .collect();
    let reached: BTreeSet<String> = visited.keys().cloned().collect();
    assert_eq!(
        written, reached,
        "{lang}: path pages written vs reached by answers"
    );
    let reached_nodes: BTreeSet<&str> = visited.values().map(|v| v.node.as_str()).collect();
    let all_nodes: BTreeSet<&str> = flow.nodes.keys().map(String::as_str).collect();
    assert_eq!(
        reached_nodes, all_nodes,
        "{lang}: every node (every result) is reachable"
    );
    visited
}

/// What a result page showed, by id.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    tone: String,
    situation: Situation,
    /// Flagged, then to check, each most blocking first.
    obstacles: Vec<String>,
    to_check: Vec<String>,
    /// Inside `[data-priority-steps]`, then after it.
    start: Vec<String>,
    then: Vec<String>,
}

/// Obstacle ids from the one that blocks the most: by `priority`, then the others by weight.
fn ranking(book: &Playbook) -> Vec<String> {
    let mut ids: Vec<(&String, &Entry)> = book.obstacles.iter().collect();
    ids.sort_by_key(|(id, e)| (e.priority.unwrap_or(i64::MAX), e.order, (*id).clone()));
    ids.into_iter().map(|(id, _)| id.clone()).collect()
}

/// Step ids in playbook order.
fn in_playbook_order(book: &Playbook, ids: &[String]) -> Vec<String> {
    let mut list: Vec<(&String, &Entry)> = book
        .steps
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .collect();
    list.sort_by_key(|(_, e)| e.order);
    list.into_iter().map(|(id, _)| id.clone()).collect()
}

/// A result page: the obstacles flagged on the way and those left to check, most blocking
/// first, each linking to its page; at most three steps to start with inside the one
/// `[data-priority-steps]` element and the other relevant steps after it, each group in
/// playbook order (the list README describes: obstacle by obstacle, most blocking first, then
/// the result's `always_steps`); a `data-result-tone` that fits the answers.
#[allow(clippy::too_many_arguments)]
fn check_result(
    public: &Path,
    lang: &str,
    rel: &str,
    html: &Html,
    trail: &[Step],
    flow: &Flow,
    result: &Value,
    book: &Playbook,
) -> Shown {
    let mut sit = situation(flow, trail);
    sit.flagged.extend(strings(&result["obstacles"]));
    sit.to_check = &sit.to_check - &sit.flagged;
    let ranked = ranking(book);
    let flagged: Vec<String> = ranked
        .iter()
        .filter(|o| sit.flagged.contains(*o))
        .cloned()
        .collect();
    let to_check: Vec<String> = ranked
        .iter()
        .filter(|o| sit.to_check.contains(*o))
        .cloned()
        .collect();
    let mut list: Vec<String> = Vec::new();
    for o in flagged.iter().chain(&to_check) {
        let addressing: Vec<String> = book
            .steps
            .iter()
            .filter(|(_, e)| e.addresses.contains(o))
            .map(|(id, _)| id.clone())
            .collect();
        for id in in_playbook_order(book, &addressing) {
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    for id in in_playbook_order(book, &strings(&result["always_steps"])) {
        if !list.contains(&id) {
            list.push(id);
        }
    }
    let cut = list.len().min(3);
    let expected_start = in_playbook_order(book, &list[..cut]);
    let expected_then = in_playbook_order(book, &list[cut..]);
    let expected_tone = if !sit.flagged.is_empty() {
        "obstacles"
    } else if !sit.to_check.is_empty() {
        "check"
    } else {
        "clear"
    };
    let tone = main_attr(html, "data-result-tone");
    assert_eq!(tone, expected_tone, "{rel}: data-result-tone for {sit:?}");
    assert_eq!(
        result["tone"].as_str(),
        Some(expected_tone),
        "{rel}: the result's tone in flow.json"
    );

    let check_link =
        |el: ElementRef, css: &str, section: &str, entries: &BTreeMap<String, Entry>| {
            let id = el.value().attr(css).unwrap().to_string();
            let entry = entries
                .get(&id)
                .unwrap_or_else(|| panic!("{rel}: {css}=\"{id}\" is not a page of {section}/"));
            let a = el.select(&sel("a[href]")).next().expect("a link");
            let (target, _) = resolve(rel, a.value().attr("href").unwrap(), "/").unwrap();
            assert!(
                target.starts_with(&format!("{lang}/")) && public.join(&target).is_file(),
                "{rel}: {id} → {target} is not a {section} page"
            );
            let title = normalize(&entry.titles[lang]);
            assert_eq!(
                facts(public, &target).h1,
                title,
                "{rel}: {id} links to its own page"
            );
            assert!(element_text(a).ends_with(&title), "{rel}: {id} link text");
            if section == "steps" {
                assert_eq!(
                    text_of_el(el, ".step-number"),
                    entry.order.to_string(),
                    "{rel}: number of step {id}"
                );
            }
            id
        };
    let ids = |css: &str, attr: &str, section: &str, entries: &BTreeMap<String, Entry>| {
        html.select(&sel(css))
            .map(|el| check_link(el, attr, section, entries))
            .collect::<Vec<String>>()
    };
    let obstacles = ids(
        "main [data-obstacle]:not([data-to-check])",
        "data-obstacle",
        "obstacles",
        &book.obstacles,
    );
    let checks = ids(
        "main [data-obstacle][data-to-check]",
        "data-obstacle",
        "obstacles",
        &book.obstacles,
    );
    let boxes: Vec<ElementRef> = html.select(&sel("main [data-priority-steps]")).collect();
    assert_eq!(boxes.len(), 1, "{rel}: one [data-priority-steps]");
    let start: Vec<String> = boxes[0]
        .select(&sel("[data-step]"))
        .map(|el| check_link(el, "data-step", "steps", &book.steps))
        .collect();
    let all = ids("main [data-step]", "data-step", "steps", &book.steps);
    assert!(
        start.len() <= 3,
        "{rel}: {} steps to start with",
        start.len()
    );
    assert_eq!(
        all[..start.len()],
        start[..],
        "{rel}: the steps to start with come first"
    );
    let then = all[start.len()..].to_vec();
    assert_eq!(
        obstacles, flagged,
        "{rel}: the obstacles flagged, most blocking first"
    );
    assert_eq!(
        checks, to_check,
        "{rel}: the obstacles to check, most blocking first"
    );
    assert_eq!(start, expected_start, "{rel}: the steps to start with");
    assert_eq!(then, expected_then, "{rel}: the steps after them");
    Shown {
        tone,
        situation: sit,
        obstacles,
        to_check: checks,
        start,
        then,
    }
}

fn real_built() -> Site {
    let site = Site::real();
    site.build_ok();
    site
}

#[test]
fn real_diagnostic_read_without_javascript() {
    let site = real_built();
    let public = site.public();
    let book = playbook(&site.path("content"));
    let crawls: BTreeMap<&str, BTreeMap<String, Visited>> = LANGS
        .iter()
        .map(|l| (*l, crawl(&public, l, &book)))
        .collect();

    for lang in LANGS {
        let here = &crawls[lang];
        let there = &crawls[other(lang)];
        assert_eq!(
            here.len(),
            there.len(),
            "as many path pages in both languages"
        );
        // The language switch of every path page lands on the page the other language's
        // reader reaches by the same answers.
        for (rel, v) in here {
            let w = there
                .get(&v.switch)
                .unwrap_or_else(|| panic!("{rel}: language switch → {} not a path page", v.switch));
            assert_eq!(
                (&w.kind, &w.node, &w.path),
                (&v.kind, &v.node, &v.path),
                "{rel}"
            );
            assert_eq!(&w.switch, rel, "{rel}: switching back returns here");
            assert_eq!(&w.shown, &v.shown, "{rel}: same result");
        }
        let results: BTreeSet<&str> = here
            .values()
            .filter(|v| v.kind == "result")
            .map(|v| v.node.as_str())
            .collect();
        let questions: BTreeSet<&str> = here
            .values()
            .filter(|v| v.kind == "question")
            .map(|v| v.node.as_str())
            .collect();
        println!(
            "{lang}: {} questions, {} results, {} path pages ({} result pages)",
            questions.len(),
            results.len(),
            here.len(),
            here.values().filter(|v| v.kind == "result").count()
        );
    }
}

#[test]
fn real_content_is_a_short_branching_tree_covering_the_playbook() {
    let site = real_built();
    let public = site.public();
    let book = playbook(&site.path("content"));
    assert_eq!(book.obstacles.len(), 5, "the five obstacles");
    assert_eq!(book.steps.len(), 8, "the eight steps");
    for lang in LANGS {
        let flow = flow(&public, lang);
        let questions: Vec<&Value> = flow
            .nodes
            .values()
            .filter(|n| n["kind"] == "question")
            .collect();
        assert!(
            (5..=7).contains(&questions.len()),
            "{lang}: 5 to 7 questions, got {}",
            questions.len()
        );
        let branches = questions
            .iter()
            .filter(|q| {
                let targets: BTreeSet<&str> = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["next"].as_str().unwrap())
                    .collect();
                targets.len() > 1
            })
            .count();
        assert!(
            branches >= 1,
            "{lang}: at least one question whose answers lead apart"
        );

        let visited = crawl(&public, lang, &book);
        let results: Vec<&Shown> = visited.values().filter_map(|v| v.shown.as_ref()).collect();
        let obstacles: BTreeSet<&String> = results
            .iter()
            .flat_map(|r| r.obstacles.iter().chain(&r.to_check))
            .collect();
        let steps: BTreeSet<&String> = results
            .iter()
            .flat_map(|r| r.start.iter().chain(&r.then))
            .collect();
        assert_eq!(
            obstacles,
            book.obstacles.keys().collect(),
            "{lang}: the results together show every obstacle"
        );
        assert_eq!(
            steps,
            book.steps.keys().collect(),
            "{lang}: the results together show every step"
        );
    }
    // No warning about unused obstacles or steps either.
    let run = site.run(&["check"]);
    run.assert_code(0);
    assert!(
        !run.stderr.contains("no path of the diagnostic"),
        "{}",
        run.stderr
    );
}

/// The rules README states for results, checked on every path of the real content: at most
/// three steps to start with; a result never says things work while obstacles are flagged or
/// left to check, and says nothing is certain when only checks remain; every step to start
/// with deals with what the answers say (or is one of the result's `always_steps`); none is
/// preceded in the playbook by a step left out that deals with the same or a more blocking
/// obstacle; and when obstacles are flagged, the first step to start with deals with the most
/// blocking of them.
#[test]
fn real_results_start_with_at_most_three_steps_in_dependency_order() {
    let site = real_built();
    let public = site.public();
    let book = playbook(&site.path("content"));
    let ranked = ranking(&book);
    let rank = |o: &str| ranked.iter().position(|r| r == o).expect("an obstacle");
    for lang in LANGS {
        let flow = flow(&public, lang);
        let visited = crawl(&public, lang, &book);
        let mut tones: BTreeMap<String, usize> = BTreeMap::new();
        for (rel, v) in &visited {
            let Some(r) = &v.shown else { continue };
            *tones.entry(r.tone.clone()).or_default() += 1;
            let sit = &r.situation;
            assert!(
                r.start.len() <= 3,
                "{rel}: more than three steps to start with"
            );
            let tone = flow.nodes[&v.node]["tone"].as_str().unwrap();
            match tone {
                "clear" => assert!(
                    sit.flagged.is_empty() && sit.to_check.is_empty(),
                    "{rel}: `{}` says things work, but the answers say {sit:?}",
                    v.node
                ),
                "check" => assert!(
                    sit.flagged.is_empty() && !sit.to_check.is_empty(),
                    "{rel}: `{}` says only checks remain, but the answers say {sit:?}",
                    v.node
                ),
                _ => assert!(
                    !sit.flagged.is_empty(),
                    "{rel}: `{}` speaks of obstacles, but the answers flag none",
                    v.node
                ),
            }
            if !sit.flagged.is_empty() {
                assert!(
                    !r.start.is_empty(),
                    "{rel}: obstacles flagged, nothing to start with"
                );
                let worst = sit.flagged.iter().min_by_key(|o| rank(o)).unwrap();
                assert!(
                    book.steps[&r.start[0]].addresses.contains(worst)
                        || r.start
                            .iter()
                            .any(|s| book.steps[s].addresses.contains(worst)),
                    "{rel}: no step to start with deals with `{worst}`, the most blocking obstacle"
                );
            }
            // The rank of the reason a step is there: its most blocking flagged obstacle, then
            // its most blocking one to check (after every flagged one), then being one of the
            // result's `always_steps` (after everything); none for a step that has no reason.
            let always = strings(&flow.nodes[&v.node]["always_steps"]);
            let n = ranked.len();
            let reason = |step: &str| -> Option<usize> {
                let addresses = &book.steps[step].addresses;
                let flagged = addresses
                    .iter()
                    .filter(|o| sit.flagged.contains(*o))
                    .map(|o| rank(o))
                    .min();
                let check = addresses
                    .iter()
                    .filter(|o| sit.to_check.contains(*o))
                    .map(|o| n + rank(o))
                    .min();
                flagged
                    .or(check)
                    .or(always.iter().any(|a| a == step).then_some(2 * n))
            };
            for s in &r.start {
                let Some(mine) = reason(s) else {
                    panic!("{rel}: `{s}` deals with nothing the answers say");
                };
                let order = book.steps[s].order;
                for (t, e) in &book.steps {
                    if e.order < order && reason(t).is_some_and(|theirs| theirs <= mine) {
                        assert!(
                            r.start.contains(t),
                            "{rel}: `{s}` is a step to start with, but `{t}` comes before it in the playbook and deals with an obstacle as blocking: {:?}",
                            r.start
                        );
                    }
                }
            }
        }
        println!("{lang}: result pages by tone {tones:?}");
        for tone in ["clear", "check", "obstacles"] {
            assert!(
                tones.contains_key(tone),
                "{lang}: no path leads to a `{tone}` result"
            );
        }
    }
}

/// The questions allow "partly / I don't know" answers that leave an obstacle to check, and one
/// asks whether the accounts were handed to an apprentice (the trap of the source), flagging
/// the lack of experienced staff.
#[test]
fn real_questions_allow_dont_know_and_ask_about_apprentices() {
    let site = real_built();
    let public = site.public();
    for lang in LANGS {
        let flow = flow(&public, lang);
        let options: Vec<&Value> = flow
            .nodes
            .values()
            .flat_map(|n| n["options"].as_array().unwrap())
            .collect();
        let open = options
            .iter()
            .filter(|o| !strings(&o["to_check"]).is_empty())
            .count();
        assert!(
            open >= 3,
            "{lang}: {open} answers leave an obstacle to check"
        );
        let word = if lang == "fr" {
            "apprenti"
        } else {
            "apprentice"
        };
        let apprentice =
            flow.nodes.values().any(|n| {
                n["kind"] == "question"
                    && heading(n).contains(word)
                    && n["options"].as_array().unwrap().iter().any(|o| {
                        strings(&o["obstacles"]).contains(&"experienced-staff".to_string())
                    })
            });
        assert!(
            apprentice,
            "{lang}: no question about handing the accounts to an {word}"
        );
    }
}

#[test]
fn path_pages_are_noindex_even_on_an_indexed_site() {
    let site = Site::real();
    let settings = site.read("content/site.toml");
    site.write("content/site.toml", format!("noindex = false\n{settings}"));
    site.build_ok();
    let public = site.public();
    let robots = |rel: &str| attrs(&page(&public, rel), "meta[name=robots]", "content").join(" ");
    for lang in LANGS {
        assert!(!robots(&format!("{lang}/diagnostic/index.html")).contains("noindex"));
        for (rel, _) in snapshot(&public.join(format!("{lang}/diagnostic/q"))) {
            let rel = format!("{lang}/diagnostic/q/{rel}");
            assert!(robots(&rel).contains("noindex"), "{rel} lacks noindex");
        }
        // Nor are they offered to search engines or to the site search.
        let index = snapshot(&public.join(format!("{lang}/search-index")));
        assert!(index.contains_key("index.js"), "no search index for {lang}");
        let sitemap = std::fs::read(public.join("sitemap.xml")).unwrap();
        for (file, bytes) in index.iter().chain([(&"sitemap.xml".to_string(), &sitemap)]) {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains("diagnostic/q/"), "{file} lists path pages");
        }
    }
}

#[test]
fn real_diagnostic_links_resolve() {
    let site = real_built();
    let public = site.public();
    let problems: Vec<String> = broken_links(&public, "/")
        .into_iter()
        .filter(|p| p.contains("/diagnostic/"))
        .collect();
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    // The optional script is a file: no inline script, style or handler on any page of it.
    let inline: Vec<String> = common::csp_violations(&public)
        .into_iter()
        .filter(|p| p.contains("/diagnostic/"))
        .collect();
    assert!(inline.is_empty(), "{inline:?}");
    for lang in LANGS {
        // The start page and the overview switch language too, and the start page offers the
        // overview.
        let start = format!("{lang}/diagnostic/index.html");
        let html = page(&public, &start);
        let switch = one_link(
            &html,
            &start,
            &format!("nav.lang-switch a[hreflang={}]", other(lang)),
        );
        assert_eq!(switch.0, format!("{}/diagnostic/index.html", other(lang)));
        let overview = overview_page(&public, lang);
        let links: Vec<String> = attrs(&html, "main a[href]", "href")
            .iter()
            .filter_map(|h| resolve(&start, h, "/").map(|r| r.0))
            .collect();
        assert!(
            links.contains(&overview),
            "{start} links to the overview {overview}"
        );
        let there = one_link(
            &page(&public, &overview),
            &overview,
            &format!("nav.lang-switch a[hreflang={}]", other(lang)),
        )
        .0;
        assert_eq!(
            there,
            overview_page(&public, other(lang)),
            "{overview}: language switch"
        );
        let back = one_link(&page(&public, &overview), &overview, "a.back-link").0;
        assert_eq!(back, start, "{overview}: Back leads to the start page");
    }
}

#[test]
fn site_without_a_diagnostic_builds_without_one() {
    let site = Site::from_fixture("basic");
    assert!(!site.path("content/diagnostic").exists());
    site.build_ok();
    let public = site.public();
    let files = snapshot(&public);
    // (The theme's static files, `diagnostic.js` among them, are always copied.)
    let diagnostic: Vec<&String> = files
        .keys()
        .filter(|k| k.contains("diagnostic") && !k.starts_with("assets/"))
        .collect();
    assert!(
        diagnostic.is_empty(),
        "diagnostic files written: {diagnostic:?}"
    );
    for lang in LANGS {
        let html = page(&public, &format!("{lang}/index.html"));
        assert!(
            attrs(&html, "a[href]", "href")
                .iter()
                .all(|h| !h.contains("diagnostic")),
            "{lang}: no link to a diagnostic"
        );
    }
    let problems = broken_links(&public, "/");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid diagnostics

/// `basic` with the `diagnostic` fixture laid over it: a small valid diagnostic (2 questions,
/// 2 results) using every obstacle and step of `basic`.
fn diagnostic_fixture() -> Site {
    let site = Site::from_fixture("basic");
    site.overlay(&fixture("diagnostic"));
    site
}

/// What a case must give: `Error`s stop `build` and `check`; `Warning`s only fail `check
/// --strict`. `at` is `file:line:column`.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Error {
        at: &'static str,
        message: &'static str,
    },
    Warning {
        at: &'static str,
        message: &'static str,
    },
}
use Expect::{Error, Warning};

/// One entry per folder of `tests/fixtures/diagnostic-invalid/`.
fn expectation(case: &str) -> Option<Expect> {
    Some(match case {
        "unknown-target" => Error {
            at: "content/diagnostic/q-support.md:10:9",
            message: "unknown node `q-budgte`",
        },
        "unknown-start" => Error {
            at: "content/diagnostic/_index.fr.md:4:10",
            message: "unknown first question `q-suport`",
        },
        "start-differs" => Error {
            at: "content/diagnostic/_index.en.md:4:10",
            message: "`start` is `q-suport` here but `q-support` in `content/diagnostic/_index.fr.md`",
        },
        "self-loop" => Error {
            at: "content/diagnostic/q-support.md:16:9",
            message: "option `no` leads back to its own question",
        },
        "one-option" => Error {
            at: "content/diagnostic/q-support.md:2:1",
            message: "question `q-support` has 1 option(s); a question needs at least two",
        },
        "path-ends-on-question" => Error {
            at: "content/diagnostic/r-sponsor-first.md:2:1",
            message: "question `r-sponsor-first` has no options, so every path reaching it ends without a result",
        },
        "result-with-options" => Error {
            at: "content/diagnostic/r-go.md:2:1",
            message: "result `r-go` has options; a result ends the diagnostic",
        },
        "question-with-always-steps" => Error {
            at: "content/diagnostic/q-support.md:3:18",
            message: "question `q-support` has `always_steps`, which only a result takes",
        },
        "unknown-obstacle" => Error {
            at: "content/diagnostic/q-budget.md:20:17",
            message: "unknown obstacle `budgte`",
        },
        "unknown-step" => Error {
            at: "content/diagnostic/r-go.md:5:18",
            message: "unknown step `champoin`",
        },
        "cycle" => Error {
            at: "content/diagnostic/q-support.md:12:9",
            message: "the diagnostic loops: q-support → q-budget → q-check → q-support",
        },
        "unreachable" => Error {
            at: "content/diagnostic/r-orphan.md:2:1",
            message: "node `r-orphan` cannot be reached from the first question `q-support`",
        },
        "missing-text" => Error {
            at: "content/diagnostic/q-support.md:2:1",
            message: "missing text in `en`",
        },
        "missing-question" => Error {
            at: "content/diagnostic/q-support.md:5:2",
            message: "missing `question` in `text.en`",
        },
        "missing-title" => Error {
            at: "content/diagnostic/r-go.md:8:2",
            message: "missing `title` in `text.en`",
        },
        "missing-label" => Error {
            at: "content/diagnostic/q-support.md:9:7",
            message: "option `yes` has no `label` in `en`",
        },
        "missing-slug" => Error {
            at: "content/diagnostic/q-support.md:9:7",
            message: "option `yes` has no `slug` in `en`",
        },
        "unknown-language-text" => Error {
            at: "content/diagnostic/q-support.md:7:2",
            message: "unknown language `de` in `text`",
        },
        "unknown-language-label" => Error {
            at: "content/diagnostic/q-support.md:11:35",
            message: "unknown language `de` in the `label` of option `yes`",
        },
        "unsafe-slug" => Error {
            at: "content/diagnostic/q-support.md:12:38",
            message: "slug `Management Yes` of option `yes` is not URL-safe",
        },
        "unsafe-option-id" => Error {
            at: "content/diagnostic/q-support.md:11:7",
            message: "option id `yes&really=1` is not a plain id",
        },
        "repeated-option-id" => Error {
            at: "content/diagnostic/q-support.md:11:7",
            message: "option id `yes` is used twice in this question",
        },
        "repeated-slug" => Error {
            at: "content/diagnostic/q-support.md:12:38",
            message: "slug `management` is used by two options of this question",
        },
        "too-many-paths" => Error {
            at: "content/diagnostic/q-support.md:2:1",
            message: "the diagnostic has more than 4 answer paths per language",
        },
        "too-deep" => Error {
            at: "content/diagnostic/r-go.md:2:1",
            message: "a path reaches `r-go` after 2 answers, more than `max_depth = 1`",
        },
        "unshown-obstacle" => Warning {
            at: "content/diagnostic/q-support.md:2:1",
            message: "no path of the diagnostic shows the obstacle `budget`",
        },
        "result-without-tone" => Error {
            at: "content/diagnostic/r-go.md:2:1",
            message: "result `r-go` has no `tone`",
        },
        "tone-contradicts-answers" => Error {
            at: "content/diagnostic/r-go.md:3:9",
            message: "result `r-go` has `tone = \"obstacles\"`, but the answers `q-support=yes&q-budget=yes` flag nothing and leave nothing to check",
        },
        "no-rule-matches" => Error {
            at: "content/diagnostic/q-budget.md:23:10",
            message: "no result rule matches the answers `q-support=yes&q-budget=unsure`",
        },
        "rule-never-chosen" => Error {
            at: "content/diagnostic/r-extra.md:4:9",
            message: "result `r-extra` is never chosen: every path ending with the rules matches an earlier rule, or none matches its `when`",
        },
        "repeated-rule-order" => Error {
            at: "content/diagnostic/r-fix.md:4:9",
            message: "rule order 1 is already used by `r-check`",
        },
        "when-without-order" => Error {
            at: "content/diagnostic/r-sponsor-first.md:4:1",
            message: "result `r-sponsor-first` has `when` but no `order`",
        },
        "question-with-tone" => Error {
            at: "content/diagnostic/q-support.md:3:1",
            message: "question `q-support` has `tone`, which only a result takes",
        },
        "unknown-obstacle-in-when" => Error {
            at: "content/diagnostic/r-fix.md:5:36",
            message: "unknown obstacle `suport`",
        },
        "unknown-answer-in-when" => Error {
            at: "content/diagnostic/r-fix.md:5:45",
            message: "`answered` names `q-budget=maybe`, which is no answer of the diagnostic",
        },
        "unknown-to-check" => Error {
            at: "content/diagnostic/q-budget.md:15:16",
            message: "unknown obstacle `budgte`",
        },
        "reserved-node-id" => Error {
            at: "content/diagnostic/result.md:2:1",
            message: "a node cannot be called `result`",
        },
        "unshown-step" => Warning {
            at: "content/diagnostic/q-support.md:2:1",
            message: "no path of the diagnostic shows the step `extra`",
        },
        _ => return None,
    })
}

fn cases() -> Vec<String> {
    common::entries(&fixture("diagnostic-invalid"))
}

#[test]
fn every_invalid_case_has_an_expectation() {
    let missing: Vec<String> = cases()
        .into_iter()
        .filter(|c| expectation(c).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "case folders of tests/fixtures/diagnostic-invalid/ without an expectation in \
         tests/diagnostic.rs: {missing:?}"
    );
    assert!(cases().len() >= 20, "one case per rule");
}

#[test]
fn the_diagnostic_fixture_is_valid() {
    let site = diagnostic_fixture();
    let run = site.build_ok();
    assert!(
        !run.stderr.contains("content/diagnostic/"),
        "{}",
        run.stderr
    );
    assert!(site.public().join("en/diagnostic/q/index.html").is_file());
    let problems = broken_links(&site.public(), "/");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// The diagnostics `check --format json` reports for files of the diagnostic.
fn diagnostic_warnings(run: &Run) -> Vec<String> {
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check --format json: {e}\n{}", run.stdout));
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["file"]
                .as_str()
                .unwrap()
                .starts_with("content/diagnostic/")
        })
        .filter(|d| !d["message"].as_str().unwrap().starts_with("translation"))
        .map(|d| {
            format!(
                "{}: {}:{}:{}: {}",
                d["severity"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(case: &str, expect: Expect) -> Result<(), String> {
    let site = diagnostic_fixture();
    let base_warnings = diagnostic_warnings(&site.run(&["check", "--format", "json"]));
    if !base_warnings.is_empty() {
        return Err(format!("the diagnostic fixture warns: {base_warnings:?}"));
    }
    site.build_ok();
    let before = snapshot(&site.public());
    site.overlay(&fixture("diagnostic-invalid").join(case));
    let fail = |what: &str, run: &Run| {
        Err(format!(
            "{what} (exit {})\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        ))
    };
    match expect {
        Error { at, message } => {
            let line = format!("error: {at}: {message}");
            for args in [&["build"][..], &["check"][..]] {
                let run = site.run(args);
                let errors: Vec<&str> = run
                    .stderr_lines()
                    .into_iter()
                    .filter(|l| l.starts_with("error"))
                    .collect();
                if run.code != 1 || errors != vec![line.as_str()] {
                    return fail(
                        &format!("`{}` should fail with only `{line}`", args[0]),
                        &run,
                    );
                }
            }
            // An existing public/ is left as it was…
            if snapshot(&site.public()) != before {
                assert_same_tree(&before, &snapshot(&site.public()), case);
            }
            // …and none is created.
            std::fs::remove_dir_all(site.public()).unwrap();
            let run = site.run(&["build"]);
            if run.code != 1 || !run.stderr.contains("nothing was written") {
                return fail("`build` without public/ should fail", &run);
            }
            let left: Vec<String> = common::entries(site.root())
                .into_iter()
                // The spare is the site an earlier good build replaced, and the build cache
                // the one it left.
                .filter(|e| {
                    e != "content"
                        && e != "themes"
                        && e != ".public.spare"
                        && e != ".playbook-cache"
                })
                .collect();
            if !left.is_empty() {
                return Err(format!("a failed build wrote {left:?}"));
            }
        }
        Warning { at, message } => {
            let line = format!("warning: {at}: {message}");
            let run = site.run(&["build"]);
            if run.code != 0 || !run.stderr_lines().contains(&line.as_str()) {
                return fail(&format!("`build` should succeed warning `{line}`"), &run);
            }
            let run = site.run(&["check", "--strict"]);
            if run.code != 1 || !run.stderr_lines().contains(&line.as_str()) {
                return fail(
                    &format!("`check --strict` should fail warning `{line}`"),
                    &run,
                );
            }
            let run = site.run(&["check", "--strict", "--format", "json"]);
            let warnings = diagnostic_warnings(&run);
            if run.code != 1 || warnings != vec![line.clone()] {
                return fail(
                    &format!("`check --strict --format json`: {warnings:?}"),
                    &run,
                );
            }
        }
    }
    Ok(())
}

#[test]
fn invalid_diagnostics_fail_with_a_located_message_and_write_nothing() {
    let mut failures = Vec::new();
    for case in cases() {
        let Some(expect) = expectation(&case) else {
            failures.push(format!("{case}: no expectation"));
            continue;
        };
        if let Err(e) = run_case(&case, expect) {
            failures.push(format!("{case}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Answers may only end with the rules when some result has an `order`: each one says so, and
/// the build fails.
#[test]
fn answers_ending_with_the_rules_need_rules() {
    let site = diagnostic_fixture();
    for r in ["r-fix", "r-check", "r-go"] {
        let file = format!("content/diagnostic/{r}.md");
        let text: String = site
            .read(&file)
            .lines()
            .filter(|l| {
                !l.starts_with("order")
                    && !l.starts_with("when")
                    && !l.starts_with("[when]")
                    && !l.starts_with("to_check_at_least")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        site.write(&file, text);
    }
    let run = site.run(&["build"]);
    run.assert_code(1);
    for (option, line) in [("yes", 9), ("partly", 13), ("no", 18)] {
        let expected = format!(
            "error: content/diagnostic/q-budget.md:{line}:10: option `{option}` ends with `next = \"result\"`, but no result has an `order`"
        );
        assert!(
            run.stderr_lines().contains(&expected.as_str()),
            "{expected}\n{}",
            run.stderr
        );
    }
}

#[test]
fn caps_are_inclusive() {
    // The fixture has 6 path pages per language and paths of at most 2 answers.
    let site = diagnostic_fixture();
    site.write(
        "content/site.toml",
        site.read("content/site.toml") + "\n[diagnostic]\nmax_paths = 6\nmax_depth = 2\n",
    );
    site.build_ok();
    let pages = snapshot(&site.public().join("en/diagnostic/q"));
    assert_eq!(pages.len(), 6, "{:?}", pages.keys().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Overview

/// The overview page of `lang` (the page whose `<main>` says so), relative to `public`.
fn overview_page(public: &Path, lang: &str) -> String {
    let found: Vec<String> = snapshot(&public.join(format!("{lang}/diagnostic")))
        .into_keys()
        .filter(|k| k.ends_with("index.html") && !k.starts_with("q/"))
        .map(|k| format!("{lang}/diagnostic/{k}"))
        .filter(|rel| main_attr(&page(public, rel), "data-diagnostic-kind") == "overview")
        .collect();
    assert_eq!(found.len(), 1, "{lang}: one overview page, got {found:?}");
    found[0].clone()
}

/// A line of SVG text and its estimated box.
struct Line {
    text: String,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Every line of every `<text>` (itself, or each `<tspan>` with `x` / `dy`), with a box from a
/// rough average glyph width; `text-anchor` start or middle.
fn text_lines(doc: &roxmltree::Document) -> Vec<Line> {
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
    let mut out = Vec::new();
    for t in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
    {
        let middle = t.attribute("text-anchor") == Some("middle");
        let (mut x, mut y) = (num(t, "x").unwrap_or(0.0), num(t, "y").unwrap_or(0.0));
        let spans: Vec<roxmltree::Node> = t
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "tspan")
            .collect();
        let mut parts: Vec<(f64, f64, String)> = Vec::new();
        if spans.is_empty() {
            parts.push((x, y, normalize(t.text().unwrap_or(""))));
        }
        for s in spans {
            x = num(s, "x").unwrap_or(x);
            y = num(s, "y").unwrap_or(y + num(s, "dy").unwrap_or(0.0));
            parts.push((x, y, normalize(s.text().unwrap_or(""))));
        }
        for (x, y, text) in parts.into_iter().filter(|p| !p.2.is_empty()) {
            let w = text.chars().count() as f64 * 6.5;
            let left = if middle { x - w / 2.0 } else { x };
            out.push(Line {
                text,
                left,
                right: left + w,
                top: y - 10.0,
                bottom: y + 3.0,
            });
        }
    }
    out
}

#[test]
fn overview_svg_is_accessible_xml() {
    let site = real_built();
    let public = site.public();
    for lang in LANGS {
        let overview = overview_page(&public, lang);
        let html = page(&public, &overview);
        let srcs = attrs(&html, "main picture > img", "src");
        assert_eq!(srcs.len(), 1, "{overview}: one <img> in a <picture>");
        // The dark variant: a second file, picked by the browser for a dark colour scheme.
        let dark = attrs(
            &html,
            r#"main picture > source[media="(prefers-color-scheme: dark)"]"#,
            "srcset",
        );
        assert_eq!(dark.len(), 1, "{overview}: one dark <source>");
        assert_ne!(
            srcs[0], dark[0],
            "{overview}: the dark variant is another file"
        );
        for src in [&srcs[0], &dark[0]] {
            svg_is_accessible_xml(&public, lang, &overview, src);
        }
    }
}

/// One SVG of the overview: XML, accessible, nothing inline a CSP would block, every label real text.
fn svg_is_accessible_xml(public: &Path, lang: &str, overview: &str, src: &str) {
    let (svg_rel, _) = resolve(overview, src, "/").unwrap();
    assert!(
        svg_rel.ends_with(".svg"),
        "{overview}: the image is an SVG: {svg_rel}"
    );
    let text = std::fs::read_to_string(public.join(&svg_rel)).unwrap();
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{svg_rel} is not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"), "{svg_rel}: role=img");
    let child = |name: &str| {
        root.children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(normalize)
            .unwrap_or_default()
    };
    assert!(
        !child("title").is_empty(),
        "{svg_rel}: a <title> first-level child"
    );
    assert!(!child("desc").is_empty(), "{svg_rel}: a <desc>");

    let mut ids = BTreeSet::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        assert_ne!(
            n.tag_name().name(),
            "foreignObject",
            "{svg_rel}: no foreignObject"
        );
        if let Some(id) = n.attribute("id") {
            assert!(ids.insert(id), "{svg_rel}: duplicate id `{id}`");
        }
        // Nothing the site's `Content-Security-Policy: default-src 'self'` would block:
        // colours are presentation attributes.
        assert!(
            !["style", "script"].contains(&n.tag_name().name()),
            "{svg_rel}: an inline <{}>",
            n.tag_name().name()
        );
        assert!(
            n.attribute("style").is_none() && !n.attributes().any(|a| a.name().starts_with("on")),
            "{svg_rel}: a style=\"\" or on…=\"\" attribute on <{}>",
            n.tag_name().name()
        );
        if n.tag_name().name() == "text" {
            assert!(
                n.attribute("fill").is_some(),
                "{svg_rel}: <text> without a fill"
            );
        }
    }
    for id in root
        .attribute("aria-labelledby")
        .unwrap_or("")
        .split_whitespace()
    {
        assert!(
            ids.contains(id),
            "{svg_rel}: aria-labelledby `{id}` names no element"
        );
    }

    // No line of text runs off the drawing or into another (widths estimated).
    let lines = text_lines(&doc);
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    for (i, a) in lines.iter().enumerate() {
        assert!(
            a.left >= 0.0 && a.right <= width,
            "{svg_rel}: `{}` runs off the drawing ({:.0}–{:.0} of {width})",
            a.text,
            a.left,
            a.right
        );
        for b in &lines[i + 1..] {
            let apart =
                a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
            assert!(apart, "{svg_rel}: `{}` overlaps `{}`", a.text, b.text);
        }
    }

    // Every node's label, and every answer's, is real text (lines of one label may be
    // split over several <text> or <tspan>).
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|t| {
            normalize(
                &t.descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    let all = texts.join(" ");
    let flow = flow(public, lang);
    for node in flow.nodes.values() {
        let label = normalize(&heading(node));
        assert!(all.contains(&label), "{svg_rel}: no <text> for `{label}`");
        for o in node["options"].as_array().unwrap() {
            let label = normalize(o["label"].as_str().unwrap());
            assert!(
                texts.iter().any(|t| t.contains(&label)),
                "{svg_rel}: no <text> for the answer `{label}`"
            );
        }
    }
}

#[test]
fn overview_page_shows_the_svg_and_a_text_version() {
    let site = real_built();
    let public = site.public();
    for lang in LANGS {
        let overview = overview_page(&public, lang);
        let html = page(&public, &overview);
        let imgs: Vec<ElementRef> = html.select(&sel("main img")).collect();
        assert_eq!(imgs.len(), 1);
        let alt = imgs[0].value().attr("alt").unwrap_or("");
        assert!(!alt.trim().is_empty(), "{overview}: the <img> has alt text");
        assert!(public
            .join(
                resolve(&overview, imgs[0].value().attr("src").unwrap(), "/")
                    .unwrap()
                    .0
            )
            .is_file());

        // The text version: every node, and every answer with where it leads.
        let flow = flow(&public, lang);
        let headings: Vec<String> = html
            .select(&sel("main h2 ~ section h3, main h3"))
            .map(element_text)
            .collect();
        let items: Vec<ElementRef> = html.select(&sel("main li")).collect();
        for node in flow.nodes.values() {
            let title = normalize(&heading(node));
            assert!(
                headings.iter().any(|h| h.ends_with(&title)),
                "{overview}: the text version lists `{title}`"
            );
            for o in node["options"].as_array().unwrap() {
                let label = normalize(o["label"].as_str().unwrap());
                let target = match o["next"].as_str().unwrap() {
                    BY_RULES => text_of(&html, "#node-result h3")
                        .map(|t| normalize(&t))
                        .expect("the rules' section"),
                    next => normalize(&heading(&flow.nodes[next])),
                };
                assert!(
                    items.iter().any(|li| {
                        element_text(*li).starts_with(&label)
                            && li
                                .select(&sel("a[href]"))
                                .any(|a| element_text(a) == target)
                    }),
                    "{overview}: the text version says `{label}` leads to `{target}`"
                );
            }
        }
        // The rules, in the order they are tried, each leading to its result.
        let rules: Vec<String> = attrs(&html, "#node-result li a", "href");
        let expected: Vec<String> = flow.rules.iter().map(|id| format!("#node-{id}")).collect();
        assert_eq!(rules, expected, "{overview}: the rules in order");
        let problems: Vec<String> = broken_links(&public, "/")
            .into_iter()
            .filter(|p| p.starts_with(&overview))
            .collect();
        assert!(problems.is_empty(), "{problems:?}");
    }
}
