//! Validation of the result rules, as located errors: `tone` on every result and only there,
//! `order` and `when` only on results (and `when` only with `order`), known obstacles and
//! answers in the conditions and in `to_check`, no two rules with one `order`, answers ending
//! with `"result"` only when there are rules; then, on every path, that a rule matches and that
//! the result reached says the truth about the answers (`tone`), and that every rule result is
//! chosen by some path.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::model::{walk, Answer, DecisionTree, Node, NodeKind};
use crate::diagnostic::rules::{choose, Situation, Tone, BY_RULES};
use crate::diagnostic::validate::unknown;
use crate::errors::Diagnostics;

const TONES_HELP: &str = "`tone = \"obstacles\"` when the answers flag obstacles, `\"check\"` when they flag none but leave some to check, `\"clear\"` when they flag none and leave none open";

/// The rules' fields on one node.
pub(super) fn check_node(
    tree: &DecisionTree,
    node: &Node,
    obstacle_ids: &[&str],
    problems: &mut Diagnostics,
) {
    if node.id == BY_RULES {
        problems.push(
            node.error(
                "kind",
                None,
                format!("a node cannot be called `{BY_RULES}`"),
            )
            .help(format!(
                "`next = \"{BY_RULES}\"` lets the rules choose the result: rename the file"
            )),
        );
    }
    match node.kind {
        NodeKind::Question => {
            for (field, present) in [
                ("tone", node.tone.is_some()),
                ("order", node.order.is_some()),
                ("when", node.when.is_some()),
            ] {
                if present {
                    problems.push(
                        node.error(
                            field,
                            None,
                            format!(
                                "question `{}` has `{field}`, which only a result takes",
                                node.id
                            ),
                        )
                        .help("put it on the results this question leads to"),
                    );
                }
            }
        }
        NodeKind::Result => {
            if node.tone.is_none() {
                problems.push(
                    node.error("kind", None, format!("result `{}` has no `tone`", node.id))
                        .help(format!(
                            "say what the result claims about the answers: {TONES_HELP}"
                        )),
                );
            }
            if let Some(order) = node.order {
                if order < 1 {
                    problems.push(
                        node.error(
                            "order",
                            Some(&order.to_string()),
                            format!("rule order {order} is not a position"),
                        )
                        .help("rules are tried from `order = 1` up"),
                    );
                }
            } else if node.when.is_some() {
                problems.push(
                    node.error("when", None, format!("result `{}` has `when` but no `order`", node.id))
                        .help("give it its place among the rules, e.g. `order = 1`: the rules are tried from the lowest `order`, and the first whose `when` holds is shown"),
                );
            }
            if let Some(when) = &node.when {
                for (field, id) in when.obstacle_ids() {
                    if !obstacle_ids.contains(&id.as_str()) {
                        problems.push(unknown(node, field, id, obstacle_ids, "obstacle"));
                    }
                }
                for a in &when.answered {
                    let known = a.split_once('=').is_some_and(|(q, o)| {
                        tree.nodes.get(q).is_some_and(|q| {
                            q.kind == NodeKind::Question && q.options.iter().any(|x| x.id == o)
                        })
                    });
                    if !known {
                        problems.push(
                            node.error("answered", Some(a), format!("`answered` names `{a}`, which is no answer of the diagnostic"))
                                .help("write `\"<question id>=<option id>\"`, e.g. `\"q-dialogue=broadcast\"`"),
                        );
                    }
                }
            }
        }
    }
    for o in &node.options {
        for id in &o.to_check {
            if !obstacle_ids.contains(&id.as_str()) {
                problems.push(unknown(node, "to_check", id, obstacle_ids, "obstacle"));
            }
        }
        if o.next == BY_RULES && tree.rules.is_empty() {
            problems.push(
                node.error("id", Some(&o.id), format!("option `{}` ends with `next = \"{BY_RULES}\"`, but no result has an `order`", o.id))
                    .help("give the results the rules choose from an `order` and `when` conditions, the last one without `when`; or point `next` at a question or a result"),
            );
        }
    }
}

