//! Validation of the decision tree, every rule of DIAGNOSTIC.md as a located error: texts,
//! labels and slugs in every site language, known targets, obstacles and steps, no cycles, every
//! node reachable, every path ending on a result, and the size caps; warnings for an obstacle or
//! step that no path shows. The result rules (`tone`, `order`, `when`, answers ending with
//! `"result"`) are checked in `rules`. Runs once the content is assembled, before anything is
//! rendered.

mod rules;

use std::collections::{BTreeMap, BTreeSet};

use crate::content::model::Site;
use crate::content::urls::{is_safe_slug, slugify};
use crate::diagnostic::model::{walk, DecisionTree, Node, NodeKind};
use crate::diagnostic::outcome::outcome;
use crate::diagnostic::rules::BY_RULES;
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};

/// An unknown id, with the closest known one or the list of them.
fn unknown(node: &Node, key: &str, id: &str, known: &[&str], what: &str) -> Diagnostic {
    let d = node.error(key, Some(id), format!("unknown {what} `{id}`"));
    match did_you_mean(id, known.iter().copied()) {
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None => d.help(format!("the {what}s are: {}", known.join(", "))),
    }
}

pub(crate) fn validate(tree: &DecisionTree, site: &Site, problems: &mut Diagnostics) {
    let langs = &site.languages;
    let node_ids: Vec<&str> = tree.nodes.keys().map(String::as_str).collect();
    let obstacle_ids: Vec<&str> = site.obstacles.iter().map(|k| k.id.as_str()).collect();
    let step_ids: Vec<&str> = site.steps.iter().map(|k| k.id.as_str()).collect();

    for node in tree.nodes.values() {
        rules::check_node(tree, node, &obstacle_ids, problems);
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
                        slugify(&o.id)
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
            } else if o.next != BY_RULES && !tree.nodes.contains_key(&o.next) {
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
                            slugify(slug)
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
    rules::check_orders(tree, problems);
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
            stack.extend(tree.nodes[&id].targets().cloned());
        }
    }
    // A rule result is reached when the rules choose it: checked on the paths below.
    for node in tree.nodes.values() {
        if !reachable.contains(&node.id) && node.order.is_none() {
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

    // The rules on every path: one matches, and each result's tone tells the truth.
    rules::check_paths(tree, &reachable, problems);
    if problems.has_errors() {
        return;
    }

    // Warnings: obstacles and steps no result ever shows.
    let mut shown_obstacles = BTreeSet::new();
    let mut shown_steps = BTreeSet::new();
    walk(tree, &tree.start, &mut Vec::new(), &mut |node, path| {
        if node.kind == NodeKind::Result {
            let shown = outcome(site, node, path);
            shown_obstacles.extend(shown.obstacles);
            shown_obstacles.extend(shown.to_check);
            shown_steps.extend(shown.start);
            shown_steps.extend(shown.then);
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
        for next in tree.nodes.get(id)?.targets() {
            if let Some(c) = visit(tree, next, stack, done) {
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