/// No two rules share an `order`.
pub(super) fn check_orders(tree: &DecisionTree, problems: &mut Diagnostics) {
    let mut seen: BTreeMap<i64, &str> = BTreeMap::new();
    for node in tree.nodes.values() {
        let Some(order) = node.order else { continue };
        if let Some(other) = seen.insert(order, &node.id) {
            problems.push(
                node.error(
                    "order",
                    Some(&order.to_string()),
                    format!("rule order {order} is already used by `{other}`"),
                )
                .help("give every rule its own `order`: they are tried one after the other"),
            );
        }
    }
}

fn describe(path: &[(&Node, &Answer)]) -> String {
    path.iter()
        .map(|(n, o)| format!("{}={}", n.id, o.id))
        .collect::<Vec<_>>()
        .join("&")
}

/// What the answers say, in words, for a message.
fn situation_words(s: &Situation) -> String {
    let list = |set: &BTreeSet<String>| {
        set.iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match s.tone() {
        Tone::Obstacles => format!("flag {}", list(&s.flagged)),
        Tone::Check => format!("flag nothing but leave {} to check", list(&s.to_check)),
        Tone::Clear => "flag nothing and leave nothing to check".to_string(),
    }
}

/// Every path: a rule matches where the questions end with `"result"`, and each result's tone
/// fits the answers; then every rule result is chosen somewhere (or reached directly).
pub(super) fn check_paths(
    tree: &DecisionTree,
    reachable: &BTreeSet<String>,
    problems: &mut Diagnostics,
) {
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    let mut unmatched: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut wrong_tone: BTreeMap<String, (String, Situation)> = BTreeMap::new();
    walk(tree, &tree.start, &mut Vec::new(), &mut |node, path| {
        match node.kind {
            NodeKind::Question => {
                for o in node.options.iter().filter(|o| o.next == BY_RULES) {
                    let mut p = path.to_vec();
                    p.push((node, o));
                    if choose(tree, &p).is_none() {
                        unmatched
                            .entry((node.id.clone(), o.id.clone()))
                            .or_insert_with(|| describe(&p));
                    }
                }
            }
            NodeKind::Result => {
                chosen.insert(node.id.clone());
                let s = Situation::shown(path, node);
                if node.tone.is_some_and(|t| t != s.tone()) {
                    wrong_tone
                        .entry(node.id.clone())
                        .or_insert_with(|| (describe(path), s));
                }
            }
        }
        true
    });
    for ((question, option), path) in unmatched {
        let node = &tree.nodes[&question];
        problems.push(
            node.error("id", Some(&option), format!("no result rule matches the answers `{path}`"))
                .help("add a rule for them (a result with `order` and `when`), or end the rules with one without `when`, which catches every other case"),
        );
    }
    for (id, (path, s)) in wrong_tone {
        let node = &tree.nodes[&id];
        let tone = node.tone.expect("checked").name();
        problems.push(
            node.error(
                "tone",
                Some(tone),
                format!(
                    "result `{id}` has `tone = \"{tone}\"`, but the answers `{path}` {}",
                    situation_words(&s)
                ),
            )
            .help(format!(
                "`tone = \"{}\"` fits those answers: have an earlier rule choose another result for them, or change this result's `when` ({TONES_HELP})",
                s.tone().name()
            )),
        );
    }
    for id in &tree.rules {
        if !chosen.contains(id) && !reachable.contains(id) {
            let node = &tree.nodes[id];
            let order = node.order.map(|o| o.to_string()).unwrap_or_default();
            problems.push(
                node.error("order", Some(&order), format!("result `{id}` is never chosen: every path ending with the rules matches an earlier rule, or none matches its `when`"))
                    .help("loosen its `when`, give it a lower `order`, or delete the file"),
            );
        }
    }
}
